//! `ucix` commands of the txn issue.

use clap::{ArgMatches, Command};

use crate::cli::uci::Session;

/// The clap definitions of this module's commands.
pub fn commands() -> Vec<Command> {
    ["commit", "apply", "confirm", "rollback", "history"].into_iter().map(|n| Command::new(n).about("not implemented yet")).collect()
}

/// Runs `name` if it is one of this module's commands.
pub fn run(_s: &mut Session, name: &str, _m: &ArgMatches) -> Option<i32> {
    let _ = name;
    None
}
