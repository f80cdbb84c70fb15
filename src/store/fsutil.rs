//! File helpers: byte paths, `flock` as libuci takes it, modes.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A path from bytes.
pub fn path(b: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(b))
}

/// `a/b` as bytes, the way libuci joins with `"%s/%s"`.
pub fn join(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(a.len() + b.len() + 1);
    v.extend_from_slice(a);
    v.push(b'/');
    v.extend_from_slice(b);
    v
}

pub fn to_pathbuf(b: &[u8]) -> PathBuf {
    path(b).to_path_buf()
}

/// Takes a BSD lock; `ENOSYS` is ignored as libuci does.
pub fn lock(f: &File, exclusive: bool) -> io::Result<()> {
    let r = if exclusive { fs2::FileExt::lock_exclusive(f) } else { fs2::FileExt::lock_shared(f) };
    match r {
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => Ok(()),
        r => r,
    }
}

pub fn unlock(f: &File) {
    let _ = fs2::FileExt::unlock(f);
}

/// True when `p` stats (following links) as a regular file.
pub fn is_regular(p: &Path) -> bool {
    std::fs::metadata(p).map(|m| m.is_file()).unwrap_or(false)
}

/// Opens for reading with a shared lock; `NotFound`-like `None` when the
/// file does not stat as a regular file. When the file was replaced (renamed
/// over by a commit) while waiting for the lock, the new file is opened
/// instead, so a reader never parses a file that is no longer the config.
pub fn open_read_locked(p: &Path) -> Option<io::Result<File>> {
    for _ in 0..100 {
        if !is_regular(p) {
            return None;
        }
        let f = match File::open(p).and_then(|f| lock(&f, false).map(|_| f)) {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        if is_current(&f, p) {
            return Some(Ok(f));
        }
        unlock(&f);
    }
    Some(File::open(p).and_then(|f| lock(&f, false).map(|_| f)))
}

/// True when `f` is still the file at `p` (same device and inode,
/// following symlinks).
pub fn is_current(f: &File, p: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), std::fs::metadata(p)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Reads a whole open file from its start.
pub fn read_all(f: &File) -> io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut r = f;
    r.seek(SeekFrom::Start(0))?;
    let mut v = Vec::new();
    r.read_to_end(&mut v)?;
    Ok(v)
}

/// Opens read-write (optionally creating with `mode`) with an exclusive lock.
pub fn open_write_locked(p: &Path, create: bool, mode: u32) -> io::Result<File> {
    let f = OpenOptions::new().read(true).write(true).create(create).mode(mode).open(p)?;
    lock(&f, true)?;
    Ok(f)
}

/// The permission bits of `p`, if it exists.
pub fn mode_of(p: &Path) -> Option<u32> {
    std::fs::metadata(p).ok().map(|m| m.permissions().mode() & 0o7777)
}

/// fsyncs a directory (after a rename in it); errors are ignored.
pub fn sync_dir(dir: &Path) {
    let _ = try_sync_dir(dir);
}

/// fsyncs a directory. `EINVAL` (file systems that cannot sync a
/// directory) counts as success.
pub fn try_sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir)?.sync_all() {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        r => r,
    }
}
