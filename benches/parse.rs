//! Parse throughput (MB/s) of the large configs, and what the cache costs
//! and gives instead: writing an index, checking and mapping it, and
//! rebuilding the whole package from it.

mod common;

use divan::counter::BytesCount;
use divan::{black_box, Bencher};

const FILES: &[&str] = &["1k/firewall", "1k/wireless", "2k/network", "5k/dhcp", "10k/firewall", "50k/dhcp"];

fn main() {
    divan::main();
}

fn name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap()
}

/// Strict parse of the whole file.
#[divan::bench(args = FILES, sample_count = 10, sample_size = 1)]
fn parse(b: Bencher, rel: &str) {
    let Some(path) = common::large(rel) else { return };
    let data = std::fs::read(&path).unwrap();
    b.counter(BytesCount::of_slice(&data)).bench_local(|| {
        ucix::syntax::statement::parse_package(black_box(&data), name(rel).as_bytes(), true).map_err(|_| ()).unwrap()
    });
}

/// Encoding the index of a parsed package.
#[divan::bench(args = FILES, sample_count = 10, sample_size = 1)]
fn index_encode(b: Bencher, rel: &str) {
    let Some(path) = common::large(rel) else { return };
    let p = common::parse(&path, name(rel));
    let len = std::fs::metadata(&path).unwrap().len();
    b.counter(BytesCount::new(len)).bench_local(|| ucix::cache::encode(black_box(&p), b"k".to_vec(), vec![], 0).unwrap());
}

/// Rebuilding the whole package from a mapped index (what a cached
/// `show`/`export`/`set` does instead of parsing).
#[divan::bench(args = FILES, sample_count = 10, sample_size = 1)]
fn index_to_package(b: Bencher, rel: &str) {
    let Some(path) = common::large(rel) else { return };
    let p = common::parse(&path, name(rel));
    let len = std::fs::metadata(&path).unwrap().len();
    let (_dir, idx) = common::mapped_index(&p);
    b.counter(BytesCount::new(len)).bench_local(|| idx.to_package().unwrap());
}

/// Opening an index: open, owner check, map, meta checksum, key check
/// (what a cached `uci get` pays before its lookup).
#[divan::bench(args = FILES)]
fn index_open(b: Bencher, rel: &str) {
    let Some(path) = common::large(rel) else { return };
    let p = common::parse(&path, name(rel));
    let (dir, _idx) = common::mapped_index(&p);
    let file = dir.path().join("index");
    b.bench_local(|| ucix::cache::open_file(black_box(&file), b"bench").map(|_| ()).unwrap());
}
