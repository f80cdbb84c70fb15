//! ucix's own system paths, each with a default and a `UCIX_…` override, so
//! tests never touch the host's `/etc` or `/var/run`.

use std::path::PathBuf;

fn env_path(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        // The core's own unit tests never use the system locations.
        _ if cfg!(test) => std::env::temp_dir().join(format!("ucix-unit-{}", std::process::id())).join(default.trim_start_matches('/')),
        _ => PathBuf::from(default),
    }
}

/// Binary index cache directory (`UCIX_CACHE_DIR`, default `/var/run/uci-cache`).
pub fn cache_dir() -> PathBuf {
    env_path("UCIX_CACHE_DIR", "/var/run/uci-cache")
}

/// Whether the cache is enabled (`UCIX_CACHE=0` turns it off).
pub fn cache_enabled() -> bool {
    std::env::var_os("UCIX_CACHE").is_none_or(|v| v != "0")
}

/// History and apply state (`UCIX_STATE_DIR`, default `/var/lib/ucix`).
pub fn state_dir() -> PathBuf {
    env_path("UCIX_STATE_DIR", "/var/lib/ucix")
}

/// Commit hooks (`UCIX_HOOKS_DIR`, default `/etc/ucix/hooks.d`).
pub fn hooks_dir() -> PathBuf {
    env_path("UCIX_HOOKS_DIR", "/etc/ucix/hooks.d")
}

/// Schema directory (`UCIX_SCHEMA_DIR`, default `/usr/share/ucix/schema`).
pub fn schema_dir() -> PathBuf {
    env_path("UCIX_SCHEMA_DIR", "/usr/share/ucix/schema")
}

/// `reload_config`'s md5 file (`UCIX_CONFIG_MD5`, default `/var/run/config.md5`).
pub fn config_md5() -> PathBuf {
    env_path("UCIX_CONFIG_MD5", "/var/run/config.md5")
}

pub const DEFAULT_UBUS_SOCKET: &str = "/var/run/ubus/ubus.sock";

/// ubus socket (`UCIX_UBUS_SOCKET`, default `/var/run/ubus/ubus.sock`).
pub fn ubus_socket() -> PathBuf {
    env_path("UCIX_UBUS_SOCKET", DEFAULT_UBUS_SOCKET)
}

/// syslog socket for messages of the drop-in entry points
/// (`UCIX_SYSLOG_SOCKET`, default `/dev/log`).
pub fn syslog_socket() -> PathBuf {
    env_path("UCIX_SYSLOG_SOCKET", "/dev/log")
}
