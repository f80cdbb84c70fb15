//! Writes the data region of an index from a loaded package (format.rs).

use crate::model::hash::{self, Map};

use super::format::{self, Table, NONE, TABLES};
use crate::delta::Delta;
use crate::model::{Package, Value};

/// The encoded data region and its table directory.
pub struct Built {
    pub data: Vec<u8>,
    pub tables: [(u32, u32); TABLES],
    pub sums: Vec<u64>,
}

struct Strings<'p> {
    bytes: Vec<u8>,
    seen: Map<&'p [u8], u32>,
}

impl<'p> Strings<'p> {
    /// (offset, length) of `s`, stored once.
    fn put(&mut self, s: &'p [u8]) -> Option<(u32, u32)> {
        let len = u32::try_from(s.len()).ok()?;
        if let Some(&off) = self.seen.get(s) {
            return Some((off, len));
        }
        let off = u32::try_from(self.bytes.len()).ok()?;
        if off == NONE {
            return None;
        }
        self.bytes.extend_from_slice(s);
        self.seen.insert(s, off);
        Some((off, len))
    }

    /// (offset, length) of `s`, stored again even if seen (unique strings).
    fn put_new(&mut self, s: &'p [u8]) -> Option<(u32, u32)> {
        let len = u32::try_from(s.len()).ok()?;
        let off = u32::try_from(self.bytes.len()).ok()?;
        if off == NONE {
            return None;
        }
        self.bytes.extend_from_slice(s);
        Some((off, len))
    }

    /// A value: short ones repeat (flags, zone names, targets), long ones
    /// rarely.
    fn put_value(&mut self, v: &'p [u8]) -> Option<(u32, u32)> {
        if v.len() <= 8 {
            self.put(v)
        } else {
            self.put_new(v)
        }
    }

    fn put_opt(&mut self, s: Option<&'p [u8]>) -> Option<(u32, u32)> {
        match s {
            Some(s) => self.put(s),
            None => Some((NONE, 0)),
        }
    }
}

fn put32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put_ref(b: &mut Vec<u8>, r: (u32, u32)) {
    put32(b, r.0);
    put32(b, r.1);
}

/// An open-addressing table of `n` keys given as (hash, index), as u64
/// slots. A key equal to one already in the table (`same`) is left out, so
/// the table finds the first of equal keys.
fn hash_table(keys: &[(u64, u32)], same: &dyn Fn(u32, u32) -> bool) -> Vec<u64> {
    let cap = (keys.len() * 2).max(1).next_power_of_two();
    let mask = cap - 1;
    let mut slots = vec![0u64; cap];
    for &(h, idx) in keys {
        let mut i = h as usize & mask;
        loop {
            let x = slots[i];
            if x == 0 {
                slots[i] = (h >> 32) << 32 | (idx as u64 + 1);
                break;
            }
            if x >> 32 == h >> 32 && same((x as u32) - 1, idx) {
                break;
            }
            i = (i + 1) & mask;
        }
    }
    slots
}

