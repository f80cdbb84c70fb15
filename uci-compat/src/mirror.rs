//! The C tree of one package, kept in step with the core [`Package`].
//!
//! [`PkgMirror`] owns the C `uci_package` with its sections, options, items
//! and delta elements, and keeps beside them vectors of the C pointers in
//! core order (`secs[i]` is the C object of `package.sections[i]`), so a
//! core index becomes a C pointer in O(1) and the reverse goes through a
//! lazily rebuilt hash map. Changes reach the C tree in three ways:
//!
//! * [`PkgMirror::apply`]: the [`Effect`] of one core edit, with libuci's
//!   identity rules (same-length values and types in place, otherwise a new
//!   object at the same list position);
//! * [`PkgMirror::reconcile`]: a whole-package comparison for the rare calls
//!   that change a package without reporting effects (merging import,
//!   `uci_commit` with overwrite on a delta-tracked package); it keeps every
//!   object whose name still matches, with the same identity rules;
//! * [`PkgMirror::sync_deltas`] / [`PkgMirror::sync_fields`]: the delta lists
//!   (append-only, or cleared by a save) and the scalar fields.

use core::ffi::c_int;
use core::ptr;
use std::collections::HashMap;

use ucix::delta::Delta;
use ucix::edit::Effect;
use ucix::model::{Opt, Package, Section, Value};

use crate::abi::*;
use crate::cmem::*;

/// One C section and its options, in core order.
pub(crate) struct SecMirror {
    pub c: *mut uci_section,
    pub opts: Vec<*mut uci_option>,
}

/// One C package and the pointers of its sections, in core order.
pub(crate) struct PkgMirror {
    pub c: *mut uci_package,
    pub secs: Vec<SecMirror>,
    /// Section pointer → index; `None` until needed after a structural change.
    rev: Option<HashMap<usize, usize>>,
    /// Number of C elements in `p->delta` / `p->saved_delta`.
    n_delta: usize,
    n_saved: usize,
}

/// Builds a section with its options (not linked).
fn build_section(pkg: *mut uci_package, s: &Section) -> SecMirror {
    let c = new_section(pkg, s);
    let mut opts = Vec::with_capacity(s.options.len());
    for o in &s.options {
        let co = new_option(c, o);
        // SAFETY: both objects are fresh and live; `co` is in no list.
        unsafe { list_add_tail(&raw mut (*c).options, &raw mut (*co).e.list) };
        opts.push(co);
    }
    SecMirror { c, opts }
}

/// Frees every delta element of a list.
///
/// # Safety
/// `head` heads a list of deltas allocated by [`new_delta`].
unsafe fn drain_deltas(head: *mut uci_list) {
    // SAFETY: guaranteed by the caller; the element header is at offset 0.
    unsafe { list_drain(head, |e| free_delta(e.cast::<uci_delta>())) };
}

/// Appends C elements for `core[*n..]` (or rebuilds the list when the core
/// list shrank: a save cleared it).
///
/// # Safety
/// `head` heads a delta list holding exactly `*n` elements made here.
unsafe fn sync_delta_list(head: *mut uci_list, core: &[Delta], n: &mut usize) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        if core.len() < *n {
            drain_deltas(head);
            *n = 0;
        }
        for d in &core[*n..] {
            list_add_tail(head, &raw mut (*new_delta(d)).e.list);
        }
    }
    *n = core.len();
}

/// Makes the items of list option `o` equal to `items`, keeping the C items
/// that survive (libuci frees only removed items and appends new ones).
///
/// # Safety
/// `o` is a live list option made here.
unsafe fn sync_items(o: *mut uci_option, items: &[ucix::model::Text]) {
    // SAFETY: guaranteed by the caller: `v.list` is the live member.
    unsafe {
        let head = &raw mut (*o).v.list;
        let mut j = 0;
        for e in list_elements(head) {
            if j < items.len() && cbytes((*e).name) == &items[j][..] {
                j += 1;
            } else {
                list_del(&raw mut (*e).list);
                free_element(e);
            }
        }
        for it in &items[j..] {
            list_add_tail(head, &raw mut (*new_item(it)).list);
        }
    }
}

/// Gives `new` the name string of `old` when both names are equal (a
/// replacement object keeps the name allocation, so `ptr->section` or
/// `ptr->option` pointing at it stay valid, as with libuci).
///
/// # Safety
/// Both are live elements made here.
unsafe fn steal_name(old: *mut uci_element, new: *mut uci_element) {
    // SAFETY: guaranteed by the caller; names are owned C strings.
    unsafe {
        if !(*old).name.is_null() && cbytes_opt((*new).name) == Some(cbytes((*old).name)) {
            cfree((*new).name);
            (*new).name = (*old).name;
            (*old).name = core::ptr::null_mut();
        }
    }
}

