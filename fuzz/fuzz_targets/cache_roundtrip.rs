//! Cache writer against reader: a package built from fuzzed config text,
//! written as an index and read back, answers every lookup exactly like
//! the package.
//!
//! Input: `<config text>` or `<config text>\n%%\n<delta file>`, for the
//! package `network` (as in the `delta` target, whose corpus serves here
//! too).
//! 1. In memory: the text parsed non-strictly, the delta replayed with the
//!    changes kept (`saved_delta`, what `uci changes` shows), encoded by
//!    `cache::encode`, opened by `Index::from_bytes`:
//!    `cache::assert_answers_like` (the whole package read back, each
//!    section and option read in place, every tuple of `cache::tuples`
//!    resolved by `lookup::resolve` on both).
//! 2. Through the store, as `uci` uses it: the text and the delta written
//!    to `<sandbox>/config/network` and `<sandbox>/delta/network`; a strict
//!    load by a fresh `Context` (a cache miss, which records the index);
//!    `cache::status` then says the index is valid, `cache::open` gives an
//!    index that answers like the loaded package, and a second load by
//!    another fresh `Context` is a hit (counted by `cache::stats`) with the
//!    same package. A strict load that fails, or that has pending changes
//!    (replayed `opt=''` lines record their delete, as in libuci), writes
//!    no index.
#![no_main]

use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ucix::cache::{self as core_cache, Index};
use ucix::delta;
use ucix::model::Package;
use ucix::store::Context;
use ucix::syntax::Stream;
use ucix_fuzz::cache::assert_answers_like;
use ucix_fuzz::model::{parse, split};
use ucix_fuzz::sandbox::Sandbox;

fn sandbox() -> &'static Sandbox {
    static S: OnceLock<Sandbox> = OnceLock::new();
    S.get_or_init(|| Sandbox::new("cache_roundtrip"))
}

fn context(sb: &Sandbox) -> Context {
    let mut ctx = Context::new();
    ctx.set_confdir(sb.confdir.as_os_str().as_bytes());
    ctx.set_conf2dir(None);
    ctx.set_savedir(sb.savedir.as_os_str().as_bytes());
    // the host's /tmp/.uci is not searched
    ctx.delta_path = vec![sb.savedir.as_os_str().as_bytes().to_vec()];
    ctx
}

/// A fresh strict load of `network` in a new context.
fn load(sb: &Sandbox) -> Option<Package> {
    let mut ctx = context(sb);
    let i = ctx.load(b"network").ok()?;
    Some(ctx.packages.swap_remove(i))
}

fn same(a: &Package, b: &Package) {
    assert_eq!(a.name, b.name);
    assert_eq!(a.sections, b.sections, "sections of the cached load");
    assert_eq!(
        (a.n_section, a.has_delta, a.uses_conf2, &a.path, &a.saved_delta, &a.delta),
        (b.n_section, b.has_delta, b.uses_conf2, &b.path, &b.saved_delta, &b.delta)
    );
}

fuzz_target!(|data: &[u8]| {
    let (conf, changes) = split(data, b"\n%%\n");

    // 1. in memory
    let mut p = parse(conf, b"network", false).expect("non-strict load of one package cannot fail");
    p.has_delta = true;
    p.path = Some(b"/etc/config/network".to_vec());
    if let Some(d) = changes {
        delta::replay(&mut p, &mut Stream::from_bytes(d), true);
    }
    let bytes = core_cache::encode(&p, b"key".to_vec(), vec![], 0).expect("a small package encodes");
    let idx = Index::from_bytes(bytes).expect("the writer's index opens");
    assert_answers_like(&idx, &p);

    // 2. through the store
    let sb = sandbox();
    let mut files: Vec<(&str, &[u8])> = vec![("network", conf)];
    sb.reset(&files);
    // the cache directory's parent (`/var/run` on a router)
    std::fs::create_dir_all(sb.root.join("ucix")).expect("create ucix dir");
    if let Some(d) = changes {
        std::fs::write(sb.savedir.join("network"), d).expect("write delta");
    }
    files.clear();
    let Some(first) = load(sb) else {
        let ctx = context(sb);
        let st = core_cache::status(&ctx, b"network").expect("the cache is on");
        assert!(st.state.is_err(), "a failed load wrote an index");
        assert!(load(sb).is_none(), "a failed load succeeds the second time");
        return;
    };
    let ctx = context(sb);
    let st = core_cache::status(&ctx, b"network").expect("the cache is on");
    if !first.delta.is_empty() {
        // replaying `opt=''` records the delete as a pending change, as
        // libuci does (edit::set); an index holds no pending changes, so
        // such a load is not recorded
        assert_eq!(st.state, Err(core_cache::Reject::Missing), "a load with pending changes was recorded");
        same(&load(sb).expect("a load that succeeded succeeds again"), &first);
        return;
    }
    assert_eq!(st.state, Ok(()), "a strict load recorded a valid index");
    let opened = core_cache::open(&ctx, b"network").expect("the index opens");
    assert_answers_like(&opened.index, &first);
    let dir = core_cache::dir(&ctx).expect("the cache is on");
    assert_eq!(core_cache::stats::read(&dir).hits, 0);
    let second = load(sb).expect("a load that succeeded succeeds again");
    assert_eq!(core_cache::stats::read(&dir).hits, 1, "the second load was answered by the index");
    same(&second, &first);
});
