//! A device's configuration as a flat map of items, the unit of central
//! storage, diffs and merges.
//!
//! Every package becomes one [`Item::Package`] (its section order), every
//! section one [`Item::Section`] (type, anonymity, option order) and every
//! option one [`Item::Value`]. Changing one option changes one item, so a
//! revision holds only the items that differ ([`diff`]).
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Opt, Package, Section, Text, Value};

/// `(package, section, option)`; the section and option are empty for a
/// package item, the option for a section item (UCI names are never empty).
pub type Key = (Vec<u8>, Vec<u8>, Vec<u8>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A package: its section names in file order.
    Package { order: Vec<Vec<u8>> },
    /// A section: its type, whether it was declared without a name, and its
    /// option names in order.
    Section { stype: Vec<u8>, anonymous: bool, order: Vec<Vec<u8>> },
    /// An option's value.
    Value(Value),
}

pub type State = BTreeMap<Key, Item>;

/// The kind letter of an item as stored centrally (`x` is a deletion).
pub fn kind(item: Option<&Item>) -> &'static str {
    match item {
        Some(Item::Package { .. }) => "p",
        Some(Item::Section { .. }) => "t",
        Some(Item::Value(Value::Str(_))) => "s",
        Some(Item::Value(Value::List(_))) => "l",
        None => "x",
    }
}

/// `pkg`, `pkg.sec` or `pkg.sec.opt`, for messages.
pub fn tuple(k: &Key) -> String {
    let mut s = String::from_utf8_lossy(&k.0).into_owned();
    for part in [&k.1, &k.2] {
        if !part.is_empty() {
            s.push('.');
            s.push_str(&String::from_utf8_lossy(part));
        }
    }
    s
}

/// The items of some packages.
pub fn from_packages<'a>(pkgs: impl IntoIterator<Item = &'a Package>) -> State {
    let mut st = State::new();
    for p in pkgs {
        add_package(&mut st, p);
    }
    st
}

/// Adds the items of one package (a section name seen twice keeps its
/// first occurrence, as lookups do).
pub fn add_package(st: &mut State, p: &Package) {
    let mut order = vec![];
    for s in &p.sections {
        let skey = (p.name.clone(), s.name.to_vec(), vec![]);
        if st.contains_key(&skey) {
            continue;
        }
        order.push(s.name.to_vec());
        let mut opts = vec![];
        for o in &s.options {
            let okey = (p.name.clone(), s.name.to_vec(), o.name.to_vec());
            if st.contains_key(&okey) {
                continue;
            }
            opts.push(o.name.to_vec());
            st.insert(okey, Item::Value(o.value.clone()));
        }
        st.insert(skey, Item::Section { stype: s.stype.to_vec(), anonymous: s.anonymous, order: opts });
    }
    st.insert((p.name.clone(), vec![], vec![]), Item::Package { order });
}

/// The package names of a state, sorted.
pub fn package_names(st: &State) -> Vec<Vec<u8>> {
    st.iter().filter(|(_, v)| matches!(v, Item::Package { .. })).map(|(k, _)| k.0.clone()).collect()
}

/// The items of package `name` (package, sections, options).
pub fn package_items<'a>(st: &'a State, name: &'a [u8]) -> impl Iterator<Item = (&'a Key, &'a Item)> + 'a {
    st.range((name.to_vec(), vec![], vec![])..).take_while(move |(k, _)| k.0 == name)
}

