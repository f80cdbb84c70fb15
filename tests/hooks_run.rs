//! Commit hooks with real hook scripts that record `$0`, `UCIX_ACTION`,
//! `UCIX_PACKAGES` and their stdin: single- and multi-package commits from
//! `ucix`, `uci`, the libuci shim (a C program) and the Lua module; hooks
//! disabled or absent; a failing and a hanging hook (reported on stderr by
//! `ucix`, to syslog by `uci`, whose output stays empty; the commit stands).

mod common;
mod txn_support;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{TestEnv, say};
use serde_json::Value;
use txn_support::*;

const NET: &str = "config interface 'lan'\n\toption proto 'static'\n\tlist dns '1.1.1.1'\n";
const FW: &str = "config zone 'lan'\n\toption input 'ACCEPT'\n";

#[derive(Debug)]
struct Call {
    hook: String,
    action: String,
    packages: String,
    input: Value,
}

fn record_hook(env: &TestEnv, name: &str) {
    let log = env.base().join("hooks.log");
    write_exec(
        &env.hooks_dir().join(name),
        &format!(
            "#!/bin/sh\nprintf '%s|%s|%s|' \"$(basename \"$0\")\" \"$UCIX_ACTION\" \"$UCIX_PACKAGES\" >> {log}\ncat >> {log}\necho >> {log}\n",
            log = log.display()
        ),
    );
}

fn calls(env: &TestEnv) -> Vec<Call> {
    let text = String::from_utf8_lossy(&read(&env.base().join("hooks.log"))).into_owned();
    let _ = std::fs::remove_file(env.base().join("hooks.log"));
    text.lines()
        .map(|l| {
            let mut it = l.splitn(4, '|');
            let (h, a, p, j) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
            Call { hook: h.into(), action: a.into(), packages: p.into(), input: serde_json::from_str(j).unwrap_or(Value::Null) }
        })
        .collect()
}

fn setup(name: &str) -> TestEnv {
    let env = TestEnv::new(name);
    env.write("config/net", NET);
    env.write("config/fw", FW);
    record_hook(&env, "20-record");
    env
}

fn stage(env: &TestEnv) {
    ok(&uci(env, &["set", "net.lan.proto=dhcp"]));
    ok(&uci(env, &["add_list", "net.lan.dns=8.8.8.8"]));
    ok(&uci(env, &["set", "fw.lan.input=REJECT"]));
}

fn expected_input(action: &str, pkgs: &[&str]) -> Value {
    let net = serde_json::json!({"package": "net", "changes": [
        {"op": "set", "section": "lan", "type": "interface", "option": "proto", "old": "static", "new": "dhcp"},
        {"op": "set", "section": "lan", "type": "interface", "option": "dns", "old": ["1.1.1.1"], "new": ["1.1.1.1", "8.8.8.8"]}
    ]});
    let fw = serde_json::json!({"package": "fw", "changes": [
        {"op": "set", "section": "lan", "type": "zone", "option": "input", "old": "ACCEPT", "new": "REJECT"}
    ]});
    let packages: Vec<Value> = pkgs.iter().map(|p| if *p == "net" { net.clone() } else { fw.clone() }).collect();
    serde_json::json!({"version": 1, "action": action, "packages": packages})
}

#[test]
fn ucix_multi_package_commit_runs_each_hook_once_in_name_order() {
    let env = setup("hooks_ucix_multi");
    record_hook(&env, "10-first");
    // not run: a dotfile and a file without an execute bit
    record_hook(&env, ".hidden");
    std::fs::write(env.hooks_dir().join("15-not-executable"), "#!/bin/sh\nexit 1\n").unwrap();
    stage(&env);
    ok(&ucix(&env, &["commit", "net", "fw"]));
    let c = calls(&env);
    assert_eq!(c.iter().map(|c| c.hook.as_str()).collect::<Vec<_>>(), ["10-first", "20-record"]);
    for call in &c {
        assert_eq!((call.action.as_str(), call.packages.as_str()), ("commit", "net fw"));
        assert_eq!(call.input, expected_input("commit", &["net", "fw"]));
    }
    say(format!("hook stdin: {}", c[0].input));
}

#[test]
fn uci_commit_runs_hooks_silently() {
    let env = setup("hooks_uci");
    stage(&env);
    let r = uci(&env, &["commit", "net"]);
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let c = calls(&env);
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].action.as_str(), c[0].packages.as_str()), ("commit", "net"));
    assert_eq!(c[0].input, expected_input("commit", &["net"]));
    // without arguments: every config, one hook run with all that changed
    ok(&uci(&env, &["set", "net.lan.proto=static"]));
    ok(&uci(&env, &["commit"]));
    let c = calls(&env);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].packages, "fw net");
    // nothing pending: no hook
    ok(&uci(&env, &["commit"]));
    ok(&ucix(&env, &["commit"]));
    assert!(calls(&env).is_empty());
}

