//! Property tests of the config and delta formats, on the library:
//!
//! * `generated_text_parses_to_its_model`: config text written with random
//!   quoting styles, keyword spellings, whitespace and comments parses
//!   (strictly and non-strictly) to exactly the model it was written from;
//! * `parse_export_parse_is_identity`: for such packages, parse → export →
//!   parse gives the same model (with and without `-n` names, anonymous
//!   names and flags included), and export output is a fixed point;
//! * `export_is_a_fixed_point_on_arbitrary_text`: any text (from a
//!   config-like alphabet) that parses non-strictly exports to a fixed
//!   point;
//! * `delta_lines_round_trip`: every change re-reads from its delta line.
//!
//! Section types are written unquoted by export (file-format.md §8, as the
//! original does); a type containing one of `' " \ # ;` therefore does not
//! read back, and the identity is checked for the other types only.

use proptest::prelude::*;
use ucix::delta::{self, Cmd, Delta};
use ucix::model::naming::anonymous_name;
use ucix::model::{Opt, Package, Section, Value};
use ucix::syntax::statement::parse_package;
use ucix::syntax::{Pctx, Stream};
use ucix::write::export;

// ---------------------------------------------------------------------------
// a model, and config text that spells it
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Sec {
    stype: Vec<u8>,
    name: Option<Vec<u8>>,
    options: Vec<(Vec<u8>, Value)>,
}

/// How one piece of an argument is written.
#[derive(Debug, Clone, Copy)]
enum Style {
    Single,
    Double,
    Escaped,
    Plain,
}

/// Bytes that end or change an unquoted word.
fn special(c: u8) -> bool {
    ucix::syntax::is_space(c) || matches!(c, b'\'' | b'"' | b'\\' | b'#' | b';')
}

/// Writes `piece` in `style`, falling back to a style that can hold it.
fn encode_piece(out: &mut Vec<u8>, piece: &[u8], style: Style) {
    match style {
        Style::Plain if !piece.iter().any(|&c| special(c)) => out.extend_from_slice(piece),
        // a backslash before LF (or CR LF at the end of the line) continues the line
        Style::Escaped | Style::Plain if !piece.iter().any(|&c| c == b'\n' || c == b'\r') => {
            for &c in piece {
                if special(c) {
                    out.push(b'\\');
                }
                out.push(c);
            }
        }
        Style::Single if !piece.contains(&b'\'') => {
            out.push(b'\'');
            out.extend_from_slice(piece);
            out.push(b'\'');
        }
        _ => {
            out.push(b'"');
            for &c in piece {
                if c == b'"' || c == b'\\' {
                    out.push(b'\\');
                }
                out.push(c);
            }
            out.push(b'"');
        }
    }
}

/// Writes one argument: the value cut into pieces, each in its own style.
fn encode_arg(out: &mut Vec<u8>, value: &[u8], cuts: &[(u8, Style)]) {
    if value.is_empty() {
        out.extend_from_slice(if cuts.first().is_some_and(|c| c.0 & 1 == 0) { b"''" } else { b"\"\"" });
        return;
    }
    let mut rest = value;
    let mut i = 0;
    while !rest.is_empty() {
        let (len, style) = cuts.get(i).map_or((rest.len(), Style::Double), |&(n, s)| (n as usize % 8 + 1, s));
        let (piece, tail) = rest.split_at(len.min(rest.len()));
        encode_piece(out, piece, style);
        rest = tail;
        i += 1;
    }
}

/// Layout choices for the text: separators, keyword spelling, comments.
#[derive(Debug, Clone)]
struct Layout {
    cuts: Vec<(u8, Style)>,
    noise: Vec<u8>,
}

impl Layout {
    fn pick(&self, i: usize) -> u8 {
        self.noise.get(i % self.noise.len().max(1)).copied().unwrap_or(0)
    }
}

