//! `libuci.so`: OpenWrt's libuci C interface over the ucix core.
//!
//! C programs built against `uci.h` read the library's structs directly, so
//! this crate keeps a real C tree (`uci_package` → `uci_section` →
//! `uci_option` → list items, plus `uci_delta` lists) beside the core's
//! [`ucix::model::Package`]. Every rule (parsing, anonymous names, edits
//! and their deltas, lookups, export, load/save/commit/revert) runs in the
//! core; this crate only converts arguments, calls the core and mirrors
//! the result into the C tree with libuci's object-identity rules.
//!
//! * [`exports`]: the 32 exported symbols of libuci's core API (see
//!   `libuci.map`).
//! * [`blob`]: the three libubox helpers of `uci_blob.h` (`uci_to_blob`,
//!   `uci_blob_check_equal`, `uci_blob_diff`), over libubox.so.
//! * [`entries`]: `ucix_uci_main` (the `uci` command) and `luaopen_uci`
//!   (the Lua module), so the core exists once on the device.
//! * [`context`]: `struct uci_context` followed by the Rust state.
//! * [`mirror`]: the C tree of a package kept in step with the core.
//! * [`ops`]: the operations (core call, then C update).
//! * [`ptr`]: `struct uci_ptr` ↔ the core's `Ptr`.
//! * [`cmem`]: C allocations, strings and intrusive lists.
//! * [`cfile`]: `FILE *` adapters.
//! * [`helpers`]: `uci_parse_section`, `uci_hash_options`.
//! * [`guard`]: the panic guard.
//! * [`abi`]: `#[repr(C)]` mirrors of the header's structs.
//!
//! # Safety conventions
//!
//! `unsafe` is confined to this crate's C boundary. The invariants every
//! `unsafe` block relies on:
//!
//! 1. **Pointers from C are trusted as libuci trusts them.** A context
//!    pointer is NULL or came from `uci_alloc_context` and is not yet freed;
//!    NULL is checked and reported (`UCI_ERR_INVAL`) wherever libuci checks
//!    it, and in a few places where libuci would crash. Other pointers
//!    (`uci_ptr *`, strings, `FILE *`, out-parameters) are NULL or valid for
//!    the access the header documents. Package, section and option
//!    pointers passed in are first looked up among this context's objects
//!    (by address, without dereferencing); unknown ones give
//!    `UCI_ERR_INVAL`. Only `uci_reorder_section` reads `s->package` and
//!    `uci_parse_section`/`uci_hash_options` read the structs they are
//!    given, as in libuci.
//! 2. **Every C object is ours.** Elements, strings and list nodes reachable
//!    from a context were allocated by [`cmem`] with libc `calloc`/`malloc`
//!    and are freed with libc `free` exactly once: when the core removes
//!    the corresponding item, when a package is unloaded/replaced, or in
//!    `uci_free_context`. Lists are well-formed circular lists at every
//!    return to C.
//! 3. **The mirror is in step.** Between API calls, `State::pkgs[i]` (see
//!    [`context`]) describes exactly the C tree of `core.packages[i]`, in
//!    `ctx->root` order, and `secs`/`opts` hold the C objects in core
//!    order. Each operation re-establishes this before returning.
//! 4. **One call at a time.** libuci is not thread-safe and neither is this
//!    library: a context is used by one thread at a time, and no callback
//!    re-enters it. A [`context::Cx`] borrows only the Rust half of the
//!    context; the C half is accessed through the raw pointer.
//! 5. **No unwinding into C.** Every exported function runs its body inside
//!    the [`guard`] (`catch_unwind`); `panic = "unwind"` stays on in the
//!    release profile so that this works.
//!
//! Each `unsafe` block carries a `// SAFETY:` comment naming which of these
//! (and which caller guarantee of the enclosing `unsafe fn`) it relies on.

#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_upper_case_globals)]

pub mod abi;
// set by build.rs once libubox is linked; the fuzz crate `uci-rlib` builds
// these sources without build.rs, hence without the blob helpers
#[cfg(ucix_libubox)]
pub mod blob;
mod cfile;
mod cmem;
mod context;
pub mod entries;
pub mod exports;
mod guard;
mod helpers;
mod mirror;
mod ops;
mod ptr;
