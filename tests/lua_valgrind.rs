//! The Lua module under valgrind memcheck, the way the reference's cram tests
//! run it (`valgrind --quiet --leak-check=full lua -luci …`, expecting no
//! valgrind output at all): every run must leave an empty valgrind log, with
//! memory errors and leaks that are definitely, indirectly or possibly lost
//! counting as errors (still reachable blocks of the dynamic loader are not
//! reported, as in the reference's runs).
//!
//! Runs `lua5.1 -luci` on the scripts of `lua/tests/valgrind/` (cursor
//! operations and errors, checked with `assert` inside), on `-e` one-liners,
//! and, fed on standard input, on every script of `lua/tests/` (whose output
//! `tests/lua_module.rs` checks). Skips, saying so, when valgrind is not
//! installed (scripts/test.sh installs it).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run, run_with_stdin, Run, TestEnv};

fn tests_dir() -> PathBuf {
    common::manifest_dir().join("lua").join("tests")
}

/// `valgrind … lua5.1 ARGS` in the test's root (isolated), with the module,
/// the helper library and the directory variables; the log goes to `log`.
fn valgrind_lua(env: &TestEnv, vg: &Path, log: &Path, args: &[&str]) -> Command {
    let mut cmd = env.command(vg);
    cmd.arg("--quiet")
        .arg("--leak-check=full")
        .arg("--errors-for-leak-kinds=definite,indirect,possible")
        .arg("--error-exitcode=99")
        .arg(format!("--log-file={}", log.display()))
        .arg(common::lua5_1())
        .args(args)
        .env("LUA_CPATH", format!("{}/?.so", common::lua_module_dir(env).display()))
        .env("LUA_PATH", format!("{}/?.lua", tests_dir().display()))
        .env("ROOT", env.root())
        .env("CONFDIR", env.confdir())
        .env("SAVEDIR", env.savedir());
    cmd
}

/// The package the cram-style scripts work on, and a broken one.
fn fixtures(env: &TestEnv) {
    env.write(
        "config/test",
        "config kind 'main'\n\toption x '1'\n\tlist items 'a'\n\tlist items 'b'\n\n\
         config kind\n\toption x '2'\n\nconfig other 'o'\n\toption v 'w'\n\nconfig kind 'last'\n\toption x '3'\n",
    );
    env.write("config/broken", "config kind 'a'\n\toption x 'unterminated\n");
}

struct Outcome {
    what: String,
    run: Run,
    log: String,
}

fn check(outcomes: &[Outcome], expect_status: impl Fn(&str) -> Option<i32>) {
    let mut failed = Vec::new();
    for o in outcomes {
        let clean = o.log.trim().is_empty() && o.run.status != 99;
        let status_ok = expect_status(&o.what).is_none_or(|s| s == o.run.status);
        if clean && status_ok {
            common::say(format!("ok   {} (valgrind: no report)", o.what));
        } else {
            common::say(format!(
                "FAIL {}: status {}\n--- stdout ---\n{}--- stderr ---\n{}--- valgrind log ---\n{}",
                o.what, o.run.status, o.run.stdout, o.run.stderr, o.log
            ));
            failed.push(o.what.clone());
        }
    }
    assert!(failed.is_empty(), "runs with a valgrind report or an unexpected status: {failed:?}");
}

fn valgrind() -> Option<PathBuf> {
    let vg = common::find_in_base_path("valgrind");
    if vg.is_none() {
        common::say("skipped: valgrind is not installed (scripts/test.sh installs it)");
    }
    vg
}

#[test]
fn cram_style_runs_are_valgrind_clean() {
    let Some(vg) = valgrind() else { return };
    let mut outcomes = Vec::new();
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(tests_dir().join("valgrind"))
        .expect("read lua/tests/valgrind")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 2, "expected the scripts of lua/tests/valgrind");
    for script in &scripts {
        let name = script.file_stem().unwrap().to_string_lossy().into_owned();
        let env = TestEnv::new(&format!("lua_valgrind_{name}"));
        fixtures(&env);
        let log = env.base().join("valgrind.log");
        let script = script.display().to_string();
        let r = run(&mut valgrind_lua(&env, &vg, &log, &["-luci", &script]));
        outcomes.push(Outcome { what: format!("lua5.1 -luci lua/tests/valgrind/{name}.lua"), run: r, log: read(&log) });
    }
    let one_liners: &[(&str, &str)] = &[
        ("load only", "assert(uci)"),
        ("get", "local c = uci.cursor(os.getenv('CONFDIR'), os.getenv('SAVEDIR')) assert(c:get('test', 'main', 'x') == '1')"),
        ("global get", "uci.set_confdir(os.getenv('CONFDIR')) assert(uci.get('test', '@kind[-1]', 'x') == '3')"),
        ("set and save", "local c = uci.cursor(os.getenv('CONFDIR'), os.getenv('SAVEDIR')) c:set('test', 'main', 'y', 'z') c:save('test')"),
        ("parse error", "local c = uci.cursor(os.getenv('CONFDIR'), os.getenv('SAVEDIR')) assert(not c:load('broken'))"),
        ("uncaught error", "local c = uci.cursor(os.getenv('CONFDIR'), os.getenv('SAVEDIR')) c:set('test', 'main', 'x', false)"),
    ];
    for (what, code) in one_liners {
        let env = TestEnv::new(&format!("lua_valgrind_e_{}", what.replace(' ', "_")));
        fixtures(&env);
        let log = env.base().join("valgrind.log");
        let r = run(&mut valgrind_lua(&env, &vg, &log, &["-luci", "-e", code]));
        outcomes.push(Outcome { what: format!("lua5.1 -luci -e ({what})"), run: r, log: read(&log) });
    }
    check(&outcomes, |what| Some(if what.contains("uncaught") { 1 } else { 0 }));
}

#[test]
fn module_scripts_are_valgrind_clean() {
    let Some(vg) = valgrind() else { return };
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(tests_dir())
        .expect("read lua/tests")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua") && !p.ends_with("helper.lua"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 5, "expected the Lua test scripts in {}", tests_dir().display());
    let mut outcomes = Vec::new();
    for script in &scripts {
        let name = script.file_stem().unwrap().to_string_lossy().into_owned();
        let env = TestEnv::new(&format!("lua_valgrind_module_{name}"));
        std::fs::create_dir_all(env.confdir()).expect("create confdir");
        let log = env.base().join("valgrind.log");
        let code = std::fs::read(script).expect("read script");
        let r = run_with_stdin(&mut valgrind_lua(&env, &vg, &log, &["-"]), code);
        outcomes.push(Outcome { what: format!("lua/tests/{name}.lua"), run: r, log: read(&log) });
    }
    // their output and status are tests/lua_module.rs's business
    check(&outcomes, |_| None);
}

fn read(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_else(|e| format!("(no valgrind log: {e})"))
}
