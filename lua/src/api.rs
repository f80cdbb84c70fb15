//! The 26 functions of the module (lua-api.md §2–§3), each the body of a C
//! function registered in `lib.rs`.
//!
//! Every rule comes from the core: lookups (`Context::lookup`, `@type[n]`),
//! mutations (`ucix::edit`), load/save/commit/revert (`Context`), error text
//! (`Context::error_string`). What is here is the binding's own behaviour:
//! argument handling, which error state each function reports, and the Lua
//! shapes of the results.

use std::ffi::c_int;

use ucix::delta::{strtoul_int, Delta};
use ucix::edit;
use ucix::error::ErrorCode;
use ucix::lookup::{self, Ptr, Target, LOOKUP_COMPLETE, LOOKUP_DONE, LOOKUP_EXTENDED};
use ucix::model::Value;

use crate::push::{self, SectionCopy};
use crate::raw::{Lua, Raise, Ret, T_BOOLEAN, T_FUNCTION, T_NIL, T_TABLE};
use crate::state::{close_global, Handle, State};

const INVALID_COUNT: Raise = Raise::Error(c"invalid argument count");
const NO_CONTEXT: Raise = Raise::Error(c"failed to get UCI context");

/// The context a call works on and the number of leading arguments it took:
/// a cursor as first argument (checked to be one), else the global context.
fn context(lua: Lua) -> Result<(Handle, c_int), Raise> {
    if lua.is_userdata(1) {
        if !lua.has_meta(1) {
            return Err(lua.type_error(1, "uci.meta"));
        }
        let slot = lua.cursor_slot(1);
        if slot.is_closed() {
            return Err(NO_CONTEXT);
        }
        return Ok((Handle::Cursor(slot), 1));
    }
    Ok((Handle::Global, 0))
}

/// Runs `f` on the context (which a `foreach` callback may have closed).
fn on<R>(h: Handle, f: impl FnOnce(&mut State) -> R) -> Result<R, Raise> {
    h.with(f).ok_or(NO_CONTEXT)
}

/// `true`, or `false`/`nil` (with `nil_on_error`) and `"uci: <message>"`,
/// from the context's error state.
fn status(lua: Lua, h: Handle, nil_on_error: bool) -> Ret {
    match on(h, |st| (st.err != 0).then(|| st.message()))? {
        None => {
            lua.push_bool(true);
            Ok(1)
        }
        Some(msg) => {
            if nil_on_error {
                lua.push_nil();
            } else {
                lua.push_bool(false);
            }
            lua.push_bytes(&msg);
            Ok(2)
        }
    }
}

/// A looked-up tuple: the ptr and the index of its (loaded) package.
struct Found {
    ptr: Ptr,
    pkg: usize,
}

/// The lookup arguments shared by most functions (lua-api.md §2.2): the
/// package named by the first argument (up to its first `.`) is auto-loaded
/// first; then 1 argument is a tuple, 2–4 are package, section, option
/// (verbatim; a section starting with `@` uses the extended syntax), more is
/// an error. Returns the argument count and the lookup, or `None` after a uci
/// error (recorded in the context).
fn lookup_args(lua: Lua, h: Handle, off: c_int) -> Result<(c_int, Option<Found>), Raise> {
    let n = lua.top() - off;
    let first = lua.check_bytes(1 + off)?;
    if on(h, |st| st.find_package(&first, true))?.is_none() {
        return Ok((n, None));
    }
    let (mut ptr, tuple) = match n {
        1 => (Ptr::default(), Some(first)),
        2..=4 => {
            let option = if n >= 3 { Some(lua.check_bytes(3 + off)?) } else { None };
            let section = lua.check_bytes(2 + off)?;
            let ptr = Ptr {
                target: if option.is_some() { Target::Option } else { Target::Section },
                flags: if section.first() == Some(&b'@') { LOOKUP_EXTENDED } else { 0 },
                package: Some(first),
                section: Some(section),
                option,
                ..Default::default()
            };
            (ptr, None)
        }
        _ => return Err(INVALID_COUNT),
    };
    let pkg = on(h, |st| {
        let r = st.ctx.lookup(&mut ptr, tuple.as_deref(), true);
        st.track(r)
    })?;
    Ok((n, pkg.map(|pkg| Found { ptr, pkg })))
}

