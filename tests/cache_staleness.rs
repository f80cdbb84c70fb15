//! The cache is never stale and never changes what a command prints
//! (issue #5): every staleness case through the real `uci` binary, each
//! answer compared with a run under `UCIX_CACHE=0`, and `ucix stats` used to
//! see that the index was in fact used or rejected for the expected reason.

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run, say, Run, TestEnv};
use ucix::cache::stats::{self, Stats};

const NET: &str = "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n\tlist dns '1.1.1.1'\n\tlist dns '9.9.9.9'\n\nconfig interface 'wan'\n\toption proto 'dhcp'\n\nconfig rule\n\toption name 'r0'\n\nconfig rule\n\toption name 'r1'\n";

struct T {
    env: TestEnv,
}

impl T {
    fn new(name: &str) -> T {
        let env = TestEnv::new(name);
        std::fs::create_dir_all(env.confdir()).unwrap();
        std::fs::create_dir_all(env.savedir()).unwrap();
        T { env }
    }

    fn conf(&self, name: &str) -> PathBuf {
        self.env.confdir().join(name)
    }

    fn override_dir(&self) -> PathBuf {
        self.env.root().join("override")
    }

    fn args(&self) -> Vec<String> {
        let s = |p: PathBuf| p.to_string_lossy().into_owned();
        vec!["-c".into(), s(self.env.confdir()), "-t".into(), s(self.env.savedir()), "-C".into(), s(self.override_dir())]
    }

    fn cmd(&self, cache: bool, args: &[&str]) -> Command {
        let mut c = self.env.uci();
        c.args(self.args()).args(args);
        c.env("UCIX_CACHE", if cache { "1" } else { "0" });
        c
    }

    /// Runs `uci` with the cache; checks that the same command without the
    /// cache prints exactly the same. Returns the cached run.
    fn uci(&self, args: &[&str]) -> Run {
        let with = run(&mut self.cmd(true, args));
        let without = run(&mut self.cmd(false, args));
        assert_eq!(with, without, "uci {args:?}: the cache changed the result");
        with
    }

    /// Runs a command that changes something, once, with the cache.
    fn change(&self, args: &[&str]) -> Run {
        let r = run(&mut self.cmd(true, args));
        assert_eq!(r.status, 0, "uci {args:?}: {r:?}");
        r
    }

    fn get(&self, tuple: &str) -> String {
        let r = self.uci(&["get", tuple]);
        assert_eq!(r.status, 0, "get {tuple}: {r:?}");
        r.stdout
    }

    fn stats(&self) -> Stats {
        stats::read(&self.env.cache_dir())
    }

    fn rejects(&self, pkg: &str, why: &str) -> u64 {
        self.stats().rejects.get(&(pkg.to_string(), why.to_string())).copied().unwrap_or(0)
    }

    fn indexes(&self) -> Vec<PathBuf> {
        let Ok(rd) = std::fs::read_dir(self.env.cache_dir()) else { return vec![] };
        let mut v: Vec<PathBuf> =
            rd.flatten().map(|e| e.path()).filter(|p| ucix::cache::is_index_name(&p.file_name().unwrap().to_string_lossy())).collect();
        v.sort();
        v
    }

    fn only_index(&self) -> PathBuf {
        let v = self.indexes();
        assert_eq!(v.len(), 1, "{v:?}");
        v.into_iter().next().unwrap()
    }

    /// Loads `net` until its index answers (a first load builds it).
    fn warm(&self) {
        self.get("net.lan.proto");
        let hits = self.stats().hits;
        self.get("net.lan.proto");
        assert_eq!(self.stats().hits, hits + 1, "the index did not answer: {:?}", self.stats());
    }
}

fn root_or_skip(what: &str) -> bool {
    if common::is_root() {
        return true;
    }
    say(format!("skipped: {what} needs root"));
    false
}

fn set_mtime(p: &Path, m: std::time::SystemTime) {
    let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    f.set_times(std::fs::FileTimes::new().set_modified(m)).unwrap();
}

