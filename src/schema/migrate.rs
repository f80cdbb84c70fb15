//! Migrations between schema versions.
//!
//! A schema's `config step` sections, in file order, lead a package from
//! version N-1 to N (`option version 'N'`). Every step names an `action`;
//! the sections it works on are chosen by `type` (every section of that
//! type) and/or `section` (a name or `@type[n]`):
//!
//! | action | parameters | effect |
//! |---|---|---|
//! | `rename_option` | `option`, `to` | renames the option (kept when `to` already exists) |
//! | `rename_type` | `type`, `to` | changes the section type |
//! | `move` | `option`, `to` (`section[.option]`), `to_type` | moves the value into another section (created with `to_type` when missing; kept when the target exists) |
//! | `set_default` | `option`, `value` (a `list value` makes a list) | sets the option where it is unset or empty |
//! | `delete` | `option` (optional), `value` (optional) | deletes the option (or only that list item / that value); without `option` the sections |
//! | `convert` | `option`, `list map 'old=new'` | replaces values (and list items) |
//! | `split_list` | `option`, `separator` (default: spaces and tabs) | turns `'a b c'` into a UCI list |
//! | `batch` | `script` or `list command` | runs `uci batch` commands (`commit` is ignored) |
//!
//! Steps are applied by the core's edit rules to working copies of the
//! committed packages, so every change is recorded as a [`Delta`] and
//! `--dry-run` prints them as `uci changes` does. The result is written by
//! [`crate::txn::write_contents`] as one atomic commit together with the
//! new recorded versions ([`super::version`]). Migrating a package that has
//! uncommitted changes is refused.

use std::collections::BTreeMap;

use super::definition::{lossy, Catalog, Schema, StepSpec};
use super::version::{self, Versions};
use crate::delta::Delta;
use crate::edit;
use crate::error::Error;
use crate::lookup::{self, Ptr, Target};
use crate::model::{Package, Value};
use crate::store::fsutil::{join, path};
use crate::store::Context;

const ACTIONS: &[&str] = &["rename_option", "rename_type", "move", "set_default", "delete", "convert", "split_list", "batch"];

/// Checks a step's parameters (at schema load time).
pub fn check_step(step: &StepSpec) -> Result<(), String> {
    let action = lossy(step.action());
    if !ACTIONS.contains(&action.as_str()) {
        return Err(format!("step for version {}: unknown action '{action}' (one of {})", step.version, ACTIONS.join(", ")));
    }
    let need = |names: &[&str]| -> Result<(), String> {
        for n in names {
            if step.get(n).is_none() {
                return Err(format!("step for version {}: {action} needs option {n}", step.version));
            }
        }
        Ok(())
    };
    match action.as_str() {
        "batch" => {
            if step.get("script").is_none() && step.list("command").is_empty() {
                return Err(format!("step for version {}: batch needs a script or commands", step.version));
            }
            return Ok(());
        }
        "rename_type" => need(&["type", "to"])?,
        "rename_option" => need(&["option", "to"])?,
        "move" => need(&["option", "to"])?,
        "set_default" => need(&["option", "value"])?,
        "convert" => need(&["option", "map"])?,
        "split_list" => need(&["option"])?,
        _ => {}
    }
    if step.get("type").is_none() && step.get("section").is_none() {
        return Err(format!("step for version {}: {action} needs a type or a section", step.version));
    }
    for m in step.list("map") {
        if !m.contains(&b'=') {
            return Err(format!("step for version {}: map '{}' is not old=new", step.version, lossy(&m)));
        }
    }
    Ok(())
}

/// Why a migration cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateError(pub String);

impl std::fmt::Display for MigrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MigrateError {}

fn core(what: &str, e: Error) -> MigrateError {
    MigrateError(format!("{what}: {}", e.code().message()))
}

/// Runs the commands of a `batch` step in a scratch context (confdir and
/// savedir in a temporary directory); supplied by the CLI, which owns the
/// batch interpreter.
pub type ScriptRunner<'a> = dyn FnMut(&Context, &[u8]) -> Result<(), String> + 'a;

