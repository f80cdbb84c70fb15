//! The three libubox helpers of `uci_blob.h` (libuci-abi.md §3.12, §6.28):
//! `uci_to_blob` turns the options of a section into blobmsg attributes
//! chosen by a policy table, `uci_blob_check_equal` and `uci_blob_diff`
//! compare attribute sets under such a table.
//!
//! The option values come from the core's model (the [`Section`] that the
//! C section mirrors); the blobs are built and parsed only by libubox
//! itself: libubox.so's `blobmsg_parse`, and its header's inline helpers
//! (`blobmsg_open_array`, `blobmsg_add_string`/`_u8`/`_u32`/`_u64`,
//! `blob_data`, `blob_len`, `blob_raw_len`) through `ubox/glue.c`, which
//! build.rs compiles against the headers of the libubox that libuci.so
//! links. Nothing here knows the blob format.
//!
//! Rules (as libuci's):
//!
//! * An option matches every policy entry of the same name; entries whose
//!   type is above `BLOBMSG_TYPE_LAST` are skipped, and each blobmsg type
//!   is used at most once per option and table.
//! * `ARRAY`: a nested array named like the entry, holding each list item,
//!   or each non-empty word (split on space and tab) of a string option,
//!   converted to the element type `info[i].type` (`STRING` when `info` is
//!   NULL or the type is 0); items that do not convert are left out. It
//!   counts 1, even when empty.
//! * Other types take string options only: `STRING` as is; `BOOL` `true`/`1`
//!   → u8 1, `false`/`0` → u8 0; `INT32` and `INT64` through C's
//!   `strtol`/`strtoll` with base 0, which must consume the whole value
//!   (so an empty value is 0), added as u32 (truncated like C's `int`) and
//!   u64. Anything else (`UNSPEC`, `TABLE`, `INT16`, `DOUBLE`, values that
//!   do not convert) adds nothing. Each added attribute counts 1.
//! * Then the tables of `next[]` are applied in turn (recursively); the
//!   result is the total count. `validate` is not read (it is for the
//!   caller's own validation).
//! * `uci_blob_diff`: entry `i < n_params` differs when exactly one side is
//!   NULL, or the payload lengths differ, or the raw attributes (header
//!   included) differ. With `diff_bits` NULL the first difference returns
//!   true; otherwise bit `i` (`uci_bitfield_set`) is set for each.
//! * `uci_blob_check_equal`: false when exactly one attribute is NULL, true
//!   when both are; else both payloads are parsed with `blobmsg_parse` over
//!   the table and compared with `uci_blob_diff`, then the same for each
//!   table of `config->next[]` (one level: the tables' own `next` are not
//!   followed).
//!
//! Where libuci would crash (NULL buffer, section, table, policy array or
//! attribute tables), these return 0/false instead. A section that is not
//! one of a live context's sections adds nothing.

use core::ffi::{c_char, c_int, c_uint, c_ulong, c_void, CStr};
use core::ptr;
use std::ffi::CString;

use ucix::model::{Section, Value};

use crate::abi::{uci_context, uci_package, uci_section};
use crate::context::Cx;
use crate::guard;

/// `struct blob_buf` (libubox): only passed through.
#[repr(C)]
pub struct blob_buf {
    _opaque: [u8; 0],
}

/// `struct blob_attr` (libubox): only passed through.
#[repr(C)]
pub struct blob_attr {
    _opaque: [u8; 0],
}

/// `struct blobmsg_policy` (libubox), 16 bytes (8 on 32-bit targets).
#[repr(C)]
pub struct blobmsg_policy {
    pub name: *const c_char,
    pub type_: c_uint,
}

/// `struct uci_blob_param_info`, 4 bytes.
#[repr(C)]
pub struct uci_blob_param_info {
    pub type_: c_uint,
}

/// `struct uci_blob_param_list`, 40 bytes plus 8 per `next[]` entry (20
/// plus 4 on 32-bit targets).
#[repr(C)]
pub struct uci_blob_param_list {
    pub n_params: c_int,
    pub params: *const blobmsg_policy,
    pub info: *const uci_blob_param_info,
    pub validate: *const *const c_char,
    pub n_next: c_int,
    pub next: [*const uci_blob_param_list; 0],
}

