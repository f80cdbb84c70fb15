//! `#[repr(C)]` mirrors of the public structures of `uci.h`.
//!
//! Every type here has exactly the memory layout that `uci-compat/include/uci.h`
//! gives the matching C type (libuci-abi.md §3), because C consumers compile the
//! header's macros and `static inline` helpers into their own binaries and walk
//! these structures directly (`ctx->root`, `p->sections`, `o->v.string`,
//! `ctx->err`, ...). The layout therefore *is* the API: member order and types
//! must not change. Compile-time assertions at the end of this file pin every
//! size, alignment and offset given by the specification; the C side is checked
//! by `tests/c/layout.c`.
//!
//! Naming follows C (`uci_context`, `UCI_ERR_INVAL`) so that code handling the
//! ABI reads like the header; only C keywords that are Rust keywords are
//! renamed (`type` → `type_`).
//!
//! C enums are represented as integer type aliases plus constants rather than
//! Rust `enum`s: C code may store any integer in these fields, and a Rust enum
//! holding an undeclared value would be undefined behaviour. GCC gives an enum
//! without negative enumerators the underlying type `unsigned int`, hence
//! [`c_uint`]; enumeration *constants* are `int` in C, which matters only for
//! the error codes, typed [`c_int`] like `ctx->err`.
//!
//! This module contains declarations only: no functions, no `unsafe`.
//!
//! Ownership reminders for the code that fills these structures (spec §4):
//! every string and element reachable from a context is owned by that
//! context; the only caller-owned results are the `uci_list_configs` array and
//! the `uci_get_errorstr` string, which consumers release with libc `free`, so
//! they must come from `malloc`.

#![allow(non_camel_case_types, non_upper_case_globals)]

use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void, CStr};
use core::marker::{PhantomData, PhantomPinned};

// ---------------------------------------------------------------------------
// §2.1 #defines
// ---------------------------------------------------------------------------

/// `UCI_CONFDIR`: default configuration directory.
pub const UCI_CONFDIR: &str = "/etc/config";
/// `UCI_CONFDIR` as a C string (the default `ctx->confdir` points at such a static string).
pub const UCI_CONFDIR_C: &CStr = c"/etc/config";
/// `UCI_SAVEDIR`: default directory for saved (uncommitted) changes.
pub const UCI_SAVEDIR: &str = "/tmp/.uci";
/// `UCI_SAVEDIR` as a C string.
pub const UCI_SAVEDIR_C: &CStr = c"/tmp/.uci";
/// `UCI_CONF2DIR`: default override directory.
pub const UCI_CONF2DIR: &str = "/var/run/uci";
/// `UCI_CONF2DIR` as a C string.
pub const UCI_CONF2DIR_C: &CStr = c"/var/run/uci";
/// `UCI_DIRMODE` (octal 0700).
pub const UCI_DIRMODE: u32 = 0o700;
/// `UCI_FILEMODE` (octal 0600).
pub const UCI_FILEMODE: u32 = 0o600;
/// `BITS_PER_LONG` as the header defines it by default: `8 * sizeof(unsigned long)`.
pub const BITS_PER_LONG: usize = 8 * core::mem::size_of::<c_ulong>();

// ---------------------------------------------------------------------------
// §2.2 error codes (anonymous enum; stored in `uci_context::err`)
// ---------------------------------------------------------------------------

/// Success.
pub const UCI_OK: c_int = 0;
/// Out of memory.
pub const UCI_ERR_MEM: c_int = 1;
/// Invalid argument (also used for failed internal assertions).
pub const UCI_ERR_INVAL: c_int = 2;
/// Entry not found.
pub const UCI_ERR_NOTFOUND: c_int = 3;
/// I/O error.
pub const UCI_ERR_IO: c_int = 4;
/// Parse error.
pub const UCI_ERR_PARSE: c_int = 5;
/// Duplicate entry.
pub const UCI_ERR_DUPLICATE: c_int = 6;
/// Unknown error (the shim's panic guard reports panics with this code).
pub const UCI_ERR_UNKNOWN: c_int = 7;
/// Number of error codes; not an error itself.
pub const UCI_ERR_LAST: c_int = 8;

