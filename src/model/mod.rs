//! The in-memory model: packages, sections, options (file-format.md §4, §7).
//!
//! Everything is kept in file order. Named sections are found in O(1) through
//! an index of first occurrences beside the ordered list (libuci scans the list,
//! which makes loading O(n²) in named sections).
#![forbid(unsafe_code)]

pub mod hash;
pub mod naming;

use std::cell::RefCell;

use crate::delta::Delta;

/// An option value: a string or a list of strings (bytes, not UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(Vec<u8>),
    List(Vec<Vec<u8>>),
}

impl Value {
    pub fn is_list(&self) -> bool {
        matches!(self, Value::List(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub name: Vec<u8>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: Vec<u8>,
    pub stype: Vec<u8>,
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
    index: RefCell<Option<hash::Map<Vec<u8>, usize>>>,
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

    /// Index of the first section called `name`.
    pub fn section_index(&self, name: &[u8]) -> Option<usize> {
        let mut idx = self.index.borrow_mut();
        let map = idx.get_or_insert_with(|| {
            let mut m = hash::with_capacity(self.sections.len());
            for (i, s) in self.sections.iter().enumerate() {
                m.entry(s.name.clone()).or_insert(i);
            }
            m
        });
        map.get(name).copied()
    }

    pub fn section(&self, name: &[u8]) -> Option<&Section> {
        self.section_index(name).map(|i| &self.sections[i])
    }

    /// Drops the name index; it is rebuilt on the next lookup.
    pub fn invalidate_index(&mut self) {
        *self.index.get_mut() = None;
    }

    /// Appends a section, keeping the index in step.
    pub fn push_section(&mut self, s: Section) -> usize {
        let i = self.sections.len();
        if let Some(m) = self.index.get_mut() {
            m.entry(s.name.clone()).or_insert(i);
        }
        self.sections.push(s);
        i
    }

    pub fn remove_section(&mut self, i: usize) -> Section {
        self.invalidate_index();
        self.sections.remove(i)
    }

    pub fn rename_section_at(&mut self, i: usize, name: &[u8]) {
        self.sections[i].name = name.to_vec();
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
        self.sections[..i].iter().filter(|s| &s.stype == t).count()
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
