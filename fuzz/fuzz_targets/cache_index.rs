//! The cache index reader (`cache::format`, `cache::index`, and
//! `cache::open_file` with its mmap): any bytes as an index file are
//! refused or read without panic, hang or memory error.
//!
//! The first byte selects how the file is made (the rest is the input):
//! * bit 1 clear: the input itself is the file (index files of the writer
//!   are in the corpus, see `fuzz/seeds.py`);
//! * bit 1 set: the input is `<config text>[\0<patches>]`; the file is the
//!   writer's index of that text parsed as package `fuzz` (non-strict), with
//!   a dependency on the text written to `<sandbox>/config/fuzz`, and then
//!   each 3-byte patch `(offset: u16 le, xor: u8)` applied to it;
//! * bit 0 set: `format::reseal` then makes its lengths and checksums agree
//!   with its bytes, so the structure checks behind them are reached (who
//!   can write an index can also seal it);
//! * bit 2 set: the file is written to the sandbox's cache directory and
//!   opened by `cache::open_file` (mmap, owner, key and dependency checks),
//!   when every dependency path it names is inside the sandbox; otherwise
//!   it is read from memory (`Index::from_bytes`).
//!
//! Checks: a writer's index without patches opens and answers every lookup
//! like the package (`cache::assert_answers_like`); any other file is
//! either refused, or every reader entry point runs on it
//! (`cache::exercise`), and a package it yields as a whole survives a
//! round trip through the writer.
#![no_main]

use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ucix::cache::format::{self, Dep, Meta, Role};
use ucix::cache::invalidate::{hash_file, ident_of};
use ucix::cache::{self as core_cache, Index};
use ucix_fuzz::cache::{assert_answers_like, exercise};
use ucix_fuzz::model::{parse, split};
use ucix_fuzz::sandbox::Sandbox;

const KEY: &[u8] = b"fuzz-key";
const MAX_PATCHES: usize = 16;

fn sandbox() -> &'static Sandbox {
    static S: OnceLock<Sandbox> = OnceLock::new();
    S.get_or_init(|| {
        let sb = Sandbox::new("cache_index");
        sb.reset(&[]);
        sb
    })
}

fn cache_dir(sb: &Sandbox) -> std::path::PathBuf {
    sb.root.join("ucix").join("cache")
}

/// Every dependency path is under the sandbox root, without `..`.
fn deps_inside(bytes: &[u8], sb: &Sandbox) -> bool {
    let root = sb.root.as_os_str().as_bytes();
    match Meta::decode(bytes) {
        Ok(m) => m.deps.iter().all(|d| {
            d.path.starts_with(root) && d.path.get(root.len()) == Some(&b'/') && !d.path.windows(2).any(|w| w == b"..")
        }),
        Err(_) => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else { return };
    let (reseal, from_config, via_file) = (mode & 1 != 0, mode & 2 != 0, mode & 4 != 0);
    let sb = sandbox();
    let mut expect = None;
    let mut bytes = if from_config {
        let (conf, patches) = split(input, b"\0");
        let mut p = parse(conf, b"fuzz", false).expect("non-strict load of one package cannot fail");
        let file = sb.confdir.join("fuzz");
        std::fs::write(&file, conf).expect("write config");
        p.path = Some(file.as_os_str().as_bytes().to_vec());
        let ident = ident_of(&file).expect("stat config");
        let (hash, _) = hash_file(&file).expect("read config");
        let dep = Dep { path: p.path.clone().unwrap(), role: Role::Config, ident, racy: true, hash };
        let mut b = core_cache::encode(&p, KEY.to_vec(), vec![dep], 0).expect("a small package encodes");
        let patches = patches.unwrap_or_default();
        for pt in patches.chunks_exact(3).take(MAX_PATCHES) {
            let at = u16::from_le_bytes([pt[0], pt[1]]) as usize % b.len();
            b[at] ^= pt[2];
        }
        if patches.chunks_exact(3).all(|pt| pt[2] == 0) {
            expect = Some(p);
        }
        b
    } else {
        input.to_vec()
    };
    if reseal {
        format::reseal(&mut bytes);
    }

    let opened = if via_file && deps_inside(&bytes, sb) {
        let path = cache_dir(sb).join("fuzz.0123456789abcdef");
        std::fs::create_dir_all(cache_dir(sb)).expect("create cache dir");
        std::fs::write(&path, &bytes).expect("write index");
        let key = Meta::decode(&bytes).map(|m| m.key).unwrap_or_else(|_| KEY.to_vec());
        core_cache::open_file(&path, &key).map(|(idx, _)| idx)
    } else {
        Index::from_bytes(bytes)
    };
    match (opened, expect) {
        (Ok(idx), Some(p)) => assert_answers_like(&idx, &p),
        (Err(r), Some(_)) => panic!("the writer's index is refused: {r:?}"),
        (Ok(idx), None) => exercise(&idx),
        (Err(_), None) => {}
    }
});
