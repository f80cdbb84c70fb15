//! When an index may answer: the identity of every file it was built from,
//! and git's racy-timestamp rule.
//!
//! * A dependency is the config file, its `-C` override candidate, and the
//!   delta file of every directory of the delta search path, each recorded
//!   with `stat`'s device, inode, size, mode, mtime and ctime in ns, or as
//!   absent. Any difference rejects the index.
//! * The content hash of each file is taken from exactly the bytes the parser
//!   consumed ([`Tap`]), and the identity from `fstat` of the same open file
//!   before and after reading it. A load whose files changed while it read
//!   them is not recorded.
//! * Racy files: timestamps are only as fine as the file system's clock
//!   (coarse ticks, whole seconds on some flash file systems), so an edit of
//!   the same size made right after the build can leave every `stat` field
//!   unchanged. A file whose mtime or ctime is within [`RACY_WINDOW_NS`] of
//!   the build start is marked racy; a reader then also compares its content
//!   hash. Once the window has passed, a reader that verified the hash
//!   rewrites the index with the mark cleared (later edits necessarily get a
//!   newer ctime).

use std::cell::RefCell;
use std::fs::{File, Metadata};
use std::io::{self, BufRead, Read};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use xxhash_rust::xxh3::xxh3_64;

use super::format::{Dep, Ident, Reject, Role};

/// Files changed less than this before the build are verified by content
/// (covers 2 s timestamp granularity plus a clock tick).
pub const RACY_WINDOW_NS: i64 = 3_000_000_000;

/// `CLOCK_REALTIME` in ns.
pub fn now_ns() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i64,
        Err(e) => -(e.duration().as_nanos() as i64),
    }
}

pub fn ident_of_meta(m: &Metadata) -> Ident {
    Ident {
        present: true,
        dev: m.dev(),
        ino: m.ino(),
        size: m.size(),
        mode: m.mode(),
        mtime_ns: m.mtime() * 1_000_000_000 + m.mtime_nsec(),
        ctime_ns: m.ctime() * 1_000_000_000 + m.ctime_nsec(),
    }
}

/// The identity of `path` (following links, as `open` does): absent on
/// `ENOENT`/`ENOTDIR`, an error when it cannot be checked.
pub fn ident_of(path: &Path) -> io::Result<Ident> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(ident_of_meta(&m)),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR)) => Ok(Ident::default()),
        Err(e) => Err(e),
    }
}

/// True when `i` changed too close to `build_ns` for its timestamps to be
/// trusted.
pub fn is_racy(i: &Ident, build_ns: i64) -> bool {
    i.present && i.mtime_ns.max(i.ctime_ns).saturating_add(RACY_WINDOW_NS) > build_ns
}

/// xxh3-64 of a file's content and its length.
pub fn hash_file(path: &Path) -> io::Result<(u64, u64)> {
    let b = std::fs::read(path)?;
    Ok((xxh3_64(&b), b.len() as u64))
}

/// The outcome of checking an index's dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fresh {
    /// Every file is as recorded.
    Yes,
    /// Every file is as recorded; racy marks can now be cleared.
    Refresh,
    /// Every file is as recorded but the last delta file, which only had
    /// lines appended: the index answers after replaying them.
    Grown(Grown),
}

/// Lines appended to the last delta file since the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grown {
    /// The appended bytes (whole lines after the recorded content).
    pub tail: Vec<u8>,
    /// The dependency record for the file as read now.
    pub dep: Dep,
}

/// Checks every dependency: same identity, and for racy ones, same content.
/// The last dependency, when it is a delta file, may instead have grown
/// by whole lines (checked by the hash of the recorded prefix).
pub fn check(deps: &[Dep]) -> Result<Fresh, Reject> {
    let now = now_ns();
    let mut refresh = false;
    for (i, d) in deps.iter().enumerate() {
        let path = crate::store::fsutil::path(&d.path);
        let cur = ident_of(path).map_err(|_| Reject::Unreadable)?;
        let changed = match d.role {
            Role::Config => Reject::Config,
            Role::Delta => Reject::Delta,
        };
        if cur != d.ident {
            if i + 1 == deps.len() && d.role == Role::Delta && cur.present && cur.size > d.ident.size {
                return grown(d).map(Fresh::Grown).ok_or(changed);
            }
            return Err(changed);
        }
        if d.racy {
            let (h, len) = hash_file(path).map_err(|_| Reject::Unreadable)?;
            if h != d.hash || len != d.ident.size {
                return Err(Reject::Content);
            }
            refresh = true;
        }
    }
    if refresh && deps.iter().filter(|d| d.racy).all(|d| !is_racy(&d.ident, now)) {
        return Ok(Fresh::Refresh);
    }
    Ok(Fresh::Yes)
}

