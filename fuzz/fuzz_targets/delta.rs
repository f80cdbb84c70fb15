//! The delta ("changes") file reader (file-format.md §9.2–§9.4).
//!
//! Input: a delta file, replayed on the `network` example; or
//! `<config text>\n%%\n<delta file>` to replay it on another package named
//! `network`.
//!
//! Checks beyond "no panic, no hang":
//! * every change read back is re-serialised (as `revert` rewrites the file,
//!   and as `save` writes it) to a line that parses back to the same change;
//!   otherwise one rewritten line would block every later revert;
//! * replaying the re-serialised changes on a fresh copy of the package gives
//!   the same package (sections, options, anonymous flags, name counter);
//! * at most as many lines apply as were read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucix::delta::{self, Delta};
use ucix::model::Package;
use ucix::syntax::{Pctx, Stream};
use ucix_fuzz::model::{compare, parse, split};
use ucix_fuzz::NETWORK;

fn base(conf: &[u8]) -> Package {
    let mut p = parse(conf, b"network", false).expect("non-strict load of one package cannot fail");
    p.has_delta = true;
    p
}

fn reparse_one(line: &[u8]) -> Delta {
    let mut r = Stream::from_bytes(line);
    let mut pctx = Pctx::new();
    pctx.start_line(&mut r);
    let parsed = delta::parse_line(&mut pctx, &mut r)
        .unwrap_or_else(|e| panic!("re-serialised line does not parse ({e:?}): {:?}", String::from_utf8_lossy(line)));
    assert!(r.eof() || { pctx.start_line(&mut r); pctx.line_is_empty() }, "one change became several lines");
    assert_eq!(parsed.package, b"network");
    parsed.delta
}

fuzz_target!(|data: &[u8]| {
    let (conf, changes) = match split(data, b"\n%%\n") {
        (c, Some(d)) => (c, d),
        (d, None) => (NETWORK, d),
    };
    let fresh = base(conf);
    let mut p = fresh.clone();
    let applied = delta::replay(&mut p, &mut Stream::from_bytes(changes), true);
    assert!(applied <= p.saved_delta.len());

    let mut file = Vec::new();
    for d in &p.saved_delta {
        let mut line = Vec::new();
        delta::format_line(&mut line, b"network", d);
        assert_eq!(&reparse_one(&line), d);
        file.extend_from_slice(&line);
    }
    let mut q = fresh;
    let applied_again = delta::replay(&mut q, &mut Stream::from_bytes(&file), true);
    assert_eq!(applied, applied_again);
    assert_eq!(p.saved_delta, q.saved_delta);
    compare(&p, &q, true).expect("replaying the re-serialised changes differs");
    assert_eq!(p.n_section, q.n_section);

    // The revert path: parse every line without the package check.
    if let Some(lines) = delta::parse_all(&mut Stream::from_bytes(changes)) {
        let mut out = Vec::new();
        for l in &lines {
            delta::format_line(&mut out, b"network", &l.delta);
        }
        let again = delta::parse_all(&mut Stream::from_bytes(&out)).expect("a rewritten delta file must parse");
        assert_eq!(lines.len(), again.len());
        for (a, b) in lines.iter().zip(&again) {
            assert_eq!(a.delta, b.delta);
        }
    }
});
