//! The operations of the bus service on one caller's context, without
//! anything of D-Bus: each names its packages for the acl check, and goes
//! through the core's lookup, edit, save and commit like `uci` does.
//!
//! Every caller has its own staging directory `$UCIX_STATE_DIR/serve/<uid>/`
//! (the context's savedir and its only delta directory): `Set`, `Add`, …
//! append there, `Changes` and `Revert` read and drop from there, `Commit`
//! commits exactly those changes through the journaled engine. Nothing is
//! kept in memory between calls, so the service can be restarted at any time.
#![forbid(unsafe_code)]

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;

use crate::audit::{Actor, EntryPoint};
use crate::delta::{self, Cmd};
use crate::edit;
use crate::error::{Error, ErrorCode};
use crate::lookup::{self, Ptr};
use crate::model::{Package, Section, Value};
use crate::store::{fsutil, paths, Context};
use crate::syntax::Stream;
use crate::txn::{self, apply, Action, Failure, Origin};

/// Why an operation failed (each becomes a D-Bus error name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AccessDenied,
    InvalidArgs,
    NotFound,
    Io,
    /// A rollback is pending (`Confirm` or `Rollback` first).
    RollbackPending,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    pub kind: Kind,
    pub msg: String,
}

pub type OpResult<T> = Result<T, OpError>;

pub fn err<T>(kind: Kind, msg: impl Into<String>) -> OpResult<T> {
    Err(OpError { kind, msg: msg.into() })
}

fn kind_of(code: ErrorCode) -> Kind {
    match code {
        ErrorCode::NotFound => Kind::NotFound,
        ErrorCode::Inval | ErrorCode::Parse | ErrorCode::Duplicate => Kind::InvalidArgs,
        ErrorCode::Io => Kind::Io,
        _ => Kind::Failed,
    }
}

fn from_error(e: Error, what: &str) -> OpError {
    OpError { kind: kind_of(e.code()), msg: format!("{what}: {}", e.code().message()) }
}

fn from_failure(f: Failure) -> OpError {
    OpError { kind: kind_of(f.code), msg: f.msg }
}

/// The directories the service was started with (`ucix -c … serve`).
#[derive(Debug, Clone)]
pub struct Base {
    pub confdir: Vec<u8>,
    pub conf2dir: Option<Vec<u8>>,
    pub flags: u32,
}

/// `$UCIX_STATE_DIR/serve`.
pub fn serve_dir() -> PathBuf {
    paths::state_dir().join("serve")
}

/// The staging directory of `uid`.
pub fn stage_dir(uid: u32) -> PathBuf {
    serve_dir().join(uid.to_string())
}

