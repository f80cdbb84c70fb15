//! The Lua module conformance cases (`testdata/conformance/lua`): the built
//! `libuci.so` (next to the `uci` binary, i.e. `target/<profile>/`; run
//! `cargo build --workspace` with the same profile first, scripts/test.sh
//! does), which exports `luaopen_uci`, is offered to `lua5.1` as `uci.so`
//! through a symlink in a scratch directory; a second run uses the module
//! directory `scripts/install.sh` makes (`lib/lua/5.1/uci.so` →
//! `../../libuci.so`).
//!
//! Failures must match `tests/conformance/lua-known-failures.txt` exactly.

mod common;

use common::{Conformance, TestEnv};

#[test]
fn lua_conformance() {
    common::lua5_1();
    let env = TestEnv::new("lua_conformance");
    let module_dir = common::lua_module_dir(&env);
    common::run_conformance(Conformance {
        label: "Lua",
        runner: "run_lua_conformance.py",
        args: vec![module_dir.into(), "testdata/conformance/lua".into()],
        options: vec![],
        known_failures: "tests/conformance/lua-known-failures.txt",
        env: &env,
    });
}

#[test]
fn lua_conformance_installed() {
    common::lua5_1();
    let env = TestEnv::new("lua_conformance_installed");
    let module_dir = common::installed_usr(&env).join("lib").join("lua").join("5.1");
    let link = std::fs::read_link(module_dir.join("uci.so")).expect("uci.so is a symlink");
    assert_eq!(link, std::path::Path::new("../../libuci.so"), "uci.so should point at libuci.so");
    common::run_conformance(Conformance {
        label: "Lua (installed)",
        runner: "run_lua_conformance.py",
        args: vec![module_dir.into(), "testdata/conformance/lua".into()],
        options: vec![],
        known_failures: "tests/conformance/lua-known-failures.txt",
        env: &env,
    });
}
