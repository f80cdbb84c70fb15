//! [`Text`]: the bytes of a name, type or value in the model.
//!
//! A loaded config holds tens of thousands of short strings (option names,
//! `'1'`, addresses, generated section names). Kept as `Vec<u8>`, each was a
//! heap allocation, and allocating them was a quarter of parsing. `Text`
//! keeps up to [`INLINE`] bytes in place and spills longer ones to the heap;
//! it reads as a `[u8]` and compares with byte strings and vectors.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use smallvec::SmallVec;

/// Bytes held without an allocation.
pub const INLINE: usize = 24;

/// An owned byte string, inline up to [`INLINE`] bytes.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(SmallVec<[u8; INLINE]>);

impl Text {
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// The bytes as a vector (a copy).
    pub fn into_vec(self) -> Vec<u8> {
        self.0.into_vec()
    }

    /// Whether the bytes live on the heap (longer than [`INLINE`]).
    pub fn spilled(&self) -> bool {
        self.0.spilled()
    }
}

impl Deref for Text {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Borrow<[u8]> for Text {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0[..], f)
    }
}

impl From<&[u8]> for Text {
    fn from(s: &[u8]) -> Text {
        Text(SmallVec::from_slice(s))
    }
}

impl<const N: usize> From<&[u8; N]> for Text {
    fn from(s: &[u8; N]) -> Text {
        Text(SmallVec::from_slice(s))
    }
}

impl From<&Vec<u8>> for Text {
    fn from(s: &Vec<u8>) -> Text {
        Text(SmallVec::from_slice(s))
    }
}

impl From<Vec<u8>> for Text {
    fn from(v: Vec<u8>) -> Text {
        if v.len() <= INLINE {
            Text(SmallVec::from_slice(&v))
        } else {
            Text(SmallVec::from_vec(v))
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::from(s.as_bytes())
    }
}

impl Extend<u8> for Text {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, it: I) {
        self.0.extend(it);
    }
}

macro_rules! eq_bytes {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for Text {
            fn eq(&self, other: &$t) -> bool {
                self.0[..] == other[..]
            }
        }
        impl PartialEq<Text> for $t {
            fn eq(&self, other: &Text) -> bool {
                self[..] == other.0[..]
            }
        }
    )*};
}
eq_bytes!([u8], &[u8], Vec<u8>, &Vec<u8>);

impl<const N: usize> PartialEq<[u8; N]> for Text {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.0[..] == other[..]
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Text {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.0[..] == other[..]
    }
}

impl<const N: usize> PartialEq<Text> for [u8; N] {
    fn eq(&self, other: &Text) -> bool {
        self[..] == other.0[..]
    }
}

impl<const N: usize> PartialEq<Text> for &[u8; N] {
    fn eq(&self, other: &Text) -> bool {
        self[..] == other.0[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_up_to_the_limit() {
        let short = Text::from(&[b'a'; INLINE]);
        assert!(!short.spilled());
        let long = Text::from(vec![b'b'; INLINE + 1]);
        assert!(long.spilled());
        assert_eq!(long.len(), INLINE + 1);
        assert_eq!(Text::from(&b"lan"[..]), *b"lan");
        assert_eq!(b"lan".to_vec(), Text::from("lan"));
        assert_eq!(Text::default(), b"");
    }

    #[test]
    fn hashes_as_its_bytes() {
        // a map keyed by Text is searched with &[u8] (Borrow)
        let mut m = std::collections::HashMap::new();
        m.insert(Text::from("host"), 1);
        assert_eq!(m.get(&b"host"[..]), Some(&1));
    }
}
