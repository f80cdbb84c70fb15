//! The C context and the Rust state kept beside it.
//!
//! `uci_alloc_context` allocates a [`Shim`]: a `#[repr(C)]` struct whose
//! first field is the `struct uci_context` that C code sees, followed by
//! the [`State`] (the core [`Context`], the [`PkgMirror`] of every loaded
//! package in `ctx->root` order, the batch reader). A `uci_context *` handed
//! out by the library is therefore also a `Shim *`.
//!
//! C code reads and writes some context fields directly (`ctx->flags`
//! mostly), so every API call starts with [`Cx::enter`], which copies the
//! flags, directories and delta path from the C fields into the core
//! context, and ends with [`Cx::leave`], which makes `ctx->pctx` non-NULL
//! exactly when the core keeps parser-error state (libuci's rule, on which
//! the error detail depends).

use core::ffi::{c_char, c_int};
use core::mem::MaybeUninit;
use core::ptr;

use ucix::store::Context;
use ucix::syntax::Pctx;

use crate::abi::*;
use crate::cfile::CFileReader;
use crate::cmem::*;
use crate::guard;
use crate::mirror::PkgMirror;

/// What `uci_alloc_context` allocates; the C pointer is `&shim.c`.
#[repr(C)]
pub(crate) struct Shim {
    pub c: uci_context,
    pub st: State,
}

/// The Rust side of one context.
pub(crate) struct State {
    /// Directories, flags, parser-error state and the loaded packages
    /// (`core.packages[i]` is mirrored by `pkgs[i]`, in `ctx->root` order).
    pub core: Context,
    pub pkgs: Vec<PkgMirror>,
    /// This context's `"file"` backend (`ctx->backend`).
    pub backend: *mut uci_backend,
    /// Directory strings allocated by the setters (freed when replaced).
    own_confdir: *mut c_char,
    own_savedir: *mut c_char,
    own_conf2dir: *mut c_char,
    /// The reader of `uci_parse_argument`.
    pub batch: Option<Batch>,
}

/// Parser state of `uci_parse_argument`, tied to one stream.
pub(crate) struct Batch {
    pub reader: CFileReader,
    pub pctx: Pctx,
    /// C copy of the parser's line buffer (results point into it).
    pub cbuf: *mut c_char,
    pub cap: usize,
}

impl Batch {
    /// # Safety
    /// As [`CFileReader::new`].
    pub(crate) unsafe fn new(f: *mut libc::FILE) -> Batch {
        // SAFETY: forwarded.
        Batch { reader: unsafe { CFileReader::new(f) }, pctx: Pctx::new(), cbuf: ptr::null_mut(), cap: 0 }
    }

    /// Copies the parser's buffer to `cbuf` (growing it; previous results
    /// stay valid unless it has to grow, as with libuci's own buffer).
    pub(crate) fn mirror_buffer(&mut self) {
        let b = self.pctx.buffer();
        if b.len() + 1 > self.cap {
            let cap = (b.len() + 1).max(64);
            // SAFETY: `cbuf` is NULL or our own malloc block.
            unsafe { cfree(self.cbuf) };
            self.cbuf = calloc_bytes(cap).cast();
            self.cap = cap;
        }
        // SAFETY: `cbuf` has at least `b.len() + 1` bytes; no overlap.
        unsafe { write_cstr(self.cbuf, b) };
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // SAFETY: NULL or our own malloc block.
        unsafe { cfree(self.cbuf) };
    }
}

/// One API call's view of a context: the C struct by pointer, the Rust
/// state by reference (disjoint fields of the [`Shim`]).
pub(crate) struct Cx<'a> {
    pub c: *mut uci_context,
    pub st: &'a mut State,
}