/// Replaces option `*slot` by a new object for `o` at the same position.
///
/// # Safety
/// `*slot` is a live option made here, linked into its section.
unsafe fn replace_option(slot: &mut *mut uci_option, o: &Opt) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let old = *slot;
        let new = new_option((*old).section, o);
        steal_name(&raw mut (*old).e, &raw mut (*new).e);
        list_replace(&raw mut (*old).e.list, &raw mut (*new).e.list);
        free_option(old);
        *slot = new;
    }
}

/// Brings one C option in line with `o` (same name assumed).
///
/// # Safety
/// `*slot` is a live option made here, linked into its section.
unsafe fn sync_option(slot: &mut *mut uci_option, o: &Opt) {
    // SAFETY: guaranteed by the caller; `type_` tells the live member.
    unsafe {
        let c = *slot;
        match (&o.value, (*c).type_) {
            (Value::Str(v), UCI_TYPE_STRING) => {
                let cur = cbytes((*c).v.string);
                if cur == &v[..] {
                } else if cur.len() == v.len() {
                    write_cstr((*c).v.string, v);
                } else {
                    replace_option(slot, o);
                }
            }
            (Value::List(items), UCI_TYPE_LIST) => sync_items(c, items),
            _ => replace_option(slot, o),
        }
    }
}

impl PkgMirror {
    /// Allocates the whole C tree of `p` and appends the package to `root`.
    ///
    /// # Safety
    /// `ctx` is the live owning context, `backend` its backend, `root` its
    /// `ctx->root` head.
    pub(crate) unsafe fn build(ctx: *mut uci_context, backend: *mut uci_backend, root: *mut uci_list, p: &Package) -> PkgMirror {
        let c = calloc_obj::<uci_package>(0);
        // SAFETY: `c` is a fresh zeroed package; the other pointers are live
        // by the caller's guarantee.
        unsafe {
            (*c).e.type_ = UCI_TYPE_PACKAGE;
            (*c).e.name = cstr_dup(&p.name);
            list_init(&raw mut (*c).sections);
            list_init(&raw mut (*c).delta);
            list_init(&raw mut (*c).saved_delta);
            (*c).ctx = ctx;
            (*c).backend = backend;
        }
        let mut m = PkgMirror { c, secs: Vec::with_capacity(p.sections.len()), rev: None, n_delta: 0, n_saved: 0 };
        for s in &p.sections {
            let sm = build_section(c, s);
            // SAFETY: both are live and the section is in no list.
            unsafe { list_add_tail(&raw mut (*c).sections, &raw mut (*sm.c).e.list) };
            m.secs.push(sm);
        }
        // SAFETY: `m.c` is the live package built above; `root` is live.
        unsafe {
            m.sync_fields(p);
            m.sync_deltas(p);
            list_add_tail(root, &raw mut (*c).e.list);
        }
        m
    }

    /// Unlinks the package from `ctx->root` and frees its whole C tree.
    ///
    /// # Safety
    /// The package is linked in its context's root; nothing uses it after.
    pub(crate) unsafe fn free(self) {
        let c = self.c;
        // SAFETY: guaranteed by the caller; every object was made here.
        unsafe {
            list_del(&raw mut (*c).e.list);
            list_drain(&raw mut (*c).sections, |e| free_section(e.cast::<uci_section>()));
            drain_deltas(&raw mut (*c).delta);
            drain_deltas(&raw mut (*c).saved_delta);
            cfree((*c).path);
            cfree((*c).e.name);
            cfree(c);
        }
    }

    /// Scalar fields from the core package: flags, path, section counter.
    ///
    /// # Safety
    /// `self.c` is live.
    pub(crate) unsafe fn sync_fields(&mut self, p: &Package) {
        let c = self.c;
        // SAFETY: guaranteed by the caller; `path` is owned by the package.
        unsafe {
            (*c).has_delta = p.has_delta;
            (*c).uses_conf2 = p.uses_conf2;
            (*c).n_section = p.n_section as c_int;
            let cur = cbytes_opt((*c).path);
            if cur != p.path.as_deref() {
                set_owned_str(&raw mut (*c).path, p.path.as_deref());
            }
        }
    }

    /// `p->delta` and `p->saved_delta` from the core lists.
    ///
    /// # Safety
    /// `self.c` is live.
    pub(crate) unsafe fn sync_deltas(&mut self, p: &Package) {
        let c = self.c;
        // SAFETY: guaranteed by the caller; the lists hold our elements.
        unsafe {
            sync_delta_list(&raw mut (*c).delta, &p.delta, &mut self.n_delta);
            sync_delta_list(&raw mut (*c).saved_delta, &p.saved_delta, &mut self.n_saved);
        }
    }