// the C layout on LP64 (x86_64, aarch64) and on ILP32 (arm)
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(size_of::<blobmsg_policy>() == 16);
    assert!(size_of::<uci_blob_param_info>() == 4);
    assert!(size_of::<uci_blob_param_list>() == 40);
    assert!(core::mem::offset_of!(uci_blob_param_list, params) == 8);
    assert!(core::mem::offset_of!(uci_blob_param_list, info) == 16);
    assert!(core::mem::offset_of!(uci_blob_param_list, validate) == 24);
    assert!(core::mem::offset_of!(uci_blob_param_list, n_next) == 32);
    assert!(core::mem::offset_of!(uci_blob_param_list, next) == 40);
};
#[cfg(target_pointer_width = "32")]
const _: () = {
    assert!(size_of::<blobmsg_policy>() == 8);
    assert!(size_of::<uci_blob_param_info>() == 4);
    assert!(size_of::<uci_blob_param_list>() == 20);
    assert!(core::mem::offset_of!(uci_blob_param_list, params) == 4);
    assert!(core::mem::offset_of!(uci_blob_param_list, info) == 8);
    assert!(core::mem::offset_of!(uci_blob_param_list, validate) == 12);
    assert!(core::mem::offset_of!(uci_blob_param_list, n_next) == 16);
    assert!(core::mem::offset_of!(uci_blob_param_list, next) == 20);
};

/// libubox `enum blobmsg_type` values used here.
pub const BLOBMSG_TYPE_UNSPEC: c_uint = 0;
pub const BLOBMSG_TYPE_ARRAY: c_uint = 1;
pub const BLOBMSG_TYPE_STRING: c_uint = 3;
pub const BLOBMSG_TYPE_INT64: c_uint = 4;
pub const BLOBMSG_TYPE_INT32: c_uint = 5;
pub const BLOBMSG_TYPE_BOOL: c_uint = 7;
pub const BLOBMSG_TYPE_LAST: c_uint = 8;

extern "C" {
    // libubox.so
    fn blobmsg_parse(policy: *const blobmsg_policy, policy_len: c_int, tb: *mut *mut blob_attr, data: *mut c_void, len: c_uint) -> c_int;
    // ubox/glue.c: the header's inline helpers
    fn ucix_ubox_open_array(b: *mut blob_buf, name: *const c_char) -> *mut c_void;
    fn ucix_ubox_close_array(b: *mut blob_buf, cookie: *mut c_void);
    fn ucix_ubox_add_string(b: *mut blob_buf, name: *const c_char, value: *const c_char) -> c_int;
    fn ucix_ubox_add_u8(b: *mut blob_buf, name: *const c_char, value: u8) -> c_int;
    fn ucix_ubox_add_u32(b: *mut blob_buf, name: *const c_char, value: u32) -> c_int;
    fn ucix_ubox_add_u64(b: *mut blob_buf, name: *const c_char, value: u64) -> c_int;
    fn ucix_ubox_data(attr: *const blob_attr) -> *mut c_void;
    fn ucix_ubox_len(attr: *const blob_attr) -> usize;
    fn ucix_ubox_raw_len(attr: *const blob_attr) -> usize;
}

/// A policy table as the caller gave it.
#[derive(Clone, Copy)]
struct Table<'a> {
    list: &'a uci_blob_param_list,
    /// The same table as a raw pointer: `next[]` lies past the struct, so
    /// it is reached from this pointer rather than from the reference.
    raw: *const uci_blob_param_list,
}

