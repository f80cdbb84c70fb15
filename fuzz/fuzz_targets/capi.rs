//! The C ABI of `libuci.so` (`uci-compat`), called as a C program calls it:
//! the exported functions, linked statically (the crate is also an rlib) so
//! AddressSanitizer instruments the shim's C-tree handling, and
//! LeakSanitizer checks after each input that everything the shim
//! allocated was freed by `uci_free_context` (or by the caller, for what
//! the API hands out).
//!
//! Input: `<mode byte><config text>\0<script>`.
//! * The config text is imported with `uci_import` from a `fmemopen`
//!   stream: mode bit 0 is `single`, bit 1 gives the name `fuzz` (else
//!   NULL: a stream of `package` statements).
//! * The script is read with `uci_parse_argument` from another stream, as
//!   the CLI's batch mode reads it (one line at a time, at most 4 words):
//!   `get|set|add_list|del_list|delete|rename|revert|reorder <tuple>`,
//!   `add <package> <type>`, `import|save|commit|unload|export <package>`,
//!   `load <name>`, `changes`; any other word is looked up as a tuple. Each
//!   tuple goes to `uci_lookup_ptr` (a fresh copy each time, as the CLI
//!   does) and the operation is run on the result; with mode bit 5 it is
//!   split by `uci_parse_ptr` instead and the operation looks it up itself;
//!   with bit 7 the operation gets a ptr filled as C programs fill one by
//!   hand (`.p`, `.s`, `.o` from the lookup, the option name, the value, no
//!   flags).
//! * Mode bit 2 clears `UCI_FLAG_STRICT`, bit 3 sets `UCI_FLAG_EXPORT_NAME`,
//!   bit 4 saves and commits every package at the end, bit 6 makes
//!   `commit` overwrite.
//!
//! After every call: `uci_get_errorstr` (freed), and the whole C tree is
//! walked (every list well-formed, every element of its type, every string
//! readable, parents right) and checked against the core through the API:
//! `uci_lookup_ptr` and `uci_lookup_next` (the calls behind `uci.h`'s
//! inline `uci_lookup_section`/`uci_lookup_option`) find the first section
//! of each name and each option as the C lists hold them. At the end:
//! `uci_export` of everything, `uci_list_configs`, `uci_free_context`.
//!
//! Files: `config/` of a sandbox holds `network` and `system`, `delta/` is
//! the save directory, and the default delta directory (`/tmp/.uci`) is
//! replaced in `ctx->delta_path` by an empty one, so nothing outside the
//! sandbox is read or written. Tuples and names containing `/` are skipped
//! (a path loads, and commits, that file).
#![no_main]

use core::ffi::{c_char, c_int, CStr};
use core::ptr;
use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use uci::abi::*;
use uci::exports::*;
use ucix_fuzz::sandbox::Sandbox;
use ucix_fuzz::{NETWORK, SYSTEM};

/// Script lines run per input (bounds the work; the reader also stops at
/// end of stream).
const MAX_LINES: usize = 48;
/// Words per line, as the CLI's batch mode (command + 3).
const MAX_WORDS: usize = 4;

fn sandbox() -> &'static Sandbox {
    static S: OnceLock<Sandbox> = OnceLock::new();
    S.get_or_init(|| Sandbox::new("capi"))
}

fn cstring(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    v.push(0);
    v
}

/// # Safety
/// `s` is NULL or a C string.
unsafe fn bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: guaranteed by the caller.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// A read-only stream over `data` (NULL when fmemopen refuses it).
fn stream(data: &[u8]) -> *mut libc::FILE {
    // SAFETY: `data` outlives the stream (closed by the caller before
    // `data` goes away); mode "r" never writes to it.
    unsafe { libc::fmemopen(data.as_ptr().cast_mut().cast(), data.len(), c"r".as_ptr()) }
}

struct Api {
    ctx: *mut uci_context,
    flags_overwrite: bool,
    use_parse_ptr: bool,
    by_object: bool,
}

