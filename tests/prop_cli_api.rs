//! Random sequences of `set`, `add_list`, `del_list`, `delete`, `rename`,
//! `reorder`, `revert` and `commit` run through the `uci` command give the
//! same files as the same sequence run through the library
//! (`ucix::store::Context` + `ucix::edit`), and the statuses cli.md §2 and
//! §4 prescribe.
//!
//! * `batch_equals_library`: the whole sequence as one `uci batch` input
//!   (arguments single-quoted, values may span lines); config and delta
//!   trees compared byte for byte.
//! * `commands_equal_library`: one `uci` process per operation; exit
//!   statuses compared too.
//!
//! The library side follows cli.md: look the tuple up (loading the
//! package), apply the edit rule, save on success; every package is
//! unloaded after each command.

mod common;

use std::path::Path;

use common::{compare_trees, run, run_with_stdin, TestEnv};
use proptest::prelude::*;
use ucix::delta::strtoul_int;
use ucix::edit;
use ucix::lookup::Ptr;
use ucix::store::Context;

const NETWORK: &str = "config interface 'loopback'
\toption ifname 'lo'
\toption proto 'static'

config interface 'lan'
\toption ifname 'eth0.1'
\toption proto 'static'
\tlist dns '8.8.8.8'
\tlist dns '8.8.4.4'

config interface 'wan'
\toption proto 'dhcp'

config switch
\toption name 'switch0'

config switch_vlan
\toption vlan '1'
\toption ports '0 1 2 3 5t'

config switch_vlan
\toption vlan '2'
\toption ports '4 5t'
";

const SYSTEM: &str = "config system
\toption hostname 'OpenWrt'

config timeserver 'ntp'
\tlist server '0.pool.example.org'
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Set,
    AddList,
    DelList,
    Delete,
    Rename,
    Reorder,
    Revert,
    Commit,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Set => "set",
            Kind::AddList => "add_list",
            Kind::DelList => "del_list",
            Kind::Delete => "delete",
            Kind::Rename => "rename",
            Kind::Reorder => "reorder",
            Kind::Revert => "revert",
            Kind::Commit => "commit",
        }
    }
}

#[derive(Debug, Clone)]
struct Op {
    kind: Kind,
    tuple: Vec<u8>,
}

// ---------------------------------------------------------------------------
// strategies
// ---------------------------------------------------------------------------

fn pick(items: &[&str]) -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(items.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>())
}

fn package() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![8 => pick(&["network"]), 2 => pick(&["system"]), 1 => pick(&["nosuch"])]
}

fn section() -> impl Strategy<Value = Vec<u8>> {
    pick(&[
        "lan",
        "wan",
        "loopback",
        "ntp",
        "new1",
        "new2",
        "@interface[0]",
        "@interface[-1]",
        "@switch_vlan[1]",
        "@switch[0]",
        "@system[0]",
        "@[2]",
        "@nosuch[0]",
        "@interface[0x1]",
        "bad-name",
    ])
}

fn option() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::weighted(0.8, pick(&["proto", "dns", "ifname", "ports", "server", "x", "y"]))
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        6 => 0x20u8..0x7f,
        2 => prop::sample::select(b"'\"\\#;$`\t\n".to_vec()),
        1 => 0x80u8..=0xff,
        1 => Just(1u8),
    ];
    prop_oneof![
        3 => pick(&["", "1", "dhcp", "it's", "a b", "line1\nline2", "tab\there", "$(touch canary)", "\u{e9}", "0", "-1", "x"]),
        2 => prop::collection::vec(byte, 0..12),
    ]
}

fn tuple(pkg: Vec<u8>, sec: Option<Vec<u8>>, opt: Option<Vec<u8>>, val: Option<Vec<u8>>) -> Vec<u8> {
    let mut t = pkg;
    if let Some(s) = sec {
        t.push(b'.');
        t.extend_from_slice(&s);
        if let Some(o) = opt {
            t.push(b'.');
            t.extend_from_slice(&o);
        }
    }
    if let Some(v) = val {
        t.push(b'=');
        t.extend_from_slice(&v);
    }
    t
}

