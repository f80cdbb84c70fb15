//! History: the last N committed versions of each package (N =
//! `ucix.history.keep`, default 5; 0 turns it off), recorded after every
//! commit of a package loaded by name, from every entry point.
//!
//! Layout under `$UCIX_STATE_DIR/history/` (default `/var/lib/ucix`):
//!
//! ```text
//! next                 the next version ID (decimal; IDs are unique across packages)
//! .lock                flock serialising writers
//! <package>/<id>       the config file's bytes after that commit (absent when the commit removed it)
//! <package>/<id>.info  time=<unix seconds> / action=<commit|apply|rollback|migrate|initial> /
//!                      path=<config file, hex> / removed=<0|1>
//! ```
//!
//! The first time a package is recorded, its content from before the
//! commit is kept too, as action `initial`, so the state before ucix first
//! committed it can be restored.
#![forbid(unsafe_code)]

use std::fs;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::engine::Done;
use super::Action;
use crate::hooks::settings::Settings;
use crate::store::{fsutil, paths};

/// One recorded version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub id: u64,
    pub package: String,
    pub time: u64,
    pub action: String,
    /// The config file it was committed to.
    pub path: PathBuf,
    pub removed: bool,
    pub size: u64,
}

pub fn dir() -> PathBuf {
    paths::state_dir().join("history")
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn lock(base: &Path) -> io::Result<fs::File> {
    let f = fs::OpenOptions::new().create(true).truncate(false).write(true).open(base.join(".lock"))?;
    fsutil::lock(&f, true)?;
    Ok(f)
}

fn next_id(base: &Path) -> io::Result<u64> {
    let f = base.join("next");
    let n: u64 = fs::read_to_string(&f).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(1);
    fs::write(&f, format!("{}\n", n + 1))?;
    Ok(n)
}

fn write_version(base: &Path, pkg: &str, content: Option<&[u8]>, action: &str, target: &Path) -> io::Result<u64> {
    let id = next_id(base)?;
    let pdir = base.join(pkg);
    fs::create_dir_all(&pdir)?;
    if let Some(c) = content {
        fs::write(pdir.join(id.to_string()), c)?;
    }
    let info = format!(
        "time={}\naction={action}\npath={}\nremoved={}\n",
        now(),
        hex(target.as_os_str().as_bytes()),
        u8::from(content.is_none())
    );
    fs::write(pdir.join(format!("{id}.info")), info)?;
    Ok(id)
}

fn absolute(p: &[u8]) -> PathBuf {
    let p = fsutil::path(p);
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Whether a package gets history: loaded by name, and a plain config
/// name (`[A-Za-z0-9_-]+`, so it is also a safe file name).
fn recorded(d: &Done) -> bool {
    d.by_name && !d.name.is_empty() && d.name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

/// Records the versions written by a commit and prunes old ones.
pub fn record(settings: &Settings, done: &[&Done], action: Action) -> io::Result<()> {
    let keep = settings.history_keep;
    if keep == 0 || !done.iter().any(|d| recorded(d)) {
        return Ok(());
    }
    let base = dir();
    fs::create_dir_all(&base)?;
    let _l = lock(&base)?;
    for d in done.iter().filter(|d| recorded(d)) {
        let pkg = String::from_utf8_lossy(&d.name).into_owned();
        let target = absolute(&d.target);
        if versions_of(&base, &pkg).is_empty() {
            if let Some(old) = &d.old_text {
                write_version(&base, &pkg, Some(old), "initial", &target)?;
            }
        }
        write_version(&base, &pkg, d.new_text.as_deref(), action.as_str(), &target)?;
        let vs = versions_of(&base, &pkg);
        if vs.len() > keep {
            for v in &vs[..vs.len() - keep] {
                let pdir = base.join(&pkg);
                let _ = fs::remove_file(pdir.join(v.id.to_string()));
                let _ = fs::remove_file(pdir.join(format!("{}.info", v.id)));
            }
        }
    }
    Ok(())
}

fn read_info(pdir: &Path, pkg: &str, id: u64) -> Option<Version> {
    let text = fs::read_to_string(pdir.join(format!("{id}.info"))).ok()?;
    let mut v = Version { id, package: pkg.to_string(), time: 0, action: String::new(), path: PathBuf::new(), removed: false, size: 0 };
    for line in text.lines() {
        match line.split_once('=') {
            Some(("time", t)) => v.time = t.parse().unwrap_or(0),
            Some(("action", a)) => v.action = a.to_string(),
            Some(("path", p)) => v.path = PathBuf::from(std::ffi::OsString::from_vec(unhex(p)?)),
            Some(("removed", r)) => v.removed = r == "1",
            _ => {}
        }
    }
    v.size = fs::metadata(pdir.join(id.to_string())).map(|m| m.len()).unwrap_or(0);
    Some(v)
}

fn versions_of(base: &Path, pkg: &str) -> Vec<Version> {
    let pdir = base.join(pkg);
    let Ok(rd) = fs::read_dir(&pdir) else { return vec![] };
    let mut ids: Vec<u64> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".info")).and_then(|n| n.parse().ok()))
        .collect();
    ids.sort_unstable();
    ids.into_iter().filter_map(|id| read_info(&pdir, pkg, id)).collect()
}

/// The recorded versions, of one package or of all, by package then ID.
pub fn list(package: Option<&str>) -> Vec<Version> {
    let base = dir();
    let pkgs: Vec<String> = match package {
        Some(p) => vec![p.to_string()],
        None => {
            let mut v: Vec<String> = fs::read_dir(&base)
                .map(|rd| rd.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()).filter_map(|e| e.file_name().to_str().map(String::from)).collect())
                .unwrap_or_default();
            v.sort();
            v
        }
    };
    pkgs.iter().flat_map(|p| versions_of(&base, p)).collect()
}

/// The version with this ID.
pub fn find(id: u64) -> Option<Version> {
    list(None).into_iter().find(|v| v.id == id)
}

/// A version's file content (`None`: that commit removed the file).
pub fn content(v: &Version) -> io::Result<Option<Vec<u8>>> {
    if v.removed {
        return Ok(None);
    }
    fs::read(dir().join(&v.package).join(v.id.to_string())).map(Some)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a unix time.
pub fn format_time(t: u64) -> String {
    let days = (t / 86400) as i64;
    let secs = t % 86400;
    // civil date from days since 1970-01-01 (proleptic Gregorian)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_time(1_767_225_599), "2025-12-31 23:59:59");
    }
}
