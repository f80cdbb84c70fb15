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

/// Whether `f`, read from its start, holds exactly `expect` (read in
/// chunks: no second copy of the content).
pub fn holds(f: &File, expect: &[u8]) -> io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut r = f;
    r.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let n = match r.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(at == expect.len());
        }
        if expect.get(at..at + n) != Some(&buf[..n]) {
            return Ok(false);
        }
        at += n;
    }
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

/// A random-looking name suffix of 6 letters and digits (different for each
/// call of the process, and between processes).
///
/// Made from the process id, a counter, the clock and the hasher's
/// per-process keys: unlike `tempfile`'s names (fastrand seeded through
/// `std::thread::current()`) it allocates nothing that outlives the call,
/// which matters in the loadable modules (valgrind after `dlclose`).
pub fn unique_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = crate::model::hash::Seeds::default().build_hasher();
    h.write_u64(N.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    let mut x = h.finish();
    const CH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..6)
        .map(|_| {
            let c = CH[(x % CH.len() as u64) as usize] as char;
            x /= CH.len() as u64;
            c
        })
        .collect()
}

/// A new file `dir/<prefix><suffix>` (mode 0600), removed again when
/// dropped unless [`TempFile::persist`] renamed it into place.
pub struct TempFile {
    file: File,
    path: PathBuf,
    kept: bool,
}

impl TempFile {
    /// Creates it (exclusively, trying other names when one exists).
    pub fn new_in(dir: &Path, prefix: &str) -> io::Result<TempFile> {
        let mut tries = 0;
        loop {
            let path = dir.join(format!("{prefix}{}", unique_suffix()));
            match OpenOptions::new().read(true).write(true).create_new(true).mode(0o600).open(&path) {
                Ok(file) => return Ok(TempFile { file, path, kept: false }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn as_file(&self) -> &File {
        &self.file
    }

    /// Renames the file to `to` (replacing it).
    pub fn persist(mut self, to: &Path) -> io::Result<()> {
        std::fs::rename(&self.path, to)?;
        self.kept = true;
        Ok(())
    }
}

impl io::Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
