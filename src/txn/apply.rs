//! `ucix apply` / `confirm` / `rollback`: commit with an armed rollback.
//!
//! `apply` commits the packages (action `apply`, hooks and events run),
//! keeps the content each file had before (`snap/`) and the pending state,
//! and starts a detached watcher process (`ucix apply --watch ID`, its own
//! process group, stdio on /dev/null) that outlives `ucix apply`. Unless
//! `ucix confirm` comes before the deadline, the watcher (or, if it is gone,
//! the next `ucix` command) restores every applied package (action
//! `rollback`: hooks and events run again). `ucix rollback` restores at once.
//! While a rollback is pending, the `ucix` commands that change committed
//! state are refused ([`refusal`]); the drop-in entry points are not.
//!
//! State under `$UCIX_STATE_DIR/apply/` (default `/var/lib/ucix`):
//!
//! ```text
//! pending            id, deadline, the directories of the applying context, packages
//! snap/<hex name>    the file's bytes before the apply (snap/<hex name>.absent: it did not exist)
//! ```
//! and `$UCIX_STATE_DIR/apply.lock` (flock).
#![forbid(unsafe_code)]

use std::fs;
use std::io::{self, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::engine::Done;
use super::{Action, Failure, Origin};
use crate::audit::Actor;
use crate::error::ErrorCode;
use crate::store::{fsutil, paths, Context};

/// A pending apply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pending {
    pub id: String,
    /// Unix time in milliseconds.
    pub deadline_ms: u64,
    pub timeout: u64,
    pub watcher: u32,
    pub confdir: Vec<u8>,
    pub conf2dir: Option<Vec<u8>>,
    pub savedir: Vec<u8>,
    pub delta_path: Vec<Vec<u8>>,
    pub packages: Vec<Vec<u8>>,
}