/// Rebuilds package `name` from its items, in the recorded orders; items
/// missing from an order list follow in key order, names in an order list
/// without an item are skipped.
pub fn to_package(st: &State, name: &[u8]) -> Option<Package> {
    let Some(Item::Package { order }) = st.get(&(name.to_vec(), vec![], vec![])) else { return None };
    let mut p = Package::new(name);
    let mut sections: Vec<Vec<u8>> = vec![];
    let mut seen = BTreeSet::new();
    let all: Vec<Vec<u8>> = package_items(st, name)
        .filter(|(k, v)| !k.1.is_empty() && k.2.is_empty() && matches!(v, Item::Section { .. }))
        .map(|(k, _)| k.1.clone())
        .collect();
    for n in order.iter().chain(all.iter()) {
        if all.binary_search(n).is_ok() && seen.insert(n.clone()) {
            sections.push(n.clone());
        }
    }
    for sname in sections {
        let Some(Item::Section { stype, anonymous, order }) = st.get(&(name.to_vec(), sname.clone(), vec![])) else { continue };
        let mut sec = Section { name: Text::from(&sname), stype: Text::from(stype), anonymous: *anonymous, options: vec![] };
        let prefix = (name.to_vec(), sname.clone(), vec![]);
        let present: Vec<(Vec<u8>, Value)> = st
            .range(prefix..)
            .skip(1)
            .take_while(|(k, _)| k.0 == name && k.1 == sname)
            .filter_map(|(k, v)| match v {
                Item::Value(v) => Some((k.2.clone(), v.clone())),
                _ => None,
            })
            .collect();
        let mut done = BTreeSet::new();
        for o in order.iter().chain(present.iter().map(|(n, _)| n)) {
            if done.contains(o) {
                continue;
            }
            if let Some((_, v)) = present.iter().find(|(n, _)| n == o) {
                done.insert(o.clone());
                sec.options.push(Opt { name: Text::from(o), value: v.clone() });
            }
        }
        p.count_section();
        p.push_section(sec);
    }
    Some(p)
}

/// The export text of package `name` (`None`: no such package), as a
/// commit writes it.
pub fn package_text(st: &State, name: &[u8]) -> Option<Vec<u8>> {
    let p = to_package(st, name)?;
    let mut out = vec![];
    crate::write::export(&mut out, &p, false, false);
    Some(out)
}

