//! Failure safety of commits: on a full file system (a small tmpfs as the
//! config directory, mounted in the test's private mount namespace), on a
//! read-only bind mount, and for an unprivileged user (EACCES), a commit
//! changes nothing, keeps the pending changes, leaves nothing behind and
//! reports a clear error (`uci commit`: `uci: I/O error`, as the original).
//! Needs root (mounts, setpriv); skipped otherwise.

mod common;
mod txn_support;

use common::{TestEnv, is_root, say};
use txn_support::*;

const NET: &str = "config sect 'main'\n\toption a 'old'\n";
const FW: &str = "config zone 'lan'\n\toption a 'old'\n";

struct Result {
    status: i32,
    stdout: String,
    stderr: String,
    listing: Vec<String>,
    net: String,
    fw: String,
    deltas: (String, String),
}

/// Runs `prepare` (shell, in the test root, in the private namespace), writes
/// the configs, stages changes to net and fw, runs `after` and then `cmd` (a
/// shell command line), then copies the results out of the namespace.
fn scenario(env: &TestEnv, prepare: &str, after: &str, cmd: &str) -> Result {
    let _ = std::fs::remove_dir_all(env.root().join("out"));
    let script = format!(
        r#"set -e
rm -rf config delta out
mkdir -p config delta out
{prepare}
printf '%s' "$NET" > config/net
printf '%s' "$FW" > config/fw
uci -c config -t delta set net.main.a=new
uci -c config -t delta set fw.lan.a=new
uci -c config -t delta add_list fw.lan.l=x
{after}
set +e
{cmd} > out/stdout 2> out/stderr
echo $? > out/status
set -e
rm -f config/.fill
ls -A config > out/ls
cp config/net config/fw out/
cp delta/net out/net.delta; cp delta/fw out/fw.delta
"#
    );
    let r = common::run(env.command(std::path::Path::new("/bin/sh")).arg("-c").arg(&script).env("NET", NET).env("FW", FW));
    assert_eq!(r.status, 0, "scenario script failed: {r:?}");
    let out = env.root().join("out");
    let s = |n: &str| String::from_utf8_lossy(&read(&out.join(n))).into_owned();
    Result {
        status: s("status").trim().parse().unwrap(),
        stdout: s("stdout"),
        stderr: s("stderr"),
        listing: s("ls").lines().map(String::from).collect(),
        net: s("net"),
        fw: s("fw"),
        deltas: (s("net.delta"), s("fw.delta")),
    }
}

fn assert_unchanged(r: &Result, what: &str) {
    assert_eq!(r.listing, vec!["fw", "net"], "{what}: files left in the config directory");
    assert_eq!((r.net.as_str(), r.fw.as_str()), (NET, FW), "{what}: a config changed");
    assert_eq!(r.deltas.0, "net.main.a='new'\n", "{what}: net's pending changes");
    assert_eq!(r.deltas.1, "fw.lan.a='new'\n|fw.lan.l='x'\n", "{what}: fw's pending changes");
}

fn root_only() -> bool {
    if !is_root() || common::isolation().is_err() {
        say("skipped: needs root and unshare (private mounts)");
        return false;
    }
    true
}

#[test]
fn full_disk_changes_nothing() {
    if !root_only() {
        return;
    }
    let env = TestEnv::new("txn_full_disk");
    // FREE pages left after filling a 64 KiB tmpfs: 0 (not even the journal
    // fits), 1 (journal, no temp file), 2 (journal and one temp file)
    for free in 0..=2 {
        let prep = "mount -t tmpfs -o size=64k tmpfs config";
        let fill = format!("dd if=/dev/zero of=config/.fill bs=4096 2>/dev/null || true; truncate -s -{} config/.fill", 4096 * free);
        let r = scenario(&env, prep, &fill, "uci -c config -t delta commit net");
        if free < 2 {
            assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (1, "", "uci: I/O error\n"), "uci commit, {free} free pages");
            assert_unchanged(&r, &format!("uci commit, {free} free pages"));
        }
        let r = scenario(&env, prep, &fill, "ucix -c config -t delta commit net fw");
        assert_eq!(r.status, 1, "ucix commit, {free} free pages: {}", r.stderr);
        assert!(
            r.stderr.starts_with("ucix: commit failed, nothing was changed: ") && r.stderr.contains("No space left on device"),
            "ucix commit, {free} free pages: {}",
            r.stderr
        );
        assert_unchanged(&r, &format!("ucix commit, {free} free pages"));
        say(format!("full disk, {free} free pages: {}", r.stderr.trim()));
    }
}

#[test]
fn read_only_config_dir_changes_nothing() {
    if !root_only() {
        return;
    }
    let env = TestEnv::new("txn_read_only");
    let ro = "mount --bind config config; mount -o remount,bind,ro config";
    let r = scenario(&env, "", ro, "uci -c config -t delta commit net");
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (1, "", "uci: I/O error\n"));
    assert_unchanged(&r, "uci commit on a read-only config dir");
    let r = scenario(&env, "", ro, "ucix -c config -t delta commit");
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("Read-only file system"), "{}", r.stderr);
    assert_unchanged(&r, "ucix commit on a read-only config dir");
}

#[test]
fn permission_denied_changes_nothing() {
    if !root_only() || common::find_in_base_path("setpriv").is_none() {
        return;
    }
    let env = TestEnv::new("txn_eacces");
    // configs owned by root (0644 in a 0755 directory), delta files writable
    // by the unprivileged user
    let open_deltas = "chmod 755 config; chmod 777 delta; chmod 666 delta/*";
    let as_nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups";
    let r = scenario(&env, "", open_deltas, &format!("{as_nobody} uci -c config -t delta commit net"));
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (1, "", "uci: I/O error\n"));
    assert_unchanged(&r, "uci commit without permission");
    let r = scenario(&env, "", open_deltas, &format!("{as_nobody} ucix -c config -t delta commit"));
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("Permission denied"), "{}", r.stderr);
    assert_unchanged(&r, "ucix commit without permission");
}