impl<'a> Cx<'a> {
    /// # Safety
    /// `ctx` came from [`alloc`] and is not freed; no other `Cx` for it
    /// is alive.
    pub(crate) unsafe fn new(ctx: *mut uci_context) -> Cx<'a> {
        let shim = ctx.cast::<Shim>();
        // SAFETY: `ctx` is the first field of a live `Shim`; only the `st`
        // field is borrowed, C keeps using `c` through the raw pointer.
        Cx { c: ctx, st: unsafe { &mut (*shim).st } }
    }

    /// `&ctx->root`.
    pub(crate) fn root(&self) -> *mut uci_list {
        // SAFETY: `c` is live (contract of `new`); no reference is made.
        unsafe { &raw mut (*self.c).root }
    }

    /// Copies flags, directories and the delta path from the C fields.
    pub(crate) fn enter(&mut self) {
        let c = self.c;
        let core = &mut self.st.core;
        // SAFETY: `c` is live; its string fields are NULL or C strings (ours,
        // the static defaults, or strings the program stored there).
        unsafe {
            core.flags = (*c).flags;
            if let Some(b) = cbytes_opt((*c).confdir) {
                if core.confdir != b {
                    core.confdir = b.to_vec();
                }
            }
            if let Some(b) = cbytes_opt((*c).savedir) {
                if core.savedir != b {
                    core.savedir = b.to_vec();
                }
            }
            let c2 = cbytes_opt((*c).conf2dir);
            if core.conf2dir.as_deref() != c2 {
                core.conf2dir = c2.map(<[u8]>::to_vec);
            }
            let head = &raw mut (*c).delta_path;
            let mut same = true;
            let mut n = 0;
            let mut e = (*head).next;
            while e != head {
                let name = cbytes_opt((*e.cast::<uci_element>()).name).unwrap_or(b"");
                if core.delta_path.get(n).map(Vec::as_slice) != Some(name) {
                    same = false;
                    break;
                }
                n += 1;
                e = (*e).next;
            }
            if !same || n != core.delta_path.len() {
                core.delta_path = list_elements(head)
                    .into_iter()
                    .map(|e| cbytes_opt((*e).name).unwrap_or(b"").to_vec())
                    .collect();
            }
        }
    }

    /// `ctx->pctx` non-NULL exactly when the core keeps parser state.
    pub(crate) fn leave(&mut self) {
        let c = self.c;
        let want = self.st.core.pctx.is_some();
        // SAFETY: `c` is live; `pctx` is NULL or our own opaque block.
        unsafe {
            if want && (*c).pctx.is_null() {
                (*c).pctx = calloc_bytes(96).cast();
            } else if !want && !(*c).pctx.is_null() {
                cfree((*c).pctx);
                (*c).pctx = ptr::null_mut();
            }
        }
    }

    /// The index of C package `p` among the loaded packages.
    pub(crate) fn pkg_index(&self, p: *const uci_package) -> Option<usize> {
        self.st.pkgs.iter().position(|m| ptr::eq(m.c, p))
    }

    /// Builds the C tree of core package `i` (just added at the end).
    pub(crate) fn mirror_new(&mut self, i: usize) {
        debug_assert_eq!(i, self.st.pkgs.len());
        let root = self.root();
        // SAFETY: `c` is live, `backend` and `root` belong to it.
        let m = unsafe { PkgMirror::build(self.c, self.st.backend, root, &self.st.core.packages[i]) };
        self.st.pkgs.push(m);
    }

    /// Drops package `i` from the core and frees its C tree.
    pub(crate) fn drop_package(&mut self, i: usize) {
        self.st.core.packages.remove(i);
        let m = self.st.pkgs.remove(i);
        // SAFETY: the package is linked into this context's root and the
        // C side is no longer referenced by the state.
        unsafe { m.free() };
    }

    // ---- directories (libuci-abi.md §6.23) ----

    pub(crate) fn set_confdir(&mut self, dir: &[u8]) {
        let s = cstr_dup(dir);
        // SAFETY: `own_confdir` is NULL or ours; `c` is live.
        unsafe {
            cfree(self.st.own_confdir);
            self.st.own_confdir = s;
            (*self.c).confdir = s;
        }
        self.st.core.set_confdir(dir);
    }

    pub(crate) fn set_conf2dir(&mut self, dir: Option<&[u8]>) {
        self.st.core.set_conf2dir(dir);
        let s = self.st.core.conf2dir.as_deref().map_or(ptr::null_mut(), cstr_dup);
        // SAFETY: as in `set_confdir`.
        unsafe {
            cfree(self.st.own_conf2dir);
            self.st.own_conf2dir = s;
            (*self.c).conf2dir = s;
        }
    }

    pub(crate) fn set_savedir(&mut self, dir: &[u8]) {
        let s = cstr_dup(dir);
        // SAFETY: `c` is live; `delta_path` holds path elements made here.
        unsafe {
            let head = &raw mut (*self.c).delta_path;
            let found = list_elements(head).into_iter().find(|&e| cbytes_opt((*e).name) == Some(dir));
            let e = match found {
                Some(e) => {
                    list_del(&raw mut (*e).list);
                    e
                }
                None => new_path(dir),
            };
            list_add_tail(head, &raw mut (*e).list);
            cfree(self.st.own_savedir);
            self.st.own_savedir = s;
            (*self.c).savedir = s;
        }
        self.st.core.set_savedir(dir);
    }

    pub(crate) fn add_delta_path(&mut self, dir: &[u8]) -> Result<(), c_int> {
        self.st.core.add_delta_path(dir).map_err(|e| e.code() as c_int)?;
        // SAFETY: `c` is live; the new element goes before the last one
        // (or first into an empty list), as the core inserted it.
        unsafe {
            let head = &raw mut (*self.c).delta_path;
            let at = if (*head).next == head { head } else { (*head).prev };
            list_insert_before(at, &raw mut (*new_path(dir)).list);
        }
        Ok(())
    }
}

