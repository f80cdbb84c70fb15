//! ucix's own settings: the UCI package `ucix` (`/etc/config/ucix`).
//!
//! Read through the core like any package, from the committing context's
//! config directory (its override directory first, as for every package),
//! without staged changes: only committed settings count. So `uci -c DIR`
//! and `ucix -c DIR` read `DIR/ucix`, which is how tests point it
//! elsewhere. A missing or unparsable file means the defaults below.
//!
//! ```text
//! config hooks 'hooks'
//!     option enabled '1'      # run the executables of the hooks directory
//!     option timeout '30'     # seconds before a hook is killed
//! config events 'events'
//!     option enabled '1'      # ucix commit/apply/rollback/migrate send config.change
//!     option dropin '0'       # uci commit, libuci and Lua send them too
//! config history 'history'
//!     option keep '5'         # versions kept per package (0: no history)
//! config apply 'apply'
//!     option timeout '90'     # default of ucix apply --timeout
//! config remote 'remote'      # defaults of ucix remote (read by crate::remote::Options)
//!     option url 'host=/run/postgresql dbname=fleet'
//!     option device 'ap-17'
//!     option key_file '/etc/ucix/remote.key'
//! ```
//!
//! A section is found by its name, else as the first section of that type.
//! Other parts of ucix may keep their settings in further sections and
//! read them with [`Settings::get`].
#![forbid(unsafe_code)]

use std::time::Duration;

use crate::model::{Package, Value};
use crate::store::fsutil::path;
use crate::store::Context;

/// The package name of ucix's settings.
pub const PACKAGE: &[u8] = b"ucix";

#[derive(Debug, Clone)]
pub struct Settings {
    pkg: Option<Package>,
    pub hooks_enabled: bool,
    pub hook_timeout: Duration,
    pub events: bool,
    pub events_dropin: bool,
    pub history_keep: usize,
    pub apply_timeout: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            pkg: None,
            hooks_enabled: true,
            hook_timeout: Duration::from_secs(30),
            events: true,
            events_dropin: false,
            history_keep: 5,
            apply_timeout: 90,
        }
    }
}

/// UCI's boolean words.
pub fn parse_bool(v: &[u8]) -> Option<bool> {
    match &v.to_ascii_lowercase()[..] {
        b"1" | b"yes" | b"on" | b"true" | b"enabled" => Some(true),
        b"0" | b"no" | b"off" | b"false" | b"disabled" => Some(false),
        _ => None,
    }
}

impl Settings {
    /// Reads `<confdir>/ucix` (or the override directory's copy).
    pub fn load(ctx: &Context) -> Settings {
        let (file, _) = ctx.config_path(PACKAGE);
        let Ok(data) = std::fs::read(path(&file)) else { return Settings::default() };
        let pkg = crate::syntax::statement::parse_package(&data, PACKAGE, false).ok();
        Settings::from_package(pkg)
    }

    /// Settings from a parsed `ucix` package (`None`: defaults).
    pub fn from_package(pkg: Option<Package>) -> Settings {
        let mut s = Settings { pkg, ..Settings::default() };
        if let Some(b) = s.get_bool("hooks", "enabled") {
            s.hooks_enabled = b;
        }
        if let Some(n) = s.get_uint("hooks", "timeout") {
            s.hook_timeout = Duration::from_secs(n.max(1));
        }
        if let Some(b) = s.get_bool("events", "enabled") {
            s.events = b;
        }
        if let Some(b) = s.get_bool("events", "dropin") {
            s.events_dropin = b;
        }
        if let Some(n) = s.get_uint("history", "keep") {
            s.history_keep = n as usize;
        }
        if let Some(n) = s.get_uint("apply", "timeout") {
            s.apply_timeout = n.max(1);
        }
        s
    }

    /// The parsed `ucix` package, if there is one.
    pub fn package(&self) -> Option<&Package> {
        self.pkg.as_ref()
    }

    /// The value of `ucix.<section>.<option>`, the section found by name or
    /// else as the first of that type.
    pub fn get(&self, section: &str, option: &str) -> Option<&Value> {
        let p = self.pkg.as_ref()?;
        let s = p.section(section.as_bytes()).or_else(|| p.sections.iter().find(|s| s.stype == section.as_bytes()))?;
        s.option(option.as_bytes()).map(|o| &o.value)
    }

    pub fn get_str(&self, section: &str, option: &str) -> Option<&[u8]> {
        match self.get(section, option)? {
            Value::Str(s) => Some(s),
            Value::List(_) => None,
        }
    }

    pub fn get_bool(&self, section: &str, option: &str) -> Option<bool> {
        parse_bool(self.get_str(section, option)?)
    }

    pub fn get_uint(&self, section: &str, option: &str) -> Option<u64> {
        std::str::from_utf8(self.get_str(section, option)?).ok()?.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let d = Settings::from_package(None);
        assert!(d.hooks_enabled && d.events && !d.events_dropin);
        assert_eq!((d.history_keep, d.apply_timeout, d.hook_timeout.as_secs()), (5, 90, 30));
        let text = b"config hooks 'hooks'\n\toption timeout 2\nconfig events\n\toption dropin yes\nconfig history 'history'\n\toption keep 0\nconfig cache 'cache'\n\toption enabled off\n";
        let p = crate::syntax::statement::parse_package(text, b"ucix", false).unwrap();
        let s = Settings::from_package(Some(p));
        assert_eq!(s.hook_timeout.as_secs(), 2);
        assert!(s.events_dropin && s.events);
        assert_eq!(s.history_keep, 0);
        assert_eq!(s.get_bool("cache", "enabled"), Some(false));
        assert_eq!(s.get("cache", "missing"), None);
    }
}
