//! The commit engine: every commit path (`uci commit`, libuci's
//! `uci_commit`, Lua's `commit`, `ucix commit/apply/rollback`, migrations)
//! writes through [`run`].
//!
//! Steps (file-format.md §9.3 and §10 for the locks, plus the journal):
//! 1. take the directory lock of the journal directory and recover any
//!    interrupted commit there;
//! 2. open (creating) and `LOCK_EX` every config file, in path order,
//!    re-opening a file that was replaced while we waited for its lock;
//! 3. per package: save its unsaved changes, re-parse the locked file,
//!    `LOCK_EX` its savedir delta file (held until it is truncated, so a
//!    change saved meanwhile waits instead of being lost), replay every
//!    delta file, export the result; a package where no delta line applied
//!    is left alone (the file keeps its bytes);
//! 4. when more than one file is written or a delta file must be
//!    truncated: write the journal naming the temp files;
//! 5. write each new file to `.<name>.uci-XXXXXX` beside the config,
//!    `LOCK_EX`, fsync, give it the target's mode;
//! 6. fsync the directories of the journal and the temp files, append and
//!    fsync the journal's commit record (the commit point);
//! 7. rename each temp over its (symlink-resolved) target, fsync the
//!    directories;
//! 8. truncate the savedir delta files, fsync them;
//! 9. remove the journal, release the locks.
//!
//! A failure before step 6 (ENOSPC, EIO, EACCES…) removes the temp files
//! and the journal: nothing changed, the delta files are untouched.
#![forbid(unsafe_code)]

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::crash::point;
use super::journal::{self, DeltaMark, DirLock, Entry, Journal};
use super::Failure;
use crate::error::ErrorCode;
use crate::model::Package;
use crate::store::fsutil::{self, join, path};
use crate::store::{Context, FLAG_EXPORT_NAME};

/// What to commit.
pub enum Source<'a> {
    /// A loaded package: without `overwrite` (and with delta tracking) it
    /// is re-read from its file and the delta files are applied
    /// (`uci_commit`); otherwise it is written as it is. Replaced in place
    /// by the re-read package, as libuci does.
    Package { pkg: &'a mut Package, overwrite: bool },
    /// New text for package `name`'s file; `None` removes the file.
    Text { name: Vec<u8>, text: Option<Vec<u8>> },
    /// Like `Text`, but only while the file still holds `expect` (`None`:
    /// it does not exist), checked under its lock; otherwise the commit
    /// fails and nothing changes (a concurrent commit is never overwritten).
    Replace { name: Vec<u8>, text: Option<Vec<u8>>, expect: Option<Vec<u8>> },
}

/// The outcome for one package.
#[derive(Debug, Clone, Default)]
pub struct Done {
    pub name: Vec<u8>,
    /// False when nothing was written (no delta line applied).
    pub written: bool,
    /// The config file as the package's path names it.
    pub target: Vec<u8>,
    /// Loaded by name (not from an explicit file path): history applies.
    pub by_name: bool,
    /// The file's bytes before (`None`: it did not exist).
    pub old_text: Option<Vec<u8>>,
    /// The bytes written (`None`: the file was removed).
    pub new_text: Option<Vec<u8>>,
    /// Parsed before/after, when the caller asked for them (change lists).
    /// For a [`Source::Package`] the engine leaves `new_pkg` empty: the
    /// package itself is the new one, and the callers in [`super`] lend it
    /// here while history, hooks and the audit log run (no copy).
    pub old_pkg: Option<Package>,
    pub new_pkg: Option<Package>,
    /// Instead of `old_pkg`, when the commit only replayed changes of
    /// options of existing sections: the previous version of each section
    /// those changes named, by index (no copy of the whole package).
    pub old_sections: Option<Vec<(usize, crate::model::Section)>>,
}

impl Done {
    /// The change list from before to after (hooks, events, audit log).
    pub fn changes(&self) -> Vec<crate::hooks::changes::Change> {
        match (&self.old_sections, &self.new_pkg) {
            (Some(old), Some(new)) => crate::hooks::changes::diff_sections(old, new),
            _ => crate::hooks::changes::diff(self.old_pkg.as_ref(), self.new_pkg.as_ref()),
        }
    }
}

