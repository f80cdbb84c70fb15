//! Decimal numbers read the way the C library reads them (`strtol`,
//! `strtoul`, `sscanf("%d")`): uci reads list indexes, reorder positions and
//! `@type[n]` indexes with these, and their quirks are observable.

/// The result of scanning `[whitespace][+|-]digits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    pub negative: bool,
    /// The digits' value (saturated at `u64::MAX` on overflow).
    pub magnitude: u64,
    pub overflow: bool,
    /// Number of digits read (0: no number).
    pub digits: usize,
    /// Offset just past the last digit (or past the whitespace and sign
    /// when there were no digits).
    pub end: usize,
    /// Only whitespace (or nothing) was found.
    pub blank: bool,
}

/// Scans a decimal number at the start of `s`.
pub fn scan(s: &[u8]) -> Scan {
    let mut i = 0;
    while i < s.len() && super::is_space(s[i]) {
        i += 1;
    }
    let blank = i == s.len();
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let (mut magnitude, mut overflow) = (0u64, false);
    while i < s.len() && s[i].is_ascii_digit() {
        match magnitude.checked_mul(10).and_then(|x| x.checked_add(u64::from(s[i] - b'0'))) {
            Some(x) => magnitude = x,
            None => {
                overflow = true;
                magnitude = u64::MAX;
            }
        }
        i += 1;
    }
    Scan { negative, magnitude, overflow, digits: i - start, end: i, blank }
}

impl Scan {
    /// The value as a signed `long` (saturating, as `strtol` clamps).
    pub fn as_i64(&self) -> i64 {
        let m = i64::try_from(self.magnitude).unwrap_or(i64::MAX);
        if self.negative {
            -m
        } else {
            m
        }
    }
}

/// `strtol(s, &end, 10)` that must consume all of `s`; empty means 0.
pub fn strtol_whole(s: &[u8]) -> Option<i64> {
    if s.is_empty() {
        return Some(0);
    }
    let sc = scan(s);
    (sc.digits > 0 && sc.end == s.len()).then(|| sc.as_i64())
}

/// `(int) strtoul(s, NULL, 10)`: garbage is 0, negative numbers wrap,
/// overflow gives `ULONG_MAX`, and the result is truncated to 32 bits.
pub fn strtoul_int(s: &[u8]) -> i32 {
    let sc = scan(s);
    let v = if sc.overflow {
        u64::MAX
    } else if sc.negative {
        sc.magnitude.wrapping_neg()
    } else {
        sc.magnitude
    };
    v as u32 as i32
}

/// `sscanf(s, "%d", &n)`: `Err(())` when it returns 0 (no number),
/// `Ok(None)` when it returns EOF (only whitespace), `Ok(Some(n))` otherwise.
#[allow(clippy::result_unit_err)]
pub fn sscanf_int(s: &[u8]) -> Result<Option<i64>, ()> {
    let sc = scan(s);
    if sc.blank {
        return Ok(None);
    }
    if sc.digits == 0 {
        return Err(());
    }
    Ok(Some(sc.as_i64().clamp(i64::from(i32::MIN), i64::from(i32::MAX))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_semantics() {
        assert_eq!(strtoul_int(b"-1"), -1);
        assert_eq!(strtoul_int(b"4294967297"), 1);
        assert_eq!(strtoul_int(b"x"), 0);
        assert_eq!(strtoul_int(b"2.5"), 2);
        assert_eq!(strtoul_int(b"99999999999999999999999"), -1);
        assert_eq!(strtol_whole(b""), Some(0));
        assert_eq!(strtol_whole(b" +1"), Some(1));
        assert_eq!(strtol_whole(b"-2"), Some(-2));
        assert_eq!(strtol_whole(b"0x1"), None);
        assert_eq!(strtol_whole(b" "), None);
        assert_eq!(sscanf_int(b" 12abc"), Ok(Some(12)));
        assert_eq!(sscanf_int(b"  "), Ok(None));
        assert_eq!(sscanf_int(b""), Ok(None));
        assert_eq!(sscanf_int(b"-x"), Err(()));
    }
}
