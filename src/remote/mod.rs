//! Fleet sync over PostgreSQL (`ucix remote`): every device's configuration
//! in one central database, changed there by operators and by the devices.
//!
//! * [`state`]: a configuration as items (package, section, option): the
//!   unit of storage, diffs and merges;
//! * [`merge`]: the three-way merge of a pull, and its conflicts;
//! * [`secret`]: which options are secret, and their sealing with the key
//!   file;
//! * [`db`]: the schema (migrations in `src/remote/migrations/`), devices,
//!   revisions;
//! * [`sync`]: `init`, `push`, `pull`, `batch`, `watch`, `status`, `log`.
//!
//! `/etc/config` stays each device's source of truth: a pull applies what
//! changed centrally as one atomic commit of the journaled engine
//! ([`crate::txn::write_contents_as`], so the hooks run). What a device last
//! synced (its revision and that state, the base of the merge) is kept in
//! `UCIX_STATE_DIR/remote/<device>`.
//!
//! Built with the `remote` feature (on by default); only the `ucix` binary
//! calls into it.
#![forbid(unsafe_code)]

pub mod db;
pub mod merge;
pub mod secret;
pub mod state;
pub mod sync;

use std::path::PathBuf;

use crate::hooks::settings::Settings;

/// What can go wrong; every message is one line.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("bad connection string: {0}")]
    BadUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("lost the database connection: {0}")]
    Lost(String),
    #[error("database error: {0}")]
    Db(String),
    #[error("the database has no ucix schema: run 'ucix remote init'")]
    NoSchema,
    #[error("the database has ucix schema version {have}, this ucix uses version {want}")]
    SchemaVersion { have: i32, want: i32 },
    #[error("key file {0}: {1}")]
    KeyFile(String, String),
    #[error("the key file does not match the key of device '{0}' (wrong key file?)")]
    WrongKey(String),
    #[error("device '{0}' already has a key: copy its key file to {1}")]
    KeyExists(String, String),
    #[error("{0}")]
    Crypto(String),
    #[error("cannot decrypt {0}: wrong key file or altered value")]
    Decrypt(String),
    #[error("bad data in the database: {0}")]
    Corrupt(String),
    #[error("no device '{0}' in the database")]
    NoDevice(String),
    #[error("invalid device id '{0}' (1 to 128 of A-Z a-z 0-9 . _ - : @)")]
    BadDevice(String),
    #[error("the database has revisions {0}..{1} of this device that were not pulled: run 'ucix remote pull' first")]
    Behind(i64, i64),
    #[error("the sync state {0} belongs to another database (remove it to start over)")]
    OtherDatabase(String),
    #[error("{0}")]
    Local(String),
    #[error("{0}")]
    Usage(String),
    #[error("{} conflicting change(s), nothing applied", .0.len())]
    Conflicts(Vec<String>),
}

/// Where to sync: from the command line, else from the `remote` section of
/// the `ucix` package.
///
/// ```text
/// config remote 'remote'
///     option url 'host=db.example port=5432 dbname=fleet user=ucix'
///     option device 'ap-17'
///     option key_file '/etc/ucix/remote.key'
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub device: String,
    pub key_file: PathBuf,
}

/// The default key file.
pub const DEFAULT_KEY_FILE: &str = "/etc/ucix/remote.key";

fn setting(s: &Settings, name: &str) -> Option<String> {
    s.get_str("remote", name).map(|v| String::from_utf8_lossy(v).into_owned()).filter(|v| !v.is_empty())
}

impl Options {
    /// Fills what the command line did not give from `settings`.
    pub fn resolve(settings: &Settings, url: Option<String>, device: Option<String>, key_file: Option<String>) -> Result<Options, RemoteError> {
        let url = url.or_else(|| setting(settings, "url")).ok_or_else(|| RemoteError::Usage("no database: give --url or set ucix.remote.url".into()))?;
        let device =
            device.or_else(|| setting(settings, "device")).ok_or_else(|| RemoteError::Usage("no device id: give --device or set ucix.remote.device".into()))?;
        let ok = !device.is_empty() && device.len() <= 128 && device.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-:@".contains(&c));
        if !ok || device.starts_with('.') {
            return Err(RemoteError::BadDevice(device));
        }
        let key_file = key_file.or_else(|| setting(settings, "key_file")).unwrap_or_else(|| DEFAULT_KEY_FILE.to_string());
        Ok(Options { url, device, key_file: PathBuf::from(key_file) })
    }
}
