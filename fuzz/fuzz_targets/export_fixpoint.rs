//! Export round trip (file-format.md §8): parse → export → parse is the
//! identity on the model, and export output is a fixed point.
//!
//! The input is config text, parsed strictly when its first byte is even and
//! non-strictly otherwise. For every package that parses:
//! * export with names (`-n`) reads back, strictly, as the same sections,
//!   types and options in the same order, and exporting that gives the same
//!   text again;
//! * export without names is a fixed point (export → parse → export).
//!
//! Preconditions, each an inherited property of the format rather than a
//! bug: section types are written unquoted, so a type containing one of
//! `' " \ # ;` does not read back (`model::type_reads_back`); repeated
//! section names merge on re-read when written out; a named section called
//! like a generated name can collide with an anonymous one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucix::write::export;
use ucix_fuzz::model::{compare, has_generated_like_name, parse, type_reads_back, unique_names};

fuzz_target!(|data: &[u8]| {
    let strict = data.first().is_some_and(|b| b & 1 == 0);
    let Ok(p) = parse(data, b"fuzz", strict) else { return };
    if !p.sections.iter().all(|s| type_reads_back(&s.stype)) {
        return;
    }

    if unique_names(&p) {
        let mut named = Vec::new();
        export(&mut named, &p, false, true);
        let q = parse(&named, b"fuzz", true).unwrap_or_else(|e| {
            panic!("export -n output does not parse ({e:?}):\n{}", String::from_utf8_lossy(&named))
        });
        if let Err(d) = compare(&p, &q, false) {
            panic!("export -n does not read back: {d}\n{}", String::from_utf8_lossy(&named));
        }
        let mut again = Vec::new();
        export(&mut again, &q, false, true);
        assert_eq!(named, again, "export -n is not a fixed point");
    }

    if !has_generated_like_name(&p) {
        let mut text = Vec::new();
        export(&mut text, &p, false, false);
        let q = parse(&text, b"fuzz", true).unwrap_or_else(|e| {
            panic!("export output does not parse ({e:?}):\n{}", String::from_utf8_lossy(&text))
        });
        let mut again = Vec::new();
        export(&mut again, &q, false, false);
        assert_eq!(
            String::from_utf8_lossy(&text),
            String::from_utf8_lossy(&again),
            "export is not a fixed point"
        );
    }
});
