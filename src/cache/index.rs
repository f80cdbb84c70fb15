//! An opened index: lookups read the mapped bytes in place (L2), and a
//! whole [`Package`] can be rebuilt from it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::format::{self, Data, Meta, Reject, Table, NONE};
use crate::delta::{Cmd, Delta};
use crate::lookup::Sections;
use crate::model::{Opt, Package, Section, Value};

enum Backing {
    Map(memmap2::Mmap),
    Bytes(Vec<u8>),
}

/// A checked index file. Every read goes through [`Data`], so a block is
/// used only after its checksum matched; a failed check poisons the index
/// (see [`Index::poisoned`]) and the read answers `None`.
pub struct Index {
    backing: Backing,
    meta: Meta,
    meta_len: usize,
    verified: Vec<AtomicU64>,
    all: AtomicBool,
    poisoned: AtomicBool,
}

/// A value read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    Str(&'a [u8]),
    /// (first item index, count)
    List(u32, u32),
}

#[inline]
fn field(r: &[u8], at: usize) -> u32 {
    r.get(at..at + 4).map_or(NONE, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl Index {
    fn new(backing: Backing) -> Result<Index, Reject> {
        let bytes: &[u8] = match &backing {
            Backing::Map(m) => m,
            Backing::Bytes(b) => b,
        };
        let meta = Meta::decode(bytes)?;
        let meta_len = meta.meta_len;
        let verified = Data::bitset(meta.sums.len());
        Ok(Index { backing, meta, meta_len, verified, all: AtomicBool::new(false), poisoned: AtomicBool::new(false) })
    }

    /// Checks the meta region of a mapped file.
    pub fn from_map(m: memmap2::Mmap) -> Result<Index, Reject> {
        Index::new(Backing::Map(m))
    }

    /// Checks the meta region of an index held in memory.
    pub fn from_bytes(b: Vec<u8>) -> Result<Index, Reject> {
        Index::new(Backing::Bytes(b))
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        match &self.backing {
            Backing::Map(m) => m,
            Backing::Bytes(b) => b,
        }
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The data region (everything after the meta region).
    pub fn data_bytes(&self) -> &[u8] {
        &self.bytes()[self.meta_len..]
    }

    #[inline]
    fn d(&self) -> Data<'_> {
        Data::new(self.data_bytes(), &self.meta.sums, &self.verified, &self.all, &self.poisoned)
    }

    fn poison(&self) {
        self.poisoned.store(true, Ordering::Relaxed);
    }

    /// True once a block failed its checksum or a reference pointed outside
    /// its table: no answer read from this index may be used.
    pub fn poisoned(&self) -> bool {
        self.poisoned.load(Ordering::Relaxed)
    }

    /// Verifies every data block.
    pub fn verify_all(&self) -> bool {
        self.d().verify_all()
    }

    #[inline]
    fn table(&self, t: Table) -> (usize, usize) {
        let (off, n) = self.meta.tables[t as usize];
        (off as usize, n as usize)
    }

    /// Element `i` of table `t`, checked.
    #[inline]
    fn rec<'a>(&'a self, d: &Data<'a>, t: Table, i: usize) -> Option<&'a [u8]> {
        let (base, n) = self.table(t);
        if i >= n {
            return None;
        }
        d.get(base + i * t.elem(), t.elem())
    }

    /// `first..first + n` as indexes of table `t`, if the table has them
    /// (before anything is allocated for them: the counts come from the
    /// file); otherwise the index is poisoned.
    #[inline]
    fn range_in(&self, t: Table, first: usize, n: usize) -> Option<std::ops::Range<usize>> {
        match first.checked_add(n) {
            Some(end) if end <= self.table(t).1 => Some(first..end),
            _ => {
                self.poison();
                None
            }
        }
    }

    /// The string (offset, length) referenced at `at` in record `r`.
    #[inline]
    fn string<'a>(&'a self, d: &Data<'a>, r: &[u8], at: usize) -> Option<&'a [u8]> {
        let (off, len) = (field(r, at), field(r, at + 4) as usize);
        if off == NONE {
            return None;
        }
        let (base, n) = self.table(Table::Strings);
        if off as usize + len > n {
            self.poison();
            return None;
        }
        d.get(base + off as usize, len)
    }

    fn opt_string(&self, d: &Data<'_>, r: &[u8], at: usize) -> Option<Option<Vec<u8>>> {
        if field(r, at) == NONE {
            return Some(None);
        }
        Some(Some(self.string(d, r, at)?.to_vec()))
    }

    pub fn section_count(&self) -> usize {
        self.table(Table::Sections).1
    }

    /// Probes a hash table for `h`; `is` tells whether index `i` is the key.
    #[inline]
    fn probe(&self, d: &Data<'_>, t: Table, h: u64, is: impl Fn(usize) -> Option<bool>) -> Option<usize> {
        let (base, cap) = self.table(t);
        let mask = cap - 1;
        let mut i = h as usize & mask;
        for _ in 0..cap {
            let x = d.u64(base + i * 8)?;
            if x == 0 {
                return None;
            }
            if x >> 32 == h >> 32 {
                let idx = (x as u32 as usize).checked_sub(1)?;
                if is(idx)? {
                    return Some(idx);
                }
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// Index of the first section called `name`.
    #[inline]
    pub fn find_section(&self, name: &[u8]) -> Option<usize> {
        let d = self.d();
        self.probe(&d, Table::SecTable, format::name_hash(name), |si| {
            let r = self.rec(&d, Table::Sections, si)?;
            Some(self.string(&d, r, 0)? == name)
        })
    }

    pub fn section_name(&self, si: usize) -> Option<&[u8]> {
        let d = self.d();
        self.string(&d, self.rec(&d, Table::Sections, si)?, 0)
    }

    pub fn section_type(&self, si: usize) -> Option<&[u8]> {
        let d = self.d();
        let tid = field(self.rec(&d, Table::Sections, si)?, 8) as usize;
        self.string(&d, self.rec(&d, Table::Types, tid)?, 0)
    }

    pub fn section_anonymous(&self, si: usize) -> Option<bool> {
        let d = self.d();
        Some(field(self.rec(&d, Table::Sections, si)?, 20) != 0)
    }

    /// The record of type `stype`.
    fn find_type<'a>(&'a self, d: &Data<'a>, stype: &[u8]) -> Option<&'a [u8]> {
        let t = self.probe(d, Table::TypeTable, format::name_hash(stype), |t| {
            let r = self.rec(d, Table::Types, t)?;
            Some(self.string(d, r, 0)? == stype)
        })?;
        self.rec(d, Table::Types, t)
    }

    /// (first option index, count) of section `si`.
    #[inline]
    fn options_of(&self, d: &Data<'_>, si: usize) -> Option<(usize, usize)> {
        let r = self.rec(d, Table::Sections, si)?;
        Some((field(r, 12) as usize, field(r, 16) as usize))
    }

    /// Index (within its section) of option `name` of section `si`.
    #[inline]
    pub fn find_option(&self, si: usize, name: &[u8]) -> Option<usize> {
        let d = self.d();
        let (start, n) = self.options_of(&d, si)?;
        if n <= format::SCAN_OPTIONS {
            // a few records side by side, and names shared by many
            // sections: cheaper than the hash table's random access
            for oi in 0..n {
                let r = self.rec(&d, Table::Options, start + oi)?;
                if field(r, 4) as usize == name.len() && self.string(&d, r, 0)? == name {
                    return Some(oi);
                }
            }
            return None;
        }
        let g = self.probe(&d, Table::OptTable, format::option_hash(si as u32, name), |g| {
            if !(start..start + n).contains(&g) {
                return Some(false);
            }
            Some(self.string(&d, self.rec(&d, Table::Options, g)?, 0)? == name)
        })?;
        Some(g - start)
    }

    pub fn option_count(&self, si: usize) -> Option<usize> {
        Some(self.options_of(&self.d(), si)?.1)
    }

    /// The record of option `oi` of section `si`.
    #[inline]
    fn opt_rec<'a>(&'a self, d: &Data<'a>, si: usize, oi: usize) -> Option<&'a [u8]> {
        let (start, n) = self.options_of(d, si)?;
        if oi >= n {
            return None;
        }
        self.rec(d, Table::Options, start + oi)
    }

    pub fn option_name(&self, si: usize, oi: usize) -> Option<&[u8]> {
        let d = self.d();
        self.string(&d, self.opt_rec(&d, si, oi)?, 0)
    }

    /// The value of option `oi` of section `si`, in place.
    #[inline]
    pub fn value_ref(&self, si: usize, oi: usize) -> Option<ValueRef<'_>> {
        let d = self.d();
        let r = self.opt_rec(&d, si, oi)?;
        match field(r, 8) {
            0 => Some(ValueRef::Str(self.string(&d, r, 12)?)),
            1 => Some(ValueRef::List(field(r, 12), field(r, 16))),
            _ => {
                self.poison();
                None
            }
        }
    }

    /// Item `i` of the list items table.
    pub fn item(&self, i: usize) -> Option<&[u8]> {
        let d = self.d();
        self.string(&d, self.rec(&d, Table::Items, i)?, 0)
    }

    /// The value of option `oi` of section `si`, copied.
    pub fn value(&self, si: usize, oi: usize) -> Option<Value> {
        Some(match self.value_ref(si, oi)? {
            ValueRef::Str(s) => Value::Str(s.into()),
            ValueRef::List(first, n) => {
                let items = self.range_in(Table::Items, first as usize, n as usize)?;
                let mut v = Vec::with_capacity(items.len());
                for i in items {
                    v.push(self.item(i)?.into());
                }
                Value::List(v)
            }
        })
    }

    /// Option `option` of section `section` (named), in place.
    #[inline]
    pub fn get(&self, section: &[u8], option: &[u8]) -> Option<ValueRef<'_>> {
        let si = self.find_section(section)?;
        let oi = self.find_option(si, option)?;
        self.value_ref(si, oi)
    }

    /// Rebuilds the whole package (after verifying every block).
    pub fn to_package(&self) -> Option<Package> {
        if !self.verify_all() {
            return None;
        }
        let d = self.d();
        let m = &self.meta;
        let mut p = Package::new(&m.name);
        p.n_section = m.n_section;
        p.has_delta = m.flags & format::FLAG_HAS_DELTA != 0;
        p.uses_conf2 = m.flags & format::FLAG_USES_CONF2 != 0;
        p.path = (m.flags & format::FLAG_HAS_PATH != 0).then(|| m.path.clone());
        let n = self.section_count();
        p.sections.reserve_exact(n);
        // The writer stores the options of each section, and the items of
        // each list, one after the other: ranges are required to follow on
        // from each other, so crafted overlapping ranges cannot make the
        // package larger than the file.
        let (mut next_opt, mut next_item) = (0, 0);
        for si in 0..n {
            let r = self.rec(&d, Table::Sections, si)?;
            let (start, count) = (field(r, 12) as usize, field(r, 16) as usize);
            let t = self.rec(&d, Table::Types, field(r, 8) as usize)?;
            if start != next_opt {
                self.poison();
                return None;
            }
            let range = self.range_in(Table::Options, start, count)?;
            next_opt = range.end;
            let mut options = Vec::with_capacity(count);
            for g in range {
                let o = self.rec(&d, Table::Options, g)?;
                let value = match field(o, 8) {
                    0 => Value::Str(self.string(&d, o, 12)?.into()),
                    1 => {
                        let (first, k) = (field(o, 12) as usize, field(o, 16) as usize);
                        if first != next_item {
                            self.poison();
                            return None;
                        }
                        let items = self.range_in(Table::Items, first, k)?;
                        next_item = items.end;
                        let mut v = Vec::with_capacity(k);
                        for i in items {
                            v.push(self.string(&d, self.rec(&d, Table::Items, i)?, 0)?.into());
                        }
                        Value::List(v)
                    }
                    _ => {
                        self.poison();
                        return None;
                    }
                };
                options.push(Opt { name: self.string(&d, o, 0)?.into(), value });
            }
            p.push_section(Section {
                name: self.string(&d, r, 0)?.into(),
                stype: self.string(&d, t, 0)?.into(),
                anonymous: field(r, 20) != 0,
                options,
            });
        }
        for i in 0..self.table(Table::Deltas).1 {
            let r = self.rec(&d, Table::Deltas, i)?;
            p.saved_delta.push(Delta {
                cmd: Cmd::from_i32(field(r, 0) as i32)?,
                section: self.string(&d, r, 4)?.to_vec(),
                option: self.opt_string(&d, r, 12)?,
                value: self.opt_string(&d, r, 20)?,
            });
        }
        (!self.poisoned()).then_some(p)
    }
}

impl Sections for Index {
    fn section_index(&self, name: &[u8]) -> Option<usize> {
        self.find_section(name)
    }

    fn section_name(&self, si: usize) -> Vec<u8> {
        Index::section_name(self, si).map(<[u8]>::to_vec).unwrap_or_default()
    }

    fn type_count(&self, stype: &[u8]) -> usize {
        if stype.is_empty() {
            return self.section_count();
        }
        let d = self.d();
        self.find_type(&d, stype).map_or(0, |r| field(r, 12) as usize)
    }

    fn nth_of_type(&self, stype: &[u8], n: usize) -> Option<usize> {
        if stype.is_empty() {
            return (n < self.section_count()).then_some(n);
        }
        let d = self.d();
        let r = self.find_type(&d, stype)?;
        let (start, count) = (field(r, 8) as usize, field(r, 12) as usize);
        if n >= count {
            return None;
        }
        let si = field(self.rec(&d, Table::TypeList, start + n)?, 0) as usize;
        if si >= self.section_count() {
            self.poison();
            return None;
        }
        Some(si)
    }

    fn option_index(&self, si: usize, name: &[u8]) -> Option<usize> {
        self.find_option(si, name)
    }
}