/// The changes the delta files of `p` hold, read the way
/// [`Context::replay_delta_files`] reads them (`saved`: the savedir file's
/// content, read by the caller under its lock), when each changes only an
/// option of a section: then the sections they name are all a replay
/// touches, and nothing else moves. `None` otherwise.
fn option_changes(ctx: &Context, p: &Package, saved: Option<&[u8]>) -> Option<Vec<crate::delta::Delta>> {
    use crate::delta::Cmd;
    use crate::syntax::{Pctx, Stream};
    let id = |f: &[u8]| fs::metadata(path(f)).ok().map(|m| (m.dev(), m.ino()));
    let save = join(&ctx.savedir, &p.name);
    let saved_id = id(&save);
    let mut out = vec![];
    for dir in &ctx.delta_path {
        let file = join(dir, &p.name);
        let bytes = if *dir == ctx.savedir || (saved_id.is_some() && id(&file) == saved_id) {
            match saved {
                Some(b) => b.to_vec(),
                None => continue,
            }
        } else {
            let Some(Ok(f)) = fsutil::open_read_locked(path(&file)) else { continue };
            let b = fsutil::read_all(&f);
            fsutil::unlock(&f);
            b.ok()?
        };
        let mut r = Stream::from_bytes(&bytes);
        let mut pctx = Pctx::new();
        while !r.eof() {
            pctx.start_line(&mut r);
            if pctx.line_is_empty() {
                continue;
            }
            let Ok(l) = crate::delta::parse_line(&mut pctx, &mut r) else { continue };
            if l.package != p.name {
                continue;
            }
            let option_only = l.delta.option.is_some() && matches!(l.delta.cmd, Cmd::Change | Cmd::Remove | Cmd::ListAdd | Cmd::ListDel | Cmd::Rename);
            if !option_only {
                return None;
            }
            out.push(l.delta);
        }
    }
    Some(out)
}

struct Prep {
    done: Done,
    /// Directory of the temp file (confdir or conf2dir, as constructed).
    dir: Vec<u8>,
    remove: bool,
    lock: Option<File>,
    /// The savedir delta file, locked, with what was consumed from it;
    /// truncated at step 8 when `truncate`.
    delta: Option<(File, DeltaMark)>,
    truncate: bool,
    write: Option<Option<Vec<u8>>>,
    real: PathBuf,
    temp: Option<PathBuf>,
    /// The file holds the text [`Context::load_for_commit`] parsed for
    /// this package (named here): its parse is the re-read.
    base: Option<Vec<u8>>,
}

fn io_fail(what: &str, p: &Path, e: io::Error) -> Failure {
    Failure { code: ErrorCode::Io, msg: format!("{what} {}: {e}", p.display()) }
}

/// Opens (creating when `create`) and exclusively locks a config file,
/// retrying when the file was replaced while waiting for the lock.
fn open_config_locked(target: &Path, create: bool) -> io::Result<File> {
    let mut tries = 0;
    loop {
        let f = OpenOptions::new().read(true).write(true).create(create).mode(0o600).open(target)?;
        fsutil::lock(&f, true)?;
        tries += 1;
        if tries >= 100 || fsutil::is_current(&f, target) {
            return Ok(f);
        }
        fsutil::unlock(&f);
    }
}


fn write_temp(p: &Path, text: &[u8], mode: u32) -> io::Result<()> {
    let f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(p)?;
    fsutil::lock(&f, true)?;
    let r = (&f).write_all(text).and_then(|_| f.sync_all());
    fsutil::unlock(&f);
    r?;
    fs::set_permissions(p, Permissions::from_mode(mode & 0o7777))
}

fn parse_loose(text: &[u8], name: &[u8]) -> Option<Package> {
    crate::syntax::statement::parse_package(text, name, false).ok()
}

fn canon_dir(d: &[u8]) -> Option<PathBuf> {
    let p = path(d);
    if p.is_dir() {
        fs::canonicalize(p).ok()
    } else {
        None
    }
}

fn push_unique(v: &mut Vec<PathBuf>, p: &Path) {
    if !v.iter().any(|x| x == p) {
        v.push(p.to_path_buf());
    }
}

