//! Binary hashed index cache under `/var/run/uci-cache` (L2 of the lookup
//! path: L1 is the in-process index, L3 the text files).
//!
//! Extension points used by the store; filled in by the cache issue.

use crate::model::Package;
use crate::store::Context;

/// A package answered from a valid cache index, if there is one.
pub fn lookup(_ctx: &Context, _name: &[u8]) -> Option<Package> {
    None
}

/// Records the index of a package that was just parsed.
pub fn record(_ctx: &Context, _name: &[u8], _p: &Package) {}
