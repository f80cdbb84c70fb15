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
    let module = common::profile_dir().join("libucix_lua.so");
    assert!(
        module.is_file(),
        "{} is missing: build the Lua module first with `cargo build --workspace{}` (scripts/test.sh does)",
        module.display(),
        if cfg!(debug_assertions) { "" } else { " --release" }
    );
    assert!(
        common::find_in_base_path("lua5.1").is_some(),
        "lua5.1 not found in {}: install Debian's lua5.1 (scripts/test.sh does)",
        common::BASE_PATH
    );
    let env = TestEnv::new("lua_conformance");
    let module_dir = env.base().join("lua");
    std::fs::create_dir_all(&module_dir).expect("create the module directory");
    std::os::unix::fs::symlink(&module, module_dir.join("uci.so")).expect("symlink uci.so");
    common::run_conformance(Conformance {
        label: "Lua",
        runner: "run_lua_conformance.py",
        args: vec![module_dir.into(), "testdata/conformance/lua".into()],
        options: vec![],
        known_failures: "tests/conformance/lua-known-failures.txt",
        env: &env,
    });
}
