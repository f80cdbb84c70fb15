//! The audit log: every committed change, from every entry point, in one
//! append-only, hash-chained file `$UCIX_STATE_DIR/audit.log`.
//!
//! Written by the commit engine's caller ([`crate::txn`]) once a commit is
//! durable, next to the history, so `uci commit`, libuci's `uci_commit`,
//! Lua's `commit`, `ucix commit/apply/rollback/migrate`, the apply watcher
//! and the bus service (`ucix serve`) all land here. `ucix audit` lists it,
//! `ucix audit --verify` checks the chain, and `ucix serve` follows it to
//! emit its `Committed` signal.
//!
//! One JSON object per line and per committed package, fields in this order:
//!
//! ```text
//! {"seq":N,"txn":"<unix ns>-<pid>","time":<unix s>,"uid":U,"pid":P,
//!  "entry":"uci|libuci|lua|ucix|watcher|bus","action":"commit|apply|rollback|migrate",
//!  "package":"network","file":"/etc/config/network","changes":[…],"prev":"<hex>","hash":"<hex>"}
//! ```
//!
//! `changes` is the hooks' change list ([`crate::hooks::changes`]), with old
//! and new values. The packages of one commit are consecutive lines with the
//! same `txn`, written with one `write`. `hash` is the SHA-256 (hex) of the
//! line without its `,"hash":"…"` member (the text up to there, plus `}`);
//! `prev` is the previous line's `hash` (64 zeros for the first line), and
//! `seq` counts from 1. Any edit, insertion or removal of a line breaks the
//! chain at that line ([`verify`]); removing lines at the end cannot be seen
//! from the file alone.
//!
//! Appends hold an exclusive `flock` on the file and `fdatasync` it. A line
//! cut short by a crash (no newline at the end of the file) is dropped by
//! the next append. `ucix.audit.enabled '0'` turns the log off.
#![forbid(unsafe_code)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::hooks::changes;
use crate::hooks::settings::Settings;
use crate::store::{fsutil, paths, Context};
use crate::txn::engine::Done;
use crate::txn::{Action, Origin};

/// The log's file name in the state directory.
pub const FILE: &str = "audit.log";

/// The `prev` of the first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `$UCIX_STATE_DIR/audit.log`.
pub fn path() -> PathBuf {
    paths::state_dir().join(FILE)
}

/// Which program committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum EntryPoint {
    Uci = 1,
    Libuci,
    Lua,
    Ucix,
    /// The detached `ucix apply` watcher (rollbacks when the timeout passes).
    Watcher,
    /// `ucix serve`, on behalf of a bus client.
    Bus,
}

impl EntryPoint {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryPoint::Uci => "uci",
            EntryPoint::Libuci => "libuci",
            EntryPoint::Lua => "lua",
            EntryPoint::Ucix => "ucix",
            EntryPoint::Watcher => "watcher",
            EntryPoint::Bus => "bus",
        }
    }

    fn from_u8(v: u8) -> Option<EntryPoint> {
        Some(match v {
            1 => EntryPoint::Uci,
            2 => EntryPoint::Libuci,
            3 => EntryPoint::Lua,
            4 => EntryPoint::Ucix,
            5 => EntryPoint::Watcher,
            6 => EntryPoint::Bus,
            _ => return None,
        })
    }
}

static ENTRY: AtomicU8 = AtomicU8::new(0);

/// Names this process's entry point unless one was named already (the
/// `ucix` binary names itself before it hands a command to `uci`'s code).
pub fn set_entry_point(e: EntryPoint) {
    let _ = ENTRY.compare_exchange(0, e as u8, Ordering::Relaxed, Ordering::Relaxed);
}

/// The entry point of a commit from `origin` in this process: the named
/// one, else libuci for drop-in commits (a C program links the shim and
/// names nothing).
pub fn entry_point(origin: Origin) -> EntryPoint {
    match (origin, EntryPoint::from_u8(ENTRY.load(Ordering::Relaxed))) {
        (Origin::Background, _) => EntryPoint::Watcher,
        (_, Some(e)) => e,
        (Origin::DropIn, None) => EntryPoint::Libuci,
        (Origin::Ucix, None) => EntryPoint::Ucix,
    }
}

/// Who a commit is made for, when not this process (the bus service sets
/// it on the caller's context).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub uid: u32,
    pub pid: u32,
    pub entry: EntryPoint,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub txn: String,
    pub time: u64,
    pub uid: u32,
    pub pid: u32,
    pub entry: String,
    pub action: String,
    pub package: String,
    pub file: String,
    pub changes: Json,
    pub prev: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

/// `,"hash":"` + 64 hex digits + `"}`.
const HASH_TAIL: usize = 9 + 64 + 2;

