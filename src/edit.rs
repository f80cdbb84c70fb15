//! The mutation rules of libuci (libuci-abi.md §6.12–§6.18), written once and
//! used by the config parser, delta replay, the CLI, the C shim and Lua.
//!
//! Each function takes a looked-up (or to-be-looked-up) [`Ptr`] and records a
//! [`Delta`] in `p.delta` when the package tracks changes and the call is not
//! internal (delta replay is internal). The returned [`Effect`] says which
//! objects were created, replaced or changed in place, so that the C shim can
//! mirror libuci's object identity rules.
#![forbid(unsafe_code)]

use crate::delta::{Cmd, Delta};
use crate::error::{fail, ErrorCode, Result};
use crate::lookup::{self, valid_type, Ptr, LOOKUP_COMPLETE, LOOKUP_DONE};
use crate::model::{naming, Opt, Package, Section, Text, Value};

/// What a mutation did to the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing changed (same value, empty value on a missing item, …).
    None,
    /// A new option was appended (section index, option index).
    OptionCreated(usize, usize),
    /// An option's value was overwritten in place (same-length string).
    OptionInPlace(usize, usize),
    /// The option object was replaced at the same position.
    OptionReplaced(usize, usize),
    /// A list item was appended to an existing list option.
    ListAppended(usize, usize),
    /// List items were removed from an option.
    ListItemsRemoved(usize, usize),
    /// A new section was appended.
    SectionCreated(usize),
    /// A section's type was overwritten in place (same length).
    SectionInPlace(usize),
    /// The section object was replaced at the same position.
    SectionReplaced(usize),
    /// An option was removed (section index, former option index).
    OptionDeleted(usize, usize),
    /// A section was removed (former index).
    SectionDeleted(usize),
    /// An option or section was renamed.
    Renamed,
    /// A section moved (from, to).
    Moved(usize, usize),
}

fn record(p: &mut Package, internal: bool, cmd: Cmd, section: &[u8], option: Option<&[u8]>, value: Option<&[u8]>) {
    if !internal && p.has_delta {
        p.delta.push(Delta::new(cmd, section, option, value));
    }
}

/// Resolves `ptr` against `p` unless that was done; fills missing names from
/// the resolved objects (`uci_expand_ptr`).
pub fn expand(p: &Package, ptr: &mut Ptr) -> Result<()> {
    if ptr.flags & LOOKUP_DONE == 0 {
        lookup::resolve(p, ptr, true)?;
    }
    if ptr.section.is_none() {
        if let Some(si) = ptr.s {
            ptr.section = Some(p.sections[si].name.to_vec());
        }
    }
    if ptr.option.is_none() {
        if let (Some(si), Some(oi)) = (ptr.s, ptr.o) {
            ptr.option = Some(p.sections[si].options[oi].name.to_vec());
        }
    }
    Ok(())
}

/// `uci_set`: sets an option value or a section type, creating it if needed.
pub fn set(p: &mut Package, ptr: &mut Ptr, internal: bool) -> Result<Effect> {
    expand(p, ptr)?;
    let Some(value) = ptr.value.clone() else { return fail(ErrorCode::Inval) };
    if ptr.s.is_none() && !(ptr.option.is_none() && ptr.section.is_some()) {
        return fail(ErrorCode::Inval);
    }
    if ptr.option.is_none() && !value.is_empty() && !valid_type(&value) {
        return fail(ErrorCode::Inval);
    }
    if let (Some(opt), Some(si), None) = (&ptr.option, ptr.s, ptr.o) {
        ptr.o = p.sections[si].option_index(opt);
    }
    if value.is_empty() {
        if !ptr.complete() {
            return Ok(Effect::None);
        }
        // Never internal, even when the set is (delta replay): in libuci
        // the nested delete records the removal as a new pending change,
        // so a load that replays `pkg.sec.opt=''` has `p.delta` non-empty
        // (recorded by the C API case capi/load_delta_apply), and is not
        // cached.
        return delete(p, ptr, false);
    }
    let section = ptr.section.clone().unwrap_or_default();
    let effect = if let Some(opt) = ptr.option.clone() {
        let si = ptr.s.expect("checked above");
        let (eff, oi) = put_option(p, si, ptr.o, opt.into(), Text::from(&value));
        ptr.o = Some(oi);
        if eff == Effect::None {
            return Ok(Effect::None);
        }
        eff
    } else {
        let (eff, si) = put_section(p, ptr.s, &section, &value);
        ptr.s = Some(si);
        if eff == Effect::None {
            return Ok(Effect::None);
        }
        eff
    };
    record(p, internal, Cmd::Change, &section, ptr.option.as_deref(), Some(&value));
    Ok(effect)
}