    /// The core index of C section `s` of this package.
    pub(crate) fn section_index(&mut self, s: *const uci_section) -> Option<usize> {
        let secs = &self.secs;
        let rev = self.rev.get_or_insert_with(|| secs.iter().enumerate().map(|(i, m)| (m.c as usize, i)).collect());
        rev.get(&(s as usize)).copied()
    }

    /// The option index of C option `o` in section `si`.
    pub(crate) fn option_index(&self, si: usize, o: *const uci_option) -> Option<usize> {
        self.secs.get(si)?.opts.iter().position(|&x| ptr::eq(x, o))
    }

    /// The C section `si`.
    pub(crate) fn sec(&self, si: usize) -> *mut uci_section {
        self.secs[si].c
    }

    /// The C option `oi` of section `si`.
    pub(crate) fn opt(&self, si: usize, oi: usize) -> *mut uci_option {
        self.secs[si].opts[oi]
    }

    /// Replaces section `si` by a new object at the same position that
    /// takes over the options (libuci's type change of another length).
    ///
    /// # Safety
    /// The mirror is in step with the C tree.
    unsafe fn replace_section(&mut self, si: usize, s: &Section) {
        let m = &mut self.secs[si];
        let old = m.c;
        let new = new_section(self.c, s);
        // SAFETY: guaranteed by the caller: `old` is linked into the
        // package, its options into `old.options`.
        unsafe {
            steal_name(&raw mut (*old).e, &raw mut (*new).e);
            list_move_all(&raw mut (*old).options, &raw mut (*new).options);
            for &o in &m.opts {
                (*o).section = new;
            }
            list_replace(&raw mut (*old).e.list, &raw mut (*new).e.list);
            free_section_shell(old);
        }
        m.c = new;
        if let Some(rev) = &mut self.rev {
            rev.remove(&(old as usize));
            rev.insert(new as usize, si);
        }
    }

    /// Brings section `si`'s type, name and anonymous flag in line with `s`.
    ///
    /// # Safety
    /// The mirror is in step with the C tree.
    unsafe fn sync_section_header(&mut self, si: usize, s: &Section) {
        // SAFETY: guaranteed by the caller; type and name are owned strings
        // of the section.
        unsafe {
            let c = self.secs[si].c;
            let cur = cbytes((*c).type_);
            if cur != &s.stype[..] {
                if cur.len() == s.stype.len() {
                    write_cstr((*c).type_, &s.stype);
                } else {
                    self.replace_section(si, s);
                }
            }
            let c = self.secs[si].c;
            if cbytes((*c).e.name) != &s.name[..] {
                set_owned_str(&raw mut (*c).e.name, Some(&s.name));
            }
            (*c).anonymous = s.anonymous;
        }
    }

    /// Applies the effect of one core edit of package `p`.
    ///
    /// # Safety
    /// The mirror was in step with the C tree before the edit.
    pub(crate) unsafe fn apply(&mut self, p: &Package, eff: Effect) {
        // SAFETY: guaranteed by the caller; every index comes from the core
        // edit that just ran on `p`, so it is valid in `p` and (for the
        // objects that existed before) in the mirror.
        unsafe {
            match eff {
                Effect::None | Effect::Renamed => {}
                Effect::OptionCreated(si, oi) => {
                    let sec = self.secs[si].c;
                    let o = new_option(sec, &p.sections[si].options[oi]);
                    list_add_tail(&raw mut (*sec).options, &raw mut (*o).e.list);
                    self.secs[si].opts.insert(oi, o);
                }
                Effect::OptionInPlace(si, oi) | Effect::OptionReplaced(si, oi) => {
                    sync_option(&mut self.secs[si].opts[oi], &p.sections[si].options[oi]);
                }
                Effect::ListAppended(si, oi) | Effect::ListItemsRemoved(si, oi) => {
                    sync_option(&mut self.secs[si].opts[oi], &p.sections[si].options[oi]);
                }
                Effect::SectionCreated(si) => {
                    let sm = build_section(self.c, &p.sections[si]);
                    list_add_tail(&raw mut (*self.c).sections, &raw mut (*sm.c).e.list);
                    if let Some(rev) = &mut self.rev {
                        rev.insert(sm.c as usize, si);
                    }
                    self.secs.insert(si, sm);
                }
                Effect::SectionInPlace(si) | Effect::SectionReplaced(si) => {
                    self.sync_section_header(si, &p.sections[si]);
                }
                Effect::OptionDeleted(si, oi) => {
                    let o = self.secs[si].opts.remove(oi);
                    list_del(&raw mut (*o).e.list);
                    free_option(o);
                }
                Effect::SectionDeleted(si) => {
                    let sm = self.secs.remove(si);
                    list_del(&raw mut (*sm.c).e.list);
                    free_section(sm.c);
                    self.rev = None;
                }
                Effect::Moved(from, to) => {
                    let sm = self.secs.remove(from);
                    list_del(&raw mut (*sm.c).e.list);
                    let at = match self.secs.get(to) {
                        Some(next) => &raw mut (*next.c).e.list,
                        None => &raw mut (*self.c).sections,
                    };
                    list_insert_before(at, &raw mut (*sm.c).e.list);
                    self.secs.insert(to, sm);
                    self.rev = None;
                }
            }
        }
    }

