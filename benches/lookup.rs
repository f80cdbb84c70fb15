//! In-process lookups of one option in a warm mapped index of
//! `large/50k/dhcp` (issue #5 target: ≤ 50 ns median), by section name and
//! by `@type[n]`, beside the same lookups in the loaded package (L1).

mod common;

use std::cell::OnceCell;

use divan::{black_box, Bencher};
use ucix::cache::Index;
use ucix::lookup::{self, Ptr, Sections};
use ucix::model::Package;

struct Setup {
    _dir: tempfile::TempDir,
    index: Index,
    package: Package,
    /// named hosts, spread over the file
    names: Vec<Vec<u8>>,
    /// `@host[n]` indexes
    ranks: Vec<i64>,
}

const KEYS: usize = 1024;

fn setup() -> Option<&'static Setup> {
    // the package's name index is not Sync: one setup per thread
    thread_local! {
        static S: OnceCell<Option<&'static Setup>> = const { OnceCell::new() };
    }
    S.with(|s| *s.get_or_init(|| make().map(|x| &*Box::leak(Box::new(x)))))
}

fn make() -> Option<Setup> {
    {
        let path = common::large("50k/dhcp")?;
        let package = common::parse(&path, "dhcp");
        let (_dir, index) = common::mapped_index(&package);
        let named: Vec<Vec<u8>> = package.sections.iter().filter(|s| !s.anonymous && s.stype == b"host").map(|s| s.name.to_vec()).collect();
        let names = (0..KEYS).map(|i| named[(i * 7919) % named.len()].clone()).collect();
        let hosts = package.sections.iter().filter(|s| s.stype == b"host").count() as i64;
        let ranks = (0..KEYS as i64).map(|i| (i * 7919) % hosts).collect();
        // warm: every block read once
        assert!(index.verify_all());
        Some(Setup { _dir, index, package, names, ranks })
    }
}

fn main() {
    divan::main();
}

/// `dhcp.<name>.mac` in the mapped index, over 1024 named hosts spread
/// over the file (random accesses into a 14 MiB map).
#[divan::bench]
fn index_by_name(b: Bencher) {
    let Some(s) = setup() else { return };
    let mut i = 0;
    b.bench_local(|| {
        i = (i + 1) % KEYS;
        black_box(s.index.get(black_box(&s.names[i]), b"mac"))
    });
}

/// One named host, again and again: the lookup's own cost, every line
/// it reads in the CPU cache.
#[divan::bench]
fn index_by_name_hot(b: Bencher) {
    let Some(s) = setup() else { return };
    b.bench_local(|| black_box(s.index.get(black_box(&s.names[7]), b"mac")));
}

/// `dhcp.@host[n].mac` in the mapped index.
#[divan::bench]
fn index_by_type_rank(b: Bencher) {
    let Some(s) = setup() else { return };
    let mut i = 0;
    b.bench_local(|| {
        i = (i + 1) % KEYS;
        let si = lookup::find_extended(&s.index, b"host", black_box(s.ranks[i]))?;
        let oi = s.index.find_option(si, b"mac")?;
        black_box(s.index.value_ref(si, oi))
    });
}

/// `dhcp.@host[-1].mac` in the mapped index.
#[divan::bench]
fn index_by_type_last(b: Bencher) {
    let Some(s) = setup() else { return };
    b.bench_local(|| {
        let si = lookup::find_extended(&s.index, black_box(b"host"), -1)?;
        let oi = s.index.find_option(si, b"mac")?;
        black_box(s.index.value_ref(si, oi))
    });
}

/// The whole tuple path on the index: parse `dhcp.<name>.mac`, resolve, read.
#[divan::bench]
fn index_tuple_resolve(b: Bencher) {
    let Some(s) = setup() else { return };
    let tuples: Vec<Vec<u8>> = s.names.iter().map(|n| [&b"dhcp."[..], n, b".mac"].concat()).collect();
    let mut i = 0;
    b.bench_local(|| {
        i = (i + 1) % KEYS;
        let mut p = Ptr::parse(&tuples[i]).ok()?;
        lookup::resolve(&s.index, &mut p, true).ok()?;
        black_box(s.index.value_ref(p.s?, p.o?))
    });
}

/// The same by-name lookup in the loaded package (L1).
#[divan::bench]
fn package_by_name(b: Bencher) {
    let Some(s) = setup() else { return };
    let _ = s.package.section_index(b"warm");
    let mut i = 0;
    b.bench_local(|| {
        i = (i + 1) % KEYS;
        let si = s.package.section_index(black_box(&s.names[i]))?;
        black_box(s.package.sections[si].option(b"mac"))
    });
}

/// `@host[n]` in the loaded package (the per-type position index, O(1)).
#[divan::bench(sample_count = 20)]
fn package_by_type_rank(b: Bencher) {
    let Some(s) = setup() else { return };
    let mut i = 0;
    b.bench_local(|| {
        i = (i + 1) % KEYS;
        let si = Sections::nth_of_type(&s.package, b"host", black_box(s.ranks[i] as usize))?;
        black_box(s.package.sections[si].option(b"mac"))
    });
}