/// The section part of [`set`] for a non-empty, valid `stype`: creates
/// section `name` of that type, or (`si`: it exists) changes its type.
/// Records nothing. Returns the effect (`None`: it already had that type)
/// and the section's index. The config parser calls it directly for named
/// `config` lines of a package without delta tracking.
pub fn put_section(p: &mut Package, si: Option<usize>, name: &[u8], stype: &[u8]) -> (Effect, usize) {
    match si {
        None => {
            p.count_section();
            let si = p.push_section(Section { name: name.into(), stype: stype.into(), anonymous: false, options: vec![] });
            (Effect::SectionCreated(si), si)
        }
        Some(si) => {
            let sec = &mut p.sections[si];
            if sec.stype == stype {
                return (Effect::None, si);
            }
            let eff = if sec.stype.len() == stype.len() {
                Effect::SectionInPlace(si)
            } else {
                sec.anonymous = false;
                Effect::SectionReplaced(si)
            };
            p.set_section_type(si, stype);
            (eff, si)
        }
    }
}

/// The option part of [`set`] for a non-empty `value`, by value: sets
/// option `name` (at `oi`, its index if it exists) of section `si` to the
/// string `value`, appending it when missing. Records nothing. Returns the
/// effect (`None`: it already held that value) and the option's index.
/// The config parser calls it directly for `option` lines of a package
/// without delta tracking (what [`set`] would do, minus the copies).
pub fn put_option(p: &mut Package, si: usize, oi: Option<usize>, name: Text, value: Text) -> (Effect, usize) {
    let sec = &mut p.sections[si];
    match oi {
        None => {
            sec.options.push(Opt { name, value: Value::Str(value) });
            let oi = sec.options.len() - 1;
            (Effect::OptionCreated(si, oi), oi)
        }
        Some(oi) => {
            let o = &mut sec.options[oi];
            let eff = match &o.value {
                Value::Str(old) if *old == value => return (Effect::None, oi),
                Value::Str(old) if old.len() == value.len() => Effect::OptionInPlace(si, oi),
                _ => Effect::OptionReplaced(si, oi),
            };
            o.value = Value::Str(value);
            (eff, oi)
        }
    }
}

/// Outcome of [`delete`] when a list index could not be parsed: libuci
/// returns a bare 1 without setting an error.
pub const DELETE_BAD_INDEX: i32 = 1;

/// `uci_delete`: removes an option, a section, or (for a list with a value)
/// the list item at that index.
pub fn delete(p: &mut Package, ptr: &mut Ptr, internal: bool) -> Result<Effect> {
    delete_ex(p, ptr, internal).map(|r| r.unwrap_or(Effect::None))
}

/// Like [`delete`], but `Ok(None)` reports the unparseable-index case.
pub fn delete_ex(p: &mut Package, ptr: &mut Ptr, internal: bool) -> Result<Option<Effect>> {
    expand(p, ptr)?;
    if !ptr.complete() {
        return fail(ErrorCode::NotFound);
    }
    let Some(si) = ptr.s else { return fail(ErrorCode::Inval) };
    let section = ptr.section.clone().unwrap_or_default();
    if let Some(oi) = ptr.o {
        let is_list = p.sections[si].options[oi].value.is_list();
        if let (true, Some(v)) = (is_list, ptr.value.clone().filter(|v| !v.is_empty())) {
            let Ok(index) = crate::syntax::cnum::sscanf_int(&v) else { return Ok(None) };
            // sscanf's EOF (only whitespace) leaves the index unset in libuci; nothing matches here.
            let index = index.unwrap_or(-1);
            let mut removed = false;
            if let Value::List(items) = &mut p.sections[si].options[oi].value {
                if index >= 0 && (index as usize) < items.len() {
                    items.remove(index as usize);
                    removed = true;
                }
            }
            if removed {
                record(p, internal, Cmd::Remove, &section, ptr.option.as_deref(), Some(&v));
                return Ok(Some(Effect::ListItemsRemoved(si, oi)));
            }
            return Ok(Some(Effect::None));
        }
        record(p, internal, Cmd::Remove, &section, ptr.option.as_deref(), None);
        p.sections[si].options.remove(oi);
        ptr.o = None;
        return Ok(Some(Effect::OptionDeleted(si, oi)));
    }
    record(p, internal, Cmd::Remove, &section, ptr.option.as_deref(), None);
    p.remove_section(si);
    ptr.s = None;
    Ok(Some(Effect::SectionDeleted(si)))
}