/// One package's part of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageMigration {
    pub package: Vec<u8>,
    /// Recorded version (or the schema's initial one).
    pub from: u32,
    pub to: u32,
    /// Whether `from` was recorded.
    pub recorded: bool,
    pub steps: usize,
}

/// What a migration did (or would do).
#[derive(Debug, Default)]
pub struct Outcome {
    pub packages: Vec<PackageMigration>,
    /// Every change, in order, by package.
    pub changes: Vec<(Vec<u8>, Delta)>,
    /// The packages whose content changes (in write order).
    pub written: Vec<Vec<u8>>,
    /// Whether the recorded versions change.
    pub versions_changed: bool,
}

impl Outcome {
    /// The changes as `uci changes` prints them.
    pub fn changes_text(&self) -> Vec<u8> {
        let mut out = vec![];
        for (p, d) in &self.changes {
            crate::delta::format_change(&mut out, p, d);
        }
        out
    }
}

struct Work<'c> {
    ctx: &'c mut Context,
    packages: BTreeMap<Vec<u8>, Package>,
    original: BTreeMap<Vec<u8>, Vec<u8>>,
    changes: Vec<(Vec<u8>, Delta)>,
}

fn export(p: &Package, names: bool) -> Vec<u8> {
    let mut out = vec![];
    crate::write::export(&mut out, p, false, names);
    out
}

impl Work<'_> {
    fn names(&self) -> bool {
        self.ctx.flags & crate::store::FLAG_EXPORT_NAME != 0
    }

    /// Loads the committed package `name` as a working copy (once).
    fn load(&mut self, name: &[u8]) -> Result<&mut Package, MigrateError> {
        if !self.packages.contains_key(name) {
            let p = self.ctx.read_package(name, &|_| false).map_err(|e| core(&lossy(name), e))?;
            if !p.saved_delta.is_empty() {
                return Err(MigrateError(format!(
                    "{} has uncommitted changes; commit or revert them before migrating",
                    lossy(name)
                )));
            }
            let mut p = p;
            p.has_delta = true;
            self.original.insert(name.to_vec(), export(&p, self.names()));
            self.packages.insert(name.to_vec(), p);
        }
        Ok(self.packages.get_mut(name).expect("inserted above"))
    }

    fn record(&mut self, name: &[u8]) {
        if let Some(p) = self.packages.get_mut(name) {
            for d in p.delta.drain(..) {
                self.changes.push((name.to_vec(), d));
            }
        }
    }
}

fn section_names(p: &Package, step: &StepSpec) -> Vec<Vec<u8>> {
    if let Some(sec) = step.get("section") {
        let mut ptr = Ptr {
            package: Some(p.name.clone()),
            section: Some(sec.to_vec()),
            flags: if lookup::valid_name(sec) { 0 } else { lookup::LOOKUP_EXTENDED },
            ..Default::default()
        };
        if lookup::resolve(p, &mut ptr, true).is_err() {
            return vec![];
        }
        return match ptr.s {
            Some(si) if step.get("type").is_none_or(|t| p.sections[si].stype == t) => vec![p.sections[si].name.to_vec()],
            _ => vec![],
        };
    }
    let t = step.get("type").unwrap_or_default();
    p.sections.iter().filter(|s| s.stype == t).map(|s| s.name.to_vec()).collect()
}

fn ptr(p: &Package, section: &[u8], option: Option<&[u8]>, value: Option<&[u8]>) -> Ptr {
    Ptr {
        target: if option.is_some() { Target::Option } else { Target::Section },
        package: Some(p.name.clone()),
        section: Some(section.to_vec()),
        option: option.map(<[u8]>::to_vec),
        value: value.map(<[u8]>::to_vec),
        ..Default::default()
    }
}

fn value_of(p: &Package, section: &[u8], option: &[u8]) -> Option<Value> {
    p.section(section)?.option(option).map(|o| o.value.clone())
}

fn is_unset(v: &Option<Value>) -> bool {
    match v {
        None => true,
        Some(Value::Str(s)) => s.is_empty(),
        Some(Value::List(l)) => l.iter().all(|t| t.is_empty()),
    }
}

