//! Shared by the benches: the large test configs of `../shared/testdata`.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared/testdata/large/<rel>` (or `$UCIX_SHARED/...`), if present.
pub fn large(rel: &str) -> Option<PathBuf> {
    let shared = match std::env::var_os("UCIX_SHARED") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("shared"),
    };
    let p = shared.join("testdata").join("large").join(rel);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("skipped: {} not found", p.display());
        None
    }
}

/// Parses a config file strictly as package `name`.
pub fn parse(path: &std::path::Path, name: &str) -> ucix::model::Package {
    let data = std::fs::read(path).unwrap();
    ucix::syntax::statement::parse_package(&data, name.as_bytes(), true).unwrap_or_else(|_| panic!("{} parses", path.display()))
}

/// Writes the index of `p` to a temp file and maps it.
pub fn mapped_index(p: &ucix::model::Package) -> (tempfile::TempDir, ucix::cache::Index) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("index");
    let bytes = ucix::cache::encode(p, b"bench".to_vec(), vec![], 0).unwrap();
    std::fs::write(&file, bytes).unwrap();
    let (idx, _) = ucix::cache::open_file(&file, b"bench").unwrap_or_else(|r| panic!("index refused: {r:?}"));
    (dir, idx)
}
