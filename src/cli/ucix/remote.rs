//! `ucix remote init|push|pull|batch|watch|status|log` (fleet sync over
//! PostgreSQL, [`crate::remote`]).

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::cli::uci::Session;

/// The clap definitions of this module's commands.
pub fn commands() -> Vec<Command> {
    let global = |name: &'static str, value: &'static str, help: &'static str| Arg::new(name).long(name).value_name(value).global(true).help(help);
    vec![Command::new("remote")
        .about("Sync this device's configuration with a central PostgreSQL database")
        .arg(global("url", "CONN", "libpq connection string, key=value or URI (default: ucix.remote.url)"))
        .arg(global("device", "ID", "this device's id in the database (default: ucix.remote.device)"))
        .arg(global("key-file", "FILE", "key of the encrypted secrets (default: ucix.remote.key_file, /etc/ucix/remote.key)"))
        .subcommand_required(true)
        .subcommand(Command::new("init").about("Create or upgrade the schema; create the key file when missing; register the device"))
        .subcommand(Command::new("push").about("Record the committed configuration as a new central revision when it changed"))
        .subcommand(Command::new("pull").about("Merge the central revisions since the last sync into the configuration (one atomic commit)"))
        .subcommand(Command::new("batch").about("Run uci batch commands (stdin) on the central configuration of the device as a new revision"))
        .subcommand(
            Command::new("watch").about("Pull now and whenever the device gets a new central revision (runs until stopped)").arg(
                Arg::new("poll")
                    .long("poll")
                    .value_name("SECONDS")
                    .value_parser(clap::value_parser!(u64).range(1..))
                    .default_value("30")
                    .help("also pull this often, in case a notification was missed"),
            ),
        )
        .subcommand(Command::new("status").about("Show the sync state of the device"))
        .subcommand(
            Command::new("log")
                .about("List the central revisions of the device (rev, time UTC, origin, author, changes)")
                .arg(Arg::new("verbose").short('v').long("verbose").action(ArgAction::SetTrue).help("also list each revision's changes")),
        )]
}

/// Runs `name` if it is this module's command.
pub fn run(s: &mut Session, name: &str, m: &ArgMatches) -> Option<i32> {
    if name != "remote" {
        return None;
    }
    Some(imp::run(s, m))
}

#[cfg(not(feature = "remote"))]
mod imp {
    pub fn run(_: &mut super::Session, _: &super::ArgMatches) -> i32 {
        eprintln!("ucix: remote: this ucix was built without the 'remote' feature");
        1
    }
}

#[cfg(feature = "remote")]
mod imp {
    use std::io::Write;
    use std::time::Duration;

    use clap::ArgMatches;

    use crate::cli::uci::Session;
    use crate::hooks::settings::Settings;
    use crate::remote::{sync, Options, RemoteError};

    fn fail(what: &str, e: &RemoteError) -> i32 {
        eprintln!("ucix: remote {what}: {e}");
        1
    }

    pub fn run(s: &mut Session, m: &ArgMatches) -> i32 {
        let Some((what, sub)) = m.subcommand() else { return 2 };
        let arg = |n: &str| sub.get_one::<String>(n).cloned().or_else(|| m.get_one::<String>(n).cloned());
        let o = match Options::resolve(&Settings::load(&s.ctx), arg("url"), arg("device"), arg("key-file")) {
            Ok(o) => o,
            Err(e) => return fail(what, &e),
        };
        let r = match what {
            "init" => sync::init(&o),
            "push" => sync::push(&s.ctx, &o),
            "pull" => sync::pull(&mut s.ctx, &o).map(|p| p.message()),
            "batch" => {
                let input = std::mem::replace(&mut s.input, crate::syntax::Stream::from_bytes(&[]));
                let r = sync::batch(&o, input);
                let _ = s.out.flush();
                r
            }
            "watch" => {
                let poll = Duration::from_secs(sub.get_one::<u64>("poll").copied().unwrap_or(30));
                let mut first = true;
                let out = &mut s.out;
                let mut report = |r: Result<sync::Pulled, RemoteError>| {
                    match r {
                        Ok(p) if first || p.from != p.to => {
                            let _ = writeln!(out, "{}", p.message());
                        }
                        Ok(_) => {}
                        Err(e) => {
                            print_conflicts(out, &e);
                            eprintln!("ucix: remote watch: {e}");
                        }
                    }
                    first = false;
                    let _ = out.flush();
                };
                let mut ctx = s.ctx.clone();
                sync::watch(&mut ctx, &o, poll, &mut report).map(|_| String::new())
            }
            "status" => sync::status(&s.ctx, &o).map(|lines| lines.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n")),
            "log" => sync::log(&o, sub.get_flag("verbose")).map(|t| t.trim_end().to_string()),
            _ => return 2,
        };
        match r {
            Ok(msg) => {
                if !msg.is_empty() {
                    let _ = writeln!(s.out, "{msg}");
                }
                0
            }
            Err(e) => {
                print_conflicts(&mut s.out, &e);
                let _ = s.out.flush();
                fail(what, &e)
            }
        }
    }

    fn print_conflicts(out: &mut impl Write, e: &RemoteError) {
        if let RemoteError::Conflicts(cs) = e {
            for c in cs {
                let _ = writeln!(out, "conflict: {c}");
            }
        }
    }
}
