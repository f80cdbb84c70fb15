//! Property (issue #5): for random sequences of changes (through the API,
//! commits and reverts, and by editing the files directly: new content,
//! same-size edits, appended or partial delta lines, delta files and
//! overrides appearing and vanishing), loading with the cache gives exactly
//! what loading without it gives, and the mapped index answers every tuple
//! as the loaded package does.
//!
//! One test in this binary: it switches `UCIX_CACHE` in its own environment.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use ucix::cache;
use ucix::lookup::{self, Ptr};
use ucix::model::Package;
use ucix::store::{Context, FLAG_PERROR, FLAG_SAVED_DELTA, FLAG_STRICT};

const SECS: &[&str] = &["lan", "wan", "a", "b"];
const OPTS: &[&str] = &["proto", "ip", "dns", "x"];
const TYPES: &[&str] = &["interface", "rule", "zone"];

/// A section written by `WriteConfig`: type, name, (list?, option, value).
type SectionText = (usize, Option<usize>, Vec<(bool, usize, String)>);

#[derive(Debug, Clone)]
enum Op {
    Set(usize, usize, String),
    SetType(usize, usize),
    AddSection(usize),
    Delete(usize, Option<usize>),
    AddList(usize, usize, String),
    DelList(usize, usize, String),
    Rename(usize, Option<usize>, usize),
    Reorder(usize, i32),
    Commit,
    Revert(Option<usize>),
    WriteConfig(Vec<SectionText>),
    SameSizeEdit(usize),
    AppendDelta(usize, usize, String, bool),
    RemoveDelta,
    ExtraDelta(usize, usize, String),
    RemoveExtra,
    Override(bool),
}

fn value() -> impl Strategy<Value = String> {
    "[a-z0-9 ']{0,5}"
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..SECS.len();
    let o = 0..OPTS.len();
    let t = 0..TYPES.len();
    let section = (t.clone(), proptest::option::of(s.clone()), proptest::collection::vec((any::<bool>(), o.clone(), value()), 0..4));
    prop_oneof![
        4 => (s.clone(), o.clone(), value()).prop_map(|(a, b, v)| Op::Set(a, b, v)),
        2 => (s.clone(), t.clone()).prop_map(|(a, b)| Op::SetType(a, b)),
        2 => t.clone().prop_map(Op::AddSection),
        2 => (s.clone(), proptest::option::of(o.clone())).prop_map(|(a, b)| Op::Delete(a, b)),
        2 => (s.clone(), o.clone(), value()).prop_map(|(a, b, v)| Op::AddList(a, b, v)),
        1 => (s.clone(), o.clone(), value()).prop_map(|(a, b, v)| Op::DelList(a, b, v)),
        1 => (s.clone(), proptest::option::of(o.clone()), s.clone()).prop_map(|(a, b, c)| Op::Rename(a, b, c)),
        1 => (s.clone(), -1..4i32).prop_map(|(a, b)| Op::Reorder(a, b)),
        2 => Just(Op::Commit),
        1 => proptest::option::of(s.clone()).prop_map(Op::Revert),
        2 => proptest::collection::vec(section, 0..5).prop_map(Op::WriteConfig),
        2 => any::<usize>().prop_map(Op::SameSizeEdit),
        3 => (s.clone(), o.clone(), value(), any::<bool>()).prop_map(|(a, b, v, nl)| Op::AppendDelta(a, b, v, nl)),
        1 => Just(Op::RemoveDelta),
        1 => (s.clone(), o.clone(), value()).prop_map(|(a, b, v)| Op::ExtraDelta(a, b, v)),
        1 => Just(Op::RemoveExtra),
        1 => any::<bool>().prop_map(Op::Override),
    ]
}

