//! A `uci` command written in C against the libuci API
//! (`uci-compat/tests/c/uci_cli.c`: lookup_ptr, set, add_list, del_list,
//! delete, rename, reorder, add_section, save, commit, revert, export,
//! import, the batch reader, walks over packages/sections/options and
//! changes via `saved_delta`), built against our header and `libuci.so`,
//! must give the recorded output of OpenWrt's `uci` on the CLI conformance
//! cases: every group except `random/`, plus the first 100 `random/` seeds
//! (all 2582 cases pass; `C_CLI_ALL=1` runs every one of them).
//! Failures must match `tests/conformance/c-cli-known-failures.txt`.

mod c_support;
mod common;

use common::{Conformance, TestEnv};

#[test]
fn c_cli_on_the_cli_conformance_cases() {
    let env = TestEnv::new("c_cli");
    let bindir = env.base().join("cli");
    std::fs::create_dir_all(&bindir).expect("mkdir cli");
    // the runner gives its candidate a fixed environment, so the program
    // finds libuci.so through the rpath set by compile()
    let bin = c_support::compile("uci_cli.c", "uci", &bindir, &[]);

    let all = std::env::var("C_CLI_ALL").is_ok_and(|v| v == "1");
    let cases = common::conformance_dir().join("cases");
    let selection = env.base().join("cases");
    std::fs::create_dir_all(&selection).expect("mkdir cases");
    let mut n = 0;
    for group in std::fs::read_dir(&cases).expect("read cases") {
        let group = group.expect("dir entry").path();
        let is_random = group.file_name().is_some_and(|f| f == "random");
        for case in std::fs::read_dir(&group).expect("read group") {
            let case = case.expect("dir entry").path();
            let name = case.file_name().unwrap_or_default().to_string_lossy().into_owned();
            if !name.ends_with(".json") || (is_random && !all && !name.starts_with("seed-0000")) {
                continue;
            }
            let link = selection.join(format!("{}-{name}", group.file_name().unwrap_or_default().to_string_lossy()));
            std::os::unix::fs::symlink(&case, &link).expect("symlink case");
            n += 1;
        }
    }
    common::say(format!("C CLI: {n} selected CLI conformance cases"));
    common::run_conformance(Conformance {
        label: "C CLI over libuci.so",
        runner: "run_conformance.py",
        args: vec![bin.into(), selection.into()],
        options: vec![],
        known_failures: "tests/conformance/c-cli-known-failures.txt",
        env: &env,
    });
}
