//! Tuples `<config>.<section>.<option>=<value>` and their resolution against a
//! package, including `@type[n]` (cli.md §3, libuci-abi.md §6.9–§6.10).
#![forbid(unsafe_code)]

use std::ops::Range;

use crate::error::{fail, Error, ErrorCode, Result};
use crate::model::Package;

/// `UCI_LOOKUP_DONE`
pub const LOOKUP_DONE: u32 = 1;
/// `UCI_LOOKUP_COMPLETE`
pub const LOOKUP_COMPLETE: u32 = 2;
/// `UCI_LOOKUP_EXTENDED`
pub const LOOKUP_EXTENDED: u32 = 4;

/// What a tuple addresses (`enum uci_type` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    #[default]
    Unspec = 0,
    Package = 2,
    Section = 3,
    Option = 4,
}

/// Section and option names: `[A-Za-z0-9_]+`.
pub fn valid_name(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Section types, and package names given to load: printable ASCII without
/// space, non-empty.
pub fn valid_type(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&c| (33..=126).contains(&c))
}

/// Package names as accepted by load and tuples (same rule as types).
pub fn valid_package(s: &[u8]) -> bool {
    valid_type(s)
}

/// Values: no control bytes other than TAB, LF, CR.
pub fn validate_text(s: &[u8]) -> bool {
    s.iter().all(|&c| c >= 0x20 || c == b'\t' || c == b'\n' || c == b'\r')
}

/// Where each part of a tuple lies in the parsed string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spans {
    pub target: Target,
    pub extended: bool,
    pub package: Range<usize>,
    pub section: Option<Range<usize>>,
    pub option: Option<Range<usize>>,
    pub value: Option<Range<usize>>,
}

/// `uci_parse_ptr`: splits a tuple (split at the first `=`, then on `.`).
pub fn parse_spans(s: &[u8]) -> Result<Spans> {
    let (key_end, value) = match s.iter().position(|&c| c == b'=') {
        Some(i) => (i, Some(i + 1..s.len())),
        None => (s.len(), None),
    };
    let mut parts: [Range<usize>; 3] = [0..0, 0..0, 0..0];
    let mut n = 0;
    let mut start = 0;
    let dots = s[..key_end].iter().enumerate().filter(|&(_, &c)| c == b'.').map(|(i, _)| i);
    for end in dots.chain([key_end]) {
        if n == 3 {
            return fail(ErrorCode::Parse);
        }
        parts[n] = start..end;
        n += 1;
        start = end + 1;
    }
    let target = match n {
        1 => Target::Package,
        2 => Target::Section,
        _ => Target::Option,
    };
    let [package, section, option] = parts;
    let section = (n > 1).then_some(section);
    let option = (n > 2).then_some(option);
    if !valid_package(&s[package.clone()]) {
        return fail(ErrorCode::Parse);
    }
    let extended = section.as_ref().is_some_and(|r| !valid_name(&s[r.clone()]));
    if let Some(o) = &option {
        if !valid_name(&s[o.clone()]) {
            return fail(ErrorCode::Parse);
        }
    }
    if let Some(v) = &value {
        if !validate_text(&s[v.clone()]) {
            return fail(ErrorCode::Parse);
        }
    }
    Ok(Spans { target, extended, package, section, option, value })
}

/// A tuple being resolved (the core's `struct uci_ptr`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ptr {
    pub target: Target,
    pub flags: u32,
    pub package: Option<Vec<u8>>,
    pub section: Option<Vec<u8>>,
    pub option: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    /// Index of the resolved section in the package.
    pub s: Option<usize>,
    /// Index of the resolved option in the section.
    pub o: Option<usize>,
}

impl Ptr {
    /// Parses a tuple string.
    pub fn parse(s: &[u8]) -> Result<Ptr> {
        let sp = parse_spans(s)?;
        let get = |r: &Option<Range<usize>>| r.as_ref().map(|r| s[r.clone()].to_vec());
        Ok(Ptr {
            target: sp.target,
            flags: if sp.extended { LOOKUP_EXTENDED } else { 0 },
            package: Some(s[sp.package].to_vec()),
            section: get(&sp.section),
            option: get(&sp.option),
            value: get(&sp.value),
            s: None,
            o: None,
        })
    }

    pub fn complete(&self) -> bool {
        self.flags & LOOKUP_COMPLETE != 0
    }

    pub fn is_extended(&self) -> bool {
        self.flags & LOOKUP_EXTENDED != 0
    }
}


/// Splits `@type[n]` into type and index; `None` when malformed.
pub fn parse_extended(section: &[u8]) -> Option<(&[u8], i64)> {
    let rest = section.strip_prefix(b"@")?;
    let lb = rest.iter().position(|&c| c == b'[')?;
    let (stype, idx) = (&rest[..lb], &rest[lb + 1..]);
    let rb = idx.iter().position(|&c| c == b']')?;
    if rb + 1 != idx.len() {
        return None;
    }
    if !stype.is_empty() && !valid_type(stype) {
        return None;
    }
    Some((stype, crate::syntax::cnum::strtol_whole(&idx[..rb])?))
}