fn write_text(secs: &[Sec], layout: &Layout) -> Vec<u8> {
    let mut out = Vec::new();
    let mut k = 0;
    let mut next = || {
        k += 1;
        k
    };
    let sep = |out: &mut Vec<u8>, n: u8| out.extend_from_slice([&b" "[..], b"\t", b"  ", b" \t "][n as usize % 4]);
    let cuts = |n: usize| &layout.cuts[n % layout.cuts.len().max(1)..];
    for s in secs {
        let n = layout.pick(next());
        if n % 5 == 0 {
            out.extend_from_slice(b"# a comment 'with' \"quotes\"\n");
        }
        if n % 7 == 0 {
            out.extend_from_slice(b"\n \t\n");
        }
        out.extend_from_slice(if n % 2 == 0 { b"config" } else { b"c" });
        sep(&mut out, layout.pick(next()));
        encode_arg(&mut out, &s.stype, cuts(next()));
        if let Some(name) = &s.name {
            sep(&mut out, layout.pick(next()));
            encode_arg(&mut out, name, cuts(next()));
        }
        if layout.pick(next()) % 4 == 0 {
            out.extend_from_slice(b" # trailing comment");
        }
        out.push(b'\n');
        for (name, value) in &s.options {
            let lines: Vec<(&[u8], &[u8])> = match value {
                Value::Str(v) => vec![(b"option", v)],
                Value::List(items) => items.iter().map(|i| (&b"list"[..], &i[..])).collect(),
            };
            for (kw, v) in lines {
                let n = layout.pick(next());
                out.extend_from_slice([&b"\t"[..], b"", b"    ", b" \t"][n as usize % 4]);
                out.extend_from_slice(if n % 3 == 0 { &kw[..1] } else { kw });
                sep(&mut out, layout.pick(next()));
                encode_arg(&mut out, name, cuts(next()));
                sep(&mut out, layout.pick(next()));
                encode_arg(&mut out, v, cuts(next()));
                out.push(b'\n');
            }
        }
    }
    out
}

/// The package that `secs` describes, as the parser must build it.
fn expected(secs: &[Sec]) -> Package {
    let mut p = Package::new(b"prop");
    for (i, s) in secs.iter().enumerate() {
        let (name, anonymous) = match &s.name {
            Some(n) => (n.into(), false),
            None => (anonymous_name(i as u32 + 1, &s.stype), true),
        };
        let options = s.options.iter().map(|(n, v)| Opt { name: n.clone().into(), value: v.clone() }).collect();
        p.sections.push(Section { name: name.into(), stype: s.stype.clone().into(), anonymous, options });
    }
    p.n_section = secs.len() as u32;
    p
}

// ---------------------------------------------------------------------------
// strategies
// ---------------------------------------------------------------------------

fn value_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        6 => 0x20u8..0x7f,
        3 => prop::sample::select(b"'\"\\#;$`(){}|&<>*?~!\t\n\r =.".to_vec()),
        1 => 0x80u8..=0xff,
        1 => 1u8..0x20,
    ]
}

fn value(min: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(value_byte(), min..16)
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    "[A-Za-z0-9_]{1,8}".prop_map(String::into_bytes)
}

/// Types: printable ASCII without space; mostly without the bytes that do
/// not read back unquoted.
fn stype() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "[a-z][a-z0-9_.-]{0,9}".prop_map(String::into_bytes),
        1 => prop::collection::vec(33u8..127, 1..8),
    ]
}

fn option_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        value(1).prop_map(|v| Value::Str(v.into())),
        prop::collection::vec(value(0), 1..4).prop_map(|l| Value::List(l.into_iter().map(Into::into).collect())),
    ]
}

fn section() -> impl Strategy<Value = Sec> {
    (stype(), prop::option::weighted(0.6, name()), prop::collection::vec((name(), option_value()), 0..5)).prop_map(
        |(stype, name, mut options)| {
            let mut seen = std::collections::HashSet::new();
            options.retain(|(n, _)| seen.insert(n.clone()));
            Sec { stype, name, options }
        },
    )
}

fn sections() -> impl Strategy<Value = Vec<Sec>> {
    prop::collection::vec(section(), 0..6).prop_map(|mut secs| {
        let mut seen = std::collections::HashSet::new();
        for s in &mut secs {
            if let Some(n) = &s.name {
                if !seen.insert(n.clone()) {
                    s.name = None;
                }
            }
        }
        secs
    })
}

fn layout() -> impl Strategy<Value = Layout> {
    let style = prop_oneof![Just(Style::Single), Just(Style::Double), Just(Style::Escaped), Just(Style::Plain)];
    (prop::collection::vec((any::<u8>(), style), 1..12), prop::collection::vec(any::<u8>(), 1..16))
        .prop_map(|(cuts, noise)| Layout { cuts, noise })
}

// ---------------------------------------------------------------------------
// checks
// ---------------------------------------------------------------------------

fn parse(text: &[u8], strict: bool) -> Result<Package, String> {
    parse_package(text, b"prop", strict).map_err(|(e, p)| {
        format!("{e} ({}) at line {}, byte {}", p.reason.unwrap_or("unknown"), p.line, p.byte)
    })
}

/// Sections equal, anonymous flags included when `anonymous`.
fn same(a: &Package, b: &Package, anonymous: bool) -> Result<(), String> {
    let strip = |p: &Package| -> Vec<Section> {
        p.sections
            .iter()
            .map(|s| Section { anonymous: anonymous && s.anonymous, ..s.clone() })
            .collect()
    };
    if strip(a) == strip(b) {
        Ok(())
    } else {
        Err(format!("models differ:\n  {:?}\n  {:?}", a.sections, b.sections))
    }
}

