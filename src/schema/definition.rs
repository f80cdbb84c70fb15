//! Schema files: what they contain, how they are parsed and where they come
//! from (built into `ucix`, overridden or extended by files in the schema
//! directory, `UCIX_SCHEMA_DIR`).
//!
//! A schema is UCI text (read by the core parser), one file per package,
//! named like the package:
//!
//! ```text
//! config schema
//!     option version '2'          # the package's current schema version
//!     option initial '1'          # version of a config that has none recorded (default 1)
//!     option enforce '1'          # ucix set/add_list/commit refuse invalid values
//!
//! config section
//!     option type 'interface'
//!     list option 'proto:string'              # name:datatype[:default], as uci_validate_section
//!     list option 'ipaddr:ipaddr'
//!     list list 'dns:ipaddr'                  # a list option: every element is checked
//!     list required 'proto'                   # must be present (and non-empty)
//!     list secret 'key'                       # holds a secret (ucix remote encrypts it)
//!
//! config step                                 # a migration step from version 1 to 2
//!     option version '2'
//!     option action 'rename_option'
//!     option type 'interface'
//!     option option 'ifname'
//!     option to 'device'
//! ```
//!
//! The option specs are split exactly as `validate_data` splits its section
//! tuples (datatypes.md §4.3), so a spec copied from an init script works.
//! Migration steps are described in [`super::migrate`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::datatypes::{self, DatatypeError, Expr};
use crate::model::{Package, Section, Value};

/// One option of a section type.
#[derive(Debug, Clone)]
pub struct OptionSpec {
    pub name: Vec<u8>,
    /// The datatype expression as written.
    pub datatype: Vec<u8>,
    /// The parsed expression, or why it does not parse.
    pub expr: Result<Expr, DatatypeError>,
    /// The default given after the second colon (`None` if absent).
    pub default: Option<Vec<u8>>,
    /// Declared with `list list`: a UCI list option.
    pub list: bool,
    /// Named in `list required`.
    pub required: bool,
    /// Named in `list secret`: holds a secret (`ucix remote` stores it
    /// encrypted).
    pub secret: bool,
}

/// The options of one section type.
#[derive(Debug, Clone, Default)]
pub struct SectionSpec {
    pub stype: Vec<u8>,
    pub options: Vec<OptionSpec>,
}

impl SectionSpec {
    pub fn option(&self, name: &[u8]) -> Option<&OptionSpec> {
        self.options.iter().find(|o| o.name == name)
    }
}

/// A migration step, as written (interpreted by [`super::migrate`]).
#[derive(Debug, Clone)]
pub struct StepSpec {
    /// The version this step leads to (it runs when migrating from `version - 1`).
    pub version: u32,
    /// The step's section, with `version` and every parameter as options.
    pub section: Section,
}

impl StepSpec {
    /// A string parameter.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        match &self.section.option(name.as_bytes())?.value {
            Value::Str(s) => Some(s),
            Value::List(l) => l.first().map(|t| t.as_slice()),
        }
    }

    /// A parameter given as a list (or a single option), in order.
    pub fn list(&self, name: &str) -> Vec<Vec<u8>> {
        values(&self.section, name)
    }

    /// The action name.
    pub fn action(&self) -> &[u8] {
        self.get("action").unwrap_or(b"")
    }
}

/// The schema of one package.
#[derive(Debug, Clone)]
pub struct Schema {
    pub package: Vec<u8>,
    pub version: u32,
    /// Version assumed for a config with no recorded version.
    pub initial: u32,
    pub enforce: bool,
    /// Section types in file order.
    pub sections: Vec<SectionSpec>,
    /// Migration steps in file order.
    pub steps: Vec<StepSpec>,
    /// Where it was read from (`built-in` or a path).
    pub origin: String,
}

impl Schema {
    pub fn section(&self, stype: &[u8]) -> Option<&SectionSpec> {
        self.sections.iter().find(|s| s.stype == stype)
    }

    /// The spec of `option` in sections of type `stype`.
    pub fn option(&self, stype: &[u8], option: &[u8]) -> Option<&OptionSpec> {
        self.section(stype)?.option(option)
    }

    /// The steps leading from `from` to `to`, in order.
    pub fn steps_between(&self, from: u32, to: u32) -> Vec<&StepSpec> {
        let mut v: Vec<&StepSpec> = self.steps.iter().filter(|s| s.version > from && s.version <= to).collect();
        v.sort_by_key(|s| s.version);
        v
    }

