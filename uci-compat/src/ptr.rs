//! `struct uci_ptr` ↔ the core [`Ptr`].
//!
//! The C pointer names things by string and by C object; the core one by
//! string and by index. [`to_core`] turns C objects into indexes through
//! the package's [`PkgMirror`]; [`write_back`] turns the result into C
//! objects again and points the string fields that the core filled in or
//! replaced (`@type[n]` → real name, names filled from objects) at the
//! elements' own names, as libuci does.

use core::ffi::{c_char, c_int};
use core::ptr;

use ucix::lookup::{parse_spans, Ptr, Target};
use ucix::model::Package;

use crate::abi::*;
use crate::cmem::cbytes_opt;
use crate::mirror::PkgMirror;

/// The string fields of a C ptr before a core call.
pub(crate) struct Names {
    package: Option<Vec<u8>>,
    section: Option<Vec<u8>>,
    option: Option<Vec<u8>>,
}

/// # Safety
/// `c` is a valid ptr whose string fields are NULL or C strings.
pub(crate) unsafe fn names(c: *const uci_ptr) -> Names {
    // SAFETY: guaranteed by the caller.
    unsafe {
        Names {
            package: cbytes_opt((*c).package).map(<[u8]>::to_vec),
            section: cbytes_opt((*c).section).map(<[u8]>::to_vec),
            option: cbytes_opt((*c).option).map(<[u8]>::to_vec),
        }
    }
}

/// `uci_parse_ptr`: zeroes `*c`, splits `s` in place (the first `=` and the
/// dots between the first four parts become NUL bytes, even when the tuple
/// then turns out invalid) and points the string fields into it. The
/// tuple rules are the core's ([`parse_spans`]); on error `*c` is zeroed.
///
/// # Safety
/// `c` is writable, `s` a writable NUL-terminated string.
pub(crate) unsafe fn parse_in_place(c: *mut uci_ptr, s: *mut c_char) -> Result<(), c_int> {
    // SAFETY: guaranteed by the caller; `bytes` covers exactly the string
    // (without its NUL) and is only used in this function.
    unsafe {
        ptr::write_bytes(c, 0, 1);
        let len = libc::strlen(s);
        let bytes = core::slice::from_raw_parts_mut(s.cast::<u8>(), len);
        // the tuple is split by the core before the separators become NULs
        let spans = parse_spans(bytes);
        let key_end = bytes.iter().position(|&b| b == b'=').unwrap_or(len);
        if key_end < len {
            bytes[key_end] = 0;
        }
        let mut dots = 0;
        for b in &mut bytes[..key_end] {
            if *b == b'.' {
                *b = 0;
                dots += 1;
                if dots == 3 {
                    break;
                }
            }
        }
        let Ok(sp) = spans else {
            ptr::write_bytes(c, 0, 1);
            return Err(UCI_ERR_PARSE);
        };
        let at = |r: &core::ops::Range<usize>| s.add(r.start).cast_const();
        (*c).target = sp.target as uci_type;
        (*c).flags = if sp.extended { UCI_LOOKUP_EXTENDED } else { 0 };
        (*c).package = at(&sp.package);
        (*c).section = sp.section.as_ref().map_or(ptr::null(), at);
        (*c).option = sp.option.as_ref().map_or(ptr::null(), at);
        (*c).value = sp.value.as_ref().map_or(ptr::null(), at);
    }
    Ok(())
}

