//! The built-in schemas (system, network, wireless, dhcp, firewall) must not
//! flag any real-world config of those packages in
//! `../shared/testdata/realworld` (real routers run with them) except the
//! values listed in `DAEMON_REJECTS`, which the daemon itself refuses, nor the
//! generated large configs in `../shared/testdata/large`. Prints the files
//! checked; "skipped" when the shared directory is absent.

mod common;

use std::path::{Path, PathBuf};

use ucix::schema::datatypes::NoResolver;
use ucix::schema::validate::{check_package, Issue, Options};
use ucix::schema::Catalog;

const PACKAGES: &[&str] = &["system", "network", "wireless", "dhcp", "firewall"];

/// The package a real-world file belongs to: the last `__` part of its name
/// (`etc__config__network`, `…__firewall.config`, `…__dhcp.conf`,
/// `…__wireless@1234abcd`), if it is one of [`PACKAGES`].
fn package_of(file: &Path) -> Option<&'static str> {
    let name = file.file_name()?.to_str()?;
    let base = name.split('@').next()?;
    let last = base.rsplit("__").next()?;
    let last = last.strip_suffix(".config").or_else(|| last.strip_suffix(".conf")).unwrap_or(last);
    PACKAGES.iter().copied().find(|p| *p == last)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Checks every file of `files` against the built-in schema of its package;
/// returns (files checked, issues as text).
fn check(files: &[(PathBuf, &'static str)], strict: bool) -> (usize, Vec<String>) {
    let empty = tempfile::tempdir().expect("tempdir");
    let catalog = Catalog::new(empty.path());
    let mut problems = vec![];
    for (f, pkg) in files {
        let text = std::fs::read(f).expect("read config");
        let p = ucix::syntax::statement::parse_package(&text, pkg.as_bytes(), true)
            .unwrap_or_else(|(e, pctx)| panic!("{}: {e:?} at line {}", f.display(), pctx.line));
        let schema = catalog.load(pkg.as_bytes()).expect("built-in schema parses").expect("built-in schema exists");
        let opts = Options { strict, ..Default::default() };
        let issues = check_package(&schema, &p, &NoResolver, &opts).expect("no section filter");
        problems.extend(issues.iter().map(|i: &Issue| format!("{}: {}", f.display(), i.line())));
    }
    (files.len(), problems)
}

/// Values in the real-world files that the daemon reading them rejects
/// (file, location, why), so the schemas must flag them; nothing else may be
/// flagged.
const DAEMON_REJECTS: &[(&str, &str, &str)] = &[(
    "nimesh-madhavan_openwrt-mwan-config/ArcherC7v2__etc__config__firewall",
    "firewall.@rule[11].target",
    "'ACCEPT:' is no target name or prefix of one: firewall3 skips the rule (\"skipped due to invalid options\")",
)];

#[test]
fn realworld_configs_are_not_flagged() {
    let Some(shared) = common::shared_dir() else { return };
    let dir = shared.join("testdata/realworld");
    if !dir.is_dir() {
        common::say(format!("skipped: {} not found", dir.display()));
        return;
    }
    let mut all = vec![];
    walk(&dir, &mut all);
    let files: Vec<(PathBuf, &'static str)> = all.into_iter().filter_map(|f| package_of(&f).map(|p| (f, p))).collect();
    for (f, p) in &files {
        common::say(format!("checked ({p}): {}", f.strip_prefix(&dir).unwrap_or(f).display()));
    }
    let (n, problems) = check(&files, false);
    common::say(format!("real-world configs checked: {n}, flagged values: {}", problems.len()));
    assert!(n >= 20, "expected the real-world firewall/network/wireless/dhcp files, found {n}");
    let unexpected: Vec<&String> =
        problems.iter().filter(|p| !DAEMON_REJECTS.iter().any(|(file, at, _)| p.contains(file) && p.contains(at))).collect();
    let missed: Vec<_> =
        DAEMON_REJECTS.iter().filter(|(file, at, _)| !problems.iter().any(|p| p.contains(file) && p.contains(at))).collect();
    for (file, at, why) in DAEMON_REJECTS {
        common::say(format!("flagged as expected: {file}: {at}: {why}"));
    }
    assert!(unexpected.is_empty(), "built-in schemas flag real-world configs:\n{}", unexpected.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"));
    assert!(missed.is_empty(), "values the daemon rejects are no longer flagged: {missed:?}");
}

#[test]
fn large_generated_configs_are_not_flagged() {
    let Some(shared) = common::shared_dir() else { return };
    let dir = shared.join("testdata/large");
    if !dir.is_dir() {
        common::say(format!("skipped: {} not found", dir.display()));
        return;
    }
    let mut all = vec![];
    walk(&dir, &mut all);
    let files: Vec<(PathBuf, &'static str)> = all
        .into_iter()
        .filter_map(|f| {
            let name = f.file_name()?.to_str()?.to_string();
            PACKAGES.iter().copied().find(|p| *p == name).map(|p| (f, p))
        })
        .collect();
    let (n, problems) = check(&files, false);
    common::say(format!("large configs checked: {n}, flagged values: {}", problems.len()));
    assert!(problems.is_empty(), "{}", problems.iter().take(50).cloned().collect::<Vec<_>>().join("\n"));
}

/// The schemas are useful, not just permissive: known-bad values are caught.
#[test]
fn builtin_schemas_catch_bad_values() {
    let empty = tempfile::tempdir().expect("tempdir");
    let catalog = Catalog::new(empty.path());
    let cases: &[(&str, &str, &str)] = &[
        ("network", "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.300'\n", "network.@interface[0].ipaddr"),
        ("network", "config interface 'lan'\n\toption netmask '255.0.255.0'\n", "network.@interface[0].netmask"),
        ("dhcp", "config host\n\toption name 'a'\n\toption ip '10.0.0.256'\n", "dhcp.@host[0].ip"),
        ("dhcp", "config dhcp 'lan'\n\toption start 'x'\n", "dhcp.@dhcp[0].start"),
        ("firewall", "config zone\n\toption input 'ALLOW'\n", "firewall.@zone[0].input"),
        ("firewall", "config rule\n\toption dest_port '70000'\n", "firewall.@rule[0].dest_port"),
        ("wireless", "config wifi-iface\n\toption ssid 'a-name-that-is-longer-than-32-bytes'\n", "wireless.@wifi-iface[0].ssid"),
        ("wireless", "config wifi-device 'radio0'\n\toption channel 'eleven'\n", "wireless.@wifi-device[0].channel"),
        ("system", "config system\n\toption log_port '99999'\n", "system.@system[0].log_port"),
    ];
    for (pkg, text, location) in cases {
        let p = ucix::syntax::statement::parse_package(text.as_bytes(), pkg.as_bytes(), true).expect("parses");
        let schema = catalog.load(pkg.as_bytes()).unwrap().unwrap();
        let issues = check_package(&schema, &p, &NoResolver, &Options::default()).unwrap();
        assert_eq!(issues.len(), 1, "{pkg}: {text:?}: {issues:?}");
        assert_eq!(issues[0].location(), *location);
    }
}