impl Base {
    /// A fresh context for a call of `uid` (process `pid`), staging in its
    /// own directory (created, mode 0700).
    pub fn context(&self, uid: u32, pid: u32) -> OpResult<Context> {
        let dir = stage_dir(uid);
        if !dir.is_dir() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .or_else(|e| err(Kind::Io, format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut c = Context::new();
        c.confdir = self.confdir.clone();
        c.conf2dir = self.conf2dir.clone();
        c.flags = self.flags;
        let sd = dir.as_os_str().as_bytes().to_vec();
        c.savedir = sd.clone();
        c.delta_path = vec![sd];
        c.actor = Some(Actor { uid, pid, entry: EntryPoint::Bus });
        Ok(c)
    }
}

/// Checks a package name: `[A-Za-z0-9_-]+` over the bus (a file name in
/// the config directory, never a path).
pub fn check_package(config: &str) -> OpResult<()> {
    let plain = config.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if !plain || !lookup::valid_package(config.as_bytes()) {
        return err(Kind::InvalidArgs, format!("invalid package name {config:?}"));
    }
    Ok(())
}

fn check_section(section: &str) -> OpResult<()> {
    let ok = lookup::valid_name(section.as_bytes()) || (section.starts_with('@') && lookup::parse_extended(section.as_bytes()).is_some());
    if !ok {
        return err(Kind::InvalidArgs, format!("invalid section name {section:?}"));
    }
    Ok(())
}

fn check_option(option: &str) -> OpResult<()> {
    if !lookup::valid_name(option.as_bytes()) {
        return err(Kind::InvalidArgs, format!("invalid option name {option:?}"));
    }
    Ok(())
}

fn check_type(t: &str) -> OpResult<()> {
    if t.is_empty() || !lookup::valid_type(t.as_bytes()) {
        return err(Kind::InvalidArgs, format!("invalid section type {t:?}"));
    }
    Ok(())
}

/// `config[.section[.option]][=value]`, every name checked.
fn tuple(config: &str, section: &str, option: &str, value: Option<&[u8]>) -> OpResult<Vec<u8>> {
    check_package(config)?;
    let mut t = config.as_bytes().to_vec();
    if !section.is_empty() {
        check_section(section)?;
        t.push(b'.');
        t.extend_from_slice(section.as_bytes());
        if !option.is_empty() {
            check_option(option)?;
            t.push(b'.');
            t.extend_from_slice(option.as_bytes());
        }
    } else if !option.is_empty() {
        return err(Kind::InvalidArgs, "an option needs a section");
    }
    if let Some(v) = value {
        t.push(b'=');
        t.extend_from_slice(v);
    }
    Ok(t)
}

fn lookup_in(ctx: &mut Context, t: &[u8]) -> OpResult<(usize, Ptr)> {
    let mut ptr = Ptr::default();
    let shown = String::from_utf8_lossy(t).into_owned();
    let i = ctx.lookup(&mut ptr, Some(t), true).map_err(|e| from_error(e, &shown))?;
    Ok((i, ptr))
}

/// What `Get` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    Option(Value),
    /// The section and its index in the package.
    Section(Section, usize),
    Package(Vec<Section>),
}

/// `Get`: an option's value, a section, or a whole package, with the
/// caller's staged changes applied.
pub fn get(ctx: &mut Context, config: &str, section: &str, option: &str) -> OpResult<Got> {
    let t = tuple(config, section, option, None)?;
    let (i, ptr) = lookup_in(ctx, &t)?;
    let p = &ctx.packages[i];
    let missing = || err(Kind::NotFound, format!("{}: not found", String::from_utf8_lossy(&t)));
    if section.is_empty() {
        return Ok(Got::Package(p.sections.clone()));
    }
    let Some(si) = ptr.s else { return missing() };
    if option.is_empty() {
        return Ok(Got::Section(p.sections[si].clone(), si));
    }
    match ptr.o {
        Some(oi) => Ok(Got::Option(p.sections[si].options[oi].value.clone())),
        None => missing(),
    }
}

fn set_one(ctx: &mut Context, config: &str, section: &str, option: &str, value: &Value) -> OpResult<()> {
    check_option(option)?;
    match value {
        Value::Str(v) => {
            let t = tuple(config, section, option, Some(v))?;
            let (i, mut ptr) = lookup_in(ctx, &t)?;
            edit::set(&mut ctx.packages[i], &mut ptr, false).map_err(|e| from_error(e, option))?;
        }
        Value::List(items) => {
            let t = tuple(config, section, option, None)?;
            let (i, mut ptr) = lookup_in(ctx, &t)?;
            if ptr.o.is_some() {
                edit::delete(&mut ctx.packages[i], &mut ptr, false).map_err(|e| from_error(e, option))?;
            }
            for v in items {
                let t = tuple(config, section, option, Some(v))?;
                let (i, mut ptr) = lookup_in(ctx, &t)?;
                edit::add_list(&mut ctx.packages[i], &mut ptr, false).map_err(|e| from_error(e, option))?;
            }
        }
    }
    Ok(())
}

fn save(ctx: &mut Context, config: &str) -> OpResult<()> {
    let i = ctx.find(config.as_bytes()).ok_or_else(|| OpError { kind: Kind::Failed, msg: "package not loaded".into() })?;
    ctx.save(i).map_err(|e| from_error(e, &format!("cannot stage the change of {config}")))
}

/// The section name `section` resolves to (extended `@type[n]` too).
fn resolve_section(ctx: &mut Context, config: &str, section: &str) -> OpResult<String> {
    let t = tuple(config, section, "", None)?;
    let (i, ptr) = lookup_in(ctx, &t)?;
    match ptr.s {
        Some(si) => Ok(String::from_utf8_lossy(&ctx.packages[i].sections[si].name).into_owned()),
        None => err(Kind::NotFound, format!("{config}.{section}: not found")),
    }
}

/// `Set`: options of an existing section (a list replaces the option; an
/// empty string deletes it, as `uci set` does).
pub fn set(ctx: &mut Context, config: &str, section: &str, values: &[(String, Value)]) -> OpResult<()> {
    if section.is_empty() {
        return err(Kind::InvalidArgs, "Set needs a section");
    }
    let name = resolve_section(ctx, config, section)?;
    for (o, _) in values {
        check_option(o)?;
    }
    for (o, v) in values {
        set_one(ctx, config, &name, o, v)?;
    }
    save(ctx, config)
}

/// `Add`: a new section of `stype`, named `name` (empty: anonymous),
/// with `values`. Returns its name.
pub fn add(ctx: &mut Context, config: &str, stype: &str, name: &str, values: &[(String, Value)]) -> OpResult<String> {
    check_package(config)?;
    check_type(stype)?;
    for (o, _) in values {
        check_option(o)?;
    }
    let sname = if name.is_empty() {
        let i = ctx.get_or_load(config.as_bytes()).map_err(|e| from_error(e, config))?;
        let si = edit::add_section(&mut ctx.packages[i], stype.as_bytes(), false);
        String::from_utf8_lossy(&ctx.packages[i].sections[si].name).into_owned()
    } else {
        if !lookup::valid_name(name.as_bytes()) {
            return err(Kind::InvalidArgs, format!("invalid section name {name:?}"));
        }
        let t = tuple(config, name, "", Some(stype.as_bytes()))?;
        let (i, mut ptr) = lookup_in(ctx, &t)?;
        edit::set(&mut ctx.packages[i], &mut ptr, false).map_err(|e| from_error(e, name))?;
        name.to_string()
    };
    for (o, v) in values {
        set_one(ctx, config, &sname, o, v)?;
    }
    save(ctx, config)?;
    Ok(sname)
}

/// `Delete`: an option, or the section when `option` is empty.
pub fn delete(ctx: &mut Context, config: &str, section: &str, option: &str) -> OpResult<()> {
    if section.is_empty() {
        return err(Kind::InvalidArgs, "Delete needs a section");
    }
    let t = tuple(config, section, option, None)?;
    let (i, mut ptr) = lookup_in(ctx, &t)?;
    if ptr.s.is_none() || (!option.is_empty() && ptr.o.is_none()) {
        return err(Kind::NotFound, format!("{}: not found", String::from_utf8_lossy(&t)));
    }
    edit::delete(&mut ctx.packages[i], &mut ptr, false).map_err(|e| from_error(e, &String::from_utf8_lossy(&t)))?;
    save(ctx, config)
}

/// `Rename`: an option, or the section when `option` is empty.
pub fn rename(ctx: &mut Context, config: &str, section: &str, option: &str, name: &str) -> OpResult<()> {
    if section.is_empty() {
        return err(Kind::InvalidArgs, "Rename needs a section");
    }
    if !lookup::valid_name(name.as_bytes()) {
        return err(Kind::InvalidArgs, format!("invalid new name {name:?}"));
    }
    let t = tuple(config, section, option, Some(name.as_bytes()))?;
    let (i, mut ptr) = lookup_in(ctx, &t)?;
    if ptr.s.is_none() || (!option.is_empty() && ptr.o.is_none()) {
        return err(Kind::NotFound, format!("{config}.{section}: not found"));
    }
    edit::rename(&mut ctx.packages[i], &mut ptr, false).map_err(|e| from_error(e, name))?;
    save(ctx, config)
}

/// `Order`: moves the named sections to positions 0, 1, … in that order.
pub fn order(ctx: &mut Context, config: &str, sections: &[String]) -> OpResult<()> {
    let mut names = vec![];
    for s in sections {
        names.push(resolve_section(ctx, config, s)?);
    }
    let i = ctx.get_or_load(config.as_bytes()).map_err(|e| from_error(e, config))?;
    for (pos, n) in names.iter().enumerate() {
        let p: &mut Package = &mut ctx.packages[i];
        let Some(si) = p.section_index(n.as_bytes()) else { return err(Kind::NotFound, format!("{config}.{n}: not found")) };
        edit::reorder(p, si, pos as i32, false).map_err(|e| from_error(e, n))?;
    }
    save(ctx, config)
}

/// One staged change: (op, section, option, value) with op one of `add`,
/// `remove`, `set`, `rename`, `order`, `list-add`, `list-del`.
pub type Change = (String, String, String, String);

fn op_name(c: Cmd) -> &'static str {
    match c {
        Cmd::Add => "add",
        Cmd::Remove => "remove",
        Cmd::Change => "set",
        Cmd::Rename => "rename",
        Cmd::Reorder => "order",
        Cmd::ListAdd => "list-add",
        Cmd::ListDel => "list-del",
    }
}