    /// After a rename: names (and the anonymous flag) of section `si` and
    /// its options from the core.
    ///
    /// # Safety
    /// The mirror is in step with the C tree.
    pub(crate) unsafe fn sync_names(&mut self, p: &Package, si: usize) {
        let s = &p.sections[si];
        // SAFETY: guaranteed by the caller.
        unsafe {
            let c = self.secs[si].c;
            if cbytes((*c).e.name) != &s.name[..] {
                set_owned_str(&raw mut (*c).e.name, Some(&s.name));
            }
            (*c).anonymous = s.anonymous;
            for (o, co) in s.options.iter().zip(&self.secs[si].opts) {
                if cbytes((**co).e.name) != &o.name[..] {
                    set_owned_str(&raw mut (**co).e.name, Some(&o.name));
                }
            }
        }
    }

    /// Makes the C tree equal to `p` after changes that came without
    /// effects, keeping every object whose name still matches (first
    /// unused object of that name, in order) with the identity rules of
    /// [`PkgMirror::apply`]; other objects are created or freed.
    ///
    /// # Safety
    /// `self.c` is live and every object in its lists was made here.
    pub(crate) unsafe fn reconcile(&mut self, p: &Package) {
        let pkg = self.c;
        let old = std::mem::take(&mut self.secs);
        let mut by_name: HashMap<Vec<u8>, std::collections::VecDeque<usize>> = HashMap::new();
        for (i, m) in old.iter().enumerate() {
            // SAFETY: live section made here.
            let name = unsafe { cbytes((*m.c).e.name) }.to_vec();
            by_name.entry(name).or_default().push_back(i);
        }
        let mut old: Vec<Option<SecMirror>> = old.into_iter().map(Some).collect();
        let mut secs = Vec::with_capacity(p.sections.len());
        for s in &p.sections {
            let reuse = by_name.get_mut(&s.name[..]).and_then(|q| q.pop_front());
            match reuse {
                Some(k) => {
                    let m = old[k].take().expect("each old section is reused once");
                    secs.push(m);
                }
                None => secs.push(build_section(pkg, s)),
            }
        }
        // SAFETY: `pkg` is live; the leftover sections are linked into it
        // and freed after unlinking; the kept ones are re-linked in order.
        unsafe {
            for m in old.into_iter().flatten() {
                list_del(&raw mut (*m.c).e.list);
                free_section(m.c);
            }
            list_init(&raw mut (*pkg).sections);
            for m in &secs {
                list_add_tail(&raw mut (*pkg).sections, &raw mut (*m.c).e.list);
            }
        }
        self.secs = secs;
        self.rev = None;
        for (si, s) in p.sections.iter().enumerate() {
            // SAFETY: the mirror is now in step at the section level.
            unsafe {
                self.sync_section_header(si, s);
                self.reconcile_options(si, s);
            }
        }
        // SAFETY: `pkg` is live.
        unsafe {
            self.sync_fields(p);
            self.sync_deltas(p);
        }
    }

    /// The option part of [`PkgMirror::reconcile`] for section `si`.
    ///
    /// # Safety
    /// Section `si` is in step with the C tree at the section level.
    unsafe fn reconcile_options(&mut self, si: usize, s: &Section) {
        let sec = self.secs[si].c;
        let old = std::mem::take(&mut self.secs[si].opts);
        let mut old: Vec<Option<*mut uci_option>> = old.into_iter().map(Some).collect();
        let mut opts = Vec::with_capacity(s.options.len());
        for o in &s.options {
            // SAFETY: live options of this section, made here.
            let k = old.iter().position(|x| x.is_some_and(|c| unsafe { cbytes((*c).e.name) } == &o.name[..]));
            match k {
                Some(k) => {
                    let mut c = old[k].take().expect("checked by position");
                    // SAFETY: `c` is linked into `sec`.
                    unsafe { sync_option(&mut c, o) };
                    opts.push(c);
                }
                None => opts.push(new_option(sec, o)),
            }
        }
        // SAFETY: `sec` is live; leftovers are unlinked before freeing and
        // the kept/new options are re-linked in order.
        unsafe {
            for c in old.into_iter().flatten() {
                list_del(&raw mut (*c).e.list);
                free_option(c);
            }
            list_init(&raw mut (*sec).options);
            for &c in &opts {
                list_add_tail(&raw mut (*sec).options, &raw mut (*c).e.list);
            }
        }
        self.secs[si].opts = opts;
    }
}
