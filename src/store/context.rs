//! A uci context: directories, flags, loaded packages, parser-error state.

use std::fs::{self, File};
use std::io::{self, BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::DirBuilderExt;

use super::fsutil::{self, join, path};
use super::report::{self, PctxInfo};
use crate::delta::{self, Delta};
use crate::error::{fail, Error, ErrorCode, Result};
use crate::lookup::{self, valid_package, Ptr};
use crate::model::Package;
use crate::syntax::{self, ImportOptions, Pctx, Stream};

/// `UCI_FLAG_STRICT`
pub const FLAG_STRICT: u32 = 1;
/// `UCI_FLAG_PERROR`
pub const FLAG_PERROR: u32 = 2;
/// `UCI_FLAG_EXPORT_NAME`
pub const FLAG_EXPORT_NAME: u32 = 4;
/// `UCI_FLAG_SAVED_DELTA`
pub const FLAG_SAVED_DELTA: u32 = 8;

pub const DEFAULT_CONFDIR: &[u8] = b"/etc/config";
pub const DEFAULT_SAVEDIR: &[u8] = b"/tmp/.uci";
pub const DEFAULT_CONF2DIR: &[u8] = b"/var/run/uci";

/// A uci context (`struct uci_context` without the C layout).
#[derive(Debug, Clone)]
pub struct Context {
    pub confdir: Vec<u8>,
    /// Override directory; `None` disables it.
    pub conf2dir: Option<Vec<u8>>,
    pub savedir: Vec<u8>,
    /// Directories searched for delta files, in order; savedir is last.
    pub delta_path: Vec<Vec<u8>>,
    pub flags: u32,
    /// Parser state left by the last parse (for error details).
    pub pctx: Option<PctxInfo>,
    /// Loaded packages, in load order.
    pub packages: Vec<Package>,
    /// Memo of parsed files, when enabled (see [`super::parsed`]).
    pub parsed: Option<super::parsed::ParsedFiles>,
    /// Parse errors seen (reported or not) by this context.
    pub parse_errors: u64,
    /// Set by the last commit when it replaced the package by the one
    /// re-read from the file (libuci frees the old object then).
    pub commit_reread: bool,
    /// When `Some`, commits through [`Context::commit_package`] queue their
    /// hook run here instead of running the hooks at once; see
    /// [`crate::txn::defer_hooks`] / [`crate::txn::run_deferred_hooks`].
    pub deferred_hooks: Option<Vec<crate::txn::engine::Done>>,
    /// Whom the audit log names for this context's commits (`None`: this
    /// process); set by the bus service for its callers.
    pub actor: Option<crate::audit::Actor>,
    /// Set by the `uci` command for its one command: packages dropped by
    /// [`Context::unload_all`] and by a commit are leaked, not freed, as
    /// the process exits right after (freeing a large package costs
    /// milliseconds, the kernel frees it at once).
    pub exiting: bool,
    /// Loads made to write (set, commit, …) record no cache index: the
    /// index would be stale at once. Reads rebuild it.
    pub no_cache_record: bool,
    /// The config text of a package loaded without its delta files for an
    /// immediate commit (see [`Context::load_for_commit`]): the commit
    /// engine uses the package as its re-read when the locked file still
    /// holds exactly these bytes, instead of parsing them again.
    pub(crate) commit_base: Option<CommitBase>,
    /// Packages kept across the lines of `uci batch` (see
    /// [`super::kept`]); `None`: every load reads the files.
    pub(crate) kept: Option<super::kept::Kept>,
}

/// See [`Context::commit_base`].
#[derive(Debug, Clone)]
pub(crate) struct CommitBase {
    pub name: Vec<u8>,
    pub path: Vec<u8>,
    pub text: Vec<u8>,
}

impl Default for Context {
    fn default() -> Self {
        Self::new()
    }
}

fn io_err(_: io::Error) -> Error {
    Error(ErrorCode::Io)
}

impl Context {
    pub fn new() -> Context {
        Context {
            confdir: DEFAULT_CONFDIR.to_vec(),
            conf2dir: Some(DEFAULT_CONF2DIR.to_vec()),
            savedir: DEFAULT_SAVEDIR.to_vec(),
            delta_path: vec![DEFAULT_SAVEDIR.to_vec()],
            flags: FLAG_STRICT | FLAG_SAVED_DELTA,
            pctx: None,
            packages: vec![],
            parsed: None,
            parse_errors: 0,
            commit_reread: false,
            deferred_hooks: None,
            actor: None,
            exiting: false,
            no_cache_record: false,
            commit_base: None,
            kept: None,
        }
    }

    pub fn strict(&self) -> bool {
        self.flags & FLAG_STRICT != 0
    }

    // ---- directories (§6.23) ----

    pub fn set_confdir(&mut self, dir: &[u8]) {
        self.confdir = dir.to_vec();
    }

    /// `""` disables the override directory.
    pub fn set_conf2dir(&mut self, dir: Option<&[u8]>) {
        self.conf2dir = dir.filter(|d| !d.is_empty()).map(<[u8]>::to_vec);
    }

    /// Makes `dir` the save directory, moving or appending it to the end of
    /// the delta path.
    pub fn set_savedir(&mut self, dir: &[u8]) {
        self.delta_path.retain(|d| d != dir);
        self.delta_path.push(dir.to_vec());
        self.savedir = dir.to_vec();
    }

    /// Inserts a delta directory just before the last entry.
    pub fn add_delta_path(&mut self, dir: &[u8]) -> Result<()> {
        if self.delta_path.iter().any(|d| d == dir) {
            return fail(ErrorCode::Duplicate);
        }
        let at = self.delta_path.len().saturating_sub(1);
        self.delta_path.insert(at, dir.to_vec());
        Ok(())
    }

    // ---- error reporting ----

    /// Prints `[prefix: ]<message><detail>` to stderr (`uci_perror`).
    pub fn perror(&self, code: ErrorCode, prefix: Option<&[u8]>) {
        report::perror(code as i32, self.pctx.as_ref(), prefix);
    }

    /// The message for `code` (`uci_get_errorstr`).
    pub fn error_string(&self, code: i32, prefix: Option<&[u8]>) -> Vec<u8> {
        report::error_string(code, self.pctx.as_ref(), prefix)
    }

    fn pctx_failed(&mut self, p: &Pctx) {
        self.pctx = Some(PctxInfo { reason: p.reason, line: p.line, byte: p.byte, batch: false });
    }

    // ---- packages ----

    pub fn find(&self, name: &[u8]) -> Option<usize> {
        self.packages.iter().position(|p| p.name == name)
    }

    /// Parses `r` (`uci_import`), appending the packages it creates.
    /// With `merge`, statements go into that loaded package (recording deltas).
    /// Returns the index of the last package, if any.
    pub fn import(&mut self, r: &mut Stream<'_>, name: Option<&[u8]>, merge: Option<usize>, single: bool) -> Result<Option<usize>> {
        self.import_ex(r, name, merge, single).0
    }

    /// [`Context::import`], also returning how many errors non-strict mode
    /// skipped (libuci then leaves `ctx->err` at `UCI_ERR_PARSE` although
    /// the import succeeds; the C shim mirrors that).
    pub fn import_ex(&mut self, r: &mut Stream<'_>, name: Option<&[u8]>, merge: Option<usize>, single: bool) -> (Result<Option<usize>>, usize) {
        let mut skipped = 0;
        let res = self.import_inner(r, name, merge, single, &mut skipped);
        (res, skipped)
    }

    fn import_inner(&mut self, r: &mut Stream<'_>, name: Option<&[u8]>, merge: Option<usize>, single: bool, skipped: &mut usize) -> Result<Option<usize>> {
        if let Some(n) = name {
            if !valid_package(n) {
                return fail(ErrorCode::Inval);
            }
        }
        let opts = ImportOptions { strict: self.strict(), single, name: name.map(<[u8]>::to_vec) };
        let mut pctx = Pctx::new();
        self.pctx = Some(PctxInfo { reason: None, line: 0, byte: 0, batch: false });
        let perror = self.flags & FLAG_PERROR != 0;
        let names: Vec<Vec<u8>> = self.packages.iter().map(|p| p.name.clone()).collect();
        let loaded = |n: &[u8]| names.iter().any(|x| x == n);
        let mut on_error = |p: &Pctx, e: Error| {
            *skipped += 1;
            if perror {
                let info = PctxInfo { reason: p.reason, line: p.line, byte: p.byte, batch: false };
                report::perror(e.code() as i32, Some(&info), None);
            }
        };
        let mut merged = merge.map(|i| std::mem::take(&mut self.packages[i]));
        let im = syntax::import(&mut pctx, r, &opts, merged.as_mut(), &loaded, &mut on_error);
        if let (Some(i), Some(m)) = (merge, merged) {
            self.packages[i] = m;
        }
        let n = im.packages.len();
        for mut p in im.packages {
            p.has_delta = false;
            self.packages.push(p);
        }
        match im.result {
            Ok(()) => {
                self.pctx = None;
                Ok(merge.or(if n > 0 { Some(self.packages.len() - 1) } else { None }))
            }
            Err(e) => {
                self.pctx_failed(&pctx);
                Err(e)
            }
        }
    }

    /// Where package `name` is read from: (path, uses_conf2).
    pub fn config_path(&self, name: &[u8]) -> (Vec<u8>, bool) {
        if let Some(c2) = &self.conf2dir {
            let p = join(c2, name);
            if fs::metadata(path(&p)).is_ok() {
                return (p, true);
            }
        }
        (join(&self.confdir, name), false)
    }

    /// Reads package `name` from its file and delta files without adding it
    /// to the context (`loaded` names packages that would be duplicates).
    pub fn read_package(&mut self, name: &[u8], loaded: &dyn Fn(&[u8]) -> bool) -> Result<Package> {
        crate::txn::recover(self);
        self.commit_base = None;
        let Some(mut kept) = self.kept.take() else { return self.read_files(name, loaded, false) };
        let hit = kept.take(self, name);
        self.kept = Some(kept);
        if let Some(p) = hit.filter(|p| !loaded(&p.name)) {
            self.pctx = None;
            return Ok(p);
        }
        let before = super::kept::Origin::capture(self, name);
        let mut p = self.read_files(name, loaded, false)?;
        if p.has_delta && p.delta.is_empty() && super::kept::Origin::capture(self, name) == before {
            p.origin = Some(Box::new(before));
        }
        Ok(p)
    }

    /// Loads package `name` for an immediate commit (`uci commit`): the
    /// config file is parsed but no delta file is replayed (the commit
    /// replays them on its re-read), and when the parse raised no error
    /// its text is kept so that the commit engine, finding the same bytes
    /// under its lock, takes the package as its re-read instead of parsing
    /// again. Returns its index.
    pub fn load_for_commit(&mut self, name: &[u8]) -> Result<usize> {
        crate::txn::recover(self);
        self.commit_base = None;
        let names: Vec<Vec<u8>> = self.packages.iter().map(|p| p.name.clone()).collect();
        let p = self.read_files(name, &|n| names.iter().any(|x| x == n), true)?;
        self.packages.push(p);
        Ok(self.packages.len() - 1)
    }

    /// [`Context::read_package`] from the cache or the files; `for_commit`:
    /// see [`Context::load_for_commit`].
    fn read_files(&mut self, name: &[u8], loaded: &dyn Fn(&[u8]) -> bool, for_commit: bool) -> Result<Package> {
        if for_commit {
            // the commit parses (or reuses) the file under its lock anyway
        } else if let Some(p) = crate::cache::lookup(self, name) {
            if !loaded(&p.name) {
                self.pctx = None;
                return Ok(p);
            }
        }
        let (file, pkgname, uses_conf2, by_name) = match name.first() {
            Some(b'.') if name.get(1) != Some(&b'/') => return fail(ErrorCode::NotFound),
            Some(b'.') | Some(b'/') => {
                let base = &name[name.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1)..];
                // A path that is not a regular file is "not found" before
                // its name is checked (`./dir/` gives NOTFOUND, verified).
                if !fsutil::is_regular(path(name)) {
                    return fail(ErrorCode::NotFound);
                }
                if !valid_package(base) {
                    return fail(ErrorCode::Inval);
                }
                (name.to_vec(), base.to_vec(), false, false)
            }
            _ => {
                if !valid_package(name) {
                    return fail(ErrorCode::Inval);
                }
                let (f, c2) = self.config_path(name);
                (f, name.to_vec(), c2, true)
            }
        };
        let fh = match fsutil::open_read_locked(path(&file)) {
            None => return fail(ErrorCode::NotFound),
            Some(Err(_)) => return fail(ErrorCode::Io),
            Some(Ok(f)) => f,
        };
        if for_commit && by_name {
            let bytes = fsutil::read_all(&fh).map_err(io_err);
            fsutil::unlock(&fh);
            let bytes = bytes?;
            let errors = self.parse_errors;
            let mut p = self.parse_stream(&mut Stream::from_bytes(&bytes), &pkgname, loaded)?;
            p.path = Some(file.clone());
            p.has_delta = true;
            p.uses_conf2 = uses_conf2;
            if self.parse_errors == errors {
                self.commit_base = Some(CommitBase { name: pkgname, path: file, text: bytes });
            }
            return Ok(p);
        }
        let mut p = self.parse_file(&fh, &file, &pkgname, loaded)?;
        p.path = Some(file);
        p.has_delta = by_name;
        p.uses_conf2 = uses_conf2;
        self.load_deltas(&mut p, false)?;
        fsutil::unlock(&fh);
        crate::cache::record(self, name, &p);
        Ok(p)
    }

    /// Parses an open config file, through the memo of parsed files when
    /// it is enabled.
    fn parse_file(&mut self, fh: &File, file: &[u8], name: &[u8], loaded: &dyn Fn(&[u8]) -> bool) -> Result<Package> {
        let strict = self.strict();
        let id = self.parsed.as_ref().and(super::parsed::FileId::of(fh));
        if let (Some(memo), Some(id)) = (&self.parsed, id) {
            if let Some(p) = memo.get(file, strict, id) {
                if loaded(&p.name) {
                    return fail(ErrorCode::Duplicate);
                }
                self.pctx = None;
                return Ok(p);
            }
        }
        let errors_before = self.parse_errors;
        let p = self.parse_locked(fh, name, loaded)?;
        if let (Some(memo), Some(id)) = (&mut self.parsed, id) {
            if self.parse_errors == errors_before {
                memo.put(file, strict, id, &p);
            }
        }
        Ok(p)
    }

    /// Parses an open config file as package `name` (single mode).
    fn parse_locked(&mut self, fh: &File, name: &[u8], loaded: &dyn Fn(&[u8]) -> bool) -> Result<Package> {
        let mut reader = BufReader::new(fh);
        let _ = reader.seek(SeekFrom::Start(0));
        self.parse_stream(&mut Stream::new(crate::cache::Tap::new(fh, reader)), name, loaded)
    }

    /// Parses config text read into memory as package `name` (single mode),
    /// exactly as [`Context::load`] parses a file; the parser state is kept
    /// for error details.
    pub fn parse_bytes(&mut self, data: &[u8], name: &[u8]) -> Result<Package> {
        self.parse_stream(&mut Stream::from_bytes(data), name, &|_| false)
    }

    fn parse_stream(&mut self, r: &mut Stream<'_>, name: &[u8], loaded: &dyn Fn(&[u8]) -> bool) -> Result<Package> {
        let opts = ImportOptions { strict: self.strict(), single: true, name: Some(name.to_vec()) };
        let mut pctx = Pctx::new();
        let perror = self.flags & FLAG_PERROR != 0;
        let mut errors = 0;
        let mut on_error = |p: &Pctx, e: Error| {
            errors += 1;
            if perror {
                let info = PctxInfo { reason: p.reason, line: p.line, byte: p.byte, batch: false };
                report::perror(e.code() as i32, Some(&info), None);
            }
        };
        self.pctx = Some(PctxInfo { reason: None, line: 0, byte: 0, batch: false });
        let mut im = syntax::import(&mut pctx, r, &opts, None, loaded, &mut on_error);
        self.parse_errors += errors;
        match im.result {
            Ok(()) => {
                self.pctx = None;
                Ok(im.packages.pop().unwrap_or_else(|| Package::new(name)))
            }
            Err(e) => {
                self.pctx_failed(&pctx);
                Err(e)
            }
        }
    }

    /// Loads package `name` into the context (`uci_load`); returns its index.
    pub fn load(&mut self, name: &[u8]) -> Result<usize> {
        let names: Vec<Vec<u8>> = self.packages.iter().map(|p| p.name.clone()).collect();
        let p = self.read_package(name, &|n| names.iter().any(|x| x == n))?;
        self.packages.push(p);
        Ok(self.packages.len() - 1)
    }

    /// The index of package `name`, loading it if needed.
    pub fn get_or_load(&mut self, name: &[u8]) -> Result<usize> {
        match self.find(name) {
            Some(i) => Ok(i),
            None => self.load(name),
        }
    }

    pub fn unload(&mut self, idx: usize) -> Package {
        self.packages.remove(idx)
    }

    pub fn unload_all(&mut self) {
        if let Some(k) = self.kept.as_mut() {
            for p in self.packages.drain(..) {
                k.put(p);
            }
            return;
        }
        if self.exiting {
            for p in self.packages.drain(..) {
                std::mem::forget(p);
            }
            return;
        }
        self.packages.clear();
    }

    /// `uci_lookup_ptr`: parses `s` (if given), loads the package and
    /// resolves the rest. Returns the package index.
    pub fn lookup(&mut self, ptr: &mut Ptr, s: Option<&[u8]>, extended: bool) -> Result<usize> {
        if let Some(s) = s {
            *ptr = Ptr::parse(s)?;
        }
        let name = ptr.package.clone().unwrap_or_default();
        let idx = self.get_or_load(&name)?;
        lookup::resolve(&self.packages[idx], ptr, extended)?;
        Ok(idx)
    }

    /// [`Context::lookup`] for `uci commit`: loads the package with
    /// [`Context::load_for_commit`] when it is not loaded.
    pub fn lookup_for_commit(&mut self, ptr: &mut Ptr, s: &[u8]) -> Result<usize> {
        *ptr = Ptr::parse(s)?;
        let name = ptr.package.clone().unwrap_or_default();
        let idx = match self.find(&name) {
            Some(i) => i,
            None => self.load_for_commit(&name)?,
        };
        lookup::resolve(&self.packages[idx], ptr, true)?;
        Ok(idx)
    }

    /// Applies the delta files of every delta-path directory to `p`. With
    /// `flush`, truncates the savedir file when a line applied (holding its
    /// exclusive lock from the read to the truncation, so that no change
    /// saved in between is lost). Returns the number of lines applied; a read
    /// error is an I/O error (the rest of that file would be silently lost).
    pub fn load_deltas(&mut self, p: &mut Package, flush: bool) -> Result<usize> {
        if !p.has_delta {
            return Ok(0);
        }
        let save = join(&self.savedir, &p.name);
        if flush {
            let held = if fsutil::is_regular(path(&save)) { fsutil::open_write_locked(path(&save), false, 0o600).ok() } else { None };
            let saved = match &held {
                Some(f) => Some(fsutil::read_all(f).map_err(io_err)?),
                None => None,
            };
            let changes = self.replay_delta_files(p, saved.as_deref().map(Some))?;
            if let Some(f) = held {
                let r = if changes > 0 { f.set_len(0) } else { Ok(()) };
                fsutil::unlock(&f);
                r.map_err(io_err)?;
            }
            return Ok(changes);
        }
        let changes = self.replay_delta_files(p, None)?;
        if let Some(Ok(f)) = fsutil::open_read_locked(path(&save)) {
            fsutil::unlock(&f);
        }
        Ok(changes)
    }

    /// Replays the delta files of every delta-path directory onto `p`, in
    /// order (file-format.md §9.2). `saved`, when given, is the content of
    /// the savedir file as already read by a caller holding its lock
    /// (`Some(None)`: the caller found no savedir file). That file is
    /// recognised by identity, not by name: it may be listed under another
    /// spelling (`-p d/ -t d`), and a second lock on it from this process
    /// would wait for ever. Returns the number of lines applied.
    pub fn replay_delta_files(&mut self, p: &mut Package, saved: Option<Option<&[u8]>>) -> Result<usize> {
        use std::os::unix::fs::MetadataExt;
        let id = |f: &[u8]| fs::metadata(path(f)).ok().map(|m| (m.dev(), m.ino()));
        let saved_id = saved.and_then(|_| id(&join(&self.savedir, &p.name)));
        let keep = self.flags & FLAG_SAVED_DELTA != 0;
        let mut changes = 0;
        for dir in self.delta_path.clone() {
            self.pctx = None;
            let file = join(&dir, &p.name);
            let is_saved = saved.is_some() && (dir == self.savedir || (saved_id.is_some() && id(&file) == saved_id));
            match saved {
                Some(content) if is_saved => {
                    if let Some(bytes) = content {
                        changes += delta::replay(p, &mut Stream::from_bytes(bytes), keep);
                    }
                }
                _ => {
                    let Some(Ok(fh)) = fsutil::open_read_locked(path(&file)) else { continue };
                    let mut r = Stream::new(crate::cache::Tap::new(&fh, BufReader::new(&fh)));
                    changes += delta::replay(p, &mut r, keep);
                    fsutil::unlock(&fh);
                    if r.failed() {
                        self.pctx = None;
                        return fail(ErrorCode::Io);
                    }
                }
            }
            self.pctx = None;
        }
        Ok(changes)
    }

    // ---- save / commit / revert ----

    /// Appends `p.delta` to `<savedir>/<name>` and clears it (`uci_save`).
    pub fn save_package(&mut self, p: &mut Package) -> Result<()> {
        if !p.has_delta {
            return self.commit_package(p, false);
        }
        if p.delta.is_empty() {
            return Ok(());
        }
        match fs::metadata(path(&self.savedir)) {
            Err(_) => {
                let mode = fsutil::mode_of(path(&self.confdir)).unwrap_or(0o700);
                let _ = fs::DirBuilder::new().mode(mode).create(path(&self.savedir));
            }
            Ok(m) if !m.is_dir() => return fail(ErrorCode::Io),
            Ok(_) => {}
        }
        let file = join(&self.savedir, &p.name);
        let mode = fsutil::mode_of(path(&join(&self.confdir, &p.name))).unwrap_or(0o600);
        let mut f = fsutil::open_write_locked(path(&file), true, mode).map_err(io_err)?;
        let before = p.origin.as_ref().and_then(|_| super::parsed::FileId::of(&f));
        let start = f.seek(SeekFrom::End(0)).map_err(io_err)?;
        let mut out = Vec::new();
        for d in &p.delta {
            delta::format_line(&mut out, &p.name, d);
        }
        let r = f.write_all(&out).and_then(|_| f.flush());
        if r.is_err() {
            // A short append (full disk) must not leave a partial line for
            // the next change to be glued to.
            let _ = f.set_len(start);
        }
        if r.is_ok() && p.origin.is_some() {
            let after = super::parsed::FileId::of(&f);
            super::kept::saved(p, &file, &out, before, after, self.flags & FLAG_SAVED_DELTA != 0);
        } else {
            p.forget_origin();
        }
        fsutil::unlock(&f);
        r.map_err(io_err)?;
        p.delta.clear();
        Ok(())
    }

    /// Saves the package at `idx`.
    pub fn save(&mut self, idx: usize) -> Result<()> {
        let mut p = std::mem::take(&mut self.packages[idx]);
        let r = self.save_package(&mut p);
        self.packages[idx] = p;
        r
    }

    /// `uci_commit`: writes the package to its file. For a package with delta
    /// tracking (and no `overwrite`), pending changes are saved, the package
    /// is re-read from the locked file, every delta file is applied and the
    /// savedir file truncated; `*p` is replaced by the re-read package.
    ///
    /// The write is journaled (see [`crate::txn`]): new file fsynced, journal,
    /// rename, directory fsync, then the delta truncation, so that a crash at
    /// any point either keeps the old file and the pending changes or
    /// completes the commit on the next access. Commit hooks run afterwards.
    pub fn commit_package(&mut self, p: &mut Package, overwrite: bool) -> Result<()> {
        crate::txn::commit_dropin(self, p, overwrite)
    }

    /// [`Context::commit_package`], also telling whether `*p` was replaced
    /// by the package re-read from the file (libuci then frees the old
    /// object and hands out a new one; the C shim mirrors that).
    pub fn commit_package_ex(&mut self, p: &mut Package, overwrite: bool) -> (Result<()>, bool) {
        self.commit_reread = false;
        let r = self.commit_package(p, overwrite);
        (r, std::mem::take(&mut self.commit_reread))
    }

    /// Commits the package at `idx`; the re-read package moves to the end of
    /// the list, as libuci appends it to `ctx->root`.
    pub fn commit(&mut self, idx: usize, overwrite: bool) -> Result<usize> {
        let mut p = self.packages.remove(idx);
        let r = self.commit_package(&mut p, overwrite);
        self.packages.push(p);
        r.map(|_| self.packages.len() - 1)
    }

    /// `uci_revert`: saves pending changes of the package, drops the matching
    /// lines from its savedir delta file, and reloads it. Returns the index
    /// of the reloaded package.
    pub fn revert(&mut self, idx: usize, section: Option<&[u8]>, option: Option<&[u8]>) -> Result<usize> {
        if !self.packages[idx].has_delta {
            return fail(ErrorCode::Inval);
        }
        self.save(idx)?;
        let p = self.packages.remove(idx);
        self.filter_delta(&p.name, section, option);
        self.load(&p.name)
    }

    /// Rewrites `<savedir>/<name>` without the lines matching section/option
    /// (file-format.md §9.4). Errors leave the file as it was.
    pub fn filter_delta(&mut self, name: &[u8], section: Option<&[u8]>, option: Option<&[u8]>) {
        self.pctx = None;
        let file = join(&self.savedir, name);
        let Ok(mut f) = fsutil::open_write_locked(path(&file), false, 0o600) else { return };
        let parsed = {
            let mut r = Stream::new(BufReader::new(&f));
            // a read error leaves the file as it is, like a line that fails to parse
            delta::parse_all(&mut r).filter(|_| !r.failed())
        };
        if let Some(lines) = parsed {
            let mut out = Vec::new();
            for l in lines {
                let d: &Delta = &l.delta;
                let matches = section.is_none_or(|s| d.section == s) && option.is_none_or(|o| d.option.as_deref() == Some(o));
                if !matches {
                    delta::format_line(&mut out, name, d);
                }
            }
            let _ = f.set_len(0).and_then(|_| f.seek(SeekFrom::Start(0))).and_then(|_| f.write_all(&out));
        }
        fsutil::unlock(&f);
    }

    /// Names of the configs in confdir (`uci_list_configs`).
    pub fn list_configs(&self) -> Result<Vec<Vec<u8>>> {
        list_configs(&self.confdir)
    }
}