/// Replaces the option by `items` (a list, or a string when `as_list` is false).
fn put<B: AsRef<[u8]>>(p: &mut Package, sec: &[u8], opt: &[u8], items: &[B], as_list: bool) -> crate::Result<()> {
    let existing = p.section(sec).and_then(|s| s.option(opt)).map(|o| o.value.is_list());
    if existing == Some(true) || (existing.is_some() && as_list) {
        edit::delete(p, &mut ptr(p, sec, Some(opt), None), false)?;
    }
    if as_list {
        for it in items {
            edit::add_list(p, &mut ptr(p, sec, Some(opt), Some(it.as_ref())), false)?;
        }
    } else if let Some(v) = items.first() {
        edit::set(p, &mut ptr(p, sec, Some(opt), Some(v.as_ref())), false)?;
    }
    Ok(())
}

fn split_value(v: &[u8], sep: Option<&[u8]>) -> Vec<Vec<u8>> {
    match sep {
        Some(sep) if !sep.is_empty() => {
            let mut out = vec![];
            let mut rest = v;
            while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
                out.push(rest[..i].to_vec());
                rest = &rest[i + sep.len()..];
            }
            out.push(rest.to_vec());
            out.into_iter().filter(|x| !x.is_empty()).collect()
        }
        _ => v.split(|&c| c == b' ' || c == b'\t').filter(|x| !x.is_empty()).map(<[u8]>::to_vec).collect(),
    }
}

