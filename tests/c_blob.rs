//! The `uci_blob.h` helpers of `libuci.so` (`uci_to_blob`,
//! `uci_blob_check_equal`, `uci_blob_diff`) seen from C, over the real
//! libubox that libuci.so links (`target/libubox/install`, built by
//! `scripts/libubox.sh`, or `UCIX_LIBUBOX_DIR`):
//!
//! * `edge_cases`: `uci-compat/tests/c/blob_edge.c`, every result written
//!   down from libuci-abi.md §6.28 (blobmsg JSON, attribute types, counts,
//!   equality, diff bits, struct layout);
//! * `netifd_style_loading_*`: `uci-compat/tests/c/blob_netifd.c` on the
//!   real-world configs of `../shared/testdata/realworld` (the network,
//!   dhcp, wireless, firewall and system files, then every file): netifd-
//!   style policy tables with nested `next[]` lists plus a table with every
//!   policy type per option; each library result is compared with a second
//!   implementation of the spec inside the program;
//! * the library file: NEEDED `libubox.so`, and only the libubox imports of
//!   the reference; `uci_blob.h` compiles as C++.
//!
//! All programs run under valgrind when it is installed (any error or
//! definitely/indirectly/possibly lost block fails). Needs
//! `cargo build --release --workspace` first.

mod c_support;
mod common;

use std::path::PathBuf;
use std::process::Command;

use common::TestEnv;

/// Compiles `src` with libubox and runs it with `args` after the scratch
/// directory; requires exit 0 and a clean valgrind log; returns stdout.
fn run_blob_program(test: &str, src: &str, args: &[String]) -> String {
    let env = TestEnv::new(test);
    let bin = c_support::compile_ubox(src, test, env.base(), &[], &["-lblobmsg_json", "-lubox"]);
    let root = env.root();
    let mut argv = vec![root.to_str().expect("utf-8 path")];
    argv.extend(args.iter().map(String::as_str));
    let (r, log) = c_support::run(&env, &bin, &argv);
    if let Some(log) = &log {
        common::say(format!("{test}: valgrind: {}", c_support::valgrind_summary(log)));
    }
    let mismatches: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("MISMATCH") || l.starts_with("FAILED")).take(20).collect();
    assert!(
        r.status == 0,
        "{test} exited with {}{}\nfirst failures:\n{}\nstderr:\n{}{}",
        r.status,
        if r.status == 99 { " (valgrind found errors)" } else { "" },
        mismatches.join("\n"),
        r.stderr,
        log.map(|l| format!("\nvalgrind log:\n{l}")).unwrap_or_default()
    );
    common::say(r.stdout.lines().last().unwrap_or(""));
    r.stdout
}

#[test]
fn edge_cases() {
    let out = run_blob_program("blob_edge", "blob_edge.c", &[]);
    assert!(out.contains(" 0 failed"), "{out}");
}

/// The files of `realworld/` (sorted), those whose config name is one of
/// `only` when given.
fn realworld_files(only: Option<&[&str]>) -> Option<Vec<PathBuf>> {
    let dir = common::shared_dir()?.join("testdata").join("realworld");
    let mut files = Vec::new();
    for d in std::fs::read_dir(&dir).expect("read realworld/") {
        let d = d.expect("dir entry").path();
        if !d.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&d).expect("read realworld/*") {
            let f = f.expect("dir entry").path();
            let name = f.file_name().unwrap_or_default().to_string_lossy().into_owned();
            // `<path>__config__<name>[@<hash>]`
            let config = name.rsplit("__").next().unwrap_or("").split('@').next().unwrap_or("").to_string();
            if only.is_none_or(|o| o.contains(&config.as_str())) {
                files.push(f);
            }
        }
    }
    files.sort();
    Some(files)
}

