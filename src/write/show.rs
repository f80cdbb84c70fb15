//! The `uci show` line format (cli.md §2): `pkg.sec=type` and
//! `pkg.sec.opt='value'` lines. Used by the `uci show`/`uci get` commands and
//! by the hooks module, which hashes a package's `show` output the way
//! `/sbin/reload_config` does.

use super::quote::push_quoted;
use crate::model::{Package, Value};

/// A value followed by `\n`. Strings are quoted when `quote`; list items are
/// joined by `delimiter` and quoted when `quote` or when they contain
/// whitespace.
pub fn value(out: &mut Vec<u8>, delimiter: &[u8], v: &Value, quote: bool) {
    match v {
        Value::Str(v) => {
            if quote {
                push_quoted(out, v);
            } else {
                out.extend_from_slice(v);
            }
        }
        Value::List(items) => {
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(delimiter);
                }
                if quote || it.iter().any(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n')) {
                    push_quoted(out, it);
                } else {
                    out.extend_from_slice(it);
                }
            }
        }
    }
    out.push(b'\n');
}

/// `pkg.<sref>.opt=<value>` for option `oi` of section `si`.
pub fn option(out: &mut Vec<u8>, delimiter: &[u8], p: &Package, si: usize, oi: usize, sref: &[u8]) {
    let o = &p.sections[si].options[oi];
    out.extend_from_slice(&p.name);
    out.push(b'.');
    out.extend_from_slice(sref);
    out.push(b'.');
    out.extend_from_slice(&o.name);
    out.push(b'=');
    value(out, delimiter, &o.value, true);
}

/// `pkg.<sref>=type` and the section's option lines.
pub fn section(out: &mut Vec<u8>, delimiter: &[u8], p: &Package, si: usize, sref: &[u8]) {
    let sec = &p.sections[si];
    out.extend_from_slice(&p.name);
    out.push(b'.');
    out.extend_from_slice(sref);
    out.push(b'=');
    out.extend_from_slice(&sec.stype);
    out.push(b'\n');
    for oi in 0..sec.options.len() {
        option(out, delimiter, p, si, oi, sref);
    }
}

/// Every section of the package; with `extended`, anonymous sections are
/// shown as `@type[n]` (the default of `uci show`, `-X` turns it off).
pub fn package(out: &mut Vec<u8>, delimiter: &[u8], extended: bool, p: &Package) {
    let idx = if extended { p.type_indexes() } else { vec![] };
    for si in 0..p.sections.len() {
        let sec = &p.sections[si];
        if extended && sec.anonymous {
            let mut rb = b"@".to_vec();
            rb.extend_from_slice(&sec.stype);
            rb.extend_from_slice(format!("[{}]", idx[si]).as_bytes());
            section(out, delimiter, p, si, &rb);
        } else {
            section(out, delimiter, p, si, &sec.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::statement::parse_package;

    #[test]
    fn show_lines() {
        let p = parse_package(b"config system\n\toption hostname 'OpenWrt'\n\tlist l 'a b'\n\tlist l c\n", b"system", true).unwrap();
        let mut out = vec![];
        package(&mut out, b" ", true, &p);
        assert_eq!(out, b"system.@system[0]=system\nsystem.@system[0].hostname='OpenWrt'\nsystem.@system[0].l='a b' 'c'\n");
        let mut out = vec![];
        package(&mut out, b",", false, &p);
        assert_eq!(out, b"system.cfg01e48a=system\nsystem.cfg01e48a.hostname='OpenWrt'\nsystem.cfg01e48a.l='a b','c'\n");
    }
}
