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
    /// nothing could be) and where the first NUL among them is, if any (a
    /// C reader sees the line end there; found in the same scan).
    pub fn fgets(&mut self, out: &mut [u8]) -> (usize, Option<usize>) {
        let mut len = 0;
        let mut nul = None;
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
            let chunk = &avail[..take];
            let end = match nul {
                Some(_) => memchr::memchr(b'\n', chunk),
                None => match memchr::memchr2(b'\n', 0, chunk) {
                    Some(i) if chunk[i] == 0 => {
                        nul = Some(len + i);
                        memchr::memchr(b'\n', &chunk[i + 1..]).map(|j| i + 1 + j)
                    }
                    found => found,
                },
            };
            let (n, newline) = match end {
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
        (len, nul)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fgets_reports_the_first_nul_of_a_line() {
        let mut r = Stream::from_bytes(b"ab\0c\0d\nxy\n\0\n");
        let mut buf = [0u8; 16];
        assert_eq!(r.fgets(&mut buf), (7, Some(2)));
        assert_eq!(&buf[..7], b"ab\0c\0d\n");
        assert_eq!(r.fgets(&mut buf), (3, None));
        assert_eq!(r.fgets(&mut buf), (2, Some(0)));
        assert_eq!(r.fgets(&mut buf), (0, None));
        assert!(r.eof());
        // a line longer than the room comes in pieces; the NUL is per call
        let mut r = Stream::from_bytes(b"abcd\0ef\n");
        let mut small = [0u8; 3];
        assert_eq!(r.fgets(&mut small), (3, None));
        assert_eq!(r.fgets(&mut small), (3, Some(1)));
        assert_eq!(r.fgets(&mut small), (2, None));
    }
}
