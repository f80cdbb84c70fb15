//! `ucix` commands of the schema issue: `validate`, `migrate`, and the
//! enforcement of schemas that opt in (`option enforce '1'`) on `ucix set`,
//! `ucix add_list` and `ucix commit`.

use std::ffi::OsString;
use std::io::{BufReader, Cursor, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::cli::uci::{self, Session};
use crate::delta::Cmd;
use crate::lookup::Ptr;
use crate::schema::datatypes;
use crate::schema::definition::lossy;
use crate::schema::migrate;
use crate::schema::validate::{self, Issue, Options};
use crate::schema::{Catalog, ContextResolver, Schema};
use crate::store::Context;
use crate::syntax::Stream;

/// The clap definitions of this module's commands.
pub fn commands() -> Vec<Command> {
    vec![
        Command::new("validate")
            .about("Check configs against their schemas, or one value against a datatype")
            .override_usage("ucix validate [<config>[.<section>[.<option>]]] [--json] [--strict]\n       ucix validate --datatype <TYPE> <VALUE>")
            .arg(
                Arg::new("target")
                    .value_name("CONFIG|VALUE")
                    .value_parser(clap::value_parser!(OsString))
                    .allow_hyphen_values(true)
                    .help("config, section or option to check (with --datatype: the value)"),
            )
            .arg(
                Arg::new("datatype")
                    .long("datatype")
                    .value_name("TYPE")
                    .value_parser(clap::value_parser!(OsString))
                    .allow_hyphen_values(true)
                    .help("check VALUE against a datatype expression (exit 0 valid, 1 invalid, 2 malformed)"),
            )
            .arg(Arg::new("json").long("json").action(ArgAction::SetTrue).help("print the result as JSON"))
            .arg(
                Arg::new("strict")
                    .long("strict")
                    .action(ArgAction::SetTrue)
                    .help("also report options and section types the schema does not know"),
            ),
        Command::new("migrate")
            .about("Run pending schema migrations as one atomic commit")
            .arg(
                Arg::new("packages")
                    .value_name("CONFIG")
                    .num_args(0..)
                    .value_parser(clap::value_parser!(OsString))
                    .help("configs to migrate (default: every config with a schema)"),
            )
            .arg(
                Arg::new("dry-run")
                    .long("dry-run")
                    .short('n')
                    .action(ArgAction::SetTrue)
                    .help("print the changes as `uci changes` would, change nothing"),
            ),
    ]
}

/// Runs `name` if it is one of this module's commands.
pub fn run(s: &mut Session, name: &str, m: &ArgMatches) -> Option<i32> {
    match name {
        "validate" => Some(validate_cmd(s, m)),
        "migrate" => Some(migrate_cmd(s, m)),
        _ => None,
    }
}

fn bytes(m: &ArgMatches, id: &str) -> Option<Vec<u8>> {
    m.get_one::<OsString>(id).map(|v| v.as_bytes().to_vec())
}

fn say_err(msg: impl AsRef<[u8]>) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(b"ucix: ");
    let _ = e.write_all(msg.as_ref());
    let _ = e.write_all(b"\n");
}

fn load_schema(catalog: &Catalog, package: &[u8]) -> Result<Option<Schema>, i32> {
    match catalog.load(package) {
        Ok(s) => {
            if let Some(s) = &s {
                for w in s.expression_problems() {
                    say_err(format!("warning: schema {}: {w}", s.origin));
                }
            }
            Ok(s)
        }
        Err(e) => {
            say_err(e.to_string());
            Err(2)
        }
    }
}

