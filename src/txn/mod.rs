//! Staged, atomic multi-package commits with a journal, crash recovery,
//! apply/confirm/rollback and history.
//!
//! * [`engine`]: the one commit path (journal, temp files, renames, delta
//!   truncation), used by `uci_commit` ([`Context::commit_package`]) and by
//!   [`commit_packages`] / [`write_contents`];
//! * [`journal`]: the journal format and [`recover`];
//! * [`history`]: the last N committed versions of each package;
//! * [`apply`]: `ucix apply/confirm/rollback` with a detached watcher;
//! * [`crash`]: the `UCIX_TEST_CRASH_AT` injection points of the crash tests.
//!
//! After a successful commit, [`finish`] records history and runs the
//! commit hooks ([`crate::hooks`]).
#![forbid(unsafe_code)]

pub mod apply;
pub mod crash;
pub mod engine;
pub mod history;
pub mod journal;

use crate::audit;
use crate::error::{Error, ErrorCode, Result};
use crate::hooks::{self, settings::Settings};
use crate::model::Package;
use crate::store::fsutil::path;
use crate::store::Context;
use engine::{Done, Source};

/// What started a commit (`UCIX_ACTION` for hooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Commit,
    Apply,
    Rollback,
    Migrate,
    /// `ucix remote pull`/`watch` applying central revisions.
    Pull,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Commit => "commit",
            Action::Apply => "apply",
            Action::Rollback => "rollback",
            Action::Migrate => "migrate",
            Action::Pull => "pull",
        }
    }
}

/// Which kind of entry point committed: decides where hook failures are
/// reported and whether `config.change` events are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `uci`, the libuci shim, the Lua module: byte-compatible, so nothing
    /// on stdout/stderr (failures go to syslog); events only when
    /// `/etc/config/ucix` enables them for drop-ins.
    DropIn,
    /// The `ucix` tool: failures on stderr, events on.
    Ucix,
    /// The detached apply watcher: failures to syslog, events on.
    Background,
}

/// A failed commit: the uci error code plus a message for `ucix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub msg: String,
}

impl Failure {
    pub fn code(code: ErrorCode) -> Failure {
        Failure { code, msg: code.message().to_string() }
    }

