//! `ucix commit|apply|confirm|rollback|history` (the transactions issue).

use std::io::Write;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};

use crate::cli::uci::Session;
use crate::txn::{self, apply, history, Action, Failure, Origin};

/// The clap definitions of this module's commands.
pub fn commands() -> Vec<Command> {
    let pkgs = || Arg::new("package").num_args(0..).action(ArgAction::Append).value_name("PACKAGE");
    vec![
        Command::new("commit")
            .about("Commit the pending changes of the packages (default: every package with pending changes) atomically")
            .arg(pkgs()),
        Command::new("apply")
            .about("Commit like 'commit', run the hooks, and roll back unless 'ucix confirm' follows within the timeout")
            .arg(
                Arg::new("timeout")
                    .long("timeout")
                    .value_name("SECONDS")
                    .value_parser(value_parser!(u64).range(1..))
                    .help("seconds before the rollback (default: ucix.apply.timeout, 90)"),
            )
            .arg(Arg::new("watch").long("watch").value_name("ID").hide(true))
            .arg(pkgs()),
        Command::new("confirm").about("Keep the configuration of the pending apply"),
        Command::new("rollback")
            .about("Restore the configuration from before the pending apply, or a version from the history")
            .arg(Arg::new("to").long("to").value_name("ID").value_parser(value_parser!(u64)).help("restore this history version")),
        Command::new("history")
            .about("List the recorded versions of the packages (ID, time UTC, package, action, bytes; * = current content)")
            .arg(Arg::new("package").value_name("PACKAGE")),
    ]
}

/// Run before any `ucix` command (`word` = the command, `rest` = the words
/// after it): performs a rollback whose deadline passed, and refuses the
/// commands that change committed state while a rollback is pending.
pub fn guard(word: &str, rest: &[Vec<u8>]) -> Option<i32> {
    if word == "apply" && rest.iter().any(|a| a == b"--watch" || a.starts_with(b"--watch=")) {
        return None;
    }
    apply::expire_if_due(Origin::Ucix);
    if matches!(word, "commit" | "apply" | "revert" | "migrate") {
        if let Some(msg) = apply::refusal() {
            eprintln!("ucix: {word} refused: {msg}");
            return Some(1);
        }
    }
    None
}

fn names(m: &ArgMatches) -> Vec<Vec<u8>> {
    m.get_many::<String>("package").map(|v| v.map(|s| s.as_bytes().to_vec()).collect()).unwrap_or_default()
}

fn fail(what: &str, f: &Failure) -> i32 {
    eprintln!("ucix: {what}: {}", f.msg);
    1
}

fn joined(v: &[Vec<u8>]) -> String {
    v.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect::<Vec<_>>().join(" ")
}

/// Runs `name` if it is one of this module's commands.
pub fn run(s: &mut Session, name: &str, m: &ArgMatches) -> Option<i32> {
    Some(match name {
        "commit" => {
            let mut n = names(m);
            if n.is_empty() {
                n = txn::pending_packages(&s.ctx);
            }
            if n.is_empty() {
                return Some(0);
            }
            match txn::commit_packages_as(&mut s.ctx, &n, Action::Commit, Origin::Ucix) {
                Ok(_) => 0,
                Err(f) => fail("commit failed, nothing was changed", &f),
            }
        }
        "apply" => {
            if let Some(id) = m.get_one::<String>("watch") {
                apply::watch(id);
                return Some(0);
            }
            let timeout = m.get_one::<u64>("timeout").copied().unwrap_or_else(|| crate::hooks::settings::Settings::load(&s.ctx).apply_timeout);
            let mut n = names(m);
            if n.is_empty() {
                n = txn::pending_packages(&s.ctx);
            }
            if n.is_empty() {
                eprintln!("ucix: apply: no pending changes");
                return Some(1);
            }
            let exe = match std::env::current_exe() {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("ucix: apply: cannot find the ucix executable: {e}");
                    return Some(1);
                }
            };
            match apply::apply(&mut s.ctx, &n, timeout, &exe) {
                Ok(done) if done.is_empty() => {
                    eprintln!("ucix: apply: no pending changes");
                    1
                }
                Ok(done) => {
                    let _ = writeln!(s.out, "applied {}; rolled back in {timeout} s unless 'ucix confirm'", joined(&done));
                    0
                }
                Err(f) => fail("apply", &f),
            }
        }
        "confirm" => match apply::confirm() {
            Ok(id) => {
                let _ = writeln!(s.out, "confirmed apply {id}");
                0
            }
            Err(f) => fail("confirm", &f),
        },
        "rollback" => match m.get_one::<u64>("to") {
            None => match apply::rollback() {
                Ok(done) => {
                    let _ = writeln!(s.out, "rolled back {}", joined(&done));
                    0
                }
                Err(f) => fail("rollback", &f),
            },
            Some(&id) => {
                if let Some(msg) = apply::refusal() {
                    eprintln!("ucix: rollback --to refused: {msg}");
                    return Some(1);
                }
                rollback_to(s, id)
            }
        },
        "history" => {
            let pkg = m.get_one::<String>("package").map(String::as_str);
            let versions = history::list(pkg);
            let mut out = String::new();
            if !versions.is_empty() {
                out.push_str("ID\tTIME (UTC)\tPACKAGE\tACTION\tBYTES\n");
            }
            let mut current = std::collections::BTreeMap::new();
            for v in &versions {
                // the newest version whose content is the file's current content
                let now = std::fs::read(&v.path).ok();
                if history::content(v).ok() == Some(now) {
                    current.insert(v.package.clone(), v.id);
                }
            }
            for v in &versions {
                let mark = if current.get(&v.package) == Some(&v.id) { "\t*" } else { "" };
                let size = if v.removed { "removed".to_string() } else { v.size.to_string() };
                out.push_str(&format!("{}\t{}\t{}\t{}\t{}{mark}\n", v.id, history::format_time(v.time), v.package, v.action, size));
            }
            let _ = s.out.write_all(out.as_bytes());
            0
        }
        _ => return None,
    })
}

fn rollback_to(s: &mut Session, id: u64) -> i32 {
    let Some(v) = history::find(id) else {
        eprintln!("ucix: rollback: no version {id} in the history");
        return 1;
    };
    let (now_path, _) = s.ctx.config_path(v.package.as_bytes());
    let now_path = std::path::absolute(crate::store::fsutil::path(&now_path)).unwrap_or_default();
    if now_path != v.path {
        eprintln!("ucix: rollback: version {id} belongs to {}, not to {}", v.path.display(), now_path.display());
        return 1;
    }
    let content = match history::content(&v) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ucix: rollback: cannot read version {id}: {e}");
            return 1;
        }
    };
    match txn::write_contents_as(&mut s.ctx, &[(v.package.as_bytes().to_vec(), content)], Action::Rollback, Origin::Ucix) {
        Ok(_) => {
            let _ = writeln!(s.out, "restored {} to version {id}", v.package);
            0
        }
        Err(f) => fail("rollback", &f),
    }
}