    /// Datatype expressions that do not parse, as `type.option: message` lines.
    pub fn expression_problems(&self) -> Vec<String> {
        let mut out = vec![];
        for s in &self.sections {
            for o in &s.options {
                let problem = match &o.expr {
                    Err(e) => e.to_string(),
                    Ok(_) if !balanced(&o.datatype) => {
                        "unbalanced parentheses: validate_data drops the term (a ':' inside must be written '\\:')".to_string()
                    }
                    Ok(e) if clobbers_tokenizer(e) => {
                        "list() of list() or uci() checks only the first element in validate_data".to_string()
                    }
                    Ok(_) => continue,
                };
                out.push(format!("{}.{}: datatype '{}': {problem}", lossy(&s.stype), lossy(&o.name), lossy(&o.datatype)));
            }
        }
        out
    }
}

/// Parentheses balance (backslash escapes skipped), as the expression splitter counts them.
fn balanced(t: &[u8]) -> bool {
    let mut depth = 0i32;
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    depth == 0
}

/// True if a `list()` in `e` checks elements with a `list()` or `uci()`
/// (datatypes.md §6.4: the reference then only looks at the first element).
pub fn clobbers_tokenizer(e: &Expr) -> bool {
    match e {
        Expr::Call { func: datatypes::Function::List, args } => {
            args.first().is_some_and(Expr::uses_tokenizer) || args.iter().any(clobbers_tokenizer)
        }
        Expr::Call { args, .. } => args.iter().any(clobbers_tokenizer),
        _ => false,
    }
}

/// A schema that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub origin: String,
    pub message: String,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schema {}: {}", self.origin, self.message)
    }
}

impl std::error::Error for SchemaError {}

pub(crate) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Splits a `name:datatype[:default]` tuple as `validate_data` does (datatypes.md
/// §4.3): separators are colons not preceded by a backslash; the byte right after
/// each separator is never itself a separator or an escape; backslashes are kept;
/// a third separator truncates the default. `None` without any separator.
pub fn split_spec(t: &[u8]) -> Option<(Vec<u8>, Vec<u8>, Option<Vec<u8>>)> {
    let mut seps = vec![];
    let mut i = 0;
    while i < t.len() && seps.len() < 3 {
        match t[i] {
            b'\\' => i += 2,
            b':' => {
                seps.push(i);
                i += 2;
            }
            _ => i += 1,
        }
    }
    let first = *seps.first()?;
    let name = t[..first].to_vec();
    let (expr, default) = match seps.get(1) {
        None => (t[first + 1..].to_vec(), None),
        Some(&second) => {
            let end = seps.get(2).copied().unwrap_or(t.len());
            (t[first + 1..second].to_vec(), Some(t[(second + 1).min(end)..end].to_vec()))
        }
    };
    Some((name, expr, default))
}

fn values(s: &Section, name: &str) -> Vec<Vec<u8>> {
    match s.option(name.as_bytes()).map(|o| &o.value) {
        Some(Value::Str(v)) => vec![v.to_vec()],
        Some(Value::List(l)) => l.iter().map(|t| t.to_vec()).collect(),
        None => vec![],
    }
}

fn single(s: &Section, name: &str) -> Option<Vec<u8>> {
    values(s, name).into_iter().next()
}

fn number(s: &Section, name: &str, origin: &str) -> Result<Option<u32>, SchemaError> {
    match single(s, name) {
        None => Ok(None),
        Some(v) => std::str::from_utf8(&v)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            .map(Some)
            .ok_or_else(|| SchemaError { origin: origin.to_string(), message: format!("option {name} '{}' is not a number", lossy(&v)) }),
    }
}

fn is_true(v: &[u8]) -> bool {
    matches!(&v.to_ascii_lowercase()[..], b"1" | b"on" | b"true" | b"yes" | b"enabled")
}

/// Parses schema text for `package`.
pub fn parse(text: &[u8], package: &[u8], origin: &str) -> Result<Schema, SchemaError> {
    let err = |message: String| SchemaError { origin: origin.to_string(), message };
    let p: Package = crate::syntax::statement::parse_package(text, b"schema", true).map_err(|(e, pctx)| {
        err(format!("{} ({}) at line {}", e.code().message(), pctx.reason.unwrap_or("?"), pctx.line))
    })?;
    let mut schema = Schema {
        package: package.to_vec(),
        version: 1,
        initial: 1,
        enforce: false,
        sections: vec![],
        steps: vec![],
        origin: origin.to_string(),
    };
    let mut initial = None;
    let mut types: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
    for s in &p.sections {
        match &s.stype[..] {
            b"schema" => {
                if let Some(v) = number(s, "version", origin)? {
                    schema.version = v;
                }
                initial = number(s, "initial", origin)?;
                schema.enforce = single(s, "enforce").is_some_and(|v| is_true(&v));
            }
            b"section" => {
                let Some(stype) = single(s, "type") else {
                    return Err(err(format!("section '{}' has no type", lossy(&s.name))));
                };
                let idx = *types.entry(stype.clone()).or_insert_with(|| {
                    schema.sections.push(SectionSpec { stype: stype.clone(), options: vec![] });
                    schema.sections.len() - 1
                });
                let required = values(s, "required");
                let secret = values(s, "secret");
                let mut specs: Vec<(Vec<u8>, bool)> = values(s, "option").into_iter().map(|v| (v, false)).collect();
                specs.extend(values(s, "list").into_iter().map(|v| (v, true)));
                for r in required.iter().chain(&secret) {
                    if !specs.iter().any(|(v, _)| split_spec(v).is_some_and(|(n, _, _)| &n == r)) {
                        // required or secret without a datatype: any value
                        let mut spec = r.clone();
                        spec.extend_from_slice(b":string");
                        specs.push((spec, false));
                    }
                }
                for (spec, list) in specs {
                    let Some((name, dt, default)) = split_spec(&spec) else {
                        return Err(err(format!("'{}' is not a valid option (name:datatype[:default])", lossy(&spec))));
                    };
                    let expr = datatypes::parse_bytes(&dt);
                    let o = OptionSpec { required: required.contains(&name), secret: secret.contains(&name), name, datatype: dt, expr, default, list };
                    let sec = &mut schema.sections[idx];
                    match sec.options.iter_mut().find(|x| x.name == o.name) {
                        Some(x) => *x = o,
                        None => sec.options.push(o),
                    }
                }
            }
            b"step" => {
                let Some(version) = number(s, "version", origin)? else {
                    return Err(err(format!("step '{}' has no version", lossy(&s.name))));
                };
                if version < 2 {
                    return Err(err("a step's version must be 2 or more (the version it leads to)".into()));
                }
                let step = StepSpec { version, section: s.clone() };
                super::migrate::check_step(&step).map_err(err)?;
                schema.steps.push(step);
            }
            other => return Err(err(format!("unknown section type '{}'", lossy(other)))),
        }
    }
    schema.initial = initial.unwrap_or(1).min(schema.version);
    if let Some(s) = schema.steps.iter().find(|s| s.version > schema.version) {
        return Err(err(format!("step for version {} is newer than the schema version {}", s.version, schema.version)));
    }
    Ok(schema)
}

/// The schemas built into `ucix`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dhcp", include_str!("builtin/dhcp")),
    ("firewall", include_str!("builtin/firewall")),
    ("network", include_str!("builtin/network")),
    ("system", include_str!("builtin/system")),
    ("wireless", include_str!("builtin/wireless")),
];

