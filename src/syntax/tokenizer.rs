//! The parser state and tokenizer (file-format.md §2–§3, §6).
//!
//! libuci decodes arguments *in place* inside one logical-line buffer, and
//! several observable quirks (the `;` rule, the `byte` of an error) follow from
//! that. [`Pctx`] therefore keeps the same buffer, read position and trailing
//! write position, and decodes exactly as the reference does.

use super::is_space;
use super::stream::Stream;
use crate::error::{Error, ErrorCode, Result};

const LINEBUF: usize = 32;

/// Bytes an unquoted argument does not copy as they are: quotes, comment,
/// separators, backslash, NUL and the spaces of [`is_space`].
static STOP_PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let stops = b"'\"#;\\\0 \t\n\x0b\x0c\r";
    let mut i = 0;
    while i < stops.len() {
        t[stops[i] as usize] = true;
        i += 1;
    }
    t
};

/// Which name rule an argument must satisfy (file-format.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// Any text.
    None,
    /// Section and option names: `[A-Za-z0-9_]+`.
    Name,
    /// `package` statement names: `[A-Za-z0-9_-]+`.
    Package,
}

/// Parser state: the logical-line buffer and the error position.
#[derive(Debug, Clone)]
pub struct Pctx {
    buf: Vec<u8>,
    buf_filled: usize,
    /// Read position inside the buffer.
    pub pos: usize,
    /// Newline-terminated physical lines read so far.
    pub line: u32,
    /// Reason of the last parse error, if any.
    pub reason: Option<&'static str>,
    /// Buffer position at the last parse error.
    pub byte: usize,
}

impl Default for Pctx {
    fn default() -> Self {
        Self::new()
    }
}

impl Pctx {
    pub fn new() -> Pctx {
        Pctx { buf: Vec::new(), buf_filled: 0, pos: 0, line: 0, reason: None, byte: 0 }
    }

    /// The whole logical-line buffer (decoded arguments are NUL-terminated
    /// inside it); the C shim hands out pointers into a copy of it.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    /// The byte at `i` (NUL past the end).
    #[inline]
    pub fn ch(&self, i: usize) -> u8 {
        self.buf.get(i).copied().unwrap_or(0)
    }

    #[inline]
    pub fn cur(&self) -> u8 {
        self.ch(self.pos)
    }

    fn set(&mut self, i: usize, c: u8) {
        if i < self.buf.len() {
            self.buf[i] = c;
        }
    }

    /// The NUL-terminated text starting at `off`.
    pub fn str_at(&self, off: usize) -> &[u8] {
        let s = self.buf.get(off..).unwrap_or(&[]);
        match memchr::memchr(0, s) {
            Some(n) => &s[..n],
            None => s,
        }
    }

    /// Records a parse error at the current position.
    pub fn error(&mut self, reason: &'static str) -> Error {
        self.reason = Some(reason);
        self.byte = self.pos;
        Error(ErrorCode::Parse)
    }

    fn grow(&mut self) {
        let n = (self.buf.len() * 2).max(LINEBUF);
        self.buf.resize(n, 0);
    }

    /// Reads one physical line (and more while no newline ends it) into the
    /// buffer at `offset` (§2).
    pub fn getln(&mut self, r: &mut Stream<'_>, offset: usize) {
        if self.buf.is_empty() {
            self.buf.resize(LINEBUF, 0);
        }
        if offset + 1 >= self.buf.len() {
            self.grow();
        }
        let mut ofs = offset;
        loop {
            self.buf[ofs] = 0;
            let room = self.buf.len() - ofs - 1;
            let (n, nul) = r.fgets(&mut self.buf[ofs..ofs + room]);
            if n == 0 {
                return;
            }
            self.buf[ofs + n] = 0;
            if self.buf[ofs] == 0 {
                return;
            }
            // a NUL inside the line ends it there, as for C strings
            let slen = nul.unwrap_or(n);
            ofs += slen;
            self.buf_filled = ofs;
            if self.buf[ofs - 1] == b'\n' {
                self.line += 1;
                return;
            }
            if ofs + 1 >= self.buf.len() {
                self.grow();
            }
        }
    }

    /// Starts a new logical line: position 0, next physical line read.
    pub fn start_line(&mut self, r: &mut Stream<'_>) {
        self.pos = 0;
        self.getln(r, 0);
    }

    /// True when the logical line is empty (first byte NUL).
    pub fn line_is_empty(&self) -> bool {
        self.ch(0) == 0
    }

    pub fn skip_whitespace(&mut self) {
        while self.cur() != 0 && is_space(self.cur()) {
            self.pos += 1;
        }
    }