fn reads_back(p: &Package) -> bool {
    p.sections.iter().all(|s| !s.stype.iter().any(|c| matches!(c, b'\'' | b'"' | b'\\' | b'#' | b';')))
}

fn show(text: &[u8]) -> String {
    String::from_utf8_lossy(text).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_text_parses_to_its_model(secs in sections(), layout in layout()) {
        let text = write_text(&secs, &layout);
        let want = expected(&secs);
        for strict in [true, false] {
            let got = parse(&text, strict).map_err(|e| TestCaseError::fail(format!("{e}\n{}", show(&text))))?;
            same(&want, &got, true).map_err(|e| TestCaseError::fail(format!("{e}\n{}", show(&text))))?;
            prop_assert_eq!(got.n_section, want.n_section);
        }
    }

    #[test]
    fn parse_export_parse_is_identity(secs in sections(), layout in layout()) {
        let p = parse(&write_text(&secs, &layout), true).map_err(TestCaseError::fail)?;
        prop_assume!(reads_back(&p));
        // without names: anonymous sections get the same generated names again
        let mut text = Vec::new();
        export(&mut text, &p, false, false);
        let q = parse(&text, true).map_err(|e| TestCaseError::fail(format!("{e}\n{}", show(&text))))?;
        same(&p, &q, true).map_err(|e| TestCaseError::fail(format!("{e}\n{}", show(&text))))?;
        let mut again = Vec::new();
        export(&mut again, &q, false, false);
        prop_assert_eq!(show(&text), show(&again));
        // with names (`-n`): every section named, same content
        let mut named = Vec::new();
        export(&mut named, &p, true, true);
        let r = parse(&named, true).map_err(|e| TestCaseError::fail(format!("{e}\n{}", show(&named))))?;
        same(&p, &r, false).map_err(|e| TestCaseError::fail(format!("{e}\n{}", show(&named))))?;
        let mut again = Vec::new();
        export(&mut again, &r, true, true);
        prop_assert_eq!(show(&named), show(&again));
    }

    #[test]
    fn export_is_a_fixed_point_on_arbitrary_text(words in prop::collection::vec(prop_oneof![
        Just(b"config ".to_vec()), Just(b"option ".to_vec()), Just(b"list ".to_vec()),
        Just(b"package ".to_vec()), Just(b"\n".to_vec()), Just(b"'".to_vec()), Just(b"\"".to_vec()),
        Just(b"\\".to_vec()), Just(b"#".to_vec()), Just(b";".to_vec()), Just(b"\t".to_vec()),
        Just(b"\r\n".to_vec()), Just(b"\0".to_vec()), name().prop_map(|mut n| { n.push(b' '); n }),
        value(1),
    ], 0..40)) {
        let text = words.concat();
        let p = parse(&text, false).map_err(TestCaseError::fail)?;
        prop_assume!(reads_back(&p));
        let generated_like = p.sections.iter().any(|s| !s.anonymous && s.name.starts_with(b"cfg") && s.name.len() >= 9);
        prop_assume!(!generated_like);
        let mut out = Vec::new();
        export(&mut out, &p, false, false);
        let q = parse(&out, true).map_err(|e| TestCaseError::fail(format!("{e}\n{}", show(&out))))?;
        let mut again = Vec::new();
        export(&mut again, &q, false, false);
        prop_assert_eq!(show(&out), show(&again));
    }

    #[test]
    fn delta_lines_round_trip(
        cmd in prop::sample::select(vec![Cmd::Add, Cmd::Remove, Cmd::Change, Cmd::Rename, Cmd::Reorder, Cmd::ListAdd, Cmd::ListDel]),
        section in name(),
        option in prop::option::of(name()),
        value in prop::collection::vec(prop_oneof![8 => 0x20u8..=0xff, 1 => Just(b'\t'), 1 => Just(b'\n'), 1 => Just(b'\r')], 0..16),
        newname in name(),
        remove_value in any::<bool>(),
    ) {
        let option = match cmd {
            Cmd::Reorder | Cmd::Add => None,
            Cmd::ListAdd | Cmd::ListDel => Some(option.unwrap_or_else(|| b"o".to_vec())),
            _ => option,
        };
        let value = match cmd {
            Cmd::Rename => Some(newname),
            Cmd::Remove if !remove_value => None,
            _ => Some(value),
        };
        let d = Delta { cmd, section, option, value };
        let mut line = Vec::new();
        delta::format_line(&mut line, b"net-work_1", &d);
        let mut r = Stream::from_bytes(&line);
        let mut pctx = Pctx::new();
        pctx.start_line(&mut r);
        let parsed = delta::parse_line(&mut pctx, &mut r).map_err(|e| TestCaseError::fail(format!("{e}: {}", show(&line))))?;
        prop_assert_eq!(&parsed.package, b"net-work_1");
        prop_assert_eq!(parsed.delta, d);
    }
}
