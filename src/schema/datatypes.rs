//! The ubox `validate_data` datatype language (`port`, `or(ip4addr,ip6addr)`,
//! `list(file)`, `range(1,65535)`, ...), reimplemented from `spec/datatypes.md`.
//!
//! * [`parse`] / [`parse_bytes`] turn an expression into an [`Expr`] (or a
//!   [`DatatypeError`] whose `Display` is the exact reference syntax-error line).
//! * [`evaluate`] returns the [`Kind`] of a valid value (it drives shell quoting),
//!   [`validate`] / [`validate_bytes`] only say valid or not, [`check`] parses and validates.
//! * `uci(...)` lookups go through the small [`Resolver`] trait; [`NoResolver`] knows no
//!   configuration at all.
//!
//! All processing is byte-oriented in the C locale. Numeric conversions follow C `strtod`,
//! `strtol` and `strtoul` with the target's C `long` width, and results are then truncated to
//! a 32-bit C `int` where the reference does so (spec §2.4, §6).
//!
//! This file depends on `std` only and contains no `unsafe` code.

use std::ffi::{c_long, c_ulong};
use std::fmt;

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

/// The kind a successful match produces (spec §1, §3.10). It decides how `validate_data`
/// quotes the value in its shell output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `bool`.
    Bool,
    /// Number literals, `min max range integer uinteger float ufloat port`.
    Number,
    /// String literals and every other typed datatype.
    String,
}

/// Every function name of the language (44 of them), matched case-sensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Or,
    And,
    Not,
    Neg,
    List,
    Min,
    Max,
    Range,
    Integer,
    Uinteger,
    Float,
    Ufloat,
    Port,
    Bool,
    Minlength,
    Maxlength,
    Rangelength,
    String,
    Hexstring,
    Ip4addr,
    Ip6addr,
    Ipaddr,
    Cidr4,
    Cidr6,
    Cidr,
    Netmask4,
    Netmask6,
    Ipmask4,
    Ipmask6,
    Ipmask,
    Portrange,
    Macaddr,
    Uciname,
    Wpakey,
    Wepkey,
    Hostname,
    Host,
    Network,
    Phonedigit,
    Directory,
    Device,
    File,
    Regex,
    Uci,
}

const FUNCTIONS: [(&str, Function); 44] = [
    ("or", Function::Or),
    ("and", Function::And),
    ("not", Function::Not),
    ("neg", Function::Neg),
    ("list", Function::List),
    ("min", Function::Min),
    ("max", Function::Max),
    ("range", Function::Range),
    ("integer", Function::Integer),
    ("uinteger", Function::Uinteger),
    ("float", Function::Float),
    ("ufloat", Function::Ufloat),
    ("port", Function::Port),
    ("bool", Function::Bool),
    ("minlength", Function::Minlength),
    ("maxlength", Function::Maxlength),
    ("rangelength", Function::Rangelength),
    ("string", Function::String),
    ("hexstring", Function::Hexstring),
    ("ip4addr", Function::Ip4addr),
    ("ip6addr", Function::Ip6addr),
    ("ipaddr", Function::Ipaddr),
    ("cidr4", Function::Cidr4),
    ("cidr6", Function::Cidr6),
    ("cidr", Function::Cidr),
    ("netmask4", Function::Netmask4),
    ("netmask6", Function::Netmask6),
    ("ipmask4", Function::Ipmask4),
    ("ipmask6", Function::Ipmask6),
    ("ipmask", Function::Ipmask),
    ("portrange", Function::Portrange),
    ("macaddr", Function::Macaddr),
    ("uciname", Function::Uciname),
    ("wpakey", Function::Wpakey),
    ("wepkey", Function::Wepkey),
    ("hostname", Function::Hostname),
    ("host", Function::Host),
    ("network", Function::Network),
    ("phonedigit", Function::Phonedigit),
    ("directory", Function::Directory),
    ("device", Function::Device),
    ("file", Function::File),
    ("regex", Function::Regex),
    ("uci", Function::Uci),
];

impl Function {
    /// Looks a function up by its exact (case-sensitive) name.
    pub fn from_name(name: &[u8]) -> Option<Function> {
        FUNCTIONS
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|&(_, f)| f)
    }

    /// The function's name as written in expressions.
    pub fn name(self) -> &'static str {
        FUNCTIONS
            .iter()
            .find(|&&(_, f)| f == self)
            .map(|&(n, _)| n)
            .unwrap_or("?")
    }

    /// The kind this function sets when it succeeds; `None` for the combinators
    /// `or and not neg list`, which never set a kind themselves.
    pub fn kind(self) -> Option<Kind> {
        use Function::*;
        match self {
            Or | And | Not | Neg | List => None,
            Min | Max | Range | Integer | Uinteger | Float | Ufloat | Port => Some(Kind::Number),
            Bool => Some(Kind::Bool),
            _ => Some(Kind::String),
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed datatype expression.
///
/// [`parse`] always returns an `Expr::Call { func: Function::Or, .. }` holding the top-level
/// terms (the implicit `or` of spec §2.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number literal (anything C `strtod` accepts), e.g. `5`, `0x10`, `inf`.
    Number(f64),
    /// A string literal. `content` is the raw text between the quotes, backslashes
    /// included; `quote` is `b'\''` or `b'"'`.
    Str { content: Vec<u8>, quote: u8 },
    /// A function with its (possibly empty) argument list.
    Call { func: Function, args: Vec<Expr> },
}

impl Expr {
    /// The literal's text with backslash escapes removed (spec §3.2); `None` if not a string.
    pub fn unescaped(&self) -> Option<Vec<u8>> {
        match self {
            Expr::Str { content, .. } => Some(unescape_literal(content)),
            _ => None,
        }
    }

    /// True if this expression contains a `list(...)` or `uci(...)` below its root, i.e. used
    /// as the element check of a `list()` it would hit the reference's tokenizer clobbering
    /// (spec §6.4). Useful to flag suspicious schemas.
    pub fn uses_tokenizer(&self) -> bool {
        match self {
            Expr::Call { func, args } => {
                matches!(func, Function::List | Function::Uci)
                    || args.iter().any(Expr::uses_tokenizer)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Expr {
    /// A canonical, re-parseable rendering (not necessarily the original text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number(n) => write!(f, "{n}"),
            Expr::Str { content, quote } => {
                let q = char::from(*quote);
                write!(f, "{q}{}{q}", String::from_utf8_lossy(content))
            }
            Expr::Call { func, args } => {
                write!(f, "{func}")?;
                if !args.is_empty() {
                    f.write_str("(")?;
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            f.write_str(",")?;
                        }
                        write!(f, "{a}")?;
                    }
                    f.write_str(")")?;
                }
                Ok(())
            }
        }
    }
}

/// The six syntax errors of the reference parser (spec §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyntaxError {
    UnrecognizedFunction,
    UnterminatedString,
    ExpectedParenOrEof,
    ExpectedCommaAfterLiteral,
    ExpressionTooLong,
    UnexpectedEof,
}

impl SyntaxError {
    /// The exact line the reference prints on stdout (without the trailing `\n`).
    pub fn message(self) -> &'static str {
        match self {
            SyntaxError::UnrecognizedFunction => "Syntax error, unrecognized function",
            SyntaxError::UnterminatedString => "Syntax error, unterminated string",
            SyntaxError::ExpectedParenOrEof => {
                "Syntax error, expected '(' or EOF after function label"
            }
            SyntaxError::ExpectedCommaAfterLiteral => "Syntax error, expected ',' after literal",
            SyntaxError::ExpressionTooLong => "Syntax error, expression too long",
            SyntaxError::UnexpectedEof => "Syntax error, unexpected EOF",
        }
    }
}

/// A malformed datatype expression.
///
/// `Display` prints exactly the reference's message (e.g.
/// `Syntax error, unrecognized function`), so a CLI can print `{err}` followed by a newline.
/// [`DatatypeError::offset`] gives the byte offset of the offending term for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DatatypeError {
    kind: SyntaxError,
    offset: usize,
}

impl DatatypeError {
    /// Which syntax error occurred.
    pub fn kind(&self) -> SyntaxError {
        self.kind
    }

    /// Byte offset (in the expression text) of the term where the error was detected.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for DatatypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.message())
    }
}

impl std::error::Error for DatatypeError {}

/// Configuration access needed by the `uci(...)` datatype (spec §3.9).
///
/// The reference opens a fresh libuci context with default settings for every evaluation
/// (confdir `/etc/config`, override dir `/var/run/uci`, staged changes from `/tmp/.uci`);
/// an implementation should answer from that view of the configuration.
pub trait Resolver {
    /// All sections of `package` in file order as `(name, type)` pairs, anonymous sections
    /// under their generated `cfgXXXXXX` names. `None` if the package cannot be loaded.
    fn sections(&self, package: &str) -> Option<Vec<(String, String)>>;

    /// The values of option `option` in the section **named** `section` of `package`: one
    /// element for a plain option, the elements for a list option; `None` if the package,
    /// section or option does not exist.
    fn option(&self, package: &str, section: &str, option: &str) -> Option<Vec<String>>;
}

/// A [`Resolver`] without any configuration: every `uci(...)` check fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl Resolver for NoResolver {
    fn sections(&self, _package: &str) -> Option<Vec<(String, String)>> {
        None
    }

    fn option(&self, _package: &str, _section: &str, _option: &str) -> Option<Vec<String>> {
        None
    }
}

// ---------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------

/// Parses a datatype expression (spec §2). The result is the implicit top-level `or` of
/// the comma-separated terms. Terms dropped because of unbalanced parentheses are silently
/// omitted, exactly like the reference.
pub fn parse(expr: &str) -> Result<Expr, DatatypeError> {
    parse_bytes(expr.as_bytes())
}

/// [`parse`] for raw bytes (command-line arguments need not be UTF-8).
pub fn parse_bytes(expr: &[u8]) -> Result<Expr, DatatypeError> {
    let mut p = Parser {
        src: expr,
        terms: 0,
    };
    let args = p.parse_list(0, expr.len())?;
    Ok(Expr::Call {
        func: Function::Or,
        args,
    })
}

/// Evaluates `expr` on `value`: `Some(kind)` if valid, `None` if invalid (spec §1).
/// The empty value is always invalid.
pub fn evaluate(expr: &Expr, value: &[u8], resolver: &dyn Resolver) -> Option<Kind> {
    if value.is_empty() {
        return None;
    }
    let mut ev = Evaluator {
        resolver,
        kind: None,
        tokenizer_used: false,
    };
    if ev.eval(expr, value) { ev.kind } else { None }
}

/// True if `value` is valid for `expr`.
pub fn validate(expr: &Expr, value: &str, resolver: &dyn Resolver) -> bool {
    validate_bytes(expr, value.as_bytes(), resolver)
}

/// [`validate`] for raw bytes.
pub fn validate_bytes(expr: &Expr, value: &[u8], resolver: &dyn Resolver) -> bool {
    evaluate(expr, value, resolver).is_some()
}

/// Parses `expr_text` and validates `value` against it.
///
/// Like the reference, an empty value is invalid without the expression even being parsed
/// (`Ok(false)`, no error). Otherwise a malformed expression is an `Err` (callers mimicking
/// `validate_data` treat it as invalid after printing the message).
pub fn check(expr_text: &str, value: &str, resolver: &dyn Resolver) -> Result<bool, DatatypeError> {
    if value.is_empty() {
        return Ok(false);
    }
    let expr = parse(expr_text)?;
    Ok(validate(&expr, value, resolver))
}

// ---------------------------------------------------------------------------------------
// Expression parser (spec §2)
// ---------------------------------------------------------------------------------------

/// Maximum number of terms (literals and function names, at any depth).
const MAX_TERMS: usize = 30;

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

struct Parser<'a> {
    src: &'a [u8],
    terms: usize,
}

