//! The exported symbols of `libuci.so` (libuci-abi.md §1.1, §6), exactly
//! those listed in `libuci.map`: argument checks as libuci makes them, then
//! the body through [`api`] (context functions) or the panic guard.

use core::ffi::{c_char, c_int};
use core::ptr;

use ucix::store::report;

use crate::abi::*;
use crate::cmem::{cbytes, cbytes_opt, cstr_dup};
use crate::context::{self, api, Cx};
use crate::guard;

/// `uci_command_char`: the delta-file prefix of each command, 7 bytes of
/// read-only data.
#[no_mangle]
pub static uci_command_char: [u8; 7] = UCI_COMMAND_CHAR;

/// Allocates a context with the defaults of libuci; NULL on failure.
#[no_mangle]
pub extern "C" fn uci_alloc_context() -> *mut uci_context {
    guard::value(ptr::null_mut(), context::alloc)
}

/// Frees a context and everything loaded in it. NULL is ignored.
///
/// # Safety
/// `ctx` is NULL or a context from `uci_alloc_context`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn uci_free_context(ctx: *mut uci_context) {
    if ctx.is_null() {
        return;
    }
    // SAFETY: guaranteed by the caller.
    guard::value((), || unsafe { context::free(ctx) })
}

/// The error code and parser state that messages use for `ctx`.
///
/// # Safety
/// `ctx` is NULL or live.
unsafe fn error_state(ctx: *mut uci_context) -> (c_int, Option<report::PctxInfo>) {
    if ctx.is_null() {
        return (UCI_ERR_INVAL, None);
    }
    // SAFETY: live context.
    unsafe {
        let cx = Cx::new(ctx);
        ((*ctx).err, cx.st.core.pctx)
    }
}

/// Prints `[str: ]<message>[detail]` to stderr.
///
/// # Safety
/// `ctx` NULL or live; `str` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn uci_perror(ctx: *mut uci_context, str: *const c_char) {
    guard::value((), || {
        // SAFETY: guaranteed by the caller.
        let (code, pctx) = unsafe { error_state(ctx) };
        // SAFETY: guaranteed by the caller.
        let prefix = unsafe { cbytes_opt(str) };
        report::perror(code, pctx.as_ref(), prefix);
    })
}

/// Stores a malloc'ed message in `*dest` (the caller frees it), or prints
/// it like `uci_perror` when `dest` is NULL.
///
/// # Safety
/// `ctx` NULL or live; `dest` NULL or writable; `str` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn uci_get_errorstr(ctx: *mut uci_context, dest: *mut *mut c_char, str: *const c_char) {
    guard::value((), || {
        // SAFETY: guaranteed by the caller.
        let (code, pctx) = unsafe { error_state(ctx) };
        // SAFETY: guaranteed by the caller.
        let prefix = unsafe { cbytes_opt(str) };
        if dest.is_null() {
            report::perror(code, pctx.as_ref(), prefix);
            return;
        }
        // SAFETY: `dest` is writable; NULL first, in case allocation fails.
        unsafe {
            *dest = ptr::null_mut();
            *dest = cstr_dup(&report::error_string(code, pctx.as_ref(), prefix));
        }
    })
}

/// Parses config text from `stream` into new packages (or merges it into
/// `*package`).
///
/// # Safety
/// `ctx` NULL or live; `stream` NULL or open; `name` NULL or a C string;
/// `package` NULL or writable (and `*package` NULL or a package of `ctx`).
#[no_mangle]
pub unsafe extern "C" fn uci_import(ctx: *mut uci_context, stream: *mut libc::FILE, name: *const c_char, package: *mut *mut uci_package, single: bool) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if stream.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.import(stream, cbytes_opt(name), package, single) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Writes `package` (all packages when NULL) in config syntax.
///
/// # Safety
/// `ctx` NULL or live; `stream` NULL or open; `package` NULL or of `ctx`.
#[no_mangle]
pub unsafe extern "C" fn uci_export(ctx: *mut uci_context, stream: *mut libc::FILE, package: *mut uci_package, header: bool) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if stream.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.export(stream, package, header) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Loads a package by name or path and appends it to `ctx->root`.
///
/// # Safety
/// `ctx` NULL or live; `name` NULL or a C string; `package` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn uci_load(ctx: *mut uci_context, name: *const c_char, package: *mut *mut uci_package) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        // SAFETY: guaranteed by the caller.
        let name = unsafe { cbytes_opt(name) }.ok_or(UCI_ERR_INVAL)?;
        let i = cx.load(name)?;
        if !package.is_null() {
            // SAFETY: writable by the caller's guarantee.
            unsafe { *package = cx.st.pkgs[i].c };
        }
        Ok(UCI_OK)
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Unloads and frees a package.
///
/// # Safety
/// `ctx` NULL or live; `p` NULL or a package of `ctx`.
#[no_mangle]
pub unsafe extern "C" fn uci_unload(ctx: *mut uci_context, p: *mut uci_package) -> c_int {
    // SAFETY: guaranteed by the caller.
    unsafe { api(ctx, |cx| if p.is_null() { Err(UCI_ERR_INVAL) } else { cx.unload(p) }) }
}