    fn addc(&mut self, target: &mut usize) {
        let c = self.cur();
        self.set(*target, c);
        *target += 1;
        self.pos += 1;
    }

    /// After skipping a backslash: a continuation pulls in the next line and
    /// returns false; otherwise the next byte is to be copied.
    fn parse_backslash(&mut self, r: &mut Stream<'_>) -> bool {
        self.pos += 1;
        let c = self.cur();
        if c == 0
            || c == b'\n'
            || (c == b'\r' && self.ch(self.pos + 1) == b'\n' && self.ch(self.pos + 2) == 0)
        {
            self.getln(r, self.pos);
            return false;
        }
        true
    }

    /// Copies the bytes from the read position up to the first one that
    /// `find` finds (or the end of the buffer) down to `target`, as a run
    /// of [`Pctx::addc`] would, in one move.
    #[inline]
    fn copy_run(&mut self, target: &mut usize, find: impl Fn(&[u8]) -> Option<usize>) {
        let start = self.pos;
        let Some(rest) = self.buf.get(start..) else { return };
        let n = find(rest).unwrap_or(rest.len());
        if n > 0 {
            if *target != start {
                self.buf.copy_within(start..start + n, *target);
            }
            *target += n;
            self.pos += n;
        }
    }

    fn parse_single_quote(&mut self, r: &mut Stream<'_>, target: &mut usize) -> Result<()> {
        loop {
            self.copy_run(target, |b| memchr::memchr2(b'\'', 0, b));
            match self.cur() {
                b'\'' => {
                    self.pos += 1;
                    return Ok(());
                }
                0 => {
                    self.getln(r, self.pos);
                    if self.cur() == 0 {
                        return Err(self.error("EOF with unterminated '"));
                    }
                }
                _ => self.addc(target),
            }
        }
    }

    fn parse_double_quote(&mut self, r: &mut Stream<'_>, target: &mut usize) -> Result<()> {
        loop {
            self.copy_run(target, |b| memchr::memchr3(b'"', b'\\', 0, b));
            match self.cur() {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                0 => {
                    self.getln(r, self.pos);
                    if self.cur() == 0 {
                        return Err(self.error("EOF with unterminated \""));
                    }
                }
                b'\\' => {
                    if self.parse_backslash(r) {
                        self.addc(target);
                    }
                }
                _ => self.addc(target),
            }
        }
    }

    /// Decodes one argument in place, writing at `target`.
    fn parse_str(&mut self, r: &mut Stream<'_>, target: &mut usize) -> Result<()> {
        loop {
            // a run of plain bytes ends the argument at a space or NUL, or
            // goes on with the byte that stopped it
            let before = self.pos;
            self.copy_run(target, |b| b.iter().position(|&c| STOP_PLAIN[c as usize]));
            if self.pos != before {
                let c = self.cur();
                if c == 0 || is_space(c) {
                    break;
                }
            }
            match self.cur() {
                b'\'' => {
                    self.pos += 1;
                    self.parse_single_quote(r, target)?;
                }
                b'"' => {
                    self.pos += 1;
                    self.parse_double_quote(r, target)?;
                }
                b'#' => {
                    let p = self.pos;
                    self.set(p, 0);
                    break;
                }
                0 | b';' => break,
                b'\\' => {
                    if self.parse_backslash(r) {
                        self.addc(target);
                    }
                }
                _ => self.addc(target),
            }
            let c = self.cur();
            if c == 0 || is_space(c) {
                break;
            }
        }
        let c = self.cur();
        if c != 0 && is_space(c) {
            self.pos += 1;
        }
        let t = *target;
        self.set(t, 0);
        Ok(())
    }

    /// Extracts the next argument; returns its offset in the buffer.
    pub fn next_arg(&mut self, r: &mut Stream<'_>, required: bool, rule: NameRule) -> Result<usize> {
        self.next_arg_span(r, required, rule).map(|(val, _)| val)
    }

    /// [`Pctx::next_arg`], returning where the argument starts and ends in
    /// the buffer (`str_at(start)` is `span(start, end)`: a decoded argument
    /// holds no NUL, and one is written at its end).
    pub fn next_arg_span(&mut self, r: &mut Stream<'_>, required: bool, rule: NameRule) -> Result<(usize, usize)> {
        self.skip_whitespace();
        let val = self.pos;
        let mut target = self.pos;
        if self.cur() == b';' {
            let p = self.pos;
            self.set(p, 0);
            self.pos += 1;
        } else {
            self.parse_str(r, &mut target)?;
        }
        if self.ch(val) == 0 {
            if required {
                return Err(self.error("insufficient arguments"));
            }
            return Ok((val, val));
        }
        let arg = self.span(val, target);
        let ok = match rule {
            NameRule::None => true,
            NameRule::Name => crate::lookup::valid_name(arg),
            NameRule::Package => arg.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-'),
        };
        if !ok {
            return Err(self.error("invalid character in name field"));
        }
        Ok((val, target))
    }

