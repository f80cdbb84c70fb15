//! C-side memory: strings, intrusive lists and the element objects that C
//! consumers walk.
//!
//! Every object here comes from libc `calloc`/`malloc` and goes back with
//! libc `free`, so callers may `free()` what the API documents as theirs
//! and valgrind sees one allocator. The placement follows libuci: a
//! section's type, a string option's value and a delta's section/value
//! strings live right after the struct (`uci_dataptr`), names are separate
//! blocks. Allocation failure unwinds with [`crate::guard::out_of_memory`]
//! (the API then returns `UCI_ERR_MEM`).

use core::ffi::{c_char, c_void};
use core::ptr;

use ucix::delta::Delta;
use ucix::model::{Opt, Section, Value};

use crate::abi::*;
use crate::guard::out_of_memory;

// ---------------------------------------------------------------------------
// raw memory and strings
// ---------------------------------------------------------------------------

/// `calloc(1, size)`; unwinds with `UCI_ERR_MEM` on failure.
pub(crate) fn calloc_bytes(size: usize) -> *mut u8 {
    // SAFETY: calloc has no preconditions; NULL is handled below.
    let p = unsafe { libc::calloc(1, size.max(1)) }.cast::<u8>();
    if p.is_null() {
        out_of_memory();
    }
    p
}

/// A zeroed `T` followed by `extra` zero bytes.
pub(crate) fn calloc_obj<T>(extra: usize) -> *mut T {
    calloc_bytes(core::mem::size_of::<T>() + extra).cast::<T>()
}

/// Releases a block from [`calloc_bytes`]/[`cstr_dup`] (NULL is fine).
///
/// # Safety
/// `p` is NULL or a live libc allocation not used afterwards.
pub(crate) unsafe fn cfree<T>(p: *mut T) {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::free(p.cast::<c_void>()) }
}

/// A `malloc`ed NUL-terminated copy of `s`.
pub(crate) fn cstr_dup(s: &[u8]) -> *mut c_char {
    let p = calloc_bytes(s.len() + 1);
    // SAFETY: `p` has room for `s.len() + 1` bytes and is a fresh block, so
    // it cannot overlap `s`; the last byte stays 0 from calloc.
    unsafe { ptr::copy_nonoverlapping(s.as_ptr(), p, s.len()) };
    p.cast::<c_char>()
}

/// Copies `s` plus a NUL to `dst`.
///
/// # Safety
/// `dst` has room for `s.len() + 1` bytes and does not overlap `s`.
pub(crate) unsafe fn write_cstr(dst: *mut c_char, s: &[u8]) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        ptr::copy_nonoverlapping(s.as_ptr(), dst.cast::<u8>(), s.len());
        *dst.add(s.len()) = 0;
    }
}

/// The bytes of a C string (without the NUL).
///
/// # Safety
/// `p` is a valid NUL-terminated string that outlives the returned slice.
pub(crate) unsafe fn cbytes<'a>(p: *const c_char) -> &'a [u8] {
    // SAFETY: guaranteed by the caller.
    unsafe { core::ffi::CStr::from_ptr(p) }.to_bytes()
}

/// Like [`cbytes`], `None` for NULL.
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string outliving the slice.
pub(crate) unsafe fn cbytes_opt<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL, and valid by the caller's guarantee.
        Some(unsafe { cbytes(p) })
    }
}

// ---------------------------------------------------------------------------
// intrusive lists (struct uci_list)
// ---------------------------------------------------------------------------

/// Makes `l` an empty list head.
///
/// # Safety
/// `l` points to writable `uci_list` storage.
pub(crate) unsafe fn list_init(l: *mut uci_list) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        (*l).next = l;
        (*l).prev = l;
    }
}

/// Inserts `n` just before `at` (at the end when `at` is the head).
///
/// # Safety
/// `at` is a node or head of a well-formed list; `n` is not in any list.
pub(crate) unsafe fn list_insert_before(at: *mut uci_list, n: *mut uci_list) {
    // SAFETY: guaranteed by the caller: all four nodes are live list nodes.
    unsafe {
        let prev = (*at).prev;
        (*n).next = at;
        (*n).prev = prev;
        (*prev).next = n;
        (*at).prev = n;
    }
}

/// Appends `n` to the list headed by `head`.
///
/// # Safety
/// As [`list_insert_before`].
pub(crate) unsafe fn list_add_tail(head: *mut uci_list, n: *mut uci_list) {
    // SAFETY: forwarded from the caller.
    unsafe { list_insert_before(head, n) }
}

