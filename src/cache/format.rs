//! The index file format, and the checked reader over its bytes.
//!
//! All integers are little-endian; every offset is checked before use, so
//! a truncated or corrupt file is refused, never trusted.
//!
//! ```text
//! meta region (covered by `meta_sum`, verified when the file is opened)
//!   header   HEADER_LEN bytes: magic "UCIXIDX\0", version, flags, lengths,
//!            package counters and the table directory (TABLES × (offset, count))
//!   key      the cache key (see `Key`): everything the loaded result depends on
//!   name     the package name;  path  its backing file, if any
//!   deps     one record per file the result was built from (identity, racy
//!            flag, content hash), absent files included
//!   sums     xxh3-64 of each BLOCK-byte block of the data region
//! data region (each block verified before its first read)
//!   strings  every name, type and value, deduplicated
//!   sections SEC_LEN each: name, type id, options range, anonymous, @type rank
//!   options  OPT_LEN each: name, kind (string or list), value or item range
//!   items    list items (string refs)
//!   types    TYPE_LEN each: name, range in `type_list`
//!   type_list  section indexes grouped by type, in file order
//!   sec_table / type_table / opt_table: open-addressing hash tables of u64
//!            slots (high 32 bits of the key hash, index + 1; 0 = empty);
//!            opt_table holds the options of sections with more than
//!            SCAN_OPTIONS options (smaller ones are scanned)
//!   deltas   the saved changes (`uci changes`)
//! ```
//!
//! A string reference is (offset into `strings`, length); `NONE` as the
//! offset means "absent" (an optional delta field).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use xxhash_rust::xxh3::xxh3_64;

pub const MAGIC: &[u8; 8] = b"UCIXIDX\0";
pub const VERSION: u32 = 1;
/// log2 of the data block size (4 KiB).
pub const BLOCK_SHIFT: u32 = 12;
pub const BLOCK: usize = 1 << BLOCK_SHIFT;
/// Marks an absent optional string.
pub const NONE: u32 = u32::MAX;

pub const FLAG_HAS_DELTA: u32 = 1;
pub const FLAG_USES_CONF2: u32 = 2;
pub const FLAG_HAS_PATH: u32 = 4;

/// The options of a section with at most this many are found by a scan of
/// its records; larger sections have theirs in the option hash table.
pub const SCAN_OPTIONS: usize = 8;

pub const SEC_LEN: usize = 28;
pub const OPT_LEN: usize = 20;
pub const ITEM_LEN: usize = 8;
pub const TYPE_LEN: usize = 16;
pub const DELTA_LEN: usize = 28;

/// Tables of the data region, in the order of the header's directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Strings = 0,
    Sections,
    Options,
    Items,
    Types,
    TypeList,
    SecTable,
    TypeTable,
    OptTable,
    Deltas,
}

pub const TABLES: usize = 10;

impl Table {
    /// Size of one element (strings: bytes).
    pub fn elem(self) -> usize {
        match self {
            Table::Strings => 1,
            Table::Sections => SEC_LEN,
            Table::Options => OPT_LEN,
            Table::Items => ITEM_LEN,
            Table::Types => TYPE_LEN,
            Table::TypeList => 4,
            Table::SecTable | Table::TypeTable | Table::OptTable => 8,
            Table::Deltas => DELTA_LEN,
        }
    }
}

// header field offsets
const H_MAGIC: usize = 0;
/// xxh3-64 of the meta region after this field.
const H_META_SUM: usize = 8;
const H_VERSION: usize = 16;
const H_FLAGS: usize = 20;
const H_FILE_LEN: usize = 24;
const H_META_LEN: usize = 32;
const H_BLOCK_SHIFT: usize = 36;
const H_BUILD_TIME: usize = 40;
const H_N_SECTION: usize = 48;
const H_KEY_LEN: usize = 52;
const H_NAME_LEN: usize = 56;
const H_PATH_LEN: usize = 60;
const H_N_DEPS: usize = 64;
const H_N_BLOCKS: usize = 68;
const H_TABLES: usize = 72;
pub const HEADER_LEN: usize = H_TABLES + TABLES * 8;