    /// The bytes of the buffer from `start` to `end` (clamped to it).
    pub fn span(&self, start: usize, end: usize) -> &[u8] {
        let end = end.min(self.buf.len());
        self.buf.get(start..end).unwrap_or(&[])
    }

    /// Reads one more argument; strict mode refuses a non-empty one.
    pub fn assert_eol(&mut self, r: &mut Stream<'_>, strict: bool) -> Result<()> {
        self.skip_whitespace();
        if self.cur() == 0 {
            // the common end of a line: what decoding an empty argument does
            return Ok(());
        }
        let v = self.next_arg(r, false, NameRule::None)?;
        if self.ch(v) != 0 && strict {
            return Err(self.error("too many arguments"));
        }
        Ok(())
    }

    /// `strtok(cur, " \t")`: the next keyword, terminated in place. Returns
    /// its start and the offset of its terminating NUL.
    pub fn keyword(&mut self) -> Option<(usize, usize)> {
        let mut s = self.pos;
        while matches!(self.ch(s), b' ' | b'\t') {
            s += 1;
        }
        if self.ch(s) == 0 {
            return None;
        }
        let mut e = s;
        while !matches!(self.ch(e), 0 | b' ' | b'\t') {
            e += 1;
        }
        self.set(e, 0);
        Some((s, e))
    }

    /// Moves past a keyword ending at `end`, or raises `<what> without name`
    /// when the keyword is the last thing in the input.
    pub fn skip_keyword(&mut self, end: usize, what: &'static str) -> Result<()> {
        if end + 1 > self.buf_filled {
            return Err(self.error(what));
        }
        self.pos = end + 1;
        Ok(())
    }

    /// Whether anything is left after the current position.
    pub fn rest_is_empty(&self) -> bool {
        self.cur() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &[u8]) -> Vec<Vec<u8>> {
        let mut r = Stream::from_bytes(line);
        let mut p = Pctx::new();
        p.start_line(&mut r);
        let mut out = vec![];
        loop {
            let v = p.next_arg(&mut r, false, NameRule::None).unwrap();
            let s = p.str_at(v).to_vec();
            if s.is_empty() {
                break;
            }
            out.push(s);
        }
        out
    }

    #[test]
    fn quoting() {
        assert_eq!(args(b"ab'c d'\"e f\"g\n"), vec![b"abc de fg".to_vec()]);
        assert_eq!(args(b"set 'a b' \"c\\\"d\" e\\ f # comment\n"), vec![b"set".to_vec(), b"a b".to_vec(), b"c\"d".to_vec(), b"e f".to_vec()]);
        assert_eq!(args(b"x\\\ny\n"), vec![b"xy".to_vec()]);
        assert_eq!(args(b"ab\\\n  cd\n"), vec![b"ab".to_vec(), b"cd".to_vec()]);
        assert_eq!(args(b"\"ab\\\n  cd\"\n"), vec![b"ab  cd".to_vec()]);
    }

    #[test]
    fn spans_are_the_decoded_arguments() {
        for line in [
            &b"ab'c d'\"e f\"g\n"[..],
            b"set 'a b' \"c\\\"d\" e\\ f # comment\n",
            b"x\\\ny z;w\n",
            b"a;b c#d e\n",
            b"'' \"\" ; x\n",
            b"  o\tn 'v'  \n",
        ] {
            let mut r = Stream::from_bytes(line);
            let mut p = Pctx::new();
            p.start_line(&mut r);
            for _ in 0..8 {
                let (s, e) = p.next_arg_span(&mut r, false, NameRule::None).unwrap();
                assert_eq!(p.span(s, e), p.str_at(s), "{:?}", String::from_utf8_lossy(line));
                if p.rest_is_empty() {
                    break;
                }
            }
        }
    }

    #[test]
    fn unterminated() {
        let mut r = Stream::from_bytes(b"config alias' 'a'\n");
        let mut p = Pctx::new();
        p.start_line(&mut r);
        p.pos = 7;
        assert!(p.next_arg(&mut r, true, NameRule::None).is_err());
        assert_eq!((p.reason, p.line, p.byte), (Some("EOF with unterminated '"), 1, 18));
    }
}
