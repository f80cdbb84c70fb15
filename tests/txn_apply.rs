//! `ucix apply / confirm / rollback` and the history: confirm keeps the
//! applied state, the timeout (detached watcher) and `ucix rollback` restore
//! the previous content (hooks run again), a pending rollback survives the
//! `ucix apply` process and refuses state-changing `ucix` commands but not
//! the drop-in `uci`, the next `ucix` command rolls back when the watcher
//! is gone; `ucix history` and `ucix rollback --to`.

mod common;
mod txn_support;

use std::time::{Duration, Instant};

use common::{TestEnv, say};
use txn_support::*;

const NET: &str = "config interface 'lan'\n\toption proto 'static'\n";
const FW: &str = "config zone 'lan'\n\toption input 'ACCEPT'\n";

fn setup(name: &str) -> TestEnv {
    let env = TestEnv::new(name);
    env.write("config/net", NET);
    env.write("config/fw", FW);
    write_exec(
        &env.hooks_dir().join("10-record"),
        &format!("#!/bin/sh\necho \"$UCIX_ACTION $UCIX_PACKAGES\" >> {}\n", env.base().join("hook.log").display()),
    );
    env
}

fn stage(env: &TestEnv) {
    ok(&uci(env, &["set", "net.lan.proto=dhcp"]));
    ok(&uci(env, &["set", "fw.lan.input=REJECT"]));
}

fn hook_log(env: &TestEnv) -> String {
    String::from_utf8_lossy(&read(&env.base().join("hook.log"))).into_owned()
}

fn pending(env: &TestEnv) -> bool {
    env.state_dir().join("apply/pending").exists()
}

fn configs(env: &TestEnv) -> (String, String) {
    let r = |n: &str| String::from_utf8_lossy(&read(&env.confdir().join(n))).into_owned();
    (r("net"), r("fw"))
}

/// Polls (no timing assertion: only an upper bound against hanging).
fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(60), "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn watcher_pid(env: &TestEnv) -> Option<i32> {
    let text = std::fs::read_to_string(env.state_dir().join("apply/pending")).ok()?;
    text.lines().find_map(|l| l.strip_prefix("watcher=")).and_then(|p| p.parse().ok()).filter(|&p| p != 0)
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map(|s| !s.contains(") Z ")).unwrap_or(false)
}

#[test]
fn apply_then_confirm_keeps_the_new_state() {
    let env = setup("apply_confirm");
    stage(&env);
    let r = ok(&ucix(&env, &["apply", "--timeout", "600"])).clone();
    assert_eq!(r.stdout, "applied fw net; rolled back in 600 s unless 'ucix confirm'\n");
    let applied = configs(&env);
    assert!(applied.0.contains("'dhcp'") && applied.1.contains("'REJECT'"));
    assert!(pending(&env));
    let pid = watcher_pid(&env).expect("watcher pid");
    assert!(alive(pid), "the watcher outlives ucix apply");
    let r = ucix(&env, &["confirm"]);
    assert_eq!(r.status, 0, "{r:?}");
    assert!(r.stdout.starts_with("confirmed apply "));
    assert!(!pending(&env));
    wait_until("the watcher to exit", || !alive(pid));
    assert_eq!(configs(&env), applied);
    assert_eq!(hook_log(&env), "apply fw net\n");
    let r = ucix(&env, &["confirm"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "ucix: confirm: no apply is pending\n"));
    assert_eq!(leftovers(&env), Vec::<String>::new());
}

#[test]
fn apply_times_out_and_the_watcher_rolls_back() {
    let env = setup("apply_timeout");
    stage(&env);
    ok(&ucix(&env, &["apply", "--timeout", "1", "net"]));
    assert!(configs(&env).0.contains("'dhcp'"));
    // fw was not applied: still pending as a change
    assert_eq!(uci(&env, &["changes", "fw"]).stdout, "fw.lan.input='REJECT'\n");
    wait_until("the rollback", || !pending(&env));
    assert_eq!(configs(&env), (NET.to_string(), FW.to_string()));
    assert_eq!(hook_log(&env), "apply net\nrollback net\n");
    assert_eq!(leftovers(&env), Vec::<String>::new());
}

