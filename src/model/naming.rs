//! The one rule for naming anonymous sections (file-format.md §7):
//! `cfg` + `%02x` of the package's section counter + `%04x` of the low 16 bits
//! of the djb2 hash (signed-char arithmetic) of the section type.

use super::Text;

/// djb2 over signed chars, masked to 31 bits.
pub fn type_hash(stype: &[u8]) -> u32 {
    let mut h: u32 = 5381;
    for &c in stype {
        h = h.wrapping_mul(33).wrapping_add(c as i8 as i32 as u32);
    }
    h & 0x7fff_ffff
}

/// The generated name of the `counter`-th section, of type `stype`.
pub fn anonymous_name(counter: u32, stype: &[u8]) -> Text {
    // by hand, not `write!`: a load names every anonymous section, and the
    // formatting machinery cost as much as the rest of adding one
    let mut name = Text::from(b"cfg");
    push_hex(&mut name, counter, 2);
    push_hex(&mut name, type_hash(stype) & 0xffff, 4);
    name
}

/// Appends `v` in lowercase hex, zero-padded to `width` digits (`%0<width>x`).
fn push_hex(out: &mut Text, v: u32, width: usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digits = (32 - v.leading_zeros() as usize).div_ceil(4).max(width);
    out.extend((0..digits).rev().map(|i| DIGITS[((v >> (4 * i)) & 0xf) as usize]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_names() {
        assert_eq!(anonymous_name(2, b"interface"), b"cfg026d96");
        assert_eq!(anonymous_name(4, b"alias"), b"cfg044d8f");
        assert_eq!(anonymous_name(6, b"alias"), b"cfg064d8f");
        assert_eq!(anonymous_name(301, b"t"), b"cfg12db619");
        assert_eq!(anonymous_name(0, b"t"), b"cfg00b619");
        assert_eq!(anonymous_name(0xabcdef12, b"t"), b"cfgabcdef12b619");
        assert_eq!(type_hash(b"foo") & 0xffff, 0x7389);
        assert_eq!(type_hash(&[0xc3, 0xa9]) & 0xffff, 0x6211);
    }
}