/// Encodes `p` (sections, options, types, saved changes) as a data region.
/// `None` when something does not fit the 32-bit offsets.
pub fn data(p: &Package) -> Option<Built> {
    let n_options: usize = p.sections.iter().map(|s| s.options.len()).sum();
    let n_items: usize = p
        .sections
        .iter()
        .flat_map(|s| &s.options)
        .map(|o| match &o.value {
            Value::List(l) => l.len(),
            Value::Str(_) => 0,
        })
        .sum();
    let mut st = Strings { bytes: Vec::with_capacity(n_options * 16), seen: hash::with_capacity(1024) };
    let mut secs = Vec::with_capacity(p.sections.len() * format::SEC_LEN);
    let mut opts = Vec::with_capacity(n_options * format::OPT_LEN);
    let mut items = Vec::with_capacity(n_items * format::ITEM_LEN);
    let mut type_ids: Map<&[u8], u32> = Map::default();
    let mut type_names: Vec<&[u8]> = Vec::new();
    let mut type_members: Vec<Vec<u32>> = Vec::new();
    let mut n_opts: u32 = 0;
    // (section, name) of every option; hash keys of those in large sections
    let mut opt_of: Vec<(u32, &[u8])> = Vec::with_capacity(n_options);
    let mut opt_keys: Vec<(u64, u32)> = Vec::new();
    for (si, s) in p.sections.iter().enumerate() {
        let si = u32::try_from(si).ok()?;
        let tid = *type_ids.entry(&s.stype).or_insert_with(|| {
            type_names.push(&s.stype);
            type_members.push(Vec::new());
            (type_names.len() - 1) as u32
        });
        let rank = type_members[tid as usize].len() as u32;
        type_members[tid as usize].push(si);
        put_ref(&mut secs, st.put_new(&s.name)?);
        put32(&mut secs, tid);
        put32(&mut secs, n_opts);
        put32(&mut secs, u32::try_from(s.options.len()).ok()?);
        put32(&mut secs, s.anonymous as u32);
        put32(&mut secs, rank);
        let hashed = s.options.len() > format::SCAN_OPTIONS;
        for o in &s.options {
            put_ref(&mut opts, st.put(&o.name)?);
            match &o.value {
                Value::Str(v) => {
                    put32(&mut opts, 0);
                    put_ref(&mut opts, st.put_value(v)?);
                }
                Value::List(l) => {
                    put32(&mut opts, 1);
                    put32(&mut opts, u32::try_from(items.len() / format::ITEM_LEN).ok()?);
                    put32(&mut opts, u32::try_from(l.len()).ok()?);
                    for it in l {
                        put_ref(&mut items, st.put_value(it)?);
                    }
                }
            }
            if hashed {
                opt_keys.push((format::option_hash(si, &o.name), n_opts));
            }
            opt_of.push((si, &o.name));
            n_opts = n_opts.checked_add(1)?;
        }
    }
    let mut types = Vec::new();
    let mut type_list = Vec::new();
    for (t, members) in type_names.iter().zip(&type_members) {
        put_ref(&mut types, st.put(t)?);
        put32(&mut types, (type_list.len() / 4) as u32);
        put32(&mut types, members.len() as u32);
        for &m in members {
            put32(&mut type_list, m);
        }
    }
    // Tables keep the first section of a name and the first option of a name
    // in its section, as the model's lookups do.
    let sec_keys: Vec<(u64, u32)> = p.sections.iter().zip(0..).map(|(s, i)| (format::name_hash(&s.name), i)).collect();
    let sec_table = hash_table(&sec_keys, &|a, b| p.sections[a as usize].name == p.sections[b as usize].name);
    let type_keys: Vec<(u64, u32)> = type_names.iter().zip(0..).map(|(t, i)| (format::name_hash(t), i)).collect();
    let type_table = hash_table(&type_keys, &|_, _| false);
    let opt_table = hash_table(&opt_keys, &|a, b| opt_of[a as usize] == opt_of[b as usize]);
    let mut deltas = Vec::new();
    for d in &p.saved_delta {
        let Delta { cmd, section, option, value } = d;
        put32(&mut deltas, *cmd as u32);
        put_ref(&mut deltas, st.put(section)?);
        put_ref(&mut deltas, st.put_opt(option.as_deref())?);
        put_ref(&mut deltas, st.put_opt(value.as_deref())?);
    }

    let mut data = Vec::new();
    let mut tables = [(0u32, 0u32); TABLES];
    let mut add = |t: Table, bytes: &[u8]| -> Option<()> {
        while data.len() % 8 != 0 {
            data.push(0);
        }
        let off = u32::try_from(data.len()).ok()?;
        tables[t as usize] = (off, u32::try_from(bytes.len() / t.elem()).ok()?);
        data.extend_from_slice(bytes);
        Some(())
    };
    let slots = |v: &[u64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    add(Table::Strings, &st.bytes)?;
    add(Table::Sections, &secs)?;
    add(Table::Options, &opts)?;
    add(Table::Items, &items)?;
    add(Table::Types, &types)?;
    add(Table::TypeList, &type_list)?;
    add(Table::SecTable, &slots(&sec_table))?;
    add(Table::TypeTable, &slots(&type_table))?;
    add(Table::OptTable, &slots(&opt_table))?;
    add(Table::Deltas, &deltas)?;
    u32::try_from(data.len()).ok()?;
    let sums = data.chunks(format::BLOCK).map(format::block_sum).collect();
    Some(Built { data, tables, sums })
}
