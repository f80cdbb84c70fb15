//! The command-line tools: `uci` (byte-compatible) and `ucix` (extended).

pub mod uci;
pub mod ucix;
