//! `ucix serve [--bus ADDRESS]`: the D-Bus service (see [`crate::serve`]).

use clap::{Arg, ArgMatches, Command};

use crate::cli::uci::Session;

/// The clap definitions of this module's commands.
pub fn commands() -> Vec<Command> {
    vec![Command::new("serve")
        .about("Serve the configuration on D-Bus as org.ucix.Config (/org/ucix/Config, org.ucix.Config1), with acls, per-uid staging and the Committed signal")
        .arg(Arg::new("bus").long("bus").value_name("ADDRESS").help("D-Bus address to connect to (default: the system bus)"))]
}

/// Runs `name` if it is one of this module's commands.
pub fn run(s: &mut Session, name: &str, m: &ArgMatches) -> Option<i32> {
    if name != "serve" {
        return None;
    }
    Some(serve(s, m.get_one::<String>("bus").map(String::as_str)))
}

#[cfg(feature = "serve")]
fn serve(s: &mut Session, bus: Option<&str>) -> i32 {
    let base = crate::serve::ops::Base { confdir: s.ctx.confdir.clone(), conf2dir: s.ctx.conf2dir.clone(), flags: s.ctx.flags };
    crate::serve::bus::serve(base, bus)
}

#[cfg(not(feature = "serve"))]
fn serve(_: &mut Session, _: Option<&str>) -> i32 {
    eprintln!("ucix: serve: this ucix was built without the 'serve' feature");
    1
}
