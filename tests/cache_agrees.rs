//! Every real-world and large config of `../shared/testdata` is answered
//! the same by a fresh parse and by the cache: the whole loaded package,
//! and every tuple resolved in the mapped index (by name, `@type[n]`,
//! `@type[-1]`, `@[n]`, each option).
//!
//! One test in this binary: it switches `UCIX_CACHE` in its own environment.

mod common;

use std::path::{Path, PathBuf};

use ucix::cache;
use ucix::lookup::{self, Ptr};
use ucix::model::Package;
use ucix::store::{Context, FLAG_SAVED_DELTA, FLAG_STRICT};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut v: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            files(&p, out);
        } else if p.file_name().is_some_and(|n| !n.to_string_lossy().ends_with(".md")) {
            out.push(p);
        }
    }
}

fn ctx(root: &Path) -> Context {
    let b = |p: PathBuf| p.to_string_lossy().as_bytes().to_vec();
    let mut c = Context::new();
    c.set_confdir(&b(root.join("config")));
    c.set_conf2dir(None);
    c.savedir = b(root.join("delta"));
    c.delta_path = vec![b(root.join("delta"))];
    c.flags = FLAG_STRICT | FLAG_SAVED_DELTA;
    c
}

fn load(root: &Path, name: &str) -> Option<Package> {
    let mut c = ctx(root);
    let i = c.load(name.as_bytes()).ok()?;
    Some(c.packages.remove(i))
}

fn same(what: &str, a: &Package, b: &Package) {
    assert_eq!(a.name, b.name, "{what}");
    assert!(a.sections == b.sections, "{what}: sections differ");
    assert_eq!(
        (a.n_section, a.has_delta, a.uses_conf2, &a.path, &a.delta, &a.saved_delta),
        (b.n_section, b.has_delta, b.uses_conf2, &b.path, &b.delta, &b.saved_delta),
        "{what}"
    );
}

fn index_agrees(what: &str, root: &Path, name: &str, p: &Package) -> usize {
    let c = ctx(root);
    let hit = cache::open(&c, name.as_bytes()).unwrap_or_else(|| panic!("{what}: no valid index"));
    let idx = p.type_indexes();
    let mut n = 0;
    let mut check = |t: String| {
        let mut a = Ptr::parse(t.as_bytes()).unwrap();
        let mut b = a.clone();
        assert_eq!(lookup::resolve(p, &mut a, true), lookup::resolve(&hit.index, &mut b, true), "{what}: {t}");
        assert_eq!(a, b, "{what}: {t}");
        if let (Some(si), Some(oi)) = (a.s, a.o) {
            assert_eq!(hit.index.value(si, oi).as_ref(), Some(&p.sections[si].options[oi].value), "{what}: {t}");
        }
        n += 1;
    };
    for (si, s) in p.sections.iter().enumerate() {
        let sname = String::from_utf8_lossy(&s.name).into_owned();
        let ty = String::from_utf8_lossy(&s.stype).into_owned();
        if lookup::valid_name(&s.name) {
            check(format!("{name}.{sname}"));
        }
        if lookup::valid_type(&s.stype) && !ty.contains(['[', ']', '.', '=']) {
            check(format!("{name}.@{ty}[{}]", idx[si]));
            check(format!("{name}.@{ty}[-1]"));
        }
        check(format!("{name}.@[{si}]"));
        for o in &s.options {
            let oname = String::from_utf8_lossy(&o.name).into_owned();
            if lookup::valid_name(&s.name) {
                check(format!("{name}.{sname}.{oname}"));
            }
            check(format!("{name}.@[{si}].{oname}"));
        }
        check(format!("{name}.@[{si}].no_such_option"));
    }
    check(format!("{name}.no_such_section"));
    assert!(!hit.index.poisoned(), "{what}");
    n
}

#[test]
fn testdata_answers_agree() {
    let Some(shared) = common::shared_dir() else { return };
    let env = common::TestEnv::new("testdata_answers_agree");
    let root = env.root();
    std::fs::create_dir_all(root.join("config")).unwrap();
    std::env::set_var("UCIX_CACHE_DIR", env.cache_dir());
    std::env::set_var("UCIX_STATE_DIR", env.state_dir());
    let mut all = vec![];
    files(&shared.join("testdata").join("realworld"), &mut all);
    all.push(shared.join("testdata").join("large").join("1k/firewall"));
    let (mut checked, mut tuples) = (0, 0);
    for (i, f) in all.iter().enumerate() {
        let name = format!("p{i}");
        std::fs::copy(f, root.join("config").join(&name)).unwrap();
        std::env::set_var("UCIX_CACHE", "0");
        let fresh = load(&root, &name);
        std::env::remove_var("UCIX_CACHE");
        let Some(fresh) = fresh else { continue }; // not strictly valid: never cached
        let what = f.display().to_string();
        let first = load(&root, &name).unwrap();
        let cached = load(&root, &name).unwrap();
        same(&what, &fresh, &first);
        same(&what, &fresh, &cached);
        tuples += index_agrees(&what, &root, &name, &fresh);
        checked += 1;
    }
    let st = cache::stats::read(&env.cache_dir());
    assert_eq!(st.hits as usize, checked, "{st:?}");
    assert!(checked > 20, "only {checked} files checked");
    common::say(format!("cache_agrees: {checked} of {} files, {tuples} tuples agree", all.len()));
}