#[test]
fn first_load_builds_second_answers() {
    let t = T::new("first_load_builds_second_answers");
    t.env.write("config/net", NET);
    assert_eq!(t.get("net.lan.proto"), "static\n");
    assert_eq!(t.rejects("net", "missing"), 1);
    assert_eq!(t.stats().rebuilds, 1);
    t.only_index();
    assert_eq!(t.get("net.lan.dns"), "1.1.1.1 9.9.9.9\n");
    assert_eq!(t.get("net.@rule[-1].name"), "r1\n");
    assert_eq!(t.get("net.@rule[0]"), "rule\n");
    assert_eq!(t.stats().hits, 3);
    // every read path, and the error paths, print the same with the cache
    for args in [
        &["show", "net"][..],
        &["show", "net.lan"],
        &["-X", "show", "net"],
        &["export", "net"],
        &["-S", "-n", "export", "net"],
        &["-d", ",", "get", "net.lan.dns"],
        &["get", "net.lan.nope"],
        &["get", "net.nope"],
        &["get", "net.@rule[5].name"],
        &["get", "net.lan.proto=x"],
        &["get", "net"],
        &["changes", "net"],
        &["show"],
    ] {
        t.uci(args);
    }
    assert_eq!(t.stats().misses, 1, "{:?}", t.stats());
}

#[test]
fn same_size_edit_with_mtime_set_back() {
    let t = T::new("same_size_edit_with_mtime_set_back");
    let f = t.env.write("config/net", NET);
    t.warm();
    let before = std::fs::metadata(&f).unwrap();
    std::fs::write(&f, NET.replace("'static'", "'statiX'")).unwrap();
    set_mtime(&f, before.modified().unwrap());
    let after = std::fs::metadata(&f).unwrap();
    assert_eq!((before.size(), before.mtime(), before.mtime_nsec()), (after.size(), after.mtime(), after.mtime_nsec()));
    assert_eq!(t.get("net.lan.proto"), "statiX\n");
    assert!(t.rejects("net", "config-changed") + t.rejects("net", "content-changed") >= 1, "{:?}", t.stats());
}

#[test]
fn replaced_by_rename() {
    let t = T::new("replaced_by_rename");
    let f = t.env.write("config/net", NET);
    t.warm();
    let tmp = t.env.write("config/.net.new", NET.replace("'dhcp'", "'pppoe'"));
    std::fs::rename(&tmp, &f).unwrap();
    assert_eq!(t.get("net.wan.proto"), "pppoe\n");
    assert_eq!(t.rejects("net", "config-changed"), 1);
    // the rebuilt index answers the new content
    let hits = t.stats().hits;
    assert_eq!(t.get("net.wan.proto"), "pppoe\n");
    assert_eq!(t.stats().hits, hits + 1);
}

#[test]
fn delta_file_appears_and_disappears() {
    let t = T::new("delta_file_appears_and_disappears");
    t.env.write("config/net", NET);
    let extra = t.env.root().join("extra");
    std::fs::create_dir_all(&extra).unwrap();
    let p = extra.to_string_lossy().into_owned();
    // -p adds a delta directory before the save directory
    let get = |tuple: &str| {
        let r = t.uci(&["-p", &p, "get", tuple]);
        r.stdout
    };
    assert_eq!(get("net.lan.proto"), "static\n");
    assert_eq!(get("net.lan.proto"), "static\n");
    std::fs::write(extra.join("net"), "net.lan.proto='dhcp'\n").unwrap();
    assert_eq!(get("net.lan.proto"), "dhcp\n");
    assert_eq!(t.rejects("net", "delta-changed"), 1);
    assert_eq!(get("net.lan.proto"), "dhcp\n");
    std::fs::remove_file(extra.join("net")).unwrap();
    assert_eq!(get("net.lan.proto"), "static\n");
    assert_eq!(t.rejects("net", "delta-changed"), 2);
    // in the save directory too
    std::fs::write(t.env.savedir().join("net"), "net.wan.proto='none'\n").unwrap();
    assert_eq!(get("net.wan.proto"), "none\n");
    assert_eq!(get("net.wan.proto"), "none\n");
    std::fs::remove_file(t.env.savedir().join("net")).unwrap();
    assert_eq!(get("net.wan.proto"), "dhcp\n");
}

