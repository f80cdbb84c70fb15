//! The in-memory model: packages, sections, options (file-format.md §4, §7).
//!
//! Everything is kept in file order. Named sections are found in O(1) through
//! an index of first occurrences beside the ordered list (libuci scans the list,
//! which makes loading O(n²) in named sections), and `@type[n]` positions in
//! O(1) through the same index's list of the sections of each type, in order
//! (libuci walks the section list).
#![forbid(unsafe_code)]

pub mod hash;
pub mod naming;
pub mod text;

pub use text::Text;

use std::cell::RefCell;
use std::hash::BuildHasher;

use crate::delta::Delta;

/// An option value: a string or a list of strings (bytes, not UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(Text),
    List(Vec<Text>),
}

impl Value {
    pub fn is_list(&self) -> bool {
        matches!(self, Value::List(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub name: Text,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: Text,
    pub stype: Text,
    /// Declared without a name (its name was generated).
    pub anonymous: bool,
    pub options: Vec<Opt>,
}

impl Section {
    pub fn option_index(&self, name: &[u8]) -> Option<usize> {
        self.options.iter().position(|o| o.name == name)
    }

    pub fn option(&self, name: &[u8]) -> Option<&Opt> {
        self.options.iter().find(|o| o.name == name)
    }
}

/// A loaded package with its pending and saved changes.
#[derive(Debug, Clone, Default)]
pub struct Package {
    pub name: Vec<u8>,
    pub sections: Vec<Section>,
    /// Counter used to generate anonymous names (never decremented).
    pub n_section: u32,
    /// Loaded by name from confdir/conf2dir: changes go to delta files.
    pub has_delta: bool,
    /// The file was found in conf2dir.
    pub uses_conf2: bool,
    /// Path of the backing file, as constructed.
    pub path: Option<Vec<u8>>,
    /// Changes made through the API and not yet saved, oldest first.
    pub delta: Vec<Delta>,
    /// Changes read from delta files at load time.
    pub saved_delta: Vec<Delta>,
    index: RefCell<Option<Lookup>>,
    /// Set while the package equals a reload from its files (`uci batch`
    /// keeps such packages across lines, see [`crate::store::kept`]).
    pub(crate) origin: Option<Box<crate::store::kept::Origin>>,
}

/// The lookup index of a package, built on first use and dropped by
/// structural changes it cannot follow cheaply.
#[derive(Debug, Clone, Default)]
struct Lookup {
    /// Index of the first section of each name with the hash of that name
    /// (the names themselves stay in the sections: no copies; the stored
    /// hash spares a growing table from reading every name again).
    names: hashbrown::HashTable<(u64, usize)>,
    seeds: hash::Seeds,
    /// Section type → indexes of the sections of that type, ascending.
    types: hash::Map<Text, Vec<usize>>,
}

impl Lookup {
    fn build(sections: &[Section]) -> Lookup {
        let mut l = Lookup { names: hashbrown::HashTable::with_capacity(sections.len()), ..Default::default() };
        for (i, s) in sections.iter().enumerate() {
            l.add(i, s, sections);
        }
        l
    }

    /// Index of the first section called `name`.
    fn name(&self, name: &[u8], sections: &[Section]) -> Option<usize> {
        self.find(self.seeds.hash_one(name), name, sections)
    }

    /// The entry for `name`, whose hash is `h`.
    fn find(&self, h: u64, name: &[u8], sections: &[Section]) -> Option<usize> {
        self.names.find(h, |&(hj, j)| hj == h && sections[j].name == name).map(|&(_, j)| j)
    }

    /// Notes section `i`, the last one (`sections` holds those before it).
    fn add(&mut self, i: usize, s: &Section, sections: &[Section]) {
        let h = self.seeds.hash_one(s.name.as_slice());
        if self.find(h, &s.name, sections).is_none() {
            self.names.insert_unique(h, (h, i), |&(hj, _)| hj);
        }
        match self.types.get_mut(&s.stype) {
            Some(v) => v.push(i),
            None => {
                self.types.insert(s.stype.clone(), vec![i]);
            }
        }
    }
}

impl PartialEq for Package {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.sections == other.sections
    }
}

impl Package {
    pub fn new(name: &[u8]) -> Package {
        Package { name: name.to_vec(), ..Default::default() }
    }

    /// Runs `f` on the lookup index, building it first if needed.
    fn with_index<R>(&self, f: impl FnOnce(&Lookup) -> R) -> R {
        let mut idx = self.index.borrow_mut();
        f(idx.get_or_insert_with(|| Lookup::build(&self.sections)))
    }

    /// Index of the first section called `name`.
    pub fn section_index(&self, name: &[u8]) -> Option<usize> {
        self.with_index(|l| l.name(name, &self.sections))
    }

    /// Number of sections of type `stype` (empty = any type), in O(1).
    pub fn type_count(&self, stype: &[u8]) -> usize {
        if stype.is_empty() {
            return self.sections.len();
        }
        self.with_index(|l| l.types.get(stype).map_or(0, Vec::len))
    }

    /// Index of the `n`-th section of type `stype` (empty = any type), in O(1).
    pub fn nth_of_type(&self, stype: &[u8], n: usize) -> Option<usize> {
        if stype.is_empty() {
            return (n < self.sections.len()).then_some(n);
        }
        self.with_index(|l| l.types.get(stype).and_then(|v| v.get(n).copied()))
    }

    pub fn section(&self, name: &[u8]) -> Option<&Section> {
        self.section_index(name).map(|i| &self.sections[i])
    }

    /// Marks the package as possibly different from a reload of its files:
    /// a batch then reads them again instead of keeping it.
    pub fn forget_origin(&mut self) {
        self.origin = None;
    }

    /// Drops the name index; it is rebuilt on the next lookup.
    pub fn invalidate_index(&mut self) {
        *self.index.get_mut() = None;
    }

    /// Appends a section, keeping the index in step.
    pub fn push_section(&mut self, s: Section) -> usize {
        let i = self.sections.len();
        if let Some(l) = self.index.get_mut() {
            l.add(i, &s, &self.sections);
        }
        self.sections.push(s);
        i
    }

    pub fn remove_section(&mut self, i: usize) -> Section {
        self.invalidate_index();
        self.sections.remove(i)
    }

    pub fn rename_section_at(&mut self, i: usize, name: &[u8]) {
        self.sections[i].name = name.into();
        self.invalidate_index();
    }

    /// Changes the type of section `i`.
    pub fn set_section_type(&mut self, i: usize, stype: &[u8]) {
        self.sections[i].stype = stype.into();
        self.invalidate_index();
    }

    pub fn move_section(&mut self, from: usize, to: usize) {
        let s = self.sections.remove(from);
        self.sections.insert(to, s);
        self.invalidate_index();
    }

    /// Creates a section object: counts it for anonymous naming.
    pub fn count_section(&mut self) -> u32 {
        self.n_section = self.n_section.wrapping_add(1);
        self.n_section
    }

    /// The `@type[n]` index of section `i`: sections of the same type before it.
    pub fn type_index(&self, i: usize) -> usize {
        let t = &self.sections[i].stype;
        self.with_index(|l| l.types.get(t).map_or(0, |v| v.partition_point(|&j| j < i)))
    }

    /// The `@type[n]` indexes of all sections, in one pass.
    pub fn type_indexes(&self) -> Vec<usize> {
        let mut counts: hash::Map<&[u8], usize> = hash::Map::default();
        self.sections
            .iter()
            .map(|s| {
                let c = counts.entry(&s.stype[..]).or_insert(0);
                let n = *c;
                *c += 1;
                n
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(name: &str, stype: &str) -> Section {
        Section { name: name.into(), stype: stype.into(), anonymous: false, options: vec![] }
    }

    /// The index answers as a walk of the section list does.
    fn check(p: &Package) {
        for t in [&b""[..], b"host", b"domain", b"none"] {
            let walk: Vec<usize> =
                p.sections.iter().enumerate().filter(|(_, s)| t.is_empty() || s.stype == t).map(|(i, _)| i).collect();
            assert_eq!(p.type_count(t), walk.len(), "count of {t:?}");
            for (n, &i) in walk.iter().enumerate() {
                assert_eq!(p.nth_of_type(t, n), Some(i), "@{t:?}[{n}]");
                if !t.is_empty() {
                    assert_eq!(p.type_index(i), n);
                }
            }
            assert_eq!(p.nth_of_type(t, walk.len()), None);
        }
        assert_eq!(p.type_indexes(), (0..p.sections.len()).map(|i| p.type_index(i)).collect::<Vec<_>>());
        for (i, s) in p.sections.iter().enumerate() {
            let first = p.sections.iter().position(|x| x.name == s.name);
            assert_eq!(p.section_index(&s.name), first, "section {i}");
        }
    }

    #[test]
    fn type_positions_follow_every_change() {
        let mut p = Package::new(b"dhcp");
        for i in 0..6 {
            p.push_section(sec(&format!("h{i}"), if i % 3 == 2 { "domain" } else { "host" }));
        }
        check(&p);
        p.push_section(sec("h6", "host"));
        check(&p);
        p.remove_section(1);
        check(&p);
        p.rename_section_at(0, b"h5");
        check(&p);
        p.set_section_type(2, b"host");
        check(&p);
        p.move_section(4, 0);
        check(&p);
        p.move_section(0, 5);
        check(&p);
        p.push_section(sec("h7", "domain"));
        check(&p);
    }
}
