//! Who may read and change which package over the bus: the `acl` sections
//! of the `ucix` package (committed settings only).
//!
//! ```text
//! config acl
//!     option user 'alice'      # a user name or uid (optional)
//!     option group 'netadm'    # a group name or gid, primary or supplementary (optional)
//!     list read 'system'       # packages, or '*'
//!     list write 'network'     # write implies read
//! ```
//!
//! An acl applies to a caller when its `user` (if set) names the caller and
//! its `group` (if set) is one of the caller's groups; one with neither
//! applies to everyone. A caller may do what any acl applying to it allows.
//! Root (uid 0) may do everything. `*` stands for every package except
//! `ucix` itself: the settings (and so the acls) can only be changed by
//! root or by an acl that names `ucix` in its `write` list.
#![forbid(unsafe_code)]

use nix::unistd::{Group, Uid, User};

use crate::hooks::settings::{Settings, PACKAGE};
use crate::model::Value;

/// What a call needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// One `acl` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    pub user: Option<String>,
    pub group: Option<String>,
    pub read: Vec<String>,
    pub write: Vec<String>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        None => vec![],
        Some(Value::Str(s)) => s.split(|c| c.is_ascii_whitespace()).filter(|w| !w.is_empty()).map(|w| String::from_utf8_lossy(w).into_owned()).collect(),
        Some(Value::List(l)) => l.iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect(),
    }
}

fn one(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::Str(s)) if !s.is_empty() => Some(String::from_utf8_lossy(s).into_owned()),
        _ => None,
    }
}

/// The acl sections of the settings, in order.
pub fn rules(settings: &Settings) -> Vec<Rule> {
    let Some(p) = settings.package() else { return vec![] };
    p.sections
        .iter()
        .filter(|s| s.stype == b"acl")
        .map(|s| {
            let o = |n: &str| s.option(n.as_bytes()).map(|o| &o.value);
            Rule { user: one(o("user")), group: one(o("group")), read: strings(o("read")), write: strings(o("write")) }
        })
        .collect()
}

/// A caller's identity as the acls see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    pub uid: u32,
    pub name: Option<String>,
    /// Primary and supplementary group ids.
    pub gids: Vec<u32>,
}

impl Caller {
    /// Looks up the user database for `uid` (name, groups).
    pub fn lookup(uid: u32) -> Caller {
        let mut c = Caller { uid, ..Caller::default() };
        if let Ok(Some(u)) = User::from_uid(Uid::from_raw(uid)) {
            c.gids.push(u.gid.as_raw());
            if let Ok(cname) = std::ffi::CString::new(u.name.clone()) {
                if let Ok(gs) = nix::unistd::getgrouplist(&cname, u.gid) {
                    c.gids.extend(gs.iter().map(|g| g.as_raw()));
                }
            }
            c.name = Some(u.name);
        }
        c.gids.sort_unstable();
        c.gids.dedup();
        c
    }
}

fn gid_of(group: &str) -> Option<u32> {
    if let Ok(n) = group.parse::<u32>() {
        return Some(n);
    }
    Group::from_name(group).ok().flatten().map(|g| g.gid.as_raw())
}

fn applies(r: &Rule, c: &Caller) -> bool {
    if let Some(u) = &r.user {
        let by_id = u.parse::<u32>().ok() == Some(c.uid);
        if !by_id && c.name.as_deref() != Some(u.as_str()) {
            return false;
        }
    }
    if let Some(g) = &r.group {
        match gid_of(g) {
            Some(gid) if c.gids.contains(&gid) => {}
            _ => return false,
        }
    }
    true
}

fn lists(list: &[String], package: &str) -> bool {
    list.iter().any(|p| p == package || (p == "*" && package.as_bytes() != PACKAGE))
}

/// Whether `caller` may `access` `package` under `rules`.
pub fn allowed(rules: &[Rule], caller: &Caller, package: &str, access: Access) -> bool {
    if caller.uid == 0 {
        return true;
    }
    rules.iter().filter(|r| applies(r, caller)).any(|r| match access {
        Access::Read => lists(&r.read, package) || lists(&r.write, package),
        Access::Write => lists(&r.write, package),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_decisions() {
        let text = b"config acl\n\toption user 'alice'\n\tlist read 'system'\n\tlist write 'network'\nconfig acl\n\toption group '4242'\n\tlist write '*'\nconfig acl\n\tlist read 'public'\nconfig hooks 'hooks'\n";
        let p = crate::syntax::statement::parse_package(text, PACKAGE, false).unwrap();
        let r = rules(&Settings::from_package(Some(p)));
        assert_eq!(r.len(), 3);
        let alice = Caller { uid: 1000, name: Some("alice".into()), gids: vec![1000] };
        let ops = Caller { uid: 1001, name: Some("bob".into()), gids: vec![1001, 4242] };
        let other = Caller { uid: 1002, name: None, gids: vec![] };
        assert!(allowed(&r, &alice, "system", Access::Read));
        assert!(!allowed(&r, &alice, "system", Access::Write));
        assert!(allowed(&r, &alice, "network", Access::Read));
        assert!(allowed(&r, &alice, "network", Access::Write));
        assert!(!allowed(&r, &alice, "firewall", Access::Read));
        assert!(allowed(&r, &ops, "firewall", Access::Write));
        assert!(!allowed(&r, &ops, "ucix", Access::Write), "* never covers the settings");
        assert!(allowed(&r, &other, "public", Access::Read));
        assert!(!allowed(&r, &other, "public", Access::Write));
        assert!(!allowed(&r, &other, "system", Access::Read));
        assert!(allowed(&r, &Caller { uid: 0, ..Caller::default() }, "ucix", Access::Write));
        let by_uid = Rule { user: Some("1002".into()), write: vec!["x".into()], ..Rule::default() };
        assert!(allowed(&[by_uid], &other, "x", Access::Write));
    }
}