struct Dirs {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Dirs {
    fn new() -> Dirs {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(&base).unwrap();
        let tmp = tempfile::Builder::new().prefix("cache_prop").tempdir_in(base).unwrap();
        let root = tmp.path().to_path_buf();
        for d in ["config", "delta", "extra", "override"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("config/net"), "config interface 'lan'\n\toption proto 'static'\n").unwrap();
        Dirs { _tmp: tmp, root }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn ctx(&self, flags: u32) -> Context {
        let b = |p: PathBuf| p.to_string_lossy().as_bytes().to_vec();
        let mut c = Context::new();
        c.set_confdir(&b(self.p("config")));
        c.set_conf2dir(Some(&b(self.p("override"))));
        c.savedir = b(self.p("delta"));
        c.delta_path = vec![b(self.p("extra")), b(self.p("delta"))];
        c.flags = flags;
        c
    }
}

fn render(secs: &[SectionText]) -> String {
    let q = |v: &str| v.replace('\'', "'\\''");
    let mut t = String::new();
    for (ty, name, opts) in secs {
        match name {
            Some(n) => t.push_str(&format!("config {} '{}'\n", TYPES[*ty], SECS[*n])),
            None => t.push_str(&format!("config {}\n", TYPES[*ty])),
        }
        for (list, o, v) in opts {
            t.push_str(&format!("\t{} {} '{}'\n", if *list { "list" } else { "option" }, OPTS[*o], q(v)));
        }
    }
    t
}

fn delta_line(s: usize, o: usize, v: &str) -> String {
    format!("net.{}.{}='{}'", SECS[s], OPTS[o], v.replace('\'', "'\\''"))
}

fn api(d: &Dirs, tuple: String, f: impl FnOnce(&mut Package, &mut Ptr) -> ucix::Result<ucix::edit::Effect>) {
    let mut ctx = d.ctx(FLAG_STRICT | FLAG_SAVED_DELTA);
    let mut ptr = Ptr::default();
    if let Ok(i) = ctx.lookup(&mut ptr, Some(tuple.as_bytes()), true) {
        if f(&mut ctx.packages[i], &mut ptr).is_ok() {
            let _ = ctx.save(i);
        }
    }
}

fn apply(d: &Dirs, op: &Op) {
    let net = d.p("config/net");
    match op {
        Op::Set(s, o, v) => api(d, format!("net.{}.{}={v}", SECS[*s], OPTS[*o]), |p, ptr| ucix::edit::set(p, ptr, false)),
        Op::SetType(s, t) => api(d, format!("net.{}={}", SECS[*s], TYPES[*t]), |p, ptr| ucix::edit::set(p, ptr, false)),
        Op::AddSection(t) => {
            let mut ctx = d.ctx(FLAG_STRICT | FLAG_SAVED_DELTA);
            if let Ok(i) = ctx.load(b"net") {
                ucix::edit::add_section(&mut ctx.packages[i], TYPES[*t].as_bytes(), false);
                let _ = ctx.save(i);
            }
        }
        Op::Delete(s, o) => {
            let t = match o {
                Some(o) => format!("net.{}.{}", SECS[*s], OPTS[*o]),
                None => format!("net.{}", SECS[*s]),
            };
            api(d, t, |p, ptr| ucix::edit::delete(p, ptr, false));
        }
        Op::AddList(s, o, v) => api(d, format!("net.{}.{}={v}", SECS[*s], OPTS[*o]), |p, ptr| ucix::edit::add_list(p, ptr, false)),
        Op::DelList(s, o, v) => api(d, format!("net.{}.{}={v}", SECS[*s], OPTS[*o]), |p, ptr| ucix::edit::del_list(p, ptr, false)),
        Op::Rename(s, o, to) => {
            let t = match o {
                Some(o) => format!("net.{}.{}={}", SECS[*s], OPTS[*o], OPTS[*to % OPTS.len()]),
                None => format!("net.{}={}", SECS[*s], SECS[*to]),
            };
            api(d, t, |p, ptr| ucix::edit::rename(p, ptr, false));
        }
        Op::Reorder(s, pos) => api(d, format!("net.{}", SECS[*s]), |p, ptr| match ptr.s {
            Some(si) => ucix::edit::reorder(p, si, *pos, false),
            None => Ok(ucix::edit::Effect::None),
        }),
        Op::Commit => {
            let mut ctx = d.ctx(FLAG_STRICT | FLAG_SAVED_DELTA);
            if let Ok(i) = ctx.load(b"net") {
                let _ = ctx.commit(i, false);
            }
        }
        Op::Revert(s) => {
            let mut ctx = d.ctx(FLAG_STRICT | FLAG_SAVED_DELTA);
            if let Ok(i) = ctx.load(b"net") {
                let _ = ctx.revert(i, s.map(|s| SECS[s].as_bytes()), None);
            }
        }
        Op::WriteConfig(secs) => std::fs::write(&net, render(secs)).unwrap(),
        Op::SameSizeEdit(at) => {
            // change one letter inside a quoted value: same size, still valid
            let mut b = std::fs::read(&net).unwrap_or_default();
            let spots: Vec<usize> = (0..b.len()).filter(|&i| b[i].is_ascii_digit()).collect();
            if !spots.is_empty() {
                let i = spots[at % spots.len()];
                b[i] = if b[i] == b'9' { b'0' } else { b[i] + 1 };
                let m = std::fs::metadata(&net).unwrap().modified().unwrap();
                std::fs::write(&net, &b).unwrap();
                let f = std::fs::OpenOptions::new().write(true).open(&net).unwrap();
                f.set_times(std::fs::FileTimes::new().set_modified(m)).unwrap();
            }
        }
        Op::AppendDelta(s, o, v, newline) => {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(d.p("delta/net")).unwrap();
            let mut l = delta_line(*s, *o, v);
            if *newline {
                l.push('\n');
            }
            f.write_all(l.as_bytes()).unwrap();
        }
        Op::RemoveDelta => {
            let _ = std::fs::remove_file(d.p("delta/net"));
        }
        Op::ExtraDelta(s, o, v) => std::fs::write(d.p("extra/net"), delta_line(*s, *o, v) + "\n").unwrap(),
        Op::RemoveExtra => {
            let _ = std::fs::remove_file(d.p("extra/net"));
        }
        Op::Override(on) => {
            if *on {
                std::fs::write(d.p("override/net"), "config zone 'lan'\n\toption x 'override'\n").unwrap();
            } else {
                let _ = std::fs::remove_file(d.p("override/net"));
            }
        }
    }
}

fn load(d: &Dirs, flags: u32, cached: bool) -> Result<Package, ucix::ErrorCode> {
    if cached {
        std::env::remove_var("UCIX_CACHE");
    } else {
        std::env::set_var("UCIX_CACHE", "0");
    }
    let r = d.ctx(flags).load(b"net").map_err(|e| e.code());
    let mut ctx = d.ctx(flags);
    let r = r.and_then(|_| ctx.load(b"net").map(|i| ctx.packages.remove(i)).map_err(|e| e.code()));
    std::env::remove_var("UCIX_CACHE");
    r
}

fn same(a: &Package, b: &Package) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.name, &b.name);
    prop_assert_eq!(&a.sections, &b.sections);
    prop_assert_eq!(
        (a.n_section, a.has_delta, a.uses_conf2, &a.path, &a.delta, &a.saved_delta),
        (b.n_section, b.has_delta, b.uses_conf2, &b.path, &b.delta, &b.saved_delta)
    );
    Ok(())
}

