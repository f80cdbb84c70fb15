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

    /// The file was empty.
    pub fn is_empty(&self) -> bool {
        self.size == 0
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

/// Parsed files by (path, strict flag). A file's parse is kept from the
/// second time it is parsed on: most files of a batch are parsed once (the
/// package then stays loaded, [`super::kept`]), and a copy of each would
/// double the memory of a batch over one big package for nothing.
#[derive(Debug, Clone, Default)]
pub struct ParsedFiles {
    entries: Map<(Vec<u8>, bool), (FileId, Option<Package>)>,
}

impl ParsedFiles {
    pub fn get(&self, path: &[u8], strict: bool, id: FileId) -> Option<Package> {
        match self.entries.get(&(path.to_vec(), strict)) {
            Some((fid, Some(p))) if *fid == id => Some(p.clone()),
            _ => None,
        }
    }

    /// Notes a parse of `path` as `p`: the first one only by the file's
    /// identity, the next one of the same file with a copy of `p`.
    pub fn put(&mut self, path: &[u8], strict: bool, id: FileId, p: &Package) {
        let key = (path.to_vec(), strict);
        let seen = matches!(self.entries.get(&key), Some((fid, _)) if *fid == id);
        self.entries.insert(key, (id, seen.then(|| p.clone())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_from_the_second_parse() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t");
        std::fs::write(&f, b"config t 'a'\n").unwrap();
        let id = FileId::of(&File::open(&f).unwrap()).unwrap();
        let p = crate::syntax::statement::parse_package(b"config t 'a'\n", b"t", true).unwrap();
        let mut m = ParsedFiles::default();
        m.put(b"t", true, id, &p);
        assert!(m.get(b"t", true, id).is_none(), "first parse: identity only");
        m.put(b"t", true, id, &p);
        assert_eq!(m.get(b"t", true, id), Some(p.clone()));
        assert!(m.get(b"t", false, id).is_none());
        std::fs::write(&f, b"config t 'bb'\n").unwrap();
        let id2 = FileId::of(&File::open(&f).unwrap()).unwrap();
        assert!(m.get(b"t", true, id2).is_none(), "another identity");
        m.put(b"t", true, id2, &p);
        assert!(m.get(b"t", true, id2).is_none(), "first parse of the new identity");
    }
}
