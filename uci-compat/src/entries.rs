//! The two entry points that make `libuci.so` the only copy of the core on a
//! device, besides the libuci API of [`crate::exports`]:
//!
//! * `ucix_uci_main`: the whole `uci` command; the installed `/sbin/uci` is
//!   the small C launcher `launcher/uci.c`, which only calls it.
//! * `luaopen_uci`: the Lua module (crate `ucix-lua`); the installed
//!   `lua/uci.so` is a symlink to `libuci.so`.

use std::ffi::{c_char, c_int, CStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStringExt;

/// `int ucix_uci_main(int argc, char **argv)`: runs the `uci` command on
/// `argv` (`argv[0]` included) and returns its exit status, as the `uci`
/// binary of the `ucix` crate does: SIGPIPE ignored (as the Rust runtime
/// sets it up for a program), stdout flushed, and a panic (after its message)
/// giving status 101.
///
/// # Safety
/// `argv` holds `argc` valid NUL-terminated strings (as `main` gets them).
#[no_mangle]
pub unsafe extern "C" fn ucix_uci_main(argc: c_int, argv: *const *const c_char) -> c_int {
    let n = usize::try_from(argc).unwrap_or(0);
    let args: Vec<OsString> = (0..n)
        // SAFETY: the caller passes `argc` valid C strings.
        .map(|i| OsString::from_vec(unsafe { CStr::from_ptr(*argv.add(i)) }.to_bytes().to_vec()))
        .collect();
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    crate::guard::value(101, || {
        let status = ucix::cli::uci::main(args);
        let _ = std::io::stdout().flush();
        status
    })
}

/// `int luaopen_uci(lua_State *L)`: `require "uci"` (see `ucix_lua`).
///
/// # Safety
/// Only a Lua 5.1 interpreter calls it, with its state.
#[no_mangle]
pub unsafe extern "C-unwind" fn luaopen_uci(l: *mut ucix_lua::lua_State) -> c_int {
    // SAFETY: caller's contract.
    unsafe { ucix_lua::luaopen(l) }
}