/// What turns `from` into `to`: every key whose item differs, with its new
/// item (`None`: removed).
pub fn diff(from: &State, to: &State) -> Vec<(Key, Option<Item>)> {
    let mut out = vec![];
    for (k, v) in to {
        if from.get(k) != Some(v) {
            out.push((k.clone(), Some(v.clone())));
        }
    }
    for k in from.keys() {
        if !to.contains_key(k) {
            out.push((k.clone(), None));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Applies changes to a state.
pub fn apply(st: &mut State, changes: impl IntoIterator<Item = (Key, Option<Item>)>) {
    for (k, v) in changes {
        match v {
            Some(v) => {
                st.insert(k, v);
            }
            None => {
                st.remove(&k);
            }
        }
    }
}

// ---- byte encoding (values in the database, the local base file) ----

/// Appends a length-prefixed byte string.
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

/// Appends a counted list of byte strings.
pub fn put_list<B: AsRef<[u8]>>(out: &mut Vec<u8>, l: &[B]) {
    out.extend_from_slice(&(l.len() as u32).to_be_bytes());
    for b in l {
        put_bytes(out, b.as_ref());
    }
}

/// A reader over [`put_bytes`] / [`put_list`] data.
pub struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    pub fn u32(&mut self) -> Option<u32> {
        let (h, t) = self.0.split_at_checked(4)?;
        self.0 = t;
        Some(u32::from_be_bytes(h.try_into().ok()?))
    }

    pub fn u64(&mut self) -> Option<u64> {
        let (h, t) = self.0.split_at_checked(8)?;
        self.0 = t;
        Some(u64::from_be_bytes(h.try_into().ok()?))
    }

    pub fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.u32()? as usize;
        let (h, t) = self.0.split_at_checked(n)?;
        self.0 = t;
        Some(h.to_vec())
    }

    pub fn list(&mut self) -> Option<Vec<Vec<u8>>> {
        let n = self.u32()? as usize;
        let mut v = Vec::with_capacity(n.min(self.0.len() / 4));
        for _ in 0..n {
            v.push(self.bytes()?);
        }
        Some(v)
    }

    pub fn done(&self) -> bool {
        self.0.is_empty()
    }
}

/// The stored value of an item of kind [`kind`]: a string option's or a
/// section type's bytes as they are (readable in the database), a list or
/// an order as a counted list.
pub fn encode_item(item: &Item) -> Vec<u8> {
    let mut out = vec![];
    match item {
        Item::Package { order } => put_list(&mut out, order),
        Item::Section { stype, anonymous, order } => {
            let mut l = vec![stype.clone(), if *anonymous { b"1".to_vec() } else { b"0".to_vec() }];
            l.extend(order.iter().cloned());
            put_list(&mut out, &l);
        }
        Item::Value(Value::Str(s)) => out.extend_from_slice(s),
        Item::Value(Value::List(l)) => put_list(&mut out, l),
    }
    out
}

/// The inverse of [`encode_item`] (`None`: malformed).
pub fn decode_item(kind: &str, data: &[u8]) -> Option<Item> {
    let list = || {
        let mut r = Reader(data);
        let l = r.list()?;
        r.done().then_some(l)
    };
    Some(match kind {
        "p" => Item::Package { order: list()? },
        "t" => {
            let mut l = list()?.into_iter();
            let stype = l.next()?;
            let anonymous = l.next()? == b"1";
            Item::Section { stype, anonymous, order: l.collect() }
        }
        "s" => Item::Value(Value::Str(data.into())),
        "l" => Item::Value(Value::List(list()?.into_iter().map(Text::from).collect())),
        _ => return None,
    })
}

/// Serializes a whole state (the local base snapshot).
pub fn encode_state(st: &State, out: &mut Vec<u8>) {
    out.extend_from_slice(&(st.len() as u64).to_be_bytes());
    for (k, v) in st {
        put_bytes(out, &k.0);
        put_bytes(out, &k.1);
        put_bytes(out, &k.2);
        put_bytes(out, kind(Some(v)).as_bytes());
        put_bytes(out, &encode_item(v));
    }
}

pub fn decode_state(r: &mut Reader<'_>) -> Option<State> {
    let n = r.u64()?;
    let mut st = State::new();
    for _ in 0..n {
        let k = (r.bytes()?, r.bytes()?, r.bytes()?);
        let kind = String::from_utf8(r.bytes()?).ok()?;
        let v = decode_item(&kind, &r.bytes()?)?;
        st.insert(k, v);
    }
    Some(st)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::statement::parse_package;

    const NET: &[u8] = b"config interface 'lan'\n\toption proto 'static'\n\tlist dns '1.1.1.1'\n\tlist dns '8.8.8.8'\n\nconfig alias\n\toption x 'y'\n\nconfig interface 'wan'\n";

    #[test]
    fn package_round_trip() {
        let p = parse_package(NET, b"network", true).unwrap();
        let st = from_packages([&p]);
        assert_eq!(st.len(), 1 + 3 + 3);
        let q = to_package(&st, b"network").unwrap();
        assert_eq!(q, p);
        assert!(q.sections[1].anonymous);
        let mut a = vec![];
        crate::write::export(&mut a, &p, false, false);
        assert_eq!(package_text(&st, b"network").unwrap(), a);
        let mut enc = vec![];
        encode_state(&st, &mut enc);
        assert_eq!(decode_state(&mut Reader(&enc)).unwrap(), st);
    }

    #[test]
    fn one_option_one_change() {
        let p = parse_package(NET, b"network", true).unwrap();
        let a = from_packages([&p]);
        let mut b = a.clone();
        b.insert((b"network".to_vec(), b"lan".to_vec(), b"proto".to_vec()), Item::Value(Value::Str(b"dhcp".into())));
        let d = diff(&a, &b);
        assert_eq!(d.len(), 1);
        let mut c = a.clone();
        apply(&mut c, d);
        assert_eq!(c, b);
        assert_eq!(diff(&b, &a).len(), 1);
    }

    #[test]
    fn items_encode() {
        for it in [
            Item::Package { order: vec![b"a".to_vec(), b"".to_vec()] },
            Item::Section { stype: b"t".to_vec(), anonymous: true, order: vec![b"o".to_vec()] },
            Item::Value(Value::Str(b"\0\xff'".into())),
            Item::Value(Value::List(vec![])),
        ] {
            assert_eq!(decode_item(kind(Some(&it)), &encode_item(&it)), Some(it));
        }
        assert_eq!(decode_item("l", b"\0\0\0\x05"), None);
    }
}
