//! Binary hashed index cache (issue #5).
//!
//! In the terms of the original design, L1 is the in-process index (the
//! loaded [`Package`] with its name index), L2 the shared index file
//! mapped here, L3 the text files. `/etc/config` stays the source of truth.
//!
//! * After a successful load that parsed without any error, [`record`]
//!   writes an index of the loaded result into the cache directory
//!   (`/var/run/uci-cache`, `UCIX_CACHE_DIR`; `UCIX_CACHE=0` turns the cache
//!   off): one file per package and *key*, the key being everything the
//!   result depends on besides the files (user, package name, confdir,
//!   conf2dir, delta search path, the saved-delta flag, the working directory
//!   when a path is relative). Written to a temp file and renamed; never
//!   changed in place.
//! * [`lookup`] answers a load from a valid index ([`format`] checks magic,
//!   version, lengths and checksums; [`invalidate`] checks the identity of
//!   every file the index was built from, and the content of racy ones).
//!   Anything wrong (missing, truncated, corrupt, other version, other
//!   owner, unwritable or full directory) means a normal load, silently.
//! * [`open`] gives the checked [`Index`] itself, whose lookups read the map
//!   in place (`uci get`'s fast path, benches).
//! * [`stats`] counts hits, misses (with the reason per package), rebuilds.
//!
//! Loads in non-strict mode are answered from indexes built by strict loads
//! (a strict load that succeeds has no error a non-strict one would print),
//! but only strict loads write indexes.

pub mod build;
pub mod format;
pub mod index;
pub mod invalidate;
mod map;
pub mod stats;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub use format::Reject;
pub use index::{Index, ValueRef};
pub use invalidate::Tap;

use crate::model::Package;
use crate::syntax::Stream;
use crate::store::fsutil::join;
use crate::store::{paths, Context, FLAG_SAVED_DELTA};
use format::{Meta, Role};
use invalidate::Fresh;
use stats::Event;

/// The cache directory for `ctx`, or `None` when the cache is off (or the
/// directory would lie inside the config override directory).
pub fn dir(ctx: &Context) -> Option<PathBuf> {
    if !paths::cache_enabled() {
        return None;
    }
    let d = paths::cache_dir();
    if let Some(c2) = &ctx.conf2dir {
        let db = d.as_os_str().as_bytes();
        let c2 = c2.strip_suffix(b"/").unwrap_or(c2);
        if db.starts_with(c2) && matches!(db.get(c2.len()), None | Some(b'/')) {
            return None;
        }
    }
    Some(d)
}

/// Everything besides the files that a load of `name` depends on.
pub fn key(ctx: &Context, name: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(128);
    let mut put = |b: &[u8]| {
        k.extend_from_slice(&(b.len() as u32).to_le_bytes());
        k.extend_from_slice(b);
    };
    put(b"ucix-cache-key");
    put(&rustix::process::geteuid().as_raw().to_le_bytes());
    put(&[(ctx.flags & FLAG_SAVED_DELTA != 0) as u8]);
    put(name);
    put(&ctx.confdir);
    match &ctx.conf2dir {
        Some(c) => {
            put(b"C");
            put(c);
        }
        None => put(b"-"),
    }
    put(&(ctx.delta_path.len() as u32).to_le_bytes());
    for d in &ctx.delta_path {
        put(d);
    }
    let relative = std::iter::once(name)
        .chain(std::iter::once(&ctx.confdir[..]))
        .chain(ctx.conf2dir.as_deref())
        .chain(ctx.delta_path.iter().map(|d| &d[..]))
        .any(|p| !p.starts_with(b"/"));
    if relative {
        let cwd = std::env::current_dir().map(|d| d.as_os_str().as_bytes().to_vec()).unwrap_or_default();
        put(&cwd);
    }
    k
}

/// The file-name prefix of the indexes of package `name`.
pub fn name_prefix(name: &[u8]) -> String {
    let base = &name[name.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1)..];
    let mut s: String = base.iter().take(64).map(|&c| if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' { c as char } else { '_' }).collect();
    s.push('.');
    s
}

