//! Error codes of libuci and the typed errors of the core.
//!
//! [`ErrorCode`] pairs each `UCI_ERR_*` value with its exact message; the CLI,
//! the C shim (`uci_get_errorstr`) and the Lua module all read this one table.

use std::fmt;

/// The `UCI_ERR_*` codes, with their numeric values from `uci.h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorCode {
    Ok = 0,
    Mem = 1,
    Inval = 2,
    NotFound = 3,
    Io = 4,
    Parse = 5,
    Duplicate = 6,
    Unknown = 7,
}

impl ErrorCode {
    /// The message libuci prints for this code.
    pub fn message(self) -> &'static str {
        Self::message_for(self as i32)
    }

    /// The message for any integer code; out-of-range codes are `Unknown error`.
    pub fn message_for(code: i32) -> &'static str {
        match code {
            0 => "Success",
            1 => "Out of memory",
            2 => "Invalid argument",
            3 => "Entry not found",
            4 => "I/O error",
            5 => "Parse error",
            6 => "Duplicate entry",
            _ => "Unknown error",
        }
    }

    pub fn from_i32(code: i32) -> ErrorCode {
        match code {
            0 => ErrorCode::Ok,
            1 => ErrorCode::Mem,
            2 => ErrorCode::Inval,
            3 => ErrorCode::NotFound,
            4 => ErrorCode::Io,
            5 => ErrorCode::Parse,
            6 => ErrorCode::Duplicate,
            _ => ErrorCode::Unknown,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A failed core operation: the uci error code it maps to.
///
/// Parse details (reason, line, byte) live in the parser state of the
/// [`crate::store::Context`], as in libuci, because the message format depends
/// on process-wide state (see `report`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub ErrorCode);

impl Error {
    pub fn code(self) -> ErrorCode {
        self.0
    }
}

impl From<ErrorCode> for Error {
    fn from(c: ErrorCode) -> Self {
        Error(c)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand for `Err(Error(code))`.
pub fn fail<T>(code: ErrorCode) -> Result<T> {
    Err(Error(code))
}