/// Reads delta file `d` (under a shared lock, as a load does) and returns
/// what was appended, if its start is exactly the recorded content ending
/// with a newline.
fn grown(d: &Dep) -> Option<Grown> {
    let build_ns = now_ns();
    let f = File::open(crate::store::fsutil::path(&d.path)).ok()?;
    crate::store::fsutil::lock(&f, false).ok()?;
    let read = (|| {
        let before = ident_of_meta(&f.metadata().ok()?);
        let mut content = Vec::with_capacity(before.size as usize);
        (&f).read_to_end(&mut content).ok()?;
        let after = ident_of_meta(&f.metadata().ok()?);
        (before == after && content.len() as u64 == after.size).then_some((after, content))
    })();
    crate::store::fsutil::unlock(&f);
    let (ident, content) = read?;
    let old = if d.ident.present { d.ident.size as usize } else { 0 };
    let prefix = content.get(..old)?;
    if old > 0 && (prefix.last() != Some(&b'\n') || xxh3_64(prefix) != d.hash) {
        return None;
    }
    let dep = Dep { path: d.path.clone(), role: d.role, ident, racy: is_racy(&ident, build_ns), hash: xxh3_64(&content) };
    Some(Grown { tail: content[old..].to_vec(), dep })
}

// ---- what a load read ----

/// One file read by a load: `fstat` before and after, and the hash and
/// length of the bytes consumed.
#[derive(Debug, Clone)]
pub struct FileRead {
    pub before: Ident,
    pub after: Ident,
    pub hash: u64,
    pub len: u64,
}

/// What the current load of this thread read, while a recording is armed.
struct Log {
    build_ns: i64,
    reads: Vec<FileRead>,
}

thread_local! {
    static LOG: RefCell<Option<Log>> = const { RefCell::new(None) };
}

/// Starts recording what this thread reads (a load on a cache miss).
pub fn arm() {
    let build_ns = now_ns();
    LOG.with(|l| *l.borrow_mut() = Some(Log { build_ns, reads: Vec::new() }));
}

/// Stops recording; returns the build start and what was read.
pub fn disarm() -> Option<(i64, Vec<FileRead>)> {
    LOG.with(|l| l.borrow_mut().take()).map(|l| (l.build_ns, l.reads))
}

fn armed() -> bool {
    LOG.with(|l| l.borrow().is_some())
}

/// A reader of config or delta text that, while a recording is armed,
/// notes the file's identity and keeps every byte consumed (to hash).
pub struct Tap<'a, R> {
    inner: R,
    file: &'a File,
    state: Option<(Ident, Vec<u8>)>,
}

impl<'a, R: BufRead> Tap<'a, R> {
    /// Wraps `inner`, which reads `file` from its start.
    pub fn new(file: &'a File, inner: R) -> Tap<'a, R> {
        let state = if armed() { file.metadata().ok().map(|m| (ident_of_meta(&m), Vec::with_capacity(m.len() as usize))) } else { None };
        Tap { inner, file, state }
    }
}

impl<R: BufRead> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some((_, seen)) = &mut self.state {
            seen.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tap<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Some((_, seen)) = &mut self.state {
            match self.inner.fill_buf() {
                Ok(b) if b.len() >= amt => seen.extend_from_slice(&b[..amt]),
                // Cannot see what is consumed: make the record unusable.
                _ => self.state = None,
            }
        }
        self.inner.consume(amt);
    }
}

impl<R> Drop for Tap<'_, R> {
    fn drop(&mut self) {
        let Some((before, seen)) = self.state.take() else { return };
        let Ok(m) = self.file.metadata() else { return };
        let read = FileRead { before, after: ident_of_meta(&m), hash: xxh3_64(&seen), len: seen.len() as u64 };
        LOG.with(|l| {
            if let Some(log) = l.borrow_mut().as_mut() {
                log.reads.push(read);
            }
        });
    }
}

