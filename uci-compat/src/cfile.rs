//! C `FILE *` streams for the core's readers and the export writer.
//!
//! [`CFileReader`] is a [`BufRead`] over a `FILE *` that pulls one physical
//! line at a time with `getline`, so it never takes more from the stream
//! than the end of the line the parser is reading: callers may keep
//! reading the same `FILE *` after `uci_import` or `uci_parse_argument`.

use core::ffi::c_char;
use core::ptr;
use std::io::{self, BufRead, Read};

use crate::cmem::cfree;

/// Reads a C stream line by line.
pub(crate) struct CFileReader {
    f: *mut libc::FILE,
    line: *mut c_char,
    cap: libc::size_t,
    len: usize,
    pos: usize,
}

impl CFileReader {
    /// # Safety
    /// `f` is an open stream that stays open while the reader is used.
    pub(crate) unsafe fn new(f: *mut libc::FILE) -> CFileReader {
        CFileReader { f, line: ptr::null_mut(), cap: 0, len: 0, pos: 0 }
    }

    /// The stream this reader reads.
    pub(crate) fn file(&self) -> *mut libc::FILE {
        self.f
    }
}

impl Drop for CFileReader {
    fn drop(&mut self) {
        // SAFETY: `line` is NULL or the buffer getline allocated with malloc.
        unsafe { cfree(self.line) };
    }
}

impl Read for CFileReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for CFileReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.len {
            self.pos = 0;
            self.len = 0;
            // SAFETY: `line`/`cap` are getline's own buffer and size (NULL/0
            // at first); `f` is open by the contract of `new`.
            let n = unsafe { libc::getline(&mut self.line, &mut self.cap, self.f) };
            if n > 0 {
                self.len = n as usize;
            }
        }
        if self.len == 0 {
            return Ok(&[]);
        }
        // SAFETY: getline stored `len` bytes at `line`.
        Ok(unsafe { core::slice::from_raw_parts(self.line.cast::<u8>().add(self.pos), self.len - self.pos) })
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.len);
    }
}

/// `fwrite`s all of `data`; false on a short write.
///
/// # Safety
/// `f` is an open stream.
pub(crate) unsafe fn write_all(f: *mut libc::FILE, data: &[u8]) -> bool {
    if data.is_empty() {
        return true;
    }
    // SAFETY: `data` is a valid buffer of `len` bytes; `f` is open.
    unsafe { libc::fwrite(data.as_ptr().cast(), 1, data.len(), f) == data.len() }
}