/// For the `(p, s, x)` forms of set/rename/reorder: the third argument is a
/// value, not an option; looks the section up again without it.
fn option_to_value(h: Handle, f: &mut Found) -> Result<(), Raise> {
    f.ptr.value = f.ptr.option.take();
    f.ptr.o = None;
    f.ptr.target = Target::Section;
    f.ptr.flags &= !(LOOKUP_DONE | LOOKUP_COMPLETE);
    on(h, |st| {
        let r = lookup::resolve(&st.ctx.packages[f.pkg], &mut f.ptr, true);
        st.track(r);
    })
}

// ---- reading ----

enum Got {
    Value(Value),
    Section(Vec<u8>, Vec<u8>),
    Table(SectionCopy),
    Package(Vec<SectionCopy>),
}

fn get_any(lua: Lua, all: bool) -> Ret {
    let (h, off) = context(lua)?;
    let (_, found) = lookup_args(lua, h, off)?;
    let Some(Found { ptr, pkg }) = found else { return status(lua, h, true) };
    let got = on(h, |st| {
        if !all && ptr.s.is_none() {
            st.fail(ErrorCode::Inval);
            return None;
        }
        if !ptr.complete() {
            st.fail(ErrorCode::NotFound);
            return None;
        }
        let p = &st.ctx.packages[pkg];
        Some(match (ptr.s, ptr.o) {
            (Some(si), Some(oi)) => Got::Value(p.sections[si].options[oi].value.clone()),
            (Some(si), None) if all => Got::Table(SectionCopy::of(&p.sections[si])),
            (Some(si), None) => Got::Section(p.sections[si].stype.to_vec(), p.sections[si].name.to_vec()),
            (None, _) => Got::Package(p.sections.iter().map(SectionCopy::of).collect()),
        })
    })?;
    match got {
        None => status(lua, h, true),
        Some(Got::Value(v)) => {
            push::value(lua, &v);
            Ok(1)
        }
        Some(Got::Section(stype, name)) => {
            lua.push_bytes(&stype);
            lua.push_bytes(&name);
            Ok(2)
        }
        Some(Got::Table(s)) => {
            push::section(lua, &s, None);
            Ok(1)
        }
        Some(Got::Package(secs)) => {
            push::package(lua, &secs);
            Ok(1)
        }
    }
}

pub fn get(lua: Lua) -> Ret {
    get_any(lua, false)
}

pub fn get_all(lua: Lua) -> Ret {
    get_any(lua, true)
}

pub fn foreach(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let name = lua.check_bytes(1 + off)?;
    let stype = if lua.type_of(2 + off) == T_NIL { None } else { Some(lua.check_bytes(2 + off)?) };
    let func = 3 + off;
    if lua.type_of(func) != T_FUNCTION {
        return Err(Raise::Error(c"Invalid argument"));
    }
    let start = on(h, |st| st.find_package(&name, true).map(|i| (st.ctx.packages[i].name.clone(), st.id)))?;
    let Some((pname, id)) = start else {
        lua.push_bool(false);
        return Ok(1);
    };
    // Like libuci's safe list walk: the next section is noted before the
    // callback runs, and the walk goes on from wherever that section is
    // afterwards (so deleting the current section is fine, and sections
    // appended while at the last one are not visited). `.index` counts every
    // section visited.
    let mut pos = 0usize;
    let mut visited: i64 = 0;
    let mut called = false;
    loop {
        let step = h
            .with(|st| {
                if st.id != id {
                    return None;
                }
                let p = &st.ctx.packages[st.ctx.find(&pname)?];
                let s = p.sections.get(pos)?;
                let matches = stype.as_ref().is_none_or(|t| *t == s.stype);
                Some((matches.then(|| SectionCopy::of(s)), p.sections.get(pos + 1).map(|n| n.name.clone())))
            })
            .flatten();
        let Some((copy, next)) = step else { break };
        visited += 1;
        if let Some(copy) = copy {
            lua.push_value(func);
            push::section(lua, &copy, Some(visited - 1));
            drop(copy);
            if !lua.pcall1(1) {
                return Err(Raise::Rethrow);
            }
            called = true;
            let stop = lua.type_of(-1) == T_BOOLEAN && !lua.to_boolean(-1);
            lua.pop(1);
            if stop {
                break;
            }
        }
        let Some(next) = next else { break };
        let moved = h
            .with(|st| {
                if st.id != id {
                    return None;
                }
                let p = &st.ctx.packages[st.ctx.find(&pname)?];
                let is_next = |i: usize| p.sections.get(i).is_some_and(|s| s.name == next);
                if is_next(pos + 1) {
                    Some(pos + 1)
                } else if is_next(pos) {
                    Some(pos)
                } else {
                    p.section_index(&next)
                }
            })
            .flatten();
        match moved {
            Some(p) => pos = p,
            None => break,
        }
    }
    lua.push_bool(called);
    Ok(1)
}

