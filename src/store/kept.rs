//! Packages kept in memory across the lines of `uci batch`.
//!
//! The original reloads every package on every line of a batch: it parses
//! the config file and replays the whole delta file again, so a batch of n
//! changes costs n parses and O(n²) replayed lines. Here a package loaded by
//! name stays in memory from one line to the next, and a load answers with
//! it while every file it was read from is unchanged: the config file (and
//! which of `-C`/confdir it is read from) and the delta file of every
//! directory of the delta path, compared by identity ([`FileId`]: device,
//! inode, size, mtime and ctime in ns; a file written by someone else in
//! the same timestamp tick with the same size is not seen, as with the
//! parse memo of [`super::parsed`]).
//!
//! The kept package is the one the line changed, so it must equal what a
//! reload would give: the config file with every delta line replayed. That
//! holds when the change it recorded, replayed on the package as it was,
//! does the same thing, and each step checks it or gives the package up
//! ([`Package::forget_origin`]; the next load then reads the files):
//!
//! * the command acted on the section a replay finds by name (the first
//!   one with that name; an `add` gets a name no section has), checked by
//!   the CLI before it changes anything;
//! * every saved line reads back as exactly the change recorded (a rename
//!   to an invalid name, for one, is skipped by a replay);
//! * the save appended to a delta file that was still as recorded, under its
//!   lock; its identity after the append becomes the recorded one.
//!
//! The lines read back go to `saved_delta`, as a replay appends them.

use super::fsutil::join;
use super::parsed::FileId;
use super::Context;
use crate::delta;
use crate::model::Package;
use crate::syntax::Stream;

/// Where a kept package was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The config file the load read (`-C` directory or confdir).
    config: Vec<u8>,
    /// The config file and each delta file, with their identities
    /// (`None`: absent).
    files: Vec<(Vec<u8>, Option<FileId>)>,
}

impl Origin {
    /// The current identities of the files a load of `name` reads.
    pub fn capture(ctx: &Context, name: &[u8]) -> Origin {
        let (config, _) = ctx.config_path(name);
        let mut files = Vec::with_capacity(ctx.delta_path.len() + 1);
        files.push((config.clone(), FileId::of_path(&config)));
        for d in &ctx.delta_path {
            let f = join(d, name);
            let id = FileId::of_path(&f);
            files.push((f, id));
        }
        Origin { config, files }
    }

    /// After this process appended to `file` under its lock: `before` and
    /// `after` are its identities around the append. False when the file
    /// was not as recorded (someone else changed it).
    pub fn appended(&mut self, file: &[u8], before: Option<FileId>, after: Option<FileId>) -> bool {
        let mut found = false;
        for (f, id) in &mut self.files {
            if f == file {
                // an absent file and an empty one replay alike: the append
                // may have created the file (the first change of a batch)
                let same = *id == before || (id.is_none() && before.is_some_and(|b| b.is_empty()));
                if !same || after.is_none() {
                    return false;
                }
                *id = after;
                found = true;
            }
        }
        found
    }
}

/// The kept packages (each with its [`Origin`]).
#[derive(Debug, Clone, Default)]
pub struct Kept {
    packages: Vec<Package>,
}

impl Kept {
    /// Keeps an unloaded package when it still equals its reload.
    pub fn put(&mut self, p: Package) {
        self.packages.retain(|k| k.name != p.name);
        if p.origin.is_some() && p.delta.is_empty() && p.has_delta {
            self.packages.push(p);
        }
    }

    /// The kept package `name`, when no file it was read from changed.
    pub fn take(&mut self, ctx: &Context, name: &[u8]) -> Option<Package> {
        let i = self.packages.iter().position(|p| p.name == name)?;
        let p = self.packages.swap_remove(i);
        let now = Origin::capture(ctx, name);
        (p.origin.as_deref() == Some(&now)).then_some(p)
    }
}

/// After `p`'s pending changes were appended as `lines` to the savedir
/// delta file `file` (identities `before`/`after` around the append):
/// keeps `p`'s origin only if the append is ours alone and the lines read
/// back as the changes recorded, which then go to `saved_delta`.
pub fn saved(p: &mut Package, file: &[u8], lines: &[u8], before: Option<FileId>, after: Option<FileId>, keep: bool) {
    let Some(o) = p.origin.as_mut() else { return };
    if !o.appended(file, before, after) {
        p.forget_origin();
        return;
    }
    let back = delta::parse_all(&mut Stream::from_bytes(lines));
    let same = back.as_ref().is_some_and(|b| {
        b.len() == p.delta.len() && b.iter().zip(&p.delta).all(|(l, d)| l.package == p.name && l.delta == *d)
    });
    match back {
        Some(b) if same => {
            if keep {
                p.saved_delta.extend(b.into_iter().map(|l| l.delta));
            }
        }
        _ => p.forget_origin(),
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    fn origin(file: &[u8], id: Option<FileId>) -> Origin {
        Origin { config: b"c".to_vec(), files: vec![(file.to_vec(), id)] }
    }

    #[test]
    fn an_append_that_created_the_delta_file_keeps_the_package() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pkg");
        let name = f.as_os_str().as_encoded_bytes().to_vec();
        std::fs::write(&f, b"").unwrap();
        let empty = FileId::of_path(&name);
        std::fs::write(&f, b"pkg.a.b='c'\n").unwrap();
        let after = FileId::of_path(&name);
        // absent when loaded, created empty by the append's open: kept
        let mut o = origin(&name, None);
        assert!(o.appended(&name, empty, after));
        assert_eq!(o.files[0].1, after);
        // absent when loaded, but someone else wrote lines into it: not kept
        let mut o = origin(&name, None);
        assert!(!o.appended(&name, after, after));
        // as recorded: kept; another identity: not kept
        let mut o = origin(&name, after);
        assert!(o.appended(&name, after, after));
        let mut o = origin(&name, empty);
        assert!(!o.appended(&name, after, after));
    }
}