/// Message text of each error code, indexed by code (`0..UCI_ERR_LAST`).
/// Any code outside that range is reported as `"Unknown error"`.
pub const UCI_ERROR_STRINGS: [&str; UCI_ERR_LAST as usize] = [
    "Success",
    "Out of memory",
    "Invalid argument",
    "Entry not found",
    "I/O error",
    "Parse error",
    "Duplicate entry",
    "Unknown error",
];

// ---------------------------------------------------------------------------
// §2.3 enum uci_type
// ---------------------------------------------------------------------------

/// `enum uci_type`: tag in [`uci_element::type_`].
pub type uci_type = c_uint;
/// No type.
pub const UCI_TYPE_UNSPEC: uci_type = 0;
/// [`uci_delta`] element.
pub const UCI_TYPE_DELTA: uci_type = 1;
/// [`uci_package`] element.
pub const UCI_TYPE_PACKAGE: uci_type = 2;
/// [`uci_section`] element.
pub const UCI_TYPE_SECTION: uci_type = 3;
/// [`uci_option`] element.
pub const UCI_TYPE_OPTION: uci_type = 4;
/// Plain [`uci_element`] in `ctx->delta_path`; `name` is the directory.
pub const UCI_TYPE_PATH: uci_type = 5;
/// [`uci_backend`] element.
pub const UCI_TYPE_BACKEND: uci_type = 6;
/// List item of a list option (allocated as a [`uci_option`], only the element
/// header is meaningful; `name` is the value).
pub const UCI_TYPE_ITEM: uci_type = 7;
/// Unused (no hook API exists).
pub const UCI_TYPE_HOOK: uci_type = 8;

// Lower-case aliases (`#define uci_type_backend UCI_TYPE_BACKEND`, ...).
/// Alias of [`UCI_TYPE_BACKEND`].
pub const uci_type_backend: uci_type = UCI_TYPE_BACKEND;
/// Alias of [`UCI_TYPE_DELTA`].
pub const uci_type_delta: uci_type = UCI_TYPE_DELTA;
/// Alias of [`UCI_TYPE_PACKAGE`].
pub const uci_type_package: uci_type = UCI_TYPE_PACKAGE;
/// Alias of [`UCI_TYPE_SECTION`].
pub const uci_type_section: uci_type = UCI_TYPE_SECTION;
/// Alias of [`UCI_TYPE_OPTION`].
pub const uci_type_option: uci_type = UCI_TYPE_OPTION;

// ---------------------------------------------------------------------------
// §2.4 enum uci_option_type
// ---------------------------------------------------------------------------

/// `enum uci_option_type`: which member of [`uci_option_value`] is live.
pub type uci_option_type = c_uint;
/// `v.string` is live.
pub const UCI_TYPE_STRING: uci_option_type = 0;
/// `v.list` is live (head of `UCI_TYPE_ITEM` elements; may be empty).
pub const UCI_TYPE_LIST: uci_option_type = 1;

// ---------------------------------------------------------------------------
// §2.5 enum uci_flags
// ---------------------------------------------------------------------------

/// `enum uci_flags`: bit set in [`uci_context::flags`] (consumers modify it directly).
pub type uci_flags = c_uint;
/// Parser aborts on the first parse error.
pub const UCI_FLAG_STRICT: uci_flags = 1 << 0;
/// Parser prints each parse error to stderr.
pub const UCI_FLAG_PERROR: uci_flags = 1 << 1;
/// Export/commit writes the generated names of anonymous sections.
pub const UCI_FLAG_EXPORT_NAME: uci_flags = 1 << 2;
/// Keep parsed delta-file changes in `p->saved_delta`.
pub const UCI_FLAG_SAVED_DELTA: uci_flags = 1 << 3;
/// Flags of a fresh context (`uci_alloc_context`): `STRICT | SAVED_DELTA` = 9.
pub const UCI_DEFAULT_FLAGS: uci_flags = UCI_FLAG_STRICT | UCI_FLAG_SAVED_DELTA;

