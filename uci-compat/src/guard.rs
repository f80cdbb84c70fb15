//! The one panic guard of the FFI boundary.
//!
//! Every exported function runs its body through [`int`] or [`value`]:
//! a Rust panic is caught with `catch_unwind` and turned into an error
//! return instead of unwinding into C (which would be undefined behaviour)
//! or aborting the host daemon. Fallbacks:
//!
//! * `int` functions: `UCI_ERR_UNKNOWN`, also stored in `ctx->err` when the
//!   context is known; `UCI_ERR_MEM` when the panic is the out-of-memory
//!   signal of [`out_of_memory`] (a C allocation failed).
//! * pointer functions (`uci_alloc_context`): NULL.
//! * `void` functions: return normally.
//! * `bool` (`uci_validate_text`): false; `uint32_t` (`uci_hash_options`):
//!   the seed `0xdeadc0de`.
//!
//! The default panic hook still prints the panic message to stderr (a bug
//! report is better than silence); the out-of-memory signal is raised with
//! `resume_unwind`, which skips the hook. After a panic the C tree of that
//! context may no longer match the core state; the context stays usable for
//! reading and freeing.

use core::ffi::c_int;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use crate::abi::{uci_context, UCI_ERR_MEM, UCI_ERR_UNKNOWN};

/// Payload of the unwind raised when a C allocation fails.
struct OutOfMemory;

/// Unwinds to the nearest guard, which reports `UCI_ERR_MEM`.
pub(crate) fn out_of_memory() -> ! {
    resume_unwind(Box::new(OutOfMemory))
}

/// Runs an `int`-returning API body. On a panic, returns the error code
/// and stores it in `ctx->err` when `ctx` is not NULL.
///
/// # Safety
/// `ctx` is NULL or a context from `uci_alloc_context` that is not freed.
pub(crate) unsafe fn int(ctx: *mut uci_context, f: impl FnOnce() -> c_int) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(rc) => rc,
        Err(payload) => {
            let code = if payload.is::<OutOfMemory>() { UCI_ERR_MEM } else { UCI_ERR_UNKNOWN };
            if !ctx.is_null() {
                // SAFETY: a live context, by the caller's guarantee.
                unsafe { (*ctx).err = code };
            }
            code
        }
    }
}

/// Runs an API body returning a plain value; `fallback` on a panic.
pub(crate) fn value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_codes() {
        // SAFETY: a NULL context is allowed.
        let rc = unsafe { int(core::ptr::null_mut(), || panic!("boom")) };
        assert_eq!(rc, UCI_ERR_UNKNOWN);
        // SAFETY: as above.
        let rc = unsafe { int(core::ptr::null_mut(), || out_of_memory()) };
        assert_eq!(rc, UCI_ERR_MEM);
        assert_eq!(value(7u32, || panic!("boom")), 7);
        assert_eq!(value(7u32, || 3), 3);
    }
}