/// Fixed part of a dependency record (the path follows).
pub const DEP_LEN: usize = 64;

/// Why an index file was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reject {
    /// No index file for this key.
    Missing,
    /// Shorter than its header says, or not even a header.
    Truncated,
    /// Wrong magic, bad lengths or offsets, or a checksum mismatch.
    Corrupt,
    /// Written by another format version.
    Version,
    /// Owned by another user, or not a regular file.
    Owner,
    /// Built for other directories or flags (file name collision).
    Key,
    /// The config file (or its `-C` override) changed, appeared or vanished.
    Config,
    /// A delta file changed, appeared or vanished.
    Delta,
    /// Same size and timestamps, but a different content (racy edit).
    Content,
    /// A file it depends on cannot be checked (permissions).
    Unreadable,
}

impl Reject {
    pub const ALL: [Reject; 10] = [
        Reject::Missing,
        Reject::Truncated,
        Reject::Corrupt,
        Reject::Version,
        Reject::Owner,
        Reject::Key,
        Reject::Config,
        Reject::Delta,
        Reject::Content,
        Reject::Unreadable,
    ];

    /// The word used by `ucix stats` and `ucix cache status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reject::Missing => "missing",
            Reject::Truncated => "truncated",
            Reject::Corrupt => "corrupt",
            Reject::Version => "version",
            Reject::Owner => "owner",
            Reject::Key => "key",
            Reject::Config => "config-changed",
            Reject::Delta => "delta-changed",
            Reject::Content => "content-changed",
            Reject::Unreadable => "unreadable",
        }
    }
}

/// The identity of a file as `stat` reports it (or its absence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ident {
    pub present: bool,
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mode: u32,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
}

/// What a dependency is (for the rejection reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Config = 0,
    Delta = 1,
}

/// A file the index was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub path: Vec<u8>,
    pub role: Role,
    pub ident: Ident,
    /// Changed too close to the build for its timestamps to be trusted:
    /// the content hash decides.
    pub racy: bool,
    /// xxh3-64 of the content that was parsed.
    pub hash: u64,
}

/// The decoded meta region.
#[derive(Debug, Clone)]
pub struct Meta {
    pub flags: u32,
    pub build_time_ns: i64,
    pub n_section: u32,
    pub key: Vec<u8>,
    pub name: Vec<u8>,
    pub path: Vec<u8>,
    pub deps: Vec<Dep>,
    pub sums: Vec<u64>,
    /// (offset, count) of each table, offsets relative to the data region.
    pub tables: [(u32, u32); TABLES],
    /// Length of the meta region (set by [`Meta::decode`]).
    pub meta_len: usize,
}

fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut Vec<u8>, v: u64) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn rd_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn rd_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

fn pad8(b: &mut Vec<u8>) {
    while b.len() % 8 != 0 {
        b.push(0);
    }
}