/// The dependency records for `paths`, matched with what the load read.
/// `None` unless every present file was read whole, unchanged while read
/// and since, and every read belongs to one of the paths.
pub fn snapshot(paths: &[(Vec<u8>, Role)], build_ns: i64, mut reads: Vec<FileRead>) -> Option<Vec<Dep>> {
    let mut deps = Vec::with_capacity(paths.len());
    for (p, role) in paths {
        let ident = ident_of(crate::store::fsutil::path(p)).ok()?;
        let mut hash = 0;
        if ident.present {
            let at = reads.iter().position(|r| r.before == ident && r.after == ident && r.len == ident.size)?;
            hash = reads.swap_remove(at).hash;
        }
        deps.push(Dep { path: p.clone(), role: *role, ident, racy: is_racy(&ident, build_ns), hash });
    }
    reads.is_empty().then_some(deps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    fn dep_for(path: &Path, racy: bool) -> Dep {
        let ident = ident_of(path).unwrap();
        let (hash, _) = hash_file(path).unwrap();
        Dep { path: path.as_os_str().as_bytes().to_vec(), role: Role::Config, ident, racy, hash }
    }

    /// An edit that leaves every `stat` field as recorded (same size, within
    /// the same timestamp tick) is caught by the content hash of a racy file.
    #[test]
    fn racy_same_size_edit_is_seen_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("net");
        std::fs::write(&f, b"config a 'x'\n\toption v '1'\n").unwrap();
        let mut d = dep_for(&f, true);
        assert_eq!(check(std::slice::from_ref(&d)), Ok(Fresh::Yes));
        std::fs::write(&f, b"config a 'x'\n\toption v '2'\n").unwrap();
        // as if the clock had not moved: the recorded identity is the new one
        d.ident = ident_of(&f).unwrap();
        assert_eq!(check(std::slice::from_ref(&d)), Err(Reject::Content));
        d.racy = false;
        assert_eq!(check(&[d]), Ok(Fresh::Yes), "without the racy mark only stat decides");
    }

    #[test]
    fn identity_changes() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("net");
        std::fs::write(&f, b"abc\n").unwrap();
        let d = dep_for(&f, false);
        std::fs::write(dir.path().join("tmp"), b"abc\n").unwrap();
        std::fs::rename(dir.path().join("tmp"), &f).unwrap();
        assert_eq!(check(std::slice::from_ref(&d)), Err(Reject::Config));
        std::fs::remove_file(&f).unwrap();
        assert_eq!(check(&[d]), Err(Reject::Config));
        let absent = Dep { path: f.as_os_str().as_bytes().to_vec(), role: Role::Delta, ident: Ident::default(), racy: false, hash: 0 };
        assert_eq!(check(std::slice::from_ref(&absent)), Ok(Fresh::Yes));
        std::fs::write(&f, b"").unwrap();
        assert_eq!(check(&[absent.clone(), absent]), Err(Reject::Delta));
    }

    #[test]
    fn grown_delta_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("net");
        std::fs::write(&f, b"net.a.b='1'\n").unwrap();
        let mut d = dep_for(&f, false);
        d.role = Role::Delta;
        std::fs::write(&f, b"net.a.b='1'\nnet.a.c='2'\n").unwrap();
        match check(std::slice::from_ref(&d)) {
            Ok(Fresh::Grown(g)) => {
                assert_eq!(g.tail, b"net.a.c='2'\n");
                assert_eq!(g.dep.ident, ident_of(&f).unwrap());
            }
            other => panic!("{other:?}"),
        }
        // the start changed: not a pure append
        std::fs::write(&f, b"net.a.b='3'\nnet.a.c='2'\n").unwrap();
        assert_eq!(check(std::slice::from_ref(&d)), Err(Reject::Delta));
        // grown, but not the last dependency
        std::fs::write(&f, b"net.a.b='1'\nnet.a.c='2'\n").unwrap();
        let other = Dep { path: b"/nonexistent/x".to_vec(), role: Role::Delta, ident: Ident::default(), racy: false, hash: 0 };
        assert_eq!(check(&[d.clone(), other]), Err(Reject::Delta));
        // the recorded content did not end a line
        std::fs::write(&f, b"net.a.b='1'").unwrap();
        let mut d = dep_for(&f, false);
        d.role = Role::Delta;
        std::fs::write(&f, b"net.a.b='1'2\n").unwrap();
        assert_eq!(check(&[d]), Err(Reject::Delta));
    }
}