pub fn changes(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let n = lua.top() - off;
    if n > 1 {
        return Err(INVALID_COUNT);
    }
    let only = if n == 1 { Some(lua.check_bytes(1 + off)?) } else { None };
    let found = on(h, |st| {
        let names = match only {
            Some(name) => vec![name],
            None => {
                let r = st.ctx.list_configs();
                st.track(r).unwrap_or_default()
            }
        };
        names.iter().filter_map(|n| package_changes(st, n)).collect::<Vec<_>>()
    })?;
    push::changes(lua, &found);
    Ok(1)
}

/// A package's saved and pending changes; a package that is not loaded is
/// loaded for this and unloaded again. `None` if it cannot be loaded or has
/// no changes.
fn package_changes(st: &mut State, name: &[u8]) -> Option<(Vec<u8>, Vec<Delta>)> {
    let (idx, temporary) = match st.find_package(name, false) {
        Some(i) => (i, false),
        None => {
            let r = st.ctx.load(name);
            (st.track(r)?, true)
        }
    };
    let p = &st.ctx.packages[idx];
    let out = (!p.saved_delta.is_empty() || !p.delta.is_empty())
        .then(|| (p.name.clone(), p.saved_delta.iter().chain(&p.delta).cloned().collect()));
    if temporary {
        st.ctx.unload(idx);
    }
    out
}

pub fn list_configs(lua: Lua) -> Ret {
    let (h, _) = context(lua)?;
    let names = on(h, |st| {
        let r = st.ctx.list_configs();
        st.track(r)
    })?;
    match names {
        Some(names) => {
            push::strings(lua, &names);
            Ok(1)
        }
        None => status(lua, h, false),
    }
}

// ---- changing ----

/// `set` with a table value: item `i` of the table at `t` as a string, or
/// `bad argument #-1` (after the earlier items were applied).
fn table_item(lua: Lua, t: c_int, i: usize) -> Result<Vec<u8>, Raise> {
    lua.raw_geti(t, i as c_int);
    let v = lua.to_bytes(-1);
    let r = v.ok_or_else(|| lua.type_error(-1, "string"));
    lua.pop(1);
    r
}

pub fn set(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let last = lua.top();
    let (n, found) = lookup_args(lua, h, off)?;
    let Some(mut f) = found else { return status(lua, h, false) };
    let mut list_len = None;
    match n {
        1 => {}
        4 if lua.type_of(last) == T_TABLE => {
            let len = lua.raw_len(last);
            if len == 0 {
                return Err(Raise::Error(c"Cannot set an uci option to an empty table value"));
            }
            table_item(lua, last, 1)?;
            list_len = Some(len);
        }
        4 => f.ptr.value = Some(lua.check_bytes(last)?),
        3 => option_to_value(h, &mut f)?,
        _ => {
            on(h, |st| st.fail(ErrorCode::Inval))?;
            return status(lua, h, false);
        }
    }
    let Found { mut ptr, pkg } = f;
    let Some(len) = list_len else {
        on(h, |st| {
            let r = edit::set(&mut st.ctx.packages[pkg], &mut ptr, false);
            st.track(r);
        })?;
        return status(lua, h, false);
    };
    // A table: one item replaces the option by a one-item list (delete, then
    // list-add); several set the first item, then list-add the others.
    let first = if len == 1 { 1 } else { 2 };
    let ok = if len == 1 {
        on(h, |st| {
            if ptr.o.is_some() {
                let r = edit::delete(&mut st.ctx.packages[pkg], &mut ptr, false);
                st.track(r);
            }
            true
        })?
    } else {
        ptr.value = Some(table_item(lua, last, 1)?);
        on(h, |st| {
            let r = edit::set(&mut st.ctx.packages[pkg], &mut ptr, false);
            st.track(r).is_some()
        })?
    };
    if ok {
        for i in first..=len {
            ptr.value = Some(table_item(lua, last, i)?);
            let ok = on(h, |st| {
                let r = edit::add_list(&mut st.ctx.packages[pkg], &mut ptr, false);
                st.track(r).is_some()
            })?;
            if !ok {
                break;
            }
        }
    }
    status(lua, h, false)
}