#[test]
fn appended_changes_are_replayed() {
    let t = T::new("appended_changes_are_replayed");
    t.env.write("config/net", NET);
    t.warm();
    t.change(&["set", "net.lan.proto=dhcp"]);
    assert_eq!(t.get("net.lan.proto"), "dhcp\n");
    t.change(&["add_list", "net.lan.dns=8.8.8.8"]);
    t.change(&["set", "net.new=interface"]);
    t.change(&["add", "net", "rule"]);
    assert_eq!(t.get("net.lan.dns"), "1.1.1.1 9.9.9.9 8.8.8.8\n");
    assert_eq!(t.get("net.@rule[-1]"), "rule\n");
    let ch = t.uci(&["changes", "net"]);
    assert_eq!(ch.stdout.lines().count(), 4, "{ch:?}");
    t.uci(&["show", "net"]);
    t.uci(&["export", "net"]);
    assert!(t.stats().appended >= 3, "{:?}", t.stats());
    // a delta file rewritten in place (revert) is not an append
    t.change(&["revert", "net.lan"]);
    assert_eq!(t.get("net.lan.proto"), "static\n");
    t.uci(&["changes", "net"]);
    t.change(&["commit", "net"]);
    assert_eq!(t.get("net.new"), "interface\n");
    t.uci(&["changes", "net"]);
    t.uci(&["export", "net"]);
}

#[test]
fn override_appears() {
    let t = T::new("override_appears");
    t.env.write("config/net", NET);
    t.warm();
    std::fs::create_dir_all(t.override_dir()).unwrap();
    std::fs::write(t.override_dir().join("net"), "config interface 'lan'\n\toption proto 'ovr'\n").unwrap();
    assert_eq!(t.get("net.lan.proto"), "ovr\n");
    assert_eq!(t.rejects("net", "config-changed"), 1);
    std::fs::remove_file(t.override_dir().join("net")).unwrap();
    assert_eq!(t.get("net.lan.proto"), "static\n");
}

/// Flips a byte at `at` (negative: from the end).
fn corrupt(p: &Path, at: isize) {
    let mut b = std::fs::read(p).unwrap();
    let i = if at < 0 { (b.len() as isize + at) as usize } else { at as usize };
    b[i] ^= 0x5a;
    std::fs::write(p, b).unwrap();
}

#[test]
fn corrupt_truncated_and_other_version_indexes_are_ignored() {
    let t = T::new("corrupt_truncated_and_other_version_indexes_are_ignored");
    t.env.write("config/net", NET);
    type Damage<'a> = &'a dyn Fn(&Path);
    let cases: [(&str, Damage); 5] = [
        ("corrupt", &|p| corrupt(p, -20)),   // data block
        ("corrupt", &|p| corrupt(p, 100)),   // meta region
        ("corrupt", &|p| std::fs::write(p, b"not an index at all, really not, no no no, not at all. Not at all! ........................................................................................................................................").unwrap()),
        ("truncated", &|p| {
            let b = std::fs::read(p).unwrap();
            std::fs::write(p, &b[..b.len() / 2]).unwrap();
        }),
        ("version", &|p| {
            let mut b = std::fs::read(p).unwrap();
            b[16] = 99;
            std::fs::write(p, b).unwrap();
        }),
    ];
    let mut expected = std::collections::BTreeMap::new();
    for (why, damage) in cases {
        t.warm();
        damage(&t.only_index());
        for tuple in ["net.lan.proto", "net.@rule[-1].name"] {
            let r = t.uci(&["get", tuple]);
            assert_eq!(r.stderr, "");
            assert_eq!(r.status, 0);
        }
        t.uci(&["show", "net"]);
        *expected.entry(why).or_insert(0) += 1;
        assert_eq!(t.rejects("net", why), expected[why], "{why}: {:?}", t.stats());
    }
    // an empty index file
    std::fs::write(t.only_index(), b"").unwrap();
    assert_eq!(t.get("net.lan.proto"), "static\n");
    assert_eq!(t.rejects("net", "truncated"), 2);
}

#[test]
fn index_owned_by_another_user_is_ignored() {
    if !root_or_skip("chown") {
        return;
    }
    let t = T::new("index_owned_by_another_user_is_ignored");
    t.env.write("config/net", NET);
    t.warm();
    let idx = t.only_index();
    std::os::unix::fs::chown(&idx, Some(65534), Some(65534)).unwrap();
    assert_eq!(t.get("net.lan.proto"), "static\n");
    assert!(t.rejects("net", "owner") >= 1, "{:?}", t.stats());
    assert_eq!(std::fs::metadata(t.only_index()).unwrap().uid(), 0, "rebuilt by its user");
}