fn valid_file_name(n: &[u8]) -> bool {
    !n.starts_with(b".") && !n.contains(&b'.') && crate::lookup::valid_package(n)
}

/// Where schemas are found: the schema directory and the built-in set.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub dir: PathBuf,
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog { dir: crate::store::paths::schema_dir() }
    }
}

impl Catalog {
    pub fn new(dir: impl AsRef<Path>) -> Catalog {
        Catalog { dir: dir.as_ref().to_path_buf() }
    }

    /// The schema of `package`: the file in the schema directory if there is
    /// one, else the built-in one, else `None`.
    pub fn load(&self, package: &[u8]) -> Result<Option<Schema>, SchemaError> {
        if !valid_file_name(package) {
            return Ok(None);
        }
        use std::os::unix::ffi::OsStrExt;
        let path = self.dir.join(std::ffi::OsStr::from_bytes(package));
        if path.is_file() {
            let origin = path.display().to_string();
            let text = std::fs::read(&path).map_err(|e| SchemaError { origin: origin.clone(), message: e.to_string() })?;
            return parse(&text, package, &origin).map(Some);
        }
        match BUILTIN.iter().find(|(n, _)| n.as_bytes() == package) {
            Some((n, text)) => parse(text.as_bytes(), package, &format!("built-in:{n}")).map(Some),
            None => Ok(None),
        }
    }