// ---------------------------------------------------------------------------
// §2.6 enum uci_command
// ---------------------------------------------------------------------------

/// `enum uci_command`: [`uci_delta::cmd`].
pub type uci_command = c_uint;
/// Section added (`+`).
pub const UCI_CMD_ADD: uci_command = 0;
/// Section/option removed (`-`).
pub const UCI_CMD_REMOVE: uci_command = 1;
/// Value or type set (no prefix).
pub const UCI_CMD_CHANGE: uci_command = 2;
/// Renamed (`@`).
pub const UCI_CMD_RENAME: uci_command = 3;
/// Section moved (`^`).
pub const UCI_CMD_REORDER: uci_command = 4;
/// List value appended (`|`).
pub const UCI_CMD_LIST_ADD: uci_command = 5;
/// List value removed (`~`).
pub const UCI_CMD_LIST_DEL: uci_command = 6;
/// Number of commands.
pub const __UCI_CMD_MAX: uci_command = 7;
/// Last valid command.
pub const __UCI_CMD_LAST: uci_command = 6;

/// Contents of the exported data symbol `uci_command_char` (exactly 7 bytes,
/// read-only): the delta-file prefix of each [`uci_command`], `0` for
/// `UCI_CMD_CHANGE`. The export itself is defined where the other exported
/// symbols live, as a `static [u8; 7]` initialised from this constant (C
/// declares it `extern char const uci_command_char[]`; only the bytes matter).
pub const UCI_COMMAND_CHAR: [u8; __UCI_CMD_MAX as usize] = *b"+-\0@^|~";

// ---------------------------------------------------------------------------
// §2.7 uci_ptr lookup flags (anonymous enum declared inside struct uci_ptr)
// ---------------------------------------------------------------------------

/// Type of [`uci_ptr::flags`] (an anonymous C enum, 4 bytes).
pub type uci_ptr_flags = c_uint;
/// `uci_lookup_ptr` ran.
pub const UCI_LOOKUP_DONE: uci_ptr_flags = 1 << 0;
/// Every part named in the pointer was found.
pub const UCI_LOOKUP_COMPLETE: uci_ptr_flags = 1 << 1;
/// The section part uses extended (`@type[idx]`) syntax.
pub const UCI_LOOKUP_EXTENDED: uci_ptr_flags = 1 << 2;

// ---------------------------------------------------------------------------
// §3 structures
// ---------------------------------------------------------------------------

/// `struct uci_list` (16 bytes): node of an intrusive, circular, doubly linked
/// list. An empty list head points to itself in both directions.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct uci_list {
    /// Next node, or the head.
    pub next: *mut uci_list,
    /// Previous node, or the head; `head.prev` is the tail.
    pub prev: *mut uci_list,
}

/// `struct uci_element` (32 bytes): common header at offset 0 of every
/// package, section, option, delta, backend, delta-path entry and list item.
/// C code converts between the two with `container_of`, so it must stay the
/// first member of each of those structs.
#[repr(C)]
#[derive(Debug)]
pub struct uci_element {
    /// Link in the parent's list.
    pub list: uci_list,
    /// Type tag (`UCI_TYPE_*`).
    pub type_: uci_type,
    /// Heap string owned by the element (may be NULL for section-level deltas).
    pub name: *mut c_char,
}

/// `struct uci_backend::list_configs`.
pub type uci_backend_list_configs_fn =
    Option<unsafe extern "C" fn(ctx: *mut uci_context) -> *mut *mut c_char>;