#[test]
fn no_hooks_when_disabled_or_absent() {
    let env = setup("hooks_disabled");
    env.write("config/ucix", "config hooks 'hooks'\n\toption enabled '0'\n");
    stage(&env);
    ok(&ucix(&env, &["commit", "net"]));
    ok(&uci(&env, &["commit", "fw"]));
    assert!(calls(&env).is_empty());
    std::fs::remove_file(env.confdir().join("ucix")).unwrap();
    std::fs::remove_dir_all(env.hooks_dir()).unwrap();
    ok(&uci(&env, &["set", "net.lan.proto=x"]));
    ok(&ucix(&env, &["commit"]));
    assert_eq!(ok(&ucix(&env, &["hooks", "list"])).stdout, "");
}

struct Syslog {
    sock: UnixDatagram,
    path: std::path::PathBuf,
}

impl Syslog {
    fn new(env: &TestEnv) -> Syslog {
        let path = env.base().join("log.sock");
        let sock = UnixDatagram::bind(&path).expect("bind the syslog socket");
        sock.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        Syslog { sock, path }
    }

    fn messages(&self) -> Vec<String> {
        let mut v = vec![];
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.sock.recv(&mut buf) {
            v.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        v
    }
}

#[test]
fn failing_hook_is_reported_and_does_not_fail_the_commit() {
    let env = setup("hooks_failing");
    write_exec(&env.hooks_dir().join("10-fail"), "#!/bin/sh\necho boom >&2\necho out\nexit 3\n");
    let log = Syslog::new(&env);
    stage(&env);
    let r = common::run(with_dirs(env.ucix(), &["commit", "net"]).env("UCIX_SYSLOG_SOCKET", &log.path));
    assert_eq!(r.status, 0);
    assert_eq!(r.stdout, "");
    let hook = env.hooks_dir().join("10-fail");
    assert_eq!(r.stderr, format!("boom\nout\nucix: hook {} failed: exit status 3\n", hook.display()));
    assert_eq!(calls(&env).len(), 1, "the next hook still runs");
    assert!(log.messages().is_empty());
    let r = common::run(with_dirs(env.uci(), &["commit", "fw"]).env("UCIX_SYSLOG_SOCKET", &log.path));
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    assert!(String::from_utf8_lossy(&read(&env.confdir().join("fw"))).contains("REJECT"));
    let m = log.messages();
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(m[0].starts_with("<12>ucix["), "{}", m[0]);
    assert!(m[0].ends_with(&format!("]: hook {} failed: exit status 3: boom", hook.display())), "{}", m[0]);
    assert_eq!(calls(&env).len(), 1);
}

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map(|s| !s.contains(") Z ")).unwrap_or(false)
}

