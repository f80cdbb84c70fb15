//! The API operations on a context: each one calls the core (which holds
//! every rule) and then brings the C tree in step.

use core::ffi::{c_char, c_int};
use core::ptr;

use ucix::edit::{self, Effect};
use ucix::lookup::{self, Ptr, LOOKUP_DONE};
use ucix::model::Package;
use ucix::store::{PctxInfo, FLAG_EXPORT_NAME};
use ucix::syntax::tokenizer::NameRule;
use ucix::syntax::Stream;

use crate::abi::*;
use crate::cfile::{self, CFileReader};
use crate::cmem::*;
use crate::context::{Batch, Cx};
use crate::ptr::{names, set_last, to_core, write_back};

/// A core error as a C code.
fn code(e: ucix::Error) -> c_int {
    e.code() as c_int
}

/// What an edit function of the core reports: `Ok(None)` is
/// `uci_delete`'s unparseable list index.
type EditResult = ucix::Result<Option<Effect>>;

impl Cx<'_> {
    /// `uci_load` of `name`: the core loads, the C tree is built and
    /// appended to `ctx->root`. Returns the package index.
    pub(crate) fn load(&mut self, name: &[u8]) -> Result<usize, c_int> {
        let i = self.st.core.load(name).map_err(code)?;
        self.mirror_new(i);
        Ok(i)
    }

    /// `uci_lookup_ptr`. Returns the package index.
    ///
    /// # Safety
    /// `c` is a valid ptr; `s` is NULL or a writable C string.
    pub(crate) unsafe fn lookup(&mut self, c: *mut uci_ptr, s: *mut c_char, extended: bool) -> Result<usize, c_int> {
        // SAFETY: guaranteed by the caller; `p` pointers are only compared
        // with our packages before use.
        unsafe {
            if !s.is_null() {
                crate::ptr::parse_in_place(c, s)?;
            }
            (*c).flags |= UCI_LOOKUP_DONE;
            let pi = if !(*c).p.is_null() {
                self.pkg_index((*c).p).ok_or(UCI_ERR_INVAL)?
            } else {
                let name = cbytes_opt((*c).package).ok_or(UCI_ERR_INVAL)?;
                match self.st.core.find(name) {
                    Some(i) => i,
                    None => self.load(name)?,
                }
            };
            let m = &mut self.st.pkgs[pi];
            (*c).p = m.c;
            (*c).last = &raw mut (*m.c).e;
            let mut cp = to_core(m, c)?;
            let p = &self.st.core.packages[pi];
            if let Err(e) = lookup::resolve(p, &mut cp, extended) {
                if cp == Ptr::default() {
                    ptr::write_bytes(c, 0, 1);
                } else {
                    (*c).flags = cp.flags;
                }
                return Err(code(e));
            }
            write_back(m, p, c, &cp, None, false);
            set_last(c, &cp);
            Ok(pi)
        }
    }

    /// The shared part of set/delete/add_list/del_list/rename: look the ptr
    /// up if that was not done, run `op` on the core package, mirror the
    /// effect, write the result back into the ptr.
    ///
    /// # Safety
    /// `c` is a valid ptr of this context.
    pub(crate) unsafe fn edit(&mut self, c: *mut uci_ptr, op: impl FnOnce(&mut Package, &mut Ptr) -> EditResult) -> Result<c_int, c_int> {
        // SAFETY: guaranteed by the caller.
        unsafe {
            if (*c).flags & UCI_LOOKUP_DONE == 0 {
                self.lookup(c, ptr::null_mut(), true)?;
            }
            if (*c).p.is_null() {
                return Err(UCI_ERR_INVAL);
            }
            let pi = self.pkg_index((*c).p).ok_or(UCI_ERR_INVAL)?;
            let before = names(c);
            let mut cp = to_core(&mut self.st.pkgs[pi], c)?;
            let r = op(&mut self.st.core.packages[pi], &mut cp);
            let p = &self.st.core.packages[pi];
            let m = &mut self.st.pkgs[pi];
            if let Ok(Some(eff)) = r {
                m.apply(p, eff);
                if let (Effect::Renamed, Some(si)) = (eff, cp.s) {
                    m.sync_names(p, si);
                }
            }
            write_back(m, p, c, &cp, Some(&before), true);
            m.sync_fields(p);
            m.sync_deltas(p);
            match r {
                Ok(Some(_)) => Ok(UCI_OK),
                Ok(None) => Ok(ucix::edit::DELETE_BAD_INDEX),
                Err(e) => Err(code(e)),
            }
        }
    }

    /// `uci_add_section`.
    ///
    /// # Safety
    /// `p` is a package pointer (checked), `res` NULL or writable.
    pub(crate) unsafe fn add_section(&mut self, p: *mut uci_package, stype: &[u8], res: *mut *mut uci_section) -> Result<c_int, c_int> {
        let pi = self.pkg_index(p).ok_or(UCI_ERR_INVAL)?;
        let pkg = &mut self.st.core.packages[pi];
        let si = edit::add_section(pkg, stype, false);
        let m = &mut self.st.pkgs[pi];
        // SAFETY: the mirror is in step; `res` is NULL or writable.
        unsafe {
            m.apply(pkg, Effect::SectionCreated(si));
            m.sync_fields(pkg);
            m.sync_deltas(pkg);
            if !res.is_null() {
                *res = m.sec(si);
            }
        }
        Ok(UCI_OK)
    }

    /// `uci_reorder_section`.
    ///
    /// # Safety
    /// `s` is a live section of this context.
    pub(crate) unsafe fn reorder(&mut self, s: *mut uci_section, pos: c_int) -> Result<c_int, c_int> {
        // SAFETY: guaranteed by the caller.
        let pi = self.pkg_index(unsafe { (*s).package }).ok_or(UCI_ERR_INVAL)?;
        let si = self.st.pkgs[pi].section_index(s).ok_or(UCI_ERR_INVAL)?;
        let pkg = &mut self.st.core.packages[pi];
        let eff = edit::reorder(pkg, si, pos, false).map_err(code)?;
        let m = &mut self.st.pkgs[pi];
        // SAFETY: the mirror was in step before the edit.
        unsafe {
            m.apply(pkg, eff);
            m.sync_deltas(pkg);
        }
        Ok(UCI_OK)
    }

    /// `uci_save`.
    pub(crate) fn save(&mut self, p: *mut uci_package) -> Result<c_int, c_int> {
        let pi = self.pkg_index(p).ok_or(UCI_ERR_INVAL)?;
        let r = self.st.core.save(pi);
        let pkg = &self.st.core.packages[pi];
        let m = &mut self.st.pkgs[pi];
        // SAFETY: the mirror is in step; save only clears the pending list.
        unsafe {
            m.sync_fields(pkg);
            m.sync_deltas(pkg);
        }
        r.map(|_| UCI_OK).map_err(code)
    }

    /// `uci_commit`. A package re-read from the file replaces `*pp` and is
    /// appended at the end of `ctx->root`; otherwise the object stays and
    /// is brought in line (an overwrite commit re-applies delta files).
    ///
    /// # Safety
    /// `pp` is a valid pointer to a package pointer.
    pub(crate) unsafe fn commit(&mut self, pp: *mut *mut uci_package, overwrite: bool) -> Result<c_int, c_int> {
        // SAFETY: guaranteed by the caller.
        let pi = self.pkg_index(unsafe { *pp }).ok_or(UCI_ERR_INVAL)?;
        let mut pkg = std::mem::take(&mut self.st.core.packages[pi]);
        let (r, replaced) = self.st.core.commit_package_ex(&mut pkg, overwrite);
        if replaced {
            // The new object is allocated before the old one is freed, so
            // it never reuses its address (callers compare the pointers).
            let old = self.st.pkgs.remove(pi);
            self.st.core.packages.remove(pi);
            self.st.core.packages.push(pkg);
            let n = self.st.core.packages.len() - 1;
            self.mirror_new(n);
            // SAFETY: `old` is linked in this context's root and no longer
            // referenced by the state; `pp` is writable.
            unsafe {
                old.free();
                *pp = self.st.pkgs[n].c;
            }
        } else {
            self.st.core.packages[pi] = pkg;
            let pkg = &self.st.core.packages[pi];
            let m = &mut self.st.pkgs[pi];
            // SAFETY: the mirror was in step before the call.
            unsafe {
                if pkg.has_delta {
                    m.reconcile(pkg);
                } else {
                    m.sync_fields(pkg);
                    m.sync_deltas(pkg);
                }
            }
        }
        r.map(|_| UCI_OK).map_err(code)
    }

    /// `uci_revert`: the package is reloaded; `ptr->p` gets the new one.
    ///
    /// # Safety
    /// `c` is a valid ptr of this context.
    pub(crate) unsafe fn revert(&mut self, c: *mut uci_ptr) -> Result<c_int, c_int> {
        // SAFETY: guaranteed by the caller.
        unsafe {
            if (*c).flags & UCI_LOOKUP_DONE == 0 {
                self.lookup(c, ptr::null_mut(), true)?;
            }
            if (*c).p.is_null() {
                return Err(UCI_ERR_INVAL);
            }
            let pi = self.pkg_index((*c).p).ok_or(UCI_ERR_INVAL)?;
            let mut cp = to_core(&mut self.st.pkgs[pi], c)?;
            edit::expand(&self.st.core.packages[pi], &mut cp).map_err(code)?;
            let n = self.st.core.packages.len();
            let r = self.st.core.revert(pi, cp.section.as_deref(), cp.option.as_deref());
            match r {
                Ok(new) => {
                    let m = self.st.pkgs.remove(pi);
                    self.mirror_new(new);
                    m.free();
                    (*c).p = self.st.pkgs[new].c;
                    Ok(UCI_OK)
                }
                Err(e) => {
                    if self.st.core.packages.len() < n {
                        let m = self.st.pkgs.remove(pi);
                        m.free();
                        (*c).p = ptr::null_mut();
                    } else {
                        let pkg = &self.st.core.packages[pi];
                        self.st.pkgs[pi].sync_deltas(pkg);
                    }
                    Err(code(e))
                }
            }
        }
    }

    /// `uci_unload`.
    pub(crate) fn unload(&mut self, p: *mut uci_package) -> Result<c_int, c_int> {
        let pi = self.pkg_index(p).ok_or(UCI_ERR_INVAL)?;
        self.drop_package(pi);
        Ok(UCI_OK)
    }

    /// `uci_import`.
    ///
    /// # Safety
    /// `stream` is an open stream; `package` NULL or a valid pointer.
    pub(crate) unsafe fn import(&mut self, stream: *mut libc::FILE, name: Option<&[u8]>, package: *mut *mut uci_package, single: bool) -> Result<c_int, c_int> {
        // SAFETY: guaranteed by the caller.
        let merge = unsafe {
            if !package.is_null() && !(*package).is_null() && single {
                Some(self.pkg_index(*package).ok_or(UCI_ERR_INVAL)?)
            } else {
                None
            }
        };
        let n = self.st.core.packages.len();
        // SAFETY: `stream` is open for the duration of this call.
        let mut reader = unsafe { CFileReader::new(stream) };
        let (r, skipped) = {
            let mut st = Stream::new(&mut reader);
            self.st.core.import_ex(&mut st, name, merge, single)
        };
        for i in n..self.st.core.packages.len() {
            self.mirror_new(i);
        }
        if let Some(mi) = merge {
            // SAFETY: the mirror was in step before the import.
            unsafe { self.st.pkgs[mi].reconcile(&self.st.core.packages[mi]) };
        }
        let last = r.map_err(code)?;
        if skipped > 0 {
            // libuci leaves the code of the skipped parse errors in
            // ctx->err although the import succeeds.
            // SAFETY: `c` is the live context of this call.
            unsafe { (*self.c).err = UCI_ERR_PARSE };
        }
        if !package.is_null() {
            // SAFETY: `package` is writable.
            unsafe { *package = last.map_or(ptr::null_mut(), |i| self.st.pkgs[i].c) };
        }
        Ok(UCI_OK)
    }

    /// `uci_export`.
    ///
    /// # Safety
    /// `stream` is an open stream.
    pub(crate) unsafe fn export(&mut self, stream: *mut libc::FILE, p: *mut uci_package, header: bool) -> Result<c_int, c_int> {
        let names = self.st.core.flags & FLAG_EXPORT_NAME != 0;
        let mut out = Vec::new();
        if p.is_null() {
            for pkg in &self.st.core.packages {
                ucix::write::export(&mut out, pkg, header, names);
            }
        } else {
            let pi = self.pkg_index(p).ok_or(UCI_ERR_INVAL)?;
            ucix::write::export(&mut out, &self.st.core.packages[pi], header, names);
        }
        // SAFETY: `stream` is open.
        if unsafe { cfile::write_all(stream, &out) } {
            Ok(UCI_OK)
        } else {
            Err(UCI_ERR_IO)
        }
    }

    /// `uci_list_configs`: one malloc block, pointers then strings.
    ///
    /// # Safety
    /// `list` is writable.
    pub(crate) unsafe fn list_configs(&mut self, list: *mut *mut *mut c_char) -> Result<c_int, c_int> {
        let names = self.st.core.list_configs().map_err(code)?;
        let ptrs = (names.len() + 1) * core::mem::size_of::<*mut c_char>();
        let total = ptrs + names.iter().map(|n| n.len() + 1).sum::<usize>();
        let block = calloc_bytes(total);
        // SAFETY: `block` has room for the pointer array and every string
        // with its NUL; malloc alignment suits pointers.
        unsafe {
            let arr = block.cast::<*mut c_char>();
            let mut at = block.add(ptrs).cast::<c_char>();
            for (i, n) in names.iter().enumerate() {
                write_cstr(at, n);
                *arr.add(i) = at;
                at = at.add(n.len() + 1);
            }
            *arr.add(names.len()) = ptr::null_mut();
            *list = arr;
        }
        Ok(UCI_OK)
    }

    /// `uci_lookup_next`: O(1) through the core index for `p->sections`,
    /// a walk (first match by `strcmp`) for any other list.
    ///
    /// # Safety
    /// `e` writable, `list` a well-formed list of elements, `name` a C string.
    pub(crate) unsafe fn lookup_next(&mut self, e: *mut *mut uci_element, list: *mut uci_list, name: *const c_char) -> Result<c_int, c_int> {
        // SAFETY: guaranteed by the caller.
        unsafe {
            *e = ptr::null_mut();
            let want = cbytes(name);
            for (pi, m) in self.st.pkgs.iter().enumerate() {
                if ptr::eq(&raw mut (*m.c).sections, list) {
                    return match self.st.core.packages[pi].section_index(want) {
                        Some(si) => {
                            *e = m.sec(si).cast();
                            Ok(UCI_OK)
                        }
                        None => Err(UCI_ERR_NOTFOUND),
                    };
                }
            }
            let mut n = (*list).next;
            while n != list {
                let el = n.cast::<uci_element>();
                if cbytes_opt((*el).name) == Some(want) {
                    *e = el;
                    return Ok(UCI_OK);
                }
                n = (*n).next;
            }
            Err(UCI_ERR_NOTFOUND)
        }
    }

    /// `uci_parse_argument`.
    ///
    /// # Safety
    /// `stream` open; `str`/`result` writable; `*str` NULL or a pointer
    /// this function returned for the same stream.
    pub(crate) unsafe fn parse_argument(&mut self, stream: *mut libc::FILE, str: *mut *mut c_char, result: *mut *mut c_char) -> Result<c_int, c_int> {
        let keep = self.st.batch.as_ref().is_some_and(|b| b.reader.file() == stream) && self.st.core.pctx.is_some_and(|p| p.batch);
        if !keep {
            // SAFETY: `stream` is open.
            self.st.batch = Some(unsafe { Batch::new(stream) });
        }
        let b = self.st.batch.as_mut().expect("set above");
        let mut r = Stream::new(&mut b.reader);
        // SAFETY: `str` is writable; `*str` is compared with our buffer only.
        let resume = unsafe {
            let s = *str as usize;
            let base = b.cbuf as usize;
            (!(*str).is_null() && s >= base && s < base + b.cap).then(|| s - base)
        };
        match resume {
            Some(off) => b.pctx.pos = off,
            None => b.pctx.start_line(&mut r),
        }
        let res = b.pctx.next_arg(&mut r, false, NameRule::None);
        drop(r);
        let p = &b.pctx;
        self.st.core.pctx = Some(PctxInfo { reason: p.reason, line: p.line, byte: p.byte, batch: true });
        b.mirror_buffer();
        let v = res.map_err(code)?;
        // SAFETY: both offsets are inside the mirrored buffer.
        unsafe {
            *result = b.cbuf.add(v);
            *str = b.cbuf.add(b.pctx.pos.min(b.cap - 1));
        }
        Ok(UCI_OK)
    }
}

// The core's lookup flags are the C values.
const _: () = assert!(LOOKUP_DONE == UCI_LOOKUP_DONE);
