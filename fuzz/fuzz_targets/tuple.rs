//! Tuples `<config>.<section>.<option>=<value>` and `@type[n]` (cli.md §3,
//! libuci-abi.md §6.9–§6.10), resolved against the `network` example, then
//! handed to every mutation rule of `ucix::edit`, as the CLI does.
//!
//! Checks beyond "no panic":
//! * a tuple that parses is exactly its parts joined by `.` and `=`;
//! * resolution leaves indexes inside the package, and a complete lookup
//!   names what it found; after an edit the indexes are still in bounds;
//! * a package changed by the edit rules still exports, and its recorded
//!   changes re-serialise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucix::delta;
use ucix::edit;
use ucix::lookup::{self, parse_spans, Ptr};
use ucix::model::Package;
use ucix_fuzz::model::parse;
use ucix_fuzz::NETWORK;

thread_local! {
    static NETWORK_PKG: Package = {
        let mut p = parse(NETWORK, b"network", true).expect("the example parses");
        p.has_delta = true;
        p
    };
}

fn check_bounds(p: &Package, ptr: &Ptr) {
    if let Some(si) = ptr.s {
        assert!(si < p.sections.len());
        if let Some(oi) = ptr.o {
            assert!(oi < p.sections[si].options.len());
        }
    }
}

fn check_resolved(p: &Package, ptr: &Ptr) {
    check_bounds(p, ptr);
    if ptr.complete() && ptr.section.is_some() {
        let si = ptr.s.expect("complete lookup of a section has its index");
        assert_eq!(Some(&p.sections[si].name[..]), ptr.section.as_deref());
        if let Some(o) = &ptr.option {
            let oi = ptr.o.expect("complete lookup of an option has its index");
            assert_eq!(&p.sections[si].options[oi].name, o);
        }
    }
}

fuzz_target!(|data: &[u8]| NETWORK_PKG.with(|base| run(base, data)));

fn run(base: &Package, data: &[u8]) {
    let Ok(sp) = parse_spans(data) else {
        assert!(Ptr::parse(data).is_err());
        return;
    };
    let mut joined = data[sp.package.clone()].to_vec();
    for r in [&sp.section, &sp.option].into_iter().flatten() {
        joined.push(b'.');
        joined.extend_from_slice(&data[r.clone()]);
    }
    if let Some(v) = &sp.value {
        joined.push(b'=');
        joined.extend_from_slice(&data[v.clone()]);
    }
    assert_eq!(joined, data);

    let parsed = Ptr::parse(data).expect("spans parsed");
    if let Some(sec) = &parsed.section {
        let _ = lookup::parse_extended(sec);
    }
    for extended in [false, true] {
        let mut ptr = parsed.clone();
        if lookup::resolve(base, &mut ptr, extended).is_ok() {
            check_resolved(base, &ptr);
        }
    }

    let mut ptr = parsed.clone();
    if lookup::resolve(base, &mut ptr, true).is_err() {
        return;
    }
    for op in 0..6 {
        let mut p = base.clone();
        let mut ptr = ptr.clone();
        let r = match op {
            0 => edit::set(&mut p, &mut ptr, false).map(|_| ()),
            1 => edit::delete_ex(&mut p, &mut ptr, false).map(|_| ()),
            2 => edit::add_list(&mut p, &mut ptr, false).map(|_| ()),
            3 => edit::del_list(&mut p, &mut ptr, false).map(|_| ()),
            4 => edit::rename(&mut p, &mut ptr, false).map(|_| ()),
            _ => match (ptr.s, &ptr.value) {
                (Some(si), Some(v)) => edit::reorder(&mut p, si, delta::strtoul_int(v), false).map(|_| ()),
                _ => Ok(()),
            },
        };
        // reorder takes a section index and leaves the pointer as it was
        if r.is_ok() && op != 5 {
            check_bounds(&p, &ptr);
        }
        let mut out = Vec::new();
        ucix::write::export(&mut out, &p, true, true);
        for d in &p.delta {
            out.clear();
            delta::format_line(&mut out, b"network", d);
        }
    }
}