fn op() -> impl Strategy<Value = Op> {
    let edit = (
        prop::sample::select(vec![Kind::Set, Kind::Set, Kind::AddList, Kind::DelList]),
        package(),
        section(),
        option(),
        value(),
        pick(&["interface", "alias", "it's", "a.b", ""]),
    )
        .prop_map(|(kind, p, s, o, v, t)| {
            let v = if o.is_none() && kind == Kind::Set { t } else { v };
            Op { kind, tuple: tuple(p, Some(s), o, Some(v)) }
        });
    let delete = (package(), prop::option::weighted(0.9, section()), option(), prop::option::weighted(0.2, pick(&["0", "1", "x", ""])))
        .prop_map(|(p, s, o, v)| Op { kind: Kind::Delete, tuple: tuple(p, s, o, v) });
    let rename = (package(), section(), option(), pick(&["lan2", "wan", "x", "bad name", "y1"]))
        .prop_map(|(p, s, o, v)| Op { kind: Kind::Rename, tuple: tuple(p, Some(s), o, Some(v)) });
    let reorder = (package(), section(), pick(&["0", "1", "-1", "3", "99", "x"]))
        .prop_map(|(p, s, v)| Op { kind: Kind::Reorder, tuple: tuple(p, Some(s), None, Some(v)) });
    let revert = (package(), prop::option::weighted(0.7, section()), option())
        .prop_map(|(p, s, o)| Op { kind: Kind::Revert, tuple: tuple(p, s, o, None) });
    let commit = package().prop_map(|p| Op { kind: Kind::Commit, tuple: p });
    prop_oneof![8 => edit, 2 => delete, 2 => rename, 2 => reorder, 2 => revert, 1 => commit]
}

// ---------------------------------------------------------------------------
// the two sides
// ---------------------------------------------------------------------------

fn setup(env: &TestEnv) {
    env.write("config/network", NETWORK);
    env.write("config/system", SYSTEM);
}

fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

fn context(env: &TestEnv) -> Context {
    let mut ctx = Context::new();
    ctx.set_confdir(&path_bytes(&env.confdir()));
    ctx.set_conf2dir(None);
    ctx.set_savedir(&path_bytes(&env.savedir()));
    ctx.delta_path = vec![path_bytes(&env.savedir())];
    ctx
}

/// `sscanf(v, "%d")` reads a number (EOF on an empty string counts, as in C).
fn scans_int(v: &[u8]) -> bool {
    let t: Vec<u8> = v.iter().copied().skip_while(|c| ucix::syntax::is_space(*c)).collect();
    if t.is_empty() {
        return true;
    }
    let t = t.strip_prefix(b"-").or_else(|| t.strip_prefix(b"+")).unwrap_or(&t);
    t.first().is_some_and(u8::is_ascii_digit)
}

/// Runs `op` on the library; returns the exit status cli.md gives.
fn api(ctx: &mut Context, op: &Op) -> i32 {
    let status = api_inner(ctx, op);
    ctx.unload_all();
    status
}

fn api_inner(ctx: &mut Context, op: &Op) -> i32 {
    let mut ptr = Ptr::default();
    let Ok(idx) = ctx.lookup(&mut ptr, Some(&op.tuple), true) else { return 1 };
    let saved = |ctx: &mut Context, ok: bool| if ok && ctx.save(idx).is_ok() { 0 } else { 1 };
    match op.kind {
        Kind::Commit => i32::from(ctx.commit(idx, false).is_err()),
        Kind::Revert => {
            if ptr.value.is_some() {
                return 1;
            }
            let (s, o) = (ptr.section.clone(), ptr.option.clone());
            let _ = ctx.revert(idx, s.as_deref(), o.as_deref());
            0
        }
        Kind::Set => {
            let ok = edit::set(&mut ctx.packages[idx], &mut ptr, false).is_ok();
            saved(ctx, ok)
        }
        Kind::AddList => {
            let ok = edit::add_list(&mut ctx.packages[idx], &mut ptr, false).is_ok();
            saved(ctx, ok)
        }
        Kind::DelList => {
            let ok = edit::del_list(&mut ctx.packages[idx], &mut ptr, false).is_ok();
            saved(ctx, ok)
        }
        Kind::Rename => {
            let ok = edit::rename(&mut ctx.packages[idx], &mut ptr, false).is_ok();
            saved(ctx, ok)
        }
        Kind::Reorder => {
            let (Some(si), Some(v)) = (ptr.s, ptr.value.clone()) else { return 1 };
            let ok = edit::reorder(&mut ctx.packages[idx], si, strtoul_int(&v), false).is_ok();
            saved(ctx, ok)
        }
        Kind::Delete => {
            if ptr.value.as_deref().is_some_and(|v| !scans_int(v)) {
                return 1;
            }
            let ok = matches!(edit::delete_ex(&mut ctx.packages[idx], &mut ptr, false), Ok(Some(_)));
            saved(ctx, ok)
        }
    }
}