/// Splits a tuple string in place into `*ptr`.
///
/// # Safety
/// `ctx` NULL or live; `ptr` NULL or writable; `str` NULL or a writable
/// C string.
#[no_mangle]
pub unsafe extern "C" fn uci_parse_ptr(ctx: *mut uci_context, ptr: *mut uci_ptr, str: *mut c_char) -> c_int {
    let body = |_: &mut Cx<'_>| {
        if ptr.is_null() || str.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { crate::ptr::parse_in_place(ptr, str) }.map(|_| UCI_OK)
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Resolves a tuple (parsing `str` when given), loading the package.
///
/// # Safety
/// `ctx` NULL or live; `ptr` NULL or a valid ptr; `str` NULL or a writable
/// C string.
#[no_mangle]
pub unsafe extern "C" fn uci_lookup_ptr(ctx: *mut uci_context, ptr: *mut uci_ptr, str: *mut c_char, extended: bool) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if ptr.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.lookup(ptr, str, extended) }.map(|_| UCI_OK)
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// First element of `list` named `name`.
///
/// # Safety
/// `ctx` NULL or live; `e` NULL or writable; `list` NULL or a list of
/// elements; `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn uci_lookup_next(ctx: *mut uci_context, e: *mut *mut uci_element, list: *mut uci_list, name: *const c_char) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if e.is_null() || list.is_null() || name.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.lookup_next(e, list, name) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Runs one of the edit operations of the core on `ptr`.
///
/// # Safety
/// `ctx` NULL or live; `ptr` NULL or a valid ptr of `ctx`.
unsafe fn edit_api(
    ctx: *mut uci_context,
    ptr: *mut uci_ptr,
    op: fn(&mut ucix::model::Package, &mut ucix::lookup::Ptr) -> ucix::Result<Option<ucix::edit::Effect>>,
) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if ptr.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.edit(ptr, op) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Sets an option value or section type (creating it).
///
/// # Safety
/// As [`edit_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_set(ctx: *mut uci_context, ptr: *mut uci_ptr) -> c_int {
    // SAFETY: forwarded.
    unsafe { edit_api(ctx, ptr, |p, cp| ucix::edit::set(p, cp, false).map(Some)) }
}

/// Deletes an option, a section, or a list item by index.
///
/// # Safety
/// As [`edit_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_delete(ctx: *mut uci_context, ptr: *mut uci_ptr) -> c_int {
    // SAFETY: forwarded.
    unsafe { edit_api(ctx, ptr, |p, cp| ucix::edit::delete_ex(p, cp, false)) }
}

/// Appends a list item.
///
/// # Safety
/// As [`edit_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_add_list(ctx: *mut uci_context, ptr: *mut uci_ptr) -> c_int {
    // SAFETY: forwarded.
    unsafe { edit_api(ctx, ptr, |p, cp| ucix::edit::add_list(p, cp, false).map(Some)) }
}

/// Removes the list items equal to the value.
///
/// # Safety
/// As [`edit_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_del_list(ctx: *mut uci_context, ptr: *mut uci_ptr) -> c_int {
    // SAFETY: forwarded.
    unsafe { edit_api(ctx, ptr, |p, cp| ucix::edit::del_list(p, cp, false).map(Some)) }
}

/// Renames an option or section.
///
/// # Safety
/// As [`edit_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_rename(ctx: *mut uci_context, ptr: *mut uci_ptr) -> c_int {
    // SAFETY: forwarded.
    unsafe { edit_api(ctx, ptr, |p, cp| ucix::edit::rename(p, cp, false).map(Some)) }
}