impl Parser<'_> {
    fn err(&self, kind: SyntaxError, offset: usize) -> DatatypeError {
        DatatypeError { kind, offset }
    }

    /// Splits `src[start..end]` into terms (spec §2.2) and parses each.
    fn parse_list(&mut self, start: usize, end: usize) -> Result<Vec<Expr>, DatatypeError> {
        let mut out = Vec::new();
        for (s, e) in split_terms(self.src, start, end) {
            out.push(self.parse_term(s, e)?);
        }
        Ok(out)
    }

    fn count_term(&mut self, offset: usize) -> Result<(), DatatypeError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(self.err(SyntaxError::ExpressionTooLong, offset));
        }
        Ok(())
    }

    fn only_space(&self, from: usize, end: usize) -> bool {
        self.src[from..end].iter().all(|&b| is_space(b))
    }

    fn parse_term(&mut self, start: usize, end: usize) -> Result<Expr, DatatypeError> {
        let src = self.src;
        let mut i = start;
        while i < end && is_space(src[i]) {
            i += 1;
        }
        if i == end {
            let kind = if end == src.len() {
                SyntaxError::UnexpectedEof
            } else {
                SyntaxError::UnrecognizedFunction
            };
            return Err(self.err(kind, start));
        }

        // Number literal: whatever C strtod converts.
        if let Some((value, len)) = c_strtod(&src[i..end]) {
            self.count_term(i)?;
            if !self.only_space(i + len, end) {
                return Err(self.err(SyntaxError::ExpectedCommaAfterLiteral, i));
            }
            return Ok(Expr::Number(value));
        }

        // String literal.
        let c = src[i];
        if c == b'\'' || c == b'"' {
            let mut j = i + 1;
            let close = loop {
                if j >= end {
                    break None;
                }
                if src[j] == b'\\' {
                    j += 2;
                } else if src[j] == c {
                    break Some(j);
                } else {
                    j += 1;
                }
            };
            let Some(close) = close else {
                return Err(self.err(SyntaxError::UnterminatedString, i));
            };
            self.count_term(i)?;
            if !self.only_space(close + 1, end) {
                return Err(self.err(SyntaxError::ExpectedCommaAfterLiteral, i));
            }
            return Ok(Expr::Str {
                content: src[i + 1..close].to_vec(),
                quote: c,
            });
        }

        // Function.
        let mut j = i;
        while j < end && is_name_char(src[j]) {
            j += 1;
        }
        let Some(func) = Function::from_name(&src[i..j]) else {
            return Err(self.err(SyntaxError::UnrecognizedFunction, i));
        };
        self.count_term(i)?;
        let mut k = j;
        while k < end && is_space(src[k]) {
            k += 1;
        }
        if k == end {
            return Ok(Expr::Call {
                func,
                args: Vec::new(),
            });
        }
        if src[k] != b'(' {
            return Err(self.err(SyntaxError::ExpectedParenOrEof, k));
        }
        // The argument text runs up to (excluding) the last non-whitespace byte of the term,
        // which is assumed to be the closing parenthesis and never checked.
        let mut last = end;
        while last > k + 1 && is_space(src[last - 1]) {
            last -= 1;
        }
        let args_end = last.saturating_sub(1).max(k + 1);
        let args = self.parse_list(k + 1, args_end)?;
        Ok(Expr::Call { func, args })
    }
}