    pub fn msg(code: ErrorCode, msg: impl Into<String>) -> Failure {
        Failure { code, msg: msg.into() }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::code(e.code())
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        Error(f.code)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

/// Finishes or rolls back a journaled commit interrupted by a crash.
/// Called before any access to the config directory (by `read_package`
/// and at the start of every commit). Costs one `stat` per directory when
/// there is nothing to do.
pub fn recover(ctx: &Context) {
    journal::recover_dir(path(&ctx.confdir), false);
    if let Some(c2) = &ctx.conf2dir {
        journal::recover_dir(path(c2), false);
    }
}

/// `uci_commit` for the drop-in entry points (see [`Context::commit_package`]).
pub(crate) fn commit_dropin(ctx: &mut Context, p: &mut Package, overwrite: bool) -> Result<()> {
    if p.path.is_none() && !overwrite {
        return Err(Error(ErrorCode::Inval));
    }
    let settings = Settings::load(ctx);
    let want = wants_changes(ctx, &settings, Origin::DropIn);
    let mut dones = engine::run(ctx, vec![Source::Package { pkg: p, overwrite }], want)?;
    if want {
        lend(&mut dones, std::slice::from_mut(p), ctx.deferred_hooks.is_some());
    }
    if ctx.deferred_hooks.is_some() {
        let written: Vec<&Done> = dones.iter().filter(|d| d.written && d.by_name).collect();
        record(ctx, &settings, &written, Action::Commit, Origin::DropIn);
        let Some(queue) = ctx.deferred_hooks.as_mut() else { return Ok(()) };
        queue.extend(dones.into_iter().filter(|d| d.written && d.by_name));
        return Ok(());
    }
    finish(ctx, &settings, &dones, Action::Commit, Origin::DropIn);
    give_back(ctx, dones, std::slice::from_mut(p));
    Ok(())
}

/// Puts each written package in its outcome's `new_pkg` (see
/// [`Done::new_pkg`]): moved, or copied when the outcomes outlive the call.
fn lend(dones: &mut [Done], pkgs: &mut [Package], copy: bool) {
    for (d, p) in dones.iter_mut().zip(pkgs) {
        if d.written && d.new_pkg.is_none() {
            d.new_pkg = Some(if copy { p.clone() } else { std::mem::take(p) });
        }
    }
}

/// Returns the packages lent by [`lend`] (without copy) and drops the
/// outcomes (leaking their parsed packages when the process exits anyway).
fn give_back(ctx: &Context, dones: Vec<Done>, pkgs: &mut [Package]) {
    for (mut d, p) in dones.into_iter().zip(pkgs) {
        if let Some(n) = d.new_pkg.take() {
            *p = n;
        }
        if ctx.exiting {
            std::mem::forget(d.old_pkg.take());
        }
    }
}

/// From now on, drop-in commits of `ctx` queue their hooks (history is
/// still recorded at once), so that a command committing several packages
/// one by one (`uci commit` without arguments) runs each hook once with all
/// of them at [`run_deferred_hooks`].
pub fn defer_hooks(ctx: &mut Context) {
    if ctx.deferred_hooks.is_none() {
        ctx.deferred_hooks = Some(vec![]);
    }
}

/// Runs the hooks (and events) queued since [`defer_hooks`], once.
pub fn run_deferred_hooks(ctx: &mut Context) {
    let Some(queue) = ctx.deferred_hooks.take() else { return };
    if queue.is_empty() {
        return;
    }
    let settings = Settings::load(ctx);
    let written: Vec<&Done> = queue.iter().collect();
    hooks::after_commit(ctx, &settings, &written, Action::Commit, Origin::DropIn);
}

/// Commits the pending changes (delta files) of the named packages as one
/// atomic step. Returns the names of the packages that changed.
pub fn commit_packages(ctx: &mut Context, names: &[Vec<u8>], action: Action) -> Result<Vec<Vec<u8>>> {
    let dones = commit_packages_as(ctx, names, action, Origin::Ucix)?;
    Ok(dones.into_iter().filter(|d| d.written).map(|d| d.name).collect())
}

/// [`commit_packages`] with the detailed error and outcomes.
pub fn commit_packages_as(ctx: &mut Context, names: &[Vec<u8>], action: Action, origin: Origin) -> std::result::Result<Vec<Done>, Failure> {
    commit_packages_with(ctx, names, action, origin, &mut |_| Ok(()))
}

/// [`commit_packages_as`] calling `durable` once the commit is durable,
/// before history and hooks (apply arms its rollback there). An error of
/// `durable` is returned after the hooks ran (the commit stands).
pub fn commit_packages_with(
    ctx: &mut Context,
    names: &[Vec<u8>],
    action: Action,
    origin: Origin,
    durable: &mut dyn FnMut(&[Done]) -> std::result::Result<(), Failure>,
) -> std::result::Result<Vec<Done>, Failure> {
    let mut uniq: Vec<Vec<u8>> = vec![];
    for n in names {
        if !uniq.contains(n) {
            uniq.push(n.clone());
        }
    }
    let mut idxs = vec![];
    for n in &uniq {
        let i = ctx.get_or_load(n).map_err(|e| {
            let detail = ctx.error_string(e.code() as i32, None);
            Failure::msg(e.code(), format!("cannot load {}: {}", String::from_utf8_lossy(n), String::from_utf8_lossy(&detail)))
        })?;
        idxs.push(i);
    }
    let settings = Settings::load(ctx);
    let want = wants_changes(ctx, &settings, origin);
    let mut pkgs: Vec<Package> = idxs.iter().map(|&i| std::mem::take(&mut ctx.packages[i])).collect();
    let r = {
        let sources = pkgs.iter_mut().map(|p| Source::Package { pkg: p, overwrite: false }).collect();
        engine::run(ctx, sources, want)
    };
    if r.is_err() {
        for (&i, p) in idxs.iter().zip(pkgs) {
            ctx.packages[i] = p;
        }
        return Err(r.err().expect("checked"));
    }
    let mut dones = r?;
    if want {
        lend(&mut dones, &mut pkgs, true);
    }
    for (&i, p) in idxs.iter().zip(pkgs) {
        ctx.packages[i] = p;
    }
    let armed = durable(&dones);
    finish(ctx, &settings, &dones, action, origin);
    armed.map(|_| dones)
}

/// The configs (of `list_configs`) with a non-empty delta file in some
/// directory of the delta path: what `ucix commit` commits by default.
pub fn pending_packages(ctx: &Context) -> Vec<Vec<u8>> {
    let names = ctx.list_configs().unwrap_or_default();
    names
        .into_iter()
        .filter(|n| {
            ctx.delta_path.iter().any(|d| {
                let f = crate::store::fsutil::join(d, n);
                std::fs::metadata(path(&f)).map(|m| m.is_file() && m.len() > 0).unwrap_or(false)
            })
        })
        .collect()
}

/// Replaces the committed content of packages with new config text (as
/// exported), atomically: for migrations and rollbacks.
pub fn write_contents(ctx: &mut Context, contents: &[(Vec<u8>, Vec<u8>)], action: Action) -> Result<()> {
    let c: Vec<(Vec<u8>, Option<Vec<u8>>)> = contents.iter().map(|(n, t)| (n.clone(), Some(t.clone()))).collect();
    write_contents_as(ctx, &c, action, Origin::Ucix)?;
    Ok(())
}

/// [`write_contents`] with removal (`None`), the detailed error and outcomes.
pub fn write_contents_as(
    ctx: &mut Context,
    contents: &[(Vec<u8>, Option<Vec<u8>>)],
    action: Action,
    origin: Origin,
) -> std::result::Result<Vec<Done>, Failure> {
    for (n, _) in contents {
        if !crate::lookup::valid_package(n) {
            return Err(Failure::msg(ErrorCode::Inval, format!("invalid package name {}", String::from_utf8_lossy(n))));
        }
    }
    let settings = Settings::load(ctx);
    let want = wants_changes(ctx, &settings, origin);
    let sources = contents.iter().map(|(n, t)| Source::Text { name: n.clone(), text: t.clone() }).collect();
    let dones = engine::run(ctx, sources, want)?;
    finish(ctx, &settings, &dones, action, origin);
    Ok(dones)
}

/// One package of [`replace_contents_as`]: (name, new text or `None` to
/// remove, the bytes the file must still hold or `None`: must not exist).
pub type Replacement = (Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);

/// [`write_contents_as`] for packages whose file must still hold the
/// given bytes (`None`: must not exist): `(name, new text or None to
/// remove, expected current bytes)`. A file that changed meanwhile fails
/// the whole commit, nothing changed.
pub fn replace_contents_as(
    ctx: &mut Context,
    contents: &[Replacement],
    action: Action,
    origin: Origin,
) -> std::result::Result<Vec<Done>, Failure> {
    for (n, _, _) in contents {
        if !crate::lookup::valid_package(n) {
            return Err(Failure::msg(ErrorCode::Inval, format!("invalid package name {}", String::from_utf8_lossy(n))));
        }
    }
    let settings = Settings::load(ctx);
    let want = hooks::wants_changes(ctx, &settings, origin);
    let sources = contents.iter().map(|(n, t, e)| Source::Replace { name: n.clone(), text: t.clone(), expect: e.clone() }).collect();
    let dones = engine::run(ctx, sources, want)?;
    finish(ctx, &settings, &dones, action, origin);
    Ok(dones)
}

/// After a durable commit: history, then hooks and events. Files written
/// by explicit path (not a package loaded by name) get neither.
fn finish(ctx: &mut Context, settings: &Settings, dones: &[Done], action: Action, origin: Origin) {
    let written: Vec<&Done> = dones.iter().filter(|d| d.written && d.by_name).collect();
    if written.is_empty() {
        return;
    }
    record(ctx, settings, &written, action, origin);
    hooks::after_commit(ctx, settings, &written, action, origin);
}

/// Whether a commit needs the parsed packages before and after (change
/// lists for hooks, events or the audit log).
fn wants_changes(ctx: &Context, settings: &Settings, origin: Origin) -> bool {
    audit::enabled(settings) || hooks::wants_changes(ctx, settings, origin)
}

/// After a durable commit, at once (also when the hooks are deferred):
/// the history and the audit log.
fn record(ctx: &Context, settings: &Settings, written: &[&Done], action: Action, origin: Origin) {
    if written.is_empty() {
        return;
    }
    if let Err(e) = history::record(settings, written, action) {
        hooks::report(origin, &format!("cannot record history: {e}"));
    }
    if audit::enabled(settings) {
        if let Err(e) = audit::record(ctx, written, action, origin) {
            hooks::report(origin, &format!("cannot append to the audit log {}: {e}", audit::path().display()));
        }
    }
}
