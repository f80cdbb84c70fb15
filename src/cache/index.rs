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
    poisoned: AtomicBool,
}

/// A value read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    Str(&'a [u8]),
    /// (first item index, count)
    List(u32, u32),
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
        Ok(Index { backing, meta, meta_len, verified, poisoned: AtomicBool::new(false) })
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
        Data::new(self.data_bytes(), &self.meta.sums, &self.verified, &self.poisoned)
    }

    /// True once a block failed its checksum: no answer read from this
    /// index may be used.
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

    /// The string referenced at data offset `at`.
    #[inline]
    fn string<'a>(&'a self, d: &Data<'a>, at: usize) -> Option<&'a [u8]> {
        let off = d.u32(at)?;
        let len = d.u32(at + 4)? as usize;
        if off == NONE {
            return None;
        }
        let (base, n) = self.table(Table::Strings);
        if off as usize + len > n {
            self.poisoned.store(true, Ordering::Relaxed);
            return None;
        }
        d.get(base + off as usize, len)
    }

    fn opt_string(&self, d: &Data<'_>, at: usize) -> Option<Option<Vec<u8>>> {
        if d.u32(at)? == NONE {
            return Some(None);
        }
        Some(Some(self.string(d, at)?.to_vec()))
    }

    pub fn section_count(&self) -> usize {
        self.table(Table::Sections).1
    }

    #[inline]
    fn sec_at(&self, si: usize) -> Option<usize> {
        let (base, n) = self.table(Table::Sections);
        (si < n).then(|| base + si * format::SEC_LEN)
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
        self.probe(&d, Table::SecTable, format::name_hash(name), |si| Some(self.string(&d, self.sec_at(si)?)? == name))
    }

    pub fn section_name(&self, si: usize) -> Option<&[u8]> {
        self.string(&self.d(), self.sec_at(si)?)
    }

    pub fn section_type(&self, si: usize) -> Option<&[u8]> {
        let d = self.d();
        let tid = d.u32(self.sec_at(si)? + 8)? as usize;
        self.type_name(&d, tid)
    }

    pub fn section_anonymous(&self, si: usize) -> Option<bool> {
        Some(self.d().u32(self.sec_at(si)? + 20)? != 0)
    }

    fn type_at(&self, tid: usize) -> Option<usize> {
        let (base, n) = self.table(Table::Types);
        (tid < n).then(|| base + tid * format::TYPE_LEN)
    }

    fn type_name<'a>(&'a self, d: &Data<'a>, tid: usize) -> Option<&'a [u8]> {
        self.string(d, self.type_at(tid)?)
    }

    fn find_type(&self, d: &Data<'_>, stype: &[u8]) -> Option<usize> {
        self.probe(d, Table::TypeTable, format::name_hash(stype), |t| Some(self.type_name(d, t)? == stype))
    }

    /// (first option index, count) of section `si`.
    fn options_of(&self, d: &Data<'_>, si: usize) -> Option<(usize, usize)> {
        let at = self.sec_at(si)?;
        Some((d.u32(at + 12)? as usize, d.u32(at + 16)? as usize))
    }

    fn opt_at(&self, g: usize) -> Option<usize> {
        let (base, n) = self.table(Table::Options);
        (g < n).then(|| base + g * format::OPT_LEN)
    }

    /// Index (within its section) of option `name` of section `si`.
    #[inline]
    pub fn find_option(&self, si: usize, name: &[u8]) -> Option<usize> {
        let d = self.d();
        let (start, n) = self.options_of(&d, si)?;
        let g = self.probe(&d, Table::OptTable, format::option_hash(si as u32, name), |g| {
            Some((start..start + n).contains(&g) && self.string(&d, self.opt_at(g)?)? == name)
        })?;
        Some(g - start)
    }

    pub fn option_count(&self, si: usize) -> Option<usize> {
        Some(self.options_of(&self.d(), si)?.1)
    }

    pub fn option_name(&self, si: usize, oi: usize) -> Option<&[u8]> {
        let d = self.d();
        let (start, n) = self.options_of(&d, si)?;
        if oi >= n {
            return None;
        }
        self.string(&d, self.opt_at(start + oi)?)
    }

    /// The value of option `oi` of section `si`, in place.
    #[inline]
    pub fn value_ref(&self, si: usize, oi: usize) -> Option<ValueRef<'_>> {
        let d = self.d();
        let (start, n) = self.options_of(&d, si)?;
        if oi >= n {
            return None;
        }
        let at = self.opt_at(start + oi)?;
        match d.u32(at + 8)? {
            0 => Some(ValueRef::Str(self.string(&d, at + 12)?)),
            1 => Some(ValueRef::List(d.u32(at + 12)?, d.u32(at + 16)?)),
            _ => {
                self.poisoned.store(true, Ordering::Relaxed);
                None
            }
        }
    }

    /// Item `i` of the list items table.
    pub fn item(&self, i: usize) -> Option<&[u8]> {
        let (base, n) = self.table(Table::Items);
        if i >= n {
            return None;
        }
        self.string(&self.d(), base + i * format::ITEM_LEN)
    }

    /// The value of option `oi` of section `si`, copied.
    pub fn value(&self, si: usize, oi: usize) -> Option<Value> {
        Some(match self.value_ref(si, oi)? {
            ValueRef::Str(s) => Value::Str(s.to_vec()),
            ValueRef::List(first, n) => {
                let mut v = Vec::with_capacity(n as usize);
                for i in first as usize..first as usize + n as usize {
                    v.push(self.item(i)?.to_vec());
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
        for si in 0..n {
            let (start, count) = self.options_of(&d, si)?;
            let mut options = Vec::with_capacity(count);
            for oi in 0..count {
                let name = self.string(&d, self.opt_at(start + oi)?)?.to_vec();
                options.push(Opt { name, value: self.value(si, oi)? });
            }
            p.sections.push(Section {
                name: self.section_name(si)?.to_vec(),
                stype: self.section_type(si)?.to_vec(),
                anonymous: self.section_anonymous(si)?,
                options,
            });
        }
        let (base, n) = self.table(Table::Deltas);
        for i in 0..n {
            let at = base + i * format::DELTA_LEN;
            let cmd = Cmd::from_i32(d.u32(at)? as i32)?;
            p.saved_delta.push(Delta {
                cmd,
                section: self.string(&d, at + 4)?.to_vec(),
                option: self.opt_string(&d, at + 12)?,
                value: self.opt_string(&d, at + 20)?,
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
        self.find_type(&d, stype).and_then(|t| d.u32(self.type_at(t)? + 12)).unwrap_or(0) as usize
    }

    fn nth_of_type(&self, stype: &[u8], n: usize) -> Option<usize> {
        if stype.is_empty() {
            return (n < self.section_count()).then_some(n);
        }
        let d = self.d();
        let at = self.type_at(self.find_type(&d, stype)?)?;
        let (start, count) = (d.u32(at + 8)? as usize, d.u32(at + 12)? as usize);
        if n >= count {
            return None;
        }
        let (base, len) = self.table(Table::TypeList);
        if start + n >= len {
            return None;
        }
        let si = d.u32(base + (start + n) * 4)? as usize;
        (si < self.section_count()).then_some(si)
    }

    fn option_index(&self, si: usize, name: &[u8]) -> Option<usize> {
        self.find_option(si, name)
    }
}