/// `uci_add_list`: appends a list item (creating the list or converting a
/// string option).
pub fn add_list(p: &mut Package, ptr: &mut Ptr, internal: bool) -> Result<Effect> {
    expand(p, ptr)?;
    let Some(si) = ptr.s else { return fail(ErrorCode::Inval) };
    let Some(value) = ptr.value.clone() else { return fail(ErrorCode::Inval) };
    let section = ptr.section.clone().unwrap_or_default();
    let Some(opt) = ptr.option.clone() else {
        // libuci appends an option without a name here (and crashes on the
        // next export); only the recorded change is observable.
        record(p, internal, Cmd::ListAdd, &section, None, Some(&value));
        return Ok(Effect::None);
    };
    if ptr.o.is_none() {
        ptr.o = p.sections[si].option_index(&opt);
    }
    let (effect, oi) = put_list_item(p, si, ptr.o, Text::from(&opt), Text::from(&value));
    ptr.o = Some(oi);
    record(p, internal, Cmd::ListAdd, &section, Some(&opt), Some(&value));
    Ok(effect)
}

/// The tree part of [`add_list`], by value: appends `value` to list option
/// `name` (at `oi`, its index if it exists) of section `si`, creating the
/// list, or turning a string option into a list of it and `value`. Records
/// nothing. Returns the effect and the option's index. The config parser
/// calls it directly for `list` lines of a package without delta tracking.
pub fn put_list_item(p: &mut Package, si: usize, oi: Option<usize>, name: Text, value: Text) -> (Effect, usize) {
    let sec = &mut p.sections[si];
    match oi {
        None => {
            sec.options.push(Opt { name, value: Value::List(vec![value]) });
            let oi = sec.options.len() - 1;
            (Effect::OptionCreated(si, oi), oi)
        }
        Some(oi) => {
            let o = &mut sec.options[oi];
            let eff = match &mut o.value {
                Value::List(items) => {
                    items.push(value);
                    Effect::ListAppended(si, oi)
                }
                Value::Str(old) => {
                    let old = std::mem::take(old);
                    o.value = Value::List(vec![old, value]);
                    Effect::OptionReplaced(si, oi)
                }
            };
            (eff, oi)
        }
    }
}

/// `uci_del_list`: removes every list item equal to the value.
pub fn del_list(p: &mut Package, ptr: &mut Ptr, internal: bool) -> Result<Effect> {
    expand(p, ptr)?;
    let Some(si) = ptr.s else { return fail(ErrorCode::Inval) };
    let Some(value) = ptr.value.clone() else { return fail(ErrorCode::Inval) };
    let (Some(oi), Some(opt)) = (ptr.o, ptr.option.clone()) else { return Ok(Effect::None) };
    if !p.sections[si].options[oi].value.is_list() {
        return Ok(Effect::None);
    }
    let section = ptr.section.clone().unwrap_or_default();
    record(p, internal, Cmd::ListDel, &section, Some(&opt), Some(&value));
    if let Value::List(items) = &mut p.sections[si].options[oi].value {
        items.retain(|i| *i != value);
    }
    Ok(Effect::ListItemsRemoved(si, oi))
}

/// `uci_rename`: renames the option, or the section (which then is no longer
/// anonymous). The new name is not validated.
pub fn rename(p: &mut Package, ptr: &mut Ptr, internal: bool) -> Result<Effect> {
    expand(p, ptr)?;
    if !ptr.complete() {
        return fail(ErrorCode::NotFound);
    }
    let Some(si) = ptr.s else { return fail(ErrorCode::Inval) };
    let Some(value) = ptr.value.clone() else { return fail(ErrorCode::Inval) };
    let section = ptr.section.clone().unwrap_or_default();
    record(p, internal, Cmd::Rename, &section, ptr.option.as_deref(), Some(&value));
    match ptr.o {
        Some(oi) if ptr.option.is_some() => p.sections[si].options[oi].name = value.into(),
        _ => {
            p.rename_section_at(si, &value);
            p.sections[si].anonymous = false;
        }
    }
    Ok(Effect::Renamed)
}

/// `uci_reorder_section`: moves section `si` after the first `pos` other
/// sections; records a delta only if its predecessor changed.
pub fn reorder(p: &mut Package, si: usize, pos: i32, internal: bool) -> Result<Effect> {
    let before = if si == 0 { None } else { Some(p.sections[si - 1].name.clone()) };
    let n = p.sections.len();
    let to = if pos <= 0 { 0 } else { (pos as usize).min(n - 1) };
    p.move_section(si, to);
    let after = if to == 0 { None } else { Some(p.sections[to - 1].name.clone()) };
    // libuci compares predecessor objects; a different index means a different object
    // unless the section did not move at all.
    let changed = to != si || before != after;
    if changed {
        let name = p.sections[to].name.clone();
        record(p, internal, Cmd::Reorder, &name, None, Some(pos.to_string().as_bytes()));
        Ok(Effect::Moved(si, to))
    } else {
        Ok(Effect::None)
    }
}