/// `struct uci_backend::load`.
pub type uci_backend_load_fn =
    Option<unsafe extern "C" fn(ctx: *mut uci_context, name: *const c_char) -> *mut uci_package>;
/// `struct uci_backend::commit`.
pub type uci_backend_commit_fn =
    Option<unsafe extern "C" fn(ctx: *mut uci_context, p: *mut *mut uci_package, overwrite: bool)>;

/// `struct uci_backend` (72 bytes). Exactly one exists, the static `"file"`
/// backend, linked into every context's `backends` list.
#[repr(C)]
pub struct uci_backend {
    /// `e.name = "file"`, `e.type_ = UCI_TYPE_BACKEND`.
    pub e: uci_element,
    /// Backend hook (C function pointer, may be NULL).
    pub list_configs: uci_backend_list_configs_fn,
    /// Backend hook (C function pointer, may be NULL).
    pub load: uci_backend_load_fn,
    /// Backend hook (C function pointer, may be NULL).
    pub commit: uci_backend_commit_fn,
    /// Private; the reference points it at the backend itself.
    pub ptr: *const c_void,
    /// Private.
    pub priv_: *mut c_void,
}

/// Size in bytes of the C `jmp_buf` on the supported target.
#[cfg(target_arch = "x86_64")]
pub const UCI_JMP_BUF_SIZE: usize = 200;

/// Size in bytes of the C `jmp_buf` on aarch64 (musl, measured with the
/// Debian musl-dev:arm64 headers: 22 registers + flag + 128-byte sigset).
#[cfg(target_arch = "aarch64")]
pub const UCI_JMP_BUF_SIZE: usize = 312;

/// Size in bytes of the C `jmp_buf` on 32-bit ARM (musl, measured with the
/// Debian musl-dev:armhf headers: 32 64-bit slots + flag + 128-byte sigset,
/// padded to its 8-byte alignment).
#[cfg(target_arch = "arm")]
pub const UCI_JMP_BUF_SIZE: usize = 392;

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64", target_arch = "arm")))]
compile_error!(
    "uci-compat: the size of jmp_buf (uci_context.trap) is only known for x86_64, aarch64 and arm; \
     measure it with uci-compat/tests/c/layout.c and add the target here"
);

/// Storage of the C `jmp_buf` member `uci_context::trap`: 200 bytes, 8-byte
/// aligned on `x86_64` glibc and musl (`struct __jmp_buf_tag[1]`; 312 on
/// aarch64 and 392 on arm musl, also 8-byte aligned). The shim never
/// uses it; it only reserves the space so later members keep their offsets.
#[repr(C, align(8))]
#[derive(Debug, Clone, Copy)]
pub struct uci_jmp_buf(pub [u8; UCI_JMP_BUF_SIZE]);