/// Config names in `dir`: sorted bytewise, without dotfiles, directories,
/// names containing `.` or failing load-name validation. `NotFound` when
/// the directory is missing or has no entry at all.
pub fn list_configs(dir: &[u8]) -> Result<Vec<Vec<u8>>> {
    use std::os::unix::ffi::OsStrExt;
    let Ok(rd) = fs::read_dir(path(dir)) else { return fail(ErrorCode::NotFound) };
    let mut names: Vec<Vec<u8>> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().as_bytes().to_vec())
        .filter(|n| !n.starts_with(b"."))
        .collect();
    if names.is_empty() {
        return fail(ErrorCode::NotFound);
    }
    names.sort();
    Ok(names
        .into_iter()
        .filter(|n| {
            let full = join(dir, n);
            !fs::metadata(path(&full)).map(|m| m.is_dir()).unwrap_or(false) && !n.contains(&b'.') && valid_package(n)
        })
        .collect())
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_path_order() {
        let mut c = Context::new();
        c.set_savedir(b"d");
        c.add_delta_path(b"p1").unwrap();
        c.add_delta_path(b"p2").unwrap();
        assert_eq!(c.delta_path, vec![b"/tmp/.uci".to_vec(), b"p1".to_vec(), b"p2".to_vec(), b"d".to_vec()]);
        assert!(c.add_delta_path(b"p1").is_err());
        c.set_savedir(b"p1");
        assert_eq!(c.delta_path.last().unwrap(), b"p1");
        c.set_conf2dir(Some(b""));
        assert_eq!(c.conf2dir, None);
    }

    #[test]
    fn save_commit_revert_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_str().unwrap().as_bytes().to_vec();
        let conf = join(&base, b"config");
        fs::create_dir(path(&conf)).unwrap();
        fs::write(path(&join(&conf, b"net")), "config a 'x'\n\toption o '1'\n# comment\n").unwrap();
        let mut c = Context::new();
        c.set_confdir(&conf);
        c.set_conf2dir(None);
        c.delta_path.clear();
        c.set_savedir(&join(&base, b"delta"));
        let mut ptr = Ptr::default();
        let i = c.lookup(&mut ptr, Some(b"net.x.o=2"), true).unwrap();
        crate::edit::set(&mut c.packages[i], &mut ptr, false).unwrap();
        c.save(i).unwrap();
        assert_eq!(fs::read(path(&join(&base, b"delta/net"))).unwrap(), b"net.x.o='2'\n");
        let i = c.revert(i, Some(b"x"), None).unwrap();
        assert_eq!(fs::read(path(&join(&base, b"delta/net"))).unwrap(), b"");
        assert_eq!(c.packages[i].sections[0].options[0].value, crate::model::Value::Str(b"1".into()));
        let i = c.commit(i, false).unwrap();
        // nothing applied: the file keeps its comment
        assert!(fs::read_to_string(path(&join(&conf, b"net"))).unwrap().contains("# comment"));
        let mut ptr = Ptr::default();
        let _ = i;
        c.unload_all();
        let i = c.lookup(&mut ptr, Some(b"net.x.o=3"), true).unwrap();
        crate::edit::set(&mut c.packages[i], &mut ptr, false).unwrap();
        c.commit(i, false).unwrap();
        assert_eq!(fs::read(path(&join(&conf, b"net"))).unwrap(), b"\nconfig a 'x'\n\toption o '3'\n\n");
        assert_eq!(fs::read(path(&join(&base, b"delta/net"))).unwrap(), b"");
        assert_eq!(list_configs(&conf).unwrap(), vec![b"net".to_vec()]);
        assert!(list_configs(&join(&base, b"nosuch")).is_err());
    }

    fn ctx_in(dir: &std::path::Path) -> Context {
        let conf = dir.join("config");
        std::fs::create_dir_all(&conf).unwrap();
        std::fs::write(conf.join("net"), "config interface 'lan'\n\toption proto 'static'\n").unwrap();
        let mut ctx = Context::new();
        ctx.set_confdir(conf.to_str().unwrap().as_bytes());
        ctx.set_conf2dir(None);
        ctx.set_savedir(dir.join("delta").to_str().unwrap().as_bytes());
        ctx
    }

    #[test]
    fn commit_reports_a_reread_package() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = ctx_in(dir.path());
        let i = ctx.load(b"net").unwrap();
        let mut p = ctx.packages.remove(i);
        let (r, replaced) = ctx.commit_package_ex(&mut p, false);
        assert!(r.is_ok() && replaced, "a delta-tracked package is re-read");
        let path = dir.path().join("other");
        std::fs::write(&path, "config a 'b'\n").unwrap();
        let i = ctx.load(path.to_str().unwrap().as_bytes()).unwrap();
        let mut p = ctx.packages.remove(i);
        let (r, replaced) = ctx.commit_package_ex(&mut p, false);
        assert!(r.is_ok() && !replaced, "a path-loaded package is written in place");
    }

    #[test]
    fn import_counts_skipped_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = ctx_in(dir.path());
        ctx.flags &= !FLAG_STRICT;
        let mut r = Stream::from_bytes(b"config a 'b'\nbogus\noption x y\nalso bad\n");
        let (res, skipped) = ctx.import_ex(&mut r, Some(b"imp"), None, true);
        assert_eq!(res, Ok(Some(0)));
        assert_eq!(skipped, 2);
    }

    #[test]
    fn a_path_that_is_no_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = ctx_in(dir.path());
        let d = format!("{}/", dir.path().join("config").display());
        assert_eq!(ctx.load(d.as_bytes()), Err(Error(ErrorCode::NotFound)));
        let bad = dir.path().join("bad name");
        std::fs::write(&bad, "").unwrap();
        assert_eq!(ctx.load(bad.to_str().unwrap().as_bytes()), Err(Error(ErrorCode::Inval)));
    }
}
