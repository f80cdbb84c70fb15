//! Checking a package against its schema.
//!
//! Values follow `validate_data`'s section mode (datatypes.md §4.3): an empty
//! value counts as unset, every non-empty element of a list is checked, and
//! an unset option is fine unless the schema marks it required. Options and
//! section types the schema does not know are allowed (UCI allows them) and
//! reported only in strict mode.

use serde_json::json;

use super::datatypes::{self, Resolver};
use super::definition::{lossy, OptionSpec, Schema};
use crate::error::Result;
use crate::lookup::{self, Ptr};
use crate::model::{Package, Value};

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The value does not match the option's datatype.
    Invalid,
    /// A required option is missing or empty.
    Missing,
    /// (strict) The schema does not know this option.
    UnknownOption,
    /// (strict) The schema does not know this section type.
    UnknownType,
    /// (strict) A list where the schema expects a single value.
    UnexpectedList,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Invalid => "invalid",
            Problem::Missing => "missing",
            Problem::UnknownOption => "unknown-option",
            Problem::UnknownType => "unknown-type",
            Problem::UnexpectedList => "unexpected-list",
        }
    }
}

/// One finding, located both as `pkg.@type[n].opt` and by the real section name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub package: Vec<u8>,
    /// The section's real (possibly generated) name.
    pub section: Vec<u8>,
    pub stype: Vec<u8>,
    /// The section's index among sections of its type.
    pub index: usize,
    pub option: Option<Vec<u8>>,
    pub problem: Problem,
    /// The datatype expression expected.
    pub expected: Option<Vec<u8>>,
    /// The offending value (a list element for lists).
    pub value: Option<Vec<u8>>,
}

impl Issue {
    fn with_option(&self, mut s: String) -> String {
        if let Some(o) = &self.option {
            s.push('.');
            s.push_str(&lossy(o));
        }
        s
    }

    /// `pkg.@type[n][.opt]`
    pub fn location(&self) -> String {
        self.with_option(format!("{}.@{}[{}]", lossy(&self.package), lossy(&self.stype), self.index))
    }

    /// `pkg.name[.opt]`
    pub fn named_location(&self) -> String {
        self.with_option(format!("{}.{}", lossy(&self.package), lossy(&self.section)))
    }

    /// One line of text output (without newline).
    pub fn line(&self) -> String {
        let what = match self.problem {
            Problem::Invalid => format!(
                "invalid value '{}', expected {}",
                lossy(self.value.as_deref().unwrap_or_default()),
                lossy(self.expected.as_deref().unwrap_or_default())
            ),
            Problem::Missing => {
                format!("required option missing, expected {}", lossy(self.expected.as_deref().unwrap_or_default()))
            }
            Problem::UnknownOption => "option not in the schema".to_string(),
            Problem::UnknownType => format!("section type '{}' not in the schema", lossy(&self.stype)),
            Problem::UnexpectedList => "is a list, the schema expects a single value".to_string(),
        };
        format!("{} ({}): {what}", self.location(), self.named_location())
    }

    /// The issue as a JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "location": self.location(),
            "name": self.named_location(),
            "package": lossy(&self.package),
            "section": lossy(&self.section),
            "type": lossy(&self.stype),
            "index": self.index,
            "option": self.option.as_deref().map(lossy),
            "problem": self.problem.as_str(),
            "expected": self.expected.as_deref().map(lossy),
            "value": self.value.as_deref().map(lossy),
        })
    }
}

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also report unknown options and section types, and unexpected lists.
    pub strict: bool,
    /// Only this section (a name or `@type[n]`).
    pub section: Option<Vec<u8>>,
    /// Only this option.
    pub option: Option<Vec<u8>>,
}

/// True if `value` is acceptable for `spec`: empty counts as unset; a
/// datatype that does not parse accepts everything (it is reported as a
/// schema problem instead).
pub fn value_ok(spec: &OptionSpec, value: &[u8], resolver: &dyn Resolver) -> bool {
    match &spec.expr {
        _ if value.is_empty() => true,
        Ok(e) => datatypes::validate_bytes(e, value, resolver),
        Err(_) => true,
    }
}

fn non_empty(v: &Value) -> Vec<&[u8]> {
    match v {
        Value::Str(s) => [s.as_slice()].into_iter().filter(|s| !s.is_empty()).collect(),
        Value::List(l) => l.iter().map(|t| t.as_slice()).filter(|s| !s.is_empty()).collect(),
    }
}

