//! The libuci C API conformance cases (`testdata/conformance/capi`): each C
//! program is compiled against `uci-compat/include/uci.h` and the built
//! `libuci.so` (found next to the `uci` binary, i.e. `target/<profile>/`,
//! so run `cargo build --workspace` with the same profile first; scripts/test.sh
//! does), and run under valgrind too when valgrind is installed
//! (`CONFORMANCE_VALGRIND=0` turns that off).
//!
//! Failures must match `tests/conformance/capi-known-failures.txt` exactly.

mod common;

use common::{Conformance, TestEnv};

#[test]
fn capi_conformance() {
    let include = common::manifest_dir().join("uci-compat").join("include");
    assert!(
        include.join("uci.h").is_file(),
        "{} is missing: the C API cases compile against uci-compat/include/uci.h",
        include.join("uci.h").display()
    );
    let libdir = common::profile_dir();
    assert!(
        libdir.join("libuci.so").is_file(),
        "{} is missing: build the shim first with `cargo build --workspace{}` (scripts/test.sh does)",
        libdir.join("libuci.so").display(),
        if cfg!(debug_assertions) { "" } else { " --release" }
    );
    let mut options = Vec::new();
    let want_valgrind = std::env::var("CONFORMANCE_VALGRIND").map_or(true, |v| v != "0");
    if want_valgrind {
        if common::find_in_base_path("valgrind").is_some() {
            options.push("--valgrind".into());
        } else {
            common::say("note: valgrind not installed; running the C API cases without --valgrind");
        }
    }
    let env = TestEnv::new("capi_conformance");
    common::run_conformance(Conformance {
        label: "C API",
        runner: "run_capi_conformance.py",
        args: vec![include.into(), libdir.into(), "testdata/conformance/capi".into()],
        options,
        known_failures: "tests/conformance/capi-known-failures.txt",
        env: &env,
    });
}
