//! `ucix audit [--json] [--verify]`: the audit log (see [`crate::audit`]).

use std::io::Write;

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::Value as Json;

use crate::audit;
use crate::cli::uci::Session;
use crate::txn::history::format_time;

/// The clap definitions of this module's commands.
pub fn commands() -> Vec<Command> {
    vec![Command::new("audit")
        .about("List the audit log of committed changes (UCIX_STATE_DIR/audit.log), or check its hash chain")
        .arg(Arg::new("json").long("json").action(ArgAction::SetTrue).help("print the entries as stored, one JSON object per line"))
        .arg(
            Arg::new("verify")
                .long("verify")
                .action(ArgAction::SetTrue)
                .help("check every entry's hash and link; exit 1 at the first broken one"),
        )]
}

fn value(v: &Json) -> String {
    match v {
        Json::Null => "-".into(),
        Json::String(s) => format!("'{s}'"),
        Json::Array(a) => a.iter().map(value).collect::<Vec<_>>().join(" "),
        o => o.to_string(),
    }
}

/// The text listing of one entry: a header line, then one line per change.
fn text(e: &audit::Entry) -> String {
    let mut out = format!(
        "{}\t{}\tuid={}\tpid={}\t{}\t{}\t{}\n",
        e.seq,
        format_time(e.time),
        e.uid,
        e.pid,
        e.entry,
        e.action,
        e.package
    );
    for c in e.changes.as_array().into_iter().flatten() {
        let s = |k: &str| c.get(k).and_then(Json::as_str).unwrap_or("").to_string();
        let target = match c.get("option").and_then(Json::as_str) {
            Some(o) => format!("{}.{o}", s("section")),
            None => format!("{}({})", s("section"), s("type")),
        };
        out.push_str(&format!("\t{} {target}: {} -> {}\n", s("op"), value(&c["old"]), value(&c["new"])));
    }
    out
}

/// Runs `name` if it is one of this module's commands.
pub fn run(s: &mut Session, name: &str, m: &ArgMatches) -> Option<i32> {
    if name != "audit" {
        return None;
    }
    let log = match audit::read() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ucix: audit: cannot read {}: {e}", audit::path().display());
            return Some(1);
        }
    };
    if m.get_flag("verify") {
        return Some(match audit::verify(&log) {
            Ok(n) => {
                let _ = writeln!(s.out, "{}: {n} entries, chain intact", audit::path().display());
                0
            }
            Err(b) => {
                let _ = s.out.flush();
                eprintln!("ucix: audit: {} line {}: {}", audit::path().display(), b.line, b.reason);
                1
            }
        });
    }
    let mut out = String::new();
    if m.get_flag("json") {
        for l in log.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            out.push_str(&String::from_utf8_lossy(l));
            out.push('\n');
        }
    } else {
        for e in audit::parse(&log) {
            out.push_str(&text(&e));
        }
    }
    let _ = s.out.write_all(out.as_bytes());
    Some(0)
}
