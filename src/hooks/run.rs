//! Running hook executables (and the `ubus` client) with a timeout.
#![forbid(unsafe_code)]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::txn::Origin;

/// The executables of `dir`, in byte order of their names: regular files
/// (after following symlinks) with an execute bit, names not starting
/// with `.`. A missing directory has none.
pub fn list_hooks(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return vec![] };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().as_bytes().starts_with(b"."))
        .map(|e| e.path())
        .filter(|p| std::fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false))
        .collect();
    v.sort_by(|a, b| a.file_name().map(|n| n.as_bytes()).cmp(&b.file_name().map(|n| n.as_bytes())));
    v
}

/// Runs `cmd` with `input` on stdin, killing its process group after
/// `timeout`. For `Origin::Ucix` its stdout and stderr go to our stderr;
/// otherwise stdout is discarded and stderr is captured for the error
/// message (nothing reaches our stdout/stderr). Returns `Err(reason)` when
/// it could not run, failed, or timed out.
pub fn run(mut cmd: Command, input: &[u8], timeout: Duration, origin: Origin) -> Result<(), String> {
    // stdin from an unlinked file: no pipe, so no SIGPIPE in a host
    // process and no deadlock when the hook does not read it
    let mut stdin = tempfile::tempfile().map_err(|e| format!("cannot create its input: {e}"))?;
    stdin.write_all(input).and_then(|_| stdin.seek(SeekFrom::Start(0))).map_err(|e| format!("cannot write its input: {e}"))?;
    cmd.stdin(Stdio::from(stdin));
    let mut captured: Option<File> = None;
    if origin == Origin::Ucix {
        match std::io::stderr().as_fd().try_clone_to_owned() {
            Ok(fd) => cmd.stdout(Stdio::from(fd)),
            Err(_) => cmd.stdout(Stdio::null()),
        };
        cmd.stderr(Stdio::inherit());
    } else {
        cmd.stdout(Stdio::null());
        match tempfile::tempfile().and_then(|f| f.try_clone().map(|c| (f, c))) {
            Ok((f, c)) => {
                cmd.stderr(Stdio::from(c));
                captured = Some(f);
            }
            Err(_) => {
                cmd.stderr(Stdio::null());
            }
        }
    }
    cmd.process_group(0);
    let mut child = cmd.spawn().map_err(|e| format!("cannot run: {e}"))?;
    let deadline = Instant::now() + timeout;
    let mut nap = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) => {}
            // ECHILD: the host process reaps children itself (SIGCHLD ignored)
            Err(_) => break None,
        }
        let now = Instant::now();
        if now >= deadline {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("timed out after {} s (killed)", timeout.as_secs()));
        }
        std::thread::sleep(nap.min(deadline - now));
        nap = (nap * 2).min(Duration::from_millis(50));
    };
    let mut err = |what: String| {
        let mut msg = what;
        if let Some(mut f) = captured.take() {
            let mut buf = Vec::new();
            let _ = f.seek(SeekFrom::Start(0));
            let _ = (&mut f).take(1000).read_to_end(&mut buf);
            let t = String::from_utf8_lossy(&buf);
            let t = t.trim();
            if !t.is_empty() {
                msg.push_str(": ");
                msg.push_str(&t.replace('\n', " | "));
            }
        }
        msg
    };
    match status {
        None => Ok(()),
        Some(st) if st.success() => Ok(()),
        Some(st) => match (st.code(), st.signal()) {
            (Some(c), _) => Err(err(format!("exit status {c}"))),
            (_, Some(s)) => Err(err(format!("killed by signal {s}"))),
            _ => Err(err("failed".into())),
        },
    }
}

/// Finds an executable `name` in `$PATH`.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| std::fs::metadata(p).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false))
}