pub fn dir() -> PathBuf {
    paths::state_dir().join("apply")
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn absolute(p: &[u8]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    std::path::absolute(fsutil::path(p)).map(|a| a.as_os_str().as_bytes().to_vec()).unwrap_or_else(|_| p.to_vec())
}

impl Pending {
    fn encode(&self) -> String {
        let mut s = format!(
            "id={}\ndeadline_ms={}\ntimeout={}\nwatcher={}\nconfdir={}\nconf2dir={}\nsavedir={}\ndeltapath={}\n",
            self.id,
            self.deadline_ms,
            self.timeout,
            self.watcher,
            hex(&self.confdir),
            self.conf2dir.as_deref().map(hex).unwrap_or_else(|| "-".into()),
            hex(&self.savedir),
            self.delta_path.iter().map(|d| hex(d)).collect::<Vec<_>>().join(","),
        );
        for p in &self.packages {
            s.push_str(&format!("package={}\n", hex(p)));
        }
        s
    }

    fn decode(text: &str) -> Option<Pending> {
        let mut p = Pending::default();
        for line in text.lines() {
            let (k, v) = line.split_once('=')?;
            match k {
                "id" => p.id = v.to_string(),
                "deadline_ms" => p.deadline_ms = v.parse().ok()?,
                "timeout" => p.timeout = v.parse().ok()?,
                "watcher" => p.watcher = v.parse().ok()?,
                "confdir" => p.confdir = unhex(v)?,
                "conf2dir" => p.conf2dir = if v == "-" { None } else { Some(unhex(v)?) },
                "savedir" => p.savedir = unhex(v)?,
                "deltapath" => p.delta_path = v.split(',').filter(|x| !x.is_empty()).map(unhex).collect::<Option<_>>()?,
                "package" => p.packages.push(unhex(v)?),
                _ => {}
            }
        }
        (!p.id.is_empty()).then_some(p)
    }

    /// A context with the directories of the applying command.
    pub fn context(&self) -> Context {
        let mut c = Context::new();
        c.confdir = self.confdir.clone();
        c.conf2dir = self.conf2dir.clone();
        c.savedir = self.savedir.clone();
        c.delta_path = self.delta_path.clone();
        c
    }

    /// Seconds left before the rollback (0 when due).
    pub fn remaining_secs(&self) -> u64 {
        self.deadline_ms.saturating_sub(now_ms()).div_ceil(1000)
    }
}

/// The pending apply, if any.
pub fn pending() -> Option<Pending> {
    Pending::decode(&fs::read_to_string(dir().join("pending")).ok()?)
}

/// The message refusing a state-changing `ucix` command while a rollback
/// is pending.
pub fn refusal() -> Option<String> {
    let p = pending()?;
    Some(format!(
        "a rollback is pending (apply {}, {} s left): run 'ucix confirm' to keep the applied configuration or 'ucix rollback' to restore it",
        p.id,
        p.remaining_secs()
    ))
}

fn lock_file() -> PathBuf {
    paths::state_dir().join("apply.lock")
}

fn lock() -> io::Result<fs::File> {
    fs::create_dir_all(paths::state_dir())?;
    let f = fs::OpenOptions::new().create(true).truncate(false).write(true).open(lock_file())?;
    fsutil::lock(&f, true)?;
    Ok(f)
}

fn try_lock() -> Option<fs::File> {
    let f = fs::OpenOptions::new().write(true).open(lock_file()).ok()?;
    fs2::FileExt::try_lock_exclusive(&f).ok()?;
    Some(f)
}

fn write_pending(p: &Pending) -> io::Result<()> {
    let d = dir();
    fs::create_dir_all(&d)?;
    let mut t = fsutil::TempFile::new_in(&d, ".pending.")?;
    t.write_all(p.encode().as_bytes())?;
    t.as_file().sync_all()?;
    t.persist(&d.join("pending"))?;
    fsutil::sync_dir(&d);
    Ok(())
}

fn clear() {
    let d = dir();
    let _ = fs::remove_file(d.join("pending"));
    let _ = fs::remove_dir_all(d.join("snap"));
    fsutil::sync_dir(&d);
}

fn snapshot(done: &[Done]) -> io::Result<()> {
    let s = dir().join("snap");
    let _ = fs::remove_dir_all(&s);
    fs::create_dir_all(&s)?;
    for d in done.iter().filter(|d| d.written) {
        let name = hex(&d.name);
        match &d.old_text {
            Some(t) => fs::write(s.join(&name), t)?,
            None => fs::write(s.join(format!("{name}.absent")), b"")?,
        }
    }
    Ok(())
}

fn io_failure(what: &str, e: io::Error) -> Failure {
    Failure::msg(ErrorCode::Io, format!("{what}: {e}"))
}

/// Starts the detached watcher `<exe> apply --watch <id>`.
fn spawn_watcher(exe: &Path, id: &str) -> io::Result<u32> {
    let child = Command::new(exe)
        .args(["apply", "--watch", id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .current_dir("/")
        .process_group(0)
        .spawn()?;
    Ok(child.id())
}

/// `ucix apply`: commits `names` and arms the rollback after `timeout`
/// seconds, watched by `exe apply --watch`. Returns the applied packages
/// (none: nothing was pending, nothing armed).
pub fn apply(ctx: &mut Context, names: &[Vec<u8>], timeout: u64, exe: &Path) -> Result<Vec<Vec<u8>>, Failure> {
    let _l = lock().map_err(|e| io_failure("cannot lock the apply state", e))?;
    if let Some(msg) = refusal() {
        return Err(Failure::msg(ErrorCode::Inval, msg));
    }
    let id = format!("{}-{}", now_ms() / 1000, std::process::id());
    let ctx_dirs = (ctx.confdir.clone(), ctx.conf2dir.clone(), ctx.savedir.clone(), ctx.delta_path.clone());
    let mut arm = |dones: &[Done]| -> Result<(), Failure> {
        let packages: Vec<Vec<u8>> = dones.iter().filter(|d| d.written).map(|d| d.name.clone()).collect();
        if packages.is_empty() {
            return Ok(());
        }
        snapshot(dones).map_err(|e| io_failure("cannot keep the previous configuration", e))?;
        let mut p = Pending {
            id: id.clone(),
            deadline_ms: now_ms() + timeout * 1000,
            timeout,
            watcher: 0,
            confdir: absolute(&ctx_dirs.0),
            conf2dir: ctx_dirs.1.as_deref().map(absolute),
            savedir: absolute(&ctx_dirs.2),
            delta_path: ctx_dirs.3.iter().map(|d| absolute(d)).collect(),
            packages,
        };
        write_pending(&p).map_err(|e| io_failure("cannot arm the rollback", e))?;
        match spawn_watcher(exe, &id) {
            Ok(pid) => {
                p.watcher = pid;
                let _ = write_pending(&p);
            }
            Err(e) => crate::hooks::report(Origin::Ucix, &format!("cannot start the rollback watcher ({e}); the next ucix command after the deadline rolls back")),
        }
        Ok(())
    };
    let dones = super::commit_packages_with(ctx, names, Action::Apply, Origin::Ucix, &mut arm)?;
    Ok(dones.into_iter().filter(|d| d.written).map(|d| d.name).collect())
}

fn stop_watcher(p: &Pending) {
    if p.watcher == 0 || p.watcher == std::process::id() {
        return;
    }
    // only if that pid is still our watcher (not a reused pid)
    let Ok(cmdline) = fs::read(format!("/proc/{}/cmdline", p.watcher)) else { return };
    let words: Vec<&[u8]> = cmdline.split(|&c| c == 0).collect();
    if words.windows(2).any(|w| w[0] == b"--watch" && w[1] == p.id.as_bytes()) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(p.watcher as i32), nix::sys::signal::Signal::SIGTERM);
    }
}

/// Restores the snapshots of `p` (lock held). Keeps the pending state when
/// the restore fails, so that it can be retried.
fn restore(p: &Pending, origin: Origin, actor: Option<Actor>) -> Result<Vec<Vec<u8>>, Failure> {
    let s = dir().join("snap");
    let mut contents = vec![];
    for name in &p.packages {
        let n = hex(name);
        if s.join(format!("{n}.absent")).exists() {
            contents.push((name.clone(), None));
        } else {
            let t = fs::read(s.join(&n)).map_err(|e| io_failure(&format!("cannot read the snapshot of {}", String::from_utf8_lossy(name)), e))?;
            contents.push((name.clone(), Some(t)));
        }
    }
    let mut ctx = p.context();
    ctx.actor = actor;
    let dones = super::write_contents_as(&mut ctx, &contents, Action::Rollback, origin)?;
    clear();
    Ok(dones.into_iter().filter(|d| d.written).map(|d| d.name).collect())
}

/// `ucix confirm`: keeps the applied configuration.
pub fn confirm() -> Result<String, Failure> {
    confirm_as(None)
}

/// [`confirm`] on behalf of `actor` (who the audit log names for a rollback).
pub fn confirm_as(actor: Option<Actor>) -> Result<String, Failure> {
    let _l = lock().map_err(|e| io_failure("cannot lock the apply state", e))?;
    let Some(p) = pending() else { return Err(Failure::msg(ErrorCode::NotFound, "no apply is pending")) };
    if now_ms() >= p.deadline_ms {
        restore(&p, Origin::Ucix, actor)?;
        return Err(Failure::msg(ErrorCode::Inval, format!("apply {} timed out and was rolled back", p.id)));
    }
    clear();
    stop_watcher(&p);
    Ok(p.id)
}

/// `ucix rollback`: restores the packages of the pending apply now.
pub fn rollback() -> Result<Vec<Vec<u8>>, Failure> {
    rollback_as(None)
}

/// [`rollback`] on behalf of `actor` (who the audit log names).
pub fn rollback_as(actor: Option<Actor>) -> Result<Vec<Vec<u8>>, Failure> {
    let _l = lock().map_err(|e| io_failure("cannot lock the apply state", e))?;
    let Some(p) = pending() else { return Err(Failure::msg(ErrorCode::NotFound, "no apply is pending")) };
    let r = restore(&p, Origin::Ucix, actor)?;
    stop_watcher(&p);
    Ok(r)
}

/// Performs a rollback whose deadline has passed (when the watcher is gone,
/// e.g. killed). Does nothing when another process holds the apply lock.
pub fn expire_if_due(origin: Origin) {
    let Some(p) = pending() else { return };
    if now_ms() < p.deadline_ms {
        return;
    }
    let Some(_l) = try_lock() else { return };
    if let Some(p) = pending().filter(|q| q.id == p.id) {
        if let Err(e) = restore(&p, origin, None) {
            crate::hooks::report(origin, &format!("rollback of apply {} failed: {e}", p.id));
        }
    }
}

/// The watcher: waits for the deadline of apply `id`, then rolls back,
/// unless the apply was confirmed or rolled back meanwhile.
pub fn watch(id: &str) {
    loop {
        let Some(p) = pending().filter(|p| p.id == id) else { return };
        let now = now_ms();
        if now >= p.deadline_ms {
            let Ok(_l) = lock() else { return };
            if let Some(p) = pending().filter(|p| p.id == id) {
                if let Err(e) = restore(&p, Origin::Background, None) {
                    crate::hooks::report(Origin::Background, &format!("rollback of apply {id} failed: {e}"));
                }
            }
            return;
        }
        std::thread::sleep(Duration::from_millis((p.deadline_ms - now).min(1000)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_roundtrip() {
        let p = Pending {
            id: "1-2".into(),
            deadline_ms: 5,
            timeout: 90,
            watcher: 7,
            confdir: b"/etc/config".to_vec(),
            conf2dir: None,
            savedir: b"/tmp/.uci".to_vec(),
            delta_path: vec![b"/a".to_vec(), b"/tmp/.uci".to_vec()],
            packages: vec![b"network".to_vec(), b"firewall".to_vec()],
        };
        assert_eq!(Pending::decode(&p.encode()), Some(p));
    }
}
