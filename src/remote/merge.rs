//! The three-way merge of a pull: base (the last synced state), local (the
//! committed configuration now) and remote (the central head).
//!
//! Per item: what only one side changed is taken from that side; the same
//! change on both sides is taken once; different changes to one option
//! value or one section type are a [`Conflict`]. Orders (sections of a
//! package, options of a section) never conflict: one side's order is kept
//! and the other side's additions are placed after their predecessor.
//! Deleting a package or section that the other side changed is a conflict.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::state::{tuple, Item, Key, State};
use crate::model::Value;

/// One item changed differently on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub key: Key,
    pub local: Option<Item>,
    pub remote: Option<Item>,
}

impl Conflict {
    /// `tuple: local …, remote …`; values of secret options are masked.
    pub fn describe(&self, secret: bool) -> String {
        format!("{}: local {}, remote {}", tuple(&self.key), show(self.local.as_ref(), secret), show(self.remote.as_ref(), secret))
    }
}

fn quoted(b: &[u8]) -> String {
    format!("'{}'", String::from_utf8_lossy(b))
}

fn show(it: Option<&Item>, secret: bool) -> String {
    match it {
        None => "deleted".into(),
        Some(_) if secret => "'***'".into(),
        Some(Item::Value(Value::Str(s))) => quoted(s),
        Some(Item::Value(Value::List(l))) => format!("[{}]", l.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(", ")),
        Some(Item::Section { stype, .. }) => format!("section of type {}", quoted(stype)),
        Some(Item::Package { .. }) => "package".into(),
    }
}

