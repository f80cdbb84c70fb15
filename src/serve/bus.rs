//! `org.ucix.Config1` on the bus (zbus): the caller's uid from the bus
//! daemon, the acl check, the operation of [`super::ops`] on a thread of
//! the blocking pool, the reply; and the `Committed` signal, emitted for
//! every new group of lines in the audit log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::message::{Header, Message};
use zbus::names::{BusName, ErrorName};
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, Value};
use zbus::{interface, Connection};

use super::acl::{self, Access, Caller, Rule};
use super::metrics::Metrics;
use super::ops::{self, err, Base, Got, Kind, OpError, OpResult};
use crate::audit;
use crate::hooks::settings::Settings;
use crate::model::{self, Section};
use crate::store::{fsutil, Context};

pub const NAME: &str = "org.ucix.Config";
pub const PATH: &str = "/org/ucix/Config";
pub const IFACE: &str = "org.ucix.Config1";

/// A D-Bus error reply: a name and a message.
#[derive(Debug)]
pub struct BusError {
    name: &'static str,
    msg: String,
}

impl zbus::DBusError for BusError {
    fn create_reply(&self, call: &Header<'_>) -> zbus::Result<Message> {
        Message::error(call, self.name())?.build(&(self.msg.as_str(),))
    }

    fn name(&self) -> ErrorName<'_> {
        ErrorName::from_static_str_unchecked(self.name)
    }

    fn description(&self) -> Option<&str> {
        Some(&self.msg)
    }
}

impl From<OpError> for BusError {
    fn from(e: OpError) -> BusError {
        let name = match e.kind {
            Kind::AccessDenied => "org.freedesktop.DBus.Error.AccessDenied",
            Kind::InvalidArgs => "org.freedesktop.DBus.Error.InvalidArgs",
            Kind::NotFound => "org.ucix.Config1.Error.NotFound",
            Kind::Io => "org.ucix.Config1.Error.IOError",
            Kind::RollbackPending => "org.ucix.Config1.Error.RollbackPending",
            Kind::Failed => "org.freedesktop.DBus.Error.Failed",
        };
        BusError { name, msg: e.msg }
    }
}

fn zfail(e: zbus::Error) -> OpError {
    OpError { kind: Kind::Failed, msg: format!("bus: {e}") }
}

/// One call: the caller's context and identity, and the acls.
pub struct Call {
    pub ctx: Context,
    caller: Caller,
    rules: Vec<Rule>,
}

impl Call {
    /// Refuses unless the caller may `access` `package`.
    pub fn need(&self, package: &str, access: Access) -> OpResult<()> {
        ops::check_package(package)?;
        if acl::allowed(&self.rules, &self.caller, package, access) {
            return Ok(());
        }
        let what = match access {
            Access::Read => "read",
            Access::Write => "change",
        };
        err(Kind::AccessDenied, format!("uid {} may not {what} {package}", self.caller.uid))
    }

    fn may(&self, package: &str, access: Access) -> bool {
        acl::allowed(&self.rules, &self.caller, package, access)
    }
}

struct Service {
    base: Arc<Base>,
    metrics: Arc<Metrics>,
    /// unique bus name → (uid, pid); unique names are never reused on a bus.
    creds: Mutex<HashMap<String, (u32, u32)>>,
}

impl Service {
    async fn caller(&self, hdr: &Header<'_>, conn: &Connection) -> OpResult<(u32, u32)> {
        let Some(sender) = hdr.sender() else { return err(Kind::AccessDenied, "the call has no sender") };
        let key = sender.to_string();
        if let Some(c) = self.creds.lock().ok().and_then(|m| m.get(&key).copied()) {
            return Ok(c);
        }
        let proxy = zbus::fdo::DBusProxy::builder(conn)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .map_err(zfail)?;
        let name = BusName::Unique(sender.to_owned());
        let (uid, pid) = match proxy.get_connection_credentials(name.clone()).await {
            Ok(c) => (c.unix_user_id(), c.process_id().unwrap_or(0)),
            Err(_) => (proxy.get_connection_unix_user(name).await.ok(), 0),
        };
        let Some(uid) = uid else { return err(Kind::AccessDenied, "the bus does not know the caller's uid") };
        if let Ok(mut m) = self.creds.lock() {
            if m.len() > 4096 {
                m.clear();
            }
            m.insert(key, (uid, pid));
        }
        Ok((uid, pid))
    }

