//! The change description given to hooks (stdin JSON) and added to
//! `config.change` events: what a commit changed, computed by comparing the
//! package before and after.
//!
//! Each change is `{"op", "section", "type", "option", "old", "new"}`, every
//! key always present:
//!
//! | op | option | old / new |
//! | --- | --- | --- |
//! | `add` | `null` | `null` / `null`: section created (its options follow as `set`) |
//! | `delete` | `null` | `null` / `null`: section removed (its options follow as `delete`) |
//! | `set` | `null` | old type / new type: section type changed |
//! | `set` | name | old value or `null` / new value: option added or changed |
//! | `delete` | name | old value / `null`: option removed |
//! | `reorder` | `null` | old position / new position (decimal strings) |
//!
//! Values are strings, lists are arrays of strings; bytes that are not
//! UTF-8 are replaced by U+FFFD. Sections are matched by name (anonymous
//! sections by their generated `cfgXXXXXX` name). `type` is the section's
//! type (the new one when it changed).
#![forbid(unsafe_code)]

use serde::Serialize;
use serde_json::Value as Json;

use crate::model::{Package, Section, Value};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub op: &'static str,
    pub section: String,
    #[serde(rename = "type")]
    pub stype: String,
    pub option: Option<String>,
    pub old: Option<Json>,
    pub new: Option<Json>,
}

/// One package's changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageChanges {
    pub package: String,
    pub changes: Vec<Change>,
}

/// The hook's stdin: `{"version":1,"action":…,"packages":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Description {
    pub version: u32,
    pub action: String,
    pub packages: Vec<PackageChanges>,
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Str(s) => Json::String(text(s)),
        Value::List(l) => Json::Array(l.iter().map(|i| Json::String(text(i))).collect()),
    }
}

fn change(op: &'static str, s: &Section, option: Option<&[u8]>, old: Option<Json>, new: Option<Json>) -> Change {
    Change { op, section: text(&s.name), stype: text(&s.stype), option: option.map(text), old, new }
}

/// The changes from `old` to `new` (`None`: the package file did not
/// exist / was removed).
pub fn diff(old: Option<&Package>, new: Option<&Package>) -> Vec<Change> {
    let empty = Package::default();
    let o = old.unwrap_or(&empty);
    let n = new.unwrap_or(&empty);
    let mut out = vec![];
    let in_new = |name: &[u8]| n.section_index(name).is_some();
    let in_old = |name: &[u8]| o.section_index(name).is_some();
    for (i, s) in o.sections.iter().enumerate() {
        if o.section_index(&s.name) != Some(i) || in_new(&s.name) {
            continue;
        }
        out.push(change("delete", s, None, None, None));
        for opt in &s.options {
            out.push(change("delete", s, Some(&opt.name), Some(value_json(&opt.value)), None));
        }
    }
    for (i, s) in n.sections.iter().enumerate() {
        if n.section_index(&s.name) != Some(i) {
            continue;
        }
        match o.section(&s.name) {
            None => {
                out.push(change("add", s, None, None, None));
                for opt in &s.options {
                    out.push(change("set", s, Some(&opt.name), None, Some(value_json(&opt.value))));
                }
            }
            Some(os) => section_changes(&mut out, os, s),
        }
    }
    // relative order of the sections present before and after
    let common_old: Vec<usize> = (0..o.sections.len()).filter(|&i| in_new(&o.sections[i].name)).collect();
    let common_new: Vec<usize> = (0..n.sections.len()).filter(|&i| in_old(&n.sections[i].name)).collect();
    let names_old: Vec<&[u8]> = common_old.iter().map(|&i| &o.sections[i].name[..]).collect();
    let names_new: Vec<&[u8]> = common_new.iter().map(|&i| &n.sections[i].name[..]).collect();
    if names_old != names_new {
        for (rank, &ni) in common_new.iter().enumerate() {
            let name = &n.sections[ni].name;
            if names_old.get(rank) != Some(&&name[..]) {
                let oi = o.section_index(name).unwrap_or(0);
                out.push(change(
                    "reorder",
                    &n.sections[ni],
                    None,
                    Some(Json::String(oi.to_string())),
                    Some(Json::String(ni.to_string())),
                ));
            }
        }
    }
    out
}

