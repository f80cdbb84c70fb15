//! libuci's error text, including its process-global detail buffer
//! (libuci-abi.md §6.3–§6.4, cli.md §2.1).
//!
//! After a parse error has been reported, every later message of the process
//! carries its ` (reason) at line L, byte B` detail, and every message printed
//! to stderr adds one more newline to that buffer. The CLI and Lua outputs
//! depend on this, so it is modelled exactly, here and only here.

use std::io::Write;
use std::sync::Mutex;

use crate::error::ErrorCode;

/// What is known of the parser state of a context (`ctx->pctx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PctxInfo {
    pub reason: Option<&'static str>,
    pub line: u32,
    pub byte: usize,
    /// The state belongs to the batch reader (`uci_parse_argument`).
    pub batch: bool,
}

static DETAIL: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Frees the detail buffer, and so forgets the detail: what unloading libuci
/// does to its static buffer. For a loadable module (the Lua `uci.so`) that
/// is unloaded when its last user goes.
pub fn release_detail() {
    let old = std::mem::take(&mut *DETAIL.lock().unwrap_or_else(|e| e.into_inner()));
    drop(old);
}

fn build(code: i32, pctx: Option<&PctxInfo>, prefix: Option<&[u8]>, newline: bool) -> Vec<u8> {
    let mut detail = DETAIL.lock().unwrap_or_else(|e| e.into_inner());
    if code == ErrorCode::Parse as i32 {
        if let Some(p) = pctx {
            let s = format!(" ({}) at line {}, byte {}", p.reason.unwrap_or("unknown"), p.line, p.byte);
            detail.clear();
            detail.extend_from_slice(s.as_bytes());
            detail.truncate(126);
        }
    }
    if newline {
        detail.push(b'\n');
    }
    let mut out = Vec::new();
    if let Some(pre) = prefix {
        out.extend_from_slice(pre);
        out.extend_from_slice(b": ");
    }
    out.extend_from_slice(ErrorCode::message_for(code).as_bytes());
    out.extend_from_slice(&detail);
    out
}

/// `uci_get_errorstr(ctx, &dest, prefix)`: the message, without newline
/// (but with any newlines earlier `perror` calls accumulated).
pub fn error_string(code: i32, pctx: Option<&PctxInfo>, prefix: Option<&[u8]>) -> Vec<u8> {
    build(code, pctx, prefix, false)
}

/// `uci_perror(ctx, prefix)`: prints the message to stderr.
pub fn perror(code: i32, pctx: Option<&PctxInfo>, prefix: Option<&[u8]>) {
    let msg = build(code, pctx, prefix, true);
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(&msg);
    let _ = e.flush();
}
