//! Counters shared by every process using a cache directory (`ucix stats`).
//!
//! The file `<cache dir>/stats` is text, one counter a line:
//!
//! ```text
//! hits 120
//! misses 3
//! rebuilds 3
//! refreshes 1
//! reject dhcp delta-changed 2
//! ```
//!
//! Each event is added under an exclusive `flock` (read, add, rewrite in
//! place). Any failure is ignored: counting never changes what a command
//! does.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::format::Reject;

pub const FILE: &str = "stats";

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

impl Stats {
    pub fn parse(text: &str) -> Stats {
        let mut s = Stats::default();
        for line in text.lines() {
            let w: Vec<&str> = line.split(' ').collect();
            let n = |i: usize| w.get(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
            match w[0] {
                "hits" => s.hits = n(1),
                "appended" => s.appended = n(1),
                "misses" => s.misses = n(1),
                "rebuilds" => s.rebuilds = n(1),
                "refreshes" => s.refreshes = n(1),
                "reject" if w.len() == 4 => {
                    s.rejects.insert((w[1].to_string(), w[2].to_string()), n(3));
                }
                _ => {}
            }
        }
        s
    }

    pub fn to_text(&self) -> String {
        let mut t = format!(
            "hits {}\nappended {}\nmisses {}\nrebuilds {}\nrefreshes {}\n",
            self.hits, self.appended, self.misses, self.rebuilds, self.refreshes
        );
        for ((p, r), n) in &self.rejects {
            t.push_str(&format!("reject {p} {r} {n}\n"));
        }
        t
    }

    pub fn add(&mut self, e: Event<'_>) {
        match e {
            Event::Hit => self.hits += 1,
            Event::Appended => self.appended += 1,
            Event::Miss(pkg, why) => {
                self.misses += 1;
                let pkg: String = String::from_utf8_lossy(pkg).chars().map(|c| if c.is_ascii_graphic() { c } else { '_' }).collect();
                *self.rejects.entry((pkg, why.as_str().to_string())).or_insert(0) += 1;
            }
            Event::Rebuild => self.rebuilds += 1,
            Event::Refresh => self.refreshes += 1,
        }
    }
}

fn open(dir: &Path, create: bool) -> Option<File> {
    if create && !dir.is_dir() {
        super::make_dir(dir).ok()?;
    }
    let f = OpenOptions::new().read(true).write(create).create(create).mode(0o600).open(dir.join(FILE)).ok()?;
    Some(f)
}

/// Adds `e` to the counters in `dir` (silently does nothing on failure).
pub fn count(dir: &Path, e: Event<'_>) {
    let Some(mut f) = open(dir, true) else { return };
    if crate::store::fsutil::lock(&f, true).is_err() {
        return;
    }
    let mut text = String::new();
    let _ = f.read_to_string(&mut text);
    let mut s = Stats::parse(&text);
    s.add(e);
    let out = s.to_text();
    let _ = f.seek(SeekFrom::Start(0)).and_then(|_| f.write_all(out.as_bytes()));
    if out.len() < text.len() {
        let _ = f.set_len(out.len() as u64);
    }
    crate::store::fsutil::unlock(&f);
}

/// Reads the counters of `dir` (zero when there are none).
pub fn read(dir: &Path) -> Stats {
    let Some(mut f) = open(dir, false) else { return Stats::default() };
    let _ = crate::store::fsutil::lock(&f, false);
    let mut text = String::new();
    let _ = f.read_to_string(&mut text);
    Stats::parse(&text)
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
    fn text_round_trip() {
        let mut s = Stats::default();
        s.add(Event::Hit);
        s.add(Event::Hit);
        s.add(Event::Miss(b"dhcp", Reject::Delta));
        s.add(Event::Miss(b"dhcp", Reject::Delta));
        s.add(Event::Miss(b"a b", Reject::Missing));
        s.add(Event::Rebuild);
        let t = s.to_text();
        assert_eq!(t, "hits 2\nappended 0\nmisses 3\nrebuilds 1\nrefreshes 0\nreject a_b missing 1\nreject dhcp delta-changed 2\n");
        assert_eq!(Stats::parse(&t), s);
    }
}