/// The core view of a C ptr whose package is `m`. A C section or option
/// that is not in the package gives `UCI_ERR_INVAL`; an option pointer
/// without a section pointer is left out (libuci ignores it when it looks
/// the section up by name).
///
/// # Safety
/// `c` is a valid ptr; its string fields are NULL or C strings; its
/// section/option pointers are NULL or objects of this context.
pub(crate) unsafe fn to_core(m: &mut PkgMirror, c: *const uci_ptr) -> Result<Ptr, c_int> {
    // SAFETY: guaranteed by the caller; the object pointers are only
    // compared, never dereferenced.
    unsafe {
        let n = names(c);
        let s = if (*c).s.is_null() {
            None
        } else {
            Some(m.section_index((*c).s).ok_or(UCI_ERR_INVAL)?)
        };
        let o = match s {
            Some(si) if !(*c).o.is_null() => Some(m.option_index(si, (*c).o).ok_or(UCI_ERR_INVAL)?),
            _ => None,
        };
        Ok(Ptr {
            target: match (*c).target {
                UCI_TYPE_PACKAGE => Target::Package,
                UCI_TYPE_SECTION => Target::Section,
                UCI_TYPE_OPTION => Target::Option,
                _ => Target::Unspec,
            },
            flags: (*c).flags,
            package: n.package,
            section: n.section,
            option: n.option,
            value: cbytes_opt((*c).value).map(<[u8]>::to_vec),
            s,
            o,
        })
    }
}

/// Stores the result of a core call in the C ptr: flags, section/option
/// objects, and the names the core filled in or replaced (pointing at the
/// elements' own names). After a lookup (`edit == false`) a section or
/// option that was not found leaves the C field as it was (a preset
/// `ptr->o` survives a failed option lookup); after an edit it is cleared
/// (deleted objects).
///
/// `before` are `c`'s names before the call, which an edit needs (it may
/// have freed the strings they pointed at); after a lookup, which frees
/// nothing, `None` reads them from `c`.
///
/// # Safety
/// `c` is a valid ptr; `m` is in step with `p`; `cp` came from a core call
/// on `p`; `before` are `c`'s names before that call, or `None` when that
/// call freed no C object and changed no name field of `c`.
pub(crate) unsafe fn write_back(m: &PkgMirror, p: &Package, c: *mut uci_ptr, cp: &Ptr, before: Option<&Names>, edit: bool) {
    // SAFETY: guaranteed by the caller; the name fields are read before
    // they are changed.
    let (section_before, option_before, package_before) = unsafe {
        match before {
            Some(b) => (b.section.as_deref(), b.option.as_deref(), b.package.is_some()),
            None => (cbytes_opt((*c).section), cbytes_opt((*c).option), !(*c).package.is_null()),
        }
    };
    let section_changed = cp.section.is_some() && cp.section.as_deref() != section_before;
    let option_changed = cp.option.is_some() && cp.option.as_deref() != option_before;
    // SAFETY: guaranteed by the caller; every index is valid in `p` and in
    // the mirror, which is in step with it.
    unsafe {
        (*c).flags = cp.flags;
        let sec = cp.s.filter(|&si| si < p.sections.len()).map(|si| m.sec(si));
        let opt = match (cp.s, cp.o) {
            (Some(si), Some(oi)) if si < p.sections.len() && oi < p.sections[si].options.len() => Some(m.opt(si, oi)),
            _ => None,
        };
        match sec {
            Some(s) => (*c).s = s,
            None if edit => (*c).s = ptr::null_mut(),
            None => {}
        }
        match opt {
            Some(o) => (*c).o = o,
            None if edit => (*c).o = ptr::null_mut(),
            None => {}
        }
        if section_changed {
            if let Some(s) = sec {
                (*c).section = (*s).e.name;
            }
        }
        if option_changed {
            if let Some(o) = opt {
                (*c).option = (*o).e.name;
            }
        }
        if edit && !package_before {
            (*c).package = (*m.c).e.name;
        }
    }
}

/// Sets `ptr->last` after a lookup: the option if one was named and found,
/// else the section if found, else the package.
///
/// # Safety
/// `c` is a valid ptr whose `p`/`s`/`o` fields are live objects or NULL.
pub(crate) unsafe fn set_last(c: *mut uci_ptr, cp: &Ptr) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        (*c).last = if cp.option.is_some() && cp.o.is_some() && !(*c).o.is_null() {
            &raw mut (*(*c).o).e
        } else if cp.s.is_some() && !(*c).s.is_null() {
            &raw mut (*(*c).s).e
        } else {
            &raw mut (*(*c).p).e
        };
    }
}
