//! Lua shapes of uci data: values, section tables, package tables and the
//! `changes` table (lua-api.md §3.3, §3.12, §4).
//!
//! Data is copied out of the context first (so no borrow of a context is held
//! while Lua allocates, which may run finalizers), then pushed.

use ucix::delta::{Cmd, Delta};
use ucix::model::{Section, Value};

use crate::raw::Lua;

/// A copy of one section.
pub struct SectionCopy {
    pub anonymous: bool,
    pub stype: Vec<u8>,
    pub name: Vec<u8>,
    pub options: Vec<(Vec<u8>, Value)>,
}

impl SectionCopy {
    pub fn of(s: &Section) -> SectionCopy {
        SectionCopy {
            anonymous: s.anonymous,
            stype: s.stype.to_vec(),
            name: s.name.to_vec(),
            options: s.options.iter().map(|o| (o.name.to_vec(), o.value.clone())).collect(),
        }
    }
}

/// A string, or an array table for a list (possibly empty).
pub fn value(lua: Lua, v: &Value) {
    match v {
        Value::Str(s) => lua.push_bytes(s),
        Value::List(items) => strings(lua, items),
    }
}

/// An array table of strings.
pub fn strings<B: AsRef<[u8]>>(lua: Lua, items: &[B]) {
    let t = lua.new_table(0, 0);
    for (i, it) in items.iter().enumerate() {
        lua.push_bytes(it.as_ref());
        lua.set_index(t, i as i32 + 1);
    }
}

/// A section table. Keys go in as the reference inserts them (`.anonymous`,
/// `.type`, `.name`, `.index`, then the options in order), which gives the
/// same `pairs()` order.
pub fn section(lua: Lua, s: &SectionCopy, index: Option<i64>) {
    let t = lua.new_table(0, 0);
    lua.push_bool(s.anonymous);
    lua.set_field(t, b".anonymous");
    lua.push_bytes(&s.stype);
    lua.set_field(t, b".type");
    lua.push_bytes(&s.name);
    lua.set_field(t, b".name");
    if let Some(i) = index {
        lua.push_int(i);
        lua.set_field(t, b".index");
    }
    for (name, v) in &s.options {
        value(lua, v);
        lua.set_field(t, name);
    }
}

/// A package table: `{ [name] = section table with .index, ... }`.
pub fn package(lua: Lua, sections: &[SectionCopy]) {
    let t = lua.new_table(0, 0);
    for (i, s) in sections.iter().enumerate() {
        section(lua, s, Some(i as i64));
        lua.set_field(t, &s.name);
    }
}

/// One entry of a section in the `changes` table.
enum Change {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
}

/// The changes of one section, keys in first-seen order.
struct SectionChanges {
    name: Vec<u8>,
    entries: Vec<(Vec<u8>, Change)>,
}

impl SectionChanges {
    fn entry(&mut self, key: &[u8]) -> Option<&mut Change> {
        self.entries.iter_mut().find(|(k, _)| k == key).map(|(_, c)| c)
    }

    fn put(&mut self, key: &[u8], c: Change) {
        match self.entry(key) {
            Some(e) => *e = c,
            None => self.entries.push((key.to_vec(), c)),
        }
    }
}

/// Folds a package's changes (saved, then pending) into its table
/// (lua-api.md §3.12).
fn fold(deltas: &[Delta]) -> Vec<SectionChanges> {
    let mut out: Vec<SectionChanges> = Vec::new();
    for d in deltas {
        let si = match out.iter().position(|s| s.name == d.section) {
            Some(i) => i,
            None => {
                out.push(SectionChanges { name: d.section.clone(), entries: vec![] });
                out.len() - 1
            }
        };
        let sec = &mut out[si];
        let v = d.value.clone().unwrap_or_default();
        match &d.option {
            None => sec.put(b".type", Change::Str(v)),
            Some(o) if d.cmd == Cmd::ListAdd => match sec.entry(o) {
                Some(Change::List(items)) => items.push(v),
                Some(Change::Str(old)) => {
                    let old = std::mem::take(old);
                    sec.put(o, Change::List(vec![old, v]));
                }
                None => sec.put(o, Change::List(vec![v])),
            },
            Some(o) => sec.put(o, Change::Str(v)),
        }
    }
    out
}

/// The `changes` table: `{ [package] = { [section] = { ... } } }`.
pub fn changes(lua: Lua, packages: &[(Vec<u8>, Vec<Delta>)]) {
    let t = lua.new_table(0, 0);
    for (name, deltas) in packages {
        let pt = lua.new_table(0, 0);
        for sec in fold(deltas) {
            let st = lua.new_table(0, 0);
            for (k, c) in &sec.entries {
                match c {
                    Change::Str(s) => lua.push_bytes(s),
                    Change::List(items) => strings(lua, items),
                }
                lua.set_field(st, k);
            }
            lua.set_field(pt, &sec.name);
        }
        lua.set_field(t, name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(cmd: Cmd, s: &str, o: Option<&str>, v: Option<&str>) -> Delta {
        Delta::new(cmd, s.as_bytes(), o.map(str::as_bytes), v.map(str::as_bytes))
    }

    fn show(secs: &[SectionChanges]) -> String {
        let mut out = String::new();
        for s in secs {
            out.push_str(&String::from_utf8_lossy(&s.name));
            out.push(':');
            for (k, c) in &s.entries {
                let v = match c {
                    Change::Str(v) => format!("{:?}", String::from_utf8_lossy(v)),
                    Change::List(items) => format!("{:?}", items.iter().map(|i| String::from_utf8_lossy(i)).collect::<Vec<_>>()),
                };
                out.push_str(&format!(" {}={v}", String::from_utf8_lossy(k)));
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn folds_every_kind_of_change() {
        let secs = fold(&[
            d(Cmd::Add, "cfg01", None, Some("rule")),
            d(Cmd::Change, "lan", Some("proto"), Some("dhcp")),
            d(Cmd::Remove, "lan", Some("dns"), None),
            d(Cmd::ListAdd, "lan", Some("dns"), Some("1.1.1.1")),
            d(Cmd::ListAdd, "lan", Some("dns"), Some("8.8.8.8")),
            d(Cmd::ListAdd, "lan", Some("new"), Some("x")),
            d(Cmd::ListDel, "lan", Some("old"), Some("y")),
            d(Cmd::Rename, "wan", None, Some("uplink")),
            d(Cmd::Reorder, "uplink", None, Some("0")),
            d(Cmd::Remove, "guest", None, None),
            d(Cmd::Change, "lan", Some("proto"), Some("static")),
        ]);
        assert_eq!(
            show(&secs),
            "cfg01: .type=\"rule\"\n\
             lan: proto=\"static\" dns=[\"\", \"1.1.1.1\", \"8.8.8.8\"] new=[\"x\"] old=\"y\"\n\
             wan: .type=\"uplink\"\n\
             uplink: .type=\"0\"\n\
             guest: .type=\"\"\n"
        );
    }
}