/// Applies one declarative step to `p`.
fn apply_step(p: &mut Package, step: &StepSpec) -> crate::Result<()> {
    let action = step.action().to_vec();
    let opt = step.get("option").map(<[u8]>::to_vec);
    let to = step.get("to").map(<[u8]>::to_vec);
    for sec in section_names(p, step) {
        let cur = opt.as_deref().and_then(|o| value_of(p, &sec, o));
        match &action[..] {
            b"rename_type" => {
                edit::set(p, &mut ptr(p, &sec, None, to.as_deref()), false)?;
            }
            b"rename_option" => {
                let (o, to) = (opt.as_deref().unwrap_or_default(), to.as_deref().unwrap_or_default());
                if cur.is_some() && value_of(p, &sec, to).is_none() {
                    edit::rename(p, &mut ptr(p, &sec, Some(o), Some(to)), false)?;
                }
            }
            b"move" => {
                let o = opt.as_deref().unwrap_or_default();
                let Some(v) = cur else { continue };
                let to = to.as_deref().unwrap_or_default();
                let (dsec, dopt) = match to.iter().position(|&c| c == b'.') {
                    Some(i) => (to[..i].to_vec(), to[i + 1..].to_vec()),
                    None => (to.to_vec(), o.to_vec()),
                };
                let mut dp = ptr(p, &dsec, None, None);
                if !lookup::valid_name(&dsec) {
                    dp.flags |= lookup::LOOKUP_EXTENDED;
                }
                lookup::resolve(p, &mut dp, true)?;
                let dname = match dp.s {
                    Some(si) => p.sections[si].name.to_vec(),
                    None => match step.get("to_type") {
                        Some(t) if lookup::valid_name(&dsec) => {
                            edit::set(p, &mut ptr(p, &dsec, None, Some(t)), false)?;
                            dsec.clone()
                        }
                        _ => continue,
                    },
                };
                if dname == sec && dopt == o {
                    continue;
                }
                if is_unset(&value_of(p, &dname, &dopt)) {
                    match &v {
                        Value::Str(s) => put(p, &dname, &dopt, std::slice::from_ref(s), false)?,
                        Value::List(l) => put(p, &dname, &dopt, l, true)?,
                    }
                }
                edit::delete(p, &mut ptr(p, &sec, Some(o), None), false)?;
            }
            b"set_default" => {
                if is_unset(&cur) {
                    let o = opt.as_deref().unwrap_or_default();
                    let as_list = step.section.option(b"value").is_some_and(|x| x.value.is_list());
                    put(p, &sec, o, &step.list("value"), as_list)?;
                }
            }
            b"delete" => match opt.as_deref() {
                None => {
                    edit::delete(p, &mut ptr(p, &sec, None, None), false)?;
                }
                Some(o) => {
                    let want = step.get("value");
                    match (cur, want) {
                        (None, _) => {}
                        (Some(_), None) => {
                            edit::delete(p, &mut ptr(p, &sec, Some(o), None), false)?;
                        }
                        (Some(Value::Str(s)), Some(w)) if s == w => {
                            edit::delete(p, &mut ptr(p, &sec, Some(o), None), false)?;
                        }
                        (Some(Value::List(l)), Some(w)) if l.iter().any(|x| x == w) => {
                            edit::del_list(p, &mut ptr(p, &sec, Some(o), Some(w)), false)?;
                        }
                        _ => {}
                    }
                }
            },
            b"convert" => {
                let o = opt.as_deref().unwrap_or_default();
                let map: Vec<(Vec<u8>, Vec<u8>)> = step
                    .list("map")
                    .into_iter()
                    .filter_map(|m| m.iter().position(|&c| c == b'=').map(|i| (m[..i].to_vec(), m[i + 1..].to_vec())))
                    .collect();
                let conv = |x: &[u8]| map.iter().find(|(a, _)| a == x).map(|(_, b)| b.clone()).unwrap_or_else(|| x.to_vec());
                match cur {
                    Some(Value::Str(s)) => {
                        let n = conv(&s);
                        if n != s {
                            put(p, &sec, o, &[n], false)?;
                        }
                    }
                    Some(Value::List(l)) => {
                        let n: Vec<Vec<u8>> = l.iter().map(|x| conv(x)).collect();
                        if n != l {
                            put(p, &sec, o, &n, true)?;
                        }
                    }
                    None => {}
                }
            }
            b"split_list" => {
                let o = opt.as_deref().unwrap_or_default();
                let sep = step.get("separator");
                match cur {
                    Some(Value::Str(s)) => put(p, &sec, o, &split_value(&s, sep), true)?,
                    Some(Value::List(l)) => {
                        let n: Vec<Vec<u8>> = l.iter().flat_map(|x| split_value(x, sep)).collect();
                        if n != l {
                            put(p, &sec, o, &n, true)?;
                        }
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The script of a batch step.
fn script_of(step: &StepSpec) -> Vec<u8> {
    let mut s = step.get("script").map(<[u8]>::to_vec).unwrap_or_default();
    for c in step.list("command") {
        if !s.is_empty() && !s.ends_with(b"\n") {
            s.push(b'\n');
        }
        s.extend_from_slice(&c);
        s.push(b'\n');
    }
    s
}

impl Work<'_> {
    /// Runs a batch step on the working copies, in a scratch directory
    /// holding every config as it stands.
    fn batch(&mut self, step: &StepSpec, runner: &mut ScriptRunner<'_>) -> Result<(), MigrateError> {
        let io = |e: std::io::Error| MigrateError(format!("batch step: {e}"));
        let tmp = tempfile::Builder::new().prefix("ucix-migrate-").tempdir().map_err(io)?;
        let conf = tmp.path().join("config");
        let delta = tmp.path().join("delta");
        std::fs::create_dir(&conf).map_err(io)?;
        std::fs::create_dir(&delta).map_err(io)?;
        let names = self.ctx.list_configs().unwrap_or_default();
        for n in &names {
            let target = conf.join(std::ffi::OsStr::new(&lossy(n)));
            match self.packages.get(n) {
                Some(p) => std::fs::write(&target, export(p, false)).map_err(io)?,
                None => {
                    let src = self.ctx.config_path(n).0;
                    std::fs::copy(path(&src), &target).map_err(io)?;
                }
            }
        }
        use std::os::unix::ffi::OsStrExt;
        let mut scratch = Context::new();
        scratch.set_confdir(conf.as_os_str().as_bytes());
        scratch.set_conf2dir(None);
        scratch.delta_path.clear();
        scratch.set_savedir(delta.as_os_str().as_bytes());
        scratch.flags = self.ctx.flags & !crate::store::FLAG_PERROR;
        runner(&scratch, &script_of(step)).map_err(|e| MigrateError(format!("batch step for version {}: {e}", step.version)))?;
        for n in names {
            let has_changes = std::fs::metadata(path(&join(delta.as_os_str().as_bytes(), &n))).is_ok_and(|m| m.len() > 0);
            if !has_changes {
                continue;
            }
            self.load(&n)?;
            let mut p = scratch.read_package(&n, &|_| false).map_err(|e| core(&lossy(&n), e))?;
            for d in std::mem::take(&mut p.saved_delta) {
                self.changes.push((n.clone(), d));
            }
            p.delta.clear();
            self.packages.insert(n, p);
        }
        Ok(())
    }
}

/// Plans (and unless `dry_run`, performs) the migration of `packages` (every
/// config with a schema when empty). Returns what was (or would be) done.
pub fn migrate(
    ctx: &mut Context,
    catalog: &Catalog,
    packages: &[Vec<u8>],
    dry_run: bool,
    runner: &mut ScriptRunner<'_>,
) -> Result<Outcome, MigrateError> {
    crate::txn::recover(ctx);
    let configs = ctx.list_configs().unwrap_or_default();
    let names: Vec<Vec<u8>> = if packages.is_empty() {
        catalog.names().into_iter().filter(|n| configs.contains(n)).collect()
    } else {
        packages.to_vec()
    };
    let mut schemas: Vec<Schema> = vec![];
    for n in &names {
        match catalog.load(n) {
            Err(e) => return Err(MigrateError(e.to_string())),
            Ok(None) => return Err(MigrateError(format!("no schema for {}", lossy(n)))),
            Ok(Some(s)) => schemas.push(s),
        }
    }
    let recorded = version::read(ctx);
    let mut versions: Versions = recorded.clone();
    let mut out = Outcome::default();
    let mut work = Work { ctx, packages: BTreeMap::new(), original: BTreeMap::new(), changes: vec![] };
    for s in &schemas {
        if !configs.contains(&s.package) {
            if !packages.is_empty() {
                return Err(MigrateError(format!("{}: Entry not found", lossy(&s.package))));
            }
            continue;
        }
        let from = recorded.get(&s.package).copied();
        let cur = from.unwrap_or(s.initial);
        if cur > s.version {
            return Err(MigrateError(format!(
                "{}: recorded version {cur} is newer than its schema (version {})",
                lossy(&s.package),
                s.version
            )));
        }
        let steps = s.steps_between(cur, s.version);
        if !steps.is_empty() {
            work.load(&s.package)?;
        }
        for step in &steps {
            if step.action() == b"batch" {
                work.batch(step, runner)?;
                continue;
            }
            let p = work.load(&s.package)?;
            apply_step(p, step).map_err(|e| {
                core(&format!("{}: step '{}' for version {}", lossy(&s.package), lossy(step.action()), step.version), e)
            })?;
            work.record(&s.package);
        }
        versions.insert(s.package.clone(), s.version);
        if from != Some(s.version) || !steps.is_empty() {
            out.packages.push(PackageMigration {
                package: s.package.clone(),
                from: cur,
                to: s.version,
                recorded: from.is_some(),
                steps: steps.len(),
            });
        }
    }
    let names_flag = work.names();
    let mut contents: Vec<(Vec<u8>, Vec<u8>)> = vec![];
    for (n, p) in &work.packages {
        let text = export(p, names_flag);
        if work.original.get(n) != Some(&text) {
            contents.push((n.clone(), text));
        }
    }
    out.written = contents.iter().map(|(n, _)| n.clone()).collect();
    out.changes = std::mem::take(&mut work.changes);
    out.versions_changed = versions != recorded;
    if out.versions_changed {
        contents.push((version::FILE.as_bytes().to_vec(), version::render(&versions)));
    }
    if !dry_run && !contents.is_empty() {
        crate::txn::write_contents(work.ctx, &contents, crate::txn::Action::Migrate)
            .map_err(|e| core("writing the migrated configs", e))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::definition::parse;

    fn run(config: &str, steps: &str) -> (String, String) {
        let schema = format!("config schema\n\toption version '2'\n\n{steps}");
        let s = parse(schema.as_bytes(), b"t", "test").unwrap();
        let mut p = crate::syntax::statement::parse_package(config.as_bytes(), b"t", true).unwrap();
        p.has_delta = true;
        for st in s.steps_between(1, 2) {
            apply_step(&mut p, st).unwrap();
        }
        let mut ch = vec![];
        for d in &p.delta {
            crate::delta::format_change(&mut ch, b"t", d);
        }
        (lossy(&export(&p, false)), lossy(&ch))
    }

    const CONF: &str = "config interface 'lan'\n\toption ifname 'eth0 eth1'\n\toption proto 'static'\n\nconfig interface 'wan'\n\toption ifname 'eth2'\n\toption proto 'pppoa'\n\nconfig globals 'globals'\n";

    #[test]
    fn rename_option_and_type() {
        let (text, ch) = run(CONF, "config step\n\toption version '2'\n\toption action 'rename_option'\n\toption type 'interface'\n\toption option 'ifname'\n\toption to 'device'\n");
        assert!(text.contains("option device 'eth0 eth1'") && !text.contains("ifname"));
        assert_eq!(ch, "t.lan.ifname='device'\nt.wan.ifname='device'\n");
        let (text, _) = run(CONF, "config step\n\toption version '2'\n\toption action 'rename_type'\n\toption type 'globals'\n\toption to 'global'\n");
        assert!(text.contains("config global 'globals'"));
    }

    #[test]
    fn split_convert_default_delete_move() {
        let (text, ch) = run(CONF, "config step\n\toption version '2'\n\toption action 'split_list'\n\toption section 'lan'\n\toption option 'ifname'\n");
        assert!(text.contains("\tlist ifname 'eth0'\n\tlist ifname 'eth1'\n"), "{text}");
        assert_eq!(ch, "-t.lan.ifname\nt.lan.ifname+='eth0'\nt.lan.ifname+='eth1'\n");
        let (text, _) = run(CONF, "config step\n\toption version '2'\n\toption action 'convert'\n\toption type 'interface'\n\toption option 'proto'\n\tlist map 'pppoa=pppoe'\n");
        assert!(text.contains("option proto 'pppoe'") && text.contains("option proto 'static'"));
        let (text, _) = run(CONF, "config step\n\toption version '2'\n\toption action 'set_default'\n\toption section '@interface[-1]'\n\toption option 'mtu'\n\toption value '1492'\n");
        assert_eq!(text.matches("mtu").count(), 1);
        assert!(text.contains("option proto 'pppoa'\n\toption mtu '1492'"));
        let (text, _) = run(CONF, "config step\n\toption version '2'\n\toption action 'delete'\n\toption type 'interface'\n\toption option 'proto'\n\toption value 'pppoa'\n");
        assert_eq!(text.matches("proto").count(), 1);
        let (text, _) = run(CONF, "config step\n\toption version '2'\n\toption action 'delete'\n\toption section 'wan'\n");
        assert!(!text.contains("wan"));
        let (text, ch) = run(CONF, "config step\n\toption version '2'\n\toption action 'move'\n\toption section 'lan'\n\toption option 'proto'\n\toption to 'globals.lan_proto'\n");
        assert!(text.contains("config globals 'globals'\n\toption lan_proto 'static'"), "{text}");
        assert_eq!(ch, "t.globals.lan_proto='static'\n-t.lan.proto\n");
        let (text, _) = run(CONF, "config step\n\toption version '2'\n\toption action 'move'\n\toption section 'wan'\n\toption option 'proto'\n\toption to 'dsl'\n\toption to_type 'dsl'\n");
        assert!(text.ends_with("config dsl 'dsl'\n\toption proto 'pppoa'\n\n"), "{text}");
    }

    #[test]
    fn steps_are_idempotent() {
        let steps = "config step\n\toption version '2'\n\toption action 'rename_option'\n\toption type 'interface'\n\toption option 'ifname'\n\toption to 'device'\n\n\
                     config step\n\toption version '2'\n\toption action 'split_list'\n\toption type 'interface'\n\toption option 'device'\n";
        let (once, _) = run(CONF, steps);
        let (twice, ch) = run(&once, steps);
        assert_eq!(once, twice);
        assert_eq!(ch, "");
    }
}
