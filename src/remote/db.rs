//! The central database (PostgreSQL through the `postgres` crate):
//! connection, schema migrations, devices, revisions and items.
//!
//! The schema lives in `src/remote/migrations/NNNN_*.sql`, applied in order
//! by [`migrate`] and recorded in `ucix_schema`. Writing a revision locks
//! its device row, so revisions of one device are numbered without gaps
//! and a push or batch always builds on the head it read. Each new revision
//! sends `NOTIFY ucix_remote, '<device>'` (the payload never holds a value).
#![forbid(unsafe_code)]

use std::time::Duration;

use postgres::{Client, NoTls, Transaction};

use super::secret::{self, Key, SecretRule};
use super::state::{decode_item, encode_item, kind, Item, Key as ItemKey};
use super::RemoteError;

/// The migrations, oldest first: (version, SQL).
pub const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("migrations/0001_init.sql"))];

/// The schema version this ucix reads and writes.
pub const SCHEMA_VERSION: i32 = 1;

/// The notification channel of new revisions.
pub const CHANNEL: &str = "ucix_remote";

/// Any advisory lock id: serialises concurrent `init`s.
const INIT_LOCK: i64 = 0x7563_6978_7265_6d31;

/// A database error as a one-line message (the server's message when there
/// is one).
pub fn message(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{}: {}", db.severity(), db.message());
    }
    let mut m = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !m.contains(&t) {
            m.push_str(": ");
            m.push_str(&t);
        }
        src = s.source();
    }
    m
}

/// A database error: [`RemoteError::Lost`] when the connection is gone
/// (closed, I/O error, or the server ended the session: SQLSTATE classes
/// 08 and 57), else [`RemoteError::Db`].
pub fn error(e: postgres::Error) -> RemoteError {
    let ended = e.code().is_some_and(|c| c.code().starts_with("08") || c.code().starts_with("57"));
    if e.is_closed() || ended || e.as_db_error().is_none() && e.code().is_none() {
        RemoteError::Lost(message(&e))
    } else {
        RemoteError::Db(message(&e))
    }
}

use error as db;

