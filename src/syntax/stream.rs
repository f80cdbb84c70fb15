//! An input stream with C stdio semantics: `fgets` with a byte limit and the
//! end-of-file indicator (`feof`), which the line reader of §2 depends on.

use std::io::{BufRead, ErrorKind};

/// A buffered byte stream read the way libuci reads a `FILE *`.
pub struct Stream<'a> {
    inner: Box<dyn BufRead + 'a>,
    eof: bool,
    failed: bool,
}

impl<'a> Stream<'a> {
    pub fn new(inner: impl BufRead + 'a) -> Self {
        Stream { inner: Box::new(inner), eof: false, failed: false }
    }

    pub fn from_bytes(data: &'a [u8]) -> Self {
        Stream::new(data)
    }

    /// `feof`: true once a read hit the end of the input (or failed).
    pub fn eof(&self) -> bool {
        self.eof
    }

    /// `ferror`: true once a read failed (the input then ends there). A
    /// reader must not take what it got for the whole input: libuci would
    /// spin on such a stream, a truncated parse could be written back.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// `fgets(buf, out.len() + 1, f)`: fills `out` with up to `out.len()`
    /// bytes, stopping after a `\n`. Returns how many were read (0 when
    /// nothing could be).
    pub fn fgets(&mut self, out: &mut [u8]) -> usize {
        let mut len = 0;
        while len < out.len() {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.eof = true;
                    self.failed = true;
                    break;
                }
            };
            if avail.is_empty() {
                self.eof = true;
                break;
            }
            let take = avail.len().min(out.len() - len);
            let (n, newline) = match memchr::memchr(b'\n', &avail[..take]) {
                Some(i) => (i + 1, true),
                None => (take, false),
            };
            out[len..len + n].copy_from_slice(&avail[..n]);
            self.inner.consume(n);
            len += n;
            if newline {
                break;
            }
        }
        len
    }
}