/// `struct uci_parse_context`: opaque to consumers (only forward-declared in
/// `uci.h`). The shim may keep any private parser state behind
/// [`uci_context::pctx`]; C code only compares the pointer with NULL.
#[repr(C)]
pub struct uci_parse_context {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `struct uci_context` (336 bytes): the library handle.
#[repr(C)]
pub struct uci_context {
    /// Loaded packages ([`uci_package::e`]), in load order.
    pub root: uci_list,
    /// Parser state; kept after a failed parse for the error detail.
    pub pctx: *mut uci_parse_context,
    /// Current backend (always the file backend).
    pub backend: *mut uci_backend,
    /// Available backends (one element, `"file"`).
    pub backends: uci_list,
    /// `UCI_FLAG_*` bits; consumers read and modify this directly.
    pub flags: uci_flags,
    /// Config directory (initially the static [`UCI_CONFDIR_C`]).
    pub confdir: *mut c_char,
    /// Delta save directory (initially the static [`UCI_SAVEDIR_C`]).
    pub savedir: *mut c_char,
    /// Override directory (initially [`UCI_CONF2DIR_C`]); NULL = disabled.
    pub conf2dir: *mut c_char,
    /// `UCI_TYPE_PATH` elements searched for delta files; savedir is last.
    pub delta_path: uci_list,
    /// Error code of the most recent API call (private but widely read).
    pub err: c_int,
    /// Private; always NULL.
    pub func: *const c_char,
    /// Private `jmp_buf` of the reference implementation; unused by the shim.
    pub trap: uci_jmp_buf,
    /// Private.
    pub internal: bool,
    /// Private.
    pub nested: bool,
    /// Private scratch buffer.
    pub buf: *mut c_char,
    /// Private.
    pub bufsz: c_int,
}

/// `struct uci_package` (128 bytes): one loaded configuration.
#[repr(C)]
pub struct uci_package {
    /// `e.name` = package name; `e.type_ = UCI_TYPE_PACKAGE`.
    pub e: uci_element,
    /// Sections ([`uci_section::e`]) in file order.
    pub sections: uci_list,
    /// Owning context.
    pub ctx: *mut uci_context,
    /// Changes are tracked in `delta` and saved to delta files.
    pub has_delta: bool,
    /// The file was found in `conf2dir`.
    pub uses_conf2: bool,
    /// Heap string: path of the backing file, or NULL (imported packages).
    pub path: *mut c_char,
    /// File backend.
    pub backend: *mut uci_backend,
    /// Private, unused.
    pub priv_: *mut c_void,
    /// Private counter used to name anonymous sections.
    pub n_section: c_int,
    /// Unsaved changes ([`uci_delta`] elements), oldest first.
    pub delta: uci_list,
    /// Changes read from delta files at load time.
    pub saved_delta: uci_list,
}

/// `struct uci_section` (72 bytes).
#[repr(C)]
pub struct uci_section {
    /// `e.name` = section name (generated for anonymous sections).
    pub e: uci_element,
    /// Options ([`uci_option::e`]) in order.
    pub options: uci_list,
    /// Parent package.
    pub package: *mut uci_package,
    /// Declared without a name.
    pub anonymous: bool,
    /// Section type; the reference stores it right after the struct
    /// (`uci_dataptr(s)`).
    pub type_: *mut c_char,
}

/// The union `v` of `struct uci_option` (16 bytes); [`uci_option::type_`]
/// says which member is live.
#[repr(C)]
#[derive(Clone, Copy)]
pub union uci_option_value {
    /// `UCI_TYPE_LIST`: head of the `UCI_TYPE_ITEM` elements.
    pub list: uci_list,
    /// `UCI_TYPE_STRING`: the value; the reference stores it right after the
    /// struct (`uci_dataptr(o)`).
    pub string: *mut c_char,
}

/// `struct uci_option` (64 bytes). List items are allocated with this size too.
#[repr(C)]
pub struct uci_option {
    /// `e.name` = option name.
    pub e: uci_element,
    /// Parent section.
    pub section: *mut uci_section,
    /// `UCI_TYPE_STRING` or `UCI_TYPE_LIST`.
    pub type_: uci_option_type,
    /// The value.
    pub v: uci_option_value,
}

/// `struct uci_delta` (56 bytes): one recorded change.
#[repr(C)]
pub struct uci_delta {
    /// `e.type_ = UCI_TYPE_DELTA`; `e.name` = option name or NULL.
    pub e: uci_element,
    /// `UCI_CMD_*`.
    pub cmd: uci_command,
    /// Section name (never NULL).
    pub section: *mut c_char,
    /// Value / new type / new name / position / list value; NULL only for a
    /// REMOVE without index.
    pub value: *mut c_char,
}

/// `struct uci_ptr` (72 bytes): a parsed `package.section.option=value`
/// tuple and the result of looking it up.
#[repr(C)]
pub struct uci_ptr {
    /// `UCI_TYPE_PACKAGE`, `_SECTION` or `_OPTION`; 0 if filled by hand.
    pub target: uci_type,
    /// `UCI_LOOKUP_*` bits.
    pub flags: uci_ptr_flags,
    /// Resolved package.
    pub p: *mut uci_package,
    /// Resolved section.
    pub s: *mut uci_section,
    /// Resolved option.
    pub o: *mut uci_option,
    /// Deepest element found by the lookup.
    pub last: *mut uci_element,
    /// Package name (points into the caller's buffer or an element name).
    pub package: *const c_char,
    /// Section name.
    pub section: *const c_char,
    /// Option name.
    pub option: *const c_char,
    /// Value (text after the first `=`).
    pub value: *const c_char,
}

/// `struct uci_parse_option` (16 bytes): entry of the table given to
/// `uci_parse_section`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct uci_parse_option {
    /// Option name to match.
    pub name: *const c_char,
    /// Required option type.
    pub type_: uci_option_type,
}