impl<'a> Table<'a> {
    /// # Safety
    /// `p` is NULL or a table as `uci_blob.h` describes it: `params` holds
    /// `n_params` entries (names NULL or C strings), `info` is NULL or holds
    /// `n_params` entries, `next` holds `n_next` tables of the same kind,
    /// all alive for `'a`.
    unsafe fn new(p: *const uci_blob_param_list) -> Option<Table<'a>> {
        // SAFETY: NULL or valid, by the caller's guarantee.
        unsafe { p.as_ref() }.map(|list| Table { list, raw: p })
    }

    /// The number of policy entries (0 without a policy array).
    fn len(&self) -> usize {
        if self.list.params.is_null() {
            0
        } else {
            usize::try_from(self.list.n_params).unwrap_or(0)
        }
    }

    /// Entry `i < len()`: name and type.
    fn entry(&self, i: usize) -> (Option<&'a CStr>, c_uint) {
        // SAFETY: `i < n_params` entries exist (contract of `new`); the name
        // is NULL or a C string.
        unsafe {
            let e = &*self.list.params.add(i);
            (if e.name.is_null() { None } else { Some(CStr::from_ptr(e.name)) }, e.type_)
        }
    }

    /// The element type of ARRAY entry `i` (`STRING` by default).
    fn element_type(&self, i: usize) -> c_uint {
        if self.list.info.is_null() {
            return BLOBMSG_TYPE_STRING;
        }
        // SAFETY: `info` holds `n_params` entries (contract of `new`).
        match unsafe { (*self.list.info.add(i)).type_ } {
            BLOBMSG_TYPE_UNSPEC => BLOBMSG_TYPE_STRING,
            t => t,
        }
    }

    /// The tables of `next[]` (NULL entries skipped).
    fn next(&self) -> impl Iterator<Item = Table<'a>> + 'a {
        let n = usize::try_from(self.list.n_next).unwrap_or(0);
        // SAFETY: `raw` points to a live table (contract of `new`); only
        // the address of its flexible array is taken.
        let base = unsafe { (&raw const (*self.raw).next).cast::<*const uci_blob_param_list>() };
        (0..n).filter_map(move |i| {
            // SAFETY: `next` holds `n_next` entries, each NULL or a table
            // of the same kind (contract of `new`).
            unsafe { Table::new(*base.add(i)) }
        })
    }

    fn policy_ptr(&self) -> *const blobmsg_policy {
        self.list.params
    }
}

/// Adds `value` converted to `ty` under `name` (NULL: unnamed, inside an
/// array); false when it does not convert.
///
/// # Safety
/// `b` is a live, initialised `blob_buf`; `name` NULL or a C string.
unsafe fn add_value(b: *mut blob_buf, name: *const c_char, value: &[u8], ty: c_uint) -> bool {
    let Ok(c) = CString::new(value) else {
        return false;
    };
    // SAFETY: `b` and `name` by the caller's guarantee; `c` is a C string
    // that outlives each call; `end` is written by strtol/strtoll and
    // points into `c`.
    unsafe {
        match ty {
            BLOBMSG_TYPE_STRING => {
                ucix_ubox_add_string(b, name, c.as_ptr());
            }
            BLOBMSG_TYPE_BOOL => {
                let v = match value {
                    b"true" | b"1" => 1,
                    b"false" | b"0" => 0,
                    _ => return false,
                };
                ucix_ubox_add_u8(b, name, v);
            }
            BLOBMSG_TYPE_INT32 => {
                let mut end: *mut c_char = ptr::null_mut();
                let v = libc::strtol(c.as_ptr(), &mut end, 0);
                if *end != 0 {
                    return false;
                }
                // C stores the long in an int, then passes it as uint32_t:
                // the low 32 bits.
                ucix_ubox_add_u32(b, name, v as u32);
            }
            BLOBMSG_TYPE_INT64 => {
                let mut end: *mut c_char = ptr::null_mut();
                let v = libc::strtoll(c.as_ptr(), &mut end, 0);
                if *end != 0 {
                    return false;
                }
                ucix_ubox_add_u64(b, name, v as u64);
            }
            _ => return false,
        }
    }
    true
}

