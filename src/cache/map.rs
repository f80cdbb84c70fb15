//! The one `unsafe` of the core: mapping an index file.
#![allow(unsafe_code)]

use std::fs::File;
use std::io;

use memmap2::Mmap;

/// Maps an open index file read-only.
pub fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: index files are never written in place: a writer creates a new
    // file and renames it over the old name (`store`), so the inode mapped
    // here keeps its bytes for as long as the map lives. Only files owned by
    // the current user are mapped (checked by the caller), and every read of
    // the map is bounds-checked against the mapped length.
    unsafe { Mmap::map(file) }
}