/// `uci` in a private mount namespace after `setup` (shell), with the
/// test's environment; `after` runs in the same namespace afterwards.
fn in_namespace(t: &T, setup: &str, after: &str, args: &[&str]) -> Run {
    let mut script = format!("set -e; mount -t tmpfs tmpfs /tmp; {setup}; set +e; \"$@\"; rc=$?; ");
    script.push_str(after);
    script.push_str("; exit $rc");
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-c", &script, "sh"]).arg(common::uci_bin());
    c.args(t.args()).args(args);
    c.env_clear().env("PATH", common::BASE_PATH).current_dir(t.env.root());
    for (k, v) in t.env.ucix_vars() {
        c.env(k, v);
    }
    run(&mut c)
}

fn sh_path(p: &Path) -> String {
    common::sh_quote(&p.to_string_lossy())
}

#[test]
fn unwritable_cache_directory() {
    if !root_or_skip("a read-only bind mount") || common::isolation().is_err() {
        return;
    }
    let t = T::new("unwritable_cache_directory");
    t.env.write("config/net", NET);
    let d = sh_path(&t.env.cache_dir());
    std::fs::create_dir_all(t.env.cache_dir()).unwrap();
    let ro = format!("mount --bind {d} {d}; mount -o remount,bind,ro {d}");
    let expect = run(&mut t.cmd(false, &["get", "net.lan.proto"]));
    // no index can be written: same answer, nothing printed, nothing left
    for _ in 0..2 {
        let r = in_namespace(&t, &ro, "true", &["get", "net.lan.proto"]);
        assert_eq!(r, expect);
    }
    assert!(t.indexes().is_empty());
    // an index written before is still used, read-only
    t.warm();
    let hits = t.stats().hits;
    let r = in_namespace(&t, &ro, &format!("test -z \"$(ls -A {d} | grep -v -e '^net\\.' -e '^stats$')\""), &["get", "net.lan.proto"]);
    assert_eq!(r, expect);
    assert_eq!(t.stats().hits, hits, "stats cannot be counted read-only");
    // a stale index in a read-only directory is ignored
    std::fs::write(t.conf("net"), NET.replace("'static'", "'dhcp'")).unwrap();
    let r = in_namespace(&t, &ro, "true", &["get", "net.lan.proto"]);
    assert_eq!(r.stdout, "dhcp\n");
    assert_eq!(r.stderr, "");
}

#[test]
fn full_cache_directory() {
    if !root_or_skip("a tmpfs mount") || common::isolation().is_err() {
        return;
    }
    let t = T::new("full_cache_directory");
    let mut big = String::new();
    for i in 0..400 {
        big.push_str(&format!("config host 'h{i}'\n\toption mac '00:11:22:33:44:{:02x}'\n\toption ip '10.0.{}.{}'\n", i % 256, i / 256, i % 256));
    }
    t.env.write("config/net", &big);
    let d = sh_path(&t.env.cache_dir());
    std::fs::create_dir_all(t.env.cache_dir()).unwrap();
    let listing = t.env.root().join("listing");
    let expect = run(&mut t.cmd(false, &["get", "net.h399.ip"]));
    let r = in_namespace(
        &t,
        &format!("mount -t tmpfs -o size=8k tmpfs {d}"),
        &format!("ls -A {d} > {}", sh_path(&listing)),
        &["get", "net.h399.ip"],
    );
    assert_eq!(r, expect);
    let left = std::fs::read_to_string(&listing).unwrap();
    assert!(!left.contains(".idx-") && !left.contains("net."), "left behind: {left}");
}

#[test]
fn missing_or_blocked_cache_directory() {
    let t = T::new("missing_or_blocked_cache_directory");
    t.env.write("config/net", NET);
    // the cache directory is created on first use
    t.warm();
    // a file where the directory should be
    std::fs::remove_dir_all(t.env.cache_dir()).unwrap();
    std::fs::write(t.env.cache_dir(), b"x").unwrap();
    for _ in 0..2 {
        let r = t.uci(&["get", "net.lan.proto"]);
        assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("static\n", ""));
    }
}