pub fn delete(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let (_, found) = lookup_args(lua, h, off)?;
    if let Some(Found { mut ptr, pkg }) = found {
        on(h, |st| {
            // A list index that is not a number: libuci returns without
            // setting an error, so the call reports success.
            let r = edit::delete_ex(&mut st.ctx.packages[pkg], &mut ptr, false);
            st.track(r);
        })?;
    }
    status(lua, h, false)
}

pub fn rename(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let last = lua.top();
    let (n, found) = lookup_args(lua, h, off)?;
    let Some(mut f) = found else { return status(lua, h, false) };
    match n {
        1 => {}
        4 => f.ptr.value = Some(lua.check_bytes(last)?),
        // An empty new name keeps the lookup that failed on the empty option
        // name (observed: `rename(p, s, "")` gives "Entry not found").
        3 if f.ptr.option.as_deref() == Some(b"") => f.ptr.value = f.ptr.option.take(),
        3 => option_to_value(h, &mut f)?,
        _ => {
            on(h, |st| st.fail(ErrorCode::Inval))?;
            return status(lua, h, false);
        }
    }
    let Found { mut ptr, pkg } = f;
    on(h, |st| {
        // The section is looked up again without the extended syntax: an
        // `@type[n]` that matched nothing is an invalid argument here.
        if ptr.s.is_none() && ptr.is_extended() {
            return st.fail(ErrorCode::Inval);
        }
        let r = edit::rename(&mut st.ctx.packages[pkg], &mut ptr, false);
        st.track(r);
    })?;
    status(lua, h, false)
}

pub fn reorder(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let (n, found) = lookup_args(lua, h, off)?;
    let Some(mut f) = found else { return status(lua, h, false) };
    let valid = match n {
        1 => f.ptr.option.is_none() && f.ptr.value.is_some(),
        3 => {
            option_to_value(h, &mut f)?;
            true
        }
        _ => false,
    };
    let Found { ptr, pkg } = f;
    on(h, |st| match ptr.s {
        Some(si) if valid => {
            let pos = strtoul_int(ptr.value.as_deref().unwrap_or_default());
            let r = edit::reorder(&mut st.ctx.packages[pkg], si, pos, false);
            st.track(r);
        }
        _ => st.fail(ErrorCode::Inval),
    })?;
    status(lua, h, false)
}

pub fn add(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let name = lua.check_bytes(1 + off)?;
    let stype = lua.check_bytes(2 + off)?;
    let added = on(h, |st| {
        let i = st.find_package(&name, true)?;
        let p = &mut st.ctx.packages[i];
        let si = edit::add_section(p, &stype, false);
        st.err = 0;
        Some(st.ctx.packages[i].sections[si].name.clone())
    })?;
    match added {
        Some(name) => {
            lua.push_bytes(&name);
            Ok(1)
        }
        None => status(lua, h, true),
    }
}

// ---- files ----

/// `save`/`commit`: exactly one argument, a tuple of which only the package
/// matters (it is still looked up); with more, nothing is done and the
/// current error state is reported.
fn save_or_commit(lua: Lua, commit: bool) -> Ret {
    let (h, off) = context(lua)?;
    if lua.top() - off <= 1 {
        if let (_, Some(Found { pkg, .. })) = lookup_args(lua, h, off)? {
            on(h, |st| {
                let r = if commit { st.ctx.commit(pkg, false).map(drop) } else { st.ctx.save(pkg) };
                st.track(r);
            })?;
        }
    }
    status(lua, h, false)
}

pub fn save(lua: Lua) -> Ret {
    save_or_commit(lua, false)
}

pub fn commit(lua: Lua) -> Ret {
    save_or_commit(lua, true)
}