/// Splits `src[start..end]` at top-level commas (spec §2.2): parentheses nest, a backslash
/// hides the next byte, quotes are not special, empty terms are skipped, and a final term
/// with unbalanced parentheses is dropped.
fn split_terms(src: &[u8], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth: i64 = 0;
    let mut term_start = start;
    let mut i = start;
    while i < end {
        match src[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth <= 0 => {
                if i > term_start {
                    out.push((term_start, i));
                }
                term_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if depth <= 0 && end > term_start {
        out.push((term_start, end));
    }
    out
}

/// Removes literal escapes: each backslash is dropped and the byte after it kept.
fn unescape_literal(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len());
    let mut i = 0;
    while i < content.len() {
        if content[i] == b'\\' && i + 1 < content.len() {
            i += 1;
        }
        out.push(content[i]);
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------
// C conversions (spec §2.4)
// ---------------------------------------------------------------------------------------

/// C `strtod`: the converted value and the number of bytes consumed, `None` if nothing
/// converted.
fn c_strtod(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let rest = &s[i..];
    let signed = |x: f64| if neg { -x } else { x };

    if starts_with_ci(rest, b"inf") {
        let n = if starts_with_ci(rest, b"infinity") {
            8
        } else {
            3
        };
        return Some((signed(f64::INFINITY), i + n));
    }
    if starts_with_ci(rest, b"nan") {
        let mut n = 3;
        if rest.get(3) == Some(&b'(') {
            let mut j = 4;
            while j < rest.len() && is_name_char(rest[j]) {
                j += 1;
            }
            if rest.get(j) == Some(&b')') {
                n = j + 1;
            }
        }
        return Some((f64::NAN, i + n));
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        let hex_follows = match rest.get(2) {
            Some(b) if b.is_ascii_hexdigit() => true,
            Some(b'.') => rest.get(3).is_some_and(u8::is_ascii_hexdigit),
            _ => false,
        };
        if hex_follows {
            let (v, n) = parse_hex_float(&rest[2..]);
            return Some((signed(v), i + 2 + n));
        }
        // "0x" without hex digits converts just the "0".
        return Some((signed(0.0), i + 1));
    }

    // Decimal.
    let mut j = 0;
    let mut digits = 0;
    while j < rest.len() && rest[j].is_ascii_digit() {
        j += 1;
        digits += 1;
    }
    if j < rest.len() && rest[j] == b'.' {
        j += 1;
        while j < rest.len() && rest[j].is_ascii_digit() {
            j += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if j < rest.len() && (rest[j] | 0x20) == b'e' {
        let mut k = j + 1;
        if k < rest.len() && (rest[k] == b'+' || rest[k] == b'-') {
            k += 1;
        }
        if k < rest.len() && rest[k].is_ascii_digit() {
            while k < rest.len() && rest[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    // The slice is pure ASCII of the form digits[.digits][e[+-]digits], which Rust's
    // correctly rounding float parser accepts (saturating to inf / 0 like strtod).
    let text = std::str::from_utf8(&rest[..j]).ok()?;
    let v: f64 = text.parse().ok()?;
    Some((signed(v), i + j))
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Parses the part after `0x` of a hexadecimal float (`1f`, `1.8p1`, `.8`), correctly
/// rounded to nearest-even. Returns the value and the bytes consumed.
fn parse_hex_float(s: &[u8]) -> (f64, usize) {
    let mut mant: u64 = 0;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut i = 0;
    let mut after_point = false;
    loop {
        match s.get(i) {
            Some(&b) if b.is_ascii_hexdigit() => {
                let d = u64::from(hex_val(b));
                if mant >> 60 == 0 {
                    mant = (mant << 4) | d;
                    if after_point {
                        exp2 -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !after_point {
                        exp2 += 4;
                    }
                }
            }
            Some(b'.') if !after_point => after_point = true,
            _ => break,
        }
        i += 1;
    }
    if i < s.len() && (s[i] | 0x20) == b'p' {
        let mut k = i + 1;
        let mut eneg = false;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            eneg = s[k] == b'-';
            k += 1;
        }
        if k < s.len() && s[k].is_ascii_digit() {
            let mut e: i64 = 0;
            while k < s.len() && s[k].is_ascii_digit() {
                e = (e * 10 + i64::from(s[k] - b'0')).min(1 << 40);
                k += 1;
            }
            exp2 += if eneg { -e } else { e };
            i = k;
        }
    }
    (make_f64(mant, exp2, sticky), i)
}

fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'z' => b - b'a' + 10,
        b'A'..=b'Z' => b - b'A' + 10,
        _ => 255,
    }
}

/// `mant * 2^exp2` (plus a sticky "something nonzero below" bit) rounded to an `f64`.
fn make_f64(mant: u64, exp2: i64, sticky: bool) -> f64 {
    if mant == 0 {
        return 0.0;
    }
    let lz = i64::from(mant.leading_zeros());
    let m = u128::from(mant << lz);
    let exp2 = exp2 - lz;
    // value = m * 2^exp2 with bit 63 of m set, so value is in [2^e, 2^(e+1)).
    let e = exp2 + 63;
    if e > 1023 {
        return f64::INFINITY;
    }
    let shift = if e >= -1022 {
        11
    } else {
        (11 + (-1022 - e)).min(127)
    };
    let shift = shift as u32;
    let mut kept = m >> shift;
    let rem = m & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rem > half || (rem == half && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    if e >= -1022 {
        let mut e = e;
        if kept == 1 << 53 {
            kept >>= 1;
            e += 1;
            if e > 1023 {
                return f64::INFINITY;
            }
        }
        let bits = (((e + 1023) as u64) << 52) | (kept as u64 & ((1u64 << 52) - 1));
        f64::from_bits(bits)
    } else {
        // Subnormal; a carry into bit 52 yields the smallest normal number naturally.
        f64::from_bits(kept as u64)
    }
}

/// Result of a C `strtol`/`strtoul` style scan before range handling.
struct IntScan {
    neg: bool,
    /// Magnitude, saturated far above any C `unsigned long`.
    mag: u128,
    /// Bytes consumed (0 never happens: no digit means `None`).
    len: usize,
}

fn c_strto_scan(s: &[u8], base: i32) -> Option<IntScan> {
    if base < 0 || base == 1 || base > 36 {
        return None;
    }
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut base = base as u32;
    let hex_prefix = s.get(i) == Some(&b'0')
        && s.get(i + 1).is_some_and(|b| b | 0x20 == b'x')
        && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
    if (base == 0 || base == 16) && hex_prefix {
        base = 16;
        i += 2;
    } else if base == 0 {
        base = if s.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let start = i;
    let mut mag: u128 = 0;
    while i < s.len() {
        let d = u32::from(hex_val(s[i]));
        if d >= base {
            break;
        }
        mag = mag
            .saturating_mul(u128::from(base))
            .saturating_add(u128::from(d));
        i += 1;
    }
    if i == start {
        return None;
    }
    Some(IntScan { neg, mag, len: i })
}

/// C `strtol`: value (saturated at the C `long` limits) and bytes consumed.
fn c_strtol(s: &[u8], base: i32) -> Option<(c_long, usize)> {
    let r = c_strto_scan(s, base)?;
    let max = c_long::MAX as u128;
    let v = if r.neg {
        if r.mag > max + 1 {
            c_long::MIN
        } else {
            (-(r.mag as i128)) as c_long
        }
    } else if r.mag > max {
        c_long::MAX
    } else {
        r.mag as c_long
    };
    Some((v, r.len))
}

/// C `strtoul`: value (saturated at `ULONG_MAX`, a `-` sign negates in unsigned arithmetic)
/// and bytes consumed.
fn c_strtoul(s: &[u8], base: i32) -> Option<(c_ulong, usize)> {
    let r = c_strto_scan(s, base)?;
    let v = if r.mag > c_ulong::MAX as u128 {
        c_ulong::MAX
    } else if r.neg {
        (r.mag as c_ulong).wrapping_neg()
    } else {
        r.mag as c_ulong
    };
    Some((v, r.len))
}

/// The whole of `s` converts with `strtol(s, base)`.
fn full_strtol(s: &[u8], base: i32) -> Option<c_long> {
    c_strtol(s, base).and_then(|(v, n)| (n == s.len()).then_some(v))
}

/// The whole of `s` converts with `strtoul(s, base)`.
fn full_strtoul(s: &[u8], base: i32) -> Option<c_ulong> {
    c_strtoul(s, base).and_then(|(v, n)| (n == s.len()).then_some(v))
}

/// `strtoul(s, base)` whose end pointer must reach the end of `s`; an empty `s` converts
/// nothing, leaves the end pointer at its end and yields 0.
fn strtoul_to_end(s: &[u8], base: i32) -> Option<c_ulong> {
    if s.is_empty() {
        Some(0)
    } else {
        full_strtoul(s, base)
    }
}

/// The whole of `s` converts with `strtod`.
fn full_strtod(s: &[u8]) -> Option<f64> {
    c_strtod(s).and_then(|(v, n)| (n == s.len()).then_some(v))
}

/// Stores a C `long` into a C `int` (keeps the low 32 bits).
#[allow(clippy::unnecessary_cast)]
fn long_to_int(v: c_long) -> i32 {
    v as i32
}

/// Stores a C `unsigned long` into a C `int` (keeps the low 32 bits).
#[allow(clippy::unnecessary_cast)]
fn ulong_to_int(v: c_ulong) -> i32 {
    v as u32 as i32
}

/// Stores a double into a C `int`: truncation toward zero; out of range saturates and NaN
/// becomes 0 (the ARM behaviour recommended by spec §6.2).
fn double_to_int(v: f64) -> i32 {
    v as i32
}

// ---------------------------------------------------------------------------------------
// Evaluation (spec §1, §3)
// ---------------------------------------------------------------------------------------

struct Evaluator<'r> {
    resolver: &'r dyn Resolver,
    kind: Option<Kind>,
    /// Set when something used the C library's process-wide tokenizer (a `list()` walk or a
    /// `uci()` package load); an enclosing `list()` then sees no further elements (§6.4).
    tokenizer_used: bool,
}

impl Evaluator<'_> {
    fn eval(&mut self, expr: &Expr, v: &[u8]) -> bool {
        match expr {
            Expr::Number(n) => {
                let ok = full_strtod(v) == Some(*n);
                if ok {
                    self.kind = Some(Kind::Number);
                }
                ok
            }
            Expr::Str { content, quote } => {
                let u = unescape_literal(content);
                let ok = v == u.as_slice()
                    || (v.len() == u.len() + 1 && v.starts_with(&u) && v[u.len()] == *quote);
                if ok {
                    self.kind = Some(Kind::String);
                }
                ok
            }
            Expr::Call { func, args } => self.call(*func, args, v),
        }
    }

    fn call(&mut self, func: Function, args: &[Expr], v: &[u8]) -> bool {
        match func {
            Function::Or => args.iter().any(|a| self.eval(a, v)),
            Function::And => args.iter().all(|a| self.eval(a, v)),
            Function::Not => match args.first() {
                Some(a) => !self.eval(a, v),
                None => false,
            },
            Function::Neg => {
                let Some(a) = args.first() else {
                    return false;
                };
                let rest = match v.strip_prefix(b"!") {
                    Some(mut r) => {
                        while let [first, tail @ ..] = r {
                            if !is_space(*first) {
                                break;
                            }
                            r = tail;
                        }
                        r
                    }
                    None => v,
                };
                self.eval(a, rest)
            }
            Function::List => {
                let Some(elem) = args.first() else {
                    return false;
                };
                let mut ok = true;
                for piece in v.split(|&b| b == b' ' || b == b'\t') {
                    if piece.is_empty() {
                        continue;
                    }
                    self.tokenizer_used = false;
                    if !self.eval(elem, piece) {
                        ok = false;
                        break;
                    }
                    if self.tokenizer_used {
                        // The nested walk clobbered our tokenizer state: no more elements.
                        break;
                    }
                }
                self.tokenizer_used = true;
                ok
            }
            _ => {
                let ok = self.typed(func, args, v);
                if ok {
                    self.kind = func.kind();
                }
                ok
            }
        }
    }

    fn typed(&mut self, func: Function, args: &[Expr], v: &[u8]) -> bool {
        use Function as F;
        let len = v.len();
        match func {
            F::Or | F::And | F::Not | F::Neg | F::List => false, // handled in `call`
            F::Min => match (num_arg(args, 0), full_strtol(v, 0)) {
                (Some(n), Some(x)) => long_to_int(x) >= n,
                _ => false,
            },
            F::Max => match (num_arg(args, 0), full_strtol(v, 0)) {
                (Some(n), Some(x)) => long_to_int(x) <= n,
                _ => false,
            },
            F::Range => match (num_arg(args, 0), num_arg(args, 1), full_strtol(v, 0)) {
                (Some(a), Some(b), Some(x)) => {
                    let x = long_to_int(x);
                    a <= x && x <= b
                }
                _ => false,
            },
            F::Integer => {
                let base = num_arg(args, 0).unwrap_or(0);
                (v[0].is_ascii_hexdigit() || v[0] == b'-') && full_strtol(v, base).is_some()
            }
            F::Uinteger => {
                let base = num_arg(args, 0).unwrap_or(0);
                v[0].is_ascii_hexdigit() && full_strtoul(v, base).is_some()
            }
            F::Float => full_strtod(v).is_some(),
            F::Ufloat => full_strtod(v).is_some_and(|x| double_to_int(x) >= 0),
            F::Port => is_port(v),
            F::Bool => is_bool(v),
            F::String => {
                let len = len as i64;
                num_arg(args, 0).is_none_or(|min| len >= i64::from(min))
                    && num_arg(args, 1).is_none_or(|max| len <= i64::from(max))
            }
            F::Minlength => num_arg(args, 0).is_some_and(|n| len as u64 >= i64::from(n) as u64),
            F::Maxlength => num_arg(args, 0).is_some_and(|n| len as u64 <= i64::from(n) as u64),
            F::Rangelength => match (num_arg(args, 0), num_arg(args, 1)) {
                (Some(a), Some(b)) => {
                    let len = len as i64;
                    i64::from(a) <= len && len <= i64::from(b)
                }
                _ => false,
            },
            F::Hexstring => {
                let slen = len as i64;
                len.is_multiple_of(2)
                    && num_arg(args, 0).is_none_or(|min| slen >= i64::from(min))
                    && num_arg(args, 1).is_none_or(|max| slen <= i64::from(max))
                    && v.iter().all(u8::is_ascii_hexdigit)
            }
            F::Ip4addr => parse_ip4(v).is_some(),
            F::Ip6addr => parse_ip6(v).is_some(),
            F::Ipaddr => is_ipaddr(v),
            F::Cidr4 => is_cidr4(v),
            F::Cidr6 => is_cidr6(v),
            F::Cidr => is_cidr4(v) || is_cidr6(v),
            F::Netmask4 => is_netmask4(v),
            F::Netmask6 => is_netmask6(v),
            F::Ipmask4 => is_ipmask4(v),
            F::Ipmask6 => is_ipmask6(v),
            F::Ipmask => is_ipmask4(v) || is_ipmask6(v),
            F::Portrange => is_portrange(v),
            F::Macaddr => is_macaddr(v),
            F::Uciname => is_uciname(v),
            F::Wpakey => is_wpakey(v),
            F::Wepkey => is_wepkey(v),
            F::Hostname => is_hostname(v),
            F::Host => is_host(v),
            F::Network => is_uciname(v) || is_host(v),
            F::Phonedigit => v
                .iter()
                .all(|&b| b.is_ascii_digit() || matches!(b, b'*' | b'#' | b'!' | b'.')),
            F::Directory => fs_check(v, FsKind::Directory),
            F::Device => fs_check(v, FsKind::Device),
            F::File => fs_check(v, FsKind::File),
            F::Regex => match args.first() {
                Some(Expr::Str { content, .. }) => regex_match(content, v),
                _ => false,
            },
            F::Uci => self.uci(args, v),
        }
    }

    fn uci(&mut self, args: &[Expr], v: &[u8]) -> bool {
        // Loading the package runs libuci's parser, which uses the same tokenizer as list().
        self.tokenizer_used = true;
        let s = |i: usize| match args.get(i) {
            Some(Expr::Str { content, .. }) => std::str::from_utf8(content).ok(),
            _ => None,
        };
        let (Some(package), Some(section)) = (s(0), s(1)) else {
            return false;
        };
        let r = self.resolver;
        let in_values = |vals: Option<Vec<String>>| {
            vals.is_some_and(|vals| vals.iter().any(|x| x.as_bytes() == v))
        };
        match (section.strip_prefix('@'), s(2)) {
            (Some(ty), None) => r
                .sections(package)
                .is_some_and(|secs| secs.iter().any(|(n, t)| t == ty && n.as_bytes() == v)),
            (Some(ty), Some(opt)) => r.sections(package).is_some_and(|secs| {
                secs.iter()
                    .filter(|(_, t)| t == ty)
                    .any(|(n, _)| in_values(r.option(package, n, opt)))
            }),
            (None, Some(opt)) => in_values(r.option(package, section, opt)),
            (None, None) => false,
        }
    }
}

/// Argument `i` if it is a number literal, stored into a C `int`.
fn num_arg(args: &[Expr], i: usize) -> Option<i32> {
    match args.get(i) {
        Some(Expr::Number(x)) => Some(double_to_int(*x)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Individual datatypes
// ---------------------------------------------------------------------------------------

fn is_port(v: &[u8]) -> bool {
    full_strtoul(v, 10).is_some_and(|x| ulong_to_int(x) <= 65535)
}

fn is_portrange(v: &[u8]) -> bool {
    let Some((n, len)) = c_strtoul(v, 10) else {
        return is_port(v);
    };
    if v.get(len) != Some(&b'-') {
        return is_port(v);
    }
    let Some(m) = strtoul_to_end(&v[len + 1..], 10) else {
        return false;
    };
    let (n, m) = (ulong_to_int(n), ulong_to_int(m));
    n <= 65535 && m <= 65535 && n <= m
}

const BOOL_WORDS: [&[u8]; 10] = [
    b"0",
    b"off",
    b"false",
    b"no",
    b"disabled",
    b"1",
    b"on",
    b"true",
    b"yes",
    b"enabled",
];

fn is_bool(v: &[u8]) -> bool {
    BOOL_WORDS.iter().any(|w| w.eq_ignore_ascii_case(v))
}

fn is_uciname(v: &[u8]) -> bool {
    v.iter().all(|&b| is_name_char(b))
}

fn is_wpakey(v: &[u8]) -> bool {
    match v.len() {
        64 => v.iter().all(u8::is_ascii_hexdigit),
        8..=63 => true,
        _ => false,
    }
}

fn is_wepkey(v: &[u8]) -> bool {
    let k = v.strip_prefix(b"s:").unwrap_or(v);
    match k.len() {
        10 | 26 => k.iter().all(u8::is_ascii_hexdigit),
        5 | 13 => true,
        _ => false,
    }
}

fn is_hostname(v: &[u8]) -> bool {
    if !v
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return false;
    }
    let labels: Vec<&[u8]> = v.split(|&b| b == b'.').collect();
    let (last, rest) = labels
        .split_last()
        .expect("split yields at least one piece");
    rest.iter().all(|l| (1..=63).contains(&l.len())) && (1..=255).contains(&last.len())
}

fn is_host(v: &[u8]) -> bool {
    is_hostname(v) || is_ipaddr(v)
}

fn is_ipaddr(v: &[u8]) -> bool {
    parse_ip4(v).is_some() || parse_ip6(v).is_some()
}

/// `inet_pton(AF_INET)`: strict dotted quad without leading zeros.
fn parse_ip4(v: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = v.split(|&b| b == b'.');
    for slot in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if p.len() > 1 && p[0] == b'0' {
            return None;
        }
        let n = p
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
        *slot = u8::try_from(n).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(out)
}

/// `inet_pton(AF_INET6)` (spec §3.5).
fn parse_ip6(v: &[u8]) -> Option<[u8; 16]> {
    let n = v.len();
    let mut groups: Vec<u16> = Vec::with_capacity(8);
    let mut gap: Option<usize> = None;
    let mut i = 0;
    if n == 0 {
        return None;
    }
    if v[0] == b':' {
        if v.get(1) != Some(&b':') {
            return None;
        }
        gap = Some(0);
        i = 2;
    }
    while i < n {
        let start = i;
        while i < n && v[i] != b':' {
            i += 1;
        }
        let tok = &v[start..i];
        if tok.is_empty() {
            return None;
        }
        if tok.contains(&b'.') {
            if i != n {
                return None;
            }
            let a = parse_ip4(tok)?;
            groups.push(u16::from_be_bytes([a[0], a[1]]));
            groups.push(u16::from_be_bytes([a[2], a[3]]));
            break;
        }
        if tok.len() > 4 || !tok.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        groups.push(
            tok.iter()
                .fold(0u16, |acc, &d| (acc << 4) | u16::from(hex_val(d))),
        );
        if groups.len() > 8 {
            return None;
        }
        if i == n {
            break;
        }
        i += 1; // the ':'
        if i < n && v[i] == b':' {
            if gap.is_some() {
                return None;
            }
            gap = Some(groups.len());
            i += 1;
        } else if i == n {
            return None; // trailing single colon
        }
    }
    let full: Vec<u16> = match gap {
        None if groups.len() == 8 => groups,
        Some(at) if groups.len() <= 7 => {
            let mut f = groups[..at].to_vec();
            f.resize(8 - (groups.len() - at), 0);
            f.extend_from_slice(&groups[at..]);
            f
        }
        _ => return None,
    };
    let mut out = [0u8; 16];
    for (k, g) in full.iter().enumerate() {
        out[2 * k..2 * k + 2].copy_from_slice(&g.to_be_bytes());
    }
    Some(out)
}

/// Splits at the first `/`.
fn split_slash(v: &[u8]) -> Option<(&[u8], &[u8])> {
    let p = v.iter().position(|&b| b == b'/')?;
    Some((&v[..p], &v[p + 1..]))
}

fn cidr_prefix_ok(suffix: &[u8], max: i32) -> bool {
    strtoul_to_end(suffix, 10).is_some_and(|x| ulong_to_int(x) <= max)
}

fn is_cidr4(v: &[u8]) -> bool {
    if v.len() > 19 {
        return false;
    }
    match split_slash(v) {
        Some((addr, suffix)) => cidr_prefix_ok(suffix, 32) && parse_ip4(addr).is_some(),
        None => parse_ip4(v).is_some(),
    }
}

fn is_cidr6(v: &[u8]) -> bool {
    if v.len() > 50 {
        return false;
    }
    match split_slash(v) {
        Some((addr, suffix)) => cidr_prefix_ok(suffix, 128) && parse_ip6(addr).is_some(),
        None => parse_ip6(v).is_some(),
    }
}

fn is_netmask4(v: &[u8]) -> bool {
    parse_ip4(v).is_some_and(|a| {
        let m = u32::from_be_bytes(a);
        m.leading_ones() + m.trailing_zeros() == 32
    })
}

fn is_netmask6(v: &[u8]) -> bool {
    parse_ip6(v).is_some_and(|a| {
        let ones = a.iter().take_while(|&&b| b == 0xff).count();
        a[ones..].iter().all(|&b| b == 0)
    })
}

fn is_ipmask4(v: &[u8]) -> bool {
    if v.len() > 32 {
        return false;
    }
    match split_slash(v) {
        Some((addr, mask)) => is_netmask4(mask) && parse_ip4(addr).is_some(),
        None => parse_ip4(v).is_some(),
    }
}

fn is_ipmask6(v: &[u8]) -> bool {
    if v.len() > 92 {
        return false;
    }
    match split_slash(v) {
        Some((addr, mask)) => is_netmask6(mask) && parse_ip6(addr).is_some(),
        None => parse_ip6(v).is_some(),
    }
}

/// musl `ether_aton` (spec §3.6): six `:`-separated fields, each empty or entirely a
/// `strtoul(field, 16)` conversion, each ≤ 0xff.
fn is_macaddr(v: &[u8]) -> bool {
    let fields: Vec<&[u8]> = v.split(|&b| b == b':').collect();
    fields.len() == 6
        && fields
            .iter()
            .all(|f| strtoul_to_end(f, 16).is_some_and(|x| x <= 0xff))
}

enum FsKind {
    Directory,
    Device,
    File,
}

/// `stat()` the path (following symlinks) and check the object's type.
fn fs_check(v: &[u8], kind: FsKind) -> bool {
    #[cfg(unix)]
    let path = {
        use std::os::unix::ffi::OsStrExt;
        std::path::Path::new(std::ffi::OsStr::from_bytes(v))
    };
    #[cfg(not(unix))]
    let path = match std::str::from_utf8(v) {
        Ok(s) => std::path::Path::new(s),
        Err(_) => return false,
    };
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    let ft = meta.file_type();
    match kind {
        FsKind::Directory => ft.is_dir(),
        FsKind::File => ft.is_file(),
        FsKind::Device => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::FileTypeExt;
                ft.is_char_device() || ft.is_block_device()
            }
            #[cfg(not(unix))]
            {
                false
            }
        }
    }
}

/// `regex("content")`: POSIX ERE `^content$`, searched in `v` (spec §3.8).
fn regex_match(content: &[u8], v: &[u8]) -> bool {
    let mut pattern = Vec::with_capacity(content.len() + 2);
    pattern.push(b'^');
    pattern.extend_from_slice(content);
    pattern.push(b'$');
    match ere::Regex::compile(&pattern) {
        Some(re) => re.is_match(v),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------
// A small POSIX extended regular expression engine (bytes, C locale)
// ---------------------------------------------------------------------------------------

mod ere {
    //! POSIX ERE over bytes in the C locale, compiled to an NFA and run as a Pike VM (no
    //! backtracking, linear time). Only "is there a match anywhere" is answered, so no
    //! submatch or leftmost-longest bookkeeping is needed.
    //!
    //! Supported: literals, `.`, bracket expressions (ranges, negation, `]` first, the
    //! twelve POSIX classes), `* + ?`, `{n}` `{n,}` `{n,m}` `{,m}` (counts ≤ 255), groups,
    //! `|`, `^` `$` anywhere, escaped literals, and the musl extensions `\d \D \s \S \w \W`,
    //! `\b \B \< \>`, `\xHH`/`\x{HH}`, `\t \n`. Not supported (pattern rejected):
    //! back-references `\1`..`\9`, collating symbols `[. .]` and equivalence classes `[= =]`.

    /// 256-bit byte set.
    #[derive(Clone, Copy, PartialEq, Eq)]
    struct Set([u64; 4]);

    impl Set {
        const EMPTY: Set = Set([0; 4]);
        const ALL: Set = Set([u64::MAX; 4]);

        fn byte(b: u8) -> Set {
            let mut s = Set::EMPTY;
            s.insert(b);
            s
        }
        fn from_fn(f: impl Fn(u8) -> bool) -> Set {
            let mut s = Set::EMPTY;
            for b in 0..=255u8 {
                if f(b) {
                    s.insert(b);
                }
            }
            s
        }
        fn insert(&mut self, b: u8) {
            self.0[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        fn contains(&self, b: u8) -> bool {
            self.0[usize::from(b >> 6)] & (1 << (b & 63)) != 0
        }
        fn union(&mut self, o: Set) {
            for (a, b) in self.0.iter_mut().zip(o.0) {
                *a |= b;
            }
        }
        fn negate(self) -> Set {
            Set(self.0.map(|w| !w))
        }
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Assert {
        Bol,
        Eol,
        WordBoundary,
        NotWordBoundary,
        WordStart,
        WordEnd,
    }

    enum Node {
        Set(Set),
        Assert(Assert),
        Concat(Vec<Node>),
        Alt(Vec<Node>),
        Repeat(Box<Node>, u32, Option<u32>),
    }

    enum Inst {
        Set(Set),
        Assert(Assert),
        Split(usize, usize),
        Jmp(usize),
        Match,
    }

    const DUP_MAX: u32 = 255;
    const MAX_INSTS: usize = 1 << 20;

    pub(super) struct Regex {
        prog: Vec<Inst>,
    }

    impl Regex {
        /// Compiles a pattern; `None` if it is not a valid ERE (or uses an unsupported
        /// feature, or is absurdly large).
        pub(super) fn compile(pattern: &[u8]) -> Option<Regex> {
            let mut p = Parser {
                s: pattern,
                i: 0,
                depth: 0,
            };
            let node = p.alt()?;
            if p.i != pattern.len() {
                return None;
            }
            let mut prog = Vec::new();
            emit(&node, &mut prog)?;
            prog.push(Inst::Match);
            Some(Regex { prog })
        }

        /// True if the pattern matches somewhere in `s`.
        pub(super) fn is_match(&self, s: &[u8]) -> bool {
            let n = self.prog.len();
            let mut cur = Threads::new(n);
            let mut next = Threads::new(n);
            for pos in 0..=s.len() {
                if self.add(&mut cur, 0, pos, s) {
                    return true;
                }
                let Some(&b) = s.get(pos) else {
                    break;
                };
                next.clear();
                for k in 0..cur.list.len() {
                    let pc = cur.list[k];
                    let consumes = matches!(&self.prog[pc], Inst::Set(set) if set.contains(b));
                    if consumes && self.add(&mut next, pc + 1, pos + 1, s) {
                        return true;
                    }
                }
                std::mem::swap(&mut cur, &mut next);
            }
            false
        }

        /// Adds the thread at `pc` (following epsilon transitions) at position `pos`;
        /// returns true if `Match` is reachable.
        fn add(&self, t: &mut Threads, pc: usize, pos: usize, s: &[u8]) -> bool {
            let mut stack = vec![pc];
            while let Some(pc) = stack.pop() {
                if !t.insert(pc) {
                    continue;
                }
                match &self.prog[pc] {
                    Inst::Match => return true,
                    Inst::Set(_) => {}
                    Inst::Jmp(to) => stack.push(*to),
                    Inst::Split(a, b) => {
                        stack.push(*b);
                        stack.push(*a);
                    }
                    Inst::Assert(a) => {
                        if assert_holds(*a, s, pos) {
                            stack.push(pc + 1);
                        }
                    }
                }
            }
            false
        }
    }

    fn is_word(b: Option<&u8>) -> bool {
        b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    }

    fn assert_holds(a: Assert, s: &[u8], pos: usize) -> bool {
        let before = is_word(pos.checked_sub(1).and_then(|p| s.get(p)));
        let after = is_word(s.get(pos));
        match a {
            Assert::Bol => pos == 0,
            Assert::Eol => pos == s.len(),
            Assert::WordBoundary => before != after,
            Assert::NotWordBoundary => before == after,
            Assert::WordStart => !before && after,
            Assert::WordEnd => before && !after,
        }
    }

    struct Threads {
        list: Vec<usize>,
        member: Vec<bool>,
    }

    impl Threads {
        fn new(n: usize) -> Threads {
            Threads {
                list: Vec::with_capacity(n),
                member: vec![false; n],
            }
        }
        fn insert(&mut self, pc: usize) -> bool {
            if self.member[pc] {
                return false;
            }
            self.member[pc] = true;
            self.list.push(pc);
            true
        }
        fn clear(&mut self) {
            for &pc in &self.list {
                self.member[pc] = false;
            }
            self.list.clear();
        }
    }

    fn emit(node: &Node, prog: &mut Vec<Inst>) -> Option<()> {
        if prog.len() > MAX_INSTS {
            return None;
        }
        match node {
            Node::Set(s) => prog.push(Inst::Set(*s)),
            Node::Assert(a) => prog.push(Inst::Assert(*a)),
            Node::Concat(items) => {
                for it in items {
                    emit(it, prog)?;
                }
            }
            Node::Alt(branches) => {
                let mut jumps = Vec::new();
                for (k, br) in branches.iter().enumerate() {
                    if k + 1 < branches.len() {
                        let split = prog.len();
                        prog.push(Inst::Split(split + 1, 0));
                        emit(br, prog)?;
                        jumps.push(prog.len());
                        prog.push(Inst::Jmp(0));
                        let here = prog.len();
                        prog[split] = Inst::Split(split + 1, here);
                    } else {
                        emit(br, prog)?;
                    }
                }
                let end = prog.len();
                for j in jumps {
                    prog[j] = Inst::Jmp(end);
                }
            }
            Node::Repeat(inner, min, max) => {
                for _ in 0..*min {
                    emit(inner, prog)?;
                }
                match max {
                    None => {
                        let split = prog.len();
                        prog.push(Inst::Split(split + 1, 0));
                        emit(inner, prog)?;
                        prog.push(Inst::Jmp(split));
                        let end = prog.len();
                        prog[split] = Inst::Split(split + 1, end);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(prog.len());
                            prog.push(Inst::Split(0, 0));
                            emit(inner, prog)?;
                        }
                        let end = prog.len();
                        for s in splits {
                            prog[s] = Inst::Split(s + 1, end);
                        }
                    }
                }
            }
        }
        if prog.len() > MAX_INSTS {
            return None;
        }
        Some(())
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
        depth: usize,
    }

    impl Parser<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.i).copied()
        }

        fn next(&mut self) -> Option<u8> {
            let b = self.peek()?;
            self.i += 1;
            Some(b)
        }

        fn alt(&mut self) -> Option<Node> {
            let mut branches = vec![self.branch()?];
            while self.peek() == Some(b'|') {
                self.i += 1;
                branches.push(self.branch()?);
            }
            Some(if branches.len() == 1 {
                branches.pop()?
            } else {
                Node::Alt(branches)
            })
        }

        fn branch(&mut self) -> Option<Node> {
            let mut items = Vec::new();
            loop {
                match self.peek() {
                    None | Some(b'|') => break,
                    Some(b')') if self.depth > 0 => break,
                    _ => {}
                }
                let atom = self.atom()?;
                items.push(self.repeats(atom)?);
            }
            Some(Node::Concat(items))
        }

        fn atom(&mut self) -> Option<Node> {
            let c = self.next()?;
            Some(match c {
                b'(' => {
                    self.depth += 1;
                    let inner = self.alt()?;
                    if self.next() != Some(b')') {
                        return None;
                    }
                    self.depth -= 1;
                    inner
                }
                // Nothing to repeat.
                b'*' | b'+' | b'?' | b'{' => return None,
                b'^' => Node::Assert(Assert::Bol),
                b'$' => Node::Assert(Assert::Eol),
                b'.' => Node::Set(Set::ALL),
                b'[' => Node::Set(self.bracket()?),
                b'\\' => self.escape()?,
                // An unmatched ')' is an ordinary character (POSIX).
                c => Node::Set(Set::byte(c)),
            })
        }

        fn escape(&mut self) -> Option<Node> {
            let c = self.next()?;
            let digit = Set::from_fn(|b| b.is_ascii_digit());
            let space = Set::from_fn(super::is_space);
            let word = Set::from_fn(|b| b.is_ascii_alphanumeric() || b == b'_');
            Some(match c {
                b'd' => Node::Set(digit),
                b'D' => Node::Set(digit.negate()),
                b's' => Node::Set(space),
                b'S' => Node::Set(space.negate()),
                b'w' => Node::Set(word),
                b'W' => Node::Set(word.negate()),
                b'b' => Node::Assert(Assert::WordBoundary),
                b'B' => Node::Assert(Assert::NotWordBoundary),
                b'<' => Node::Assert(Assert::WordStart),
                b'>' => Node::Assert(Assert::WordEnd),
                b't' => Node::Set(Set::byte(b'\t')),
                b'n' => Node::Set(Set::byte(b'\n')),
                b'x' => Node::Set(Set::byte(self.hex_escape()?)),
                b'1'..=b'9' => return None, // back-references are not supported
                c => Node::Set(Set::byte(c)),
            })
        }

        fn hex_escape(&mut self) -> Option<u8> {
            let braced = self.peek() == Some(b'{');
            if braced {
                self.i += 1;
            }
            let mut v: u32 = 0;
            let mut n = 0;
            while let Some(b) = self.peek() {
                if !b.is_ascii_hexdigit() || (!braced && n == 2) {
                    break;
                }
                v = (v << 4 | u32::from(super::hex_val(b))).min(0x1_0000);
                n += 1;
                self.i += 1;
            }
            if braced && self.next() != Some(b'}') {
                return None;
            }
            u8::try_from(v).ok()
        }

        fn repeats(&mut self, mut node: Node) -> Option<Node> {
            loop {
                let (min, max) = match self.peek() {
                    Some(b'*') => {
                        self.i += 1;
                        (0, None)
                    }
                    Some(b'+') => {
                        self.i += 1;
                        (1, None)
                    }
                    Some(b'?') => {
                        self.i += 1;
                        (0, Some(1))
                    }
                    Some(b'{') => {
                        self.i += 1;
                        self.bounds()?
                    }
                    _ => return Some(node),
                };
                // Repeating an anchor (`^*`) is rejected like a missing operand.
                if matches!(node, Node::Assert(_)) {
                    return None;
                }
                node = Node::Repeat(Box::new(node), min, max);
            }
        }

        /// Parses `n}`, `n,}`, `n,m}` or `,m}` after a `{`; leaves `i` just past the `}`.
        fn bounds(&mut self) -> Option<(u32, Option<u32>)> {
            let min = self.number();
            let (lo, hi) = if self.peek() == Some(b',') {
                self.i += 1;
                let max = self.number();
                if min.is_none() && max.is_none() {
                    return None;
                }
                (min.unwrap_or(0), max)
            } else {
                let n = min?;
                (n, Some(n))
            };
            if self.next() != Some(b'}') {
                return None;
            }
            if lo > DUP_MAX || hi.is_some_and(|h| h > DUP_MAX || h < lo) {
                return None;
            }
            Some((lo, hi))
        }

        fn number(&mut self) -> Option<u32> {
            let start = self.i;
            let mut v: u32 = 0;
            while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
                v = (v * 10 + u32::from(b - b'0')).min(100_000);
                self.i += 1;
            }
            (self.i > start).then_some(v)
        }

        fn bracket(&mut self) -> Option<Set> {
            let mut set = Set::EMPTY;
            let negate = self.peek() == Some(b'^');
            if negate {
                self.i += 1;
            }
            let mut first = true;
            loop {
                let c = self.next()?;
                if c == b']' && !first {
                    break;
                }
                first = false;
                if c == b'[' {
                    match self.peek() {
                        Some(b':') => {
                            self.i += 1;
                            set.union(self.class()?);
                            continue;
                        }
                        Some(b'.') | Some(b'=') => return None,
                        _ => {}
                    }
                }
                // Range?
                if self.peek() == Some(b'-') && self.s.get(self.i + 1).is_some_and(|&b| b != b']') {
                    self.i += 1;
                    let hi = self.next()?;
                    if hi == b'[' && matches!(self.peek(), Some(b'.' | b'=' | b':')) {
                        return None;
                    }
                    if hi < c {
                        return None;
                    }
                    for b in c..=hi {
                        set.insert(b);
                    }
                } else {
                    set.insert(c);
                }
            }
            Some(if negate { set.negate() } else { set })
        }

        /// Parses `name:]` after `[:`.
        fn class(&mut self) -> Option<Set> {
            let start = self.i;
            while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
                self.i += 1;
            }
            let name = &self.s[start..self.i];
            if self.next() != Some(b':') || self.next() != Some(b']') {
                return None;
            }
            let f: fn(&u8) -> bool = match name {
                b"alpha" => u8::is_ascii_alphabetic,
                b"digit" => u8::is_ascii_digit,
                b"alnum" => u8::is_ascii_alphanumeric,
                b"upper" => u8::is_ascii_uppercase,
                b"lower" => u8::is_ascii_lowercase,
                b"space" => |b| super::is_space(*b),
                b"blank" => |b| *b == b' ' || *b == b'\t',
                b"xdigit" => u8::is_ascii_hexdigit,
                b"punct" => u8::is_ascii_punctuation,
                b"print" => |b| (0x20..0x7f).contains(b),
                b"graph" => u8::is_ascii_graphic,
                b"cntrl" => u8::is_ascii_control,
                _ => return None,
            };
            Some(Set::from_fn(|b| f(&b)))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// `validate_data <expr> <value>` exit status 0?
    fn valid_with(expr: &str, value: &str, r: &dyn Resolver) -> bool {
        check(expr, value, r).unwrap_or(false)
    }

    fn valid(expr: &str, value: &str) -> bool {
        valid_with(expr, value, &NoResolver)
    }

    /// Runs a table of `(expr, value, expected)` cases and reports every mismatch at once.
    fn table(cases: &[(&str, &str, bool)]) {
        let bad: Vec<String> = cases
            .iter()
            .filter(|(e, v, want)| valid(e, v) != *want)
            .map(|(e, v, want)| format!("{e:?} on {v:?}: expected {want}"))
            .collect();
        assert!(bad.is_empty(), "mismatches:\n{}", bad.join("\n"));
    }

    fn kind(expr: &str, value: &str) -> Option<Kind> {
        evaluate(&parse(expr).unwrap(), value.as_bytes(), &NoResolver)
    }

    fn perr(expr: &str) -> SyntaxError {
        parse(expr).expect_err(expr).kind()
    }

    // ---- expression parser ------------------------------------------------------------

    #[test]
    fn parser_structure() {
        use Function as F;
        let call = |func, args| Expr::Call { func, args };
        let s = |c: &str| Expr::Str {
            content: c.as_bytes().to_vec(),
            quote: b'\'',
        };
        let top = |args| call(F::Or, args);
        assert_eq!(parse("port").unwrap(), top(vec![call(F::Port, vec![])]));
        assert_eq!(parse("port()").unwrap(), top(vec![call(F::Port, vec![])]));
        assert_eq!(
            parse(" or ( ip4addr , ip6addr ) ").unwrap(),
            top(vec![call(
                F::Or,
                vec![call(F::Ip4addr, vec![]), call(F::Ip6addr, vec![])]
            )])
        );
        assert_eq!(
            parse("range (2,4)").unwrap(),
            top(vec![call(
                F::Range,
                vec![Expr::Number(2.0), Expr::Number(4.0)]
            )])
        );
        assert_eq!(parse("'a\\,b'").unwrap(), top(vec![s("a\\,b")]));
        assert_eq!(
            parse("0x10,1e3,-1.5").unwrap(),
            top(vec![
                Expr::Number(16.0),
                Expr::Number(1000.0),
                Expr::Number(-1.5)
            ])
        );
        assert_eq!(
            parse("or(port,,bool)").unwrap(),
            parse("or(port,bool)").unwrap()
        );
        assert_eq!(parse(",port").unwrap(), parse("port").unwrap());
        assert_eq!(parse(",").unwrap(), top(vec![]));
        assert_eq!(parse("").unwrap(), top(vec![]));
        assert_eq!(parse("range(1,5").unwrap(), top(vec![]));
        assert_eq!(parse("port,range(1,5").unwrap(), parse("port").unwrap());
        assert_eq!(
            parse("regex(\"a\\(\")").unwrap(),
            top(vec![call(
                F::Regex,
                vec![Expr::Str {
                    content: b"a\\(".to_vec(),
                    quote: b'"'
                }]
            )])
        );
        assert!(
            matches!(parse("nan").unwrap(), Expr::Call { ref args, .. } if matches!(args[0], Expr::Number(n) if n.is_nan()))
        );
        assert!(
            matches!(parse("inf").unwrap(), Expr::Call { ref args, .. } if args[0] == Expr::Number(f64::INFINITY))
        );
    }

    #[test]
    fn parser_errors() {
        use SyntaxError::*;
        let cases: &[(&str, SyntaxError)] = &[
            ("Port", UnrecognizedFunction),
            ("foo", UnrecognizedFunction),
            ("(port)", UnrecognizedFunction),
            ("-x", UnrecognizedFunction),
            ("or( ,port)", UnrecognizedFunction),
            ("or(port, )", UnrecognizedFunction),
            ("port( )", UnrecognizedFunction),
            ("uci(vtest,\"a\")", UnrecognizedFunction),
            ("'a,b'", UnterminatedString),
            ("\"abc", UnterminatedString),
            ("port x", ExpectedParenOrEof),
            ("port)", ExpectedParenOrEof),
            ("ip4addr ip6addr", ExpectedParenOrEof),
            ("or(port bool)", ExpectedParenOrEof),
            ("or(port\\,bool)", ExpectedParenOrEof),
            ("or(port)(bool)", ExpectedParenOrEof),
            ("port-range", ExpectedParenOrEof),
            ("5x", ExpectedCommaAfterLiteral),
            ("5 5", ExpectedCommaAfterLiteral),
            ("'abc'x", ExpectedCommaAfterLiteral),
            ("'a' 'b'", ExpectedCommaAfterLiteral),
            ("nanny", ExpectedCommaAfterLiteral),
            ("1e", ExpectedCommaAfterLiteral),
            (" ", UnexpectedEof),
            ("port, ", UnexpectedEof),
        ];
        for (e, want) in cases {
            assert_eq!(perr(e), *want, "{e:?}");
        }
        assert_eq!(
            parse("port x").unwrap_err().to_string(),
            "Syntax error, expected '(' or EOF after function label"
        );
        assert_eq!(
            parse(" ").unwrap_err().to_string(),
            "Syntax error, unexpected EOF"
        );
    }

    #[test]
    fn parser_term_limit() {
        let nums = |n: usize| (1..=n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert!(parse(&format!("or({})", nums(29))).is_ok());
        assert_eq!(
            perr(&format!("or({})", nums(30))),
            SyntaxError::ExpressionTooLong
        );
        assert!(parse(&nums(30)).is_ok()); // the implicit top-level or does not count
        assert_eq!(perr(&nums(31)), SyntaxError::ExpressionTooLong);
        assert!(parse(&format!("and({})", vec!["string"; 29].join(","))).is_ok());
    }

    #[test]
    fn display_round_trips() {
        for e in [
            "or(port,'auto')",
            "list(or(ip4addr,\"a\\,b\"))",
            "range(1,65535)",
            "port,bool",
            "min(-5)",
        ] {
            let p = parse(e).unwrap();
            assert_eq!(
                parse(&p.to_string()).unwrap(),
                Expr::Call {
                    func: Function::Or,
                    args: vec![p.clone()]
                },
                "{e}"
            );
        }
        assert!(
            parse("list(or(uci('a','b'),port))")
                .unwrap()
                .uses_tokenizer()
        );
    }

    // ---- result model and combinators ---------------------------------------------------

    #[test]
    fn result_model() {
        assert_eq!(kind("port", "22"), Some(Kind::Number));
        assert_eq!(kind("bool", "yes"), Some(Kind::Bool));
        assert_eq!(kind("or(port,'auto')", "auto"), Some(Kind::String));
        assert_eq!(kind("portrange", "22"), Some(Kind::String));
        assert_eq!(kind("host", "1.2.3.4"), Some(Kind::String));
        assert_eq!(kind("not(and(integer,max(5)))", "7"), Some(Kind::Number));
        assert_eq!(
            kind("and(hostname,not(ip4addr))", "router"),
            Some(Kind::String)
        );
        assert_eq!(
            kind("and(not(ip4addr),hostname)", "router"),
            Some(Kind::String)
        );
        assert_eq!(kind("5", "5.0"), Some(Kind::Number));
        assert_eq!(kind("list(bool)", "yes no"), Some(Kind::Bool));
        assert_eq!(kind("and", "x"), None);
        assert_eq!(kind("list(port)", " \t "), None);
        assert_eq!(check("foo(", "", &NoResolver), Ok(false)); // empty value: not even parsed
        assert!(check("foo", "x", &NoResolver).is_err());
    }

    #[test]
    fn combinators() {
        table(&[
            ("or(port,bool)", "yes", true),
            ("or()", "x", false),
            ("port,bool", "22", true),
            ("ip4addr,ip6addr", "::1", true),
            ("and(string)", "x", true),
            ("and", "x", false),
            ("and()", "x", false),
            ("and(uinteger,max(10))", "11", false),
            ("not(port)", "22", false),
            ("not(port)", "x", false),
            ("not", "x", false),
            ("not(not(integer))", "5", true),
            ("not(and(integer,max(5)))", "7", true),
            ("not(and(integer,max(5)))", "3", false),
            ("not(and(integer,max(5)))", "abc", false),
            ("and(hostname,not(ip4addr))", "1.2.3.4", false),
            ("not(list(port))", "1 x", true),
            ("neg(ip4addr)", "1.2.3.4", true),
            ("neg(ip4addr)", "!1.2.3.4", true),
            ("neg(ip4addr)", "! 1.2.3.4", true),
            ("neg(ip4addr)", "!\t1.2.3.4", true),
            ("neg(ip4addr)", "!!1.2.3.4", false),
            ("neg(ip4addr)", " !1.2.3.4", false),
            ("neg(ip4addr)", "!", false),
            ("neg(string)", "!", true),
            ("neg(port,bool)", "!yes", false),
            ("neg", "x", false),
            ("list(port)", "22 80", true),
            ("list(port)", "22\t80", true),
            ("list(port)", " 22 80 ", true),
            ("list(port)", "22,80", false),
            ("list(port)", "22\n80", false),
            ("list(port)", "22 abc", false),
            ("list(port)", "  \t ", false),
            ("list", "x", false),
            ("list(port,bool)", "22 yes", false),
            ("list(or(port,'auto'))", "22 auto", true),
            ("and(list(port),minlength(4))", "1 2 3", true),
            ("neg(list(port))", "! 1 2", true),
        ]);
    }

    #[test]
    fn list_tokenizer_clobbering() {
        // A nested list() only lets the outer list see its first element (spec §6.4).
        table(&[
            ("list(list(port))", "22 x", true),
            ("list(list(port))", "x 22", false),
            // Dynamic: only an element whose check actually ran the nested list() ends the walk.
            ("list(or(port,list(bool)))", "22 yes x", true),
            ("list(or(port,list(bool)))", "22 x yes", false),
            ("list(or(port,list(bool)))", "yes x", true),
        ]);
        let (_dir, r) = fixture_resolver();
        assert!(valid_with(
            "list(uci(\"vtest\",\"@zone\",\"name\"))",
            "lan x",
            &r
        ));
        assert!(!valid_with(
            "list(uci(\"vtest\",\"@zone\",\"name\"))",
            "x lan",
            &r
        ));
    }

    // ---- literals ---------------------------------------------------------------------

    #[test]
    fn literals() {
        table(&[
            ("5", "5", true),
            ("5", "5.0", true),
            ("5", "05", true),
            ("5", "+5", true),
            ("5", " 5", true),
            ("5", "5e0", true),
            ("5", "0x5", true),
            ("5", "50e-1", true),
            ("5", "5 ", false),
            ("5", "five", false),
            ("7 ", "7", true),
            ("inf", "inf", true),
            ("inf", "INF", true),
            ("inf", "infinity", true),
            ("inf", "1e999", true),
            ("nan", "nan", false),
            ("0x10", "16", true),
            ("-1.5", "-1.5", true),
            ("1e3", "1000", true),
            ("0x1p3", "8", true),
            ("'auto'", "auto", true),
            ("'auto'", "auto'", true),
            ("'auto'", "auto\"", false),
            ("\"abc\"", "abc\"", true),
            ("\"abc\"", "abc'", false),
            ("''", "'", true),
            ("''", "x", false),
            ("'a\\'b'", "a'b", true),
            ("'a\\\\b'", "a\\b", true),
            ("'a\\,b'", "a,b", true),
            ("'a\\,b'", "a\\,b", false),
            ("'abc'", "ABC", false),
        ]);
    }

    // ---- numbers ----------------------------------------------------------------------

    #[test]
    fn integer() {
        table(&[
            ("integer", "0x1f", true),
            ("integer", "010", true),
            ("integer", "08", false),
            ("integer", "09", false),
            ("integer", "-0x10", true),
            ("integer", "1f", false),
            ("integer", "abc", false),
            ("integer", "+5", false),
            ("integer", " 5", false),
            ("integer", "1.0", false),
            ("integer", "99999999999999999999999", true),
            ("integer", "-", false),
            ("integer", "5 ", false),
            ("integer", "-5", true),
            ("integer(16)", "ff", true),
            ("integer(16)", "0xff", true),
            ("integer(16)", "g", false),
            ("integer(2)", "101", true),
            ("integer(2)", "102", false),
            ("integer(36)", "az", true),
            ("integer(36)", "zz", false),
            ("integer(1)", "1", false),
            ("integer(37)", "1", false),
            ("integer(-1)", "1", false),
            ("integer(16.9)", "ff", true),
            ("integer('x')", "010", true),
        ]);
    }

    #[test]
    fn uinteger() {
        table(&[
            ("uinteger", "0x10", true),
            ("uinteger", "-1", false),
            ("uinteger", "+1", false),
            ("uinteger", "07", true),
            ("uinteger", "079", false),
            ("uinteger", "99999999999999999999999", true),
            ("uinteger", "0", true),
            ("uinteger(16)", "ff", true),
            ("uinteger(2)", "2", false),
        ]);
    }

    #[test]
    fn float_and_ufloat() {
        table(&[
            ("float", " 1.5", true),
            ("float", "\t1.5", true),
            ("float", "1.5 ", false),
            ("float", ".5", true),
            ("float", "5.", true),
            ("float", "1e3", true),
            ("float", "1e", false),
            ("float", "0x1p4", true),
            ("float", "inf", true),
            ("float", "-infinity", true),
            ("float", "nan", true),
            ("float", "nan(123)", true),
            ("float", "nan(", false),
            ("float", "1e999", true),
            ("float", "1,5", false),
            ("float", "1.0f", false),
            ("float", ".", false),
            ("float", "0x", false),
            ("ufloat", "-0.5", true),
            ("ufloat", "-0.999", true),
            ("ufloat", "-0", true),
            ("ufloat", "-1", false),
            ("ufloat", "1.5", true),
            ("ufloat", "x", false),
            // platform-dependent (§6.2): follow `as i32` (saturating, NaN -> 0)
            ("ufloat", "nan", true),
            ("ufloat", "inf", true),
            ("ufloat", "3e9", true),
            ("ufloat", "-inf", false),
        ]);
    }

    #[test]
    fn min_max_range() {
        table(&[
            ("min(5)", "5", true),
            ("min(5)", "0x5", true),
            ("min(5)", "05", true),
            ("min(5)", "012", true),
            ("min(5)", "08", false),
            ("min(5)", " 5", true),
            ("min(5)", "+5", true),
            ("min(5)", "5.0", false),
            ("min(5)", "5 ", false),
            ("min(5)", "4", false),
            ("min", "5", false),
            ("min('a')", "5", false),
            ("min(5)", "4294967300", false),
            ("min(5)", "2147483648", false),
            ("max(10)", "10", true),
            ("max(10)", "11", false),
            ("max(10)", "4294967296", true),
            ("max(10)", "4294967306", true),
            ("max(10)", "-99", true),
            ("range(1,10)", "1", true),
            ("range(1,10)", "10", true),
            ("range(1,10)", "0", false),
            ("range(1,10)", "11", false),
            ("range(10,5)", "7", false),
            ("range(1)", "1", false),
            ("range(-5,-1)", "-3", true),
            ("range(1.9,2.9)", "2", true),
        ]);
    }

    #[test]
    fn port() {
        table(&[
            ("port", "0", true),
            ("port", "22", true),
            ("port", "65535", true),
            ("port", "65536", false),
            ("port", "99999", false),
            ("port", "00022", true),
            ("port", " 22", true),
            ("port", "+22", true),
            ("port", "-1", true),
            ("port", "-65536", true),
            ("port", "0x16", false),
            ("port", "2147483648", true),
            ("port", "4294967295", true),
            ("port", "4294967296", true),
            ("port", "22 ", false),
            ("port", "abc", false),
        ]);
    }

    // ---- strings and lengths ----------------------------------------------------------

    #[test]
    fn strings_and_lengths() {
        table(&[
            ("string", "x", true),
            ("string(2)", "x", false),
            ("string(2)", "xy", true),
            ("string(1,2)", "xyz", false),
            ("string(-1,-1)", "x", false),
            ("string(0,0)", "x", false),
            ("string('a')", "x", true),
            ("string(2)", "é", true),
            ("minlength(3)", "ab", false),
            ("minlength(3)", "abc", true),
            ("minlength(-1)", "abc", false),
            ("minlength", "a", false),
            ("maxlength(3)", "abcd", false),
            ("maxlength(3)", "€", true),
            ("maxlength(3)", "😀", false),
            ("maxlength(-1)", "abc", true),
            ("maxlength", "a", false),
            ("rangelength(2,3)", "a", false),
            ("rangelength(2,3)", "ab", true),
            ("rangelength(4,2)", "abc", false),
            ("rangelength(2)", "ab", false),
            ("hexstring", "00", true),
            ("hexstring", "0x00", false),
            ("hexstring", "0", false),
            ("hexstring", "aa:bb", false),
            ("hexstring", "DeadBeef", true),
            ("hexstring(4)", "00", false),
            ("hexstring(2,2)", "0000", false),
        ]);
    }

    #[test]
    fn bool_uciname_phonedigit() {
        let mut cases = vec![];
        for w in [
            "0", "off", "false", "no", "disabled", "1", "on", "true", "yes", "enabled", "YES",
            "Off", "DiSaBlEd",
        ] {
            cases.push(("bool", w, true));
        }
        cases.extend([
            ("bool", "on ", false),
            (" bool", " on", false),
            ("bool", "y", false),
            ("bool", "t", false),
            ("bool", "2", false),
            ("bool", "00", false),
            ("bool", "enable", false),
            ("uciname", "a_B9", true),
            ("uciname", "a-b", false),
            ("uciname", "a.b", false),
            ("uciname", "é", false),
            ("phonedigit", "0123456789*#!.", true),
            ("phonedigit", "+49", false),
            ("phonedigit", "123-456", false),
            ("phonedigit", "1 2", false),
        ]);
        table(&cases);
    }

    #[test]
    fn wpakey_wepkey() {
        let hex64 = "0123456789abcdef".repeat(4);
        let nonhex64 = format!("{}g", &hex64[..63]);
        let a = |n: usize| "a".repeat(n);
        table(&[
            ("wpakey", &hex64, true),
            ("wpakey", &nonhex64, false),
            ("wpakey", &a(7), false),
            ("wpakey", &a(8), true),
            ("wpakey", &a(63), true),
            ("wpakey", &a(65), false),
            ("wpakey", "éééé", true),
            ("wpakey", "with spaces", true),
            ("wepkey", "s:0123456789", true),
            ("wepkey", "0123456789", true),
            ("wepkey", "abcdefghij", false),
            ("wepkey", "abcde", true),
            ("wepkey", "s:abcde", true),
            ("wepkey", "S:abcde", false),
            ("wepkey", "s:", false),
            ("wepkey", &"0a".repeat(13), true),
            ("wepkey", &a(13), true),
            ("wepkey", &a(6), false),
        ]);
    }

    #[test]
    fn hostname_host_network() {
        let label = |n: usize| "a".repeat(n);
        let long_ok = format!("{}.b", label(63));
        let long_bad = format!("{}.b", label(64));
        let last_ok = format!("b.{}", label(255));
        let many = vec!["a"; 200].join(".");
        table(&[
            ("hostname", "a.", false),
            ("hostname", ".a", false),
            ("hostname", "a..b", false),
            ("hostname", "-a", true),
            ("hostname", "a_b", true),
            ("hostname", "1.2.3.4", true),
            ("hostname", "1.2.3.256", true),
            ("hostname", &long_ok, true),
            ("hostname", &long_bad, false),
            ("hostname", &last_ok, true),
            ("hostname", &label(256), false),
            ("hostname", &many, true),
            ("hostname", "a b", false),
            ("hostname", "é", false),
            ("host", "router", true),
            ("host", "::1", true),
            ("host", "1.2.3.4", true),
            ("host", "a:b", false),
            ("network", "lan", true),
            ("network", "wan6", true),
            ("network", "::1", true),
            ("network", "a b", false),
        ]);
    }

    #[test]
    fn portrange() {
        table(&[
            ("portrange", "1-2", true),
            ("portrange", "0-65535", true),
            ("portrange", "0-65536", false),
            ("portrange", "443-80", false),
            ("portrange", "1-1", true),
            ("portrange", "0-", true),
            ("portrange", "1-", false),
            ("portrange", "-5-10", true),
            ("portrange", "1- 2", true),
            ("portrange", "1-+2", true),
            ("portrange", " 1-2", true),
            ("portrange", "1 -2", false),
            ("portrange", "1-2 ", false),
            ("portrange", "1-2-3", false),
            ("portrange", "1:2", false),
            ("portrange", "0x10-0x20", false),
            ("portrange", "22", true),
            ("portrange", "-1", true),
            ("portrange", "65536", false),
            ("portrange", "0-x", false),
        ]);
    }

    // ---- addresses --------------------------------------------------------------------

    #[test]
    fn ip4addr() {
        table(&[
            ("ip4addr", "0.0.0.0", true),
            ("ip4addr", "255.255.255.255", true),
            ("ip4addr", "1.2.3.4", true),
            ("ip4addr", "00.1.2.3", false),
            ("ip4addr", "01.2.3.4", false),
            ("ip4addr", "010.1.1.1", false),
            ("ip4addr", "256.1.1.1", false),
            ("ip4addr", "1.2.3", false),
            ("ip4addr", "1.2.3.4.", false),
            ("ip4addr", "1.2.3.4/8", false),
            ("ip4addr", "2130706433", false),
            ("ip4addr", "0x7f.0.0.1", false),
            ("ip4addr", " 1.2.3.4", false),
            ("ip4addr", "1..2.3", false),
            ("ip4addr", "1.2.3.4%eth0", false),
            ("ip4addr", "1234.1.1.1", false),
        ]);
    }

    #[test]
    fn ip6addr() {
        table(&[
            ("ip6addr", "::", true),
            ("ip6addr", "::1", true),
            ("ip6addr", "1::", true),
            ("ip6addr", "1:2:3:4:5:6:7:8", true),
            ("ip6addr", "1:2:3:4:5:6:7::", true),
            ("ip6addr", "1:2:3:4:5:6:7::8", false),
            ("ip6addr", "::1:2:3:4:5:6:7:8", false),
            ("ip6addr", "1:2:3:4::5:6:7", true),
            ("ip6addr", ":1::", false),
            ("ip6addr", "1:", false),
            ("ip6addr", ":1", false),
            ("ip6addr", "::1:", false),
            ("ip6addr", ":::", false),
            ("ip6addr", "1::2::3", false),
            ("ip6addr", "00000::", false),
            ("ip6addr", "FFFF::abcd", true),
            ("ip6addr", "::ffff:1.2.3.4", true),
            ("ip6addr", "::1.2.3.4", true),
            ("ip6addr", "1::1.2.3.4", true),
            ("ip6addr", "1:2:3:4:5:6:1.2.3.4", true),
            ("ip6addr", "1:2:3:4:5:6:7:1.2.3.4", false),
            ("ip6addr", "::1.2.3.4:5", false),
            ("ip6addr", "1.2.3.4::", false),
            ("ip6addr", "::ffff:01.2.3.4", false),
            ("ip6addr", "fe80::1%eth0", false),
            ("ip6addr", "[::1]", false),
            ("ip6addr", "::1/64", false),
            ("ip6addr", " ::1", false),
            ("ip6addr", "1.2.3.4", false),
            ("ip6addr", "1:2:3:4:5:6:7", false),
            ("ip6addr", "1:2:3:4:5:6:7:8:9", false),
            ("ipaddr", "1.2.3.4", true),
            ("ipaddr", "::1", true),
            ("ipaddr", "x", false),
        ]);
    }

    #[test]
    fn cidr() {
        table(&[
            ("cidr4", "1.2.3.4", true),
            ("cidr4", "1.2.3.4/", true),
            ("cidr4", "1.2.3.4/33", false),
            ("cidr4", "1.2.3.4/32", true),
            ("cidr4", "1.2.3.4/024", true),
            ("cidr4", "1.2.3.4/0x10", false),
            ("cidr4", "1.2.3.4/ 8", true),
            ("cidr4", "1.2.3.4/8 ", false),
            ("cidr4", "1.2.3.4/255.255.255.0", false),
            ("cidr4", "1.2.3.4/00000000032", true),
            ("cidr4", "1.2.3.4/000000000032", false),
            ("cidr4", "1.2.3.4/-1", true),
            ("cidr4", "1.2.3.4/-33", true),
            ("cidr4", "1.2.3.4/ ", false),
            ("cidr4", "01.2.3.4/8", false),
            ("cidr6", "::1/128", true),
            ("cidr6", "::1/129", false),
            ("cidr6", "::1/", true),
            ("cidr6", "::1/-1", true),
            ("cidr6", "::1", true),
            ("cidr", "1.2.3.4/8", true),
            ("cidr", "::/0", true),
            ("cidr", "x/8", false),
        ]);
    }

    #[test]
    fn netmasks_and_ipmasks() {
        table(&[
            ("netmask4", "0.0.0.0", true),
            ("netmask4", "128.0.0.0", true),
            ("netmask4", "255.255.255.254", true),
            ("netmask4", "255.255.255.255", true),
            ("netmask4", "255.0.255.0", false),
            ("netmask4", "0.255.255.255", false),
            ("netmask4", "255.255.255.1", false),
            ("netmask6", "::", true),
            ("netmask6", "ff00::", true),
            ("netmask6", "ffff:ff00::", true),
            ("netmask6", "ffff:ffff::", true),
            ("netmask6", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true),
            ("netmask6", "8000::", false),
            ("netmask6", "fe00::", false),
            ("netmask6", "fffe::", false),
            ("netmask6", "ffff:ff80::", false),
            ("netmask6", "ffff:fff0::", false),
            ("netmask6", "ffff:0:ffff::", false),
            ("ipmask4", "1.2.3.4", true),
            ("ipmask4", "1.2.3.4/255.255.255.0", true),
            ("ipmask4", "1.2.3.4/24", false),
            ("ipmask4", "1.2.3.4/255.0.255.0", false),
            ("ipmask6", "::1/ffff::", true),
            ("ipmask6", "::1/64", false),
            ("ipmask6", "::1", true),
            ("ipmask", "1.2.3.4/255.0.0.0", true),
            ("ipmask", "::1/ff00::", true),
        ]);
    }

    #[test]
    fn macaddr() {
        table(&[
            ("macaddr", "00:11:22:33:44:55", true),
            ("macaddr", "aA:Bb:cC:dD:eE:fF", true),
            ("macaddr", "0:1:2:3:4:5", true),
            ("macaddr", "000:11:22:33:44:55", true),
            ("macaddr", "0000ff:1:2:3:4:5", true),
            ("macaddr", "100:1:2:3:4:5", false),
            ("macaddr", " 00:11:22:33:44:55", true),
            ("macaddr", "00:11:22:33:44:55 ", false),
            ("macaddr", "00: 11:22:33:44:55", true),
            ("macaddr", "+1:2:3:4:5:6", true),
            ("macaddr", "-0:1:2:3:4:5", true),
            ("macaddr", "-1:2:3:4:5:6", false),
            ("macaddr", "0x1:2:3:4:5:6", true),
            ("macaddr", "0x:1:2:3:4:5", false),
            ("macaddr", ":::::", true),
            ("macaddr", "00:11:22:33:44:", true),
            ("macaddr", "00:11:22:33:44", false),
            ("macaddr", "00:11:22:33:44:55:66", false),
            ("macaddr", "00-11-22-33-44-55", false),
            ("macaddr", "001122334455", false),
            ("macaddr", "0011.2233.4455", false),
            ("macaddr", "00:11:22:33:44:55 junk", false),
            ("macaddr", "+:1:2:3:4:5", false),
        ]);
    }

    #[cfg(unix)]
    #[test]
    fn filesystem() {
        let dir = std::env::temp_dir();
        let d = dir.to_str().unwrap().to_string();
        let f = format!("{d}/ucix-dt-test-{}", std::process::id());
        std::fs::write(&f, b"x").unwrap();
        let cases: Vec<(&str, &str, bool)> = vec![
            ("directory", "/", true),
            ("directory", "//", true),
            ("directory", "/.", true),
            ("directory", &d, true),
            ("directory", "/ ", false),
            (" directory", " /", false),
            ("directory", &f, false),
            ("file", &f, true),
            ("file", &d, false),
            ("file", "/nonexistent-ucix", false),
            ("file", "/dev/null", false),
            ("device", "/dev/null", true),
            ("device", "/", false),
            ("device", &f, false),
            ("device", "/dev/null/", false),
        ];
        let trailing = format!("{f}/");
        let mut cases = cases;
        cases.push(("file", &trailing, false));
        table(&cases);
        std::fs::remove_file(&f).unwrap();
    }

    // ---- regex ------------------------------------------------------------------------

    #[test]
    fn regex() {
        table(&[
            ("regex(\"[a-z]+\")", "abc", true),
            ("regex(\"[a-z]+\")", "ABC", false),
            ("regex('^abc$')", "abc", true),
            ("regex(\"abc\")", "xabc", false),
            ("regex(\"abc\")", "abc\n", false),
            ("regex(\"a|b\")", "axyz", true),
            ("regex(\"a|b\")", "xyzb", true),
            ("regex(\"a|b\")", "xay", false),
            ("regex(\"(a|b)\")", "ab", false),
            ("regex(\"(a|b)+\")", "abba", true),
            ("regex(\"a.c\")", "a\nc", true),
            ("regex(\".\")", "é", false),
            ("regex(\"..\")", "é", true),
            ("regex(\"a*\")", "aaa", true),
            ("regex(\"colou?r\")", "color", true),
            ("regex(\"[[:digit:]]+\")", "123", true),
            ("regex(\"[[:alpha:]]+\")", "abé", false),
            ("regex(\"[[:space:]]\")", "\t", true),
            ("regex(\"[^0-9]+\")", "a1c", false),
            ("regex(\"[^a]\")", "\n", true),
            ("regex(\"\\.\")", ".", true),
            ("regex(\"[.]\")", "a", false),
            ("regex(\"a\\+\")", "a+", true),
            ("regex(\"\\(a\\)\")", "(a)", true),
            ("regex(\"[]a]\")", "]", true),
            ("regex(\"x{2}\")", "xx", true),
            ("regex(\"x{2}\")", "xxx", false),
            ("regex(\"x{1\\,3}\")", "xx", false),
            ("regex(\"(ab){2}\")", "abab", true),
            ("regex(\"[a-\")", "a", false),
            ("regex(\"(a\")", "a", false),
            ("regex(\"a{2\")", "aa", false),
            ("regex(\"a\\,b\")", "a,b", true),
            ("regex(\"é\")", "é", true),
            ("regex(\"[é]\")", "é", false),
            ("regex", "a", false),
            ("regex(5)", "5", false),
            ("regex(\"a\",\"b\")", "a", true),
            ("regex(\"\")", "a", false),
            (
                "regex(\"[0-9a-f]{2}(:[0-9a-f]{2}){5}\")",
                "00:11:22:33:44:55",
                true,
            ),
            ("regex(\"a)\")", "a)", true),
            ("regex(\"[z-a]\")", "a", false),
            ("regex(\"[[:nope:]]\")", "a", false),
            ("regex(\"*a\")", "a", false),
            ("regex(\"a**\")", "aa", true),
            ("regex(\"x{0\\,}\")", "x", false),
            ("regex(\"\\d+\")", "123", true),
            ("regex(\"\\w+\\s\\w+\")", "a b", true),
            ("regex(\"\\bab\\b\")", "ab", true),
            ("regex(\"\\x41\")", "A", true),
            ("regex(\"a\\tb\")", "a\tb", true),
            ("regex(\"(a)\\1\")", "aa", false),
            ("regex(\"(a*)*b\")", "aaab", true),
            ("regex(\"a{256}\")", "a", false),
            ("regex(\"^*a\")", "a", false),
            ("regex(\"[[.a.]]\")", "a", false),
            ("regex(\"[-a]\")", "-", true),
            ("regex(\"[a-]\")", "-", true),
        ]);
    }

    #[test]
    fn ere_engine() {
        // Bounds with a comma cannot be written through the expression parser (the comma
        // splits), so the engine is exercised directly.
        let m =
            |p: &str, v: &str| ere::Regex::compile(p.as_bytes()).map(|r| r.is_match(v.as_bytes()));
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("^a{,2}$", "aa", Some(true)),
            ("^a{,2}$", "aaa", Some(false)),
            ("^a{2,}$", "aaaa", Some(true)),
            ("^a{2,}$", "a", Some(false)),
            ("^a{2,3}$", "aaaa", Some(false)),
            ("^a{2,3}$", "aaa", Some(true)),
            ("^a{3,2}$", "aa", None),
            ("^a{}$", "a", None),
            ("^a{,}$", "a", None),
            ("^a{1\\,3}$", "a", None),
            ("^a|b$", "ab", Some(true)),
            ("b", "abc", Some(true)),
            ("^$", "", Some(true)),
            ("a\\\\", "a\\", Some(true)),
            ("a\\", "a\\", None),
            ("\\", "x", None),
            ("^(|a)$", "", Some(true)),
            ("^()$", "", Some(true)),
            ("\\<a\\>", "b a c", Some(true)),
            ("\\Ba", "ba", Some(true)),
            ("\\Ba", " a", Some(false)),
            ("[[:punct:]]", "!", Some(true)),
            ("x{2}{3}", "xxxxxx", Some(true)),
        ];
        for (p, v, want) in cases {
            assert_eq!(m(p, v), *want, "{p:?} on {v:?}");
        }
        let huge = "((((a{255}){255}){255}){255})";
        assert!(ere::Regex::compile(huge.as_bytes()).is_none());
    }

    // ---- C conversions ----------------------------------------------------------------

    #[test]
    fn c_conversions() {
        assert_eq!(c_strtod(b"0x1.8p1"), Some((3.0, 7)));
        assert_eq!(c_strtod(b"0X1P-2"), Some((0.25, 6)));
        assert_eq!(c_strtod(b"0x"), Some((0.0, 1)));
        assert_eq!(c_strtod(b"0x.8"), Some((0.5, 4)));
        assert_eq!(c_strtod(b"1e"), Some((1.0, 1)));
        assert_eq!(c_strtod(b"1e+"), Some((1.0, 1)));
        assert_eq!(c_strtod(b" -infinit"), Some((f64::NEG_INFINITY, 5)));
        assert_eq!(c_strtod(b"nan(a_1)x").map(|(_, n)| n), Some(8));
        assert_eq!(c_strtod(b"nan(a-1)").map(|(_, n)| n), Some(3));
        assert_eq!(c_strtod(b"e5"), None);
        assert_eq!(c_strtod(b"1.e5"), Some((100000.0, 4)));
        assert_eq!(c_strtod(b".e5"), None);
        assert_eq!(c_strtod(b"0x1p"), Some((1.0, 3)));
        assert_eq!(c_strtod(b"\x0b+.5"), Some((0.5, 4)));
        assert_eq!(c_strtod(b"-"), None);
        assert_eq!(
            c_strtod(b"0x1fffffffffffff"),
            Some((9007199254740991.0, 16))
        );
        assert_eq!(
            c_strtod(b"0x20000000000001").map(|x| x.0),
            Some(9007199254740992.0)
        ); // ties to even
        assert_eq!(
            c_strtod(b"0x20000000000003").map(|x| x.0),
            Some(9007199254740996.0)
        );
        assert_eq!(c_strtod(b"0x1p-1074").map(|x| x.0), Some(f64::from_bits(1)));
        assert_eq!(c_strtod(b"0x1p-1076").map(|x| x.0), Some(0.0));
        assert_eq!(
            c_strtod(b"0x1.8p-1075").map(|x| x.0),
            Some(f64::from_bits(1))
        );
        assert_eq!(c_strtod(b"0x1p1024").map(|x| x.0), Some(f64::INFINITY));
        assert_eq!(
            c_strtod(b"0x1.fffffffffffff8p1023").map(|x| x.0),
            Some(f64::INFINITY)
        );
        assert_eq!(
            c_strtod(b"0x1.fffffffffffffp1023").map(|x| x.0),
            Some(f64::MAX)
        );
        assert_eq!(c_strtol(b"0x", 0), Some((0, 1)));
        assert_eq!(c_strtol(b"-0x10", 0), Some((-16, 5)));
        assert_eq!(
            c_strtol(b"99999999999999999999999", 10),
            Some((c_long::MAX, 23))
        );
        assert_eq!(
            c_strtol(b"-99999999999999999999999", 10),
            Some((c_long::MIN, 24))
        );
        assert_eq!(c_strtol(b"z", 36), Some((35, 1)));
        assert_eq!(c_strtol(b"1", 1), None);
        assert_eq!(c_strtoul(b"-1", 10), Some((c_ulong::MAX, 2)));
        assert_eq!(c_strtoul(b"0x10", 10), Some((0, 1)));
        assert_eq!(ulong_to_int(4294967295), -1);
        assert_eq!(long_to_int(2147483648), -2147483648);
        assert_eq!(double_to_int(16.9), 16);
        assert_eq!(double_to_int(-0.999), 0);
    }

    // ---- uci ----------------------------------------------------------------------------

    const VTEST: &str = "config host 'router'\n\toption name 'gw'\n\toption ip '192.168.1.1'\n\tlist alias 'a1'\n\tlist alias 'a2'\n\nconfig host\n\toption name 'anonhost'\n\tlist alias 'x y'\n\nconfig zone 'lan'\n\toption name 'lan'\n\toption enabled '1'\n\nconfig zone 'wan'\n\toption name 'wan'\n\tlist network 'wan'\n\tlist network 'wan6'\n\nconfig iface 'wan6'\n\toption proto 'dhcpv6'\n";

    /// The fixture of spec §3.9 in a scratch config directory, read through the core
    /// (`crate::schema::ContextResolver`).
    fn fixture_resolver() -> (tempfile::TempDir, crate::schema::ContextResolver) {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("vtest"), VTEST).expect("write fixture");
        let mut ctx = crate::store::Context::new();
        ctx.set_confdir(dir.path().as_os_str().as_bytes());
        ctx.set_conf2dir(None);
        ctx.delta_path.clear();
        ctx.set_savedir(dir.path().join("delta").as_os_str().as_bytes());
        let r = crate::schema::ContextResolver::new(&ctx);
        (dir, r)
    }

    #[test]
    fn anonymous_names() {
        let (_dir, r) = fixture_resolver();
        assert_eq!(r.sections("vtest").expect("vtest loads")[1].0, "cfg02fe63");
    }

    #[test]
    fn uci() {
        let (_dir, r) = fixture_resolver();
        let cases: &[(&str, &str, bool)] = &[
            ("uci(\"vtest\",\"@host\")", "router", true),
            ("uci(\"vtest\",\"@host\")", "cfg02fe63", true),
            ("uci(\"vtest\",\"@host\")", "lan", false),
            ("uci(\"vtest\",\"@host\",\"alias\")", "a1", true),
            ("uci(\"vtest\",\"@host\",\"alias\")", "x y", true),
            ("uci(\"vtest\",\"@host\",\"alias\")", "x", false),
            ("uci(\"vtest\",\"router\",\"name\")", "gw", true),
            ("uci(\"vtest\",\"router\",\"name\")", "GW", false),
            ("uci(\"vtest\",\"router\")", "router", false),
            ("uci(\"vtest\")", "vtest", false),
            ("uci", "gw", false),
            ("uci(\"vtest\",1,\"name\")", "gw", false),
            ("uci(\"vtest\",\"router\",\"name\",\"extra\")", "gw", true),
            ("uci(\"vtest\",\"@host[0]\",\"name\")", "gw", false),
            ("uci(\"vtest\",\"@\")", "router", false),
            ("uci(\"nopkg\",\"@host\")", "router", false),
            (
                "or(uci(\"vtest\",\"@zone\",\"name\"),\"none\")",
                "none",
                true,
            ),
            (
                "or(uci(\"vtest\",\"@zone\",\"name\"),\"none\")",
                "lan",
                true,
            ),
            ("uci('vtest','router','name')", "gw", true),
            ("uci(\"vtest\",\"@host\",5)", "router", true),
        ];
        for (e, v, want) in cases {
            assert_eq!(valid_with(e, v, &r), *want, "{e} on {v:?}");
        }
        assert!(!valid_with(
            "uci(\"vtest\",\"router\",\"name\")",
            "gw",
            &NoResolver
        ));
        assert_eq!(
            evaluate(&parse("uci(\"vtest\",\"@zone\")").unwrap(), b"lan", &r),
            Some(Kind::String)
        );
    }
}