impl Meta {
    /// Encodes the meta region for a data region of `data_len` bytes.
    pub fn encode(&self, data_len: usize) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER_LEN + self.key.len() + self.sums.len() * 8 + 256);
        b.extend_from_slice(MAGIC);
        put_u64(&mut b, 0); // meta checksum, below
        put_u32(&mut b, VERSION);
        put_u32(&mut b, self.flags);
        put_u64(&mut b, 0); // file length, below
        put_u32(&mut b, 0); // meta length, below
        put_u32(&mut b, BLOCK_SHIFT);
        put_u64(&mut b, self.build_time_ns as u64);
        put_u32(&mut b, self.n_section);
        put_u32(&mut b, self.key.len() as u32);
        put_u32(&mut b, self.name.len() as u32);
        put_u32(&mut b, self.path.len() as u32);
        put_u32(&mut b, self.deps.len() as u32);
        put_u32(&mut b, self.sums.len() as u32);
        for (off, n) in self.tables {
            put_u32(&mut b, off);
            put_u32(&mut b, n);
        }
        debug_assert_eq!(b.len(), HEADER_LEN);
        b.extend_from_slice(&self.key);
        b.extend_from_slice(&self.name);
        b.extend_from_slice(&self.path);
        pad8(&mut b);
        for d in &self.deps {
            let i = &d.ident;
            put_u32(&mut b, d.path.len() as u32);
            b.push(d.role as u8);
            b.push(i.present as u8);
            b.push(d.racy as u8);
            b.push(0);
            put_u64(&mut b, i.dev);
            put_u64(&mut b, i.ino);
            put_u64(&mut b, i.size);
            put_u32(&mut b, i.mode);
            put_u32(&mut b, 0);
            put_u64(&mut b, i.mtime_ns as u64);
            put_u64(&mut b, i.ctime_ns as u64);
            put_u64(&mut b, d.hash);
            b.extend_from_slice(&d.path);
            pad8(&mut b);
        }
        for s in &self.sums {
            put_u64(&mut b, *s);
        }
        let meta_len = b.len();
        b[H_FILE_LEN..H_FILE_LEN + 8].copy_from_slice(&((meta_len + data_len) as u64).to_le_bytes());
        b[H_META_LEN..H_META_LEN + 4].copy_from_slice(&(meta_len as u32).to_le_bytes());
        let sum = xxh3_64(&b[H_META_SUM + 8..]);
        b[H_META_SUM..H_META_SUM + 8].copy_from_slice(&sum.to_le_bytes());
        b
    }

    /// Checks and decodes the meta region of a whole index file `b`.
    pub fn decode(b: &[u8]) -> Result<Meta, Reject> {
        if b.len() < HEADER_LEN {
            return Err(if b.len() >= 8 && &b[..8] != MAGIC { Reject::Corrupt } else { Reject::Truncated });
        }
        if &b[H_MAGIC..H_MAGIC + 8] != MAGIC {
            return Err(Reject::Corrupt);
        }
        let c = Reject::Corrupt;
        if rd_u32(b, H_VERSION).ok_or(c)? != VERSION {
            return Err(Reject::Version);
        }
        let file_len = rd_u64(b, H_FILE_LEN).ok_or(c)?;
        if file_len > b.len() as u64 {
            return Err(Reject::Truncated);
        }
        if file_len != b.len() as u64 {
            return Err(c);
        }
        let meta_len = rd_u32(b, H_META_LEN).ok_or(c)? as usize;
        if meta_len < HEADER_LEN || meta_len > b.len() || rd_u32(b, H_BLOCK_SHIFT).ok_or(c)? != BLOCK_SHIFT {
            return Err(c);
        }
        if xxh3_64(&b[H_META_SUM + 8..meta_len]) != rd_u64(b, H_META_SUM).ok_or(c)? {
            return Err(c);
        }
        let m = &b[..meta_len];
        let u32_at = |at| rd_u32(m, at).ok_or(c);
        let (key_len, name_len, path_len) = (u32_at(H_KEY_LEN)? as usize, u32_at(H_NAME_LEN)? as usize, u32_at(H_PATH_LEN)? as usize);
        let n_deps = u32_at(H_N_DEPS)? as usize;
        let n_blocks = u32_at(H_N_BLOCKS)? as usize;
        let data_len = b.len() - meta_len;
        if n_blocks != data_len.div_ceil(BLOCK) {
            return Err(c);
        }
        let mut tables = [(0u32, 0u32); TABLES];
        for (i, t) in tables.iter_mut().enumerate() {
            *t = (u32_at(H_TABLES + i * 8)?, u32_at(H_TABLES + i * 8 + 4)?);
        }
        let take = |at: &mut usize, n: usize| -> Result<Vec<u8>, Reject> {
            let v = m.get(*at..at.checked_add(n).ok_or(c)?).ok_or(c)?.to_vec();
            *at += n;
            Ok(v)
        };
        let mut at = HEADER_LEN;
        let key = take(&mut at, key_len)?;
        let name = take(&mut at, name_len)?;
        let path = take(&mut at, path_len)?;
        at = at.next_multiple_of(8);
        let mut deps = Vec::with_capacity(n_deps.min(64));
        for _ in 0..n_deps {
            let r = m.get(at..at.checked_add(DEP_LEN).ok_or(c)?).ok_or(c)?;
            let plen = rd_u32(r, 0).ok_or(c)? as usize;
            let role = match r[4] {
                0 => Role::Config,
                1 => Role::Delta,
                _ => return Err(c),
            };
            let ident = Ident {
                present: r[5] != 0,
                dev: rd_u64(r, 8).ok_or(c)?,
                ino: rd_u64(r, 16).ok_or(c)?,
                size: rd_u64(r, 24).ok_or(c)?,
                mode: rd_u32(r, 32).ok_or(c)?,
                mtime_ns: rd_u64(r, 40).ok_or(c)? as i64,
                ctime_ns: rd_u64(r, 48).ok_or(c)? as i64,
            };
            let (racy, hash) = (r[6] != 0, rd_u64(r, 56).ok_or(c)?);
            at += DEP_LEN;
            let path = take(&mut at, plen)?;
            at = at.next_multiple_of(8);
            deps.push(Dep { path, role, ident, racy, hash });
        }
        let mut sums = Vec::with_capacity(n_blocks);
        for _ in 0..n_blocks {
            sums.push(rd_u64(m, at).ok_or(c)?);
            at += 8;
        }
        if at != meta_len {
            return Err(c);
        }
        for (i, &(off, n)) in tables.iter().enumerate() {
            let elem = TABLE_ORDER[i].elem() as u64;
            if off as u64 + n as u64 * elem > data_len as u64 {
                return Err(c);
            }
        }
        for t in [Table::SecTable, Table::TypeTable, Table::OptTable] {
            let n = tables[t as usize].1;
            if !n.is_power_of_two() {
                return Err(c);
            }
        }
        Ok(Meta {
            flags: u32_at(H_FLAGS)?,
            build_time_ns: rd_u64(m, H_BUILD_TIME).ok_or(c)? as i64,
            n_section: u32_at(H_N_SECTION)?,
            key,
            name,
            path,
            deps,
            sums,
            tables,
            meta_len,
        })
    }
}

