//! The `uci` commands (cli.md §2, §4).

use std::io::Write;

use super::Session;
use crate::delta;
use crate::edit::{self, Effect};
use crate::error::ErrorCode;
use crate::lookup::{Ptr, Target};
use crate::model::Package;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum C {
    Batch,
    Show,
    Export,
    Commit,
    Changes,
    Import,
    Add,
    AddList,
    DelList,
    Get,
    Set,
    Del,
    Rename,
    Revert,
    Reorder,
    Help,
}

fn command(word: &[u8]) -> Option<C> {
    let w = word.to_ascii_lowercase();
    Some(match &w[..] {
        b"batch" => C::Batch,
        b"show" => C::Show,
        b"export" => C::Export,
        b"commit" => C::Commit,
        b"changes" => C::Changes,
        b"import" => C::Import,
        b"add" => C::Add,
        b"add_list" => C::AddList,
        b"del_list" => C::DelList,
        b"get" => C::Get,
        b"set" => C::Set,
        b"delete" | b"del" => C::Del,
        b"rename" | b"ren" => C::Rename,
        b"revert" => C::Revert,
        b"reorder" => C::Reorder,
        b"help" => C::Help,
        _ => return None,
    })
}

/// `uci_cmd`: runs one command (argv without the program name). 255 means
/// unknown command or wrong argument count.
pub fn run(s: &mut Session, argv: &[Vec<u8>]) -> i32 {
    let Some(cmd) = command(&argv[0]) else { return 255 };
    match cmd {
        C::Batch if !s.batch => super::batch::run(s),
        C::Batch => 255,
        C::Show | C::Export | C::Commit | C::Changes => package_cmd_all(s, cmd, argv),
        C::Import => import(s, argv),
        C::Add => add(s, argv),
        C::Help => {
            s.usage();
            0
        }
        _ => section_cmd(s, cmd, argv),
    }
}

fn package_cmd_all(s: &mut Session, cmd: C, argv: &[Vec<u8>]) -> i32 {
    if argv.len() > 2 {
        return 255;
    }
    if argv.len() == 2 {
        return package_cmd(s, cmd, &argv[1]);
    }
    match s.ctx.list_configs() {
        Err(e) => {
            s.perror(e.code());
            1
        }
        Ok(names) => {
            if cmd == C::Commit {
                crate::txn::defer_hooks(&mut s.ctx);
            }
            for n in names {
                package_cmd(s, cmd, &n);
            }
            crate::txn::run_deferred_hooks(&mut s.ctx);
            0
        }
    }
}

fn package_cmd(s: &mut Session, cmd: C, tuple: &[u8]) -> i32 {
    let mut ptr = Ptr::default();
    // `uci commit` re-reads the file in the commit: its load parses the
    // file once (no delta files), and the commit reuses that parse
    let looked = if cmd == C::Commit && !s.batch {
        s.ctx.no_cache_record = true;
        s.ctx.lookup_for_commit(&mut ptr, tuple)
    } else {
        s.ctx.lookup(&mut ptr, Some(tuple), true)
    };
    s.ctx.no_cache_record = false;
    let idx = match looked {
        Ok(i) => i,
        Err(e) => {
            s.perror(e.code());
            return 1;
        }
    };
    let mut ret = 0;
    match cmd {
        C::Changes => show_changes(s, idx),
        C::Commit => {
            if !s.nocommit {
                match s.ctx.commit(idx, false) {
                    Ok(_) => {}
                    Err(e) => {
                        s.perror(e.code());
                        ret = 1;
                    }
                }
            }
        }
        C::Export => {
            let mut out = Vec::new();
            let names = s.ctx.flags & crate::store::FLAG_EXPORT_NAME != 0;
            crate::write::export(&mut out, &s.ctx.packages[idx], true, names);
            let _ = s.out.write_all(&out);
        }
        C::Show => {
            if !ptr.complete() {
                s.perror(ErrorCode::NotFound);
                ret = 1;
            } else {
                let mut out = Vec::new();
                let p = &s.ctx.packages[idx];
                match (ptr.target_level(), ptr.s, ptr.o) {
                    (Target::Option, Some(si), Some(oi)) => show_option(s, &mut out, p, si, oi, &p.sections[si].name),
                    (Target::Section, Some(si), _) => show_section(s, &mut out, p, si, &p.sections[si].name),
                    _ => show_package(s, &mut out, p),
                }
                let _ = s.out.write_all(&out);
            }
        }
        _ => {}
    }
    // The package is unloaded after each package command.
    s.ctx.unload_all();
    ret
}

