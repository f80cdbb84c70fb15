//! Staged, atomic multi-package commits with a journal, crash recovery,
//! apply/confirm/rollback and history (issue: staged atomic commits).
//!
//! The API below is what other modules (schema migrations, the CLI, hooks)
//! call; the transactions issue replaces the sequential placeholder bodies.
#![forbid(unsafe_code)]

use crate::error::Result;
use crate::store::Context;

/// What started a commit (`UCIX_ACTION` for hooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Commit,
    Apply,
    Rollback,
    Migrate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Commit => "commit",
            Action::Apply => "apply",
            Action::Rollback => "rollback",
            Action::Migrate => "migrate",
        }
    }
}

/// Finishes or rolls back a journaled commit interrupted by a crash.
/// Called before any access to the config directory.
pub fn recover(_ctx: &Context) {}

/// Commits the pending changes (delta files) of the named packages as one
/// atomic step. Returns the names of the packages that changed.
pub fn commit_packages(ctx: &mut Context, names: &[Vec<u8>], _action: Action) -> Result<Vec<Vec<u8>>> {
    let mut changed = vec![];
    for n in names {
        let i = ctx.get_or_load(n)?;
        let before = ctx.packages[i].saved_delta.len();
        let i = ctx.commit(i, false)?;
        if before > 0 {
            changed.push(ctx.packages[i].name.clone());
        }
    }
    Ok(changed)
}

/// Replaces the committed content of packages with new config text (as
/// exported), atomically: for migrations and rollbacks.
pub fn write_contents(ctx: &mut Context, contents: &[(Vec<u8>, Vec<u8>)], _action: Action) -> Result<()> {
    for (name, text) in contents {
        let (path, c2) = ctx.config_path(name);
        let dir = if c2 { ctx.conf2dir.clone().unwrap_or_default() } else { ctx.confdir.clone() };
        if !crate::store::fsutil::is_regular(crate::store::fsutil::path(&path)) {
            std::fs::write(crate::store::fsutil::path(&path), b"").map_err(|_| crate::Error(crate::ErrorCode::Io))?;
        }
        crate::store::context::write_replace(&dir, name, &path, text)?;
    }
    Ok(())
}