/// Merges; on conflicts returns all of them and no state.
pub fn merge(base: &State, local: &State, remote: &State) -> Result<State, Vec<Conflict>> {
    let keys: BTreeSet<&Key> = base.keys().chain(local.keys()).chain(remote.keys()).collect();
    let mut out = State::new();
    let mut conflicts = vec![];
    for k in keys {
        let (b, l, r) = (base.get(k), local.get(k), remote.get(k));
        let pick = if l == r || r == b {
            l.cloned()
        } else if l == b {
            r.cloned()
        } else {
            match (b, l, r) {
                (b, Some(l), Some(r)) => match merge_item(b, l, r) {
                    Some(m) => Some(m),
                    None => {
                        conflicts.push(Conflict { key: k.clone(), local: Some(l.clone()), remote: Some(r.clone()) });
                        continue;
                    }
                },
                _ => {
                    conflicts.push(Conflict { key: k.clone(), local: l.cloned(), remote: r.cloned() });
                    continue;
                }
            }
        };
        if let Some(v) = pick {
            out.insert(k.clone(), v);
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    Ok(prune(out))
}

/// Both sides changed a package or section item: merged orders, and the
/// section type unless both changed it differently (`None`).
fn merge_item(b: Option<&Item>, l: &Item, r: &Item) -> Option<Item> {
    match (b, l, r) {
        (b, Item::Package { order: lo }, Item::Package { order: ro }) => {
            let bo = match b {
                Some(Item::Package { order }) => order.as_slice(),
                _ => &[],
            };
            Some(Item::Package { order: merge_order(bo, lo, ro) })
        }
        (b, Item::Section { stype: lt, anonymous: la, order: lo }, Item::Section { stype: rt, anonymous: ra, order: ro }) => {
            let (bt, ba, bo) = match b {
                Some(Item::Section { stype, anonymous, order }) => (Some(stype), Some(*anonymous), order.as_slice()),
                _ => (None, None, &[][..]),
            };
            let stype = if lt == rt || Some(rt) == bt {
                lt.clone()
            } else if Some(lt) == bt {
                rt.clone()
            } else {
                return None;
            };
            let anonymous = if Some(*ra) == ba { *la } else { *ra };
            Some(Item::Section { stype, anonymous, order: merge_order(bo, lo, ro) })
        }
        _ => None,
    }
}

/// `a` and `b` list their common names in the same order.
fn same_relative_order(a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
    let bs: BTreeSet<&Vec<u8>> = b.iter().collect();
    let as_: BTreeSet<&Vec<u8>> = a.iter().collect();
    a.iter().filter(|x| bs.contains(x)).eq(b.iter().filter(|x| as_.contains(x)))
}

/// The merged order of names: the side that did not reorder the common
/// names supplies the additions of the other, each placed after its
/// nearest predecessor (at the front when it has none).
pub fn merge_order(base: &[Vec<u8>], local: &[Vec<u8>], remote: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let (main, other) = if same_relative_order(remote, base) { (local, remote) } else { (remote, local) };
    let mut out: Vec<Vec<u8>> = main.to_vec();
    let base_set: HashSet<&Vec<u8>> = base.iter().collect();
    let mut in_out: HashSet<Vec<u8>> = out.iter().cloned().collect();
    for (i, x) in other.iter().enumerate() {
        if in_out.contains(x) || base_set.contains(x) {
            continue;
        }
        in_out.insert(x.clone());
        let at = other[..i].iter().rev().find_map(|p| out.iter().position(|o| o == p).map(|j| j + 1)).unwrap_or(0);
        out.insert(at, x.clone());
    }
    out
}

/// Drops options of missing sections and sections of missing packages;
/// every order lists exactly the children present. One pass in key order
/// (a package's item sorts before its sections, a section's before its
/// options).
fn prune(mut st: State) -> State {
    let mut pkg: Option<Vec<u8>> = None;
    let mut sec: Option<(Vec<u8>, Vec<u8>)> = None;
    st.retain(|k, v| {
        if k.1.is_empty() && !k.2.is_empty() {
            false
        } else if k.1.is_empty() {
            let ok = matches!(v, Item::Package { .. });
            pkg = ok.then(|| k.0.clone());
            ok
        } else if k.2.is_empty() {
            let ok = matches!(v, Item::Section { .. }) && pkg.as_ref() == Some(&k.0);
            sec = ok.then(|| (k.0.clone(), k.1.clone()));
            ok
        } else {
            matches!(v, Item::Value(_)) && sec.as_ref().is_some_and(|(p, s)| *p == k.0 && *s == k.1)
        }
    });
    let mut children: BTreeMap<(Vec<u8>, Vec<u8>), Vec<Vec<u8>>> = BTreeMap::new();
    for k in st.keys() {
        if k.2.is_empty() && !k.1.is_empty() {
            children.entry((k.0.clone(), vec![])).or_default().push(k.1.clone());
        } else if !k.2.is_empty() {
            children.entry((k.0.clone(), k.1.clone())).or_default().push(k.2.clone());
        }
    }
    for (k, v) in st.iter_mut() {
        if !k.2.is_empty() {
            continue;
        }
        let present = children.remove(&(k.0.clone(), k.1.clone())).unwrap_or_default();
        if let Item::Package { order } | Item::Section { order, .. } = v {
            let set: HashSet<&Vec<u8>> = present.iter().collect();
            let mut seen: HashSet<Vec<u8>> = HashSet::new();
            order.retain(|n| set.contains(n) && seen.insert(n.clone()));
            for c in present {
                if !seen.contains(&c) {
                    order.push(c);
                }
            }
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::state::{from_packages, package_text};
    use crate::syntax::statement::parse_package;

    fn st(text: &str) -> State {
        from_packages([&parse_package(text.as_bytes(), b"n", true).unwrap()])
    }

    fn text(s: &State) -> String {
        String::from_utf8(package_text(s, b"n").unwrap()).unwrap()
    }

    const BASE: &str = "config i 'lan'\n\toption a '1'\n\toption b '2'\nconfig i 'wan'\n\toption a '1'\n";

    #[test]
    fn disjoint_changes_merge() {
        // remote additions follow their predecessor (d after b's place, rem after wan)
        let local = st("config i 'lan'\n\toption a 'L'\n\toption b '2'\n\toption c 'new'\nconfig i 'wan'\n\toption a '1'\nconfig i 'loc'\n");
        let remote = st("config i 'lan'\n\toption a '1'\n\toption d 'r'\nconfig i 'wan'\n\toption a 'R'\nconfig i 'rem'\n");
        let m = merge(&st(BASE), &local, &remote).unwrap();
        assert_eq!(
            text(&m),
            "\nconfig i 'lan'\n\toption a 'L'\n\toption d 'r'\n\toption c 'new'\n\nconfig i 'wan'\n\toption a 'R'\n\nconfig i 'rem'\n\nconfig i 'loc'\n\n"
        );
    }

    #[test]
    fn conflicts_are_reported() {
        let local = st("config i 'lan'\n\toption a 'L'\n\toption b '2'\nconfig i 'wan'\n\toption a 'x'\n");
        let remote = st("config i 'lan'\n\toption a 'R'\n\toption b '2'\n");
        let c = merge(&st(BASE), &local, &remote).unwrap_err();
        let d: Vec<String> = c.iter().map(|c| c.describe(false)).collect();
        assert_eq!(d, ["n.lan.a: local 'L', remote 'R'", "n.wan.a: local 'x', remote deleted"]);
        // a section deleted on one side and given an option on the other
        let local = st("config i 'lan'\n\toption a '1'\n\toption b '2'\nconfig i 'wan'\n\toption a '1'\n\toption z '1'\n");
        let c = merge(&st(BASE), &local, &remote).unwrap_err();
        assert_eq!(c[0].describe(false), "n.wan: local section of type 'i', remote deleted");
        // the same change on both sides is no conflict
        let same = st("config i 'lan'\n\toption a 'S'\n\toption b '2'\nconfig i 'wan'\n\toption a '1'\n");
        assert_eq!(merge(&st(BASE), &same, &same).unwrap(), same);
    }

    #[test]
    fn orders() {
        let v = |s: &str| s.split(' ').filter(|x| !x.is_empty()).map(|x| x.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(merge_order(&v("a b c"), &v("a b c l"), &v("r a b c")), v("r a b c l"));
        assert_eq!(merge_order(&v("a b c"), &v("c a b l"), &v("a x b c")), v("c a x b l"));
        assert_eq!(merge_order(&v("a b c"), &v("a b"), &v("c b a")), v("c b a"));
    }
}