    /// Runs `f` for the caller on the blocking pool; counts the call.
    async fn run<T, F>(&self, method: &'static str, hdr: &Header<'_>, conn: &Connection, f: F) -> Result<T, BusError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Call) -> OpResult<T> + Send + 'static,
    {
        let start = Instant::now();
        let r = match self.caller(hdr, conn).await {
            Ok((uid, pid)) => {
                let base = self.base.clone();
                blocking::unblock(move || {
                    let ctx = base.context(uid, pid)?;
                    let rules = acl::rules(&Settings::load(&ctx));
                    let mut call = Call { ctx, caller: Caller::lookup(uid), rules };
                    f(&mut call)
                })
                .await
            }
            Err(e) => Err(e),
        };
        if matches!(&r, Err(e) if e.kind == Kind::AccessDenied) {
            self.metrics.denials.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.metrics.call(method, start.elapsed(), r.is_ok());
        r.map_err(BusError::from)
    }
}

fn ov(v: Value<'_>) -> OwnedValue {
    // only file descriptors fail to convert, and none are built here
    v.try_to_owned().unwrap_or_else(|_| OwnedValue::from(0u32))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn value_out(v: &model::Value) -> OwnedValue {
    match v {
        model::Value::Str(s) => ov(Value::from(text(s))),
        model::Value::List(l) => ov(Value::from(l.iter().map(|i| text(i)).collect::<Vec<String>>())),
    }
}

fn section_out(s: &Section, index: usize) -> HashMap<String, OwnedValue> {
    let mut m = HashMap::new();
    m.insert(".name".to_string(), ov(Value::from(text(&s.name))));
    m.insert(".type".to_string(), ov(Value::from(text(&s.stype))));
    m.insert(".anonymous".to_string(), ov(Value::from(s.anonymous)));
    m.insert(".index".to_string(), ov(Value::from(index as u32)));
    for o in &s.options {
        m.insert(text(&o.name), value_out(&o.value));
    }
    m
}

fn value_in(name: &str, v: &Value<'_>) -> OpResult<model::Value> {
    let bad = || err(Kind::InvalidArgs, format!("value of {name}: a string or an array of strings is expected"));
    match v {
        Value::Str(s) => Ok(model::Value::Str(s.as_str().as_bytes().into())),
        Value::Value(inner) => value_in(name, inner),
        Value::Array(a) => {
            let mut out = vec![];
            for i in a.iter() {
                match i {
                    Value::Str(s) => out.push(s.as_str().as_bytes().into()),
                    _ => return bad(),
                }
            }
            Ok(model::Value::List(out))
        }
        _ => bad(),
    }
}

fn values_in(values: &HashMap<String, OwnedValue>) -> OpResult<Vec<(String, model::Value)>> {
    let mut v: Vec<(String, model::Value)> = values.iter().map(|(k, v)| Ok((k.clone(), value_in(k, v)?))).collect::<OpResult<_>>()?;
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

#[interface(name = "org.ucix.Config1")]
impl Service {
    /// An option's value (s or as), a section (a{sv} with .name, .type,
    /// .anonymous, .index) or, with an empty section, the whole package
    /// (a{sv}: section name → section), with the caller's staged changes.
    async fn get(
        &self,
        config: String,
        section: String,
        option: String,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<OwnedValue, BusError> {
        self.run("Get", &hdr, conn, move |c| {
            c.need(&config, Access::Read)?;
            Ok(match ops::get(&mut c.ctx, &config, &section, &option)? {
                Got::Option(v) => value_out(&v),
                Got::Section(s, i) => ov(Value::from(section_out(&s, i))),
                Got::Package(secs) => {
                    let m: HashMap<String, OwnedValue> =
                        secs.iter().enumerate().map(|(i, s)| (text(&s.name), ov(Value::from(section_out(s, i))))).collect();
                    ov(Value::from(m))
                }
            })
        })
        .await
    }

    /// Stages options of an existing section: each value a string or an
    /// array of strings (a list); an empty string deletes the option.
    async fn set(
        &self,
        config: String,
        section: String,
        values: HashMap<String, OwnedValue>,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<(), BusError> {
        self.run("Set", &hdr, conn, move |c| {
            c.need(&config, Access::Write)?;
            let v = values_in(&values)?;
            ops::set(&mut c.ctx, &config, &section, &v)
        })
        .await
    }

    /// Stages a new section (`name` empty: anonymous) with options; returns its name.
    async fn add(
        &self,
        config: String,
        r#type: String,
        name: String,
        values: HashMap<String, OwnedValue>,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<String, BusError> {
        self.run("Add", &hdr, conn, move |c| {
            c.need(&config, Access::Write)?;
            let v = values_in(&values)?;
            ops::add(&mut c.ctx, &config, &r#type, &name, &v)
        })
        .await
    }

    /// Stages the deletion of an option, or of the section (`option` empty).
    async fn delete(
        &self,
        config: String,
        section: String,
        option: String,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<(), BusError> {
        self.run("Delete", &hdr, conn, move |c| {
            c.need(&config, Access::Write)?;
            ops::delete(&mut c.ctx, &config, &section, &option)
        })
        .await
    }

    /// Stages renaming an option, or the section (`option` empty), to `name`.
    async fn rename(
        &self,
        config: String,
        section: String,
        option: String,
        name: String,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<(), BusError> {
        self.run("Rename", &hdr, conn, move |c| {
            c.need(&config, Access::Write)?;
            ops::rename(&mut c.ctx, &config, &section, &option, &name)
        })
        .await
    }

    /// Stages moving the sections to positions 0, 1, … in the given order.
    async fn order(
        &self,
        config: String,
        sections: Vec<String>,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<(), BusError> {
        self.run("Order", &hdr, conn, move |c| {
            c.need(&config, Access::Write)?;
            ops::order(&mut c.ctx, &config, &sections)
        })
        .await
    }

    /// The caller's staged changes of `config` (empty: of every package it
    /// may read): package → [(op, section, option, value)].
    async fn changes(
        &self,
        config: String,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<HashMap<String, Vec<(String, String, String, String)>>, BusError> {
        self.run("Changes", &hdr, conn, move |c| {
            if !config.is_empty() {
                c.need(&config, Access::Read)?;
            }
            let all = ops::changes(&mut c.ctx, &config)?;
            Ok(all.into_iter().filter(|(p, _)| c.may(p, Access::Read)).collect())
        })
        .await
    }

    /// Drops the caller's staged changes of `config`.
    async fn revert(&self, config: String, #[zbus(header)] hdr: Header<'_>, #[zbus(connection)] conn: &Connection) -> Result<(), BusError> {
        self.run("Revert", &hdr, conn, move |c| {
            c.need(&config, Access::Write)?;
            ops::revert(&mut c.ctx, &config)
        })
        .await
    }

    /// Commits the caller's staged changes of `configs` (empty: all of
    /// them) as one atomic step; returns the packages written.
    async fn commit(&self, configs: Vec<String>, #[zbus(header)] hdr: Header<'_>, #[zbus(connection)] conn: &Connection) -> Result<Vec<String>, BusError> {
        let metrics = self.metrics.clone();
        self.run("Commit", &hdr, conn, move |c| {
            let names = ops::commit_set(&c.ctx, &configs)?;
            for n in &names {
                c.need(n, Access::Write)?;
            }
            let done = ops::commit(&mut c.ctx, &names)?;
            if !done.is_empty() {
                metrics.commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(done)
        })
        .await
    }

    /// Commits like Commit and rolls back after `timeout` seconds (0: the
    /// configured default) unless Confirm comes first.
    async fn apply(
        &self,
        configs: Vec<String>,
        timeout: u32,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<Vec<String>, BusError> {
        let metrics = self.metrics.clone();
        self.run("Apply", &hdr, conn, move |c| {
            let names = ops::commit_set(&c.ctx, &configs)?;
            for n in &names {
                c.need(n, Access::Write)?;
            }
            let done = ops::apply_changes(&mut c.ctx, &names, u64::from(timeout))?;
            if !done.is_empty() {
                metrics.commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(done)
        })
        .await
    }

    /// Keeps the configuration of the pending apply; returns its id.
    async fn confirm(&self, #[zbus(header)] hdr: Header<'_>, #[zbus(connection)] conn: &Connection) -> Result<String, BusError> {
        self.run("Confirm", &hdr, conn, move |c| {
            for n in ops::pending_packages()? {
                c.need(&n, Access::Write)?;
            }
            ops::confirm(&c.ctx)
        })
        .await
    }

    /// Restores the configuration from before the pending apply; returns the packages.
    async fn rollback(&self, #[zbus(header)] hdr: Header<'_>, #[zbus(connection)] conn: &Connection) -> Result<Vec<String>, BusError> {
        self.run("Rollback", &hdr, conn, move |c| {
            for n in ops::pending_packages()? {
                c.need(&n, Access::Write)?;
            }
            ops::rollback(&c.ctx)
        })
        .await
    }

    /// The packages of the config directory the caller may read.
    async fn configs(&self, #[zbus(header)] hdr: Header<'_>, #[zbus(connection)] conn: &Connection) -> Result<Vec<String>, BusError> {
        self.run("Configs", &hdr, conn, move |c| Ok(ops::configs(&c.ctx).into_iter().filter(|p| c.may(p, Access::Read)).collect())).await
    }

    /// Emitted for every commit from any entry point: the packages and a
    /// JSON object {txn, time, uid, pid, entry, action, packages: [{package, changes}]}.
    #[zbus(signal)]
    async fn committed(emitter: &SignalEmitter<'_>, configs: Vec<String>, changes_json: String) -> zbus::Result<()>;
}

/// Follows the audit log from its current end.
struct Follower {
    offset: u64,
}

impl Follower {
    fn new() -> Follower {
        Follower { offset: std::fs::metadata(audit::path()).map(|m| m.len()).unwrap_or(0) }
    }

    /// The complete lines appended since the last call.
    fn poll(&mut self) -> Vec<audit::Entry> {
        use std::io::{Read, Seek, SeekFrom};
        let Ok(mut f) = std::fs::File::open(audit::path()) else {
            self.offset = 0;
            return vec![];
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len < self.offset {
            // replaced or cut: start again at its end
            self.offset = len;
        }
        if len == self.offset {
            return vec![];
        }
        let _ = fsutil::lock(&f, false);
        let mut buf = vec![];
        let r = f.seek(SeekFrom::Start(self.offset)).and_then(|_| (&mut f).take(len - self.offset).read_to_end(&mut buf));
        fsutil::unlock(&f);
        if r.is_err() {
            return vec![];
        }
        let Some(end) = buf.iter().rposition(|&c| c == b'\n') else { return vec![] };
        self.offset += end as u64 + 1;
        audit::parse(&buf[..=end])
    }
}

/// The signal arguments of consecutive entries of one commit.
fn groups(entries: Vec<audit::Entry>) -> Vec<(Vec<String>, String)> {
    let mut out: Vec<(Vec<String>, String)> = vec![];
    let mut i = 0;
    while i < entries.len() {
        let first = &entries[i];
        let mut j = i;
        while j < entries.len() && entries[j].txn == first.txn {
            j += 1;
        }
        let group = &entries[i..j];
        let json = serde_json::json!({
            "txn": first.txn,
            "time": first.time,
            "uid": first.uid,
            "pid": first.pid,
            "entry": first.entry,
            "action": first.action,
            "packages": group.iter().map(|e| serde_json::json!({"package": e.package, "changes": e.changes})).collect::<Vec<_>>(),
        });
        out.push((group.iter().map(|e| e.package.clone()).collect(), json.to_string()));
        i = j;
    }
    out
}

/// Runs the service until the bus goes away; returns the exit status.
pub fn serve(base: Base, address: Option<&str>) -> i32 {
    let metrics = Arc::new(Metrics::default());
    let service = Service { base: Arc::new(base), metrics: metrics.clone(), creds: Mutex::new(HashMap::new()) };
    let mut follower = Follower::new();
    let built = (|| {
        let b = match address {
            Some(a) => zbus::blocking::connection::Builder::address(a)?,
            None => zbus::blocking::connection::Builder::system()?,
        };
        b.name(NAME)?.serve_at(PATH, service)?.build()
    })();
    let conn = match built {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ucix: serve: cannot own {NAME} on {}: {e}", address.unwrap_or("the system bus"));
            return 1;
        }
    };
    println!("ucix serve: {NAME} ready on {}", address.unwrap_or("the system bus"));
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = metrics.write();
    let mut written = metrics.version();
    let mut tick: u64 = 0;
    loop {
        std::thread::sleep(Duration::from_millis(100));
        tick += 1;
        for (configs, json) in groups(follower.poll()) {
            match conn.emit_signal(None::<BusName<'_>>, PATH, IFACE, "Committed", &(configs, json)) {
                Ok(()) => {
                    metrics.signals.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    metrics.bump();
                }
                Err(e) => {
                    eprintln!("ucix: serve: cannot emit Committed: {e}");
                    return 1;
                }
            }
        }
        if tick.is_multiple_of(10) && metrics.version() != written {
            written = metrics.version();
            if let Err(e) = metrics.write() {
                eprintln!("ucix: serve: cannot write {}: {e}", super::metrics::file().display());
            }
        }
        if tick.is_multiple_of(50) {
            // the bus is gone: exit, the supervisor starts the service again
            let alive = zbus::blocking::fdo::DBusProxy::new(&conn).and_then(|p| p.get_id().map_err(zbus::Error::from));
            if let Err(e) = alive {
                eprintln!("ucix: serve: lost the bus: {e}");
                let _ = metrics.write();
                return 1;
            }
        }
    }
}