/// Makes the lengths and checksums of index file `b` agree with its bytes,
/// as [`Meta::encode`] writes them: the file length, the block count, the
/// sum of every data block (the last fields of the meta region) and the
/// meta checksum. Everything else stays as it is. Returns false, changing
/// nothing, when the header is missing or its meta length does not fit.
///
/// Checksums catch damage, not intent: whoever can write an index file can
/// seal it. Tests and the fuzz targets use this to reach the structure
/// checks behind the checksums with arbitrary content.
pub fn reseal(b: &mut [u8]) -> bool {
    let Some(meta_len) = (b.len() >= HEADER_LEN).then(|| rd_u32(b, H_META_LEN)).flatten() else { return false };
    let meta_len = meta_len as usize;
    if meta_len < HEADER_LEN || meta_len > b.len() {
        return false;
    }
    let n_blocks = (b.len() - meta_len).div_ceil(BLOCK);
    let Some(sums_at) = meta_len.checked_sub(n_blocks * 8).filter(|&at| at >= HEADER_LEN) else { return false };
    let Ok(n) = u32::try_from(n_blocks) else { return false };
    let file_len = b.len() as u64;
    b[H_FILE_LEN..H_FILE_LEN + 8].copy_from_slice(&file_len.to_le_bytes());
    b[H_N_BLOCKS..H_N_BLOCKS + 4].copy_from_slice(&n.to_le_bytes());
    let (meta, data) = b.split_at_mut(meta_len);
    for (i, block) in data.chunks(BLOCK).enumerate() {
        meta[sums_at + i * 8..sums_at + i * 8 + 8].copy_from_slice(&block_sum(block).to_le_bytes());
    }
    let sum = xxh3_64(&meta[H_META_SUM + 8..]);
    meta[H_META_SUM..H_META_SUM + 8].copy_from_slice(&sum.to_le_bytes());
    true
}