/// Runs blob_netifd.c on `files`; returns (files, sections, attributes, compared).
fn netifd_style(test: &str, files: &[PathBuf]) -> [u64; 4] {
    let args: Vec<String> = files.iter().map(|f| f.to_str().expect("utf-8 path").to_string()).collect();
    let out = run_blob_program(test, "blob_netifd.c", &args);
    assert!(!out.contains("load failed"), "a file did not load:\n{}", out.lines().filter(|l| l.contains("load failed")).collect::<Vec<_>>().join("\n"));
    let summary = out.lines().last().expect("summary line");
    let num = |k: &str| -> u64 {
        summary
            .split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {k} in {summary}"))
    };
    assert_eq!(num("mismatches="), 0, "{summary}");
    assert_eq!(num("files="), files.len() as u64, "{summary}");
    [num("files="), num("sections="), num("attributes="), num("compared=")]
}

#[test]
fn netifd_style_loading_of_the_daemon_configs() {
    let Some(files) = realworld_files(Some(&["network", "dhcp", "wireless", "firewall", "system"])) else {
        return;
    };
    assert!(files.len() >= 5, "expected the network/dhcp/wireless/firewall/system files, found {files:?}");
    let n = netifd_style("blob_netifd_daemons", &files);
    assert!(n[1] > 0 && n[2] > 0, "nothing was converted: {n:?}");
}

#[test]
fn netifd_style_loading_of_every_realworld_config() {
    let Some(files) = realworld_files(None) else {
        return;
    };
    let n = netifd_style("blob_netifd_all", &files);
    assert!(n[1] > 0, "{n:?}");
}

#[test]
fn libuci_needs_libubox() {
    let lib = c_support::libdir().join("libuci.so");
    let Some(readelf) = common::find_in_base_path("readelf") else {
        common::say("skipped: readelf (binutils) not installed");
        return;
    };
    let out = Command::new(readelf).arg("-dW").arg(&lib).output().expect("run readelf");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Shared library: [libubox.so]"), "libuci.so does not list libubox.so as NEEDED:\n{text}");
    let Some(nm) = common::find_in_base_path("nm") else {
        return;
    };
    let out = Command::new(nm).args(["-D", "--undefined-only"]).arg(&lib).output().expect("run nm");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut imported: Vec<&str> =
        text.lines().filter_map(|l| l.split_whitespace().last()).filter(|s| s.starts_with("blob")).collect();
    imported.sort_unstable();
    // the libubox functions the reference libuci.so imports (libuci-abi.md §1)
    assert_eq!(imported, ["blob_nest_end", "blobmsg_add_field", "blobmsg_open_nested", "blobmsg_parse"], "{text}");
}

#[test]
fn blob_header_compiles_as_cxx() {
    let Some(cxx) = common::find_in_base_path("c++") else {
        common::say("skipped: no C++ compiler");
        return;
    };
    let env = TestEnv::new("blob_header_cxx");
    let src = env.base().join("t.cc");
    std::fs::write(
        &src,
        "#include <uci_blob.h>\n\
         static const struct blobmsg_policy p[] = { { \"proto\", BLOBMSG_TYPE_STRING } };\n\
         int main() {\n\
         \tstruct uci_blob_param_list l = {};\n\
         \tl.n_params = 1; l.params = p;\n\
         \tbool (*eq)(struct blob_attr *, struct blob_attr *, const struct uci_blob_param_list *) = uci_blob_check_equal;\n\
         \tint (*to)(struct blob_buf *, struct uci_section *, const struct uci_blob_param_list *) = uci_to_blob;\n\
         \tbool (*df)(struct blob_attr **, struct blob_attr **, const struct uci_blob_param_list *, unsigned long *) = uci_blob_diff;\n\
         \treturn (eq != 0) + (to != 0) + (df != 0) + l.n_params - 4;\n\
         }\n",
    )
    .expect("write t.cc");
    let out = Command::new(cxx)
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I"])
        .arg(c_support::compat_dir().join("include"))
        .arg("-I")
        .arg(c_support::libubox_dir().join("include"))
        .arg(&src)
        .output()
        .expect("run c++");
    assert!(out.status.success(), "uci_blob.h does not compile as C++:\n{}", String::from_utf8_lossy(&out.stderr));
}
