//! The config parser (file-format.md §2–§6), strict and non-strict, as
//! `uci_load` reads one package and as `uci import` reads a stream of
//! `package` statements.
//!
//! Checks beyond "no panic, no hang":
//! * a parsed package obeys the name rules and its section index agrees
//!   with a linear scan (`model::check_parsed`);
//! * loading one package non-strictly never fails (every error is a parse
//!   error, reported and skipped);
//! * where strict parsing succeeds, non-strict parsing gives the same model;
//! * a multi-package import fails only with a parse error or `Duplicate
//!   entry`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ucix::error::ErrorCode;
use ucix_fuzz::model::{check_parsed, compare, parse, parse_multi};

fuzz_target!(|data: &[u8]| {
    let strict = parse(data, b"fuzz", true);
    let lax = parse(data, b"fuzz", false).expect("non-strict load of one package cannot fail");
    check_parsed(&lax);
    match strict {
        Ok(p) => {
            check_parsed(&p);
            compare(&p, &lax, true).expect("strict and non-strict parses differ");
            assert_eq!(p.n_section, lax.n_section);
        }
        Err(code) => assert_eq!(code, ErrorCode::Parse),
    }
    for strict in [true, false] {
        let (packages, result) = parse_multi(data, strict);
        for p in &packages {
            check_parsed(p);
        }
        if let Err(code) = result {
            assert!(matches!(code, ErrorCode::Parse | ErrorCode::Duplicate), "import failed with {code:?}");
            assert!(!strict || code == ErrorCode::Parse || code == ErrorCode::Duplicate);
        }
    }
});