// ---------------------------------------------------------------------------
// §3.12 uci_blob.h (libubox types; used by the blob helpers, added later)
// ---------------------------------------------------------------------------

/// libubox `enum blobmsg_type`.
pub type blobmsg_type = c_uint;
/// `BLOBMSG_TYPE_UNSPEC`.
pub const BLOBMSG_TYPE_UNSPEC: blobmsg_type = 0;
/// `BLOBMSG_TYPE_ARRAY`.
pub const BLOBMSG_TYPE_ARRAY: blobmsg_type = 1;
/// `BLOBMSG_TYPE_TABLE`.
pub const BLOBMSG_TYPE_TABLE: blobmsg_type = 2;
/// `BLOBMSG_TYPE_STRING`.
pub const BLOBMSG_TYPE_STRING: blobmsg_type = 3;
/// `BLOBMSG_TYPE_INT64`.
pub const BLOBMSG_TYPE_INT64: blobmsg_type = 4;
/// `BLOBMSG_TYPE_INT32`.
pub const BLOBMSG_TYPE_INT32: blobmsg_type = 5;
/// `BLOBMSG_TYPE_INT16`.
pub const BLOBMSG_TYPE_INT16: blobmsg_type = 6;
/// `BLOBMSG_TYPE_INT8`.
pub const BLOBMSG_TYPE_INT8: blobmsg_type = 7;
/// `BLOBMSG_TYPE_BOOL` (same value as INT8).
pub const BLOBMSG_TYPE_BOOL: blobmsg_type = BLOBMSG_TYPE_INT8;
/// `BLOBMSG_TYPE_DOUBLE`.
pub const BLOBMSG_TYPE_DOUBLE: blobmsg_type = 8;
/// `BLOBMSG_TYPE_LAST`.
pub const BLOBMSG_TYPE_LAST: blobmsg_type = 8;

/// libubox `struct blob_attr` (opaque here).
#[repr(C)]
pub struct blob_attr {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// libubox `struct blob_buf` (opaque here).
#[repr(C)]
pub struct blob_buf {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// libubox `struct blobmsg_policy` (16 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct blobmsg_policy {
    /// Attribute name.
    pub name: *const c_char,
    /// `BLOBMSG_TYPE_*`.
    pub type_: blobmsg_type,
}

/// `struct uci_blob_param_info` (4 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct uci_blob_param_info {
    /// Element type of an array parameter.
    pub type_: blobmsg_type,
}

/// `struct uci_blob_param_list` (40 bytes plus 8 per `next` entry; the C
/// struct ends in a flexible array member `next[]`).
#[repr(C)]
pub struct uci_blob_param_list {
    /// Number of entries in `params` (and `info`, `validate`).
    pub n_params: c_int,
    /// Policy table.
    pub params: *const blobmsg_policy,
    /// Optional per-parameter info (may be NULL).
    pub info: *const uci_blob_param_info,
    /// Optional validation strings (may be NULL).
    pub validate: *const *const c_char,
    /// Number of entries in `next`.
    pub n_next: c_int,
    /// Flexible array: `n_next` further parameter lists.
    pub next: [*const uci_blob_param_list; 0],
}

