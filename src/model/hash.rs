//! The hash maps of the core (section names, cache strings, parsed files).
//!
//! Their hasher is aHash with keys taken from the standard library's
//! per-process random keys, not from `ahash::RandomState::new()`: that one
//! keeps its random source and seeds in process-lifetime heap boxes that are
//! never freed, which valgrind reports as lost once a loadable module (the Lua
//! `uci.so`, `libuci.so`) is unloaded. This way no map leaves anything behind.
#![forbid(unsafe_code)]

use std::hash::BuildHasher;

/// A hash map with [`Seeds`].
pub type Map<K, V> = std::collections::HashMap<K, V, Seeds>;

/// aHash keyed from `std`'s random keys (no allocation).
#[derive(Clone, Debug)]
pub struct Seeds(ahash::RandomState);

impl Default for Seeds {
    fn default() -> Seeds {
        let std = std::hash::RandomState::new();
        let k = |i: u64| std.hash_one(i);
        Seeds(ahash::RandomState::with_seeds(k(0), k(1), k(2), k(3)))
    }
}

impl BuildHasher for Seeds {
    type Hasher = ahash::AHasher;

    fn build_hasher(&self) -> ahash::AHasher {
        self.0.build_hasher()
    }
}

/// An empty map with room for `n` entries.
pub fn with_capacity<K, V>(n: usize) -> Map<K, V> {
    Map::with_capacity_and_hasher(n, Seeds::default())
}