/// Unlinks `n` from its list and makes it point to itself.
///
/// # Safety
/// `n` is a member of a well-formed list.
pub(crate) unsafe fn list_del(n: *mut uci_list) {
    // SAFETY: guaranteed by the caller: `n` and its neighbours are live.
    unsafe {
        (*(*n).prev).next = (*n).next;
        (*(*n).next).prev = (*n).prev;
        list_init(n);
    }
}

/// Puts `new` where `old` is in its list (`old` is left dangling).
///
/// # Safety
/// `old` is a member of a well-formed list, `new` is not in any list.
pub(crate) unsafe fn list_replace(old: *mut uci_list, new: *mut uci_list) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        (*new).next = (*old).next;
        (*new).prev = (*old).prev;
        (*(*new).next).prev = new;
        (*(*new).prev).next = new;
    }
}

/// Moves all members of the list headed by `from` to the empty head `to`.
///
/// # Safety
/// `from` heads a well-formed list; `to` is writable head storage.
pub(crate) unsafe fn list_move_all(from: *mut uci_list, to: *mut uci_list) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        if (*from).next == from {
            list_init(to);
        } else {
            (*to).next = (*from).next;
            (*to).prev = (*from).prev;
            (*(*to).next).prev = to;
            (*(*to).prev).next = to;
        }
        list_init(from);
    }
}

/// The elements of the list headed by `head`, in order.
///
/// # Safety
/// `head` heads a well-formed list of `uci_element`s.
pub(crate) unsafe fn list_elements(head: *mut uci_list) -> Vec<*mut uci_element> {
    let mut out = Vec::new();
    // SAFETY: guaranteed by the caller; `uci_element::list` is at offset 0,
    // so a node pointer is its element's pointer.
    unsafe {
        let mut n = (*head).next;
        while n != head {
            out.push(n.cast::<uci_element>());
            n = (*n).next;
        }
    }
    out
}

/// Unlinks every member of the list and passes it to `f` (which frees it).
///
/// # Safety
/// `head` heads a well-formed list; `f` may free the element it gets.
pub(crate) unsafe fn list_drain(head: *mut uci_list, mut f: impl FnMut(*mut uci_element)) {
    // SAFETY: guaranteed by the caller; the successor is read before `f`
    // may free the current node.
    unsafe {
        let mut n = (*head).next;
        while n != head {
            let next = (*n).next;
            f(n.cast::<uci_element>());
            n = next;
        }
        list_init(head);
    }
}

// ---------------------------------------------------------------------------
// element objects
// ---------------------------------------------------------------------------

/// A bare element (`UCI_TYPE_PATH` entries of `ctx->delta_path`).
pub(crate) fn new_path(dir: &[u8]) -> *mut uci_element {
    let e = calloc_obj::<uci_element>(0);
    // SAFETY: `e` is a fresh zeroed block of the right size.
    unsafe {
        list_init(&raw mut (*e).list);
        (*e).type_ = UCI_TYPE_PATH;
        (*e).name = cstr_dup(dir);
    }
    e
}

/// Frees an element and its name (paths, list items).
///
/// # Safety
/// `e` was allocated here, is unlinked (or its list is being dropped) and
/// not used afterwards.
pub(crate) unsafe fn free_element(e: *mut uci_element) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        cfree((*e).name);
        cfree(e);
    }
}

/// A list item: allocated with the size of a `uci_option`, as libuci does.
pub(crate) fn new_item(value: &[u8]) -> *mut uci_element {
    let e = calloc_obj::<uci_option>(0).cast::<uci_element>();
    // SAFETY: `e` is a fresh zeroed block larger than `uci_element`.
    unsafe {
        list_init(&raw mut (*e).list);
        (*e).type_ = UCI_TYPE_ITEM;
        (*e).name = cstr_dup(value);
    }
    e
}

