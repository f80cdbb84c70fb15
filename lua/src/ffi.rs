//! The part of the Lua 5.1 C API (`lua.h`, `lauxlib.h`) the module uses,
//! resolved at run time.
//!
//! The module is linked into `libuci.so`, which C programs link with `-luci`
//! and which must therefore not depend on a Lua library nor leave undefined
//! `lua_*` symbols behind. So the module names no Lua symbol at link time:
//! [`resolve`] looks every function up once, with `dlsym(RTLD_DEFAULT, …)`,
//! when the interpreter calls `luaopen_uci` (the interpreter's Lua library is
//! then in the process's global scope), and keeps the table in a static.
//! Only [`crate::raw`] calls through it. Names are the C ones.

#![allow(non_camel_case_types, non_snake_case)]

use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::{PhantomData, PhantomPinned};
use std::sync::OnceLock;

/// An opaque Lua state.
#[repr(C)]
pub struct lua_State {
    _data: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// A C function callable from Lua.
pub type lua_CFunction = unsafe extern "C-unwind" fn(*mut lua_State) -> c_int;

/// `lua_Integer` of Lua 5.1 (`ptrdiff_t`).
pub type lua_Integer = isize;

/// Pseudo-indices and type tags of Lua 5.1.
pub const LUA_REGISTRYINDEX: c_int = -10000;
pub const LUA_GLOBALSINDEX: c_int = -10002;
pub const LUA_TNIL: c_int = 0;
pub const LUA_TBOOLEAN: c_int = 1;
pub const LUA_TLIGHTUSERDATA: c_int = 2;
pub const LUA_TTABLE: c_int = 5;
pub const LUA_TFUNCTION: c_int = 6;
pub const LUA_TUSERDATA: c_int = 7;

/// Declares [`Api`], one function pointer per listed C API function (named
/// as the C symbol, the state argument implied), and [`Api::resolve`].
macro_rules! lua_api {
    ($($name:ident($($arg:ty),*) $(-> $ret:ty)?;)*) => {
        /// The resolved Lua C API functions.
        pub struct Api {
            $(pub $name: unsafe extern "C-unwind" fn(*mut lua_State $(, $arg)*) $(-> $ret)?,)*
        }

        impl Api {
            /// Looks up every function; `Err` names the first one missing.
            fn resolve() -> Result<Api, &'static CStr> {
                Ok(Api {
                    $($name: {
                        let name = c_name(concat!(stringify!($name), "\0"));
                        let p = lookup(name).ok_or(name)?;
                        // SAFETY: `p` is the address of the C function of
                        // that name in the Lua library, whose prototype in
                        // Lua 5.1's headers is the one declared here.
                        unsafe {
                            std::mem::transmute::<
                                *mut c_void,
                                unsafe extern "C-unwind" fn(*mut lua_State $(, $arg)*) $(-> $ret)?,
                            >(p)
                        }
                    },)*
                })
            }
        }
    };
}

lua_api! {
    lua_gettop() -> c_int;
    lua_settop(c_int);
    lua_type(c_int) -> c_int;
    lua_typename(c_int) -> *const c_char;
    lua_isstring(c_int) -> c_int;
    lua_tolstring(c_int, *mut usize) -> *const c_char;
    lua_toboolean(c_int) -> c_int;
    lua_objlen(c_int) -> usize;
    lua_touserdata(c_int) -> *mut c_void;
    lua_rawequal(c_int, c_int) -> c_int;
    lua_pushnil();
    lua_pushboolean(c_int);
    lua_pushinteger(lua_Integer);
    lua_pushlstring(*const c_char, usize);
    lua_pushvalue(c_int);
    lua_pushcclosure(lua_CFunction, c_int);
    lua_insert(c_int);
    lua_concat(c_int);
    lua_createtable(c_int, c_int);
    lua_newuserdata(usize) -> *mut c_void;
    lua_getfield(c_int, *const c_char);
    lua_setfield(c_int, *const c_char);
    lua_rawgeti(c_int, c_int);
    lua_rawset(c_int);
    lua_rawseti(c_int, c_int);
    lua_getmetatable(c_int) -> c_int;
    lua_setmetatable(c_int) -> c_int;
    lua_pcall(c_int, c_int, c_int) -> c_int;
    lua_error() -> c_int;
    luaL_where(c_int);
    luaL_argerror(c_int, *const c_char) -> c_int;
    luaL_newmetatable(*const c_char) -> c_int;
    luaL_ref(c_int) -> c_int;
}

/// `s` (a literal ending in NUL) as a C string.
const fn c_name(s: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(s.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("C API names have no inner NUL"),
    }
}

/// The address of the global symbol `name`, if the process has one.
fn lookup(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: `name` is NUL-terminated; RTLD_DEFAULT searches the global
    // scope and dlsym only reads the name.
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!p.is_null()).then_some(p)
}

static API: OnceLock<Api> = OnceLock::new();

/// The table, resolving it on first use (from `luaopen_uci`); `Err` names a
/// function the process lacks (not a Lua 5.1 interpreter).
pub fn resolve() -> Result<&'static Api, &'static CStr> {
    if let Some(api) = API.get() {
        return Ok(api);
    }
    let api = Api::resolve()?;
    Ok(API.get_or_init(|| api))
}

/// The table, once [`resolve`] succeeded (it has when any of the module's C
/// functions runs: only `luaopen_uci` registers them, after resolving).
pub fn api() -> Option<&'static Api> {
    API.get()
}

/// Raises `a` followed by `b` as a Lua error with only functions that every
/// Lua version has, for a process whose Lua lacks part of the 5.1 API;
/// `None` when not even those are there (no Lua at all).
///
/// # Safety
/// `l` must be the state of a running C function (never returns if `Some`).
pub unsafe fn raise_without_api(l: *mut lua_State, a: &CStr, b: &CStr) -> Option<c_int> {
    let push = lookup(c"lua_pushlstring")?;
    let concat = lookup(c"lua_concat")?;
    let error = lookup(c"lua_error")?;
    // SAFETY: these are the Lua library's functions of these names, with
    // these prototypes in every Lua version since 5.1 (lua_pushlstring
    // returns a pointer since 5.2, which is ignored).
    unsafe {
        let push: unsafe extern "C-unwind" fn(*mut lua_State, *const c_char, usize) = std::mem::transmute(push);
        let concat: unsafe extern "C-unwind" fn(*mut lua_State, c_int) = std::mem::transmute(concat);
        let error: unsafe extern "C-unwind" fn(*mut lua_State) -> c_int = std::mem::transmute(error);
        push(l, a.as_ptr(), a.count_bytes());
        push(l, b.as_ptr(), b.count_bytes());
        concat(l, 2);
        Some(error(l))
    }
}
