//! `libuci.so` seen from C: our own C programs (`uci-compat/tests/c/`)
//! compiled with the system C compiler against `uci-compat/include` and
//! linked to the built `target/<profile>/libuci.so`, plus checks of the
//! library file itself (exported symbols = `libuci.map`, SONAME).
//!
//! Needs `cargo build --workspace` (same profile) first; scripts/test.sh
//! does that.

mod c_support;
mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::TestEnv;

/// The names between `global:` and `local:` in `libuci.map`.
fn map_symbols() -> BTreeSet<String> {
    let text = std::fs::read_to_string(c_support::compat_dir().join("libuci.map")).expect("read libuci.map");
    let body = text.split("global:").nth(1).expect("global: section").split("local:").next().unwrap_or("");
    body.split(';').map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && !s.starts_with('*')).collect()
}

fn tool(name: &str) -> Option<std::path::PathBuf> {
    common::find_in_base_path(name)
}

#[test]
fn exported_symbols_are_the_version_script() {
    let lib = c_support::libdir().join("libuci.so");
    let Some(nm) = tool("nm") else {
        common::say("skipped: nm (binutils) not installed");
        return;
    };
    let out = Command::new(nm).args(["-D", "--defined-only", "-S"]).arg(&lib).output().expect("run nm");
    assert!(out.status.success(), "nm failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut exported = BTreeSet::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (kind, name) = (f[f.len() - 2], f[f.len() - 1]);
        exported.insert(name.to_string());
        if name == "uci_command_char" {
            assert_eq!(kind, "R", "uci_command_char must be read-only data: {line}");
            assert_eq!(f.get(1).copied(), Some("0000000000000007"), "uci_command_char must be 7 bytes: {line}");
        } else {
            assert_eq!(kind, "T", "{name} should be a function: {line}");
        }
    }
    let want = map_symbols();
    assert_eq!(want.len(), 37, "libuci.map lists 34 functions, uci_command_char, ucix_uci_main and luaopen_uci");
    let missing: Vec<_> = want.difference(&exported).collect();
    let extra: Vec<_> = exported.difference(&want).collect();
    assert!(missing.is_empty() && extra.is_empty(), "exports differ from libuci.map: missing {missing:?}, extra {extra:?}");
    common::say(format!("libuci.so exports exactly the {} symbols of libuci.map", exported.len()));
}

/// libuci.so holds the Lua module too, but names no Lua symbol: it resolves
/// the Lua C API at `luaopen_uci` time. An undefined `lua_*` symbol would make
/// every C program linked with `-luci` fail to link (GNU ld rejects them)
/// or need liblua.
#[test]
fn needs_no_lua() {
    let lib = c_support::libdir().join("libuci.so");
    let Some(nm) = tool("nm") else {
        common::say("skipped: nm (binutils) not installed");
        return;
    };
    let out = Command::new(nm).args(["-D", "--undefined-only"]).arg(&lib).output().expect("run nm");
    assert!(out.status.success(), "nm failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let lua: Vec<&str> = text.lines().filter(|l| l.split_whitespace().last().is_some_and(|n| n.starts_with("lua"))).collect();
    assert!(lua.is_empty(), "libuci.so has undefined Lua symbols: {lua:?}");
    if let Some(readelf) = tool("readelf") {
        let out = Command::new(readelf).arg("-d").arg(&lib).output().expect("run readelf");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("liblua"), "libuci.so must not need liblua:\n{text}");
    }
}

/// A C program without Lua: links with `-luci` alone (GNU ld, cc's default,
/// rejects undefined symbols of a shared library), and `luaopen_uci` called
/// by hand fails cleanly, naming the missing Lua 5.1 API, instead of
/// crashing (`uci-compat/tests/c/no_lua.c`).
#[test]
fn lua_entry_without_lua() {
    let env = TestEnv::new("lua_entry_without_lua");
    let bin = c_support::compile("no_lua.c", "no_lua", env.base(), &[]);
    let root = env.root();
    let (r, log) = c_support::run(&env, &bin, &[root.to_str().expect("utf-8 path")]);
    assert_eq!(r.status, 0, "no_lua failed:\n{}{}\n{}", r.stdout, r.stderr, log.unwrap_or_default());
    assert!(
        r.stderr.contains("ucix: the uci module needs the Lua 5.1 C API, and this process has no lua_gettop"),
        "no message about the missing Lua API:\n{}",
        r.stderr
    );
}

#[test]
fn soname_is_libuci_so() {
    let lib = c_support::libdir().join("libuci.so");
    let Some(readelf) = tool("readelf") else {
        common::say("skipped: readelf (binutils) not installed");
        return;
    };
    let out = Command::new(readelf).arg("-d").arg(&lib).output().expect("run readelf");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Library soname: [libuci.so]"), "SONAME is not libuci.so:\n{text}");
    assert!(text.contains("Shared library: [libubox.so]"), "libuci.so must need libubox.so, as the reference:\n{text}");
}

/// Compiles `src` (with `flags`), runs it on a scratch directory, requires
/// exit 0 and a clean valgrind log; returns stdout.
fn run_c_program(test: &str, src: &str, flags: &[&str], args: &[&str]) -> String {
    let env = TestEnv::new(test);
    let bin = c_support::compile(src, test, env.base(), flags);
    let root = env.root();
    let mut argv = vec![root.to_str().expect("utf-8 path")];
    argv.extend_from_slice(args);
    let (r, log) = c_support::run(&env, &bin, &argv);
    if let Some(log) = &log {
        common::say(format!("{test}: valgrind: {}", c_support::valgrind_summary(log)));
    }
    assert!(
        r.status == 0,
        "{test} exited with {}{}\nstdout:\n{}\nstderr:\n{}{}",
        r.status,
        if r.status == 99 { " (valgrind found errors)" } else { "" },
        r.stdout,
        r.stderr,
        log.map(|l| format!("\nvalgrind log:\n{l}")).unwrap_or_default()
    );
    common::say(r.stdout.lines().last().unwrap_or(""));
    r.stdout
}

#[test]
fn layout_matches_the_spec() {
    // sizes, offsets, enum and #define values (static asserts), plain and
    // with the checked casts
    run_c_program("layout", "layout.c", &[], &[]);
    run_c_program("layout_typecast", "layout.c", &["-DUCI_DEBUG_TYPECAST"], &[]);
}

#[test]
fn header_compiles_as_cxx() {
    let Some(cxx) = tool("c++") else {
        common::say("skipped: no C++ compiler");
        return;
    };
    let env = TestEnv::new("header_cxx");
    let src = env.base().join("t.cc");
    std::fs::write(
        &src,
        "#include <uci.h>\nint main() { struct uci_ptr p = {}; return (int) sizeof(p) - 72 + uci_ptr::UCI_LOOKUP_DONE - 1; }\n",
    )
    .expect("write t.cc");
    let out = Command::new(cxx)
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I"])
        .arg(c_support::compat_dir().join("include"))
        .arg(&src)
        .output()
        .expect("run c++");
    assert!(out.status.success(), "uci.h does not compile as C++:\n{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn every_function_macro_and_inline_helper() {
    run_c_program("api_coverage", "api_coverage.c", &[], &[]);
    run_c_program("api_coverage_typecast", "api_coverage.c", &["-DUCI_DEBUG_TYPECAST"], &[]);
}

#[test]
fn c_tree_stays_in_step_with_the_library() {
    let out = run_c_program("mirror_check", "mirror_check.c", &[], &["1500"]);
    assert!(out.contains("0 failed"), "{out}");
}
