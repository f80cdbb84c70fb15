//! Loading, saving, committing and reverting packages on disk
//! (file-format.md §1, §9.3–§10; libuci-abi.md §6.5–§6.23).
#![forbid(unsafe_code)]

pub mod context;
pub mod fsutil;
pub mod kept;
pub mod parsed;
pub mod paths;
pub mod report;

pub use context::{Context, FLAG_EXPORT_NAME, FLAG_PERROR, FLAG_SAVED_DELTA, FLAG_STRICT};
pub use report::PctxInfo;