#[test]
fn hanging_hook_is_killed_after_the_timeout() {
    let env = setup("hooks_hanging");
    env.write("config/ucix", "config hooks 'hooks'\n\toption timeout '1'\n");
    let pidfile = env.base().join("sleep.pid");
    write_exec(&env.hooks_dir().join("10-hang"), &format!("#!/bin/sh\nsleep 300 &\necho $! > {}\nwait\n", pidfile.display()));
    let log = Syslog::new(&env);
    stage(&env);
    let r = common::run(with_dirs(env.ucix(), &["commit", "net"]).env("UCIX_SYSLOG_SOCKET", &log.path));
    assert_eq!(r.status, 0);
    assert_eq!(r.stderr, format!("ucix: hook {} failed: timed out after 1 s (killed)\n", env.hooks_dir().join("10-hang").display()));
    assert!(String::from_utf8_lossy(&read(&env.confdir().join("net"))).contains("dhcp"));
    assert_eq!(calls(&env).len(), 1, "the next hook still runs");
    // the hook's own children were killed with it
    let pid = String::from_utf8_lossy(&read(&pidfile)).trim().to_string();
    let start = Instant::now();
    while alive(&pid) {
        assert!(start.elapsed() < Duration::from_secs(30), "the hook's child {pid} survived");
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = common::run(with_dirs(env.uci(), &["commit", "fw"]).env("UCIX_SYSLOG_SOCKET", &log.path));
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let m = log.messages();
    assert!(m.len() == 1 && m[0].contains("timed out after 1 s (killed)"), "{m:?}");
}

#[test]
fn commits_made_by_a_hook_run_no_hooks() {
    let env = setup("hooks_nested");
    let uci_bin = common::uci_bin();
    write_exec(
        &env.hooks_dir().join("10-commit-more"),
        &format!(
            "#!/bin/sh
cd {root}
{uci} -c config -t delta set fw.lan.n=$(date +%N)
{uci} -c config -t delta commit fw
",
            root = env.root().display(),
            uci = uci_bin.display()
        ),
    );
    ok(&uci(&env, &["set", "net.lan.proto=dhcp"]));
    ok(&ucix(&env, &["commit", "net"]));
    let c = calls(&env);
    assert_eq!(c.iter().map(|c| c.packages.as_str()).collect::<Vec<_>>(), ["net"], "no recursion: {c:?}");
    assert!(String::from_utf8_lossy(&read(&env.confdir().join("fw"))).contains("option n "), "the hook's commit happened");
}

#[test]
fn hooks_run_by_hand() {
    let env = setup("hooks_by_hand");
    let r = ok(&ucix(&env, &["hooks", "list"])).clone();
    assert_eq!(r.stdout, format!("{}\n", env.hooks_dir().join("20-record").display()));
    ok(&ucix(&env, &["hooks", "run", "net"]));
    let c = calls(&env);
    assert_eq!((c[0].action.as_str(), c[0].packages.as_str()), ("run", "net"));
    assert_eq!(c[0].input, serde_json::json!({"version": 1, "action": "run", "packages": [{"package": "net", "changes": []}]}));
    ok(&ucix(&env, &["hooks", "run"]));
    assert_eq!(calls(&env)[0].packages, "fw net");
}

/// Whether the shared library defines the dynamic symbol (`nm -D`).
fn exports(lib: &Path, sym: &str) -> bool {
    let out = std::process::Command::new("nm").args(["-D", "--defined-only"]).arg(lib).output().expect("nm (binutils)");
    String::from_utf8_lossy(&out.stdout).lines().any(|l| l.split_whitespace().last() == Some(sym))
}

/// The libuci shim's `uci_commit`, from a C program. Skipped while the
/// shim does not export it yet.
#[test]
fn shim_commit_runs_hooks() {
    let env = setup("hooks_shim");
    let libdir = common::profile_dir();
    if !libdir.join("libuci.so").is_file() {
        say(format!("skipped: {} not built (cargo build --workspace)", libdir.join("libuci.so").display()));
        return;
    }
    let src = env.base().join("commit.c");
    std::fs::write(
        &src,
        r#"#include <stdio.h>
#include <string.h>
#include <uci.h>
/* commit <confdir> <savedir> <tuple>... : set each tuple, save, and commit its package */
int main(int argc, char **argv) {
    struct uci_context *ctx = uci_alloc_context();
    if (!ctx || uci_set_confdir(ctx, argv[1]) || uci_set_savedir(ctx, argv[2])) return 10;
    for (int i = 3; i < argc; i++) {
        struct uci_ptr ptr;
        char *t = strdup(argv[i]);
        if (uci_lookup_ptr(ctx, &ptr, t, true) != UCI_OK) return 11;
        if (uci_set(ctx, &ptr) != UCI_OK) return 12;
        if (uci_save(ctx, ptr.p) != UCI_OK) return 13;
        if (uci_commit(ctx, &ptr.p, false) != UCI_OK) return 14;
    }
    uci_free_context(ctx);
    return 0;
}
"#,
    )
    .unwrap();
    if !exports(&libdir.join("libuci.so"), "uci_commit") {
        say("skipped: libuci.so does not export uci_commit yet");
        return;
    }
    let exe = env.base().join("commit");
    let inc = common::manifest_dir().join("uci-compat").join("include");
    let cc = std::process::Command::new("cc")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .arg("-I")
        .arg(&inc)
        .arg("-L")
        .arg(&libdir)
        .arg(format!("-Wl,-rpath,{}", libdir.display()))
        .arg("-luci")
        .output()
        .expect("cc");
    assert!(cc.status.success(), "compiling against the shim failed: {}", String::from_utf8_lossy(&cc.stderr));
    let run = |tuples: &[&str]| {
        let mut c = env.command(&exe);
        c.arg(env.confdir()).arg(env.savedir()).args(tuples);
        common::run(&mut c)
    };
    let r = run(&["net.lan.proto=dhcp"]);
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let c = calls(&env);
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].action.as_str(), c[0].packages.as_str()), ("commit", "net"));
    assert_eq!(c[0].input["packages"][0]["changes"][0]["new"], "dhcp");
    // one uci_commit per package: one hook run each
    ok(&run(&["net.lan.proto=static", "fw.lan.input=DROP"]));
    assert_eq!(calls(&env).iter().map(|c| c.packages.as_str()).collect::<Vec<_>>(), ["net", "fw"]);
}

/// The Lua module's `commit`.
#[test]
fn lua_commit_runs_hooks() {
    let env = setup("hooks_lua");
    let lua = common::lua5_1();
    let mdir = common::lua_module_dir(&env);
    let chunk = format!(
        r#"local uci = require("uci")
local c = uci.cursor("{conf}", "{save}")
assert(c:set("net", "lan", "proto", "dhcp"))
assert(c:set("fw", "lan", "input", "DROP"))
assert(c:save("net")) assert(c:save("fw"))
assert(c:commit("net"))
assert(c:commit("fw"))
"#,
        conf = env.confdir().display(),
        save = env.savedir().display()
    );
    let r = common::run_with_stdin(env.command(&lua).arg("-").env("LUA_CPATH", mdir.join("?.so")), chunk);
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let c = calls(&env);
    assert_eq!(c.iter().map(|c| (c.action.as_str(), c.packages.as_str())).collect::<Vec<_>>(), [("commit", "net"), ("commit", "fw")]);
    assert_eq!(c[1].input["packages"][0]["changes"][0]["new"], "DROP");
}