/// The line for `e` (its `hash` ignored and computed), without newline.
pub fn encode(e: &Entry) -> String {
    let mut body = Entry { hash: String::new(), ..e.clone() };
    body.hash.clear();
    let text = serde_json::to_string(&body).unwrap_or_default();
    let h = hex(&Sha256::digest(text.as_bytes()));
    format!("{},\"hash\":\"{h}\"}}", &text[..text.len() - 1])
}

/// Splits a line into (hashed text, hash) when it has the hash member at its end.
fn split_hash(line: &str) -> Option<(String, &str)> {
    if line.len() < HASH_TAIL + 2 || !line.is_char_boundary(line.len() - HASH_TAIL) {
        return None;
    }
    let (head, tail) = line.split_at(line.len() - HASH_TAIL);
    let h = tail.strip_prefix(",\"hash\":\"")?.strip_suffix("\"}")?;
    Some((format!("{head}}}"), h))
}

/// The seq and hash a line ends the chain with (a line that is not an
/// entry: seq 0 and the hash of its bytes).
fn chain_end(line: &[u8]) -> (u64, String) {
    let s = String::from_utf8_lossy(line);
    if let Some((_, h)) = split_hash(&s) {
        if let Ok(e) = serde_json::from_str::<Entry>(&s) {
            return (e.seq, h.to_string());
        }
    }
    (0, hex(&Sha256::digest(line)))
}