/// True for names of index files (`<name>.<16 hex digits>`).
pub fn is_index_name(f: &str) -> bool {
    f.rsplit_once('.').is_some_and(|(a, h)| !a.is_empty() && !a.starts_with('.') && h.len() == 16 && h.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// Where the index of `name` for `ctx` lives: (directory, file, key).
pub fn location(ctx: &Context, name: &[u8]) -> Option<(PathBuf, PathBuf, Vec<u8>)> {
    let d = dir(ctx)?;
    let k = key(ctx, name);
    let f = d.join(format!("{}{:016x}", name_prefix(name), xxhash_rust::xxh3::xxh3_64(&k)));
    Some((d, f, k))
}

/// An index that passed every check.
pub struct Opened {
    pub index: Index,
    dir: PathBuf,
    file: PathBuf,
    fresh: Fresh,
}

impl Opened {
    /// Counts the hit, and clears racy marks whose window has passed.
    pub fn used(&self) {
        if self.fresh == Fresh::Refresh && refresh(&self.dir, &self.file, &self.index).is_ok() {
            stats::count(&self.dir, Event::Refresh);
        }
        stats::count(&self.dir, if matches!(self.fresh, Fresh::Grown(_)) { Event::Appended } else { Event::Hit });
    }
}

/// Opens and checks `file`.
pub fn open_file(file: &Path, key: &[u8]) -> Result<(Index, Fresh), Reject> {
    let f = match OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Reject::Missing),
        Err(_) => return Err(Reject::Owner),
    };
    let m = f.metadata().map_err(|_| Reject::Owner)?;
    if !m.is_file() || m.uid() != rustix::process::geteuid().as_raw() {
        return Err(Reject::Owner);
    }
    if (m.len() as usize) < format::HEADER_LEN {
        return Err(Reject::Truncated);
    }
    let map = map::map(&f).map_err(|_| Reject::Corrupt)?;
    let idx = Index::from_map(map)?;
    if idx.meta().key != key {
        return Err(Reject::Key);
    }
    let fresh = invalidate::check(&idx.meta().deps)?;
    Ok((idx, fresh))
}

fn open_checked(ctx: &Context, name: &[u8]) -> Option<Result<Opened, (PathBuf, Reject)>> {
    let (dir, file, key) = location(ctx, name)?;
    Some(match open_file(&file, &key) {
        Ok((index, fresh)) => Ok(Opened { index, dir, file, fresh }),
        Err(r) => Err((dir, r)),
    })
}

/// The checked index of `name`, if there is a valid one (nothing is
/// counted: call [`Opened::used`] when it answered).
pub fn open(ctx: &Context, name: &[u8]) -> Option<Opened> {
    open_checked(ctx, name)?.ok().filter(|o| !matches!(o.fresh, Fresh::Grown(_)))
}

/// A package answered from a valid index, if there is one. On a miss, the
/// load that follows is recorded by [`record`].
pub fn lookup(ctx: &Context, name: &[u8]) -> Option<Package> {
    let (dir, why) = match open_checked(ctx, name)? {
        Ok(o) => match o.index.to_package() {
            Some(mut p) => {
                if let Fresh::Grown(g) = &o.fresh {
                    let keep = ctx.flags & FLAG_SAVED_DELTA != 0;
                    crate::delta::replay(&mut p, &mut Stream::from_bytes(&g.tail), keep);
                    if g.tail.len() >= REINDEX_TAIL {
                        reindex(&o, g, &p);
                    }
                }
                o.used();
                return Some(p);
            }
            None => (o.dir, Reject::Corrupt),
        },
        Err(e) => e,
    };
    stats::count(&dir, Event::Miss(name, why));
    // a load made to write records nothing (see `Context::no_cache_record`)
    if !ctx.no_cache_record {
        invalidate::arm();
    }
    None
}

/// Appended delta bytes from which a hit writes a new index.
const REINDEX_TAIL: usize = 4096;

/// Writes the index of `p`: `o`'s package with the lines of `g` replayed.
fn reindex(o: &Opened, g: &invalidate::Grown, p: &Package) {
    let m = o.index.meta();
    let mut deps = m.deps.clone();
    if let Some(last) = deps.last_mut() {
        *last = g.dep.clone();
    }
    if let Some(bytes) = encode(p, m.key.clone(), deps, invalidate::now_ns()) {
        if write_atomic(&o.dir, &o.file, &bytes).is_ok() {
            stats::count(&o.dir, Event::Rebuild);
        }
    }
}

/// The files a load of `p` (by `name`) depended on.
fn dep_paths(ctx: &Context, name: &[u8], p: &Package) -> Option<Vec<(Vec<u8>, Role)>> {
    let mut v = Vec::new();
    if p.has_delta {
        if let Some(c2) = &ctx.conf2dir {
            v.push((join(c2, name), Role::Config));
        }
        if !p.uses_conf2 {
            v.push((join(&ctx.confdir, name), Role::Config));
        }
        for d in &ctx.delta_path {
            v.push((join(d, &p.name), Role::Delta));
        }
    } else {
        v.push((p.path.clone()?, Role::Config));
    }
    Some(v)
}