/// Appends an anonymous section of `type`.
///
/// # Safety
/// `ctx` NULL or live; `p` NULL or of `ctx`; `type` NULL or a C string;
/// `res` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn uci_add_section(ctx: *mut uci_context, p: *mut uci_package, type_: *const c_char, res: *mut *mut uci_section) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        // SAFETY: guaranteed by the caller.
        let t = unsafe { cbytes_opt(type_) };
        match (p.is_null(), t) {
            // SAFETY: guaranteed by the caller.
            (false, Some(t)) => unsafe { cx.add_section(p, t, res) },
            _ => Err(UCI_ERR_INVAL),
        }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Moves a section within its package.
///
/// # Safety
/// `ctx` NULL or live; `s` NULL or a section of `ctx`.
#[no_mangle]
pub unsafe extern "C" fn uci_reorder_section(ctx: *mut uci_context, s: *mut uci_section, pos: c_int) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if s.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.reorder(s, pos) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Appends pending changes to the delta file.
///
/// # Safety
/// `ctx` NULL or live; `p` NULL or of `ctx`.
#[no_mangle]
pub unsafe extern "C" fn uci_save(ctx: *mut uci_context, p: *mut uci_package) -> c_int {
    // SAFETY: guaranteed by the caller.
    unsafe { api(ctx, |cx| if p.is_null() { Err(UCI_ERR_INVAL) } else { cx.save(p) }) }
}

/// Writes a package to its config file.
///
/// # Safety
/// `ctx` NULL or live; `p` NULL or writable, `*p` NULL or of `ctx`.
#[no_mangle]
pub unsafe extern "C" fn uci_commit(ctx: *mut uci_context, p: *mut *mut uci_package, overwrite: bool) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        // SAFETY: `p` is checked before it is read.
        if p.is_null() || unsafe { (*p).is_null() } {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.commit(p, overwrite) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Drops saved changes of a package, section or option and reloads.
///
/// # Safety
/// As [`edit_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_revert(ctx: *mut uci_context, ptr: *mut uci_ptr) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if ptr.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.revert(ptr) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// The config names of confdir, as one malloc block the caller frees.
///
/// # Safety
/// `ctx` NULL or live; `list` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn uci_list_configs(ctx: *mut uci_context, list: *mut *mut *mut c_char) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if list.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.list_configs(list) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Runs a directory setter that takes a required string.
///
/// # Safety
/// `ctx` NULL or live; `dir` NULL or a C string.
unsafe fn dir_api(ctx: *mut uci_context, dir: *const c_char, f: impl FnOnce(&mut Cx<'_>, &[u8]) -> Result<(), c_int>) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        // SAFETY: guaranteed by the caller.
        let d = unsafe { cbytes_opt(dir) }.ok_or(UCI_ERR_INVAL)?;
        // A copy: `dir` may be the very string the setter frees
        // (`uci_set_savedir(ctx, ctx->savedir)`).
        let d = d.to_vec();
        f(cx, &d).map(|_| UCI_OK)
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// Sets the save directory (moved/appended to the end of the delta path).
///
/// # Safety
/// As [`dir_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_set_savedir(ctx: *mut uci_context, dir: *const c_char) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        dir_api(ctx, dir, |cx, d| {
            cx.set_savedir(d);
            Ok(())
        })
    }
}

/// Sets the config directory.
///
/// # Safety
/// As [`dir_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_set_confdir(ctx: *mut uci_context, dir: *const c_char) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        dir_api(ctx, dir, |cx, d| {
            cx.set_confdir(d);
            Ok(())
        })
    }
}

/// Sets (NULL or "" disables) the override directory; leaves `ctx->err`.
///
/// # Safety
/// `ctx` NULL or live; `dir` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn uci_set_conf2dir(ctx: *mut uci_context, dir: *const c_char) -> c_int {
    if ctx.is_null() {
        return UCI_ERR_INVAL;
    }
    let body = || {
        // SAFETY: live context (caller's guarantee), the only `Cx` of this call.
        let mut cx = unsafe { Cx::new(ctx) };
        cx.enter();
        // SAFETY: `dir` is NULL or a C string (caller's guarantee); copied,
        // as it may be `ctx->conf2dir` itself.
        let d = unsafe { cbytes_opt(dir) }.map(<[u8]>::to_vec);
        cx.set_conf2dir(d.as_deref());
        cx.leave();
        UCI_OK
    };
    // SAFETY: live context (caller's guarantee).
    unsafe { guard::int(ctx, body) }
}

