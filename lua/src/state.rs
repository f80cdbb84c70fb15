//! The uci contexts behind the module: one per cursor, plus the hidden global
//! context used by module-level calls.
//!
//! A context is only borrowed for the duration of a Rust closure that does not
//! call back into Lua, so a `foreach` callback can freely use (or close) the
//! same cursor or the global context.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use ucix::error::{ErrorCode, Result};
use ucix::store::Context;

/// One uci context and its error state (`ctx->err`).
pub struct State {
    pub ctx: Context,
    /// The error code the last libuci-level operation left (0 = success).
    /// Some functions report it without resetting it first, as the reference
    /// does.
    pub err: i32,
    /// Distinguishes this context from one created later at the same place.
    pub id: u64,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl State {
    /// A context with the default directories.
    pub fn new() -> State {
        ucix::audit::set_entry_point(ucix::audit::EntryPoint::Lua);
        State { ctx: Context::new(), err: 0, id: NEXT_ID.fetch_add(1, Ordering::Relaxed) }
    }

    /// Records the outcome of an operation that resets the error state.
    pub fn track<T>(&mut self, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => {
                self.err = 0;
                Some(v)
            }
            Err(e) => {
                self.err = e.code() as i32;
                None
            }
        }
    }

    pub fn fail(&mut self, code: ErrorCode) {
        self.err = code as i32;
    }

    /// `uci: <message>` for the current error state, with the process-wide
    /// parse-error detail.
    pub fn message(&self) -> Vec<u8> {
        self.ctx.error_string(self.err, Some(b"uci"))
    }

    /// The loaded package named by `name` up to its first `.`; loads it when
    /// `autoload` is set and it is not loaded. `None` when it is not loaded
    /// (and not auto-loaded) or could not be loaded (the error is recorded).
    pub fn find_package(&mut self, name: &[u8], autoload: bool) -> Option<usize> {
        let base = &name[..name.iter().position(|&c| c == b'.').unwrap_or(name.len())];
        if let Some(i) = self.ctx.find(base) {
            return Some(i);
        }
        if !autoload {
            return None;
        }
        let r = self.ctx.load(base);
        self.track(r)
    }
}

/// Which context a call works on.
#[derive(Clone, Copy)]
pub enum Handle {
    /// The hidden global context (created on first use).
    Global,
    /// A cursor: the slot inside its userdata (null once closed).
    Cursor(crate::raw::Slot),
}

static GLOBAL: Mutex<Option<Box<State>>> = Mutex::new(None);

impl Handle {
    /// Runs `f` on the context; `None` if the cursor was closed meanwhile.
    pub fn with<R>(self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        match self {
            Handle::Global => {
                let mut g = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
                Some(f(g.get_or_insert_with(|| Box::new(State::new()))))
            }
            Handle::Cursor(slot) => slot.with(f),
        }
    }
}

/// Frees the global context; the next module-level call creates a new one.
pub fn close_global() {
    let old = GLOBAL.lock().unwrap_or_else(|e| e.into_inner()).take();
    drop(old);
}

/// Lua states that loaded the module and are not closed yet.
static OPEN_STATES: AtomicUsize = AtomicUsize::new(0);

/// A Lua state loaded the module.
pub fn module_opened() {
    OPEN_STATES.fetch_add(1, Ordering::AcqRel);
}

/// A Lua state that loaded the module is being closed. With the last one,
/// the process-wide state goes: the global context and the error detail
/// (`lua5.1` unloads `uci.so` right after, as unloading libuci frees its
/// static buffer), so nothing of the module outlives it.
pub fn module_closed() {
    if OPEN_STATES.fetch_sub(1, Ordering::AcqRel) == 1 {
        close_global();
        ucix::store::report::release_detail();
    }
}
