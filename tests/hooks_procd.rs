//! procd integration: `config.change` events through a recording `ubus`
//! stand-in on `PATH` (procd is not available here), exact arguments and
//! JSON; events only where procd is there and, for the drop-in `uci
//! commit`, only when `/etc/config/ucix` enables them; `/var/run/config.md5`
//! kept as `reload_config` computes it, checked with a shell
//! implementation of `reload_config`'s md5 check (procd-integration.md §3).

mod common;
mod txn_support;

use std::path::PathBuf;
use std::process::Command;

use common::{Run, TestEnv, say};
use serde_json::{json, Value};
use txn_support::*;

const NET: &str = "config interface 'lan'\n\toption proto 'static'\n";
const FW: &str = "config zone 'lan'\n\toption input 'ACCEPT'\n";

fn setup(name: &str) -> TestEnv {
    let env = TestEnv::new(name);
    env.write("config/net", NET);
    env.write("config/fw", FW);
    write_exec(
        &env.base().join("stub/ubus"),
        &format!("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> {log}\necho -- >> {log}\n", log = env.base().join("ubus.log").display()),
    );
    std::fs::write(env.ubus_socket(), "").unwrap();
    env
}

fn path_with_stub(env: &TestEnv) -> String {
    format!("{}:{}:{}", env.base().join("stub").display(), env.base().join("bin").display(), common::BASE_PATH)
}

fn with_ubus(env: &TestEnv, mut cmd: Command) -> Run {
    cmd.env("PATH", path_with_stub(env));
    common::run(&mut cmd)
}

/// The recorded `ubus` calls (argument lists), cleared.
fn ubus_calls(env: &TestEnv) -> Vec<Vec<String>> {
    let log = env.base().join("ubus.log");
    let text = String::from_utf8_lossy(&read(&log)).into_owned();
    let _ = std::fs::remove_file(&log);
    let mut calls = vec![];
    let mut cur = vec![];
    for l in text.lines() {
        if l == "--" {
            calls.push(std::mem::take(&mut cur));
        } else {
            cur.push(l.to_string());
        }
    }
    calls
}

fn event_of(env: &TestEnv, call: &[String]) -> Value {
    let sock = env.ubus_socket().display().to_string();
    assert_eq!(&call[..5], &["-s", sock.as_str(), "call", "service", "event"], "{call:?}");
    assert_eq!(call.len(), 6);
    serde_json::from_str(&call[5]).expect("event JSON")
}

#[test]
fn ucix_commit_sends_config_change_with_changes() {
    let env = setup("procd_events");
    ok(&uci(&env, &["set", "net.lan.proto=dhcp"]));
    ok(&uci(&env, &["set", "fw.lan.input=REJECT"]));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["commit", "net", "fw"])));
    let calls = ubus_calls(&env);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(
        event_of(&env, &calls[0]),
        json!({"type": "config.change", "data": {"package": "net", "changes": [
            {"op": "set", "section": "lan", "type": "interface", "option": "proto", "old": "static", "new": "dhcp"}]}})
    );
    assert_eq!(event_of(&env, &calls[1])["data"]["package"], "fw");
    say(format!("event sent: ubus {}", calls[0].iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ")));
    // apply and rollback send events too
    ok(&uci(&env, &["set", "net.lan.proto=pppoe"]));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["apply", "--timeout", "600", "net"])));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["rollback"])));
    let calls = ubus_calls(&env);
    assert_eq!(calls.len(), 2);
    assert_eq!(event_of(&env, &calls[1])["data"]["changes"][0]["new"], "dhcp");
}

#[test]
fn no_events_without_procd_or_when_disabled() {
    let env = setup("procd_absent");
    ok(&uci(&env, &["set", "net.lan.proto=dhcp"]));
    // the socket is missing
    std::fs::remove_file(env.ubus_socket()).unwrap();
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["commit"])));
    assert!(ubus_calls(&env).is_empty());
    // ubus is not on PATH
    std::fs::write(env.ubus_socket(), "").unwrap();
    ok(&uci(&env, &["set", "net.lan.proto=x"]));
    ok(&ucix(&env, &["commit"]));
    assert!(ubus_calls(&env).is_empty());
    // disabled
    env.write("config/ucix", "config events 'events'\n\toption enabled '0'\n");
    ok(&uci(&env, &["set", "net.lan.proto=y"]));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["commit"])));
    assert!(ubus_calls(&env).is_empty());
}

#[test]
fn dropin_commit_sends_events_only_when_enabled() {
    let env = setup("procd_dropin");
    ok(&uci(&env, &["set", "net.lan.proto=dhcp"]));
    let r = with_ubus(&env, with_dirs(env.uci(), &["commit", "net"]));
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    assert!(ubus_calls(&env).is_empty(), "events are off for uci commit by default");
    env.write("config/ucix", "config events 'events'\n\toption dropin '1'\n");
    ok(&uci(&env, &["set", "net.lan.proto=static"]));
    let r = with_ubus(&env, with_dirs(env.uci(), &["commit", "net"]));
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let calls = ubus_calls(&env);
    assert_eq!(calls.len(), 1);
    assert_eq!(event_of(&env, &calls[0])["data"]["package"], "net");
}