/// A new option object (with its items), not linked anywhere.
pub(crate) fn new_option(sec: *mut uci_section, o: &Opt) -> *mut uci_option {
    let extra = match &o.value {
        Value::Str(v) => v.len() + 1,
        Value::List(_) => 0,
    };
    let p = calloc_obj::<uci_option>(extra);
    // SAFETY: `p` is a fresh zeroed block with `extra` bytes after the
    // struct; the string value is written there (uci_dataptr).
    unsafe {
        list_init(&raw mut (*p).e.list);
        (*p).e.type_ = UCI_TYPE_OPTION;
        (*p).e.name = cstr_dup(&o.name);
        (*p).section = sec;
        match &o.value {
            Value::Str(v) => {
                (*p).type_ = UCI_TYPE_STRING;
                let data = p.add(1).cast::<c_char>();
                write_cstr(data, v);
                (*p).v.string = data;
            }
            Value::List(items) => {
                (*p).type_ = UCI_TYPE_LIST;
                let head = &raw mut (*p).v.list;
                list_init(head);
                for it in items {
                    list_add_tail(head, &raw mut (*new_item(it)).list);
                }
            }
        }
    }
    p
}

/// Frees an option with its items.
///
/// # Safety
/// `o` was allocated by [`new_option`], is unlinked (or its list is being
/// dropped) and not used afterwards.
pub(crate) unsafe fn free_option(o: *mut uci_option) {
    // SAFETY: guaranteed by the caller; `type_` tells which union member
    // is live.
    unsafe {
        if (*o).type_ == UCI_TYPE_LIST {
            list_drain(&raw mut (*o).v.list, |e| free_element(e));
        }
        cfree((*o).e.name);
        cfree(o);
    }
}

/// A new section object without options, not linked anywhere.
pub(crate) fn new_section(pkg: *mut uci_package, s: &Section) -> *mut uci_section {
    let p = calloc_obj::<uci_section>(s.stype.len() + 1);
    // SAFETY: fresh zeroed block with room for the type after the struct.
    unsafe {
        list_init(&raw mut (*p).e.list);
        (*p).e.type_ = UCI_TYPE_SECTION;
        (*p).e.name = cstr_dup(&s.name);
        list_init(&raw mut (*p).options);
        (*p).package = pkg;
        (*p).anonymous = s.anonymous;
        let data = p.add(1).cast::<c_char>();
        write_cstr(data, &s.stype);
        (*p).type_ = data;
    }
    p
}

/// Frees a section object and its name, not its options.
///
/// # Safety
/// `s` was allocated by [`new_section`] and is not used afterwards.
pub(crate) unsafe fn free_section_shell(s: *mut uci_section) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        cfree((*s).e.name);
        cfree(s);
    }
}

/// Frees a section with all its options.
///
/// # Safety
/// As [`free_section_shell`]; its options were allocated here.
pub(crate) unsafe fn free_section(s: *mut uci_section) {
    // SAFETY: guaranteed by the caller; options are `uci_option`s whose
    // element header is at offset 0.
    unsafe {
        list_drain(&raw mut (*s).options, |e| free_option(e.cast::<uci_option>()));
        free_section_shell(s);
    }
}

/// A delta element: section and value strings follow the struct.
pub(crate) fn new_delta(d: &Delta) -> *mut uci_delta {
    let vlen = d.value.as_ref().map_or(0, |v| v.len() + 1);
    let p = calloc_obj::<uci_delta>(d.section.len() + 1 + vlen);
    // SAFETY: fresh zeroed block with room for both strings after it.
    unsafe {
        list_init(&raw mut (*p).e.list);
        (*p).e.type_ = UCI_TYPE_DELTA;
        (*p).e.name = d.option.as_deref().map_or(ptr::null_mut(), cstr_dup);
        (*p).cmd = d.cmd as uci_command;
        let sec = p.add(1).cast::<c_char>();
        write_cstr(sec, &d.section);
        (*p).section = sec;
        if let Some(v) = &d.value {
            let val = sec.add(d.section.len() + 1);
            write_cstr(val, v);
            (*p).value = val;
        }
    }
    p
}

/// Frees a delta element.
///
/// # Safety
/// `d` was allocated by [`new_delta`] and is not used afterwards.
pub(crate) unsafe fn free_delta(d: *mut uci_delta) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        cfree((*d).e.name);
        cfree(d);
    }
}

/// Replaces the heap string at `*slot` by a copy of `s` (or NULL).
///
/// # Safety
/// `*slot` is NULL or a string allocated here, owned by the slot.
pub(crate) unsafe fn set_owned_str(slot: *mut *mut c_char, s: Option<&[u8]>) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        cfree(*slot);
        *slot = s.map_or(ptr::null_mut(), cstr_dup);
    }
}