/// The caller's staged changes of `config` (empty: of every package with some).
pub fn changes(ctx: &mut Context, config: &str) -> OpResult<Vec<(String, Vec<Change>)>> {
    let names: Vec<String> = if config.is_empty() {
        staged(ctx)
    } else {
        check_package(config)?;
        vec![config.to_string()]
    };
    let mut out = vec![];
    for n in names {
        let f = fsutil::join(&ctx.savedir, n.as_bytes());
        let Ok(bytes) = std::fs::read(fsutil::path(&f)) else { continue };
        let Some(lines) = delta::parse_all(&mut Stream::from_bytes(&bytes)) else {
            return err(Kind::Failed, format!("the staged changes of {n} cannot be read"));
        };
        let text = |b: &Option<Vec<u8>>| b.as_deref().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
        let list: Vec<Change> = lines
            .iter()
            .map(|l| {
                let d = &l.delta;
                (op_name(d.cmd).to_string(), String::from_utf8_lossy(&d.section).into_owned(), text(&d.option), text(&d.value))
            })
            .collect();
        if !list.is_empty() {
            out.push((n, list));
        }
    }
    Ok(out)
}

/// The packages the caller has staged changes for.
pub fn staged(ctx: &Context) -> Vec<String> {
    txn::pending_packages(ctx).iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect()
}