/// Records the index of a package that was just loaded by `name` (after a
/// [`lookup`] miss). Does nothing unless the load was strict, read every
/// file whole and saw no file change.
pub fn record(ctx: &Context, name: &[u8], p: &Package) {
    let Some((build_ns, reads)) = invalidate::disarm() else { return };
    if !ctx.strict() || !p.delta.is_empty() {
        return;
    }
    let Some((dir, file, key)) = location(ctx, name) else { return };
    let Some(paths) = dep_paths(ctx, name, p) else { return };
    let Some(deps) = invalidate::snapshot(&paths, build_ns, reads) else { return };
    let Some(bytes) = encode(p, key, deps, build_ns) else { return };
    if write_atomic(&dir, &file, &bytes).is_ok() {
        stats::count(&dir, Event::Rebuild);
        prune(&dir);
    }
}

/// Index files kept in a cache directory: past `MAX_INDEXES`, the oldest
/// are removed down to `KEEP_INDEXES` (each package and key has its own
/// file, so loads from many throw-away directories would pile up).
pub const MAX_INDEXES: usize = 256;
pub const KEEP_INDEXES: usize = 192;

/// Removes the oldest indexes beyond the limit, and temp files left by a
/// writer that died (older than a minute).
pub fn prune(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let now = invalidate::now_ns();
    let mut idx: Vec<(i64, PathBuf)> = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(m) = e.metadata() else { continue };
        let mtime = m.mtime() * 1_000_000_000 + m.mtime_nsec();
        if name.starts_with(".idx-") {
            if now - mtime > 60_000_000_000 {
                let _ = fs::remove_file(e.path());
            }
        } else if is_index_name(&name) {
            idx.push((mtime, e.path()));
        }
    }
    if idx.len() > MAX_INDEXES {
        idx.sort_unstable_by_key(|e| e.0);
        for (_, p) in &idx[..idx.len() - KEEP_INDEXES] {
            let _ = fs::remove_file(p);
        }
    }
}

/// The whole index file for `p`.
pub fn encode(p: &Package, key: Vec<u8>, deps: Vec<format::Dep>, build_ns: i64) -> Option<Vec<u8>> {
    let built = build::data(p)?;
    let mut flags = 0;
    if p.has_delta {
        flags |= format::FLAG_HAS_DELTA;
    }
    if p.uses_conf2 {
        flags |= format::FLAG_USES_CONF2;
    }
    if p.path.is_some() {
        flags |= format::FLAG_HAS_PATH;
    }
    let meta = Meta {
        flags,
        build_time_ns: build_ns,
        n_section: p.n_section,
        key,
        name: p.name.clone(),
        path: p.path.clone().unwrap_or_default(),
        deps,
        sums: built.sums,
        tables: built.tables,
        meta_len: 0,
    };
    let mut bytes = meta.encode(built.data.len());
    bytes.extend_from_slice(&built.data);
    Some(bytes)
}

/// Rewrites an index with its racy marks cleared (its files were just
/// verified by content, and their timestamps are now old enough).
fn refresh(dir: &Path, file: &Path, idx: &Index) -> io::Result<()> {
    let mut meta = idx.meta().clone();
    for d in &mut meta.deps {
        d.racy = false;
    }
    let mut bytes = meta.encode(idx.data_bytes().len());
    bytes.extend_from_slice(idx.data_bytes());
    write_atomic(dir, file, &bytes)
}

/// Writes `bytes` to `file` through a temp file in `dir` and a rename.
pub fn write_atomic(dir: &Path, file: &Path, bytes: &[u8]) -> io::Result<()> {
    if !dir.is_dir() {
        make_dir(dir)?;
    }
    let mut tmp = crate::store::fsutil::TempFile::new_in(dir, ".idx-")?;
    tmp.write_all(bytes)?;
    tmp.persist(file)?;
    Ok(())
}

/// Creates the cache directory (mode 0700: indexes hold config contents).
pub fn make_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new().mode(0o700).create(dir)
}

/// Removes the indexes of `name` (every key), or all indexes when `None`.
/// Returns how many files were removed.
pub fn clear(dir: &Path, name: Option<&[u8]>) -> io::Result<usize> {
    let prefix = name.map(name_prefix);
    let mut n = 0;
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for e in rd.flatten() {
        let f = e.file_name();
        let Some(f) = f.to_str() else { continue };
        let ours = is_index_name(f) && prefix.as_deref().map_or(true, |p| f.starts_with(p) && f.len() == p.len() + 16);
        let temp = name.is_none() && f.starts_with(".idx-");
        if ours || temp {
            fs::remove_file(e.path())?;
            n += 1;
        }
    }
    Ok(n)
}

/// What `ucix cache status` shows for one package.
#[derive(Debug)]
pub struct Status {
    pub file: PathBuf,
    /// `Ok` when the index would answer.
    pub state: Result<(), Reject>,
    pub size: u64,
    pub sections: usize,
    pub build_time_ns: i64,
    pub racy: bool,
}

