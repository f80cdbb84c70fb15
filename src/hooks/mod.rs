//! Commit hooks and procd integration (issue: commit hooks).
//!
//! Extension points used by the store; filled in by the hooks issue.
#![forbid(unsafe_code)]
