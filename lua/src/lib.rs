//! The Lua 5.1 module `uci` (lua-api.md), built on the ucix core.
//!
//! Linked into `libuci.so` (crate `uci-compat`, which exports [`luaopen`] as
//! `luaopen_uci`) and installed as a symlink `lua/uci.so` → `libuci.so`;
//! `require "uci"` calls `luaopen_uci`, which fills the registry metatable `uci.meta` (cursor methods) and the
//! module table (assigned to the global `uci`) with the same 26 C functions.
//!
//! * [`ffi`]: the Lua 5.1 C API, resolved when the module is opened (so
//!   `libuci.so` needs no Lua library).
//! * [`raw`]: the Lua C API boundary (all `unsafe` code) and error raising.
//! * [`state`]: cursors' contexts and the hidden global context.
//! * [`api`]: the functions.
//! * [`push`]: the Lua shapes of values, sections, packages and changes.

mod api;
mod ffi;
mod push;
mod raw;
mod state;

use std::ffi::{c_int, CStr};

pub use ffi::lua_State;

/// The registry name of the cursor metatable.
pub(crate) const META: &CStr = c"uci.meta";

/// Declares the C function `$name` running `$body` (see [`raw::entry`]).
macro_rules! c_functions {
    ($($name:ident => $body:path),* $(,)?) => {
        $(
            unsafe extern "C-unwind" fn $name(l: *mut lua_State) -> c_int {
                // SAFETY: Lua calls this C function with its own state.
                unsafe { raw::entry(l, $body) }
            }
        )*
    };
}

c_functions! {
    l_gc => api::close,
    l_close => api::close,
    l_cursor => api::cursor,
    l_load => api::load,
    l_unload => api::unload,
    l_get => api::get,
    l_get_all => api::get_all,
    l_add => api::add,
    l_set => api::set,
    l_rename => api::rename,
    l_save => api::save,
    l_delete => api::delete,
    l_commit => api::commit,
    l_revert => api::revert,
    l_reorder => api::reorder,
    l_changes => api::changes,
    l_foreach => api::foreach,
    l_add_history => api::add_delta,
    l_add_delta => api::add_delta,
    l_get_confdir => api::get_confdir,
    l_set_confdir => api::set_confdir,
    l_get_conf2dir => api::get_conf2dir,
    l_set_conf2dir => api::set_conf2dir,
    l_get_savedir => api::get_savedir,
    l_set_savedir => api::set_savedir,
    l_list_configs => api::list_configs,
}

/// The functions, in the reference's registration order (which decides the
/// order in which Lua 5.1 lists the module table's keys).
const FUNCTIONS: [(&[u8], ffi::lua_CFunction); 26] = [
    (b"__gc", l_gc),
    (b"close", l_close),
    (b"cursor", l_cursor),
    (b"load", l_load),
    (b"unload", l_unload),
    (b"get", l_get),
    (b"get_all", l_get_all),
    (b"add", l_add),
    (b"set", l_set),
    (b"rename", l_rename),
    (b"save", l_save),
    (b"delete", l_delete),
    (b"commit", l_commit),
    (b"revert", l_revert),
    (b"reorder", l_reorder),
    (b"changes", l_changes),
    (b"foreach", l_foreach),
    (b"add_history", l_add_history),
    (b"add_delta", l_add_delta),
    (b"get_confdir", l_get_confdir),
    (b"set_confdir", l_set_confdir),
    (b"get_conf2dir", l_get_conf2dir),
    (b"set_conf2dir", l_set_conf2dir),
    (b"get_savedir", l_get_savedir),
    (b"set_savedir", l_set_savedir),
    (b"list_configs", l_list_configs),
];

/// The registry name of the metatable of the module's lifetime guard.
const GUARD_META: &CStr = c"ucix.module";

/// The `__gc` of the lifetime guard: the state that loaded the module is
/// being closed.
unsafe extern "C-unwind" fn l_module_gc(_l: *mut lua_State) -> c_int {
    state::module_closed();
    0
}

/// Fills `uci.meta` and pushes the new module table, also stored as the
/// global `uci`. Anchors the guard that frees the module's process-wide state
/// when the last Lua state using it is closed.
fn open(lua: raw::Lua) -> raw::Ret {
    state::module_opened();
    lua.anchor_finalizer(GUARD_META, l_module_gc);
    lua.new_metatable(META);
    let mt = lua.top();
    lua.push_value(mt);
    lua.set_field(mt, b"__index");
    for (name, f) in FUNCTIONS {
        lua.push_function(f);
        lua.set_field(mt, name);
    }
    lua.pop(1);
    let module = lua.new_table(0, 0);
    for (name, f) in FUNCTIONS {
        lua.push_function(f);
        lua.set_field(module, name);
    }
    lua.push_value(module);
    lua.set_global(c"uci");
    Ok(1)
}

/// `luaopen_uci`: what `require "uci"` runs; leaves the module table on the
/// stack.
///
/// # Safety
/// Only Lua may call it, as the C function `luaopen_uci`, with its state.
pub unsafe extern "C-unwind" fn luaopen(l: *mut lua_State) -> c_int {
    // SAFETY: caller's contract.
    unsafe { raw::open_entry(l, open) }
}