/// The state of the index of `name` for `ctx` (without counting it).
pub fn status(ctx: &Context, name: &[u8]) -> Option<Status> {
    let (_, file, key) = location(ctx, name)?;
    let size = File::open(&file).and_then(|f| f.metadata()).map(|m| m.len()).unwrap_or(0);
    Some(match open_file(&file, &key) {
        Ok((idx, _)) => Status {
            state: if idx.verify_all() { Ok(()) } else { Err(Reject::Corrupt) },
            size,
            sections: idx.section_count(),
            build_time_ns: idx.meta().build_time_ns,
            racy: idx.meta().deps.iter().any(|d| d.racy),
            file,
        },
        Err(r) => Status { file, state: Err(r), size, sections: 0, build_time_ns: 0, racy: false },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::{Cmd, Delta};
    use crate::lookup::{self, Ptr, Sections};

    fn sample() -> Package {
        let text = b"config interface 'lan'\n\toption proto 'static'\n\tlist dns '1.1.1.1'\n\tlist dns '8.8.8.8'\n\
config rule\n\toption name 'a'\n\toption name2 ''\nconfig interface 'wan'\n\toption proto 'dhcp'\n\
config rule\n\toption name 'b'\nconfig zone 'lan2'\n\
config zone 'big'\n\toption o1 '1'\n\toption o2 '2'\n\toption o3 '3'\n\toption o4 '4'\n\toption o5 '5'\n\
\toption o6 '6'\n\toption o7 '7'\n\toption o8 '8'\n\toption o9 '9'\n\tlist o10 'a'\n\tlist o10 'b'\n";
        let mut p = crate::syntax::statement::parse_package(text, b"net", true).unwrap_or_else(|_| panic!("parses"));
        p.has_delta = true;
        p.path = Some(b"/etc/config/net".to_vec());
        p.saved_delta = vec![
            Delta::new(Cmd::Change, b"lan", Some(b"proto"), Some(b"dhcp")),
            Delta::new(Cmd::Remove, b"wan", None, None),
            Delta::new(Cmd::ListAdd, b"lan", Some(b"dns"), Some(b"")),
        ];
        p
    }

    fn same(a: &Package, b: &Package) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.sections, b.sections);
        assert_eq!(
            (a.n_section, a.has_delta, a.uses_conf2, &a.path, &a.delta, &a.saved_delta),
            (b.n_section, b.has_delta, b.uses_conf2, &b.path, &b.delta, &b.saved_delta)
        );
    }

    fn index_of(p: &Package) -> Index {
        Index::from_bytes(encode(p, b"k".to_vec(), vec![], 0).unwrap()).unwrap()
    }

    #[test]
    fn package_round_trip() {
        let p = sample();
        same(&index_of(&p).to_package().unwrap(), &p);
        let empty = Package::new(b"e");
        same(&index_of(&empty).to_package().unwrap(), &empty);
    }

    #[test]
    fn lookups_agree_with_the_model() {
        let p = sample();
        let idx = index_of(&p);
        let tuples: &[&[u8]] = &[
            b"net.lan.proto", b"net.lan.dns", b"net.lan.nope", b"net.wan", b"net.nope", b"net.@rule[0].name",
            b"net.@rule[-1].name", b"net.@rule[-3]", b"net.@rule[2]", b"net.@[4]", b"net.@[-1]", b"net.@zone[0]",
            b"net.@nope[0]", b"net.@rule[1].name2", b"net.cfg02dc81.name", b"net", b"net.big.o1", b"net.big.o9",
            b"net.big.o10", b"net.big.o11", b"net.@zone[-1].o5", b"net.big.name",
        ];
        for t in tuples {
            let mut a = Ptr::parse(t).unwrap();
            let mut b = a.clone();
            let ra = lookup::resolve(&p, &mut a, true);
            let rb = lookup::resolve(&idx, &mut b, true);
            assert_eq!(ra, rb, "{}", String::from_utf8_lossy(t));
            assert_eq!(a, b, "{}", String::from_utf8_lossy(t));
            if let (Some(si), Some(oi)) = (a.s, a.o) {
                assert_eq!(idx.value(si, oi).as_ref(), Some(&p.sections[si].options[oi].value));
            }
        }
        assert_eq!(Sections::type_count(&idx, b"rule"), 2);
        assert!(!idx.poisoned());
    }

    #[test]
    fn corrupt_data_is_never_answered() {
        let p = sample();
        let mut bytes = encode(&p, b"k".to_vec(), vec![], 0).unwrap();
        let n = bytes.len();
        bytes[n - 30] ^= 0x55;
        let idx = Index::from_bytes(bytes).unwrap();
        assert!(idx.to_package().is_none());
        assert!(idx.poisoned());
    }
}
