//! Delta ("changes") records and files (file-format.md §9).
//!
//! * [`Delta`]: one change, as kept in `p->delta` / `p->saved_delta`.
//! * [`format_line`]: the saved line (§9.1).
//! * [`parse_line`] / [`apply`]: reading a line back and replaying it (§9.2).
#![forbid(unsafe_code)]

use crate::edit;
use crate::error::{fail, Error, ErrorCode, Result};
use crate::lookup::{valid_name, Ptr, Target};
use crate::model::Package;
use crate::syntax::tokenizer::NameRule;
use crate::syntax::{Pctx, Stream};
use crate::write::quote::push_escaped;

/// Delta commands, with the values of `enum uci_command`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    Add = 0,
    Remove = 1,
    Change = 2,
    Rename = 3,
    Reorder = 4,
    ListAdd = 5,
    ListDel = 6,
}

impl Cmd {
    /// The prefix character in delta files (`uci_command_char`).
    pub fn prefix(self) -> Option<u8> {
        match self {
            Cmd::Add => Some(b'+'),
            Cmd::Remove => Some(b'-'),
            Cmd::Change => None,
            Cmd::Rename => Some(b'@'),
            Cmd::Reorder => Some(b'^'),
            Cmd::ListAdd => Some(b'|'),
            Cmd::ListDel => Some(b'~'),
        }
    }

    pub fn from_prefix(c: u8) -> Option<Cmd> {
        Some(match c {
            b'+' => Cmd::Add,
            b'-' => Cmd::Remove,
            b'@' => Cmd::Rename,
            b'^' => Cmd::Reorder,
            b'|' => Cmd::ListAdd,
            b'~' => Cmd::ListDel,
            _ => return None,
        })
    }

