//! The commit journal and crash recovery.
//!
//! A journal is the file `.ucix-journal` in the config directory (or, when
//! that does not exist, in the override directory the committed files live
//! in), on the same file system as the configs. It exists only while a
//! commit runs, or after a crash. Format (text, every path and name
//! hex-encoded so that any byte is allowed):
//!
//! ```text
//! ucix-journal 1
//! item <name> <temp file | -> <real target> <savedir delta file | -> <delta length> <delta md5 | ->
//! …
//! commit
//! ```
//!
//! The header and items are written before any temp file is created (so a
//! killed commit always leaves a journal naming its temp files); once every
//! temp file and the directory entries are durable (file and directory
//! fsyncs), the `commit` line is appended and fsynced: the commit point.
//!
//! Recovery, under the directory lock: without `commit` the temp files
//! named are deleted (the commit did not happen: old configs, pending
//! changes kept); with it, every temp file still present is renamed over its
//! target (a missing temp `-` means: remove the target), the directories are
//! fsynced, each delta file still starting with the consumed bytes (same
//! length and MD5) loses exactly that prefix, and the journal is removed.
#![forbid(unsafe_code)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};

use crate::store::fsutil;

/// File name of the journal inside its directory.
pub const NAME: &str = ".ucix-journal";
const HEADER: &str = "ucix-journal 1";

/// The consumed part of a savedir delta file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaMark {
    pub path: PathBuf,
    pub len: u64,
    pub md5: [u8; 16],
}

impl DeltaMark {
    pub fn of(path: PathBuf, content: &[u8]) -> DeltaMark {
        DeltaMark { path, len: content.len() as u64, md5: md5_of(content) }
    }
}

/// One package of a journaled commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: Vec<u8>,
    /// The new file; `None`: the target is removed.
    pub temp: Option<PathBuf>,
    /// The real (symlink-resolved) config file.
    pub target: PathBuf,
    pub delta: Option<DeltaMark>,
}

pub fn md5_of(b: &[u8]) -> [u8; 16] {
    Md5::digest(b).into()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn path_hex(p: &Path) -> String {
    hex(p.as_os_str().as_bytes())
}

fn unhex_path(s: &str) -> Option<PathBuf> {
    unhex(s).map(|b| PathBuf::from(std::ffi::OsString::from_vec(b)))
}

/// The journal text without the commit record.
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut s = format!("{HEADER}\n");
    for e in entries {
        let (dp, dl, dm) = match &e.delta {
            Some(d) => (path_hex(&d.path), d.len.to_string(), hex(&d.md5)),
            None => ("-".into(), "0".into(), "-".into()),
        };
        let temp = e.temp.as_deref().map_or("-".to_string(), path_hex);
        s.push_str(&format!("item {} {} {} {} {} {}\n", hex(&e.name), temp, path_hex(&e.target), dp, dl, dm));
    }
    s.into_bytes()
}

/// Parses a journal: its entries and whether the commit record is there.
/// `None` for a journal whose header or items are incomplete (written
/// before any temp file existed).
pub fn decode(b: &[u8]) -> Option<(Vec<Entry>, bool)> {
    let text = std::str::from_utf8(b).ok()?;
    let mut lines = text.split_inclusive('\n');
    if lines.next()? != format!("{HEADER}\n") {
        return None;
    }
    let mut entries = vec![];
    let mut committed = false;
    for line in lines {
        let Some(line) = line.strip_suffix('\n') else {
            // a torn last line: not a commit record
            break;
        };
        if line == "commit" {
            committed = true;
            break;
        }
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() != 7 || f[0] != "item" {
            return None;
        }
        let delta = if f[4] == "-" {
            None
        } else {
            let md5: [u8; 16] = unhex(f[6])?.try_into().ok()?;
            Some(DeltaMark { path: unhex_path(f[4])?, len: f[5].parse().ok()?, md5 })
        };
        let temp = if f[2] == "-" { None } else { Some(unhex_path(f[2])?) };
        entries.push(Entry { name: unhex(f[1])?, temp, target: unhex_path(f[3])?, delta });
    }
    Some((entries, committed))
}

/// An exclusive `flock` on a directory: held by a committing process for
/// the whole commit, so that one journal per directory suffices and
/// recovery never runs beside a live commit.
pub struct DirLock {
    _f: File,
}

impl DirLock {
    pub fn acquire(dir: &Path) -> io::Result<DirLock> {
        let f = File::open(dir)?;
        fsutil::lock(&f, true)?;
        Ok(DirLock { _f: f })
    }

    /// `None` when another process holds it (or the directory cannot be opened).
    pub fn try_acquire(dir: &Path) -> Option<DirLock> {
        let f = File::open(dir).ok()?;
        match fs2::FileExt::try_lock_exclusive(&f) {
            Ok(()) => Some(DirLock { _f: f }),
            Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => Some(DirLock { _f: f }),
            Err(_) => None,
        }
    }
}

/// A journal being written by a commit.
pub struct Journal {
    file: File,
    path: PathBuf,
    dir: PathBuf,
}

