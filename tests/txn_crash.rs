//! Crash safety of commits: the process is killed at every step of a
//! multi-package `ucix commit` and of a drop-in `uci commit` (through the
//! `UCIX_TEST_CRASH_AT` injection points), and with `kill -9` at random
//! times over many runs. After each crash, the next access (a `uci show`)
//! recovers; then every package has its old content and its pending
//! changes, or every package has its new content and no pending changes;
//! every file parses; nothing of ucix's is left in the config directory.
//!
//! `UCIX_CRASH_TRIALS` sets the number of random kills (default 200).

mod common;
mod txn_support;

use std::time::{Duration, Instant};

use common::{TestEnv, say};
use txn_support::*;

const N: usize = 6;

fn pkg(i: usize) -> String {
    format!("p{i}")
}

fn setup(env: &TestEnv) {
    let _ = std::fs::remove_dir_all(env.confdir());
    let _ = std::fs::remove_dir_all(env.savedir());
    for i in 0..N {
        env.write(format!("config/{}", pkg(i)), format!("config sect 'main'\n\toption changed 'old'\n\toption keep 'k{i}'\n"));
        env.write(format!("delta/{}", pkg(i)), format!("{p}.main.changed='new{i}'\n{p}.main.added='x'\n+{p}.cfg01abcd='anon'\n", p = pkg(i)));
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    configs: Vec<Vec<u8>>,
    deltas: Vec<Vec<u8>>,
}

fn snapshot(env: &TestEnv) -> Snapshot {
    Snapshot {
        configs: (0..N).map(|i| read(&env.confdir().join(pkg(i)))).collect(),
        deltas: (0..N).map(|i| read(&env.savedir().join(pkg(i)))).collect(),
    }
}

/// Old and new states, computed by a commit that is not interrupted.
fn reference(env: &TestEnv) -> (Snapshot, Snapshot) {
    setup(env);
    let old = snapshot(env);
    ok(&ucix(env, &["commit"]));
    let new = snapshot(env);
    assert_ne!(old.configs, new.configs);
    assert!(new.deltas.iter().all(|d| d.is_empty()));
    (old, new)
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Old,
    New,
}

/// Recovers through a plain read (a `uci show` process, or a load by the
/// core in this process: the entry point of the C shim and the Lua module),
/// then checks all-or-nothing.
fn recover_and_check(env: &TestEnv, old: &Snapshot, new: &Snapshot, what: &str, in_process: bool) -> Outcome {
    if in_process {
        let mut ctx = ucix::store::Context::new();
        ctx.set_confdir(env.confdir().to_str().unwrap().as_bytes());
        ctx.set_conf2dir(None);
        ctx.set_savedir(env.savedir().to_str().unwrap().as_bytes());
        let i = ctx.load(b"p1").expect("load after the crash");
        assert!(!ctx.packages[i].sections.is_empty());
    } else {
        let r = uci(env, &["show", "p0.main.keep"]);
        assert_eq!(r.stdout, "p0.main.keep='k0'\n", "{what}: reading after the crash: {r:?}");
    }
    assert_eq!(leftovers(env), Vec::<String>::new(), "{what}: files left in the config directory");
    let now = snapshot(env);
    for (i, c) in now.configs.iter().enumerate() {
        assert!(complete_config(c, &pkg(i)), "{what}: {} is not a complete config: {:?}", pkg(i), String::from_utf8_lossy(c));
    }
    if now == *old {
        Outcome::Old
    } else if now == *new {
        Outcome::New
    } else {
        panic!("{what}: neither all old nor all new:\nnow {now:?}\nold {old:?}\nnew {new:?}");
    }
}

fn crash_steps(per_package: usize) -> Vec<(String, bool)> {
    // (step spec, commit done after recovery)
    let mut v = vec![];
    let mut committed = false;
    for &s in ucix::txn::crash::STEPS {
        if s == "journal-committed" {
            committed = true;
        }
        let n = if matches!(s, "temp-written" | "renamed" | "delta-truncated") { per_package } else { 1 };
        for k in 1..=n {
            v.push((format!("{s}#{k}"), committed));
        }
    }
    v
}

#[test]
fn crash_at_every_step_of_a_multi_package_commit() {
    let env = TestEnv::new("crash_every_step_multi");
    let (old, new) = reference(&env);
    let steps = crash_steps(N);
    for (step, committed) in &steps {
        setup(&env);
        let r = common::run(with_dirs(env.ucix(), &["commit"]).env(ucix::txn::crash::ENV, step));
        assert_ne!(r.status, 0, "{step}: the commit was not interrupted: {r:?}");
        let got = recover_and_check(&env, &old, &new, step, false);
        assert_eq!(got == Outcome::New, *committed, "{step}: unexpected outcome {got:?}");
        // the kept changes still commit
        ok(&ucix(&env, &["commit"]));
        assert_eq!(snapshot(&env), new, "{step}: committing again");
    }
    say(format!("crash steps (multi-package ucix commit): {} trials, all-or-nothing held", steps.len()));
}

#[test]
fn crash_at_every_step_of_a_dropin_commit() {
    let env = TestEnv::new("crash_every_step_dropin");
    setup(&env);
    let old = read(&env.confdir().join("p0"));
    ok(&uci(&env, &["commit", "p0"]));
    let new = read(&env.confdir().join("p0"));
    let steps = crash_steps(1);
    for (step, committed) in &steps {
        setup(&env);
        let delta = read(&env.savedir().join("p0"));
        let r = common::run(with_dirs(env.uci(), &["commit", "p0"]).env(ucix::txn::crash::ENV, step));
        assert_ne!(r.status, 0, "{step}: the commit was not interrupted");
        let show = uci(&env, &["show", "p1.main.keep"]);
        assert_eq!(show.stdout, "p1.main.keep='k1'\n");
        assert_eq!(leftovers(&env), Vec::<String>::new(), "{step}: leftovers");
        let (c, d) = (read(&env.confdir().join("p0")), read(&env.savedir().join("p0")));
        if *committed {
            assert_eq!((c, d), (new.clone(), vec![]), "{step}");
        } else {
            assert_eq!((c, d), (old.clone(), delta), "{step}");
        }
    }
    say(format!("crash steps (drop-in uci commit): {} trials, all-or-nothing held", steps.len()));
}

#[test]
fn kill_at_random_times() {
    let env = TestEnv::new("crash_random_kill");
    let trials: usize = std::env::var("UCIX_CRASH_TRIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let (old, new) = reference(&env);
    // how long an uninterrupted commit takes, process start included
    let mut spans = vec![];
    for _ in 0..3 {
        setup(&env);
        let t = Instant::now();
        ok(&ucix(&env, &["commit"]));
        spans.push(t.elapsed());
    }
    let span = spans.iter().min().copied().unwrap_or(Duration::from_millis(20));
    let mut rng = Rng::from_time();
    say(format!("random kills: {trials} trials, an uninterrupted commit takes {span:?}, seed {}", rng.0));
    let (mut n_old, mut n_new, mut finished) = (0, 0, 0);
    for t in 0..trials {
        setup(&env);
        let mut child = with_dirs(env.ucix(), &["commit"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn ucix");
        let delay = Duration::from_micros(rng.below(span.as_micros() as u64 * 11 / 10));
        std::thread::sleep(delay);
        let _ = child.kill();
        let st = child.wait().expect("wait");
        if st.success() {
            finished += 1;
        }
        match recover_and_check(&env, &old, &new, &format!("trial {t} (kill after {delay:?})"), true) {
            Outcome::Old => n_old += 1,
            Outcome::New => n_new += 1,
        }
    }
    say(format!(
        "random kills: {trials} trials: {n_old} rolled back (old content, changes kept), {n_new} committed \
         ({finished} of them finished before the kill); all-or-nothing held in every trial"
    ));
    assert_eq!(n_old + n_new, trials);
}