/// Runs a commit of `sources` as one atomic step. `want_pkgs`: keep the
/// parsed old and new packages in the outcomes (for change lists).
pub fn run(ctx: &mut Context, sources: Vec<Source<'_>>, want_pkgs: bool) -> Result<Vec<Done>, Failure> {
    let mut preps: Vec<Prep> = Vec::with_capacity(sources.len());
    for src in &sources {
        let (name, target, dir, by_name, remove) = match src {
            Source::Package { pkg, overwrite } => {
                let target = match &pkg.path {
                    Some(p) => p.clone(),
                    None if *overwrite => ctx.config_path(&pkg.name).0,
                    None => return Err(Failure::code(ErrorCode::Inval)),
                };
                let dir = if pkg.uses_conf2 { ctx.conf2dir.clone().unwrap_or_default() } else { ctx.confdir.clone() };
                (pkg.name.clone(), target, dir, pkg.has_delta || pkg.path.is_none(), false)
            }
            Source::Text { name, text } | Source::Replace { name, text, .. } => {
                let (target, c2) = ctx.config_path(name);
                let dir = if c2 { ctx.conf2dir.clone().unwrap_or_default() } else { ctx.confdir.clone() };
                (name.clone(), target, dir, true, text.is_none())
            }
        };
        preps.push(Prep {
            done: Done { name, target, by_name, ..Default::default() },
            dir,
            remove,
            lock: None,
            delta: None,
            truncate: false,
            write: None,
            real: PathBuf::new(),
            temp: None,
            base: None,
        });
    }
    let mut sources = sources;
    for (src, prep) in sources.iter_mut().zip(&preps) {
        if let Source::Package { pkg, .. } = src {
            if pkg.path.is_none() {
                pkg.path = Some(prep.done.target.clone());
            }
        }
    }

    // 1. directory lock, recovery
    let jdir = canon_dir(&ctx.confdir).or_else(|| preps.first().and_then(|p| canon_dir(&p.dir)));
    let _dirlock = match &jdir {
        Some(d) => Some(DirLock::acquire(d).map_err(|e| io_fail("cannot lock", d, e))?),
        None => None,
    };
    if let Some(d) = &jdir {
        journal::recover_dir(d, true);
    }
    for d in std::iter::once(Some(&ctx.confdir)).chain(std::iter::once(ctx.conf2dir.as_ref())).flatten() {
        if let Some(c) = canon_dir(d) {
            if Some(&c) != jdir.as_ref() {
                journal::recover_dir(&c, false);
            }
        }
    }

    // 2. lock the config files in path order
    let mut order: Vec<usize> = (0..preps.len()).collect();
    order.sort_by(|&a, &b| preps[a].done.target.cmp(&preps[b].done.target));
    for &i in &order {
        let p = &mut preps[i];
        let t = path(&p.done.target).to_path_buf();
        let existed = fs::metadata(&t).is_ok();
        if p.remove && !existed {
            continue;
        }
        let f = open_config_locked(&t, !p.remove).map_err(|e| io_fail("cannot open", &t, e))?;
        if existed {
            // the text parsed by `load_for_commit`, if the file still holds it
            let base = match ctx.commit_base.take() {
                Some(b) if b.path == p.done.target => {
                    let same = fsutil::holds(&f, &b.text).map_err(|e| io_fail("cannot read", &t, e))?;
                    same.then_some(b)
                }
                other => {
                    ctx.commit_base = other;
                    None
                }
            };
            p.done.old_text = Some(match base {
                Some(b) => {
                    p.base = Some(b.name);
                    b.text
                }
                None => fsutil::read_all(&f).map_err(|e| io_fail("cannot read", &t, e))?,
            });
        }
        p.lock = Some(f);
    }

    // Replace sources: each file must still hold what the caller read;
    // otherwise remove the files step 2 created and change nothing.
    let stale = sources.iter().zip(&preps).find_map(|(s, p)| match s {
        Source::Replace { expect, .. } if p.done.old_text != *expect => Some(p.done.target.clone()),
        _ => None,
    });
    if let Some(t) = stale {
        for p in preps.iter().filter(|p| p.lock.is_some() && p.done.old_text.is_none()) {
            let _ = fs::remove_file(path(&p.done.target));
        }
        return Err(Failure::msg(ErrorCode::Io, format!("{} changed meanwhile", String::from_utf8_lossy(&t))));
    }

    // 3. new contents
    let export_names = ctx.flags & FLAG_EXPORT_NAME != 0;
    for (src, p) in sources.into_iter().zip(preps.iter_mut()) {
        let old: &[u8] = p.done.old_text.as_deref().unwrap_or(&[]);
        match src {
            Source::Package { pkg, overwrite } => {
                if pkg.has_delta && !overwrite {
                    if !pkg.delta.is_empty() {
                        ctx.save_package(pkg).map_err(Failure::from)?;
                    }
                    // the package loaded for this commit from these very bytes
                    // (`Context::load_for_commit`) is their parse: no second one
                    let base = p.base.take().filter(|n| *n == pkg.name && pkg.delta.is_empty() && pkg.saved_delta.is_empty());
                    let mut fresh = match base {
                        Some(_) => {
                            ctx.pctx = None;
                            std::mem::take(&mut *pkg)
                        }
                        None => ctx.parse_bytes(old, &pkg.name).map_err(Failure::from)?,
                    };
                    fresh.path = Some(p.done.target.clone());
                    fresh.has_delta = true;
                    // libuci re-imports the file: the fresh package has uses_conf2 unset.
                    fresh.uses_conf2 = false;
                    let loaded = std::mem::replace(&mut *pkg, fresh);
                    if ctx.exiting {
                        std::mem::forget(loaded);
                    }
                    ctx.commit_reread = true;
                }
                let reread = pkg.has_delta && !overwrite;
                if want_pkgs && !reread {
                    p.done.old_pkg = parse_loose(old, &pkg.name);
                }
                if pkg.has_delta {
                    let save = join(&ctx.savedir, &pkg.name);
                    let mut saved = None;
                    if fsutil::is_regular(path(&save)) {
                        let sp = path(&save);
                        let f = fsutil::open_write_locked(sp, false, 0o600).map_err(|e| io_fail("cannot lock", sp, e))?;
                        let bytes = fsutil::read_all(&f).map_err(|e| io_fail("cannot read", sp, e))?;
                        let abs = fs::canonicalize(sp).map_err(|e| io_fail("cannot resolve", sp, e))?;
                        p.delta = Some((f, DeltaMark::of(abs, &bytes)));
                        saved = Some(bytes);
                    }
                    // the old package for the change list: the sections the
                    // changes name when they only change options (checked
                    // against what the replay applied), else a whole copy
                    let keep = ctx.flags & crate::store::FLAG_SAVED_DELTA != 0;
                    let scanned = if want_pkgs && reread && keep { option_changes(ctx, pkg, saved.as_deref()) } else { None };
                    let snapshot: Option<Vec<(usize, crate::model::Section)>> = scanned.as_ref().map(|ds| {
                        let mut v: Vec<(usize, crate::model::Section)> = vec![];
                        for d in ds {
                            if let Some(si) = pkg.section_index(&d.section) {
                                if !v.iter().any(|(i, _)| *i == si) {
                                    v.push((si, pkg.sections[si].clone()));
                                }
                            }
                        }
                        v
                    });
                    if want_pkgs && reread && snapshot.is_none() {
                        p.done.old_pkg = Some(pkg.clone());
                    }
                    let replayed_from = pkg.saved_delta.len();
                    let changes = ctx.replay_delta_files(pkg, Some(saved.as_deref())).map_err(Failure::from)?;
                    if let (Some(ds), Some(snap)) = (scanned, snapshot) {
                        if pkg.saved_delta.get(replayed_from..) == Some(&ds[..]) {
                            p.done.old_sections = Some(snap);
                        } else {
                            // a delta file changed between the two reads
                            p.done.old_pkg = parse_loose(old, &pkg.name);
                        }
                    }
                    if changes == 0 {
                        continue;
                    }
                    p.truncate = p.delta.is_some();
                }
                // about the old size: no doubling copies of a large text
                let mut text = Vec::with_capacity(old.len() + old.len() / 8 + 256);
                crate::write::export(&mut text, pkg, false, export_names);
                p.write = Some(Some(text));
            }
            Source::Text { name, text } | Source::Replace { name, text, .. } => {
                if p.remove && p.lock.is_none() {
                    continue;
                }
                if want_pkgs {
                    p.done.old_pkg = p.done.old_text.as_deref().and_then(|t| parse_loose(t, &name));
                    p.done.new_pkg = text.as_deref().and_then(|t| parse_loose(t, &name));
                }
                p.write = Some(text);
            }
        }
    }
    point("locked");

    // 4.–9.
    let writes: Vec<usize> = (0..preps.len()).filter(|&i| preps[i].write.is_some()).collect();
    if writes.is_empty() {
        return Ok(preps.into_iter().map(|p| p.done).collect());
    }
    for &i in &writes {
        let p = &mut preps[i];
        let t = path(&p.done.target);
        p.real = fs::canonicalize(t).map_err(|e| io_fail("cannot resolve", t, e))?;
        if matches!(p.write, Some(Some(_))) {
            let dir = canon_dir(&p.dir).ok_or_else(|| io_fail("cannot use directory", path(&p.dir), io::Error::from(io::ErrorKind::NotFound)))?;
            let mut file = b".".to_vec();
            file.extend_from_slice(&p.done.name);
            file.extend_from_slice(b".uci-");
            file.extend_from_slice(fsutil::unique_suffix().as_bytes());
            let temp = dir.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&file[..]));
            let real_dir = p.real.parent().unwrap_or(Path::new("/"));
            let (a, b) = (fs::metadata(&dir), fs::metadata(real_dir));
            if let (Ok(a), Ok(b)) = (a, b) {
                if a.dev() != b.dev() {
                    return Err(io_fail("cannot rename across file systems to", &p.real, io::Error::from_raw_os_error(libc::EXDEV)));
                }
            }
            p.temp = Some(temp);
        }
    }
    let journaled = writes.len() > 1 || writes.iter().any(|&i| preps[i].truncate);
    let mut jr = None;
    if journaled {
        let Some(d) = &jdir else {
            return Err(io_fail("cannot journal in", path(&ctx.confdir), io::Error::from(io::ErrorKind::NotFound)));
        };
        let entries: Vec<Entry> = writes
            .iter()
            .map(|&i| {
                let p = &preps[i];
                Entry {
                    name: p.done.name.clone(),
                    temp: p.temp.clone(),
                    target: p.real.clone(),
                    delta: if p.truncate { p.delta.as_ref().map(|(_, m)| m.clone()) } else { None },
                }
            })
            .collect();
        jr = Some(Journal::create(d, &entries).map_err(|e| io_fail("cannot write journal in", d, e))?);
        point("journal-prepared");
    }

    let cleanup = |preps: &[Prep], jr: Option<Journal>| {
        for &i in &writes {
            if let Some(t) = &preps[i].temp {
                let _ = fs::remove_file(t);
            }
        }
        if let Some(j) = jr {
            let _ = j.remove();
        }
    };
    for &i in &writes {
        let p = &preps[i];
        if let (Some(Some(text)), Some(temp)) = (&p.write, &p.temp) {
            let mode = fs::metadata(&p.real).map(|m| m.mode()).unwrap_or(0o600);
            if let Err(e) = write_temp(temp, text, mode) {
                cleanup(&preps, jr);
                return Err(io_fail("cannot write", temp, e));
            }
            point("temp-written");
        }
    }
    if let Some(j) = jr.as_mut() {
        let mut dirs = vec![j.dir().to_path_buf()];
        for &i in &writes {
            if let Some(d) = preps[i].temp.as_ref().and_then(|t| t.parent()) {
                push_unique(&mut dirs, d);
            }
        }
        let r = dirs.iter().try_for_each(|d| fsutil::try_sync_dir(d)).and_then(|_| j.commit());
        if let Err(e) = r {
            cleanup(&preps, jr);
            return Err(io_fail("cannot commit journal in", jdir.as_deref().unwrap_or(Path::new(".")), e));
        }
        point("journal-committed");
    }

    let mut dirs = vec![];
    for &i in &writes {
        let p = &preps[i];
        let r = match &p.temp {
            Some(t) => fs::rename(t, &p.real),
            None => fs::remove_file(&p.real),
        };
        if let Err(e) = r {
            if !journaled {
                cleanup(&preps, None);
            }
            // after the commit point the journal stays: recovery finishes it
            return Err(io_fail("cannot replace", &p.real, e));
        }
        point("renamed");
        if let Some(d) = p.real.parent() {
            push_unique(&mut dirs, d);
        }
    }
    for d in &dirs {
        if let Err(e) = fsutil::try_sync_dir(d) {
            if journaled {
                return Err(io_fail("cannot sync", d, e));
            }
        }
    }
    point("dirs-synced");
    for &i in &writes {
        let p = &preps[i];
        if let (true, Some((f, m))) = (p.truncate, &p.delta) {
            f.set_len(0).and_then(|_| f.sync_all()).map_err(|e| io_fail("cannot truncate", &m.path, e))?;
            point("delta-truncated");
        }
    }
    if let Some(j) = jr {
        j.remove().map_err(|e| io_fail("cannot remove journal in", jdir.as_deref().unwrap_or(Path::new(".")), e))?;
        point("journal-removed");
    }
    let mut out = Vec::with_capacity(preps.len());
    for mut p in preps {
        if p.write.is_some() {
            p.done.written = true;
            p.done.new_text = p.write.take().flatten();
        }
        if let Some((f, _)) = &p.delta {
            fsutil::unlock(f);
        }
        if let Some(f) = &p.lock {
            fsutil::unlock(f);
        }
        out.push(p.done);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_in(dir: &Path) -> Context {
        let mut c = Context::new();
        c.set_confdir(dir.join("config").to_str().unwrap().as_bytes());
        c.set_conf2dir(None);
        c.set_savedir(dir.join("delta").to_str().unwrap().as_bytes());
        c
    }

    #[test]
    fn texts_are_written_and_removed_together() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("config")).unwrap();
        fs::write(d.path().join("config/a"), "config t 'old'\n").unwrap();
        fs::write(d.path().join("config/b"), "config t 'b'\n").unwrap();
        let mut ctx = ctx_in(d.path());
        let sources = vec![
            Source::Text { name: b"a".to_vec(), text: Some(b"\nconfig t 'new'\n\n".to_vec()) },
            Source::Text { name: b"b".to_vec(), text: None },
            Source::Text { name: b"c".to_vec(), text: None },
        ];
        let done = run(&mut ctx, sources, true).unwrap();
        assert_eq!(fs::read(d.path().join("config/a")).unwrap(), b"\nconfig t 'new'\n\n");
        assert!(!d.path().join("config/b").exists());
        assert_eq!(done.iter().map(|d| d.written).collect::<Vec<_>>(), [true, true, false]);
        assert_eq!(done[1].old_text.as_deref(), Some(&b"config t 'b'\n"[..]));
        assert_eq!(done[1].new_text, None);
        assert_eq!(done[0].new_pkg.as_ref().unwrap().sections[0].name, b"new");
        let names: Vec<_> = fs::read_dir(d.path().join("config")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["a"]);
    }

    #[test]
    fn replace_only_what_is_expected() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("config")).unwrap();
        fs::write(d.path().join("config/a"), "config t 'a'\n").unwrap();
        let mut ctx = ctx_in(d.path());
        let new = || Some(b"\nconfig t 'new'\n\n".to_vec());
        // b was created meanwhile: nothing is written (nor created)
        fs::write(d.path().join("config/b"), "config t 'b'\n").unwrap();
        let sources = vec![
            Source::Replace { name: b"a".to_vec(), text: new(), expect: Some(b"config t 'a'\n".to_vec()) },
            Source::Replace { name: b"b".to_vec(), text: new(), expect: None },
            Source::Replace { name: b"c".to_vec(), text: new(), expect: None },
        ];
        let f = run(&mut ctx, sources, false).unwrap_err();
        assert!(f.msg.ends_with("config/b changed meanwhile"), "{}", f.msg);
        assert_eq!(fs::read(d.path().join("config/a")).unwrap(), b"config t 'a'\n");
        assert_eq!(fs::read(d.path().join("config/b")).unwrap(), b"config t 'b'\n");
        assert!(!d.path().join("config/c").exists());
        let sources = vec![
            Source::Replace { name: b"a".to_vec(), text: new(), expect: Some(b"config t 'a'\n".to_vec()) },
            Source::Replace { name: b"b".to_vec(), text: None, expect: Some(b"config t 'b'\n".to_vec()) },
            Source::Replace { name: b"c".to_vec(), text: new(), expect: None },
        ];
        run(&mut ctx, sources, false).unwrap();
        assert_eq!(fs::read(d.path().join("config/a")).unwrap(), b"\nconfig t 'new'\n\n");
        assert!(!d.path().join("config/b").exists());
        assert_eq!(fs::read(d.path().join("config/c")).unwrap(), b"\nconfig t 'new'\n\n");
    }

    #[test]
    fn nothing_applied_leaves_the_file_alone() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("config")).unwrap();
        fs::create_dir(d.path().join("delta")).unwrap();
        fs::write(d.path().join("config/a"), "config t 's'  # odd spacing\n").unwrap();
        fs::write(d.path().join("delta/a"), "a.missing.o='1'\n").unwrap();
        let mut ctx = ctx_in(d.path());
        let i = ctx.load(b"a").unwrap();
        let mut p = ctx.unload(i);
        let done = run(&mut ctx, vec![Source::Package { pkg: &mut p, overwrite: false }], false).unwrap();
        assert!(!done[0].written);
        assert_eq!(fs::read(d.path().join("config/a")).unwrap(), b"config t 's'  # odd spacing\n");
        assert_eq!(fs::read(d.path().join("delta/a")).unwrap(), b"a.missing.o='1'\n");
    }
}