/// Parses a libpq connection string (`key=value …` or a URI).
pub fn config(url: &str) -> Result<postgres::Config, RemoteError> {
    let mut c: postgres::Config = url.parse().map_err(|e: postgres::Error| RemoteError::BadUrl(message(&e)))?;
    if c.get_hosts().is_empty() {
        c.host("/var/run/postgresql");
    }
    if c.get_user().is_none() {
        c.user(&std::env::var("PGUSER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "postgres".into()));
    }
    if c.get_connect_timeout().is_none() {
        c.connect_timeout(Duration::from_secs(10));
    }
    if c.get_application_name().is_none() {
        c.application_name("ucix-remote");
    }
    Ok(c)
}

/// `url` with any password replaced by `***`, for messages.
pub fn redacted(url: &str) -> String {
    let mut out = String::new();
    for part in url.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        match part.split_once('=') {
            Some((k, _)) if k.trim() == "password" => out.push_str("password=***"),
            _ => out.push_str(part),
        }
    }
    // URI form: postgresql://user:secret@host/...
    if let Some(rest) = out.strip_prefix("postgresql://").or_else(|| out.strip_prefix("postgres://")) {
        if let Some((auth, tail)) = rest.split_once('@') {
            if let Some((user, _)) = auth.split_once(':') {
                let scheme = &out[..out.len() - rest.len()];
                return format!("{scheme}{user}:***@{tail}");
            }
        }
    }
    out
}

/// Connects with `application_name` set to `app` unless the URL sets one.
pub fn connect(url: &str, app: &str) -> Result<Client, RemoteError> {
    let mut c = config(url)?;
    if c.get_application_name() == Some("ucix-remote") {
        c.application_name(app);
    }
    c.connect(NoTls).map_err(|e| RemoteError::Connect(message(&e)))
}

/// Applies the missing migrations; returns (version before, version now).
pub fn migrate(client: &mut Client) -> Result<(i32, i32), RemoteError> {
    let mut tx = client.transaction().map_err(db)?;
    tx.query_one("SELECT pg_advisory_xact_lock($1)", &[&INIT_LOCK]).map_err(db)?;
    tx.batch_execute(
        "SET LOCAL client_min_messages = warning; \
         CREATE TABLE IF NOT EXISTS ucix_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .map_err(db)?;
    let have: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM ucix_schema", &[]).map_err(db)?.get(0);
    if have > SCHEMA_VERSION {
        return Err(RemoteError::SchemaVersion { have, want: SCHEMA_VERSION });
    }
    for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > have) {
        tx.batch_execute(sql).map_err(|e| RemoteError::Db(format!("migration {v}: {}", message(&e))))?;
        tx.execute("INSERT INTO ucix_schema (version) VALUES ($1)", &[v]).map_err(db)?;
    }
    tx.commit().map_err(db)?;
    Ok((have, SCHEMA_VERSION))
}

/// Checks that the schema is there and of this version; returns the
/// database's instance id.
pub fn check_schema(client: &mut impl postgres::GenericClient) -> Result<String, RemoteError> {
    let row = client
        .query_opt("SELECT to_regclass('ucix_schema') IS NOT NULL AND to_regclass('ucix_meta') IS NOT NULL", &[])
        .map_err(db)?;
    if !row.map(|r| r.get::<_, bool>(0)).unwrap_or(false) {
        return Err(RemoteError::NoSchema);
    }
    let have: i32 = client.query_one("SELECT coalesce(max(version), 0) FROM ucix_schema", &[]).map_err(db)?.get(0);
    if have != SCHEMA_VERSION {
        return Err(RemoteError::SchemaVersion { have, want: SCHEMA_VERSION });
    }
    let inst: String = client.query_one("SELECT value FROM ucix_meta WHERE name = 'instance'", &[]).map_err(db)?.get(0);
    Ok(inst)
}

/// A device row.
pub struct Device {
    pub head: i64,
    pub key_check: Option<Vec<u8>>,
}

/// Reads a device (`lock`: `FOR UPDATE`).
pub fn device(client: &mut impl postgres::GenericClient, id: &str, lock: bool) -> Result<Option<Device>, RemoteError> {
    let q = if lock {
        "SELECT head, key_check FROM ucix_device WHERE device = $1 FOR UPDATE"
    } else {
        "SELECT head, key_check FROM ucix_device WHERE device = $1"
    };
    Ok(client.query_opt(q, &[&id]).map_err(db)?.map(|r| Device { head: r.get(0), key_check: r.get(1) }))
}

/// Checks `key` against the device's check value.
pub fn verify_key(id: &str, dev: &Device, key: &Key) -> Result<(), RemoteError> {
    match &dev.key_check {
        Some(c) if key.open(&secret::check_aad(id), c).as_deref() != Some(secret::CHECK_PLAIN) => Err(RemoteError::WrongKey(id.to_string())),
        _ => Ok(()),
    }
}

/// Creates the device if needed, records the key's check value if it has
/// none, verifies the key and locks the row; returns its head.
pub fn ensure_device(tx: &mut Transaction<'_>, id: &str, key: &Key) -> Result<i64, RemoteError> {
    let check = key.seal(&secret::check_aad(id), secret::CHECK_PLAIN)?;
    tx.execute("INSERT INTO ucix_device (device, key_check) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&id, &check]).map_err(db)?;
    let dev = device(tx, id, true)?.ok_or_else(|| RemoteError::NoDevice(id.to_string()))?;
    if dev.key_check.is_none() {
        tx.execute("UPDATE ucix_device SET key_check = $2 WHERE device = $1", &[&id, &check]).map_err(db)?;
    }
    verify_key(id, &dev, key)?;
    Ok(dev.head)
}

fn text(b: &[u8], what: &str) -> Result<String, RemoteError> {
    String::from_utf8(b.to_vec()).map_err(|_| RemoteError::Local(format!("{what} name {:?} is not UTF-8 text", String::from_utf8_lossy(b))))
}

/// Who makes a revision: `user@host`.
pub fn author() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "localhost".into());
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| format!("uid{}", rustix::process::getuid().as_raw()));
    format!("{user}@{host}")
}

