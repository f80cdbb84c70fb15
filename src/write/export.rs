//! The export / commit text of a package (file-format.md §8).

use super::quote::{push_escaped, push_quoted};
use crate::model::{Package, Value};

/// Appends the config text of `p`. `header` adds `package <name>`;
/// `names` writes the generated names of anonymous sections (`-n`).
pub fn export(out: &mut Vec<u8>, p: &Package, header: bool, names: bool) {
    if header {
        out.extend_from_slice(b"package ");
        push_escaped(out, &p.name);
        out.push(b'\n');
    }
    for s in &p.sections {
        out.extend_from_slice(b"\nconfig ");
        push_escaped(out, &s.stype);
        if !s.anonymous || names {
            out.push(b' ');
            push_quoted(out, &s.name);
        }
        out.push(b'\n');
        for o in &s.options {
            match &o.value {
                Value::Str(v) => {
                    out.extend_from_slice(b"\toption ");
                    push_escaped(out, &o.name);
                    out.push(b' ');
                    push_quoted(out, v);
                    out.push(b'\n');
                }
                Value::List(items) => {
                    for it in items {
                        out.extend_from_slice(b"\tlist ");
                        push_escaped(out, &o.name);
                        out.push(b' ');
                        push_quoted(out, it);
                        out.push(b'\n');
                    }
                }
            }
        }
    }
    out.push(b'\n');
}
