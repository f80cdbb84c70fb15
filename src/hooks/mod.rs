//! Commit hooks and procd integration.
//!
//! After every successful commit (any entry point), once the new files are
//! durable, [`after_commit`]:
//! 1. runs the executables of the hooks directory (`UCIX_HOOKS_DIR`,
//!    default `/etc/ucix/hooks.d`) in name order, each once for all the
//!    committed packages, with `UCIX_PACKAGES` (names, space-separated),
//!    `UCIX_ACTION` and the JSON [`changes::Description`] on stdin, each
//!    killed after the hook timeout;
//! 2. where procd is there ([`events::ubus`]) and events are enabled for
//!    this kind of entry point ([`settings`]): updates those packages'
//!    lines of `/var/run/config.md5`, then sends one `config.change` event
//!    per package with its change list added under `changes`.
//!
//! Failures never fail the commit: `ucix` reports them on stderr, the
//! drop-in entry points and the apply watcher to syslog.
#![forbid(unsafe_code)]

pub mod changes;
pub mod events;
pub mod run;
pub mod settings;
pub mod syslog;

use std::path::PathBuf;
use std::process::Command;

use crate::store::{paths, Context};
use crate::txn::engine::Done;
use crate::txn::{Action, Origin};
use changes::{Description, PackageChanges};
use settings::Settings;

/// Reports a problem: stderr for `ucix`, syslog otherwise.
pub fn report(origin: Origin, msg: &str) {
    match origin {
        Origin::Ucix => eprintln!("ucix: {msg}"),
        Origin::DropIn | Origin::Background => syslog::log(msg),
    }
}

/// Set in the environment of every hook (to its path). A commit made by a
/// process that has it (a hook committing something) runs no hooks, so
/// that hooks cannot recurse; events are still sent.
pub const IN_HOOK_ENV: &str = "UCIX_HOOK";

/// The hooks that would run now.
pub fn hooks(settings: &Settings) -> Vec<PathBuf> {
    if settings.hooks_enabled && std::env::var_os(IN_HOOK_ENV).is_none() {
        run::list_hooks(&paths::hooks_dir())
    } else {
        vec![]
    }
}

/// Whether events are sent for commits from `origin` (settings allow it
/// and procd is there).
pub fn events_on(settings: &Settings, origin: Origin) -> Option<PathBuf> {
    let enabled = match origin {
        Origin::DropIn => settings.events_dropin,
        Origin::Ucix | Origin::Background => settings.events,
    };
    if enabled {
        events::ubus()
    } else {
        None
    }
}

/// Whether a commit needs the change lists (some hook or event will use them).
pub fn wants_changes(_ctx: &Context, settings: &Settings, origin: Origin) -> bool {
    !hooks(settings).is_empty() || events_on(settings, origin).is_some()
}

/// The change description of a commit.
pub fn describe(action: &str, done: &[&Done]) -> Description {
    Description {
        version: 1,
        action: action.to_string(),
        packages: done
            .iter()
            .map(|d| PackageChanges {
                package: changes::text(&d.name),
                changes: d.changes(),
            })
            .collect(),
    }
}

/// Runs every hook once with `desc`. Returns the failures, already reported.
pub fn run_hooks(hooks: &[PathBuf], desc: &Description, settings: &Settings, origin: Origin) -> Vec<String> {
    let names: Vec<&str> = desc.packages.iter().map(|p| p.package.as_str()).collect();
    let json = serde_json::to_vec(desc).unwrap_or_default();
    let mut errs = vec![];
    for h in hooks {
        let mut cmd = Command::new(h);
        cmd.env("UCIX_PACKAGES", names.join(" ")).env("UCIX_ACTION", &desc.action).env(IN_HOOK_ENV, h).current_dir("/");
        if let Err(e) = run::run(cmd, &json, settings.hook_timeout, origin) {
            let msg = format!("hook {} failed: {e}", h.display());
            report(origin, &msg);
            errs.push(msg);
        }
    }
    errs
}

/// Hooks and events after a durable commit of `done` (the written packages).
pub fn after_commit(ctx: &Context, settings: &Settings, done: &[&Done], action: Action, origin: Origin) {
    let hooks = hooks(settings);
    let ubus = events_on(settings, origin);
    if hooks.is_empty() && ubus.is_none() {
        return;
    }
    let desc = describe(action.as_str(), done);
    if !hooks.is_empty() {
        run_hooks(&hooks, &desc, settings, origin);
    }
    if let Some(ubus) = ubus {
        let names: Vec<Vec<u8>> = done.iter().map(|d| d.name.clone()).collect();
        if let Err(e) = events::update_md5(ctx, &names) {
            report(origin, &format!("cannot update {}: {e}", paths::config_md5().display()));
        }
        for e in events::send(&ubus, &desc.packages, settings.hook_timeout, origin) {
            report(origin, &e);
        }
    }
}