/// What [`resolve`] reads from a package: implemented by [`Package`] and by
/// the cache's mapped index (`cache::Index`), so both answer a tuple by the
/// same rules.
pub trait Sections {
    /// Index of the first section called `name`.
    fn section_index(&self, name: &[u8]) -> Option<usize>;
    /// The name of section `si` (which exists).
    fn section_name(&self, si: usize) -> Vec<u8>;
    /// Number of sections of type `stype` (empty = any type).
    fn type_count(&self, stype: &[u8]) -> usize;
    /// Index of the `n`-th section of type `stype` (empty = any type).
    fn nth_of_type(&self, stype: &[u8], n: usize) -> Option<usize>;
    /// Index of option `name` in section `si`, if both exist.
    fn option_index(&self, si: usize, name: &[u8]) -> Option<usize>;
}

impl Sections for Package {
    fn section_index(&self, name: &[u8]) -> Option<usize> {
        Package::section_index(self, name)
    }

    fn section_name(&self, si: usize) -> Vec<u8> {
        self.sections[si].name.to_vec()
    }

    fn type_count(&self, stype: &[u8]) -> usize {
        Package::type_count(self, stype)
    }

    fn nth_of_type(&self, stype: &[u8], n: usize) -> Option<usize> {
        Package::nth_of_type(self, stype, n)
    }

    fn option_index(&self, si: usize, name: &[u8]) -> Option<usize> {
        self.sections.get(si).and_then(|s| s.option_index(name))
    }
}

/// Finds the section `@stype[idx]` refers to (empty type = any type;
/// negative indexes count from the end).
pub fn find_extended(p: &dyn Sections, stype: &[u8], idx: i64) -> Option<usize> {
    let mut idx = idx;
    if idx < 0 {
        idx += p.type_count(stype) as i64;
        if idx < 0 {
            return None;
        }
    }
    p.nth_of_type(stype, idx as usize)
}

/// Resolves section and option of `ptr` in `p` (the package part is the
/// caller's: it may need loading). Sets `DONE`, and `COMPLETE` when every
/// named part was found. Malformed extended syntax is `Invalid argument` (and
/// zeroes the ptr, as libuci does); with `extended` false any extended
/// section is refused.
pub fn resolve(p: &dyn Sections, ptr: &mut Ptr, extended: bool) -> Result<()> {
    ptr.flags |= LOOKUP_DONE;
    if ptr.section.is_none() && ptr.s.is_none() {
        ptr.flags |= LOOKUP_COMPLETE;
        return Ok(());
    }
    if ptr.s.is_none() {
        // (section index, whether the name was `@type[n]`), or None when
        // malformed
        let found = {
            let name = ptr.section.as_deref().unwrap_or_default();
            if ptr.is_extended() {
                if !extended {
                    return Err(Error(ErrorCode::Inval));
                }
                parse_extended(name).map(|(t, i)| find_extended(p, t, i).map(|si| (si, true)))
            } else {
                Some(p.section_index(name).map(|si| (si, false)))
            }
        };
        match found {
            None => {
                *ptr = Ptr::default();
                return Err(Error(ErrorCode::Inval));
            }
            Some(None) => return Ok(()),
            Some(Some((si, by_position))) => {
                ptr.s = Some(si);
                if by_position {
                    ptr.section = Some(p.section_name(si));
                }
            }
        }
    }
    if let Some(opt) = &ptr.option {
        let si = ptr.s.unwrap_or(0);
        match p.option_index(si, opt) {
            Some(oi) => ptr.o = Some(oi),
            None => {
                ptr.o = None;
                return Ok(());
            }
        }
    }
    ptr.flags |= LOOKUP_COMPLETE;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        let sp = parse_spans(b"network.lan.proto=x=y").unwrap();
        assert_eq!(sp.target, Target::Option);
        assert_eq!(sp.value, Some(18..21));
        assert!(parse_spans(b"a.b.c.d").is_err());
        assert!(parse_spans(b"net.").unwrap().extended);
        assert!(parse_spans(b"a.b.c-d").is_err());
        assert!(parse_spans(b"a.b.c=\x01").is_err());
        assert!(parse_spans(b".a").is_err());
    }

    #[test]
    fn extended() {
        assert_eq!(parse_extended(b"@interface[-1]"), Some((&b"interface"[..], -1)));
        assert_eq!(parse_extended(b"@[2]"), Some((&b""[..], 2)));
        assert_eq!(parse_extended(b"@t[]"), Some((&b"t"[..], 0)));
        assert_eq!(parse_extended(b"@t[+1]"), Some((&b"t"[..], 1)));
        assert_eq!(parse_extended(b"@t[0x1]"), None);
        assert_eq!(parse_extended(b"@t[1]x"), None);
        assert_eq!(parse_extended(b"@t"), None);
        assert_eq!(parse_extended(b"t[1]"), None);
    }
}