// ---------------------------------------------------------------------------
// Layout assertions (libuci-abi.md §3, x86_64)
// ---------------------------------------------------------------------------

macro_rules! assert_layout {
    ($t:ty, size $size:expr, align $align:expr) => {
        const _: () = assert!(
            core::mem::size_of::<$t>() == $size,
            concat!("size of ", stringify!($t))
        );
        const _: () = assert!(
            core::mem::align_of::<$t>() == $align,
            concat!("align of ", stringify!($t))
        );
    };
}

macro_rules! assert_offset {
    ($t:ty, $field:ident, $off:expr) => {
        const _: () = assert!(
            core::mem::offset_of!($t, $field) == $off,
            concat!("offset of ", stringify!($t), ".", stringify!($field))
        );
    };
}

// The cross targets (scripts/cross.sh): `uci_context` as the target's C
// compiler lays it out with uci-compat/include/uci.h (measured with the
// Debian musl cross headers); the other structs follow from repr(C).
#[cfg(target_arch = "aarch64")]
mod layout_aarch64 {
    use super::uci_context;
    assert_layout!(uci_context, size 448, align 8);
    assert_offset!(uci_context, trap, 112);
    assert_offset!(uci_context, internal, 424);
}

#[cfg(target_arch = "arm")]
mod layout_arm {
    use super::uci_context;
    assert_layout!(uci_context, size 464, align 8);
    assert_offset!(uci_context, trap, 56);
    assert_offset!(uci_context, internal, 448);
}

#[cfg(target_arch = "x86_64")]
#[allow(clippy::wildcard_imports)]
mod layout_x86_64 {
    use super::*;

    // scalar members
    assert_layout!(uci_type, size 4, align 4);
    assert_layout!(uci_option_type, size 4, align 4);
    assert_layout!(uci_flags, size 4, align 4);
    assert_layout!(uci_command, size 4, align 4);
    assert_layout!(uci_ptr_flags, size 4, align 4);
    assert_layout!(bool, size 1, align 1);
    assert_layout!(uci_jmp_buf, size 200, align 8);
    assert_layout!(uci_backend_list_configs_fn, size 8, align 8);
    assert_layout!(uci_backend_load_fn, size 8, align 8);
    assert_layout!(uci_backend_commit_fn, size 8, align 8);
    assert_layout!(uci_option_value, size 16, align 8);

    // §3.1
    assert_layout!(uci_list, size 16, align 8);
    assert_offset!(uci_list, next, 0);
    assert_offset!(uci_list, prev, 8);

    // §3.2
    assert_layout!(uci_element, size 32, align 8);
    assert_offset!(uci_element, list, 0);
    assert_offset!(uci_element, type_, 16);
    assert_offset!(uci_element, name, 24);

    // §3.3
    assert_layout!(uci_backend, size 72, align 8);
    assert_offset!(uci_backend, e, 0);
    assert_offset!(uci_backend, list_configs, 32);
    assert_offset!(uci_backend, load, 40);
    assert_offset!(uci_backend, commit, 48);
    assert_offset!(uci_backend, ptr, 56);
    assert_offset!(uci_backend, priv_, 64);

    // §3.4
    assert_layout!(uci_context, size 336, align 8);
    assert_offset!(uci_context, root, 0);
    assert_offset!(uci_context, pctx, 16);
    assert_offset!(uci_context, backend, 24);
    assert_offset!(uci_context, backends, 32);
    assert_offset!(uci_context, flags, 48);
    assert_offset!(uci_context, confdir, 56);
    assert_offset!(uci_context, savedir, 64);
    assert_offset!(uci_context, conf2dir, 72);
    assert_offset!(uci_context, delta_path, 80);
    assert_offset!(uci_context, err, 96);
    assert_offset!(uci_context, func, 104);
    assert_offset!(uci_context, trap, 112);
    assert_offset!(uci_context, internal, 312);
    assert_offset!(uci_context, nested, 313);
    assert_offset!(uci_context, buf, 320);
    assert_offset!(uci_context, bufsz, 328);

