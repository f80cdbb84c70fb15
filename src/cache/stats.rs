//! Counters shared by every process using a cache directory (`ucix stats`).
//!
//! The file `<cache dir>/stats` is binary, little-endian:
//!
//! ```text
//! "UCIXST1\0"  hits  appended  misses  rebuilds  refreshes     (8 + 5 × u64)
//! then one 64-byte record per (package, reason) a lookup was refused for:
//!   package name (56 bytes, NUL-padded, cut)  reason (u8)  pad  count (u32)
//! ```
//!
//! Each event is added under an exclusive `flock` (read, add, write back in
//! place). Any failure is ignored: counting never changes what a command
//! does. A file that is not a stats file is started again from zero.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::format::Reject;

pub const FILE: &str = "stats";

const MAGIC: &[u8; 8] = b"UCIXST1\0";
const HEAD: usize = 8 + 5 * 8;
const REC: usize = 64;
const NAME: usize = 56;

/// One thing that happened to a lookup or a build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    Hit,
    /// A hit that replayed lines appended to the last delta file.
    Appended,
    /// A lookup found no usable index for the package (and why).
    Miss(&'a [u8], Reject),
    Rebuild,
    Refresh,
}

/// The counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub hits: u64,
    pub appended: u64,
    pub misses: u64,
    pub rebuilds: u64,
    pub refreshes: u64,
    /// (package, reason) → count
    pub rejects: BTreeMap<(String, String), u64>,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |x| u64::from_le_bytes(x.try_into().expect("8 bytes")))
}

fn add_u64(b: &mut [u8], at: usize, n: u64) {
    let v = u64_at(b, at).wrapping_add(n);
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// The counters of a stats file's bytes (zero when it is not one).
pub fn decode(b: &[u8]) -> Stats {
    let mut s = Stats::default();
    if b.len() < HEAD || &b[..8] != MAGIC {
        return s;
    }
    s.hits = u64_at(b, 8);
    s.appended = u64_at(b, 16);
    s.misses = u64_at(b, 24);
    s.rebuilds = u64_at(b, 32);
    s.refreshes = u64_at(b, 40);
    for r in b[HEAD..].chunks_exact(REC) {
        let name = &r[..NAME];
        let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(NAME)];
        let why = Reject::ALL.get(r[NAME] as usize).map_or("?", |w| w.as_str());
        let n = u32::from_le_bytes(r[60..64].try_into().expect("4 bytes")) as u64;
        *s.rejects.entry((String::from_utf8_lossy(name).into_owned(), why.to_string())).or_insert(0) += n;
    }
    s
}

/// Adds `e` to the bytes of a stats file.
fn add(b: &mut Vec<u8>, e: Event<'_>) {
    if b.len() < HEAD || &b[..8] != MAGIC || (b.len() - HEAD) % REC != 0 {
        b.clear();
        b.extend_from_slice(MAGIC);
        b.resize(HEAD, 0);
    }
    let at = match e {
        Event::Hit => 8,
        Event::Appended => 16,
        Event::Miss(..) => 24,
        Event::Rebuild => 32,
        Event::Refresh => 40,
    };
    add_u64(b, at, 1);
    if let Event::Miss(pkg, why) = e {
        let mut rec = [0u8; REC];
        for (d, &c) in rec[..NAME].iter_mut().zip(pkg) {
            *d = if c.is_ascii_graphic() { c } else { b'_' };
        }
        rec[NAME] = Reject::ALL.iter().position(|&r| r == why).unwrap_or(0) as u8;
        let found = (HEAD..b.len()).step_by(REC).find(|&i| b[i..i + 60] == rec[..60]);
        let at = match found {
            Some(i) => i,
            None => {
                b.extend_from_slice(&rec);
                b.len() - REC
            }
        };
        let n = u32::from_le_bytes(b[at + 60..at + 64].try_into().expect("4 bytes")).saturating_add(1);
        b[at + 60..at + 64].copy_from_slice(&n.to_le_bytes());
    }
}

fn open(dir: &Path, create: bool) -> Option<File> {
    if create && !dir.is_dir() {
        super::make_dir(dir).ok()?;
    }
    OpenOptions::new().read(true).write(create).create(create).mode(0o600).open(dir.join(FILE)).ok()
}

/// Adds `e` to the counters in `dir` (silently does nothing on failure).
pub fn count(dir: &Path, e: Event<'_>) {
    let Some(mut f) = open(dir, true) else { return };
    if crate::store::fsutil::lock(&f, true).is_err() {
        return;
    }
    let mut b = Vec::with_capacity(512);
    let _ = f.read_to_end(&mut b);
    let old = b.len();
    add(&mut b, e);
    let _ = f.seek(SeekFrom::Start(0)).and_then(|_| f.write_all(&b));
    if b.len() < old {
        let _ = f.set_len(b.len() as u64);
    }
    crate::store::fsutil::unlock(&f);
}

/// Reads the counters of `dir` (zero when there are none).
pub fn read(dir: &Path) -> Stats {
    let Some(mut f) = open(dir, false) else { return Stats::default() };
    let _ = crate::store::fsutil::lock(&f, false);
    let mut b = Vec::new();
    let _ = f.read_to_end(&mut b);
    decode(&b)
}

/// Sets every counter of `dir` to zero.
pub fn reset(dir: &Path) -> std::io::Result<()> {
    let f = OpenOptions::new().write(true).create(true).truncate(false).mode(0o600).open(dir.join(FILE))?;
    crate::store::fsutil::lock(&f, true)?;
    let r = f.set_len(0);
    crate::store::fsutil::unlock(&f);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting() {
        let mut b = Vec::new();
        for e in [
            Event::Hit,
            Event::Hit,
            Event::Miss(b"dhcp", Reject::Delta),
            Event::Miss(b"a b", Reject::Missing),
            Event::Miss(b"dhcp", Reject::Delta),
            Event::Rebuild,
            Event::Appended,
        ] {
            add(&mut b, e);
        }
        let s = decode(&b);
        assert_eq!((s.hits, s.appended, s.misses, s.rebuilds, s.refreshes), (2, 1, 3, 1, 0));
        let r: Vec<_> = s.rejects.iter().map(|((p, w), n)| format!("{p} {w} {n}")).collect();
        assert_eq!(r, ["a_b missing 1", "dhcp delta-changed 2"]);
        // anything else is started again
        let mut junk = b"hits 12\n".to_vec();
        add(&mut junk, Event::Hit);
        assert_eq!(decode(&junk).hits, 1);
        assert_eq!(decode(b"short"), Stats::default());
    }
}
