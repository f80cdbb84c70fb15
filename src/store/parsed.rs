//! In-process memo of parsed config files (before delta files are applied),
//! used where one process loads the same package again and again (`uci
//! batch` unloads everything after each line, as the original does).
//!
//! An entry is reused only while the file's identity (device, inode, size,
//! mtime and ctime in ns) is unchanged, and only for parses that raised no
//! error (a non-strict parse prints its errors on every load).

use std::fs::File;
use std::os::unix::fs::MetadataExt;

use crate::model::hash::Map;

use crate::model::Package;

/// Identity of an open file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileId {
    pub fn of(f: &File) -> Option<FileId> {
        Some(Self::of_meta(&f.metadata().ok()?))
    }

    /// The identity of the file at `p` (following links); `None` when it
    /// cannot be read (absent).
    pub fn of_path(p: &[u8]) -> Option<FileId> {
        Some(Self::of_meta(&std::fs::metadata(super::fsutil::path(p)).ok()?))
    }

    fn of_meta(m: &std::fs::Metadata) -> FileId {
        FileId {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        }
    }
}

/// Parsed files by (path, strict flag).
#[derive(Debug, Clone, Default)]
pub struct ParsedFiles {
    entries: Map<(Vec<u8>, bool), (FileId, Package)>,
}

impl ParsedFiles {
    pub fn get(&self, path: &[u8], strict: bool, id: FileId) -> Option<Package> {
        match self.entries.get(&(path.to_vec(), strict)) {
            Some((fid, p)) if *fid == id => Some(p.clone()),
            _ => None,
        }
    }

    pub fn put(&mut self, path: &[u8], strict: bool, id: FileId, p: &Package) {
        self.entries.insert((path.to_vec(), strict), (id, p.clone()));
    }
}