trait Level {
    fn target_level(&self) -> Target;
}

impl Level for Ptr {
    /// The deepest level the lookup resolved to (`ptr.last`).
    fn target_level(&self) -> Target {
        if self.o.is_some() && self.option.is_some() {
            Target::Option
        } else if self.s.is_some() {
            Target::Section
        } else {
            Target::Package
        }
    }
}

fn show_option(s: &Session, out: &mut Vec<u8>, p: &Package, si: usize, oi: usize, sref: &[u8]) {
    crate::write::show::option(out, &s.delimiter, p, si, oi, sref)
}

fn show_section(s: &Session, out: &mut Vec<u8>, p: &Package, si: usize, sref: &[u8]) {
    crate::write::show::section(out, &s.delimiter, p, si, sref)
}

fn show_package(s: &Session, out: &mut Vec<u8>, p: &Package) {
    crate::write::show::package(out, &s.delimiter, s.show_ext, p)
}

fn show_changes(s: &mut Session, idx: usize) {
    let p = &s.ctx.packages[idx];
    let mut out = Vec::new();
    for d in &p.saved_delta {
        delta::format_change(&mut out, &p.name, d);
    }
    let _ = s.out.write_all(&out);
}


fn section_cmd(s: &mut Session, cmd: C, argv: &[Vec<u8>]) -> i32 {
    if argv.len() != 2 {
        return 255;
    }
    if cmd == C::Get && !s.batch {
        if let Some(out) = cached_get(s, &argv[1]) {
            let _ = s.out.write_all(&out);
            return 0;
        }
    }
    let mut ptr = Ptr::default();
    // a load to change the package writes no cache index (stale at once)
    s.ctx.no_cache_record = cmd != C::Get;
    let looked = s.ctx.lookup(&mut ptr, Some(&argv[1]), true);
    s.ctx.no_cache_record = false;
    let idx = match looked {
        Ok(i) => i,
        Err(e) => {
            s.perror(e.code());
            return 1;
        }
    };
    if ptr.value.is_some() && matches!(cmd, C::Get | C::Revert) {
        return 1;
    }
    let p = &mut s.ctx.packages[idx];
    // A batch keeps the package for its next line only if this change,
    // replayed from the delta file, acts on the same section: the first
    // one of its name (see `store::kept`).
    if let Some(si) = ptr.s {
        if p.section_index(&p.sections[si].name) != Some(si) {
            p.forget_origin();
        }
    }
    let delim = s.delimiter.clone();
    let ret: Result<Effect, ErrorCode> = match cmd {
        C::Get => {
            if !ptr.complete() {
                s.perror(ErrorCode::NotFound);
                return 1;
            }
            let mut out = Vec::new();
            match (ptr.target_level(), ptr.s, ptr.o) {
                (Target::Option, Some(si), Some(oi)) => crate::write::show::value(&mut out, &delim, &p.sections[si].options[oi].value, false),
                (Target::Section, Some(si), _) => {
                    out.extend_from_slice(&p.sections[si].stype);
                    out.push(b'\n');
                }
                _ => {}
            }
            let _ = s.out.write_all(&out);
            return 0;
        }
        C::Revert => {
            let sec = ptr.section.clone();
            let opt = ptr.option.clone();
            let _ = s.ctx.revert(idx, sec.as_deref(), opt.as_deref());
            return 0;
        }
        C::Rename => edit::rename(p, &mut ptr, false).map_err(|e| e.code()),
        C::Set => edit::set(p, &mut ptr, false).map_err(|e| e.code()),
        C::AddList => edit::add_list(p, &mut ptr, false).map_err(|e| e.code()),
        C::DelList => edit::del_list(p, &mut ptr, false).map_err(|e| e.code()),
        C::Reorder => {
            let (Some(si), Some(v)) = (ptr.s, ptr.value.clone()) else {
                s.perror(ErrorCode::NotFound);
                return 1;
            };
            edit::reorder(p, si, delta::strtoul_int(&v), false).map_err(|e| e.code())
        }
        C::Del => {
            if let Some(v) = &ptr.value {
                if crate::syntax::cnum::sscanf_int(v).is_err() {
                    return 1;
                }
            }
            match edit::delete_ex(p, &mut ptr, false) {
                Ok(Some(e)) => Ok(e),
                Ok(None) => Err(ErrorCode::Ok),
                Err(e) => Err(e.code()),
            }
        }
        _ => return 255,
    };
    let ret = match ret {
        Ok(_) => s.ctx.save(idx).map_err(|e| e.code()),
        Err(e) => Err(e),
    };
    if let Err(code) = ret {
        s.perror(code);
        return 1;
    }
    0
}

