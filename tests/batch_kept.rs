//! `uci batch` keeps each package in memory from one line to the next
//! (`src/store/kept.rs`) instead of reloading it as the original does. What
//! a batch prints and writes must stay what a reload on every line gives:
//!
//! * `batch_equals_one_process_per_line`: scripts whose changes a replay
//!   could do differently (duplicate section names after a rename, a rename
//!   to an invalid name that a replay skips, `add`, `reorder`, deletes,
//!   list items, `revert`, `commit`) give the same output, statuses and
//!   files as the same lines run as one `uci` process each;
//! * `changes_by_others_between_lines_are_seen`: a change saved by another
//!   process to the same delta file, and a config file replaced, between two
//!   lines of a running batch are seen by the next line.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{run, run_with_stdin, TestEnv};

const CFG: &str = "config t 'a'\n\toption o '1'\n\tlist l 'x'\n\tlist l 'y'\nconfig t 'b'\n\toption p '2'\nconfig u 'c'\n\toption o '3'\nconfig t\n\toption o 'anon'\n";

/// The output (stdout, stderr) of each line run as its own process (the
/// original's reload on every line).
fn one_by_one(env: &TestEnv, lines: &[&str]) -> (String, String) {
    let (mut out, mut err) = (String::new(), String::new());
    for l in lines {
        let r = run_with_stdin(env.uci().args(["-c", "config", "-t", "delta", "batch"]), format!("{l}\n"));
        out.push_str(&r.stdout);
        err.push_str(&r.stderr);
    }
    (out, err)
}

fn state(env: &TestEnv) -> String {
    let export = run(env.uci().args(["-c", "config", "-t", "delta", "export", "p"]));
    let delta = env.read_opt("delta/p").map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    format!("{}{}--\n{delta}", export.stdout, env.read("config/p"))
}

#[test]
fn batch_equals_one_process_per_line() {
    let scripts: &[&[&str]] = &[
        // a rename makes two sections `a`; changes by position then name the
        // first one when replayed
        &["rename p.b=a", "set p.@t[1].o=x", "get p.@t[0].o", "get p.@t[1].o", "show p", "changes p"],
        &["rename p.b=a", "delete p.@t[1].p", "add_list p.@t[1].l=z", "show p", "reorder p.@t[1]=0", "show p"],
        // a replay skips a rename to an invalid name
        &["rename p.a='bad name'", "get p.a.o", "show p", "rename p.a.o='bad'", "show p"],
        // anonymous sections, deletes, list items, reorder, revert, commit
        &["add p t", "set p.@t[-1].o=new", "show p", "delete p.@t[0].l=0", "del_list p.a.l=y", "get p.a.l", "reorder p.c=0", "show p"],
        &["set p.a.o=''", "set p.a.q='it'\\''s'", "revert p.a", "show p", "set p.c.o=9", "commit p", "show p", "set p.c.o=10", "changes p", "export p"],
        &["set p.n=t", "set p.n.o=1", "set p.n=u", "get p.@u[1].o", "rename p.n.o=k", "show p", "delete p.n", "show p", "changes p"],
        &["set p.@t[-1]=u", "show p", "set p.cfg01=t", "set p.cfg01.o=1", "add p u", "show p", "commit p", "show p"],
    ];
    for (i, lines) in scripts.iter().enumerate() {
        let a = TestEnv::new(&format!("batch_kept_batch_{i}"));
        let b = TestEnv::new(&format!("batch_kept_lines_{i}"));
        for e in [&a, &b] {
            e.write("config/p", CFG);
        }
        let r = run_with_stdin(a.uci().args(["-c", "config", "-t", "delta", "batch"]), lines.join("\n") + "\n");
        let reference = one_by_one(&b, lines);
        assert_eq!((r.stdout, r.stderr), reference, "script {i}: {lines:?}");
        assert_eq!(state(&a), state(&b), "script {i}: {lines:?}");
    }
}

/// Waits until `f` holds (a running batch got to a line), failing after a
/// minute.
fn wait_for(what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn changes_by_others_between_lines_are_seen() {
    let env = TestEnv::new("batch_kept_others");
    env.write("config/p", CFG);
    let mut child = env
        .uci()
        .args(["-c", "config", "-t", "delta", "batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("uci batch runs");
    let mut stdin = child.stdin.take().expect("piped");
    let delta_holds = |s: &str| {
        let d = env.read_opt("delta/p").map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        d.contains(s)
    };
    writeln!(stdin, "set p.a.o=first").unwrap();
    stdin.flush().unwrap();
    wait_for("the first set", || delta_holds("p.a.o='first'"));
    // another process appends to the same delta file
    let r = run(env.uci().args(["-c", "config", "-t", "delta", "set", "p.a.o=other"]));
    assert_eq!(r.status, 0, "{}", r.stderr);
    writeln!(stdin, "get p.a.o").unwrap();
    writeln!(stdin, "set p.b.p=second").unwrap();
    stdin.flush().unwrap();
    wait_for("the second set", || delta_holds("p.b.p='second'"));
    // the config file is replaced (same size, other content)
    let replaced = CFG.replace("option p '2'", "option p '7'");
    assert_eq!(replaced.len(), CFG.len());
    let tmp = env.write("config/.p.new", &replaced);
    std::fs::rename(&tmp, env.confdir().join("p")).unwrap();
    writeln!(stdin, "revert p.b").unwrap();
    writeln!(stdin, "get p.b.p").unwrap();
    writeln!(stdin, "changes p").unwrap();
    drop(stdin);
    let mut out = String::new();
    for l in BufReader::new(child.stdout.take().unwrap()).lines() {
        out.push_str(&l.unwrap());
        out.push('\n');
    }
    assert!(child.wait().unwrap().success());
    assert_eq!(out, "other\n7\np.a.o='first'\np.a.o='other'\n");
}