    // §3.5
    assert_layout!(uci_package, size 128, align 8);
    assert_offset!(uci_package, e, 0);
    assert_offset!(uci_package, sections, 32);
    assert_offset!(uci_package, ctx, 48);
    assert_offset!(uci_package, has_delta, 56);
    assert_offset!(uci_package, uses_conf2, 57);
    assert_offset!(uci_package, path, 64);
    assert_offset!(uci_package, backend, 72);
    assert_offset!(uci_package, priv_, 80);
    assert_offset!(uci_package, n_section, 88);
    assert_offset!(uci_package, delta, 96);
    assert_offset!(uci_package, saved_delta, 112);

    // §3.6
    assert_layout!(uci_section, size 72, align 8);
    assert_offset!(uci_section, e, 0);
    assert_offset!(uci_section, options, 32);
    assert_offset!(uci_section, package, 48);
    assert_offset!(uci_section, anonymous, 56);
    assert_offset!(uci_section, type_, 64);

    // §3.7 (v.list and v.string are at v + 0, checked on the union itself)
    assert_layout!(uci_option, size 64, align 8);
    assert_offset!(uci_option, e, 0);
    assert_offset!(uci_option, section, 32);
    assert_offset!(uci_option, type_, 40);
    assert_offset!(uci_option, v, 48);
    assert_offset!(uci_option_value, list, 0);
    assert_offset!(uci_option_value, string, 0);

    // §3.8
    assert_layout!(uci_delta, size 56, align 8);
    assert_offset!(uci_delta, e, 0);
    assert_offset!(uci_delta, cmd, 32);
    assert_offset!(uci_delta, section, 40);
    assert_offset!(uci_delta, value, 48);

    // §3.9
    assert_layout!(uci_ptr, size 72, align 8);
    assert_offset!(uci_ptr, target, 0);
    assert_offset!(uci_ptr, flags, 4);
    assert_offset!(uci_ptr, p, 8);
    assert_offset!(uci_ptr, s, 16);
    assert_offset!(uci_ptr, o, 24);
    assert_offset!(uci_ptr, last, 32);
    assert_offset!(uci_ptr, package, 40);
    assert_offset!(uci_ptr, section, 48);
    assert_offset!(uci_ptr, option, 56);
    assert_offset!(uci_ptr, value, 64);

    // §3.10
    assert_layout!(uci_parse_option, size 16, align 8);
    assert_offset!(uci_parse_option, name, 0);
    assert_offset!(uci_parse_option, type_, 8);

    // §3.12
    assert_layout!(blobmsg_policy, size 16, align 8);
    assert_offset!(blobmsg_policy, name, 0);
    assert_offset!(blobmsg_policy, type_, 8);
    assert_layout!(uci_blob_param_info, size 4, align 4);
    assert_offset!(uci_blob_param_info, type_, 0);
    assert_layout!(uci_blob_param_list, size 40, align 8);
    assert_offset!(uci_blob_param_list, n_params, 0);
    assert_offset!(uci_blob_param_list, params, 8);
    assert_offset!(uci_blob_param_list, info, 16);
    assert_offset!(uci_blob_param_list, validate, 24);
    assert_offset!(uci_blob_param_list, n_next, 32);
    assert_offset!(uci_blob_param_list, next, 40);

    // §2 values that other code indexes with
    const _: () = assert!(BITS_PER_LONG == 64);
    const _: () = assert!(UCI_DEFAULT_FLAGS == 9);
    const _: () = assert!(UCI_COMMAND_CHAR.len() == 7);
    const _: () = assert!(UCI_COMMAND_CHAR[2] == 0 && UCI_COMMAND_CHAR[6] == b'~');
}
