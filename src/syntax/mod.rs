//! Reading UCI config text (file-format.md §2–§6).
//!
//! * [`stream`]: physical lines, as libuci reads them with `fgets`.
//! * [`tokenizer`]: the parser state ([`Pctx`]) with its logical-line buffer,
//!   quoting, escapes, comments and the `;` rule; used by config files, delta
//!   files and the CLI's batch reader alike.
//! * [`statement`]: the four statements (`package`, `config`, `option`,
//!   `list`) and their semantics, building [`crate::model::Package`]s.
#![forbid(unsafe_code)]

pub mod cnum;
pub mod statement;
pub mod stream;
pub mod tokenizer;

pub use statement::{import, ImportOptions};
pub use stream::Stream;
pub use tokenizer::Pctx;

/// `isspace` in the C locale.
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}