pub const TABLE_ORDER: [Table; TABLES] = [
    Table::Strings,
    Table::Sections,
    Table::Options,
    Table::Items,
    Table::Types,
    Table::TypeList,
    Table::SecTable,
    Table::TypeTable,
    Table::OptTable,
    Table::Deltas,
];

/// Hash of a section name or type (table key).
pub fn name_hash(s: &[u8]) -> u64 {
    xxh3_64(s)
}

/// Hash of an option key: its name within section `si`.
pub fn option_hash(si: u32, name: &[u8]) -> u64 {
    xxh3_64(name) ^ (si as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Checksum of one data block.
pub fn block_sum(b: &[u8]) -> u64 {
    xxh3_64(b)
}

/// The data region of an index, read in place: every read is bounds-checked
/// and every block is checked against its checksum before its first read.
pub struct Data<'a> {
    bytes: &'a [u8],
    sums: &'a [u64],
    verified: &'a [AtomicU64],
    /// Every block was verified (reads skip the per-block test).
    all: &'a AtomicBool,
    poisoned: &'a AtomicBool,
}

impl<'a> Data<'a> {
    /// `poisoned` is set when a block fails its check; `all` once every
    /// block passed.
    pub fn new(bytes: &'a [u8], sums: &'a [u64], verified: &'a [AtomicU64], all: &'a AtomicBool, poisoned: &'a AtomicBool) -> Data<'a> {
        Data { bytes, sums, verified, all, poisoned }
    }

    /// The bitset size [`Data::new`] needs for `n_blocks` blocks.
    pub fn bitset(n_blocks: usize) -> Vec<AtomicU64> {
        (0..n_blocks.div_ceil(64)).map(|_| AtomicU64::new(0)).collect()
    }

    fn check_block(&self, i: usize) -> bool {
        let (w, bit) = (i / 64, 1u64 << (i % 64));
        if self.verified[w].load(Ordering::Relaxed) & bit != 0 {
            return true;
        }
        let start = i * BLOCK;
        let end = (start + BLOCK).min(self.bytes.len());
        if block_sum(&self.bytes[start..end]) != self.sums[i] {
            self.poisoned.store(true, Ordering::Relaxed);
            return false;
        }
        self.verified[w].fetch_or(bit, Ordering::Relaxed);
        true
    }

    /// Verifies every block (before a whole-package read).
    pub fn verify_all(&self) -> bool {
        if self.all.load(Ordering::Relaxed) {
            return true;
        }
        let ok = (0..self.sums.len()).all(|i| self.check_block(i));
        if ok {
            self.all.store(true, Ordering::Relaxed);
        }
        ok
    }

    /// `len` bytes at `off`, if in bounds and verified.
    #[inline]
    pub fn get(&self, off: usize, len: usize) -> Option<&'a [u8]> {
        let end = off.checked_add(len)?;
        if end > self.bytes.len() {
            self.poisoned.store(true, Ordering::Relaxed);
            return None;
        }
        if len > 0 && !self.all.load(Ordering::Relaxed) {
            let (first, last) = (off >> BLOCK_SHIFT, (end - 1) >> BLOCK_SHIFT);
            for i in first..=last {
                if !self.check_block(i) {
                    return None;
                }
            }
        }
        Some(&self.bytes[off..end])
    }

    #[inline]
    pub fn u32(&self, off: usize) -> Option<u32> {
        Some(u32::from_le_bytes(self.get(off, 4)?.try_into().ok()?))
    }

    #[inline]
    pub fn u64(&self, off: usize) -> Option<u64> {
        Some(u64::from_le_bytes(self.get(off, 8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Meta {
        Meta {
            flags: FLAG_HAS_DELTA,
            build_time_ns: 1234,
            n_section: 7,
            key: b"key".to_vec(),
            name: b"net".to_vec(),
            path: b"/etc/config/net".to_vec(),
            deps: vec![Dep {
                path: b"/etc/config/net".to_vec(),
                role: Role::Config,
                ident: Ident { present: true, dev: 1, ino: 2, size: 3, mode: 0o100644, mtime_ns: -5, ctime_ns: 6 },
                racy: true,
                hash: 99,
            }],
            sums: vec![block_sum(&[0u8; 10])],
            tables: [(0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 1), (0, 1), (0, 1), (0, 0)],
            meta_len: 0,
        }
    }

    #[test]
    fn meta_round_trip() {
        let m = meta();
        let mut b = m.encode(10);
        b.extend_from_slice(&[0u8; 10]);
        let d = Meta::decode(&b).unwrap();
        assert_eq!((d.key, d.deps, d.sums, d.n_section, d.build_time_ns), (m.key, m.deps, m.sums, 7, 1234));
    }

    #[test]
    fn meta_refusals() {
        let mut b = meta().encode(10);
        b.extend_from_slice(&[0u8; 10]);
        assert_eq!(Meta::decode(&b[..b.len() - 1]).err(), Some(Reject::Truncated));
        assert_eq!(Meta::decode(&b[..20]).err(), Some(Reject::Truncated));
        let mut v = b.clone();
        v[16] = 2;
        assert_eq!(Meta::decode(&v).err(), Some(Reject::Version));
        let mut v = b.clone();
        v[HEADER_LEN] ^= 1;
        assert_eq!(Meta::decode(&v).err(), Some(Reject::Corrupt));
        let mut v = b.clone();
        v[0] = b'X';
        assert_eq!(Meta::decode(&v).err(), Some(Reject::Corrupt));
        let mut v = b.clone();
        v.push(0);
        assert_eq!(Meta::decode(&v).err(), Some(Reject::Corrupt));
    }

    #[test]
    fn reseal_restores_checksums_only() {
        let mut b = meta().encode(10);
        b.extend_from_slice(&[0u8; 10]);
        let orig = b.clone();
        assert!(reseal(&mut b));
        assert_eq!(b, orig, "a sealed file stays as it is");
        let n = b.len();
        b[n - 1] = 1;
        assert_eq!(Meta::decode(&b).err(), None, "data sums are checked per block, later");
        b[HEADER_LEN] ^= 1;
        assert_eq!(Meta::decode(&b).err(), Some(Reject::Corrupt));
        assert!(reseal(&mut b));
        let d = Meta::decode(&b).unwrap();
        assert_eq!(d.sums, vec![block_sum(&b[n - 10..])]);
        assert_eq!(d.key, b"jey");
        assert!(!reseal(&mut b[..HEADER_LEN - 1]));
        let mut short = orig[..HEADER_LEN].to_vec();
        assert!(!reseal(&mut short), "meta length beyond the file");
    }

    #[test]
    fn blocks_are_checked() {
        let bytes = vec![7u8; BLOCK * 2 + 5];
        let sums: Vec<u64> = bytes.chunks(BLOCK).map(block_sum).collect();
        let bits = Data::bitset(sums.len());
        let (poison, all) = (AtomicBool::new(false), AtomicBool::new(false));
        let d = Data::new(&bytes, &sums, &bits, &all, &poison);
        assert_eq!(d.get(BLOCK - 2, 4), Some(&[7u8; 4][..]));
        assert_eq!(d.get(bytes.len() - 1, 2), None);
        let mut bad = bytes.clone();
        bad[BLOCK * 2] = 0;
        let bits = Data::bitset(sums.len());
        let (poison, all) = (AtomicBool::new(false), AtomicBool::new(false));
        let d = Data::new(&bad, &sums, &bits, &all, &poison);
        assert!(d.get(0, 8).is_some());
        assert!(!poison.load(Ordering::Relaxed));
        assert!(d.get(BLOCK * 2, 1).is_none());
        assert!(poison.load(Ordering::Relaxed));
        assert!(!d.verify_all());
    }
}
