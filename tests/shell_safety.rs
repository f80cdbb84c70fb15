//! `eval "$(uci … -S -n export <pkg>)"` is how OpenWrt's `config_load`
//! reads configuration (cli.md §5): the export quoting is a security
//! boundary. These tests evaluate our `uci`'s export in `dash` (Debian's
//! `/bin/sh`) and BusyBox `ash` (OpenWrt's `/bin/sh`) and check that
//!
//! * every `config`/`option`/`list` callback receives exactly the stored
//!   bytes as exactly one argument (`tests/shell/records.sh`), for values
//!   holding quotes, `$(…)`, backticks, `;`, newlines, tabs, backslashes,
//!   glob characters, non-ASCII and invalid UTF-8;
//! * an OpenWrt-like `config_get` (`tests/shell/functions.sh`, storing with
//!   `export` and reading back with `eval`) returns every value unchanged;
//! * nothing is executed: the shell runs in an empty directory and no
//!   `canary` (or any other file) appears there, stderr stays empty.
//!
//! Values reach the package three ways: `uci set`/`add_list` (the CLI
//! refuses control bytes other than TAB/LF/CR), pending changes in a delta
//! directory, and a config file written by hand (any byte but NUL).
//!
//! Section types are outside this boundary: export writes them unquoted, as
//! the original does (`config it'\''s` is pinned by the conformance cases),
//! so a type like `$(cmd)` accepted by `uci set p.s='$(cmd)'` is evaluated
//! by the shell. See the note in fuzz/README.md.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{run_with_stdin, say, sh_quote, TestEnv};
use proptest::prelude::*;

const RECORDS_SH: &str = include_str!("shell/records.sh");
const FUNCTIONS_SH: &str = include_str!("shell/functions.sh");

/// Values that must survive `eval` unchanged (no NUL, no control bytes
/// other than TAB/LF/CR: these go through `uci set`).
fn nasty_values() -> Vec<Vec<u8>> {
    let v: Vec<&[u8]> = vec![
        b"it's",
        b"'",
        b"''",
        b"'\\''",
        b"\"double\" and 'single'",
        b"$(touch canary)",
        b"`touch canary`",
        b"'$(touch canary)'",
        b"'; touch canary; '",
        b"; touch canary",
        b"a | touch canary",
        b"a && touch canary || touch canary",
        b">canary",
        b"<canary",
        b"$HOME ${PATH} $0 $1 $# $@ $* $$ $? $!",
        b"$((1+1))",
        b"\\",
        b"\\\\",
        b"back\\slash\\",
        b"\\'",
        b"\\n not a newline",
        b"line1\nline2",
        b"trailing newline\n",
        b"\n\nleading newlines",
        b"\n",
        b"tab\there",
        b"\t",
        b"cr\r\nlf",
        b" leading space",
        b"trailing space ",
        b"   ",
        b"*",
        b"?",
        b"[a-z]*",
        b"~",
        b"~root",
        b"!",
        b"#not a comment",
        b"a=b",
        b"--",
        b"-n",
        b"-e",
        b"%s%d%n%%",
        b"{a,b}",
        b"$'\\n'",
        "non-ASCII: \u{e9}\u{fc} \u{4e2d}\u{6587} \u{1f642}".as_bytes(),
        b"\xff\xfe invalid UTF-8 \xc3",
        b"\x7f",
    ];
    v.into_iter().map(<[u8]>::to_vec).collect()
}

/// The shells to test: (label, program, arguments before `-c`).
fn shells() -> Vec<(&'static str, PathBuf, Vec<&'static str>)> {
    let mut out = vec![];
    match ["/bin/dash", "/usr/bin/dash"].iter().map(PathBuf::from).find(|p| p.is_file()) {
        Some(p) => out.push(("dash", p, vec![])),
        None => say("skipped: dash not found (scripts/test.sh installs it)"),
    }
    match ["/bin/busybox", "/usr/bin/busybox"].iter().map(PathBuf::from).find(|p| p.is_file()) {
        Some(p) => out.push(("busybox ash", p, vec!["ash"])),
        None => say("skipped: busybox not found (scripts/test.sh installs it)"),
    }
    out
}

/// One callback invocation seen by the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Call {
    keyword: Vec<u8>,
    args: Vec<Vec<u8>>,
}

fn call(keyword: &str, args: &[&[u8]]) -> Call {
    Call { keyword: keyword.as_bytes().to_vec(), args: args.iter().map(|a| a.to_vec()).collect() }
}

/// Decodes `records.sh` output: keyword, argument count, arguments, each
/// NUL-terminated.
fn decode(out: &[u8]) -> Vec<Call> {
    let mut fields: Vec<&[u8]> = out.split(|&c| c == 0).collect();
    assert_eq!(fields.pop(), Some(&b""[..]), "output does not end with NUL: {:?}", String::from_utf8_lossy(out));
    let mut it = fields.into_iter();
    let mut calls = vec![];
    while let Some(kw) = it.next() {
        let n: usize = std::str::from_utf8(it.next().expect("count")).unwrap().parse().unwrap();
        let args = (0..n).map(|_| it.next().expect("argument").to_vec()).collect();
        calls.push(Call { keyword: kw.to_vec(), args });
    }
    calls
}