    pub fn from_i32(v: i32) -> Option<Cmd> {
        Some(match v {
            0 => Cmd::Add,
            1 => Cmd::Remove,
            2 => Cmd::Change,
            3 => Cmd::Rename,
            4 => Cmd::Reorder,
            5 => Cmd::ListAdd,
            6 => Cmd::ListDel,
            _ => return None,
        })
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub cmd: Cmd,
    pub section: Vec<u8>,
    pub option: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

impl Delta {
    pub fn new(cmd: Cmd, section: &[u8], option: Option<&[u8]>, value: Option<&[u8]>) -> Delta {
        Delta { cmd, section: section.to_vec(), option: option.map(<[u8]>::to_vec), value: value.map(<[u8]>::to_vec) }
    }
}

/// The delta-file line for `d` in package `pkg` (§9.1), with its newline.
pub fn format_line(out: &mut Vec<u8>, pkg: &[u8], d: &Delta) {
    if let Some(c) = d.cmd.prefix() {
        out.push(c);
    }
    out.extend_from_slice(pkg);
    out.push(b'.');
    out.extend_from_slice(&d.section);
    if let Some(o) = &d.option {
        out.push(b'.');
        out.extend_from_slice(o);
    }
    match (&d.value, d.cmd) {
        (None, Cmd::Remove) => {}
        (v, _) => {
            out.extend_from_slice(b"='");
            push_escaped(out, v.as_deref().unwrap_or(b""));
            out.push(b'\'');
        }
    }
    out.push(b'\n');
}

/// The line `uci changes` prints for `d` in package `pkg` (cli.md §4.5), with
/// its newline: `[-]<pkg>.<sec>[.<opt>]` followed, except for removals, by
/// `='<value>'` (`+=` for list additions, `-=` for list removals).
pub fn format_change(out: &mut Vec<u8>, pkg: &[u8], d: &Delta) {
    if d.cmd == Cmd::Remove {
        out.push(b'-');
    }
    out.extend_from_slice(pkg);
    out.push(b'.');
    out.extend_from_slice(&d.section);
    if let Some(o) = &d.option {
        out.push(b'.');
        out.extend_from_slice(o);
    }
    if d.cmd != Cmd::Remove {
        out.extend_from_slice(match d.cmd {
            Cmd::ListAdd => b"+=",
            Cmd::ListDel => b"-=",
            _ => b"=",
        });
        crate::write::quote::push_quoted(out, d.value.as_deref().unwrap_or(b""));
    }
    out.push(b'\n');
}

/// A delta line, parsed (§9.2 steps 1–3), before the package check.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub package: Vec<u8>,
    pub delta: Delta,
}

/// Parses the logical line in `pctx` (already read) as a delta line.
pub fn parse_line(pctx: &mut Pctx, r: &mut Stream<'_>) -> Result<Parsed> {
    let v = pctx.next_arg(r, true, NameRule::None)?;
    if !pctx.rest_is_empty() {
        return fail(ErrorCode::Inval);
    }
    let arg = pctx.str_at(v).to_vec();
    let (cmd, tuple) = match arg.first().copied().and_then(Cmd::from_prefix) {
        Some(c) => (c, &arg[1..]),
        None => (Cmd::Change, &arg[..]),
    };
    let ptr = Ptr::parse(tuple)?;
    let inval = Err(Error(ErrorCode::Inval));
    let Some(section) = ptr.section.clone() else { return inval };
    if ptr.is_extended() {
        return inval;
    }
    if cmd != Cmd::Remove && ptr.value.is_none() {
        return inval;
    }
    match cmd {
        Cmd::Reorder if ptr.option.is_some() => return inval,
        Cmd::Rename if !ptr.value.as_deref().is_some_and(valid_name) => return inval,
        Cmd::ListAdd | Cmd::ListDel if ptr.option.is_none() => return inval,
        _ => {}
    }
    Ok(Parsed {
        package: ptr.package.unwrap_or_default(),
        delta: Delta { cmd, section, option: ptr.option, value: ptr.value },
    })
}

pub use crate::syntax::cnum::strtoul_int;

/// Replays one change on `p` (§9.2 step 5), as an internal call.
pub fn apply(p: &mut Package, d: &Delta) -> Result<()> {
    let mut ptr = Ptr {
        target: if d.option.is_some() { Target::Option } else { Target::Section },
        package: Some(p.name.clone()),
        section: Some(d.section.clone()),
        option: d.option.clone(),
        value: d.value.clone(),
        ..Default::default()
    };
    match d.cmd {
        Cmd::Reorder => {
            edit::expand(p, &mut ptr)?;
            if !ptr.complete() {
                return fail(ErrorCode::NotFound);
            }
            let si = ptr.s.expect("complete lookup has a section");
            edit::reorder(p, si, strtoul_int(d.value.as_deref().unwrap_or(b"")), true)?;
        }
        Cmd::Rename => {
            edit::rename(p, &mut ptr, true)?;
        }
        Cmd::Remove => {
            edit::delete(p, &mut ptr, true)?;
        }
        Cmd::ListAdd => {
            edit::add_list(p, &mut ptr, true)?;
        }
        Cmd::ListDel => {
            edit::del_list(p, &mut ptr, true)?;
        }
        Cmd::Add | Cmd::Change => {
            edit::set(p, &mut ptr, true)?;
            if d.cmd == Cmd::Add && d.option.is_none() {
                if let Some(si) = ptr.s {
                    p.sections[si].anonymous = true;
                }
            }
        }
    }
    Ok(())
}

/// Reads a delta stream into `p`: every line that parses is appended to
/// `saved_delta` (when `keep`) and applied. Returns the number of lines that
/// applied. Lines failing any check are skipped silently.
pub fn replay(p: &mut Package, r: &mut Stream<'_>, keep: bool) -> usize {
    let mut pctx = Pctx::new();
    let mut changes = 0;
    while !r.eof() {
        pctx.start_line(r);
        if pctx.line_is_empty() {
            continue;
        }
        let Ok(parsed) = parse_line(&mut pctx, r) else { continue };
        if parsed.package != p.name {
            continue;
        }
        if keep {
            p.saved_delta.push(parsed.delta.clone());
        }
        if apply(p, &parsed.delta).is_ok() {
            changes += 1;
        }
    }
    changes
}

/// Parses every line of a delta stream without applying (for revert): `None`
/// if any non-empty line fails to parse.
pub fn parse_all(r: &mut Stream<'_>) -> Option<Vec<Parsed>> {
    let mut pctx = Pctx::new();
    let mut out = vec![];
    while !r.eof() {
        pctx.start_line(r);
        if pctx.line_is_empty() {
            continue;
        }
        out.push(parse_line(&mut pctx, r).ok()?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Option<Delta> {
        let mut r = Stream::from_bytes(s);
        let mut p = Pctx::new();
        p.start_line(&mut r);
        parse_line(&mut p, &mut r).ok().map(|x| x.delta)
    }

    #[test]
    fn lines() {
        assert_eq!(parse(b"network.lan.a=1\n").unwrap().value.unwrap(), b"1");
        assert!(parse(b"network.lan.a=1   \n").is_none());
        assert!(parse(b"network.lan.a=1\r\n").is_none());
        assert!(parse(b"network.lan.a=1 # c\n").is_none());
        assert_eq!(parse(b"network.lan.e=1;x\n").unwrap().value.unwrap(), b"1");
        assert_eq!(parse(b"-network.lan\n").unwrap().cmd, Cmd::Remove);
        assert!(parse(b"|network.lan='x'\n").is_none());
        assert!(parse(b"@network.lan='bad name'\n").is_none());
        assert!(parse(b"network.@a[0].b='x'\n").is_none());
    }

    #[test]
    fn format() {
        let mut out = vec![];
        format_line(&mut out, b"network", &Delta::new(Cmd::Change, b"lan", Some(b"new"), Some(b"it's new")));
        format_line(&mut out, b"network", &Delta::new(Cmd::Remove, b"lan", Some(b"quote"), None));
        assert_eq!(out, b"network.lan.new='it'\\''s new'\n-network.lan.quote\n");
    }

    #[test]
    fn change_lines() {
        let mut out = vec![];
        format_change(&mut out, b"n", &Delta::new(Cmd::Change, b"lan", Some(b"a"), Some(b"it's")));
        format_change(&mut out, b"n", &Delta::new(Cmd::Remove, b"lan", Some(b"l"), Some(b"1")));
        format_change(&mut out, b"n", &Delta::new(Cmd::ListAdd, b"lan", Some(b"l"), Some(b"x")));
        format_change(&mut out, b"n", &Delta::new(Cmd::ListDel, b"lan", Some(b"l"), Some(b"y")));
        format_change(&mut out, b"n", &Delta::new(Cmd::Add, b"cfg01", None, Some(b"t")));
        assert_eq!(out, b"n.lan.a='it'\\''s'\n-n.lan.l\nn.lan.l+='x'\nn.lan.l-='y'\nn.cfg01='t'\n");
    }
}
