//! procd integration (procd-integration.md §1, §3.4, §7): `config.change`
//! events through the `ubus` client and the `/var/run/config.md5` lines of
//! `/sbin/reload_config`.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::Serialize;

use super::changes::{Change, PackageChanges};
use crate::error::ErrorCode;
use crate::store::{paths, Context, FLAG_SAVED_DELTA, FLAG_STRICT};
use crate::txn::Origin;

/// The directory `reload_config` hashes from; its path is part of each
/// line of the md5 file.
pub const CHECK_DIR: &str = "/var/run/config.check/";

/// An event bigger than this (bytes of JSON) is sent with an empty
/// `changes` list and `"truncated": true` (ubus messages are limited).
pub const MAX_EVENT: usize = 60_000;

/// The `ubus` client when procd is there: `ubus` on `PATH` and its socket
/// present.
pub fn ubus() -> Option<PathBuf> {
    let sock = paths::ubus_socket();
    if std::fs::symlink_metadata(&sock).is_err() {
        return None;
    }
    super::run::find_in_path("ubus")
}

#[derive(Serialize)]
struct Data<'a> {
    package: &'a str,
    changes: &'a [Change],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

#[derive(Serialize)]
struct Event<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    data: Data<'a>,
}

/// The message of `ubus call service event` for one package.
pub fn event_json(p: &PackageChanges) -> String {
    let mut ev = Event { kind: "config.change", data: Data { package: &p.package, changes: &p.changes, truncated: false } };
    let s = serde_json::to_string(&ev).unwrap_or_default();
    if s.len() <= MAX_EVENT {
        return s;
    }
    ev.data.changes = &[];
    ev.data.truncated = true;
    serde_json::to_string(&ev).unwrap_or_default()
}

/// The `ubus` arguments for one event: `-s <socket>` only when the socket
/// is not the default one, then `call service event <json>`.
pub fn ubus_args(json: &str) -> Vec<String> {
    let sock = paths::ubus_socket();
    let mut a = vec![];
    if sock != Path::new(paths::DEFAULT_UBUS_SOCKET) {
        a.push("-s".to_string());
        a.push(sock.to_string_lossy().into_owned());
    }
    a.extend(["call".to_string(), "service".to_string(), "event".to_string(), json.to_string()]);
    a
}

/// Sends one event per package, in order. Returns the failures.
pub fn send(ubus: &Path, pkgs: &[PackageChanges], timeout: Duration, origin: Origin) -> Vec<String> {
    let mut errs = vec![];
    for p in pkgs {
        let mut cmd = Command::new(ubus);
        cmd.args(ubus_args(&event_json(p)));
        if let Err(e) = super::run::run(cmd, b"", timeout, origin) {
            errs.push(format!("ubus event for {} failed: {e}", p.package));
        }
    }
    errs
}

/// The MD5 (lowercase hex) of what `uci show <name>` prints now with the
/// context's directories (staged changes included), or `None` when the
/// package does not exist.
pub fn show_md5(ctx: &Context, name: &[u8]) -> Option<String> {
    let mut c = Context::new();
    c.confdir = ctx.confdir.clone();
    c.conf2dir = ctx.conf2dir.clone();
    c.savedir = ctx.savedir.clone();
    c.delta_path = ctx.delta_path.clone();
    c.flags = FLAG_STRICT | FLAG_SAVED_DELTA;
    let mut out = Vec::new();
    match c.load(name) {
        Ok(i) => crate::write::show::package(&mut out, b" ", true, &c.packages[i]),
        Err(e) if e.code() == ErrorCode::NotFound => return None,
        Err(_) => {}
    }
    Some(crate::txn::journal::md5_of(&out).iter().map(|b| format!("{b:02x}")).collect())
}

/// The package name of an md5-file line (`<md5>  <path>`): the path's basename.
fn line_name(line: &[u8]) -> &[u8] {
    let p = line.get(34..).unwrap_or(b"");
    &p[p.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1)..]
}

/// The md5 file's text after updating the lines of `updates` (package,
/// new md5 or `None` to remove), keeping the others and byte order.
pub fn updated_md5_text(old: &[u8], updates: &[(Vec<u8>, Option<String>)]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = old.split(|&c| c == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect();
    for (name, md5) in updates {
        let pos = lines.iter().position(|l| line_name(l) == &name[..]);
        let new = md5.as_ref().map(|m| {
            let mut l = format!("{m}  {CHECK_DIR}").into_bytes();
            l.extend_from_slice(name);
            l
        });
        match (pos, new) {
            (Some(i), Some(l)) => lines[i] = l,
            (Some(i), None) => {
                lines.remove(i);
            }
            (None, Some(l)) => {
                let at = lines.iter().position(|x| line_name(x) > &name[..]).unwrap_or(lines.len());
                lines.insert(at, l);
            }
            (None, None) => {}
        }
    }
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(&l);
        out.push(b'\n');
    }
    out
}

/// Updates the lines of `names` in the md5 file (`UCIX_CONFIG_MD5`), if it
/// exists (it is never created: the boot run of `reload_config` does that),
/// through a temp file renamed over it.
pub fn update_md5(ctx: &Context, names: &[Vec<u8>]) -> std::io::Result<()> {
    let file = paths::config_md5();
    let old = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let updates: Vec<(Vec<u8>, Option<String>)> = names.iter().map(|n| (n.clone(), show_md5(ctx, n))).collect();
    let text = updated_md5_text(&old, &updates);
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = crate::store::fsutil::TempFile::new_in(dir, ".config.md5.")?;
    tmp.write_all(&text)?;
    if let Ok(m) = std::fs::metadata(&file) {
        let _ = tmp.as_file().set_permissions(m.permissions());
    }
    tmp.persist(&file)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_lines() {
        let old = b"7219c29b09466afc80dfa47607db23f0  /var/run/config.check/dropbear\nd41d8cd98f00b204e9800998ecf8427e  /var/run/config.check/empty\n8333436ce3e7c67dcd04e6eb38148784  /var/run/config.check/system\n";
        let m = "a4a1b9e0f75cb2219c375c8f291c1f94".to_string();
        let t = updated_md5_text(
            old,
            &[(b"network".to_vec(), Some(m.clone())), (b"empty".to_vec(), None), (b"dropbear".to_vec(), Some(m.clone()))],
        );
        assert_eq!(
            String::from_utf8(t).unwrap(),
            "a4a1b9e0f75cb2219c375c8f291c1f94  /var/run/config.check/dropbear\na4a1b9e0f75cb2219c375c8f291c1f94  /var/run/config.check/network\n8333436ce3e7c67dcd04e6eb38148784  /var/run/config.check/system\n"
        );
    }

    #[test]
    fn event_payload() {
        let p = PackageChanges { package: "network".into(), changes: vec![] };
        assert_eq!(event_json(&p), r#"{"type":"config.change","data":{"package":"network","changes":[]}}"#);
    }
}
