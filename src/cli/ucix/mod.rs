//! The extended `ucix` command.
//!
//! `ucix [<uci options>] <command> …`: the uci options (`-c`, `-C`, `-t`, `-p`,
//! `-P`, `-q`, `-S`, …) are read exactly as `uci` reads them. When the command
//! is one of ucix's own (see [`EXTENSIONS`]), the words from the command on
//! are parsed by clap; every other command runs exactly as `uci` runs it.

pub mod audit;
pub mod cache;
pub mod hooks;
pub mod remote;
pub mod schema;
pub mod serve;
pub mod txn;

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;

use clap::{ArgMatches, Command};

use super::uci::{self, Session};

/// ucix's own commands, each implemented in a submodule.
pub const EXTENSIONS: &[&str] =
    &["commit", "apply", "confirm", "rollback", "history", "validate", "migrate", "cache", "stats", "hooks", "remote", "audit", "serve"];

fn app() -> Command {
    let mut app = Command::new("ucix")
        .about("ucix: UCI configuration tool with atomic commits, cache, schemas and hooks")
        .override_usage("ucix [<uci options>] <command> [<arguments>]")
        .after_help("Any other command (get, set, show, export, import, changes, add, add_list, del_list, delete, rename, revert, reorder, batch) behaves exactly as in uci. uci options: -c <confdir> -C <conf2dir> -t <savedir> -p <deltadir> -P <deltadir> -q -s -S -n -N -X -d <delim> -f <file> -m")
        .no_binary_name(true)
        .disable_help_subcommand(true);
    for c in txn::commands().into_iter().chain(schema::commands()).chain(cache::commands()).chain(hooks::commands()).chain(remote::commands()).chain(audit::commands()).chain(serve::commands()) {
        app = app.subcommand(c);
    }
    app
}

/// Index of the command word in `argv` (skipping uci options and their
/// arguments), if any.
fn command_index(argv: &[Vec<u8>]) -> Option<usize> {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == b"--" {
            return (i + 1 < argv.len()).then_some(i + 1);
        }
        if a.len() >= 2 && a[0] == b'-' {
            if a.len() == 2 && b"cCdfpPt".contains(&a[1]) {
                i += 1;
            }
            i += 1;
            continue;
        }
        return Some(i);
    }
    None
}

/// Runs `ucix`; returns the exit status.
pub fn main(argv: Vec<OsString>) -> i32 {
    crate::audit::set_entry_point(crate::audit::EntryPoint::Ucix);
    let argv: Vec<Vec<u8>> = argv.into_iter().map(OsStringExt::into_vec).collect();
    if argv.get(1).is_some_and(|a| a == b"--help" || a == b"-h" || a == b"help") {
        let _ = app().print_help();
        println!();
        return 0;
    }
    let Some(ci) = command_index(&argv) else { return uci::main(to_os(argv)) };
    let word = String::from_utf8_lossy(&argv[ci]).to_ascii_lowercase();
    if let Some(code) = txn::guard(&word, &argv[ci + 1..]) {
        return code;
    }
    if let Some(code) = schema::enforce(&argv, ci) {
        return code;
    }
    if !EXTENSIONS.contains(&word.as_str()) {
        return uci::main(to_os(argv));
    }
    let (mut s, _) = match uci::setup(&argv[..ci]) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let words: Vec<OsString> = to_os(argv[ci..].to_vec());
    let m = match app().try_get_matches_from(words) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let ret = dispatch(&mut s, &m);
    let _ = s.out.flush();
    ret
}

fn dispatch(s: &mut Session, m: &ArgMatches) -> i32 {
    let Some((name, sub)) = m.subcommand() else { return 2 };
    txn::run(s, name, sub)
        .or_else(|| schema::run(s, name, sub))
        .or_else(|| cache::run(s, name, sub))
        .or_else(|| hooks::run(s, name, sub))
        .or_else(|| remote::run(s, name, sub))
        .or_else(|| audit::run(s, name, sub))
        .or_else(|| serve::run(s, name, sub))
        .unwrap_or_else(|| {
            eprintln!("ucix: unknown command {name}");
            2
        })
}

fn to_os(v: Vec<Vec<u8>>) -> Vec<OsString> {
    v.into_iter().map(OsString::from_vec).collect()
}