/// Every tuple that names something in `p`, and some that do not.
fn tuples(p: &Package) -> Vec<String> {
    let mut v = vec![];
    let idx = p.type_indexes();
    for (si, s) in p.sections.iter().enumerate() {
        let name = String::from_utf8_lossy(&s.name).into_owned();
        let ty = String::from_utf8_lossy(&s.stype).into_owned();
        v.push(format!("net.{name}"));
        v.push(format!("net.@{ty}[{}]", idx[si]));
        v.push(format!("net.@{ty}[-1]"));
        v.push(format!("net.@[{si}]"));
        for o in OPTS {
            v.push(format!("net.{name}.{o}"));
            v.push(format!("net.@{ty}[{}].{o}", idx[si]));
        }
    }
    v.push("net.nope.x".into());
    v.push("net.@zone[-9]".into());
    v
}

fn index_agrees(d: &Dirs, p: &Package) -> Result<(), TestCaseError> {
    let ctx = d.ctx(FLAG_STRICT | FLAG_SAVED_DELTA);
    let Some(hit) = cache::open(&ctx, b"net") else { return Ok(()) };
    for t in tuples(p) {
        let mut a = Ptr::parse(t.as_bytes()).unwrap();
        let mut b = a.clone();
        let ra = lookup::resolve(p, &mut a, true);
        let rb = lookup::resolve(&hit.index, &mut b, true);
        prop_assert_eq!(ra, rb, "{}", t);
        prop_assert_eq!(&a, &b, "{}", t);
        if let (Some(si), Some(oi)) = (a.s, a.o) {
            let v = hit.index.value(si, oi);
            prop_assert_eq!(v.as_ref(), Some(&p.sections[si].options[oi].value), "{}", t);
        }
    }
    prop_assert!(!hit.index.poisoned());
    Ok(())
}

fn check(d: &Dirs) -> Result<(), TestCaseError> {
    for flags in [FLAG_STRICT | FLAG_SAVED_DELTA, FLAG_SAVED_DELTA | FLAG_PERROR, FLAG_STRICT] {
        let with = load(d, flags, true);
        let without = load(d, flags, false);
        match (&with, &without) {
            (Ok(a), Ok(b)) => {
                same(a, b)?;
                if flags & FLAG_STRICT != 0 && flags & FLAG_SAVED_DELTA != 0 {
                    index_agrees(d, b)?;
                }
            }
            _ => prop_assert_eq!(with.as_ref().err(), without.as_ref().err()),
        }
    }
    Ok(())
}

fn setup_env(cache_dir: &Path) {
    std::env::set_var("UCIX_CACHE_DIR", cache_dir);
    std::env::set_var("UCIX_STATE_DIR", cache_dir.join("state"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn answers_with_the_cache_equal_answers_without(ops in proptest::collection::vec(op(), 1..14)) {
        let d = Dirs::new();
        setup_env(&d.p("cache"));
        check(&d)?;
        for op in &ops {
            apply(&d, op);
            check(&d)?;
        }
        let st = cache::stats::read(&d.p("cache"));
        prop_assert!(st.hits + st.appended > 0, "the cache was never used: {:?}", st);
    }
}