pub fn revert(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let (_, found) = lookup_args(lua, h, off)?;
    if let Some(Found { ptr, pkg }) = found {
        on(h, |st| {
            let r = st.ctx.revert(pkg, ptr.section.as_deref(), ptr.option.as_deref());
            st.track(r);
        })?;
    }
    status(lua, h, false)
}

/// `load(name)`: unloads the package named by the first argument if loaded,
/// then loads the one named by the last argument.
pub fn load(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let name = lua.check_bytes(1 + off)?;
    let last = lua.to_bytes(lua.top());
    on(h, |st| {
        if let Some(i) = st.find_package(&name, false) {
            st.ctx.unload(i);
        }
        match last {
            Some(n) => {
                let r = st.ctx.load(&n);
                st.track(r);
            }
            None => st.fail(ErrorCode::Inval),
        }
    })?;
    status(lua, h, false)
}

pub fn unload(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let name = lua.check_bytes(1 + off)?;
    let unloaded = on(h, |st| {
        let i = st.find_package(&name, false)?;
        st.ctx.unload(i);
        st.err = 0;
        Some(())
    })?;
    match unloaded {
        Some(()) => status(lua, h, false),
        None => {
            lua.push_bool(false);
            Ok(1)
        }
    }
}

// ---- directories ----

/// The directory setters check their first argument but use their last one.
fn dir_arg(lua: Lua, off: c_int) -> Result<Option<Vec<u8>>, Raise> {
    lua.check_bytes(1 + off)?;
    Ok(lua.to_bytes(lua.top()))
}

pub fn set_confdir(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let dir = dir_arg(lua, off)?;
    on(h, |st| match dir {
        Some(d) => {
            st.ctx.set_confdir(&d);
            st.err = 0;
        }
        None => st.fail(ErrorCode::Inval),
    })?;
    status(lua, h, false)
}

pub fn set_savedir(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let dir = dir_arg(lua, off)?;
    on(h, |st| match dir {
        Some(d) => {
            st.ctx.set_savedir(&d);
            st.err = 0;
        }
        None => st.fail(ErrorCode::Inval),
    })?;
    status(lua, h, false)
}

/// Does not touch the error state: reports the previous call's status.
pub fn set_conf2dir(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let dir = dir_arg(lua, off)?;
    on(h, |st| st.ctx.set_conf2dir(dir.as_deref()))?;
    status(lua, h, false)
}

pub fn add_delta(lua: Lua) -> Ret {
    let (h, off) = context(lua)?;
    let dir = dir_arg(lua, off)?;
    on(h, |st| match dir {
        Some(d) => {
            let r = st.ctx.add_delta_path(&d);
            st.track(r);
        }
        None => st.fail(ErrorCode::Inval),
    })?;
    status(lua, h, false)
}

fn get_dir(lua: Lua, f: fn(&State) -> Vec<u8>) -> Ret {
    let (h, _) = context(lua)?;
    let dir = on(h, |st| f(st))?;
    lua.push_bytes(&dir);
    Ok(1)
}

pub fn get_confdir(lua: Lua) -> Ret {
    get_dir(lua, |st| st.ctx.confdir.clone())
}

pub fn get_savedir(lua: Lua) -> Ret {
    get_dir(lua, |st| st.ctx.savedir.clone())
}

pub fn get_conf2dir(lua: Lua) -> Ret {
    get_dir(lua, |st| st.ctx.conf2dir.clone().unwrap_or_default())
}

// ---- cursors ----

/// `cursor([confdir [, savedir]])`: only 1 or 2 arguments are looked at;
/// arguments that are not strings or numbers are skipped.
pub fn cursor(lua: Lua) -> Ret {
    let n = lua.top();
    let mut st = State::new();
    if n == 1 || n == 2 {
        if n == 2 {
            if let Some(d) = lua.to_bytes(2) {
                st.ctx.set_savedir(&d);
            }
        }
        if let Some(d) = lua.to_bytes(1) {
            st.ctx.set_confdir(&d);
        }
    }
    lua.push_cursor(Box::new(st));
    Ok(1)
}

/// `close` and `__gc`: free the cursor's context, or the global one.
pub fn close(lua: Lua) -> Ret {
    if lua.is_userdata(1) {
        if !lua.has_meta(1) {
            return Err(lua.type_error(1, "uci.meta"));
        }
        drop(lua.cursor_slot(1).take());
    } else {
        close_global();
    }
    Ok(0)
}