/// Adds the attributes of one option under one table; returns the count.
///
/// # Safety
/// `b` is a live, initialised `blob_buf`.
unsafe fn option_to_blob(b: *mut blob_buf, name: &[u8], value: &Value, t: Table<'_>) -> c_int {
    let mut used: u32 = 0;
    let mut n = 0;
    for i in 0..t.len() {
        let (Some(pname), ty) = t.entry(i) else {
            continue;
        };
        if pname.to_bytes() != name || ty > BLOBMSG_TYPE_LAST {
            continue;
        }
        if used & (1 << ty) != 0 {
            continue;
        }
        used |= 1 << ty;
        if ty == BLOBMSG_TYPE_ARRAY {
            let et = t.element_type(i);
            // SAFETY: `b` by the caller's guarantee; `pname` is a C string.
            let cookie = unsafe { ucix_ubox_open_array(b, pname.as_ptr()) };
            if cookie.is_null() {
                // libubox could not grow the buffer: nothing to close
                continue;
            }
            match value {
                Value::List(items) => {
                    for item in items {
                        // SAFETY: as above; unnamed elements.
                        unsafe { add_value(b, ptr::null(), item, et) };
                    }
                }
                Value::Str(s) => {
                    for word in s.split(|&c| c == b' ' || c == b'\t').filter(|w| !w.is_empty()) {
                        // SAFETY: as above.
                        unsafe { add_value(b, ptr::null(), word, et) };
                    }
                }
            }
            // SAFETY: `cookie` came from the matching open on `b`.
            unsafe { ucix_ubox_close_array(b, cookie) };
            n += 1;
            continue;
        }
        let Value::Str(s) = value else {
            continue;
        };
        // SAFETY: as above.
        if unsafe { add_value(b, pname.as_ptr(), s, ty) } {
            n += 1;
        }
    }
    n
}

/// The options of `sec` under `t` and, recursively, its `next[]` tables.
///
/// # Safety
/// `b` is a live, initialised `blob_buf`.
unsafe fn section_to_blob(b: *mut blob_buf, sec: &Section, t: Table<'_>) -> c_int {
    let mut n: c_int = 0;
    for o in &sec.options {
        // SAFETY: forwarded.
        n = n.wrapping_add(unsafe { option_to_blob(b, &o.name, &o.value, t) });
    }
    for next in t.next() {
        // SAFETY: forwarded.
        n = n.wrapping_add(unsafe { section_to_blob(b, sec, next) });
    }
    n
}

/// Runs `f` on the core section that C section `s` mirrors.
///
/// # Safety
/// `s` is a section reached from a live context (its `package` and that
/// package's `ctx` are read, as `uci_reorder_section` does); no other API
/// call on that context is running.
unsafe fn with_core_section<R>(s: *mut uci_section, f: impl FnOnce(&Section) -> R) -> Option<R> {
    // SAFETY: by the caller's guarantee.
    let pkg: *mut uci_package = unsafe { (*s).package };
    if pkg.is_null() {
        return None;
    }
    // SAFETY: a live package of a live context.
    let ctx: *mut uci_context = unsafe { (*pkg).ctx };
    if ctx.is_null() {
        return None;
    }
    // SAFETY: a live context from `uci_alloc_context`, used by one call at
    // a time (crate invariant 4).
    let cx = unsafe { Cx::new(ctx) };
    let pi = cx.pkg_index(pkg)?;
    let si = cx.st.pkgs[pi].section_index(s)?;
    Some(f(&cx.st.core.packages[pi].sections[si]))
}

/// `uci_blob_diff` over the first `n` entries.
///
/// # Safety
/// `tb1`, `tb2` hold `n` entries, each NULL or a valid attribute.
unsafe fn diff(tb1: *mut *mut blob_attr, tb2: *mut *mut blob_attr, n: usize, bits: *mut c_ulong) -> bool {
    let mut any = false;
    for i in 0..n {
        // SAFETY: `i < n` (caller's guarantee).
        let (a, b) = unsafe { (*tb1.add(i), *tb2.add(i)) };
        let differs = match (a.is_null(), b.is_null()) {
            (true, true) => false,
            (true, false) | (false, true) => true,
            // SAFETY: two valid attributes; `raw_len(a)` bytes of `a` are
            // readable, and of `b` too once the lengths are equal.
            (false, false) => unsafe {
                ucix_ubox_len(a) != ucix_ubox_len(b) || {
                    let len = ucix_ubox_raw_len(a);
                    core::slice::from_raw_parts(a.cast::<u8>(), len) != core::slice::from_raw_parts(b.cast::<u8>(), len)
                }
            },
        };
        if !differs {
            continue;
        }
        any = true;
        if bits.is_null() {
            return true;
        }
        let w = c_ulong::BITS as usize;
        // SAFETY: the caller's `diff_bits` covers `n_params` bits, as
        // `uci_bitfield_set` assumes.
        unsafe { *bits.add(i / w) |= 1 << (i % w) };
    }
    any
}