/// Runs the body of an `int` API function that resets `ctx->err`: NULL
/// context → `UCI_ERR_INVAL`; otherwise enter, `ctx->err = 0`, body, leave;
/// an `Err(code)` is stored in `ctx->err` and returned, `Ok(v)` returns `v`
/// (`uci_delete`'s bare 1 is such a value).
///
/// # Safety
/// `ctx` is NULL or a live context from [`alloc`].
pub(crate) unsafe fn api(ctx: *mut uci_context, f: impl FnOnce(&mut Cx<'_>) -> Result<c_int, c_int>) -> c_int {
    if ctx.is_null() {
        return UCI_ERR_INVAL;
    }
    let body = || {
        // SAFETY: live context (caller's guarantee); the only `Cx` of this call.
        let mut cx = unsafe { Cx::new(ctx) };
        cx.enter();
        // SAFETY: live context.
        unsafe { (*ctx).err = UCI_OK };
        let r = f(&mut cx);
        cx.leave();
        match r {
            Ok(v) => v,
            Err(code) => {
                // SAFETY: live context.
                unsafe { (*ctx).err = code };
                code
            }
        }
    };
    // SAFETY: live context (caller's guarantee).
    unsafe { guard::int(ctx, body) }
}

/// A clone of the handle std creates for the first thread that allocates a
/// context. std makes that handle the first time it needs it (the random
/// names of commit temp files do) and, for the main thread of a C program,
/// never frees it and keeps only an interior pointer to it, which valgrind
/// reports as "possibly lost" (an error with valgrind's default settings).
/// With this clone the block stays "still reachable".
static THREAD_HANDLE: std::sync::OnceLock<std::thread::Thread> = std::sync::OnceLock::new();

/// `uci_alloc_context`.
pub(crate) fn alloc() -> *mut uci_context {
    THREAD_HANDLE.get_or_init(std::thread::current);
    let st = State {
        core: Context::new(),
        pkgs: Vec::new(),
        backend: ptr::null_mut(),
        own_confdir: ptr::null_mut(),
        own_savedir: ptr::null_mut(),
        own_conf2dir: ptr::null_mut(),
        batch: None,
    };
    // SAFETY: every field of `uci_context` (pointers, integers, bools,
    // byte arrays) is valid when all-zero.
    let c: uci_context = unsafe { MaybeUninit::zeroed().assume_init() };
    let shim = Box::into_raw(Box::new(Shim { c, st }));
    // SAFETY: `shim` is a fresh, live allocation; the list heads are
    // initialised in place because they point to themselves.
    unsafe {
        let c = &raw mut (*shim).c;
        list_init(&raw mut (*c).root);
        list_init(&raw mut (*c).backends);
        list_init(&raw mut (*c).delta_path);
        (*c).flags = UCI_DEFAULT_FLAGS;
        (*c).confdir = UCI_CONFDIR_C.as_ptr().cast_mut();
        (*c).savedir = UCI_SAVEDIR_C.as_ptr().cast_mut();
        (*c).conf2dir = UCI_CONF2DIR_C.as_ptr().cast_mut();
        list_add_tail(&raw mut (*c).delta_path, &raw mut (*new_path(UCI_SAVEDIR.as_bytes())).list);
        let b = calloc_obj::<uci_backend>(0);
        list_init(&raw mut (*b).e.list);
        (*b).e.type_ = UCI_TYPE_BACKEND;
        (*b).e.name = cstr_dup(b"file");
        (*b).list_configs = Some(crate::exports::backend_list_configs);
        (*b).load = Some(crate::exports::backend_load);
        (*b).commit = Some(crate::exports::backend_commit);
        (*b).ptr = b.cast_const().cast();
        list_add_tail(&raw mut (*c).backends, &raw mut (*b).e.list);
        (*c).backend = b;
        (*shim).st.backend = b;
        c
    }
}

/// `uci_free_context`: every package, the delta path, the backend, the
/// directory strings, the parser state, then the context itself.
///
/// # Safety
/// `ctx` came from [`alloc`], is not freed, and is not used afterwards.
pub(crate) unsafe fn free(ctx: *mut uci_context) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let shim = ctx.cast::<Shim>();
        let mut cx = Cx::new(ctx);
        while !cx.st.pkgs.is_empty() {
            cx.drop_package(0);
        }
        list_drain(&raw mut (*ctx).delta_path, |e| free_element(e));
        let b = cx.st.backend;
        if !b.is_null() {
            list_del(&raw mut (*b).e.list);
            free_element(b.cast());
        }
        cfree(cx.st.own_confdir);
        cfree(cx.st.own_savedir);
        cfree(cx.st.own_conf2dir);
        cfree((*ctx).pctx);
        drop(Box::from_raw(shim));
    }
}
