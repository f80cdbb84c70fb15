//! The reference datatype vectors (`../shared/spec/datatype-vectors.tsv`,
//! `UCIX_SHARED` overrides the shared directory): every row must give the
//! reference's answer, `uci(...)` rows resolving through the core against
//! the `datatype-fixture` config directory. Prints "skipped" when the
//! shared directory is absent. Also `ucix validate --datatype` on a sample.

mod common;

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use ucix::schema::datatypes::{parse_bytes, validate_bytes};
use ucix::schema::ContextResolver;
use ucix::store::Context;

/// Undoes the vector file's four escapes (`\\`, `\t`, `\n`, `\r`), left to right.
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        let esc = match (c, next) {
            (b'\\', Some(b'\\')) => Some(b'\\'),
            (b'\\', Some(b't')) => Some(b'\t'),
            (b'\\', Some(b'n')) => Some(b'\n'),
            (b'\\', Some(b'r')) => Some(b'\r'),
            _ => None,
        };
        match esc {
            Some(e) => {
                out.push(e);
                i += 2;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

struct Row {
    line: usize,
    expr: Vec<u8>,
    value: Vec<u8>,
    valid: bool,
}

fn rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read(path).expect("read the vectors");
    let mut out = vec![];
    for (n, line) in text.split(|&c| c == b'\n').enumerate() {
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let cols: Vec<&[u8]> = line.split(|&c| c == b'\t').collect();
        assert_eq!(cols.len(), 3, "line {}: malformed row", n + 1);
        let valid = match cols[2] {
            b"1" => true,
            b"0" => false,
            other => panic!("line {}: bad valid column {:?}", n + 1, String::from_utf8_lossy(other)),
        };
        out.push(Row { line: n + 1, expr: unescape(cols[0]), value: unescape(cols[1]), valid });
    }
    out
}

/// `validate_data <expr> <value>` exits 0? (A malformed expression is invalid.)
fn valid(expr: &[u8], value: &[u8], r: &ContextResolver) -> bool {
    if value.is_empty() {
        return false;
    }
    parse_bytes(expr).map(|e| validate_bytes(&e, value, r)).unwrap_or(false)
}

fn fixture_context(fixture: &Path, scratch: &Path) -> Context {
    let mut ctx = Context::new();
    ctx.set_confdir(fixture.as_os_str().as_bytes());
    ctx.set_conf2dir(None);
    ctx.delta_path.clear();
    ctx.set_savedir(scratch.join("no-delta").as_os_str().as_bytes());
    ctx
}

#[test]
fn reference_vectors() {
    let Some(shared) = common::shared_dir() else { return };
    let vectors = shared.join("spec/datatype-vectors.tsv");
    let fixture = shared.join("spec/datatype-fixture");
    if !vectors.is_file() || !fixture.join("vtest").is_file() {
        common::say(format!("skipped: {} or its fixture not found", vectors.display()));
        return;
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    let resolver = ContextResolver::new(&fixture_context(&fixture, scratch.path()));
    let rows = rows(&vectors);
    let mut failed = vec![];
    for r in &rows {
        let got = valid(&r.expr, &r.value, &resolver);
        if got != r.valid {
            failed.push(format!(
                "line {}: {:?} on {:?}: expected {}, got {got}",
                r.line,
                String::from_utf8_lossy(&r.expr),
                String::from_utf8_lossy(&r.value),
                r.valid
            ));
        }
    }
    common::say(format!("datatype vectors: {} passed, {} failed", rows.len() - failed.len(), failed.len()));
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(rows.len() >= 3514, "only {} rows read", rows.len());
}

#[test]
fn validate_datatype_command() {
    let env = common::TestEnv::new("validate_datatype_command");
    env.write("config/vtest", "config zone 'lan'\n\toption name 'lan'\n\nconfig zone\n\toption name 'guest'\n");
    let run = |args: &[&str]| common::run(env.ucix().args(["-c", "config", "validate", "--datatype"]).args(args));
    assert_eq!(run(&["port", "22"]).status, 0);
    let r = run(&["port", "65536"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("'65536' is not a valid port"), "{}", r.stderr);
    assert_eq!(run(&["port", "-1"]).status, 0, "negative numbers pass the port rule");
    assert_eq!(run(&["or(ip4addr,ip6addr)", "::1"]).status, 0);
    assert_eq!(run(&["list(port)", "22 80"]).status, 0);
    assert_eq!(run(&["port", ""]).status, 1);
    let r = run(&["Port", "22"]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("Syntax error, unrecognized function"), "{}", r.stderr);
    assert_eq!(run(&["range(1,5", "3"]).status, 1, "a dropped term is invalid, not malformed");
    // uci(...) resolves in the -c directory, anonymous names included
    assert_eq!(run(&["uci('vtest','@zone','name')", "guest"]).status, 0);
    let shown = common::run(env.uci().args(["-c", "config", "show", "vtest.@zone[1]"]));
    let anon = shown.stdout.split('=').next().and_then(|t| t.strip_prefix("vtest.")).expect("uci show names the section");
    assert!(anon.starts_with("cfg"), "{anon}");
    assert_eq!(run(&["uci('vtest','@zone')", anon]).status, 0);
    assert_eq!(run(&["uci('vtest','@zone')", "lan"]).status, 0);
    assert_eq!(run(&["uci('vtest','@host')", "lan"]).status, 1);
    assert_eq!(run(&["uci('vtest','@zone','name')", "wan"]).status, 1);
    assert_eq!(run(&["uci('vtest','lan','name')", "lan"]).status, 0);
}
