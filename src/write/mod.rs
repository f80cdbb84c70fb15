//! Writing UCI text: the one quoting rule ([`quote`]) and the export/commit
//! format ([`export`], file-format.md §8).
#![forbid(unsafe_code)]

pub mod export;
pub mod quote;
pub mod show;

pub use export::export;
