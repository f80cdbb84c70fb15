//! The context-free helpers that work on C sections and options:
//! `uci_parse_section` and `uci_hash_options` (libuci-abi.md §6.26–§6.27).
//! They only read the C structs; they touch no context.

use core::ffi::{c_int, CStr};

use crate::abi::*;
use crate::cmem::{cbytes, list_elements};

/// `uci_parse_section`: zeroes `tb[0..n)`, then stores each option of `s`
/// in the first still-empty slot whose name and type match.
///
/// # Safety
/// `tb` has `n` writable slots, `opts` `n` readable entries (names NULL or
/// C strings); `s` is NULL or a live section.
pub(crate) unsafe fn parse_section(s: *mut uci_section, opts: *const uci_parse_option, n: c_int, tb: *mut *mut uci_option) {
    if tb.is_null() || n <= 0 {
        return;
    }
    let n = n as usize;
    // SAFETY: guaranteed by the caller.
    unsafe {
        for i in 0..n {
            *tb.add(i) = core::ptr::null_mut();
        }
        if s.is_null() || opts.is_null() {
            return;
        }
        for e in list_elements(&raw mut (*s).options) {
            let o = e.cast::<uci_option>();
            let name = cbytes((*o).e.name);
            for i in 0..n {
                let po = &*opts.add(i);
                if (*tb.add(i)).is_null() && !po.name.is_null() && po.type_ == (*o).type_ && CStr::from_ptr(po.name).to_bytes() == name {
                    *tb.add(i) = o;
                    break;
                }
            }
        }
    }
}

const M: u32 = 0x5bd1e995;

/// One chained MurmurHash2 step over `data`, seeded with `h`.
fn murmur(mut h: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let t = chunks.remainder();
    if !t.is_empty() {
        if t.len() >= 3 {
            h ^= u32::from(t[2]) << 16;
        }
        if t.len() >= 2 {
            h ^= u32::from(t[1]) << 8;
        }
        h ^= u32::from(t[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

/// The seed of `uci_hash_options` (also its panic fallback).
pub(crate) const HASH_SEED: u32 = 0xdead_c0de;

/// `uci_hash_options`: name (with NUL), the 4-byte type field, then the
/// value or each list item (with NUL) of every non-NULL `tb[i]`.
///
/// # Safety
/// `tb` has `n` readable slots, each NULL or a live option.
pub(crate) unsafe fn hash_options(tb: *mut *mut uci_option, n: c_int) -> u32 {
    let mut h = HASH_SEED;
    if tb.is_null() {
        return h;
    }
    // SAFETY: guaranteed by the caller; `type_` says which union member
    // is live.
    unsafe {
        for i in 0..n.max(0) as usize {
            let o = *tb.add(i);
            if o.is_null() {
                continue;
            }
            h = murmur(h, CStr::from_ptr((*o).e.name).to_bytes_with_nul());
            h = murmur(h, &(*o).type_.to_le_bytes());
            if (*o).type_ == UCI_TYPE_STRING {
                h = murmur(h, CStr::from_ptr((*o).v.string).to_bytes_with_nul());
            } else {
                for e in list_elements(&raw mut (*o).v.list) {
                    h = murmur(h, CStr::from_ptr((*e).name).to_bytes_with_nul());
                }
            }
        }
    }
    h
}