/// Checks section `si` of `p`; `only` limits the option checks to these names.
pub fn check_section(
    schema: &Schema,
    p: &Package,
    si: usize,
    index: usize,
    resolver: &dyn Resolver,
    strict: bool,
    only: Option<&[Vec<u8>]>,
    out: &mut Vec<Issue>,
) {
    let s = &p.sections[si];
    let issue = |option: Option<&[u8]>, problem, expected: Option<&[u8]>, value: Option<&[u8]>| Issue {
        package: p.name.clone(),
        section: s.name.to_vec(),
        stype: s.stype.to_vec(),
        index,
        option: option.map(<[u8]>::to_vec),
        problem,
        expected: expected.map(<[u8]>::to_vec),
        value: value.map(<[u8]>::to_vec),
    };
    let wanted = |n: &[u8]| only.is_none_or(|o| o.iter().any(|x| x == n));
    let Some(spec) = schema.section(&s.stype) else {
        if strict && only.is_none() {
            out.push(issue(None, Problem::UnknownType, None, None));
        }
        return;
    };
    for o in &s.options {
        if !wanted(&o.name) {
            continue;
        }
        let Some(os) = spec.option(&o.name) else {
            if strict {
                out.push(issue(Some(&o.name), Problem::UnknownOption, None, None));
            }
            continue;
        };
        if strict && !os.list && o.value.is_list() {
            out.push(issue(Some(&o.name), Problem::UnexpectedList, Some(&os.datatype), None));
        }
        for v in non_empty(&o.value) {
            if !value_ok(os, v, resolver) {
                out.push(issue(Some(&o.name), Problem::Invalid, Some(&os.datatype), Some(v)));
            }
        }
    }
    for os in spec.options.iter().filter(|os| os.required && wanted(&os.name)) {
        let present = s.option(&os.name).is_some_and(|o| !non_empty(&o.value).is_empty());
        if !present {
            out.push(issue(Some(&os.name), Problem::Missing, Some(&os.datatype), None));
        }
    }
}

/// Checks package `p` against `schema`.
pub fn check_package(schema: &Schema, p: &Package, resolver: &dyn Resolver, opts: &Options) -> Result<Vec<Issue>> {
    let indexes = p.type_indexes();
    let sections: Vec<usize> = match &opts.section {
        None => (0..p.sections.len()).collect(),
        Some(name) => {
            let mut ptr = Ptr {
                package: Some(p.name.clone()),
                section: Some(name.clone()),
                flags: if lookup::valid_name(name) { 0 } else { lookup::LOOKUP_EXTENDED },
                ..Default::default()
            };
            lookup::resolve(p, &mut ptr, true)?;
            match ptr.s {
                Some(si) => vec![si],
                None => return crate::error::fail(crate::ErrorCode::NotFound),
            }
        }
    };
    let only = opts.option.clone().map(|o| vec![o]);
    let mut out = vec![];
    for si in sections {
        check_section(schema, p, si, indexes[si], resolver, opts.strict, only.as_deref(), &mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::datatypes::NoResolver;
    use crate::schema::definition::parse;

    fn schema() -> Schema {
        parse(
            b"config section\n\toption type 'host'\n\tlist option 'ip:ip4addr'\n\tlist list 'mac:macaddr'\n\
              \tlist option 'name:hostname'\n\tlist required 'name'\n",
            b"dhcp",
            "test",
        )
        .unwrap()
    }

    fn pkg(text: &str) -> Package {
        crate::syntax::statement::parse_package(text.as_bytes(), b"dhcp", true).unwrap()
    }

    #[test]
    fn finds_invalid_and_missing() {
        let p = pkg("config host\n\toption name 'a'\n\toption ip '1.2.3.4'\n\nconfig host 'h2'\n\toption ip '1.2.3.400'\n\tlist mac '00:11:22:33:44:55'\n\tlist mac 'zz'\n\toption extra 'x'\n\nconfig odd\n");
        let issues = check_package(&schema(), &p, &NoResolver, &Options::default()).unwrap();
        let lines: Vec<String> = issues.iter().map(Issue::line).collect();
        assert_eq!(
            lines,
            [
                "dhcp.@host[1].ip (dhcp.h2.ip): invalid value '1.2.3.400', expected ip4addr",
                "dhcp.@host[1].mac (dhcp.h2.mac): invalid value 'zz', expected macaddr",
                "dhcp.@host[1].name (dhcp.h2.name): required option missing, expected hostname",
            ]
        );
        let strict = Options { strict: true, ..Default::default() };
        let issues = check_package(&schema(), &p, &NoResolver, &strict).unwrap();
        let kinds: Vec<Problem> = issues.iter().map(|i| i.problem).collect();
        assert_eq!(kinds, [Problem::Invalid, Problem::Invalid, Problem::UnknownOption, Problem::Missing, Problem::UnknownType]);
        let only = Options { section: Some(b"@host[0]".to_vec()), ..Default::default() };
        assert!(check_package(&schema(), &p, &NoResolver, &only).unwrap().is_empty());
        let only = Options { section: Some(b"h2".to_vec()), option: Some(b"ip".to_vec()), ..Default::default() };
        assert_eq!(check_package(&schema(), &p, &NoResolver, &only).unwrap().len(), 1);
        let missing = Options { section: Some(b"nope".to_vec()), ..Default::default() };
        assert!(check_package(&schema(), &p, &NoResolver, &missing).is_err());
    }

    #[test]
    fn empty_values_count_as_unset() {
        let p = pkg("config host\n\toption name ''\n\toption ip ''\n");
        let issues = check_package(&schema(), &p, &NoResolver, &Options::default()).unwrap();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].problem, Problem::Missing);
        assert_eq!(issues[0].to_json()["location"], "dhcp.@host[0].name");
    }
}
