//! The Lua module conformance cases (`testdata/conformance/lua`): the built
//! `libucix_lua.so` (next to the `uci` binary, i.e. `target/<profile>/`; run
//! `cargo build --workspace` with the same profile first, scripts/test.sh
//! does) is offered to `lua5.1` as `uci.so` through a symlink in a scratch
//! directory.
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
