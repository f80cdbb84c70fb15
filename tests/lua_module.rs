//! The Lua module's own tests, run with the stock `lua5.1` interpreter:
//!
//! * every script `lua/tests/NAME.lua` (except `helper.lua`) runs in a fresh
//!   isolated directory, fed on standard input (so Lua names it `stdin`), and
//!   its stdout, stderr and exit status must equal `lua/tests/NAME.expected`
//!   (the root directory's path is written `{root}` there). Set
//!   `UCIX_BLESS=1` to rewrite the expected files from the actual output
//!   (then review the diff).
//! * `lua_and_cli_share_changes`: a Lua cursor and the `uci` command line see
//!   each other's saved changes through the same delta files, and each
//!   other's commits.
//!
//! The module is `target/<profile>/libuci.so`, offered as `uci.so`;
//! build it first with `cargo build --workspace` (scripts/test.sh does).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run, run_with_stdin, Run, TestEnv};

fn tests_dir() -> PathBuf {
    common::manifest_dir().join("lua").join("tests")
}

/// `lua5.1 -` in the test's root (isolated), with the module, the helper
/// library and the directory variables.
fn lua(env: &TestEnv) -> Command {
    let mut cmd = env.command_as(&common::lua5_1(), "lua5.1");
    cmd.arg("-")
        .env("LUA_CPATH", format!("{}/?.so", common::lua_module_dir(env).display()))
        .env("LUA_PATH", format!("{}/?.lua", tests_dir().display()))
        .env("ROOT", env.root())
        .env("CONFDIR", env.confdir())
        .env("SAVEDIR", env.savedir());
    cmd
}

fn transcript(r: &Run, root: &Path) -> String {
    let text = format!("{}--- stderr ---\n{}--- status: {} ---\n", r.stdout, r.stderr, r.status);
    text.replace(&root.display().to_string(), "{root}")
}

#[test]
fn lua_scripts() {
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(tests_dir())
        .expect("read lua/tests")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "lua") && !p.ends_with("helper.lua"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 5, "expected the Lua test scripts in {}", tests_dir().display());
    let bless = std::env::var_os("UCIX_BLESS").is_some_and(|v| v == "1");
    let mut failed = Vec::new();
    for script in &scripts {
        let name = script.file_stem().unwrap().to_string_lossy().into_owned();
        let env = TestEnv::new(&format!("lua_{name}"));
        std::fs::create_dir_all(env.confdir()).expect("create confdir");
        let code = std::fs::read(script).expect("read script");
        let actual = transcript(&run_with_stdin(&mut lua(&env), code), &env.root());
        let expected_path = script.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &actual).expect("write expected output");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e} (UCIX_BLESS=1 writes it)", expected_path.display()));
        if actual == expected {
            common::say(format!("ok   lua/tests/{name}.lua"));
        } else {
            common::say(format!("FAIL lua/tests/{name}.lua\n{}", diff(&expected, &actual)));
            failed.push(name);
        }
    }
    assert!(failed.is_empty(), "Lua scripts with unexpected output: {failed:?}");
}

/// The lines that differ, in order (`-` expected, `+` actual).
fn diff(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            if let Some(x) = x {
                out.push_str(&format!("  line {}: - {x}\n", i + 1));
            }
            if let Some(y) = y {
                out.push_str(&format!("  line {}: + {y}\n", i + 1));
            }
        }
    }
    out
}

fn uci(env: &TestEnv, args: &[&str]) -> Run {
    let mut cmd = env.uci();
    cmd.arg("-c").arg(env.confdir()).arg("-P").arg(env.savedir()).args(args);
    run(&mut cmd)
}

fn lua_run(env: &TestEnv, code: &str) -> Run {
    let r = run_with_stdin(&mut lua(env), format!("local uci = require('uci')\n{code}"));
    assert_eq!((r.status, r.stderr.as_str()), (0, ""), "lua failed: {r:?}");
    r
}

#[test]
fn lua_and_cli_share_changes() {
    let env = TestEnv::new("lua_and_cli_share_changes");
    env.write("config/system", "config system\n\toption hostname 'router'\n\nconfig timeserver 'ntp'\n\tlist server 'a.pool'\n");
    let cursor = "local c = uci.cursor(os.getenv('CONFDIR'), os.getenv('SAVEDIR'))\n";

    // Lua saves, the command line sees the change as pending.
    lua_run(&env, &format!("{cursor}assert(c:set('system', '@system[0]', 'hostname', 'lua'))\nassert(c:set('system', 'ntp', 'server', {{'x', 'y'}}))\nassert(c:save('system'))"));
    let r = uci(&env, &["get", "system.@system[0].hostname"]);
    assert_eq!(r.stdout, "lua\n");
    let r = uci(&env, &["changes"]);
    assert_eq!(r.stdout, "system.cfg01e48a.hostname='lua'\nsystem.ntp.server='x'\nsystem.ntp.server+='y'\n");

    // The command line saves too; Lua sees both, in order.
    assert_eq!(uci(&env, &["set", "system.ntp.enabled=1"]).status, 0);
    let r = lua_run(&env, &format!("{cursor}print(c:get('system', 'ntp', 'enabled'))\nlocal ch = c:changes('system').system\nprint(ch.ntp.enabled, table.concat(ch.ntp.server, ','), ch.cfg01e48a.hostname)"));
    assert_eq!(r.stdout, "1\n1\tx,y\tlua\n");
    assert_eq!(
        env.read("delta/system"),
        "system.cfg01e48a.hostname='lua'\nsystem.ntp.server='x'\n|system.ntp.server='y'\nsystem.ntp.enabled='1'\n"
    );

    // A revert from the command line is seen by Lua.
    assert_eq!(uci(&env, &["revert", "system.ntp.enabled"]).status, 0);
    let r = lua_run(&env, &format!("{cursor}print(c:get('system', 'ntp', 'enabled'))"));
    assert_eq!(r.stdout, "nil\tuci: Entry not found\n");

    // Lua commits; the command line reads the new file and has nothing pending.
    lua_run(&env, &format!("{cursor}assert(c:commit('system'))"));
    assert_eq!(uci(&env, &["changes"]).stdout, "");
    assert_eq!(uci(&env, &["get", "system.ntp.server"]).stdout, "x y\n");
    assert_eq!(
        env.read("config/system"),
        "\nconfig system\n\toption hostname 'lua'\n\nconfig timeserver 'ntp'\n\tlist server 'x'\n\tlist server 'y'\n\n"
    );

    // The command line commits; a Lua cursor loaded before sees it after load().
    let r = lua_run(
        &env,
        &format!(
            "{cursor}print(c:get('system', 'ntp', 'enabled'))\n\
             assert(os.execute('uci -c \"$CONFDIR\" -P \"$SAVEDIR\" set system.ntp.enabled=0 && uci -c \"$CONFDIR\" -P \"$SAVEDIR\" commit system') == 0)\n\
             print(c:get('system', 'ntp', 'enabled'))\n\
             print(c:load('system'))\n\
             print(c:get('system', 'ntp', 'enabled'))"
        ),
    );
    assert_eq!(r.stdout, "nil\tuci: Entry not found\nnil\tuci: Entry not found\ntrue\n0\n");
}