/// The `uci` invocation OpenWrt's config_load makes, with our directories.
fn export_cmd(env: &TestEnv, pkg: &str) -> String {
    let q = |p: &Path| sh_quote(&p.to_string_lossy());
    format!(
        "uci -c {} -C '' -p {} -P {} -S -n export {pkg}",
        q(&env.confdir()),
        q(&env.savedir()),
        q(&env.root().join("state"))
    )
}

/// Runs `script` in `shell` (isolated like our binaries, `uci` on PATH)
/// inside a fresh empty directory; checks exit 0, empty stderr and that the
/// directory is still empty; returns stdout.
fn run_shell(env: &TestEnv, label: &str, shell: &Path, pre: &[&str], script: &str) -> Vec<u8> {
    let cwd = env.root().join(format!("cwd-{}", label.replace(' ', "-")));
    let _ = std::fs::remove_dir_all(&cwd);
    std::fs::create_dir_all(&cwd).unwrap();
    let mut cmd: Command = env.command(shell);
    cmd.args(pre).arg("-c").arg(format!("cd {} || exit 99\n{script}", sh_quote(&cwd.to_string_lossy())));
    cmd.stdin(Stdio::null());
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {label}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{label}: {} stderr: {stderr}", out.status);
    let left: Vec<_> = std::fs::read_dir(&cwd).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "{label}: the eval created {left:?}");
    out.stdout
}

/// `'…'` for a batch argument.
fn batch_quote(arg: &[u8]) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &c in arg {
        if c == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(c);
        }
    }
    out.push(b'\'');
    out
}

fn batch(env: &TestEnv, lines: &[Vec<u8>]) -> String {
    let mut input = Vec::new();
    for l in lines {
        input.extend_from_slice(l);
        input.push(b'\n');
    }
    let mut cmd = env.uci();
    cmd.arg("-c").arg(env.confdir()).arg("-t").arg(env.savedir()).arg("-C").arg("").arg("batch");
    let r = run_with_stdin(&mut cmd, &input);
    assert_eq!((r.status, r.stderr.as_str()), (0, ""), "batch failed");
    r.stdout
}

fn line(cmd: &str, tuple: &[u8]) -> Vec<u8> {
    let mut l = cmd.as_bytes().to_vec();
    l.push(b' ');
    l.extend_from_slice(&batch_quote(tuple));
    l
}

fn tuple(prefix: &str, value: &[u8]) -> Vec<u8> {
    let mut t = prefix.as_bytes().to_vec();
    t.extend_from_slice(value);
    t
}

/// Stores every value with `uci set`/`add_list` (committed), one more
/// pending in the delta directory, and an anonymous section; returns the
/// calls the shell must see.
fn store_with_uci(env: &TestEnv, values: &[Vec<u8>]) -> Vec<Call> {
    env.write("config/pkg", "");
    let mut lines = vec![line("set", b"pkg.s=t"), b"add pkg anon".to_vec()];
    for (i, v) in values.iter().enumerate() {
        lines.push(line("set", &tuple(&format!("pkg.s.o{i}="), v)));
        lines.push(line("add_list", &tuple("pkg.s.l=", v)));
        lines.push(line("set", &tuple(&format!("pkg.@anon[0].o{i}="), v)));
    }
    lines.push(b"commit pkg".to_vec());
    let last = values.last().cloned().unwrap_or_default();
    lines.push(line("set", &tuple("pkg.s.pending=", &last)));
    let out = batch(env, &lines);
    let anon = out.trim_end().as_bytes().to_vec();
    assert!(anon.starts_with(b"cfg"), "uci add printed {out:?}");

    let mut calls = vec![call("package", &[b"pkg"]), call("config", &[b"t", b"s"])];
    for (i, v) in values.iter().enumerate() {
        let name = format!("o{i}");
        // an empty value on a missing option does nothing (cli.md §4.7)
        if !v.is_empty() {
            calls.push(call("option", &[name.as_bytes(), v]));
        }
        // the list option is created by the first add_list, after o0
        if i == 0 {
            for v in values {
                calls.push(call("list", &[b"l", v]));
            }
        }
    }
    if !last.is_empty() {
        calls.push(call("option", &[b"pending", &last]));
    }
    calls.push(call("config", &[b"anon", &anon]));
    for (i, v) in values.iter().enumerate() {
        if !v.is_empty() {
            calls.push(call("option", &[format!("o{i}").as_bytes(), v]));
        }
    }
    calls
}

fn records_script(env: &TestEnv, pkg: &str) -> String {
    format!("{RECORDS_SH}\neval \"$({})\"\n", export_cmd(env, pkg))
}