fn uci(env: &TestEnv) -> std::process::Command {
    let mut cmd = env.uci();
    cmd.arg("-c").arg(env.confdir()).arg("-t").arg(env.savedir()).arg("-C").arg("");
    cmd
}

/// `'…'` with each `'` as `'\''`: one batch argument.
fn batch_quote(out: &mut Vec<u8>, arg: &[u8]) {
    out.push(b'\'');
    for &c in arg {
        if c == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(c);
        }
    }
    out.push(b'\'');
}

fn show_ops(ops: &[Op]) -> String {
    ops.iter()
        .map(|o| format!("  {} {:?}\n", o.kind.word(), String::from_utf8_lossy(&o.tuple)))
        .collect()
}

fn same_trees(cli: &TestEnv, lib: &TestEnv, ops: &[Op]) -> Result<(), TestCaseError> {
    let diffs = compare_trees(&cli.root(), "uci", &lib.root(), "library");
    if diffs.is_empty() {
        return Ok(());
    }
    let mut msg = format!("trees differ after\n{}", show_ops(ops));
    for d in &diffs {
        msg.push_str(&format!("  {d}\n"));
        let rel = d.rsplit(": ").next().unwrap_or("");
        for (side, env) in [("uci", cli), ("library", lib)] {
            if let Some(b) = env.read_opt(rel) {
                msg.push_str(&format!("    {side}: {:?}\n", String::from_utf8_lossy(&b)));
            }
        }
    }
    Err(TestCaseError::fail(msg))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn batch_equals_library(ops in prop::collection::vec(op(), 1..12)) {
        let cli = TestEnv::new("prop_batch_cli");
        let lib = TestEnv::new("prop_batch_lib");
        setup(&cli);
        setup(&lib);

        let mut input = Vec::new();
        for op in &ops {
            input.extend_from_slice(op.kind.word().as_bytes());
            input.push(b' ');
            batch_quote(&mut input, &op.tuple);
            input.push(b'\n');
        }
        let mut cmd = uci(&cli);
        cmd.arg("batch");
        let r = run_with_stdin(&mut cmd, &input);
        prop_assert_eq!(r.status, 0, "batch failed: {}", r.stderr);

        let mut ctx = context(&lib);
        for op in &ops {
            api(&mut ctx, op);
        }
        same_trees(&cli, &lib, &ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn commands_equal_library(ops in prop::collection::vec(op(), 1..7)) {
        use std::os::unix::ffi::OsStrExt;
        let cli = TestEnv::new("prop_cmd_cli");
        let lib = TestEnv::new("prop_cmd_lib");
        setup(&cli);
        setup(&lib);
        let mut ctx = context(&lib);
        for (i, op) in ops.iter().enumerate() {
            let mut cmd = uci(&cli);
            cmd.arg(op.kind.word()).arg(std::ffi::OsStr::from_bytes(&op.tuple));
            let r = run(&mut cmd);
            let want = api(&mut ctx, op);
            prop_assert_eq!(
                r.status, want,
                "status of step {} differs (stderr {:?}) in\n{}", i, r.stderr, show_ops(&ops)
            );
        }
        same_trees(&cli, &lib, &ops)?;
    }
}
