//! The `uci` command line (cli.md §1–§2): getopt with permutation, grouped
//! flags, `--`, every command with any arguments, through the CLI's own
//! code (`cli::uci::setup`, `commands::run`, then the exit status and usage
//! handling of `cli::uci::run`).
//!
//! Input: NUL-separated arguments (after `argv[0]`), run in a sandbox on
//! tmpfs with fresh copies of two small packages; the process's working
//! directory is the sandbox. Inputs containing `/`, `..` or an empty
//! argument are skipped, so that every path an argument can name (`-c`,
//! `-t`, `-p`, `-P`, `-C`, `-f`, path packages; `-c ''` would make
//! `/<name>`) stays inside it. scripts/fuzz.sh runs this target with
//! stdin from /dev/null (`import` and `batch` read it).
//!
//! Checks beyond "no panic": the exit status is one cli.md allows (0, 1,
//! 255, or a UCI error code from `add`), and no temporary file of an
//! atomic write is left.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ucix_fuzz::sandbox::Sandbox;
use ucix_fuzz::{NETWORK, SYSTEM};

fn sandbox() -> &'static Sandbox {
    static S: OnceLock<Sandbox> = OnceLock::new();
    S.get_or_init(|| {
        let s = Sandbox::new("argv");
        std::env::set_current_dir(&s.root).expect("enter the sandbox");
        s
    })
}

fuzz_target!(|data: &[u8]| {
    if data.contains(&b'/') || data.windows(2).any(|w| w == b"..") {
        return;
    }
    // an empty directory argument (`-c ''`, `-t ''`) makes `/<name>` paths
    if !data.is_empty() && data.split(|&c| c == 0).any(<[u8]>::is_empty) {
        return;
    }
    let sb = sandbox();
    sb.reset(&[("network", NETWORK), ("system", SYSTEM)]);
    // -C '' and -t delta first (the host's /var/run/uci and /tmp/.uci are
    // never written: -t moves the save directory into the sandbox; later
    // options may change both, but only to names inside it)
    let mut argv: Vec<std::ffi::OsString> = ["uci", "-q", "-c", "config", "-t", "delta", "-C", ""]
        .iter()
        .map(Into::into)
        .collect();
    if !data.is_empty() {
        use std::os::unix::ffi::OsStrExt;
        argv.extend(data.split(|&c| c == 0).map(|a| std::ffi::OsStr::from_bytes(a).to_os_string()));
    }
    // `uci import NAME` takes any NAME, so a package may itself be called
    // like a temporary file: only names that no argument gave are checked
    let given: Vec<std::ffi::OsString> = argv.clone();
    let status = ucix::cli::uci::run(argv, false);
    assert!(matches!(status, 0..=7 | 255), "exit status {status}");
    for e in std::fs::read_dir(&sb.confdir).into_iter().flatten().flatten() {
        let file = e.file_name();
        if given.contains(&file) {
            continue;
        }
        let name = file.to_string_lossy();
        assert!(!(name.starts_with('.') && name.contains(".uci-")), "temporary file left: {name}");
    }
});