/// Writes revision `head + 1` of `id` with `changes`; secret values are
/// sealed with `key`. `stype` gives the section type of an option's
/// section (for the secret rule). Returns the new revision.
#[allow(clippy::too_many_arguments)]
pub fn write_revision(
    tx: &mut Transaction<'_>,
    id: &str,
    head: i64,
    origin: &str,
    changes: &[(ItemKey, Option<Item>)],
    key: &Key,
    rule: &SecretRule,
    stype: &dyn Fn(&ItemKey) -> Vec<u8>,
) -> Result<i64, RemoteError> {
    let rev = head + 1;
    let n = changes.len() as i32;
    tx.execute("INSERT INTO ucix_revision (device, rev, origin, author, changes) VALUES ($1, $2, $3, $4, $5)", &[&id, &rev, &origin, &author(), &n])
        .map_err(db)?;
    let (mut pk, mut sc, mut op, mut kd, mut se, mut va) = (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (k, v) in changes {
        let secret = !k.2.is_empty() && v.is_some() && rule.is_secret(&k.0, &stype(k), &k.2);
        let value: Option<Vec<u8>> = match v {
            None => None,
            Some(it) if secret => Some(key.seal(&secret::aad(id, &k.0, &k.1, &k.2), &encode_item(it))?),
            Some(it) => Some(encode_item(it)),
        };
        pk.push(text(&k.0, "package")?);
        sc.push(text(&k.1, "section")?);
        op.push(text(&k.2, "option")?);
        kd.push(kind(v.as_ref()).to_string());
        se.push(secret);
        va.push(value);
    }
    tx.execute(
        "INSERT INTO ucix_change (device, rev, package, section, option, kind, secret, value) \
         SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bytea[])",
        &[&id, &rev, &pk, &sc, &op, &kd, &se, &va],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO ucix_item (device, package, section, option, rev, kind, secret, value) \
         SELECT $1, p, s, o, $2, k, x, v FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::bytea[]) AS u(p, s, o, k, x, v) \
         ON CONFLICT (device, package, section, option) DO UPDATE \
         SET rev = excluded.rev, kind = excluded.kind, secret = excluded.secret, value = excluded.value",
        &[&id, &rev, &pk, &sc, &op, &kd, &se, &va],
    )
    .map_err(db)?;
    tx.execute("UPDATE ucix_device SET head = $2 WHERE device = $1", &[&id, &rev]).map_err(db)?;
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &id]).map_err(db)?;
    Ok(rev)
}

/// Decodes a stored row (opening a sealed value).
fn decode_row(id: &str, k: &ItemKey, kind: &str, secret: bool, value: Option<Vec<u8>>, key: &Key) -> Result<Option<Item>, RemoteError> {
    if kind == "x" {
        return Ok(None);
    }
    let tuple = super::state::tuple(k);
    let Some(value) = value else { return Err(RemoteError::Corrupt(format!("{tuple} has no value"))) };
    let plain = if secret {
        key.open(&secret::aad(id, &k.0, &k.1, &k.2), &value).ok_or_else(|| RemoteError::Decrypt(tuple.clone()))?
    } else {
        value
    };
    decode_item(kind, &plain).map(Some).ok_or_else(|| RemoteError::Corrupt(format!("{tuple}: malformed value of kind '{kind}'")))
}

/// The current items of every key changed after revision `since` (0: the
/// whole head state); `None` for a removed key.
pub fn items_since(client: &mut impl postgres::GenericClient, id: &str, since: i64, key: &Key) -> Result<Vec<(ItemKey, Option<Item>)>, RemoteError> {
    let rows = client
        .query("SELECT package, section, option, kind, secret, value FROM ucix_item WHERE device = $1 AND rev > $2", &[&id, &since])
        .map_err(db)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let k: ItemKey = (r.get::<_, String>(0).into_bytes(), r.get::<_, String>(1).into_bytes(), r.get::<_, String>(2).into_bytes());
        let item = decode_row(id, &k, r.get(3), r.get(4), r.get(5), key)?;
        out.push((k, item));
    }
    Ok(out)
}

/// One revision of the log.
pub struct Revision {
    pub rev: i64,
    pub time: String,
    pub origin: String,
    pub author: String,
    pub changes: i32,
    /// With details: (key, kind, secret, stored value).
    pub items: Vec<(ItemKey, String, bool, Option<Vec<u8>>)>,
}

/// The revisions of a device, oldest first; `details` adds their changes.
pub fn log(client: &mut Client, id: &str, details: bool) -> Result<Vec<Revision>, RemoteError> {
    let rows = client
        .query(
            "SELECT rev, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), origin, author, changes \
             FROM ucix_revision WHERE device = $1 ORDER BY rev",
            &[&id],
        )
        .map_err(db)?;
    let mut revs: Vec<Revision> = rows
        .iter()
        .map(|r| Revision { rev: r.get(0), time: r.get(1), origin: r.get(2), author: r.get(3), changes: r.get(4), items: vec![] })
        .collect();
    if details {
        let rows = client
            .query("SELECT rev, package, section, option, kind, secret, value FROM ucix_change WHERE device = $1 ORDER BY rev, package, section, option", &[&id])
            .map_err(db)?;
        for r in rows {
            let rev: i64 = r.get(0);
            if let Some(x) = revs.iter_mut().find(|x| x.rev == rev) {
                let k = (r.get::<_, String>(1).into_bytes(), r.get::<_, String>(2).into_bytes(), r.get::<_, String>(3).into_bytes());
                x.items.push((k, r.get(4), r.get(5), r.get(6)));
            }
        }
    }
    Ok(revs)
}

/// Decodes a log item for display (sealed values stay hidden).
pub fn log_item(kind: &str, secret: bool, value: Option<&[u8]>) -> Option<Item> {
    if secret || kind == "x" {
        return None;
    }
    decode_item(kind, value?)
}
