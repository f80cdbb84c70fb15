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

    /// `fgets(buf, max + 1, f)`: appends up to `max` bytes to `out`, stopping
    /// after a `\n`. Returns false when nothing could be read.
    pub fn fgets(&mut self, out: &mut Vec<u8>, max: usize) -> bool {
        let start = out.len();
        while out.len() - start < max {
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
            let want = max - (out.len() - start);
            let take = avail.len().min(want);
            let (n, newline) = match avail[..take].iter().position(|&c| c == b'\n') {
                Some(i) => (i + 1, true),
                None => (take, false),
            };
            out.extend_from_slice(&avail[..n]);
            self.inner.consume(n);
            if newline {
                break;
            }
        }
        out.len() > start
    }
}