/// `get` answered from a valid cache index without loading the package:
/// the output of a successful `get`, or `None` to take the normal path
/// (which also prints every error).
fn cached_get(s: &Session, tuple: &[u8]) -> Option<Vec<u8>> {
    let mut ptr = Ptr::parse(tuple).ok()?;
    let name = ptr.package.clone()?;
    if ptr.value.is_some() || s.ctx.find(&name).is_some() {
        return None;
    }
    crate::txn::recover(&s.ctx);
    let hit = crate::cache::open(&s.ctx, &name)?;
    let idx = &hit.index;
    crate::lookup::resolve(idx, &mut ptr, true).ok()?;
    if !ptr.complete() {
        return None;
    }
    let mut out = Vec::new();
    match (ptr.target_level(), ptr.s, ptr.o) {
        (Target::Option, Some(si), Some(oi)) => crate::write::show::value(&mut out, &s.delimiter, &idx.value(si, oi)?, false),
        (Target::Section, Some(si), _) => {
            out.extend_from_slice(idx.section_type(si)?);
            out.push(b'\n');
        }
        _ => return None,
    }
    if idx.poisoned() {
        return None;
    }
    hit.used();
    Some(out)
}

fn add(s: &mut Session, argv: &[Vec<u8>]) -> i32 {
    if argv.len() != 3 {
        return 255;
    }
    s.ctx.no_cache_record = true;
    let loaded = s.ctx.load(&argv[1]);
    s.ctx.no_cache_record = false;
    let r = loaded.and_then(|idx| {
        let p = &mut s.ctx.packages[idx];
        let si = edit::add_section(p, &argv[2], false);
        let name = p.sections[si].name.clone();
        // a replay of the add must create it, not find one of that name
        if p.section_index(&name) != Some(si) {
            p.forget_origin();
        }
        s.ctx.save(idx).map(|_| name)
    });
    match r {
        Ok(name) => {
            let _ = s.out.write_all(&name);
            let _ = s.out.write_all(b"\n");
            0
        }
        Err(e) => {
            s.perror(e.code());
            e.code() as i32
        }
    }
}

fn import(s: &mut Session, argv: &[Vec<u8>]) -> i32 {
    if argv.len() > 2 {
        return 255;
    }
    let name = argv.get(1).cloned();
    if name.is_none() && s.merge {
        return 255;
    }
    let mut merge = None;
    if s.merge {
        if let Some(n) = &name {
            merge = s.ctx.load(n).ok();
            if let Some(i) = merge {
                // statements merged in are not checked against a replay
                s.ctx.packages[i].forget_origin();
            }
        }
    }
    let input = std::mem::replace(&mut s.input, crate::syntax::Stream::from_bytes(b""));
    let mut input = input;
    let r = s.ctx.import(&mut input, name.as_deref(), merge, name.is_some());
    s.input = input;
    let r = match r {
        Ok(last) => {
            if let (Some(_), Some(i)) = (merge, last) {
                s.ctx.save(i)
            } else {
                let mut res = Ok(());
                let mut i = 0;
                while i < s.ctx.packages.len() {
                    let mut p = std::mem::take(&mut s.ctx.packages[i]);
                    res = s.ctx.commit_package(&mut p, true);
                    s.ctx.packages[i] = p;
                    i += 1;
                }
                res
            }
        }
        Err(e) => Err(e),
    };
    if let Err(e) = r {
        s.perror(e.code());
        return 1;
    }
    0
}