/// One table of `uci_blob_check_equal`.
///
/// # Safety
/// `c1`, `c2` NULL or valid attributes (payloads of blobmsg attributes).
unsafe fn equal_under(c1: *mut blob_attr, c2: *mut blob_attr, t: Table<'_>) -> bool {
    match (c1.is_null(), c2.is_null()) {
        (true, true) => return true,
        (true, false) | (false, true) => return false,
        (false, false) => {}
    }
    let n = t.len();
    let mut tb1 = vec![ptr::null_mut::<blob_attr>(); n];
    let mut tb2 = vec![ptr::null_mut::<blob_attr>(); n];
    // `n` fits an int: it came from `n_params`.
    let nc = n as c_int;
    // SAFETY: `t` has `n` policy entries, the tables `n` slots; the
    // attributes are valid (caller's guarantee), so their payloads are
    // `blob_len` readable bytes.
    unsafe {
        blobmsg_parse(t.policy_ptr(), nc, tb1.as_mut_ptr(), ucix_ubox_data(c1), ucix_ubox_len(c1) as c_uint);
        blobmsg_parse(t.policy_ptr(), nc, tb2.as_mut_ptr(), ucix_ubox_data(c2), ucix_ubox_len(c2) as c_uint);
        !diff(tb1.as_mut_ptr(), tb2.as_mut_ptr(), n, ptr::null_mut())
    }
}

/// Adds the options of `s` matching the tables `p` (and its `next[]`) to
/// `b`; returns the number of attributes added.
///
/// # Safety
/// `b` NULL or an initialised `blob_buf`; `s` NULL or a section of a live
/// context; `p` NULL or a table as `uci_blob.h` describes.
#[no_mangle]
pub unsafe extern "C" fn uci_to_blob(b: *mut blob_buf, s: *mut uci_section, p: *const uci_blob_param_list) -> c_int {
    if b.is_null() || s.is_null() {
        return 0;
    }
    guard::value(0, || {
        // SAFETY: guaranteed by the caller.
        let Some(t) = (unsafe { Table::new(p) }) else {
            return 0;
        };
        // SAFETY: guaranteed by the caller; `b` is used inside only.
        unsafe { with_core_section(s, |sec| section_to_blob(b, sec, t)) }.unwrap_or(0)
    })
}

/// Whether `c1` and `c2` hold the same attributes under `config` and each
/// table of `config->next[]`.
///
/// # Safety
/// `c1`, `c2` NULL or valid blob attributes; `config` NULL or a table as
/// `uci_blob.h` describes.
#[no_mangle]
pub unsafe extern "C" fn uci_blob_check_equal(c1: *mut blob_attr, c2: *mut blob_attr, config: *const uci_blob_param_list) -> bool {
    guard::value(false, || {
        // SAFETY: guaranteed by the caller.
        let Some(t) = (unsafe { Table::new(config) }) else {
            return false;
        };
        // SAFETY: guaranteed by the caller.
        unsafe { equal_under(c1, c2, t) && t.next().all(|n| equal_under(c1, c2, n)) }
    })
}

/// Compares two `blobmsg_parse` tables over `config->n_params` entries;
/// see the module documentation for `diff_bits`.
///
/// # Safety
/// `tb1`, `tb2` NULL or `n_params` entries each NULL or a valid attribute;
/// `config` NULL or a table; `diff_bits` NULL or covering `n_params` bits.
#[no_mangle]
pub unsafe extern "C" fn uci_blob_diff(
    tb1: *mut *mut blob_attr,
    tb2: *mut *mut blob_attr,
    config: *const uci_blob_param_list,
    diff_bits: *mut c_ulong,
) -> bool {
    if tb1.is_null() || tb2.is_null() {
        return false;
    }
    guard::value(false, || {
        // SAFETY: guaranteed by the caller.
        let Some(t) = (unsafe { Table::new(config) }) else {
            return false;
        };
        // The tables have `n_params` slots whatever `params` is.
        let n = usize::try_from(t.list.n_params).unwrap_or(0);
        // SAFETY: guaranteed by the caller.
        unsafe { diff(tb1, tb2, n, diff_bits) }
    })
}