/// The last complete line of `f` (length `len`, ending in a newline).
fn last_line(f: &mut File, len: u64) -> io::Result<Vec<u8>> {
    let mut end = len.saturating_sub(1); // the final newline
    let mut tail: Vec<u8> = vec![];
    while end > 0 {
        let start = end.saturating_sub(4096);
        let mut buf = vec![0; (end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
        if let Some(i) = buf.iter().rposition(|&c| c == b'\n') {
            buf.drain(..=i);
            buf.extend_from_slice(&tail);
            return Ok(buf);
        }
        buf.extend_from_slice(&tail);
        tail = buf;
        end = start;
    }
    Ok(tail)
}

/// Drops a line cut short at the end of the file; returns the new length.
fn drop_torn_tail(f: &mut File, len: u64) -> io::Result<u64> {
    if len == 0 {
        return Ok(0);
    }
    let mut last = [0u8];
    f.seek(SeekFrom::Start(len - 1))?;
    f.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(len);
    }
    let mut end = len;
    loop {
        let start = end.saturating_sub(4096);
        let mut buf = vec![0; (end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
        if let Some(i) = buf.iter().rposition(|&c| c == b'\n') {
            let keep = start + i as u64 + 1;
            f.set_len(keep)?;
            return Ok(keep);
        }
        if start == 0 {
            f.set_len(0)?;
            return Ok(0);
        }
        end = start;
    }
}

/// Whether commits are logged (`ucix.audit.enabled`, default on).
pub fn enabled(settings: &Settings) -> bool {
    settings.get_bool("audit", "enabled").unwrap_or(true)
}

fn now() -> std::time::Duration {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
}

/// Appends the entries of one durable commit of `written`.
pub fn record(ctx: &Context, written: &[&Done], action: Action, origin: Origin) -> io::Result<()> {
    if written.is_empty() {
        return Ok(());
    }
    let actor = ctx.actor.unwrap_or_else(|| Actor {
        uid: rustix::process::getuid().as_raw(),
        pid: std::process::id(),
        entry: entry_point(origin),
    });
    let t = now();
    let txn = format!("{}-{}", t.as_nanos(), std::process::id());
    let dir = paths::state_dir();
    fs::create_dir_all(&dir)?;
    let mut f = OpenOptions::new().read(true).append(true).create(true).mode(0o600).open(dir.join(FILE))?;
    fsutil::lock(&f, true)?;
    let r = (|| {
        let len = f.metadata()?.len();
        let len = drop_torn_tail(&mut f, len)?;
        let (mut seq, mut prev) = if len == 0 { (0, GENESIS.to_string()) } else { chain_end(&last_line(&mut f, len)?) };
        let mut out = String::new();
        for d in written {
            seq += 1;
            let file = std::path::absolute(fsutil::path(&d.target)).unwrap_or_else(|_| fsutil::path(&d.target).to_path_buf());
            let e = Entry {
                seq,
                txn: txn.clone(),
                time: t.as_secs(),
                uid: actor.uid,
                pid: actor.pid,
                entry: actor.entry.as_str().to_string(),
                action: action.as_str().to_string(),
                package: changes::text(&d.name),
                file: file.to_string_lossy().into_owned(),
                changes: serde_json::to_value(d.changes()).unwrap_or(Json::Null),
                prev,
                hash: String::new(),
            };
            let line = encode(&e);
            prev = split_hash(&line).map(|(_, h)| h.to_string()).unwrap_or_default();
            out.push_str(&line);
            out.push('\n');
        }
        f.seek(SeekFrom::End(0))?;
        if let Err(e) = f.write_all(out.as_bytes()) {
            // a full disk: no partial line for the next append to chain to
            let _ = f.set_len(len);
            return Err(e);
        }
        f.sync_data()
    })();
    fsutil::unlock(&f);
    r
}

/// The entries of the log's text (lines that do not parse are skipped).
pub fn parse(text: &[u8]) -> Vec<Entry> {
    text.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect()
}

/// Reads the whole log (missing: empty).
pub fn read() -> io::Result<Vec<u8>> {
    match fs::read(path()) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(vec![]),
        r => r,
    }
}

/// Where the chain of a log's text first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// 1-based line number.
    pub line: usize,
    pub reason: String,
}

/// Checks every line of `text`: its hash, its link to the line before and
/// its sequence number. Returns the number of entries.
pub fn verify(text: &[u8]) -> Result<usize, Broken> {
    let mut prev = GENESIS.to_string();
    let mut seq = 0u64;
    let mut n = 0;
    let lines: Vec<&[u8]> = text.split(|&c| c == b'\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let line = i + 1;
        let bad = |reason: String| Err(Broken { line, reason });
        if raw.is_empty() {
            if i + 1 == lines.len() {
                break;
            }
            return bad("empty line".into());
        }
        if i + 1 == lines.len() {
            return bad("last line has no newline (cut short)".into());
        }
        let Ok(s) = std::str::from_utf8(raw) else { return bad("not UTF-8".into()) };
        let Some((body, h)) = split_hash(s) else { return bad("no hash at the end of the line".into()) };
        let Ok(e) = serde_json::from_str::<Entry>(&body) else { return bad("not an audit entry".into()) };
        let want = hex(&Sha256::digest(body.as_bytes()));
        if h != want {
            return bad(format!("hash mismatch (line says {h}, content hashes to {want})"));
        }
        if encode(&e) != s {
            return bad("not in the canonical form".into());
        }
        if e.prev != prev {
            return bad(format!("chain broken: prev {} is not the hash of the line before ({prev})", e.prev));
        }
        if e.seq != seq + 1 {
            return bad(format!("sequence broken: seq {} after {seq}", e.seq));
        }
        prev = h.to_string();
        seq = e.seq;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, prev: &str) -> Entry {
        Entry {
            seq,
            txn: "1-2".into(),
            time: 3,
            uid: 0,
            pid: 2,
            entry: "uci".into(),
            action: "commit".into(),
            package: "net".into(),
            file: "/etc/config/net".into(),
            changes: serde_json::json!([{"op":"set","section":"lan","type":"interface","option":"proto","old":"static","new":"dhcp"}]),
            prev: prev.into(),
            hash: String::new(),
        }
    }

    fn chain(n: u64) -> String {
        let mut prev = GENESIS.to_string();
        let mut out = String::new();
        for seq in 1..=n {
            let l = encode(&entry(seq, &prev));
            prev = split_hash(&l).unwrap().1.to_string();
            out.push_str(&l);
            out.push('\n');
        }
        out
    }

    #[test]
    fn chain_verifies_and_edits_break_it() {
        let log = chain(3);
        assert_eq!(verify(log.as_bytes()), Ok(3));
        assert_eq!(verify(b""), Ok(0));
        assert_eq!(parse(log.as_bytes())[2].seq, 3);
        let edited = log.replacen("dhcp", "dhcq", 1);
        assert_eq!(verify(edited.as_bytes()).unwrap_err().line, 1);
        let lines: Vec<&str> = log.lines().collect();
        let dropped = format!("{}\n{}\n", lines[0], lines[2]);
        assert_eq!(verify(dropped.as_bytes()).unwrap_err().line, 2);
        let swapped = format!("{}\n{}\n{}\n", lines[1], lines[0], lines[2]);
        assert_eq!(verify(swapped.as_bytes()).unwrap_err().line, 1);
        assert!(verify(log.trim_end().as_bytes()).is_err());
    }

    #[test]
    fn appends_chain_and_drop_a_torn_tail() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("log");
        let log = chain(2);
        fs::write(&p, format!("{log}{{\"seq\":3,\"tx")).unwrap();
        let mut f = OpenOptions::new().read(true).append(true).open(&p).unwrap();
        let len = f.metadata().unwrap().len();
        let len = drop_torn_tail(&mut f, len).unwrap();
        assert_eq!(len as usize, log.len());
        let (seq, h) = chain_end(&last_line(&mut f, len).unwrap());
        assert_eq!(seq, 2);
        let next = encode(&entry(3, &h));
        let all = format!("{log}{next}\n");
        assert_eq!(verify(all.as_bytes()), Ok(3));
    }
}
