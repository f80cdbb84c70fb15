//! The command-line conformance cases (`testdata/conformance/cases`, copied
//! from `../shared/conformance`) run against our `uci` binary, plus a check
//! that the copy is current.
//!
//! Failures must match `tests/conformance/known-failures.txt` exactly: an
//! unlisted failure fails the test, and so does a listed case that passes
//! (the list only shrinks). `CONFORMANCE_FILTER=<substr>` runs a subset,
//! `CONFORMANCE_JOBS=<n>` changes the parallelism (default 2).

mod common;

use common::{Conformance, TestEnv};

#[test]
fn cli_conformance() {
    let env = TestEnv::new("cli_conformance");
    common::run_conformance(Conformance {
        label: "CLI",
        runner: "run_conformance.py",
        args: vec![
            common::uci_bin().into(),
            "testdata/conformance/cases".into(),
        ],
        options: vec![],
        known_failures: "tests/conformance/known-failures.txt",
        env: &env,
    });
}

/// The same cases against the shipped layout: `scripts/install.sh` into a
/// scratch DESTDIR, whose `usr/bin/uci` is the C launcher
/// (`uci-compat/launcher/uci.c`) running the command inside
/// `usr/lib/libuci.so`. Same known failures as the standalone binary.
#[test]
fn cli_conformance_installed() {
    let env = TestEnv::new("cli_conformance_installed");
    let usr = common::installed_usr(&env);
    let uci = usr.join("bin").join("uci");
    let len = std::fs::metadata(&uci).expect("installed usr/bin/uci").len();
    assert!(len < 64 * 1024, "usr/bin/uci is {len} bytes: the launcher, not the standalone binary, was expected");
    common::run_conformance(Conformance {
        label: "CLI (launcher + libuci.so)",
        runner: "run_conformance.py",
        args: vec![uci.into(), "testdata/conformance/cases".into()],
        options: vec![],
        known_failures: "tests/conformance/known-failures.txt",
        env: &env,
    });
}

/// `testdata/conformance` must be an exact copy of `../shared/conformance`
/// (`$UCIX_SHARED/conformance`). Skipped when the shared directory is absent.
#[test]
fn conformance_copy_matches_shared() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let theirs = shared.join("conformance");
    assert!(
        theirs.is_dir(),
        "{} exists but has no conformance/ directory",
        shared.display()
    );
    let ours = common::conformance_dir();
    assert!(
        ours.is_dir(),
        "{} is missing: run scripts/sync-conformance.sh",
        ours.display()
    );
    let diffs = common::compare_trees(&theirs, "../shared/conformance", &ours, "testdata/conformance");
    if !diffs.is_empty() {
        let shown: Vec<&str> = diffs.iter().take(40).map(String::as_str).collect();
        panic!(
            "testdata/conformance differs from {} in {} place(s); run scripts/sync-conformance.sh \
             (and update the known-failures files):\n  {}{}",
            theirs.display(),
            diffs.len(),
            shown.join("\n  "),
            if diffs.len() > shown.len() { "\n  ..." } else { "" }
        );
    }
    common::say(format!("testdata/conformance matches {}", theirs.display()));
}
