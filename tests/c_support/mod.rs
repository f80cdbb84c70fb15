//! Building and running the C test programs of `uci-compat/tests/c/`
//! against our header and `libuci.so` (used by `tests/c_*.rs`).
//!
//! Programs are compiled with the system C compiler (`$CC`, else `cc`) as
//! `cc -std=gnu99 -Wall -Wextra -Werror -I uci-compat/include PROG.c
//! -L target/<profile> -luci`, into the test's scratch directory, and run
//! isolated through [`common::TestEnv`] with `LD_LIBRARY_PATH` pointing at
//! `target/<profile>` (and an rpath, for runners that clear the
//! environment), under valgrind memcheck when it is installed
//! (`CONFORMANCE_VALGRIND=0` turns that off).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, Run, TestEnv};

/// `uci-compat/` of this repository.
pub fn compat_dir() -> PathBuf {
    common::manifest_dir().join("uci-compat")
}

/// `target/<profile>`, after checking that `libuci.so` was built there.
pub fn libdir() -> PathBuf {
    let dir = common::profile_dir();
    assert!(
        dir.join("libuci.so").is_file(),
        "{} is missing: build the shim first with `cargo build --workspace{}` (scripts/test.sh does)",
        dir.join("libuci.so").display(),
        if cfg!(debug_assertions) { "" } else { " --release" }
    );
    dir
}

/// The C compiler: `$CC` or `cc`.
pub fn cc() -> String {
    std::env::var("CC").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "cc".into())
}

/// Compiles `uci-compat/tests/c/<src>` into `<out_dir>/<name>` with the
/// extra `flags`; panics with the compiler's output on any warning/error.
pub fn compile(src: &str, name: &str, out_dir: &Path, flags: &[&str]) -> PathBuf {
    compile_linked(src, name, out_dir, flags, &[])
}

/// The libubox prefix that libuci.so was linked against (see
/// `uci-compat/build.rs`): `UCIX_LIBUBOX_DIR`, else
/// `target/libubox/install` (built by `scripts/libubox.sh`).
pub fn libubox_dir() -> PathBuf {
    let dir = match std::env::var_os("UCIX_LIBUBOX_DIR").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => common::manifest_dir().join("target").join("libubox").join("install"),
    };
    assert!(
        dir.join("lib").join("libubox.so").is_file() && dir.join("include").join("libubox").join("blobmsg.h").is_file(),
        "{} has no lib/libubox.so or include/libubox/blobmsg.h: `cargo build --release --workspace` builds it (scripts/libubox.sh)",
        dir.display()
    );
    dir
}

/// Like [`compile`], also against libubox's headers, linking `libs` of
/// the libubox prefix (e.g. `-lblobmsg_json -lubox`) after `-luci`, with
/// an rpath to it.
pub fn compile_ubox(src: &str, name: &str, out_dir: &Path, flags: &[&str], libs: &[&str]) -> PathBuf {
    let ubox = libubox_dir();
    let inc = format!("-I{}", ubox.join("include").display());
    let mut f: Vec<&str> = vec![&inc];
    f.extend_from_slice(flags);
    let ldir = format!("-L{}", ubox.join("lib").display());
    let rpath = format!("-Wl,-rpath,{}", ubox.join("lib").display());
    let mut l: Vec<&str> = vec![&ldir, &rpath];
    l.extend_from_slice(libs);
    compile_linked(src, name, out_dir, &f, &l)
}

fn compile_linked(src: &str, name: &str, out_dir: &Path, flags: &[&str], libs: &[&str]) -> PathBuf {
    let lib = libdir();
    let out = out_dir.join(name);
    let mut cmd = Command::new(cc());
    cmd.args(["-std=gnu99", "-Wall", "-Wextra", "-Werror", "-g", "-O1", "-I"])
        .arg(compat_dir().join("include"))
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(compat_dir().join("tests").join("c").join(src))
        .arg("-L")
        .arg(&lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-luci")
        .args(libs);
    let o = cmd.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", cc()));
    assert!(
        o.status.success(),
        "compiling {src} failed ({:?}):\n{}{}",
        cmd,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// valgrind, if installed and not turned off.
pub fn valgrind() -> Option<PathBuf> {
    if std::env::var("CONFORMANCE_VALGRIND").is_ok_and(|v| v == "0") {
        return None;
    }
    common::find_in_base_path("valgrind")
}

/// Runs `bin args…` isolated in `env` (working directory `env.root()`),
/// with `LD_LIBRARY_PATH` set; under valgrind (errors → exit 99, leaks
/// definitely, indirectly or possibly lost count as errors) when available. Returns the
/// run and, under valgrind, its log.
pub fn run(env: &TestEnv, bin: &Path, args: &[&str]) -> (Run, Option<String>) {
    let log = env.base().join(format!("{}.valgrind.log", bin.file_name().unwrap_or_default().to_string_lossy()));
    let mut cmd = match valgrind() {
        Some(vg) => {
            let mut c = env.command(&vg);
            c.arg("--error-exitcode=99")
                .arg("--leak-check=full")
                .arg("--errors-for-leak-kinds=definite,indirect,possible")
                .arg(format!("--log-file={}", log.display()))
                .arg(bin);
            c
        }
        None => env.command(bin),
    };
    cmd.args(args).env("LD_LIBRARY_PATH", libdir());
    let r = common::run(&mut cmd);
    let log = valgrind().map(|_| std::fs::read_to_string(&log).unwrap_or_default());
    (r, log)
}

/// The `ERROR SUMMARY` and leak lines of a valgrind log.
pub fn valgrind_summary(log: &str) -> String {
    log.lines()
        .filter(|l| ["ERROR SUMMARY", "definitely lost", "indirectly lost", "possibly lost", "in use at exit"].iter().any(|k| l.contains(k)))
        .map(|l| l.split_once("== ").map_or(l, |(_, r)| r).trim())
        .collect::<Vec<_>>()
        .join("; ")
}