fn validate_cmd(s: &mut Session, m: &ArgMatches) -> i32 {
    if let Some(dt) = bytes(m, "datatype") {
        let Some(value) = bytes(m, "target") else {
            say_err("validate --datatype needs a value");
            return 2;
        };
        return check_datatype(&s.ctx, &dt, &value);
    }
    let json = m.get_flag("json");
    let opts_strict = m.get_flag("strict");
    let catalog = Catalog::default();
    let mut ptr = Ptr::default();
    let packages: Vec<Vec<u8>> = match bytes(m, "target") {
        Some(t) => match Ptr::parse(&t) {
            Ok(p) => {
                ptr = p;
                vec![ptr.package.clone().unwrap_or_default()]
            }
            Err(e) => {
                say_err(format!("{}: {}", lossy(&t), e.code().message()));
                return 1;
            }
        },
        None => {
            let configs = s.ctx.list_configs().unwrap_or_default();
            catalog.names().into_iter().filter(|n| configs.contains(n)).collect()
        }
    };
    let resolver = ContextResolver::new(&s.ctx);
    let explicit = ptr.package.is_some();
    let mut issues: Vec<Issue> = vec![];
    let mut checked = vec![];
    let mut status = 0;
    for name in &packages {
        let schema = match load_schema(&catalog, name) {
            Ok(Some(sc)) => sc,
            Ok(None) => {
                if explicit {
                    say_err(format!("no schema for {}", lossy(name)));
                    status = status.max(2);
                }
                continue;
            }
            Err(code) => {
                status = status.max(code);
                continue;
            }
        };
        let idx = match s.ctx.get_or_load(name) {
            Ok(i) => i,
            Err(e) => {
                say_err(format!("{}: {}", lossy(name), e.code().message()));
                status = status.max(1);
                continue;
            }
        };
        let opts = Options { strict: opts_strict, section: ptr.section.clone(), option: ptr.option.clone() };
        match validate::check_package(&schema, &s.ctx.packages[idx], &resolver, &opts) {
            Ok(found) => issues.extend(found),
            Err(e) => {
                say_err(format!("{}: {}", ptr_text(&ptr), e.code().message()));
                status = status.max(1);
                continue;
            }
        }
        let recorded = crate::schema::version::read(&s.ctx).get(name).copied();
        checked.push(serde_json::json!({
            "package": lossy(name),
            "schema": schema.origin,
            "schema_version": schema.version,
            "recorded_version": recorded,
        }));
        if recorded.unwrap_or(schema.initial) < schema.version && !json && !schema.steps.is_empty() {
            say_err(format!(
                "note: {} is at schema version {}, {} is available (ucix migrate)",
                lossy(name),
                recorded.unwrap_or(schema.initial),
                schema.version
            ));
        }
    }
    if !issues.is_empty() {
        status = status.max(1);
    }
    if json {
        let v = serde_json::json!({
            "valid": status == 0,
            "packages": checked,
            "issues": issues.iter().map(Issue::to_json).collect::<Vec<_>>(),
        });
        let _ = writeln!(s.out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for i in &issues {
            let _ = writeln!(s.out, "{}", i.line());
        }
    }
    status
}

fn ptr_text(p: &Ptr) -> String {
    let mut t = lossy(p.package.as_deref().unwrap_or_default());
    for part in [&p.section, &p.option].into_iter().flatten() {
        t.push('.');
        t.push_str(&lossy(part));
    }
    t
}

/// `ucix validate --datatype TYPE VALUE`: 0 valid, 1 invalid, 2 malformed.
fn check_datatype(ctx: &Context, dt: &[u8], value: &[u8]) -> i32 {
    if value.is_empty() {
        say_err("the empty value is never valid");
        return 1;
    }
    let expr = match datatypes::parse_bytes(dt) {
        Ok(e) => e,
        Err(e) => {
            say_err(format!("invalid datatype '{}': {e}", lossy(dt)));
            return 2;
        }
    };
    let resolver = ContextResolver::new(ctx);
    if datatypes::validate_bytes(&expr, value, &resolver) {
        0
    } else {
        say_err(format!("'{}' is not a valid {}", lossy(value), lossy(dt)));
        1
    }
}

/// Runs the commands of a migration's batch step with uci's batch
/// interpreter, in the scratch context given (`commit` is a no-op there).
fn run_script(ctx: &Context, script: &[u8]) -> Result<(), String> {
    let (mut s, _) = uci::setup(&[b"ucix".to_vec()]).map_err(|code| format!("cannot start a batch (status {code})"))?;
    s.ctx = ctx.clone();
    s.nocommit = true;
    s.input = Stream::new(BufReader::new(Cursor::new(script.to_vec())));
    uci::batch::run(&mut s);
    s.out.flush().map_err(|e| e.to_string())
}

fn migrate_cmd(s: &mut Session, m: &ArgMatches) -> i32 {
    let dry = m.get_flag("dry-run");
    let names: Vec<Vec<u8>> = m
        .get_many::<OsString>("packages")
        .map(|v| v.map(|x| x.clone().into_vec()).collect())
        .unwrap_or_default();
    let catalog = Catalog::default();
    for n in &names {
        if let Err(code) = load_schema(&catalog, n) {
            return code;
        }
    }
    match migrate::migrate(&mut s.ctx, &catalog, &names, dry, &mut run_script) {
        Err(e) => {
            say_err(format!("migrate: {e}"));
            1
        }
        Ok(out) => {
            if dry {
                let _ = s.out.write_all(&out.changes_text());
            }
            for p in &out.packages {
                let line = if p.steps == 0 && p.from == p.to {
                    format!("{}: version {} recorded", lossy(&p.package), p.to)
                } else {
                    format!(
                        "{}: version {} -> {} ({} step{})",
                        lossy(&p.package),
                        p.from,
                        p.to,
                        p.steps,
                        if p.steps == 1 { "" } else { "s" }
                    )
                };
                if dry {
                    let _ = s.out.flush();
                    eprintln!("{line}");
                } else {
                    let _ = writeln!(s.out, "{line}");
                }
            }
            0
        }
    }
}

// ---- enforcement ----------------------------------------------------------------------

/// Called by `ucix` before running `set`, `add_list` or `commit` (`argv[ci]`
/// is the command word). `Some(status)` when a schema with `enforce` refuses
/// the command; `None` lets it run.
pub fn enforce(argv: &[Vec<u8>], ci: usize) -> Option<i32> {
    let word = argv.get(ci)?.to_ascii_lowercase();
    let operands: Vec<&Vec<u8>> = argv[ci + 1..].iter().collect();
    if !matches!(&word[..], b"set" | b"add_list" | b"commit") {
        return None;
    }
    // options that make setup print an error (or read a file) are left to uci
    let posix = std::env::var_os("POSIXLY_CORRECT").is_some();
    let (opts, _) = uci::args::getopt(argv.get(1..ci).unwrap_or(&[]), posix);
    if opts.iter().any(|o| !matches!(o, uci::args::Opt::Flag(c, _) if *c != b'f')) {
        return None;
    }
    let (mut s, _) = uci::setup(&argv[..ci]).ok()?;
    s.ctx.flags &= !crate::store::FLAG_PERROR;
    let catalog = Catalog::default();
    let refused = if word == b"commit" {
        let names: Vec<Vec<u8>> = operands.iter().filter(|a| !a.starts_with(b"-")).map(|a| a.to_vec()).collect();
        enforce_commit(&mut s.ctx, &catalog, names)
    } else {
        match operands.as_slice() {
            [tuple] => enforce_value(&mut s.ctx, &catalog, tuple),
            _ => vec![],
        }
    };
    if refused.is_empty() {
        return None;
    }
    if !s.quiet {
        for line in refused {
            say_err(line);
        }
    }
    Some(1)
}

fn enforced_schema(catalog: &Catalog, package: &[u8]) -> Option<Schema> {
    catalog.load(package).ok().flatten().filter(|s| s.enforce)
}

/// `set`/`add_list <config>.<section>.<option>=<value>`.
fn enforce_value(ctx: &mut Context, catalog: &Catalog, tuple: &[u8]) -> Vec<String> {
    let Ok(mut ptr) = Ptr::parse(tuple) else { return vec![] };
    let (Some(pkg), Some(opt), Some(value)) = (ptr.package.clone(), ptr.option.clone(), ptr.value.clone()) else {
        return vec![];
    };
    let Some(schema) = enforced_schema(catalog, &pkg) else { return vec![] };
    let Ok(idx) = ctx.lookup(&mut ptr, None, true) else { return vec![] };
    let p = &ctx.packages[idx];
    let Some(si) = ptr.s else { return vec![] };
    let sec = &p.sections[si];
    let Some(spec) = schema.option(&sec.stype, &opt) else { return vec![] };
    let resolver = ContextResolver::new(ctx);
    if validate::value_ok(spec, &value, &resolver) {
        return vec![];
    }
    let issue = Issue {
        package: pkg,
        section: sec.name.to_vec(),
        stype: sec.stype.to_vec(),
        index: p.type_index(si),
        option: Some(opt),
        problem: validate::Problem::Invalid,
        expected: Some(spec.datatype.clone()),
        value: Some(value),
    };
    vec![format!("refused by the schema: {}", issue.line())]
}

/// `commit [<config>]`: the pending changes of enforced packages must be valid.
fn enforce_commit(ctx: &mut Context, catalog: &Catalog, names: Vec<Vec<u8>>) -> Vec<String> {
    let names = if names.is_empty() { ctx.list_configs().unwrap_or_default() } else { names };
    let mut out = vec![];
    for tuple in names {
        let Ok(ptr) = Ptr::parse(&tuple) else { continue };
        let Some(pkg) = ptr.package else { continue };
        let Some(schema) = enforced_schema(catalog, &pkg) else { continue };
        let Ok(idx) = ctx.get_or_load(&pkg) else { continue };
        let p = &ctx.packages[idx];
        // sections touched by the pending changes, with the options touched
        // (`None`: the whole section, for sections added or renamed)
        let mut touched: Vec<(Vec<u8>, Option<Vec<Vec<u8>>>)> = vec![];
        let mut touch = |sec: &[u8], opt: Option<&[u8]>| {
            let i = match touched.iter().position(|(s, _)| s == sec) {
                Some(i) => i,
                None => {
                    touched.push((sec.to_vec(), Some(vec![])));
                    touched.len() - 1
                }
            };
            match (&mut touched[i].1, opt) {
                (Some(v), Some(o)) => v.push(o.to_vec()),
                (slot, None) => *slot = None,
                (None, Some(_)) => {}
            }
        };
        for d in &p.saved_delta {
            match (d.cmd, &d.option) {
                (Cmd::Rename, None) => touch(d.value.as_deref().unwrap_or_default(), None),
                (Cmd::Rename, Some(_)) => touch(&d.section, d.value.as_deref()),
                (Cmd::Add, _) | (Cmd::Change, None) => touch(&d.section, None),
                (Cmd::Reorder, _) => {}
                (_, Some(o)) => touch(&d.section, Some(o)),
                (Cmd::Remove, None) => {}
                _ => {}
            }
        }
        let resolver = ContextResolver::new(ctx);
        let indexes = p.type_indexes();
        let mut issues = vec![];
        let mut order: Vec<(usize, Option<Vec<Vec<u8>>>)> =
            touched.into_iter().filter_map(|(sec, opts)| p.section_index(&sec).map(|si| (si, opts))).collect();
        order.sort_by_key(|(si, _)| *si);
        for (si, opts) in &order {
            validate::check_section(&schema, p, *si, indexes[*si], &resolver, false, opts.as_deref(), &mut issues);
        }
        if !issues.is_empty() {
            out.extend(issues.iter().map(|i| format!("refused by the schema: {}", i.line())));
            out.push(format!("not committing {}: its pending changes do not match its schema", lossy(&pkg)));
        }
    }
    out
}