#[test]
fn pending_rollback_refuses_ucix_but_not_uci_and_rollback_restores() {
    let env = setup("apply_pending");
    stage(&env);
    ok(&ucix(&env, &["apply", "--timeout", "600", "net"]));
    // a new process sees the pending rollback
    for args in [&["commit"][..], &["apply", "fw"], &["revert", "fw"], &["migrate"]] {
        let r = ucix(&env, args);
        assert_eq!(r.status, 1, "{args:?}: {r:?}");
        assert!(r.stderr.starts_with(&format!("ucix: {} refused: a rollback is pending (apply ", args[0])), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("run 'ucix confirm'"), "{}", r.stderr);
    }
    // the drop-in entry point is not refused
    ok(&uci(&env, &["commit", "fw"]));
    assert!(configs(&env).1.contains("'REJECT'"));
    // reading through ucix works
    assert_eq!(ok(&ucix(&env, &["get", "net.lan.proto"])).stdout, "dhcp\n");
    let pid = watcher_pid(&env).expect("watcher");
    let r = ok(&ucix(&env, &["rollback"])).clone();
    assert_eq!(r.stdout, "rolled back net\n");
    assert!(!pending(&env));
    wait_until("the watcher to exit", || !alive(pid));
    assert_eq!(configs(&env).0, NET);
    assert!(configs(&env).1.contains("'REJECT'"), "fw was not part of the apply");
    assert_eq!(hook_log(&env), "apply net\ncommit fw\nrollback net\n");
    let r = ucix(&env, &["rollback"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "ucix: rollback: no apply is pending\n"));
}

#[test]
fn next_ucix_command_rolls_back_when_the_watcher_is_gone() {
    let env = setup("apply_no_watcher");
    stage(&env);
    ok(&ucix(&env, &["apply", "--timeout", "1", "net"]));
    let pid = watcher_pid(&env).expect("watcher");
    let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    wait_until("the watcher to die", || !alive(pid));
    std::thread::sleep(Duration::from_millis(1100));
    assert!(pending(&env), "nobody rolled back yet");
    assert_eq!(ok(&ucix(&env, &["get", "net.lan.proto"])).stdout, "static\n");
    assert!(!pending(&env));
    assert_eq!(configs(&env).0, NET);
}

#[test]
fn apply_of_a_missing_package_changes_nothing() {
    let env = setup("apply_missing_package");
    stage(&env);
    // a package without a config file cannot be loaded: nothing is applied
    let r = ucix(&env, &["apply", "net", "extra"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("cannot load extra: Entry not found"), "{}", r.stderr);
    assert!(!pending(&env));
    assert_eq!(configs(&env), (NET.to_string(), FW.to_string()));
    assert_eq!(hook_log(&env), "");
}

#[test]
fn history_lists_versions_and_rollback_to_restores_one() {
    let env = setup("history");
    env.write("config/ucix", "config history 'history'\n\toption keep '3'\n");
    for v in ["a", "b", "c", "d"] {
        ok(&uci(&env, &["set", &format!("net.lan.proto={v}")]));
        ok(&ucix(&env, &["commit", "net"]));
    }
    let h = ok(&ucix(&env, &["history", "net"])).stdout.clone();
    let lines: Vec<&str> = h.lines().collect();
    assert_eq!(lines[0], "ID\tTIME (UTC)\tPACKAGE\tACTION\tBYTES");
    assert_eq!(lines.len(), 4, "3 versions kept:\n{h}");
    let ids: Vec<u64> = lines[1..].iter().map(|l| l.split('\t').next().unwrap().parse().unwrap()).collect();
    assert_eq!(ids, vec![3, 4, 5], "{h}");
    assert!(lines[3].ends_with("\t*") && !lines[2].ends_with('*'), "current marked:\n{h}");
    assert!(lines.iter().skip(1).all(|l| l.split('\t').nth(3) == Some("commit")));
    // version 3 is the one with proto 'b'
    let r = ok(&ucix(&env, &["rollback", "--to", "3"])).clone();
    assert_eq!(r.stdout, "restored net to version 3\n");
    assert_eq!(ok(&uci(&env, &["get", "net.lan.proto"])).stdout, "b\n");
    let h = ok(&ucix(&env, &["history"])).stdout.clone();
    assert!(h.lines().last().unwrap().contains("\tnet\trollback\t"), "{h}");
    assert_eq!(ucix(&env, &["rollback", "--to", "1"]).stderr, "ucix: rollback: no version 1 in the history\n");
    // a version of another config directory is not restored here
    let other = ucix(&env, &["-c", "elsewhere", "rollback", "--to", "6"]);
    assert_eq!(other.status, 1);
    assert!(other.stderr.contains("belongs to"), "{}", other.stderr);
    // the first commit of a package records its content from before
    ok(&uci(&env, &["set", "fw.lan.input=DROP"]));
    ok(&uci(&env, &["commit", "fw"]));
    let h = ok(&ucix(&env, &["history", "fw"])).stdout.clone();
    let actions: Vec<&str> = h.lines().skip(1).map(|l| l.split('\t').nth(3).unwrap()).collect();
    assert_eq!(actions, vec!["initial", "commit"], "{h}");
    say(format!("history:\n{h}"));
}