/// Adds a delta search directory before the savedir.
///
/// # Safety
/// As [`dir_api`].
#[no_mangle]
pub unsafe extern "C" fn uci_add_delta_path(ctx: *mut uci_context, dir: *const c_char) -> c_int {
    // SAFETY: forwarded.
    unsafe { dir_api(ctx, dir, |cx, d| cx.add_delta_path(d)) }
}

/// Only the `"file"` backend exists.
///
/// # Safety
/// `ctx` NULL or live; `name` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn uci_set_backend(ctx: *mut uci_context, name: *const c_char) -> c_int {
    // SAFETY: forwarded.
    unsafe { dir_api(ctx, name, |_, n| if n == b"file" { Ok(()) } else { Err(UCI_ERR_NOTFOUND) }) }
}

/// Reads one shell-like argument from `stream` (the CLI's batch reader).
///
/// # Safety
/// `ctx` NULL or live; `stream` NULL or open; `str`/`result` NULL or
/// writable, `*str` NULL or what the previous call stored there.
#[no_mangle]
pub unsafe extern "C" fn uci_parse_argument(ctx: *mut uci_context, stream: *mut libc::FILE, str: *mut *mut c_char, result: *mut *mut c_char) -> c_int {
    let body = |cx: &mut Cx<'_>| {
        if stream.is_null() || str.is_null() || result.is_null() {
            return Err(UCI_ERR_INVAL);
        }
        // SAFETY: guaranteed by the caller.
        unsafe { cx.parse_argument(stream, str, result) }
    };
    // SAFETY: `ctx` is NULL or live (caller's guarantee).
    unsafe { api(ctx, body) }
}

/// True unless `str` has a control byte other than TAB, LF, CR.
///
/// # Safety
/// `str` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn uci_validate_text(str: *const c_char) -> bool {
    if str.is_null() {
        return false;
    }
    // SAFETY: guaranteed by the caller.
    guard::value(false, || ucix::lookup::validate_text(unsafe { cbytes(str) }))
}

/// Fills `tb` with the options of `s` matching `opts` by name and type.
///
/// # Safety
/// See `helpers::parse_section`.
#[no_mangle]
pub unsafe extern "C" fn uci_parse_section(s: *mut uci_section, opts: *const uci_parse_option, n_opts: c_int, tb: *mut *mut uci_option) {
    // SAFETY: forwarded.
    guard::value((), || unsafe { crate::helpers::parse_section(s, opts, n_opts, tb) })
}

/// Fingerprint of the options in `tb`.
///
/// # Safety
/// See `helpers::hash_options`.
#[no_mangle]
pub unsafe extern "C" fn uci_hash_options(tb: *mut *mut uci_option, n_opts: c_int) -> u32 {
    // SAFETY: forwarded.
    guard::value(crate::helpers::HASH_SEED, || unsafe { crate::helpers::hash_options(tb, n_opts) })
}

// ---- the file backend's function pointers (not exported) ----

/// `ctx->backend->list_configs`: the `uci_list_configs` block, or NULL.
pub(crate) unsafe extern "C" fn backend_list_configs(ctx: *mut uci_context) -> *mut *mut c_char {
    let mut list = ptr::null_mut();
    // SAFETY: the caller passes its context.
    if unsafe { uci_list_configs(ctx, &mut list) } == UCI_OK {
        list
    } else {
        ptr::null_mut()
    }
}

/// `ctx->backend->load`: like `uci_load` (the package is in `ctx->root`).
pub(crate) unsafe extern "C" fn backend_load(ctx: *mut uci_context, name: *const c_char) -> *mut uci_package {
    let mut p = ptr::null_mut();
    // SAFETY: the caller passes its context and a name.
    unsafe { uci_load(ctx, name, &mut p) };
    p
}

/// `ctx->backend->commit`: `uci_commit`.
pub(crate) unsafe extern "C" fn backend_commit(ctx: *mut uci_context, p: *mut *mut uci_package, overwrite: bool) {
    // SAFETY: the caller passes its context and package pointer.
    unsafe { uci_commit(ctx, p, overwrite) };
}
