//! Recorded schema versions.
//!
//! Each package's schema version lives in one dotfile beside the configs,
//! `<confdir>/.ucix-versions`: `uci` never lists dotfiles (`uci show`,
//! `export` and `commit` without arguments skip them, and a name starting
//! with `.` is not a config name), and it travels with the directory when
//! `/etc/config` is backed up and restored. Its content is UCI text:
//!
//! ```text
//! config package
//!     option name 'network'
//!     option version '2'
//! ```

use std::collections::BTreeMap;

use crate::model::{Opt, Package, Section, Value};
use crate::store::fsutil::path;
use crate::store::Context;

/// The file name, in the config directory.
pub const FILE: &str = ".ucix-versions";

/// Recorded versions, by package name.
pub type Versions = BTreeMap<Vec<u8>, u32>;

/// Where the versions file of `ctx` is.
pub fn file_path(ctx: &Context) -> Vec<u8> {
    ctx.config_path(FILE.as_bytes()).0
}

/// Parses the versions file text (entries that do not parse are ignored).
pub fn parse(text: &[u8]) -> Versions {
    let mut v = Versions::new();
    let Ok(p) = crate::syntax::statement::parse_package(text, b"versions", false) else { return v };
    for s in p.sections.iter().filter(|s| s.stype == b"package") {
        let get = |n: &[u8]| match s.option(n).map(|o| &o.value) {
            Some(Value::Str(x)) => Some(x.as_slice()),
            _ => None,
        };
        let (Some(name), Some(ver)) = (get(b"name"), get(b"version")) else { continue };
        if let Some(n) = std::str::from_utf8(ver).ok().and_then(|t| t.parse::<u32>().ok()) {
            v.insert(name.to_vec(), n);
        }
    }
    v
}

/// Reads the recorded versions of `ctx`'s config directory.
pub fn read(ctx: &Context) -> Versions {
    std::fs::read(path(&file_path(ctx))).map(|t| parse(&t)).unwrap_or_default()
}

/// The versions file text for `v` (written with the core's export format).
pub fn render(v: &Versions) -> Vec<u8> {
    let mut p = Package::new(b"versions");
    for (name, ver) in v {
        let n = p.count_section();
        p.push_section(Section {
            name: crate::model::naming::anonymous_name(n, b"package"),
            stype: b"package".into(),
            anonymous: true,
            options: vec![
                Opt { name: b"name".into(), value: Value::Str(name.clone().into()) },
                Opt { name: b"version".into(), value: Value::Str(ver.to_string().into_bytes().into()) },
            ],
        });
    }
    let mut out = Vec::new();
    crate::write::export(&mut out, &p, false, false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut v = Versions::new();
        v.insert(b"network".to_vec(), 3);
        v.insert(b"adblock-fast".to_vec(), 1);
        let text = render(&v);
        assert_eq!(
            String::from_utf8_lossy(&text),
            "\nconfig package\n\toption name 'adblock-fast'\n\toption version '1'\n\nconfig package\n\toption name 'network'\n\toption version '3'\n\n"
        );
        assert_eq!(parse(&text), v);
        assert!(parse(b"garbage 'x").is_empty());
    }
}