impl Journal {
    /// Creates the journal naming `entries` in `dir` (not yet durable: the
    /// directory fsync before [`Journal::commit`] makes its entry durable).
    pub fn create(dir: &Path, entries: &[Entry]) -> io::Result<Journal> {
        let path = dir.join(NAME);
        let mut file = OpenOptions::new().write(true).create_new(true).mode_0600().open(&path)?;
        let r = file.write_all(&encode(entries));
        if let Err(e) = r {
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        Ok(Journal { file, path, dir: dir.to_path_buf() })
    }

    /// Appends the commit record and makes it durable: the commit point.
    pub fn commit(&mut self) -> io::Result<()> {
        self.file.write_all(b"commit\n")?;
        self.file.sync_all()
    }

    /// Removes the journal (before the commit point: the commit is
    /// abandoned; after it: the commit is complete). Not fsynced: should the
    /// removal be lost, recovering the journal again changes nothing (the
    /// temp files are gone and the delta files no longer start with the
    /// consumed bytes).
    pub fn remove(self) -> io::Result<()> {
        fs::remove_file(&self.path)
    }

    /// The directory holding the journal.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

trait Mode0600 {
    fn mode_0600(&mut self) -> &mut Self;
}

impl Mode0600 for OpenOptions {
    fn mode_0600(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600)
    }
}

/// Finishes or rolls back an interrupted commit whose journal is in `dir`.
/// Without `locked`, does nothing when another process holds the directory
/// lock (a commit is running; it recovers before starting).
pub fn recover_dir(dir: &Path, locked: bool) {
    let j = dir.join(NAME);
    if fs::symlink_metadata(&j).is_err() {
        return;
    }
    let _lock = if locked {
        None
    } else {
        match DirLock::try_acquire(dir) {
            Some(l) => Some(l),
            None => return,
        }
    };
    let Ok(bytes) = fs::read(&j) else { return };
    match decode(&bytes) {
        None => {
            let _ = fs::remove_file(&j);
            fsutil::sync_dir(dir);
        }
        Some((entries, false)) => {
            for e in &entries {
                if let Some(t) = &e.temp {
                    let _ = fs::remove_file(t);
                }
            }
            let _ = fs::remove_file(&j);
            fsutil::sync_dir(dir);
        }
        Some((entries, true)) => {
            if roll_forward(&entries).is_ok() {
                let _ = fs::remove_file(&j);
                fsutil::sync_dir(dir);
            }
        }
    }
}

fn roll_forward(entries: &[Entry]) -> io::Result<()> {
    let mut dirs: Vec<PathBuf> = vec![];
    for e in entries {
        match &e.temp {
            Some(t) => {
                if fs::symlink_metadata(t).is_ok() {
                    fs::rename(t, &e.target)?;
                }
            }
            None => match fs::remove_file(&e.target) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
                _ => {}
            },
        }
        if let Some(d) = e.target.parent() {
            if !dirs.iter().any(|x| x == d) {
                dirs.push(d.to_path_buf());
            }
        }
    }
    for d in &dirs {
        fsutil::try_sync_dir(d)?;
    }
    for e in entries {
        if let Some(m) = &e.delta {
            drop_prefix(m)?;
        }
    }
    Ok(())
}

/// Removes the consumed prefix from a delta file if it is still there.
fn drop_prefix(m: &DeltaMark) -> io::Result<()> {
    let f = match fsutil::open_write_locked(&m.path, false, 0o600) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let r = (|| {
        let content = fsutil::read_all(&f)?;
        let len = m.len as usize;
        if content.len() < len || md5_of(&content[..len]) != m.md5 {
            return Ok(());
        }
        f.set_len(0)?;
        if content.len() > len {
            use std::os::unix::fs::FileExt;
            f.write_all_at(&content[len..], 0)?;
        }
        f.sync_all()
    })();
    fsutil::unlock(&f);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let e = vec![
            Entry {
                name: b"net".to_vec(),
                temp: Some(PathBuf::from("/c/.net.uci-abc")),
                target: PathBuf::from("/c/net"),
                delta: Some(DeltaMark::of(PathBuf::from("/d/net"), b"net.lan.a='1'\n")),
            },
            Entry { name: b"f w".to_vec(), temp: None, target: PathBuf::from("/c/f w"), delta: None },
        ];
        let mut b = encode(&e);
        assert_eq!(decode(&b), Some((e.clone(), false)));
        b.extend_from_slice(b"comm");
        assert_eq!(decode(&b), Some((e.clone(), false)));
        b.extend_from_slice(b"it\n");
        assert_eq!(decode(&b), Some((e, true)));
        assert_eq!(decode(b"ucix-jour"), None);
        assert_eq!(decode(b"ucix-journal 1\nitem 6e"), Some((vec![], false)));
    }

    #[test]
    fn recovery_rolls_forward_and_back() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        fs::write(dir.join("net"), "old").unwrap();
        fs::write(dir.join(".net.uci-x"), "new").unwrap();
        fs::write(dir.join("delta"), "consumed\nlater\n").unwrap();
        let e = vec![Entry {
            name: b"net".to_vec(),
            temp: Some(dir.join(".net.uci-x")),
            target: dir.join("net"),
            delta: Some(DeltaMark::of(dir.join("delta"), b"consumed\n")),
        }];
        // not committed: temp removed, nothing else changes
        let mut j = Journal::create(dir, &e).unwrap();
        drop(std::mem::replace(&mut j.file, File::open(dir).unwrap()));
        recover_dir(dir, false);
        assert!(!dir.join(NAME).exists());
        assert!(!dir.join(".net.uci-x").exists());
        assert_eq!(fs::read(dir.join("net")).unwrap(), b"old");
        // committed: renamed, prefix dropped
        fs::write(dir.join(".net.uci-x"), "new").unwrap();
        let mut j = Journal::create(dir, &e).unwrap();
        j.commit().unwrap();
        recover_dir(dir, false);
        assert!(!dir.join(NAME).exists());
        assert_eq!(fs::read(dir.join("net")).unwrap(), b"new");
        assert_eq!(fs::read(dir.join("delta")).unwrap(), b"later\n");
        // recovering the same journal again changes nothing more
        let mut j = Journal::create(dir, &e).unwrap();
        j.commit().unwrap();
        recover_dir(dir, false);
        assert_eq!(fs::read(dir.join("delta")).unwrap(), b"later\n");
        assert_eq!(fs::read(dir.join("net")).unwrap(), b"new");
    }
}