    /// Names of every package with a schema (directory and built-in), sorted.
    pub fn names(&self) -> Vec<Vec<u8>> {
        use std::os::unix::ffi::OsStrExt;
        let mut names: Vec<Vec<u8>> = BUILTIN.iter().map(|(n, _)| n.as_bytes().to_vec()).collect();
        if let Ok(rd) = std::fs::read_dir(&self.dir) {
            for e in rd.flatten() {
                let n = e.file_name().as_bytes().to_vec();
                if valid_file_name(&n) && e.path().is_file() {
                    names.push(n);
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(t: &str) -> Option<(String, String, Option<String>)> {
        split_spec(t.as_bytes()).map(|(a, b, c)| (lossy(&a), lossy(&b), c.map(|c| lossy(&c))))
    }

    #[test]
    fn spec_split_like_validate_data() {
        assert_eq!(split("Port:port:22"), Some(("Port".into(), "port".into(), Some("22".into()))));
        assert_eq!(split("ipaddr:or(ip4addr,ip6addr)"), Some(("ipaddr".into(), "or(ip4addr,ip6addr)".into(), None)));
        assert_eq!(split("Port:port:22:x"), Some(("Port".into(), "port".into(), Some("22".into()))));
        assert_eq!(split("Port::22"), Some(("Port".into(), ":22".into(), None)));
        assert_eq!(split("Port:\\:port"), Some(("Port".into(), "\\".into(), Some("port".into()))));
        assert_eq!(split("Port:port:"), Some(("Port".into(), "port".into(), Some("".into()))));
        assert_eq!(split("a\\:b:port:22"), Some(("a\\:b".into(), "port".into(), Some("22".into()))));
        assert_eq!(split("x:"), Some(("x".into(), "".into(), None)));
        assert_eq!(split("noseparator"), None);
        assert_eq!(split("r:regex(\"a\\:b\"):q"), Some(("r".into(), "regex(\"a\\:b\")".into(), Some("q".into()))));
    }

    #[test]
    fn parses_a_schema() {
        let text = b"config schema\n\toption version '3'\n\toption enforce 'yes'\n\n\
            config section\n\toption type 'interface'\n\tlist option 'proto:string'\n\tlist list 'dns:ipaddr'\n\
            \tlist option 'mtu:range(68,9200):1500'\n\tlist required 'proto'\n\tlist required 'device'\n\tlist secret 'token'\n\n\
            config step\n\toption version '3'\n\toption action 'rename_option'\n\toption type 'interface'\n\toption option 'ifname'\n\toption to 'device'\n";
        let s = parse(text, b"network", "test").unwrap();
        assert_eq!((s.version, s.initial, s.enforce), (3, 1, true));
        let o = s.option(b"interface", b"mtu").unwrap();
        assert_eq!(o.default.as_deref(), Some(&b"1500"[..]));
        assert!(o.expr.is_ok() && !o.list && !o.required);
        assert!(s.option(b"interface", b"dns").unwrap().list);
        assert!(s.option(b"interface", b"proto").unwrap().required);
        assert!(s.option(b"interface", b"device").unwrap().required);
        assert!(s.option(b"interface", b"token").unwrap().secret && !s.option(b"interface", b"mtu").unwrap().secret);
        assert_eq!(s.steps_between(1, 3).len(), 1);
        assert_eq!(s.steps_between(3, 3).len(), 0);
    }

    #[test]
    fn schema_errors() {
        assert!(parse(b"config schema\n\toption version 'x'\n", b"p", "t").is_err());
        assert!(parse(b"config section\n\tlist option 'noseparator'\n", b"p", "t").is_err());
        assert!(parse(b"config section\n\tlist option 'a:port'\n", b"p", "t").is_err());
        assert!(parse(b"config bogus\n", b"p", "t").is_err());
        assert!(parse(b"config step\n\toption version '2'\n\toption action 'explode'\n", b"p", "t").is_err());
        assert!(parse(b"config schema\n\toption version '1'\nconfig step\n\toption version '2'\n\toption action 'delete'\n\toption type 't'\n", b"p", "t").is_err());
        assert!(parse(b"config schema\n\toption version '1\n", b"p", "t").unwrap_err().message.contains("line"));
        // a bad datatype expression is kept and reported, not fatal
        let s = parse(b"config section\n\toption type 't'\n\tlist option 'a:Port'\n\tlist option 'b:list(uci(\"p\",\"@t\"))'\n\tlist option 'c:list(port)'\n\tlist option 'd:regex(\"a:b\")'\n", b"p", "t").unwrap();
        assert_eq!(s.expression_problems().len(), 3, "{:?}", s.expression_problems());
    }

    #[test]
    fn builtins_parse() {
        for (n, text) in BUILTIN {
            let s = parse(text.as_bytes(), n.as_bytes(), n).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.expression_problems().is_empty(), "{n}: {:?}", s.expression_problems());
        }
    }
}
