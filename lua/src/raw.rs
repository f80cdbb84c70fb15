//! The Lua C API boundary: a thin handle over `lua_State` for the module's C
//! functions, and the way errors are raised.
//!
//! Every `unsafe` block of the module lives here. The module's functions are
//! plain C functions (so Lua's tracebacks and `luaL_argerror` name them as the
//! reference binding's are named); their Rust bodies return a [`Ret`], and
//! [`entry`] turns an `Err` into a Lua error only after the body has returned,
//! so that no Rust value with a destructor is alive when `lua_error` jumps.

use std::ffi::{c_int, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::ffi::{self, lua_State, Api};

use crate::state::State;

/// A Lua error to raise once the Rust body has returned.
#[derive(Debug)]
pub enum Raise {
    /// `luaL_error(L, "%s", msg)`: the message, prefixed with the position of
    /// the calling Lua code.
    Error(&'static CStr),
    /// `luaL_argerror(L, narg, msg)`: `bad argument #n to 'f' (msg)`, with the
    /// argument number adjusted by Lua for method calls.
    Arg(c_int, String),
    /// Re-raise the value on top of the stack unchanged (an error from a
    /// `foreach` callback).
    Rethrow,
}

/// The outcome of a module function: the number of results pushed.
pub type Ret = Result<c_int, Raise>;

/// Lua type tags (`lua.h`).
pub const T_NIL: c_int = ffi::LUA_TNIL;
pub const T_BOOLEAN: c_int = ffi::LUA_TBOOLEAN;
pub const T_TABLE: c_int = ffi::LUA_TTABLE;
pub const T_FUNCTION: c_int = ffi::LUA_TFUNCTION;
pub const T_USERDATA: c_int = ffi::LUA_TUSERDATA;
pub const T_LIGHTUSERDATA: c_int = ffi::LUA_TLIGHTUSERDATA;

/// The state of a running call into one of the module's C functions.
///
/// Only [`entry`] creates it, from the state Lua passed to the C function, so
/// every method works on a live state with the function's stack frame. The
/// methods use at most a few stack slots at a time (Lua guarantees
/// `LUA_MINSTACK` = 20 to a C function). Like the C API they wrap, they may
/// raise a Lua memory error on allocation failure (not handled, as in the
/// reference).
#[derive(Clone, Copy)]
pub struct Lua {
    l: *mut lua_State,
    api: &'static Api,
}

/// Runs the body of a module C function and converts its outcome.
///
/// # Safety
/// `l` must be the state Lua passed to the C function being run.
pub unsafe fn entry(l: *mut lua_State, body: fn(Lua) -> Ret) -> c_int {
    // Only `luaopen_uci` registers the module's functions, after resolving
    // the table, so it is there whenever one of them runs.
    let Some(api) = ffi::api() else { return 0 };
    let lua = Lua { l, api };
    let r = catch_unwind(AssertUnwindSafe(|| body(lua))).unwrap_or(Err(Raise::Error(c"ucix: internal error")));
    match r {
        Ok(n) => n,
        // SAFETY: `l` is the running C function's state (caller's contract),
        // and `raise` owns everything that needs dropping.
        Err(e) => unsafe { raise(lua, e) },
    }
}

/// Raises `e` as a Lua error; never returns.
///
/// # Safety
/// `lua` must be the state of the running C function, and no Rust value with
/// a destructor may be alive in the frames between here and the Lua code that
/// called the C function (only [`entry`] calls this, after the body returned).
unsafe fn raise(lua: Lua, e: Raise) -> c_int {
    let (l, api) = (lua.l, lua.api);
    match e {
        Raise::Error(msg) => {
            // luaL_error(L, "%s", msg): the caller's position, then the text.
            // SAFETY: live state; luaL_where and the push leave two strings
            // that lua_concat joins, and lua_error raises the result.
            unsafe {
                (api.luaL_where)(l, 1);
                (api.lua_pushlstring)(l, msg.as_ptr(), msg.count_bytes());
                (api.lua_concat)(l, 2);
                (api.lua_error)(l)
            }
        }
        Raise::Arg(narg, msg) => {
            lua.push_bytes(msg.as_bytes());
            drop(msg);
            // SAFETY: the message was just pushed, so the pointer stays valid
            // (anchored on the stack) while luaL_argerror formats it.
            unsafe {
                let p = (api.lua_tolstring)(l, -1, ptr::null_mut());
                (api.luaL_argerror)(l, narg, p)
            }
        }
        // SAFETY: the error value is on top of the stack, as lua_error expects.
        Raise::Rethrow => unsafe { (api.lua_error)(l) },
    }
}

impl Lua {
    /// Number of values on the stack (the arguments, at the start of a call).
    pub fn top(self) -> c_int {
        // SAFETY: live state (see the type's documentation).
        unsafe { (self.api.lua_gettop)(self.l) }
    }

    pub fn type_of(self, idx: c_int) -> c_int {
        // SAFETY: lua_type accepts any index, including ones above the top.
        unsafe { (self.api.lua_type)(self.l, idx) }
    }

    /// `luaL_typename`: `"no value"` for an index above the top.
    pub fn typename(self, idx: c_int) -> String {
        // SAFETY: lua_typename returns a static C string for every type tag.
        let name = unsafe { CStr::from_ptr((self.api.lua_typename)(self.l, (self.api.lua_type)(self.l, idx))) };
        name.to_string_lossy().into_owned()
    }

    /// `lua_isuserdata`: full or light userdata.
    pub fn is_userdata(self, idx: c_int) -> bool {
        matches!(self.type_of(idx), T_USERDATA | T_LIGHTUSERDATA)
    }

    /// `lua_tostring` semantics: a string or a number (converted in place,
    /// `%.14g`), cut at the first NUL byte as a C string would be; `None` for
    /// any other type.
    pub fn to_bytes(self, idx: c_int) -> Option<Vec<u8>> {
        // SAFETY: lua_isstring accepts any index.
        if unsafe { (self.api.lua_isstring)(self.l, idx) } == 0 {
            return None;
        }
        let mut len = 0usize;
        // SAFETY: the value is a string or number, so lua_tolstring returns a
        // pointer to `len` bytes owned by the (stack-anchored) Lua string.
        let bytes = unsafe {
            let p = (self.api.lua_tolstring)(self.l, idx, &mut len);
            std::slice::from_raw_parts(p as *const u8, len)
        };
        let end = bytes.iter().position(|&c| c == 0).unwrap_or(len);
        Some(bytes[..end].to_vec())
    }

    /// `luaL_checkstring`: the string, or a `bad argument` error.
    pub fn check_bytes(self, idx: c_int) -> Result<Vec<u8>, Raise> {
        self.to_bytes(idx).ok_or_else(|| self.type_error(idx, "string"))
    }

    /// The `luaL_typerror` message for argument `idx`.
    pub fn type_error(self, idx: c_int, expected: &str) -> Raise {
        Raise::Arg(idx, format!("{expected} expected, got {}", self.typename(idx)))
    }

    pub fn to_boolean(self, idx: c_int) -> bool {
        // SAFETY: lua_toboolean accepts any index.
        unsafe { (self.api.lua_toboolean)(self.l, idx) != 0 }
    }

    /// Raw length (`lua_objlen`) of the table at `idx`.
    pub fn raw_len(self, idx: c_int) -> usize {
        // SAFETY: callers pass the index of a table.
        unsafe { (self.api.lua_objlen)(self.l, idx) }
    }

    /// Pushes `t[n]` (raw) of the table at `idx`.
    pub fn raw_geti(self, idx: c_int, n: c_int) {
        // SAFETY: callers pass the index of a table.
        unsafe { (self.api.lua_rawgeti)(self.l, idx, n) }
    }

    pub fn pop(self, n: c_int) {
        // SAFETY: callers pop only values they pushed.
        unsafe { (self.api.lua_settop)(self.l, -n - 1) }
    }

    pub fn push_nil(self) {
        // SAFETY: live state.
        unsafe { (self.api.lua_pushnil)(self.l) }
    }

    pub fn push_bool(self, b: bool) {
        // SAFETY: live state.
        unsafe { (self.api.lua_pushboolean)(self.l, b as c_int) }
    }

    pub fn push_int(self, n: i64) {
        // SAFETY: live state.
        unsafe { (self.api.lua_pushinteger)(self.l, n as ffi::lua_Integer) }
    }

    pub fn push_bytes(self, s: &[u8]) {
        // SAFETY: `s` is a valid slice; Lua copies it.
        unsafe { (self.api.lua_pushlstring)(self.l, s.as_ptr() as *const _, s.len()) }
    }

    pub fn push_value(self, idx: c_int) {
        // SAFETY: callers pass a valid stack index.
        unsafe { (self.api.lua_pushvalue)(self.l, idx) }
    }

    /// Pushes a new table with room for `narr` array and `nrec` hash items;
    /// returns its (absolute) stack index.
    pub fn new_table(self, narr: c_int, nrec: c_int) -> c_int {
        // SAFETY: live state.
        unsafe { (self.api.lua_createtable)(self.l, narr, nrec) };
        self.top()
    }

    /// `t[key] = v` (raw) for the table at absolute index `t` and the value
    /// on top of the stack, which is popped.
    pub fn set_field(self, t: c_int, key: &[u8]) {
        self.push_bytes(key);
        // SAFETY: stack is [.. v key]; the insert makes it [.. key v], and
        // rawset pops both into the table at the absolute index `t`.
        unsafe {
            (self.api.lua_insert)(self.l, -2);
            (self.api.lua_rawset)(self.l, t);
        }
    }

    /// `t[n] = v` (raw) for the table at absolute index `t` and the value on
    /// top, which is popped.
    pub fn set_index(self, t: c_int, n: c_int) {
        // SAFETY: the table is at `t`, the value on top.
        unsafe { (self.api.lua_rawseti)(self.l, t, n) }
    }

    /// Pushes the registry's `uci.meta` metatable (or nil if missing).
    pub fn push_meta(self) {
        // SAFETY: the registry is always a valid pseudo-index.
        unsafe { (self.api.lua_getfield)(self.l, ffi::LUA_REGISTRYINDEX, crate::META.as_ptr()) }
    }

    /// Whether the value at `idx` (absolute) has the `uci.meta` metatable.
    pub fn has_meta(self, idx: c_int) -> bool {
        // SAFETY: lua_getmetatable pushes nothing when there is no metatable.
        if unsafe { (self.api.lua_getmetatable)(self.l, idx) } == 0 {
            return false;
        }
        self.push_meta();
        // SAFETY: both compared values were just pushed.
        let same = unsafe { (self.api.lua_rawequal)(self.l, -1, -2) } != 0;
        self.pop(2);
        same
    }

    /// The slot of the cursor at `idx` (absolute), which must have the
    /// `uci.meta` metatable (checked by the caller with [`Lua::has_meta`]).
    /// Every such userdata was made by [`Lua::push_cursor`].
    pub fn cursor_slot(self, idx: c_int) -> Slot {
        // SAFETY: a userdata with our metatable is a cursor block.
        Slot(unsafe { (self.api.lua_touserdata)(self.l, idx) as *mut *mut State })
    }

    /// Pushes a new cursor userdata owning `st`, with the `uci.meta` metatable.
    pub fn push_cursor(self, st: Box<State>) {
        // SAFETY: the new block is large enough and suitably aligned (Lua
        // aligns userdata for any C type) for one pointer, written at once.
        unsafe {
            let slot = (self.api.lua_newuserdata)(self.l, std::mem::size_of::<*mut State>()) as *mut *mut State;
            slot.write(Box::into_raw(st));
        }
        self.push_meta();
        // SAFETY: stack is [.. ud mt]: sets the metatable and pops it.
        unsafe { (self.api.lua_setmetatable)(self.l, -2) };
    }

    /// Calls the function at `-(nargs + 1)` with `nargs` arguments in
    /// protected mode, keeping one result. `false` leaves the error value on
    /// top of the stack.
    pub fn pcall1(self, nargs: c_int) -> bool {
        // SAFETY: the function and its arguments are on the stack.
        unsafe { (self.api.lua_pcall)(self.l, nargs, 1, 0) == 0 }
    }

    /// `lua_setglobal`: pops the value on top into `_G[name]`.
    pub fn set_global(self, name: &CStr) {
        // SAFETY: live state; `name` is NUL-terminated.
        unsafe { (self.api.lua_setfield)(self.l, ffi::LUA_GLOBALSINDEX, name.as_ptr()) }
    }

    /// `luaL_newmetatable`, without the `__name` field the 5.3 compatibility
    /// wrapper would add: creates (or finds) the registry table `name` and
    /// pushes it.
    pub fn new_metatable(self, name: &CStr) {
        // SAFETY: live state; `name` is NUL-terminated.
        unsafe { (self.api.luaL_newmetatable)(self.l, name.as_ptr()) };
    }

    /// Makes a userdata whose metatable `name` has `__gc = gc` and keeps it
    /// in the registry (an unnamed reference), so `gc` runs once, when the
    /// state is closed (`lua_close` finalizes every userdata).
    pub fn anchor_finalizer(self, name: &CStr, gc: ffi::lua_CFunction) {
        // SAFETY: live state; the stack goes [.. ud] → [.. ud mt] → [.. ud]
        // (setmetatable pops mt) → [..] (luaL_ref pops the userdata into the
        // registry); a zero-size userdata block is never read or written.
        unsafe {
            (self.api.lua_newuserdata)(self.l, 0);
            (self.api.luaL_newmetatable)(self.l, name.as_ptr());
            (self.api.lua_pushcclosure)(self.l, gc, 0);
            (self.api.lua_setfield)(self.l, -2, c"__gc".as_ptr());
            (self.api.lua_setmetatable)(self.l, -2);
            (self.api.luaL_ref)(self.l, ffi::LUA_REGISTRYINDEX);
        }
    }

    /// Pushes a C function without upvalues.
    pub fn push_function(self, f: ffi::lua_CFunction) {
        // SAFETY: live state.
        unsafe { (self.api.lua_pushcclosure)(self.l, f, 0) }
    }
}

/// The pointer slot inside a cursor userdata: the cursor's context, or null
/// once it was closed.
///
/// A `Slot` is only made by [`Lua::cursor_slot`] for a cursor that is an
/// argument of the running call, so the block stays alive (anchored on the
/// stack) for as long as the call uses the slot.
#[derive(Clone, Copy)]
pub struct Slot(*mut *mut State);

impl Slot {
    pub fn is_closed(self) -> bool {
        // SAFETY: see the type's documentation.
        unsafe { self.0.read().is_null() }
    }

    /// Runs `f` on the cursor's context, if still open. `f` must not call
    /// into Lua (every caller in the module passes plain Rust code), so the
    /// borrow never overlaps another one of the same context: a `foreach`
    /// callback runs between two such closures.
    pub fn with<R>(self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        // SAFETY: the slot is valid (type invariant); a non-null pointer came
        // from Box::into_raw and is freed only by `take`, which nulls the
        // slot; no other borrow is alive while `f` runs (see above).
        let st = unsafe { self.0.read().as_mut() };
        st.map(f)
    }

    /// Detaches the context from the cursor (closing it).
    pub fn take(self) -> Option<Box<State>> {
        // SAFETY: the slot is valid (type invariant); a non-null pointer came
        // from Box::into_raw and is owned by the slot until nulled here.
        unsafe {
            let p = self.0.read();
            self.0.write(ptr::null_mut());
            (!p.is_null()).then(|| Box::from_raw(p))
        }
    }
}

/// Runs `body` as the module's opening function on `l` (see [`entry`]),
/// after resolving the Lua C API; when the process lacks part of it, raises
/// (or, without any Lua, prints) an error naming the missing function.
///
/// # Safety
/// `l` must be the state Lua passed to `luaopen_uci`.
pub unsafe fn open_entry(l: *mut lua_State, body: fn(Lua) -> Ret) -> c_int {
    match ffi::resolve() {
        // SAFETY: caller's contract; the table is now resolved.
        Ok(_) => unsafe { entry(l, body) },
        Err(missing) => {
            const WHY: &CStr = c"ucix: the uci module needs the Lua 5.1 C API, and this process has no ";
            // SAFETY: `l` is the running C function's state; both strings
            // are static, so nothing needs dropping if the error unwinds.
            match unsafe { ffi::raise_without_api(l, WHY, missing) } {
                Some(n) => n,
                None => {
                    eprintln!("{}{}", WHY.to_string_lossy(), missing.to_string_lossy());
                    0
                }
            }
        }
    }
}