/// [`diff`] for a commit that changed only options of existing sections
/// (no section added, removed, renamed, moved or retyped): `old` holds the
/// previous version of every section it may have touched, by index; the
/// other sections are the same in both. Gives what [`diff`] gives.
pub fn diff_sections(old: &[(usize, Section)], new: &Package) -> Vec<Change> {
    let mut touched: Vec<&(usize, Section)> = old.iter().collect();
    touched.sort_by_key(|(i, _)| *i);
    touched.dedup_by_key(|(i, _)| *i);
    let mut out = vec![];
    for (i, os) in touched {
        let Some(s) = new.sections.get(*i) else { continue };
        if new.section_index(&s.name) != Some(*i) {
            continue;
        }
        section_changes(&mut out, os, s);
    }
    out
}

/// The changes of a section present before (`os`) and after (`s`).
fn section_changes(out: &mut Vec<Change>, os: &Section, s: &Section) {
    if os.stype != s.stype {
        out.push(change("set", s, None, Some(Json::String(text(&os.stype))), Some(Json::String(text(&s.stype)))));
    }
    for opt in &s.options {
        match os.option(&opt.name) {
            Some(oo) if oo.value == opt.value => {}
            Some(oo) => out.push(change("set", s, Some(&opt.name), Some(value_json(&oo.value)), Some(value_json(&opt.value)))),
            None => out.push(change("set", s, Some(&opt.name), None, Some(value_json(&opt.value)))),
        }
    }
    for oo in &os.options {
        if s.option(&oo.name).is_none() {
            out.push(change("delete", s, Some(&oo.name), Some(value_json(&oo.value)), None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::statement::parse_package;

    fn p(t: &str) -> Package {
        parse_package(t.as_bytes(), b"net", true).unwrap()
    }

    #[test]
    fn changes() {
        let a = p("config interface 'lan'\n\toption proto 'static'\n\tlist dns 1.1.1.1\n\toption gone x\nconfig interface 'wan'\nconfig old 'o'\n\toption k v\n");
        let b = p("config interface 'wan'\n\toption proto dhcp\nconfig interface 'lan'\n\toption proto 'dhcp'\n\tlist dns 1.1.1.1\n\tlist dns 8.8.8.8\nconfig alias 'x'\n");
        let c = diff(Some(&a), Some(&b));
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(
            j,
            concat!(
                r#"[{"op":"delete","section":"o","type":"old","option":null,"old":null,"new":null},"#,
                r#"{"op":"delete","section":"o","type":"old","option":"k","old":"v","new":null},"#,
                r#"{"op":"set","section":"wan","type":"interface","option":"proto","old":null,"new":"dhcp"},"#,
                r#"{"op":"set","section":"lan","type":"interface","option":"proto","old":"static","new":"dhcp"},"#,
                r#"{"op":"set","section":"lan","type":"interface","option":"dns","old":["1.1.1.1"],"new":["1.1.1.1","8.8.8.8"]},"#,
                r#"{"op":"delete","section":"lan","type":"interface","option":"gone","old":"x","new":null},"#,
                r#"{"op":"add","section":"x","type":"alias","option":null,"old":null,"new":null},"#,
                r#"{"op":"reorder","section":"wan","type":"interface","option":null,"old":"1","new":"0"},"#,
                r#"{"op":"reorder","section":"lan","type":"interface","option":null,"old":"0","new":"1"}]"#
            )
        );
        assert!(diff(Some(&a), Some(&a)).is_empty());
        let retype = diff(Some(&p("config a 's'\n")), Some(&p("config b 's'\n")));
        assert_eq!(retype[0].old, Some(Json::String("a".into())));
        assert_eq!(diff(None, Some(&p("config a 's'\n"))).len(), 1);
    }

    #[test]
    fn touched_sections_give_the_full_diff() {
        let a = p("config interface 'lan'\n\toption proto 'static'\n\tlist dns 1.1.1.1\nconfig interface 'wan'\n\toption x y\nconfig t 'z'\n");
        let mut b = a.clone();
        b.sections[0].options[0].value = Value::Str(b"dhcp".into());
        b.sections[0].options.remove(1);
        b.sections[1].options.push(crate::model::Opt { name: b"n".into(), value: Value::List(vec![b"1".into()]) });
        let old = vec![(1, a.sections[1].clone()), (0, a.sections[0].clone()), (2, a.sections[2].clone())];
        assert_eq!(diff_sections(&old, &b), diff(Some(&a), Some(&b)));
        assert_eq!(diff_sections(&old, &b).len(), 3);
    }
}