/// `uci_add_section`: appends an anonymous section with a generated name.
pub fn add_section(p: &mut Package, stype: &[u8], internal: bool) -> usize {
    let n = p.count_section();
    let name = naming::anonymous_name(n, stype);
    record(p, internal, Cmd::Add, &name, None, Some(stype));
    p.push_section(Section { name, stype: stype.into(), anonymous: true, options: vec![] })
}

/// Marks `ptr` as resolved and complete for a section that is known to exist.
pub fn ptr_for_section(p: &Package, si: usize) -> Ptr {
    Ptr {
        target: lookup::Target::Section,
        flags: LOOKUP_DONE | LOOKUP_COMPLETE,
        package: Some(p.name.clone()),
        section: Some(p.sections[si].name.to_vec()),
        s: Some(si),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::statement::parse_package;

    fn pkg() -> Package {
        let mut p = parse_package(b"config interface 'lan'\n\toption proto 'static'\n\tlist dns '1.1.1.1'\nconfig alias\n", b"net", true).unwrap();
        p.has_delta = true;
        p
    }

    fn ptr(p: &Package, s: &str) -> Ptr {
        let mut ptr = Ptr::parse(s.as_bytes()).unwrap();
        lookup::resolve(p, &mut ptr, true).unwrap();
        ptr
    }

    #[test]
    fn set_identity_rules() {
        let mut p = pkg();
        let mut x = ptr(&p, "net.lan.proto=static");
        assert_eq!(set(&mut p, &mut x, false).unwrap(), Effect::None);
        let mut x = ptr(&p, "net.lan.proto=dhcpx");
        assert_eq!(set(&mut p, &mut x, false).unwrap(), Effect::OptionReplaced(0, 0));
        let mut x = ptr(&p, "net.lan.proto=dhcpy");
        assert_eq!(set(&mut p, &mut x, false).unwrap(), Effect::OptionInPlace(0, 0));
        let mut x = ptr(&p, "net.@alias[0]=aliaz");
        assert_eq!(set(&mut p, &mut x, false).unwrap(), Effect::SectionInPlace(1));
        assert!(p.sections[1].anonymous);
        let mut x = ptr(&p, "net.@aliaz[0]=al");
        assert_eq!(set(&mut p, &mut x, false).unwrap(), Effect::SectionReplaced(1));
        assert!(!p.sections[1].anonymous);
        assert_eq!(p.delta.len(), 4);
        let mut x = ptr(&p, "net.nosuch.o=1");
        assert!(set(&mut p, &mut x, false).is_err());
        let mut x = ptr(&p, "net.lan.proto=");
        assert_eq!(set(&mut p, &mut x, false).unwrap(), Effect::OptionDeleted(0, 0));
        assert_eq!(p.delta.last().unwrap().cmd, Cmd::Remove);
    }

    #[test]
    fn lists_and_delete_by_index() {
        let mut p = pkg();
        let mut x = ptr(&p, "net.lan.proto=x");
        assert_eq!(add_list(&mut p, &mut x, false).unwrap(), Effect::OptionReplaced(0, 0));
        assert_eq!(p.sections[0].options[0].value, Value::List(vec![b"static".into(), b"x".into()]));
        let mut x = ptr(&p, "net.lan.dns=1");
        assert_eq!(delete_ex(&mut p, &mut x, false).unwrap(), Some(Effect::None));
        let mut x = ptr(&p, "net.lan.dns=abc");
        assert_eq!(delete_ex(&mut p, &mut x, false).unwrap(), None);
        let mut x = ptr(&p, "net.lan.dns=0");
        assert_eq!(delete_ex(&mut p, &mut x, false).unwrap(), Some(Effect::ListItemsRemoved(0, 1)));
        assert_eq!(p.sections[0].options[1].value, Value::List(vec![]));
        let mut x = ptr(&p, "net.lan.proto=static");
        del_list(&mut p, &mut x, false).unwrap();
        assert_eq!(p.sections[0].options[0].value, Value::List(vec![b"x".into()]));
    }

    #[test]
    fn reorder_and_rename() {
        let mut p = pkg();
        assert_eq!(reorder(&mut p, 1, 0, false).unwrap(), Effect::Moved(1, 0));
        assert_eq!(reorder(&mut p, 0, -5, false).unwrap(), Effect::None);
        assert_eq!(p.delta.len(), 1);
        let mut x = ptr(&p, "net.lan=wan");
        rename(&mut p, &mut x, false).unwrap();
        assert_eq!(p.section_index(b"wan"), Some(1));
        assert_eq!(p.section_index(b"lan"), None);
        let si = add_section(&mut p, b"alias", false);
        assert_eq!(p.sections[si].name, b"cfg034d8f");
    }
}
