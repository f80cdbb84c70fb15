//! `ucix hooks list|run` (the hooks issue).

use std::io::Write;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::cli::uci::Session;
use crate::hooks::{self, changes, settings::Settings};
use crate::store::paths;
use crate::txn::Origin;

/// The clap definitions of this module's commands.
pub fn commands() -> Vec<Command> {
    vec![Command::new("hooks")
        .about("Commit hooks: list them, or run them by hand")
        .subcommand_required(true)
        .subcommand(Command::new("list").about("List the hooks that run after a commit, in order"))
        .subcommand(
            Command::new("run")
                .about("Run every hook now for the packages (default: every config), with UCIX_ACTION=run and empty change lists")
                .arg(Arg::new("package").num_args(0..).action(ArgAction::Append).value_name("PACKAGE")),
        )]
}

/// Runs `name` if it is one of this module's commands.
pub fn run(s: &mut Session, name: &str, m: &ArgMatches) -> Option<i32> {
    if name != "hooks" {
        return None;
    }
    let settings = Settings::load(&s.ctx);
    let list = hooks::run::list_hooks(&paths::hooks_dir());
    Some(match m.subcommand() {
        Some(("list", _)) => {
            let mut out = String::new();
            for h in &list {
                out.push_str(&format!("{}\n", h.display()));
            }
            if !settings.hooks_enabled {
                eprintln!("ucix: hooks are disabled (ucix.hooks.enabled)");
            }
            let _ = s.out.write_all(out.as_bytes());
            0
        }
        Some(("run", sub)) => {
            let mut names: Vec<String> = sub.get_many::<String>("package").map(|v| v.cloned().collect()).unwrap_or_default();
            if names.is_empty() {
                names = s.ctx.list_configs().unwrap_or_default().iter().map(|n| changes::text(n)).collect();
            }
            let desc = changes::Description {
                version: 1,
                action: "run".into(),
                packages: names.into_iter().map(|package| changes::PackageChanges { package, changes: vec![] }).collect(),
            };
            let errs = hooks::run_hooks(&list, &desc, &settings, Origin::Ucix);
            i32::from(!errs.is_empty())
        }
        _ => 2,
    })
}