/// `reload_config`'s md5 check (procd-integration.md §3.1) with our `uci`
/// and the test's directories: prints `reload <package>` for each package
/// it would send `config.change` for, then rewrites the md5 file.
const RELOAD_CONFIG: &str = r#"set -e
mount -t tmpfs tmpfs /run
check=/var/run/config.check
rm -rf $check; mkdir -p $check
for f in config/*; do
    [ -f "$f" ] || continue
    n=$(basename "$f")
    [ -e "$check/$n" ] && continue
    uci -c config -t delta show "$n" > "$check/$n" 2>/dev/null || true
done
if [ -f "$MD5" ]; then
    md5sum -c "$MD5" 2>/dev/null | grep FAILED | cut -d: -f1 | while read -r p; do echo "reload $(basename "$p")"; done
fi
md5sum $check/* > "$MD5"
rm -rf $check
"#;

fn reload_config(env: &TestEnv) -> String {
    let mut c = env.command(&PathBuf::from("/bin/sh"));
    c.arg("-c").arg(RELOAD_CONFIG).env("MD5", env.config_md5());
    let r = common::run(&mut c);
    assert_eq!(r.status, 0, "reload_config: {r:?}");
    r.stdout
}

#[test]
fn config_md5_stays_true_after_ucix_commit() {
    let env = setup("procd_md5");
    // without an md5 file nothing creates one
    ok(&uci(&env, &["set", "net.lan.proto=a"]));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["commit"])));
    assert_eq!(ubus_calls(&env).len(), 1);
    assert!(!env.config_md5().exists());
    // the boot run creates it
    assert_eq!(reload_config(&env), "");
    let boot = String::from_utf8(read(&env.config_md5())).unwrap();
    assert_eq!(boot.lines().count(), 2, "{boot}");
    // staged changes of other packages are not made quiet
    ok(&uci(&env, &["set", "net.lan.proto=dhcp"]));
    ok(&uci(&env, &["set", "fw.lan.input=REJECT"]));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["commit", "net"])));
    assert_eq!(ubus_calls(&env).len(), 1);
    assert_eq!(reload_config(&env), "reload fw\n", "net was already announced by ucix; fw only staged");
    // our line is exactly what reload_config writes
    let ours = String::from_utf8(read(&env.config_md5())).unwrap();
    ok(&uci(&env, &["set", "net.lan.proto=static"]));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["commit", "net"])));
    assert_eq!(ubus_calls(&env).len(), 1);
    let after_commit = String::from_utf8(read(&env.config_md5())).unwrap();
    assert_ne!(after_commit, ours);
    assert_eq!(reload_config(&env), "");
    assert_eq!(String::from_utf8(read(&env.config_md5())).unwrap(), after_commit, "reload_config rewrote the same lines");
    // a plain uci commit (events off) leaves the line: reload_config reloads
    ok(&uci(&env, &["set", "net.lan.proto=dhcp"]));
    ok(&with_ubus(&env, with_dirs(env.uci(), &["commit", "net"])));
    assert!(ubus_calls(&env).is_empty());
    assert_eq!(reload_config(&env), "reload net\n");
}

#[test]
fn config_md5_line_matches_the_reference() {
    // procd-integration.md §3.3: this `system` hashes to 8333436c…
    let env = setup("procd_md5_reference");
    env.write("config/system", "config system\n\toption hostname 'X'\n\toption timezone 'UTC'\n");
    std::fs::write(
        env.config_md5(),
        "7219c29b09466afc80dfa47607db23f0  /var/run/config.check/dropbear\n0123456789abcdef0123456789abcdef  /var/run/config.check/system\n",
    )
    .unwrap();
    ok(&uci(&env, &["set", "system.@system[0].hostname=OpenWrt"]));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["commit", "system"])));
    assert_eq!(
        String::from_utf8(read(&env.config_md5())).unwrap(),
        "7219c29b09466afc80dfa47607db23f0  /var/run/config.check/dropbear\n8333436ce3e7c67dcd04e6eb38148784  /var/run/config.check/system\n"
    );
    // a package not in the file yet is inserted in byte order
    ok(&uci(&env, &["set", "fw.lan.input=DROP"]));
    ok(&with_ubus(&env, with_dirs(env.ucix(), &["commit", "fw"])));
    let lines: Vec<String> = String::from_utf8(read(&env.config_md5())).unwrap().lines().map(|l| l[34..].to_string()).collect();
    assert_eq!(lines, ["/var/run/config.check/dropbear", "/var/run/config.check/fw", "/var/run/config.check/system"]);
}