fn check_calls(label: &str, got: &[Call], want: &[Call]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g,
            w,
            "{label}: call {i} differs:\n  got  {} {:?}\n  want {} {:?}",
            String::from_utf8_lossy(&g.keyword),
            g.args.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>(),
            String::from_utf8_lossy(&w.keyword),
            w.args.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>(),
        );
    }
    assert_eq!(got.len(), want.len(), "{label}: number of calls");
}

#[test]
fn values_set_by_uci_reach_the_shell_unchanged() {
    let env = TestEnv::new("shell_values_uci");
    let want = store_with_uci(&env, &nasty_values());
    for (label, shell, pre) in shells() {
        let out = run_shell(&env, label, &shell, &pre, &records_script(&env, "pkg"));
        check_calls(label, &decode(&out), &want);
    }
}

/// Double-quoted config text for `v` (`\` before `"` and `\`).
fn dq(v: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &c in v {
        if c == b'"' || c == b'\\' {
            out.push(b'\\');
        }
        out.push(c);
    }
    out.push(b'"');
    out
}

#[test]
fn values_from_a_config_file_reach_the_shell_unchanged() {
    let env = TestEnv::new("shell_values_file");
    let mut values = nasty_values();
    values.retain(|v| !v.is_empty());
    // control bytes are accepted from files (file-format.md §4.1)
    values.extend([b"\x01\x02\x1b[31m\x08".to_vec(), b"bell\x07 vt\x0b ff\x0c".to_vec()]);
    let mut text = b"config t 's'\n".to_vec();
    let mut want = vec![call("package", &[b"pkg"]), call("config", &[b"t", b"s"])];
    for (i, v) in values.iter().enumerate() {
        text.extend_from_slice(format!("\toption o{i} ").as_bytes());
        text.extend_from_slice(&dq(v));
        text.push(b'\n');
        want.push(call("option", &[format!("o{i}").as_bytes(), v]));
    }
    for v in &values {
        text.extend_from_slice(b"\tlist l ");
        text.extend_from_slice(&dq(v));
        text.push(b'\n');
        want.push(call("list", &[b"l", v]));
    }
    text.extend_from_slice(b"config t\n\toption x \"$(touch canary)\"\n");
    want.push(call("config", &[b"t", b"cfg02b619"]));
    want.push(call("option", &[b"x", b"$(touch canary)"]));
    env.write("config/pkg", &text);
    for (label, shell, pre) in shells() {
        let out = run_shell(&env, label, &shell, &pre, &records_script(&env, "pkg"));
        check_calls(label, &decode(&out), &want);
    }
}

#[test]
fn functions_sh_config_get_reads_back_every_value() {
    let env = TestEnv::new("shell_config_get");
    let values = nasty_values();
    store_with_uci(&env, &values);
    let mut script = format!("{FUNCTIONS_SH}\neval \"$({})\"\n", export_cmd(&env, "pkg"));
    let mut want = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if !v.is_empty() {
            script.push_str(&format!("dump_option s o{i}\n"));
            want.extend_from_slice(v);
            want.push(0);
        }
    }
    script.push_str("dump_list s l\n");
    for v in &values {
        want.extend_from_slice(v);
        want.push(0);
    }
    script.push_str("dump_option s TYPE\n");
    want.extend_from_slice(b"t\0");
    for (label, shell, pre) in shells() {
        let out = run_shell(&env, label, &shell, &pre, &script);
        if out != want {
            let show = |b: &[u8]| b.split(|&c| c == 0).map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>();
            panic!("{label}: config_get read back\n  {:?}\nwant\n  {:?}", show(&out), show(&want));
        }
    }
}

#[test]
fn export_with_names_lists_every_section_once() {
    // `-n` names anonymous sections so config_load can address them; the
    // names are quoted like values and unique per package.
    let env = TestEnv::new("shell_names");
    env.write("config/pkg", "config a\nconfig a\nconfig b 'named'\nconfig a\n");
    for (label, shell, pre) in shells() {
        let out = run_shell(&env, label, &shell, &pre, &records_script(&env, "pkg"));
        let names: Vec<Vec<u8>> = decode(&out).into_iter().filter(|c| c.keyword == b"config").map(|c| c.args[1].clone()).collect();
        let anon = |n| ucix::model::naming::anonymous_name(n, b"a").into_vec();
        assert_eq!(names, vec![anon(1), anon(2), b"named".to_vec(), anon(4)], "{label}");
    }
}

fn random_value() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        5 => 0x20u8..0x7f,
        3 => prop::sample::select(b"'\"\\$`;|&<>(){}*?~!#\t\n\r =".to_vec()),
        1 => 0x80u8..=0xff,
    ];
    prop::collection::vec(byte, 0..24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_values_reach_the_shell_unchanged(values in prop::collection::vec(random_value(), 1..6)) {
        let env = TestEnv::new("shell_random");
        let want = store_with_uci(&env, &values);
        for (label, shell, pre) in shells() {
            let out = run_shell(&env, label, &shell, &pre, &records_script(&env, "pkg"));
            check_calls(label, &decode(&out), &want);
        }
    }
}
