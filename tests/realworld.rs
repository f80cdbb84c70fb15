//! Real-world OpenWrt files (../shared/testdata): every valid file loads as
//! package `cfg` and its export is stable (export → import → export gives the
//! same bytes); every invalid one gives the original's parse errors, strict
//! and non-strict (ERRORS.tsv).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{say, shared_dir, TestEnv};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, out);
        } else if p.extension().is_none_or(|e| e != "md" && e != "tsv") {
            out.push(p);
        }
    }
}

fn export(env: &TestEnv, confdir: &Path, extra: &[&str]) -> std::process::Output {
    let mut cmd = env.uci();
    cmd.arg("-c").arg(confdir).arg("-t").arg(env.savedir());
    cmd.args(extra).args(["export", "cfg"]);
    cmd.output().expect("run uci")
}

#[test]
fn realworld_files_load_and_export_is_stable() {
    let Some(shared) = shared_dir() else { return };
    let mut files = vec![];
    files_under(&shared.join("testdata/realworld"), &mut files);
    assert!(!files.is_empty(), "no real-world files found");
    let env = TestEnv::new("realworld");
    let (a, b) = (env.root().join("a"), env.root().join("b"));
    let mut failures = vec![];
    for f in &files {
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        fs::copy(f, a.join("cfg")).unwrap();
        let first = export(&env, &a, &[]);
        if first.status.code() != Some(0) || !first.stderr.is_empty() {
            failures.push(format!("{}: export failed: {}", f.display(), String::from_utf8_lossy(&first.stderr)));
            continue;
        }
        let mut imp = env.uci();
        imp.arg("-c").arg(&b).arg("-t").arg(env.savedir()).args(["import", "cfg"]);
        let r = common::run_with_stdin(&mut imp, &first.stdout);
        if r.status != 0 {
            failures.push(format!("{}: import failed: {}", f.display(), r.stderr));
            continue;
        }
        let second = export(&env, &b, &[]);
        if second.stdout != first.stdout {
            failures.push(format!("{}: export → import → export differs", f.display()));
        }
    }
    say(format!("realworld: {} files, {} failed\n", files.len(), failures.len()));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn realworld_invalid_files_give_the_original_errors() {
    let Some(shared) = shared_dir() else { return };
    let dir = shared.join("testdata/realworld_invalid");
    let tsv = fs::read_to_string(dir.join("ERRORS.tsv")).expect("ERRORS.tsv");
    let env = TestEnv::new("realworld_invalid");
    let conf = env.root().join("c");
    fs::create_dir_all(&conf).unwrap();
    let mut n = 0;
    let mut failures = vec![];
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 7 {
            continue;
        }
        let file = dir.join(cols[0]);
        if !file.exists() {
            continue;
        }
        n += 1;
        fs::copy(&file, conf.join("cfg")).unwrap();
        let strict = export(&env, &conf, &[]);
        let got = String::from_utf8_lossy(&strict.stderr);
        if got.trim_end() != cols[5] || strict.status.code() != Some(1) {
            failures.push(format!("{} strict: want {:?}, got {:?} rc={:?}", cols[0], cols[5], got, strict.status.code()));
        }
        let (rc, want) = cols[6].split_once(' ').unwrap_or((cols[6], ""));
        let want: Vec<&str> = if want.is_empty() { vec![] } else { want.split(" | ").collect() };
        let loose = export(&env, &conf, &["-S"]);
        let got = String::from_utf8_lossy(&loose.stderr);
        let got: Vec<&str> = got.lines().collect();
        if got != want || format!("rc={}", loose.status.code().unwrap_or(-1)) != rc {
            failures.push(format!("{} non-strict: want {rc} {want:?}, got {:?} {got:?}", cols[0], loose.status.code()));
        }
    }
    say(format!("realworld_invalid: {n} files, {} failed\n", failures.len()));
    assert!(n > 0, "no invalid files found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