#[test]
fn cache_off_writes_nothing() {
    let t = T::new("cache_off_writes_nothing");
    t.env.write("config/net", NET);
    for _ in 0..2 {
        run(&mut t.cmd(false, &["get", "net.lan.proto"]));
    }
    assert!(!t.env.cache_dir().exists());
}

#[test]
fn parse_errors_are_never_cached() {
    let t = T::new("parse_errors_are_never_cached");
    t.env.write("config/net", "config interface 'lan'\n\toption proto 'static' extra\nconfig bad name here\n\toption x '1'\n");
    for _ in 0..2 {
        t.uci(&["get", "net.lan.proto"]);
        t.uci(&["-S", "get", "net.lan.proto"]);
        t.uci(&["-S", "show", "net"]);
    }
    assert!(t.indexes().is_empty(), "{:?}", t.indexes());
    // a clean file is cached by a strict load and answers non-strict loads
    t.env.write("config/net", NET);
    t.warm();
    let hits = t.stats().hits;
    t.uci(&["-S", "show", "net"]);
    assert_eq!(t.stats().hits, hits + 1);
}

#[test]
fn ucix_cache_commands() {
    let t = T::new("ucix_cache_commands");
    t.env.write("config/net", NET);
    t.env.write("config/other", "config a 'b'\n");
    let ucix = |args: &[&str]| {
        let mut c = t.env.ucix();
        c.args(t.args()).args(args);
        run(&mut c)
    };
    let st = ucix(&["cache", "status"]);
    assert!(st.stdout.contains("net: missing\nother: missing\n"), "{st:?}");
    let r = ucix(&["cache", "rebuild"]);
    assert_eq!(r.stdout, "net: rebuilt\nother: rebuilt\n", "{r:?}");
    let st = ucix(&["cache", "status", "net"]);
    assert!(st.stdout.contains("net: fresh (4 sections"), "{st:?}");
    std::fs::write(t.conf("net"), NET.replace("lan", "lon")).unwrap();
    let st = ucix(&["cache", "status", "net"]);
    assert!(st.stdout.contains("net: stale (config-changed)"), "{st:?}");
    assert_eq!(ucix(&["cache", "clear", "net"]).stdout, "removed 1 index file\n");
    assert_eq!(t.indexes().len(), 1);
    assert_eq!(ucix(&["cache", "clear"]).stdout, "removed 1 index file\n");
    let s = ucix(&["stats"]);
    assert!(s.stdout.contains("\nmisses 2\nrebuilds 2\n"), "{s:?}");
    assert!(s.stdout.contains("rejected:\n  net missing 1\n  other missing 1\n"), "{s:?}");
    assert_eq!(ucix(&["stats", "--reset"]).status, 0);
    assert!(ucix(&["stats"]).stdout.contains("\nhits 0\n"));
    let mut off = t.env.ucix();
    off.args(t.args()).args(["cache", "status"]).env("UCIX_CACHE", "0");
    let r = run(&mut off);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("cache is off"), "{r:?}");
    // plain uci commands still run through ucix
    let mut g = t.env.ucix();
    g.args(t.args()).args(["get", "other.b"]);
    assert_eq!(run(&mut g).stdout, "a\n");
}

#[test]
fn old_indexes_are_pruned() {
    let t = T::new("old_indexes_are_pruned");
    t.env.write("config/net", NET);
    let dir = t.env.cache_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for i in 0..ucix::cache::MAX_INDEXES + 40 {
        let f = dir.join(format!("other.{i:016x}"));
        std::fs::write(&f, b"junk").unwrap();
        std::fs::File::options().write(true).open(&f).unwrap().set_times(std::fs::FileTimes::new().set_modified(old)).unwrap();
    }
    let stale_temp = dir.join(".idx-dead01");
    std::fs::write(&stale_temp, b"x").unwrap();
    std::fs::File::options().write(true).open(&stale_temp).unwrap().set_times(std::fs::FileTimes::new().set_modified(old)).unwrap();
    t.warm();
    let left = t.indexes();
    assert_eq!(left.len(), ucix::cache::KEEP_INDEXES, "{}", left.len());
    assert!(left.iter().any(|p| p.file_name().unwrap().to_string_lossy().starts_with("net.")), "the new index is kept");
    assert!(!stale_temp.exists());
}