/// Walks the list at `head`: every node's neighbours point back to it.
/// Returns the nodes as elements.
///
/// # Safety
/// `head` is a list of the context.
unsafe fn elements(head: *mut uci_list) -> Vec<*mut uci_element> {
    let mut out = Vec::new();
    // SAFETY: the shim keeps its lists well-formed (checked here).
    unsafe {
        assert!(ptr::eq((*(*head).next).prev, head) && ptr::eq((*(*head).prev).next, head), "list head links");
        let mut n = (*head).next;
        while !ptr::eq(n, head) {
            assert!(ptr::eq((*(*n).next).prev, n), "list node links");
            assert!(out.len() < 1 << 20, "list does not end");
            out.push(n.cast::<uci_element>());
            n = (*n).next;
        }
    }
    out
}

/// A name usable as a tuple part by itself.
fn plain(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

impl Api {
    fn err(&self) {
        let mut s: *mut c_char = ptr::null_mut();
        // SAFETY: live context; `s` is writable; the result is malloc'ed.
        unsafe {
            uci_get_errorstr(self.ctx, &mut s, c"fuzz".as_ptr());
            assert!(!s.is_null(), "uci_get_errorstr gives a string");
            libc::free(s.cast());
        }
    }

    /// Walks the whole C tree and checks it against the core.
    fn check(&self) {
        let ctx = self.ctx;
        // SAFETY: everything reachable from a live context is valid between
        // API calls (the shim's invariant 3, which this checks).
        unsafe {
            let pkgs = elements(&raw mut (*ctx).root);
            for (pi, &pe) in pkgs.iter().enumerate() {
                assert_eq!((*pe).type_, UCI_TYPE_PACKAGE);
                let p = pe.cast::<uci_package>();
                assert!(ptr::eq((*p).ctx, ctx));
                let pname = bytes((*pe).name).expect("package name").to_vec();
                let _ = bytes((*p).path);
                let secs = elements(&raw mut (*p).sections);
                for &se in &secs {
                    assert_eq!((*se).type_, UCI_TYPE_SECTION);
                    let s = se.cast::<uci_section>();
                    assert!(ptr::eq((*s).package, p), "section's package");
                    bytes((*se).name).expect("section name");
                    bytes((*s).type_).expect("section type");
                    for oe in elements(&raw mut (*s).options) {
                        assert_eq!((*oe).type_, UCI_TYPE_OPTION);
                        let o = oe.cast::<uci_option>();
                        assert!(ptr::eq((*o).section, s), "option's section");
                        bytes((*oe).name).expect("option name");
                        match (*o).type_ {
                            UCI_TYPE_STRING => {
                                bytes((*o).v.string).expect("option value");
                            }
                            UCI_TYPE_LIST => {
                                for ie in elements(&raw mut (*o).v.list) {
                                    assert_eq!((*ie).type_, UCI_TYPE_ITEM);
                                    bytes((*ie).name).expect("list item");
                                }
                            }
                            t => panic!("option type {t}"),
                        }
                    }
                }
                for head in [&raw mut (*p).delta, &raw mut (*p).saved_delta] {
                    for de in elements(head) {
                        assert_eq!((*de).type_, UCI_TYPE_DELTA);
                        let d = de.cast::<uci_delta>();
                        assert!((*d).cmd <= __UCI_CMD_LAST);
                        bytes((*d).section).expect("delta section");
                        let _ = (bytes((*de).name), bytes((*d).value));
                    }
                }
                // the core agrees: the first package of a name answers lookups
                let first_pkg = pkgs.iter().position(|&q| bytes((*q).name) == Some(&pname[..])) == Some(pi);
                if !first_pkg || !plain(&pname) {
                    continue;
                }
                for (i, &se) in secs.iter().enumerate() {
                    let sname = bytes((*se).name).unwrap_or_default().to_vec();
                    if secs[..i].iter().any(|&x| bytes((*x).name) == Some(&sname[..])) {
                        continue;
                    }
                    let mut found: *mut uci_element = ptr::null_mut();
                    let name = cstring(&sname);
                    let r = uci_lookup_next(ctx, &mut found, &raw mut (*p).sections, name.as_ptr().cast());
                    assert_eq!(r, UCI_OK, "uci_lookup_next finds section {:?}", String::from_utf8_lossy(&sname));
                    assert!(ptr::eq(found, se), "uci_lookup_next finds the first section of its name");
                    if !plain(&sname) {
                        continue;
                    }
                    let mut buf = cstring(&[&pname[..], b".", &sname].concat());
                    let mut ptr_: uci_ptr = core::mem::zeroed();
                    let r = uci_lookup_ptr(ctx, &mut ptr_, buf.as_mut_ptr().cast(), true);
                    assert_eq!(r, UCI_OK);
                    assert!(ptr::eq(ptr_.p, p) && ptr::eq(ptr_.s.cast(), se), "lookup of section {:?}", String::from_utf8_lossy(&sname));
                    assert!(ptr_.flags & UCI_LOOKUP_COMPLETE != 0);
                    let s = se.cast::<uci_section>();
                    let opts = elements(&raw mut (*s).options);
                    for (j, &oe) in opts.iter().enumerate() {
                        let oname = bytes((*oe).name).unwrap_or_default().to_vec();
                        if opts[..j].iter().any(|&x| bytes((*x).name) == Some(&oname[..])) {
                            continue;
                        }
                        // the walk of uci.h's inline uci_lookup_option
                        let mut found: *mut uci_element = ptr::null_mut();
                        let name = cstring(&oname);
                        assert_eq!(uci_lookup_next(ctx, &mut found, &raw mut (*s).options, name.as_ptr().cast()), UCI_OK);
                        assert!(ptr::eq(found, oe), "uci_lookup_next finds the first option of its name");
                        if !plain(&oname) {
                            continue;
                        }
                        let mut buf = cstring(&[&pname[..], b".", &sname, b".", &oname].concat());
                        let mut ptr_: uci_ptr = core::mem::zeroed();
                        let r = uci_lookup_ptr(ctx, &mut ptr_, buf.as_mut_ptr().cast(), true);
                        assert_eq!(r, UCI_OK);
                        assert!(ptr::eq(ptr_.o.cast(), oe), "lookup of option {:?}", String::from_utf8_lossy(&oname));
                        assert!(ptr::eq(ptr_.last, oe));
                    }
                }
            }
        }
    }

    /// `uci_lookup_ptr` (or `uci_parse_ptr` with `parse`) on a fresh C copy
    /// of `tuple`; the buffer stays alive with the ptr that points into it.
    fn resolve(&self, tuple: &[u8], parse: bool) -> (c_int, uci_ptr, Vec<u8>) {
        let mut buf = cstring(tuple);
        // SAFETY: a zeroed uci_ptr is the documented initial state; `buf`
        // is a writable C string kept by the caller as long as the ptr.
        unsafe {
            let mut p: uci_ptr = core::mem::zeroed();
            let r = if parse {
                uci_parse_ptr(self.ctx, &mut p, buf.as_mut_ptr().cast())
            } else {
                uci_lookup_ptr(self.ctx, &mut p, buf.as_mut_ptr().cast(), true)
            };
            (r, p, buf)
        }
    }

    /// Reads what a lookup found, as `uci get` prints it.
    fn read(&self, p: &uci_ptr) {
        // SAFETY: a successful lookup leaves live objects (or NULL) in the ptr.
        unsafe {
            if !p.o.is_null() {
                match (*p.o).type_ {
                    UCI_TYPE_STRING => {
                        bytes((*p.o).v.string).expect("value");
                    }
                    _ => {
                        for ie in elements(&raw mut (*p.o).v.list) {
                            bytes((*ie).name).expect("item");
                        }
                    }
                }
            } else if !p.s.is_null() {
                bytes((*p.s).type_).expect("type");
            }
            if !p.last.is_null() {
                bytes((*p.last).name);
            }
            for s in [p.package, p.section, p.option, p.value] {
                let _ = bytes(s);
            }
        }
    }

    /// Imports `conf` merging into package `p` (or as new packages).
    fn import(&self, conf: &[u8], name: Option<&CStr>, p: *mut uci_package, single: bool) -> *mut uci_package {
        let f = stream(conf);
        if f.is_null() {
            return ptr::null_mut();
        }
        let mut pkg = p;
        // SAFETY: live context, open stream, `pkg` writable.
        unsafe {
            uci_import(self.ctx, f, name.map_or(ptr::null(), CStr::as_ptr), &mut pkg, single);
            libc::fclose(f);
        }
        pkg
    }

    /// Exports `p` (everything when NULL) to a memory stream.
    fn export(&self, p: *mut uci_package) {
        let mut buf: *mut c_char = ptr::null_mut();
        let mut len: libc::size_t = 0;
        // SAFETY: open_memstream gives a stream writing to `buf`, freed after fclose.
        unsafe {
            let f = libc::open_memstream(&mut buf, &mut len);
            assert!(!f.is_null());
            let r = uci_export(self.ctx, f, p, true);
            libc::fclose(f);
            assert!(r == UCI_OK || r == UCI_ERR_INVAL, "uci_export: {r}");
            libc::free(buf.cast());
        }
    }

    /// One script line.
    fn run(&self, words: &[Vec<u8>], conf: &[u8]) {
        let Some(cmd) = words.first() else { return };
        if words.iter().any(|w| w.contains(&b'/')) {
            return;
        }
        let arg = words.get(1).map(Vec::as_slice).unwrap_or_default();
        let ctx = self.ctx;
        // SAFETY: live context; every ptr passed comes from a lookup made
        // just before, whose buffer is still alive.
        unsafe {
            match &cmd.to_ascii_lowercase()[..] {
                b"set" | b"add_list" | b"del_list" | b"delete" | b"rename" | b"revert" => {
                    let (r, mut p, _buf) = self.resolve(arg, self.use_parse_ptr);
                    self.err();
                    if r != UCI_OK {
                        return;
                    }
                    if self.by_object && !self.use_parse_ptr {
                        // as C programs fill it: the objects found, the names
                        // of what was not, the value; no lookup flags
                        let mut q: uci_ptr = core::mem::zeroed();
                        q.p = p.p;
                        q.s = p.s;
                        q.o = p.o;
                        q.section = if p.s.is_null() { p.section } else { ptr::null() };
                        q.option = p.option;
                        q.value = p.value;
                        p = q;
                    }
                    let r = match &cmd.to_ascii_lowercase()[..] {
                        b"set" => uci_set(ctx, &mut p),
                        b"add_list" => uci_add_list(ctx, &mut p),
                        b"del_list" => uci_del_list(ctx, &mut p),
                        b"delete" => uci_delete(ctx, &mut p),
                        b"rename" => uci_rename(ctx, &mut p),
                        _ => uci_revert(ctx, &mut p),
                    };
                    assert_ne!(r, UCI_ERR_UNKNOWN, "the shim's panic guard caught something");
                    if r == UCI_OK && matches!(&cmd.to_ascii_lowercase()[..], b"set" | b"add_list" | b"del_list" | b"rename") {
                        // what the edit left in the ptr is live
                        if !p.o.is_null() {
                            assert!(ptr::eq((*p.o).section, p.s), "ptr->o is an option of ptr->s");
                            bytes((*p.o).e.name).expect("option name");
                        }
                        if !p.s.is_null() {
                            bytes((*p.s).e.name).expect("section name");
                            bytes((*p.s).type_).expect("section type");
                        }
                    }
                }
                b"reorder" => {
                    let (r, p, _buf) = self.resolve(arg, false);
                    if r == UCI_OK && !p.s.is_null() {
                        let pos = bytes(p.value).and_then(|v| std::str::from_utf8(v).ok()?.parse::<c_int>().ok()).unwrap_or(0);
                        uci_reorder_section(ctx, p.s, pos);
                    }
                }
                b"add" => {
                    let (r, p, _buf) = self.resolve(arg, false);
                    let t = cstring(words.get(2).map(Vec::as_slice).unwrap_or_default());
                    if r == UCI_OK && !p.p.is_null() {
                        let mut s: *mut uci_section = ptr::null_mut();
                        if uci_add_section(ctx, p.p, t.as_ptr().cast(), &mut s) == UCI_OK {
                            bytes((*s).e.name).expect("new section's name");
                        }
                    }
                }
                b"import" | b"save" | b"commit" | b"unload" | b"export" => {
                    let (r, mut p, _buf) = self.resolve(arg, false);
                    if r != UCI_OK || p.p.is_null() {
                        self.err();
                        return;
                    }
                    match &cmd.to_ascii_lowercase()[..] {
                        b"import" => {
                            self.import(conf, None, p.p, true);
                        }
                        b"save" => {
                            uci_save(ctx, p.p);
                        }
                        b"commit" => {
                            uci_commit(ctx, &mut p.p, self.flags_overwrite);
                        }
                        b"unload" => {
                            uci_unload(ctx, p.p);
                        }
                        _ => self.export(p.p),
                    }
                }
                b"load" => {
                    let name = cstring(arg);
                    let mut p: *mut uci_package = ptr::null_mut();
                    uci_load(ctx, name.as_ptr().cast(), &mut p);
                }
                b"changes" => {
                    for pe in elements(&raw mut (*ctx).root) {
                        let p = pe.cast::<uci_package>();
                        for de in elements(&raw mut (*p).delta).into_iter().chain(elements(&raw mut (*p).saved_delta)) {
                            let d = de.cast::<uci_delta>();
                            let _ = (bytes((*d).section), bytes((*d).value), bytes((*de).name));
                        }
                    }
                }
                _ => {
                    let t = if cmd.eq_ignore_ascii_case(b"get") || cmd.eq_ignore_ascii_case(b"show") { arg } else { cmd };
                    let (r, p, _buf) = self.resolve(t, false);
                    if r == UCI_OK {
                        self.read(&p);
                    }
                }
            }
        }
        self.err();
        self.check();
    }

    /// Runs the script read by `uci_parse_argument` from `script`.
    fn script(&self, script: &[u8], conf: &[u8]) {
        let f = stream(script);
        if f.is_null() {
            return;
        }
        // SAFETY: live context and open stream; the words point into the
        // shim's line buffer and are copied before the next call.
        unsafe {
            for _ in 0..MAX_LINES {
                if libc::feof(f) != 0 {
                    break;
                }
                let mut s: *mut c_char = ptr::null_mut();
                let mut words = Vec::new();
                let mut ok = true;
                while words.len() < MAX_WORDS {
                    let mut word: *mut c_char = ptr::null_mut();
                    if uci_parse_argument(self.ctx, f, &mut s, &mut word) != UCI_OK {
                        ok = false;
                        break;
                    }
                    let w = bytes(word).expect("a word");
                    if w.is_empty() {
                        break;
                    }
                    words.push(w.to_vec());
                }
                self.err();
                if ok {
                    self.run(&words, conf);
                }
            }
            libc::fclose(f);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else { return };
    let (conf, script) = match input.iter().position(|&c| c == 0) {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[][..]),
    };
    let sb = sandbox();
    sb.reset(&[("network", NETWORK), ("system", SYSTEM)]);
    let ro = sb.scratch.join("no-deltas");

    let ctx = uci_alloc_context();
    assert!(!ctx.is_null());
    let api = Api { ctx, flags_overwrite: mode & 0x40 != 0, use_parse_ptr: mode & 0x20 != 0, by_object: mode & 0x80 != 0 };
    // SAFETY: `ctx` is live until uci_free_context; the path element names
    // are malloc'ed strings the shim frees with free().
    unsafe {
        let confdir = cstring(sb.confdir.as_os_str().as_bytes());
        let savedir = cstring(sb.savedir.as_os_str().as_bytes());
        assert_eq!(uci_set_confdir(ctx, confdir.as_ptr().cast()), UCI_OK);
        assert_eq!(uci_set_savedir(ctx, savedir.as_ptr().cast()), UCI_OK);
        for e in elements(&raw mut (*ctx).delta_path) {
            if bytes((*e).name) == Some(b"/tmp/.uci") {
                libc::free((*e).name.cast());
                (*e).name = libc::strdup(cstring(ro.as_os_str().as_bytes()).as_ptr().cast());
            }
        }
        if mode & 4 != 0 {
            (*ctx).flags &= !UCI_FLAG_STRICT;
        }
        if mode & 8 != 0 {
            (*ctx).flags |= UCI_FLAG_EXPORT_NAME;
        }

        let name = (mode & 2 != 0).then_some(c"fuzz");
        api.import(conf, name, ptr::null_mut(), mode & 1 != 0);
        api.err();
        api.check();
        api.script(script, conf);

        if mode & 0x10 != 0 {
            for pe in elements(&raw mut (*ctx).root) {
                let mut p = pe.cast::<uci_package>();
                if bytes((*pe).name).is_some_and(|n| n.contains(&b'/')) {
                    continue;
                }
                uci_save(ctx, p);
                uci_commit(ctx, &mut p, api.flags_overwrite);
                api.err();
            }
            api.check();
        }
        api.export(ptr::null_mut());
        let mut list: *mut *mut c_char = ptr::null_mut();
        if uci_list_configs(ctx, &mut list) == UCI_OK {
            let mut i = 0;
            while !(*list.add(i)).is_null() {
                bytes(*list.add(i));
                i += 1;
            }
            libc::free(list.cast());
        }
        uci_free_context(ctx);
    }
});