/// `Revert`: drops the caller's staged changes of `config`.
pub fn revert(ctx: &mut Context, config: &str) -> OpResult<()> {
    check_package(config)?;
    let f = fsutil::join(&ctx.savedir, config.as_bytes());
    match std::fs::remove_file(fsutil::path(&f)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => err(Kind::Io, format!("cannot revert {config}: {e}")),
        _ => Ok(()),
    }
}

/// The packages a `Commit`/`Apply` of `configs` concerns (empty: all staged).
pub fn commit_set(ctx: &Context, configs: &[String]) -> OpResult<Vec<String>> {
    for c in configs {
        check_package(c)?;
    }
    Ok(if configs.is_empty() { staged(ctx) } else { configs.to_vec() })
}

fn refuse_if_pending() -> OpResult<()> {
    apply::expire_if_due(Origin::Background);
    match apply::refusal() {
        Some(m) => err(Kind::RollbackPending, m),
        None => Ok(()),
    }
}

/// `Commit`: the caller's staged changes of `configs`, atomically. Returns
/// the packages written.
pub fn commit(ctx: &mut Context, configs: &[String]) -> OpResult<Vec<String>> {
    refuse_if_pending()?;
    let names: Vec<Vec<u8>> = configs.iter().map(|c| c.as_bytes().to_vec()).collect();
    if names.is_empty() {
        return Ok(vec![]);
    }
    let done = txn::commit_packages_as(ctx, &names, Action::Commit, Origin::Ucix).map_err(from_failure)?;
    Ok(done.into_iter().filter(|d| d.written).map(|d| String::from_utf8_lossy(&d.name).into_owned()).collect())
}

/// `Apply`: commits like `Commit` and rolls back after `timeout` seconds
/// unless `Confirm` comes first.
pub fn apply_changes(ctx: &mut Context, configs: &[String], timeout: u64) -> OpResult<Vec<String>> {
    refuse_if_pending()?;
    let names: Vec<Vec<u8>> = configs.iter().map(|c| c.as_bytes().to_vec()).collect();
    if names.is_empty() {
        return err(Kind::InvalidArgs, "no staged changes");
    }
    let exe = std::env::current_exe().or_else(|e| err(Kind::Failed, format!("cannot find the ucix executable: {e}")))?;
    let timeout = if timeout == 0 { crate::hooks::settings::Settings::load(ctx).apply_timeout } else { timeout };
    let done = apply::apply(ctx, &names, timeout, &exe).map_err(from_failure)?;
    Ok(done.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect())
}

/// The packages of the pending apply (for the acl check of `Confirm` and `Rollback`).
pub fn pending_packages() -> OpResult<Vec<String>> {
    apply::expire_if_due(Origin::Background);
    match apply::pending() {
        Some(p) => Ok(p.packages.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect()),
        None => err(Kind::NotFound, "no apply is pending"),
    }
}

pub fn confirm(ctx: &Context) -> OpResult<String> {
    apply::confirm_as(ctx.actor).map_err(from_failure)
}

pub fn rollback(ctx: &Context) -> OpResult<Vec<String>> {
    let done = apply::rollback_as(ctx.actor).map_err(from_failure)?;
    Ok(done.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect())
}

/// `Configs`: the package names of the config directory.
pub fn configs(ctx: &Context) -> Vec<String> {
    ctx.list_configs().unwrap_or_default().iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect()
}
