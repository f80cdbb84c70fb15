//! The one quoting rule of UCI output: every `'` becomes `'\''`, nothing else
//! is escaped. Used by export, commit, delta lines, `show` and `changes`.

/// Appends `s` with each `'` replaced by `'\''`.
pub fn push_escaped(out: &mut Vec<u8>, s: &[u8]) {
    // most names and values are short and have no quote: a plain scan is
    // cheaper there than setting up memchr
    if s.len() < 32 && !s.iter().any(|&c| c == b'\'') {
        out.extend_from_slice(s);
        return;
    }
    let mut rest = s;
    while let Some(i) = memchr::memchr(b'\'', rest) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(b"'\\''");
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// Appends `'<escaped s>'`.
pub fn push_quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'\'');
    push_escaped(out, s);
    out.push(b'\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut v = vec![];
        push_quoted(&mut v, b"it's\n\t\\");
        assert_eq!(v, b"'it'\\''s\n\t\\'");
        let mut v = vec![];
        push_escaped(&mut v, b"''a'");
        assert_eq!(v, br"'\'''\''a'\''");
        let mut v = vec![];
        push_escaped(&mut v, b"");
        assert!(v.is_empty());
    }
}
