//! The `ucix remote` operations.
//!
//! Every operation reads everything it needs (local files, the database)
//! before it changes anything, and changes local files only through one
//! atomic commit, so a failure at any point (server gone, connection
//! dropped, wrong key, conflict) leaves the configuration as it was.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, IsolationLevel};

use super::db;
use super::merge::{self, Conflict};
use super::secret::{Key, SecretRule};
use super::state::{self, Item, State};
use super::{Options, RemoteError};
use crate::model::Value;
use crate::store::fsutil::path;
use crate::store::Context;
use crate::txn::{self, Action, Origin};

/// The package that is never synced: ucix's own per-device settings
/// (where its state lives, which database it syncs with).
pub const LOCAL_ONLY: &[u8] = crate::hooks::settings::PACKAGE;

const MAGIC: &[u8] = b"ucix-remote-sync 1\n";

/// What a device last synced: the database instance, the revision and the
/// state at that revision (the base of the next merge).
#[derive(Debug, Clone, Default)]
pub struct SyncState {
    pub instance: String,
    pub rev: i64,
    pub base: State,
}

/// The sync state file of a device.
pub fn state_file(device: &str) -> PathBuf {
    crate::store::paths::state_dir().join("remote").join(device)
}

impl SyncState {
    /// Reads the sync state (`None`: never synced).
    pub fn load(device: &str) -> Result<Option<SyncState>, RemoteError> {
        let f = state_file(device);
        let data = match std::fs::read(&f) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(RemoteError::Local(format!("cannot read {}: {e}", f.display()))),
        };
        let bad = || RemoteError::Local(format!("{} is damaged (remove it to start over)", f.display()));
        let rest = data.strip_prefix(MAGIC).ok_or_else(bad)?;
        let mut r = state::Reader(rest);
        let instance = String::from_utf8(r.bytes().ok_or_else(bad)?).map_err(|_| bad())?;
        let rev = r.u64().ok_or_else(bad)? as i64;
        let base = state::decode_state(&mut r).filter(|_| true).ok_or_else(bad)?;
        if !r.done() {
            return Err(bad());
        }
        Ok(Some(SyncState { instance, rev, base }))
    }

    /// Writes the sync state atomically (mode 0600: it holds secrets).
    pub fn save(&self, device: &str) -> Result<(), RemoteError> {
        let f = state_file(device);
        let dir = f.parent().expect("state file has a directory").to_path_buf();
        let err = |e: std::io::Error| RemoteError::Local(format!("cannot write {}: {e}", f.display()));
        std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700).create(&dir).map_err(err)?;
        let mut data = MAGIC.to_vec();
        state::put_bytes(&mut data, self.instance.as_bytes());
        data.extend_from_slice(&(self.rev as u64).to_be_bytes());
        state::encode_state(&self.base, &mut data);
        let mut tmp = tempfile::Builder::new().prefix(".sync-").tempfile_in(&dir).map_err(err)?;
        tmp.write_all(&data).and_then(|_| tmp.as_file().sync_all()).map_err(err)?;
        tmp.persist(&f).map_err(|e| err(e.error))?;
        crate::store::fsutil::sync_dir(&dir);
        Ok(())
    }
}

/// The committed configuration of the context's config directory (pending
/// changes in delta files are not part of it), without [`LOCAL_ONLY`].
pub fn local_state(ctx: &Context) -> Result<State, RemoteError> {
    read_local(ctx).map(|(st, _)| st)
}

/// Package name → the bytes of its file.
type Files = BTreeMap<Vec<u8>, Vec<u8>>;

/// [`local_state`] and the bytes of each file it was read from.
fn read_local(ctx: &Context) -> Result<(State, Files), RemoteError> {
    let names = crate::store::context::list_configs(&ctx.confdir).unwrap_or_default();
    let mut st = State::new();
    let mut files = BTreeMap::new();
    for n in names.iter().filter(|n| n.as_slice() != LOCAL_ONLY) {
        let (file, _) = ctx.config_path(n);
        let data = std::fs::read(path(&file)).map_err(|e| RemoteError::Local(format!("cannot read {}: {e}", String::from_utf8_lossy(&file))))?;
        let p = crate::syntax::statement::parse_package(&data, n, true).map_err(|(e, pctx)| {
            RemoteError::Local(format!(
                "cannot parse {}: {} ({}) at line {}",
                String::from_utf8_lossy(&file),
                e.code().message(),
                pctx.reason.unwrap_or("?"),
                pctx.line
            ))
        })?;
        state::add_package(&mut st, &p);
        files.insert(n.clone(), data);
    }
    Ok((st, files))
}

/// The section type of a key's section in `st` (empty when unknown).
fn stype_in(st: &State) -> impl Fn(&state::Key) -> Vec<u8> + '_ {
    |k| match st.get(&(k.0.clone(), k.1.clone(), vec![])) {
        Some(Item::Section { stype, .. }) => stype.clone(),
        _ => vec![],
    }
}

fn connect(o: &Options, what: &str) -> Result<Client, RemoteError> {
    db::connect(&o.url, &format!("ucix-remote {what} {}", o.device))
}

fn load_key(o: &Options) -> Result<Key, RemoteError> {
    Key::load(&o.key_file)
}

fn check_instance(o: &Options, sync: &Option<SyncState>, instance: &str) -> Result<(), RemoteError> {
    match sync {
        Some(s) if s.instance != instance => Err(RemoteError::OtherDatabase(state_file(&o.device).display().to_string())),
        _ => Ok(()),
    }
}

/// `init`: creates or upgrades the schema, creates the key file when it is
/// missing and the device has no key yet, registers the device.
pub fn init(o: &Options) -> Result<String, RemoteError> {
    let mut c = connect(o, "init")?;
    let (from, to) = db::migrate(&mut c)?;
    let mut msg = if from == to { format!("schema version {to} (up to date)") } else { format!("schema version {to} (was {from})") };
    let key = if o.key_file.exists() {
        load_key(o)?
    } else {
        if db::device(&mut c, &o.device, false)?.is_some_and(|d| d.key_check.is_some()) {
            return Err(RemoteError::KeyExists(o.device.clone(), o.key_file.display().to_string()));
        }
        let k = Key::create(&o.key_file)?;
        msg.push_str(&format!("; created key file {}", o.key_file.display()));
        k
    };
    let mut tx = c.transaction().map_err(dberr)?;
    let head = db::ensure_device(&mut tx, &o.device, &key)?;
    tx.commit().map_err(dberr)?;
    msg.push_str(&format!("; device '{}' at revision {head}", o.device));
    Ok(msg)
}

use db::error as dberr;

/// `push`: the committed configuration becomes a new revision when it
/// differs from the last synced state. Returns the message.
pub fn push(ctx: &Context, o: &Options) -> Result<String, RemoteError> {
    let local = local_state(ctx)?;
    let key = load_key(o)?;
    let sync = SyncState::load(&o.device)?;
    let mut c = connect(o, "push")?;
    let instance = db::check_schema(&mut c)?;
    check_instance(o, &sync, &instance)?;
    let sync = sync.unwrap_or(SyncState { instance: instance.clone(), ..Default::default() });
    let mut tx = c.transaction().map_err(dberr)?;
    let head = db::ensure_device(&mut tx, &o.device, &key)?;
    if head != sync.rev {
        return Err(RemoteError::Behind(sync.rev + 1, head));
    }
    let changes = state::diff(&sync.base, &local);
    if changes.is_empty() {
        return Ok(format!("nothing to push (revision {head})"));
    }
    let rule = SecretRule::default();
    let rev = db::write_revision(&mut tx, &o.device, head, "push", &changes, &key, &rule, &stype_in(&local))?;
    tx.commit().map_err(dberr)?;
    SyncState { instance, rev, base: local }.save(&o.device)?;
    Ok(format!("pushed revision {rev} ({} change{})", changes.len(), plural(changes.len())))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What a pull did.
#[derive(Debug, Default)]
pub struct Pulled {
    pub from: i64,
    pub to: i64,
    /// Packages written (or removed).
    pub packages: Vec<Vec<u8>>,
}

impl Pulled {
    pub fn message(&self) -> String {
        if self.from == self.to {
            return format!("up to date (revision {})", self.to);
        }
        let revs = if self.from + 1 == self.to { format!("revision {}", self.to) } else { format!("revisions {}..{}", self.from + 1, self.to) };
        if self.packages.is_empty() {
            format!("pulled {revs}: no local change")
        } else {
            let names: Vec<String> = self.packages.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
            format!("pulled {revs}: changed {}", names.join(" "))
        }
    }
}

/// Tests only: `UCIX_TEST_REMOTE_STALL=<path>` makes a pull stop after its
/// first query, create `<path>.ready` and wait for `<path>.go`.
fn stall_point() {
    let Some(p) = std::env::var_os("UCIX_TEST_REMOTE_STALL") else { return };
    let p = PathBuf::from(p);
    let with = |ext: &str| {
        let mut s = p.clone().into_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    let _ = std::fs::write(with(".ready"), b"");
    for _ in 0..6000 {
        if with(".go").exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `pull` over an open connection.
pub fn pull_with(c: &mut Client, ctx: &mut Context, o: &Options, key: &Key) -> Result<Pulled, RemoteError> {
    let (local, files) = read_local(ctx)?;
    let sync = SyncState::load(&o.device)?;
    let mut tx = c.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().map_err(dberr)?;
    let instance = db::check_schema(&mut tx)?;
    check_instance(o, &sync, &instance)?;
    let sync = sync.unwrap_or(SyncState { instance: instance.clone(), ..Default::default() });
    let dev = db::device(&mut tx, &o.device, false)?.ok_or_else(|| RemoteError::NoDevice(o.device.clone()))?;
    db::verify_key(&o.device, &dev, key)?;
    stall_point();
    if dev.head == sync.rev {
        // still read once, so that a dropped connection is noticed here too
        tx.query_one("SELECT 1", &[]).map_err(dberr)?;
        return Ok(Pulled { from: sync.rev, to: dev.head, packages: vec![] });
    }
    if dev.head < sync.rev {
        return Err(RemoteError::OtherDatabase(state_file(&o.device).display().to_string()));
    }
    let changes = db::items_since(&mut tx, &o.device, sync.rev, key)?;
    tx.commit().map_err(dberr)?;
    let mut remote = sync.base.clone();
    state::apply(&mut remote, changes);
    let merged = merge::merge(&sync.base, &local, &remote).map_err(|cs| RemoteError::Conflicts(describe(&cs, &local, &remote)))?;
    // the packages whose items changed locally
    let mut names: Vec<Vec<u8>> = state::package_names(&local);
    names.extend(state::package_names(&merged));
    names.sort();
    names.dedup();
    let mut writes: Vec<txn::Replacement> = vec![];
    for n in &names {
        let a: Vec<_> = state::package_items(&local, n).collect();
        let b: Vec<_> = state::package_items(&merged, n).collect();
        if a != b {
            // written only if the file still holds what was merged
            writes.push((n.clone(), state::package_text(&merged, n), files.get(n).cloned()));
        }
    }
    if !writes.is_empty() {
        // an apply waiting for confirmation would roll this commit back
        if let Some(msg) = txn::apply::refusal() {
            return Err(RemoteError::Local(format!("refused: {msg}")));
        }
        txn::replace_contents_as(ctx, &writes, Action::Pull, Origin::Ucix)
            .map_err(|f| RemoteError::Local(format!("commit failed, nothing was changed: {}", f.msg)))?;
    }
    SyncState { instance, rev: dev.head, base: remote }.save(&o.device)?;
    Ok(Pulled { from: sync.rev, to: dev.head, packages: writes.into_iter().map(|(n, _, _)| n).collect() })
}

fn describe(cs: &[Conflict], local: &State, remote: &State) -> Vec<String> {
    let rule = SecretRule::default();
    cs.iter()
        .map(|c| {
            let k = &c.key;
            let st = if local.contains_key(&(k.0.clone(), k.1.clone(), vec![])) { local } else { remote };
            let secret = !k.2.is_empty() && rule.is_secret(&k.0, &stype_in(st)(k), &k.2);
            c.describe(secret)
        })
        .collect()
}

/// `pull`: see the module documentation.
pub fn pull(ctx: &mut Context, o: &Options) -> Result<Pulled, RemoteError> {
    let key = load_key(o)?;
    let mut c = connect(o, "pull")?;
    pull_with(&mut c, ctx, o, &key)
}

/// `batch`: runs uci batch commands from `input` on the device's head
/// state (in a scratch directory, through the `uci` batch engine) and
/// records the result as a new revision. Output of the commands goes to
/// stdout. Returns the message.
pub fn batch(o: &Options, input: crate::syntax::Stream<'static>) -> Result<String, RemoteError> {
    let key = load_key(o)?;
    let mut c = connect(o, "batch")?;
    db::check_schema(&mut c)?;
    let mut tx = c.transaction().map_err(dberr)?;
    let head = db::ensure_device(&mut tx, &o.device, &key)?;
    let mut before = State::new();
    state::apply(&mut before, db::items_since(&mut tx, &o.device, 0, &key)?);
    let after = run_batch(&before, input)?;
    let changes = state::diff(&before, &after);
    if changes.is_empty() {
        return Ok(format!("device '{}': no change (revision {head})", o.device));
    }
    let rule = SecretRule::default();
    let rev = db::write_revision(&mut tx, &o.device, head, "batch", &changes, &key, &rule, &stype_in(&after))?;
    tx.commit().map_err(dberr)?;
    Ok(format!("device '{}': revision {rev} ({} change{})", o.device, changes.len(), plural(changes.len())))
}

/// Writes `st` into a scratch config directory, runs the batch there and
/// reads the result back (commits in the batch and pending changes alike).
fn run_batch(st: &State, input: crate::syntax::Stream<'static>) -> Result<State, RemoteError> {
    let err = |e: std::io::Error| RemoteError::Local(format!("scratch directory: {e}"));
    let dir = tempfile::Builder::new().prefix("ucix-remote-").tempdir().map_err(err)?;
    let conf = dir.path().join("config");
    let save = dir.path().join("delta");
    std::fs::create_dir(&conf).map_err(err)?;
    std::fs::create_dir(&save).map_err(err)?;
    for n in state::package_names(st) {
        let text = state::package_text(st, &n).unwrap_or_default();
        std::fs::write(conf.join(String::from_utf8_lossy(&n).as_ref()), text).map_err(err)?;
    }
    // a commit inside the batch runs no hooks and records no history here
    std::fs::write(
        conf.join(String::from_utf8_lossy(LOCAL_ONLY).as_ref()),
        "config hooks 'hooks'\n\toption enabled '0'\nconfig events 'events'\n\toption enabled '0'\nconfig history 'history'\n\toption keep '0'\n",
    )
    .map_err(err)?;
    let b = |p: &Path| p.as_os_str().as_encoded_bytes().to_vec();
    let argv = vec![b"ucix".to_vec(), b"-c".to_vec(), b(&conf), b"-t".to_vec(), b(&save)];
    let (mut s, _) = crate::cli::uci::setup(&argv).map_err(|_| RemoteError::Local("cannot set up the batch".into()))?;
    s.ctx.set_conf2dir(None);
    s.ctx.delta_path = vec![b(&save)];
    s.input = input;
    crate::cli::uci::batch::run(&mut s);
    let _ = s.out.flush();
    let mut ctx = s.ctx.clone();
    ctx.unload_all();
    let mut out = State::new();
    let names = crate::store::context::list_configs(&ctx.confdir).unwrap_or_default();
    for n in names.iter().filter(|n| n.as_slice() != LOCAL_ONLY) {
        let p = ctx.read_package(n, &|_| false).map_err(|e| RemoteError::Local(format!("cannot read back {}: {}", String::from_utf8_lossy(n), e.code().message())))?;
        state::add_package(&mut out, &p);
    }
    Ok(out)
}

/// `watch`: pulls at start and whenever the device gets a new revision
/// (LISTEN/NOTIFY), and every `poll` in case a notification was missed.
/// Reconnects after errors. Runs until killed; `report` gets every outcome.
pub fn watch(ctx: &mut Context, o: &Options, poll: Duration, report: &mut dyn FnMut(Result<Pulled, RemoteError>)) -> Result<(), RemoteError> {
    let key = load_key(o)?;
    loop {
        let mut c = match connect(o, "watch") {
            Ok(c) => c,
            Err(e) => {
                report(Err(e));
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        if let Err(e) = c.batch_execute(&format!("LISTEN {}", db::CHANNEL)) {
            report(Err(dberr(e)));
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        report(pull_with(&mut c, ctx, o, &key));
        loop {
            let wake = {
                let mut n = c.notifications();
                let first = n.timeout_iter(poll).next();
                match first {
                    Ok(Some(note)) => {
                        let mut mine = note.payload() == o.device;
                        // drain what is queued already
                        while let Ok(Some(more)) = n.iter().next() {
                            mine |= more.payload() == o.device;
                        }
                        Ok(mine)
                    }
                    Ok(None) => Ok(true),
                    Err(e) => Err(dberr(e)),
                }
            };
            match wake {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => {
                    report(Err(e));
                    break;
                }
            }
            if c.is_closed() {
                report(Err(RemoteError::Lost("connection closed".into())));
                break;
            }
            let r = pull_with(&mut c, ctx, o, &key);
            let lost = matches!(r, Err(RemoteError::Lost(_)));
            report(r);
            if lost || c.is_closed() {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `status` lines.
pub fn status(ctx: &Context, o: &Options) -> Result<Vec<(String, String)>, RemoteError> {
    let sync = SyncState::load(&o.device)?;
    let local = local_state(ctx)?;
    let mut out = vec![
        ("device".to_string(), o.device.clone()),
        ("database".to_string(), db::redacted(&o.url)),
        ("key file".to_string(), o.key_file.display().to_string()),
        ("state".to_string(), state_file(&o.device).display().to_string()),
    ];
    let synced = sync.as_ref().map_or(0, |s| s.rev);
    out.push(("synced revision".into(), synced.to_string()));
    let pending = sync.as_ref().map_or_else(|| state::diff(&State::new(), &local).len(), |s| state::diff(&s.base, &local).len());
    out.push(("local changes".into(), pending.to_string()));
    let mut c = connect(o, "status")?;
    let instance = db::check_schema(&mut c)?;
    check_instance(o, &sync, &instance)?;
    let head = db::device(&mut c, &o.device, false)?.map(|d| d.head);
    match head {
        None => out.push(("central head".into(), "none (device not in the database)".into())),
        Some(h) => {
            out.push(("central head".into(), h.to_string()));
            out.push(("to pull".into(), (h - synced).max(0).to_string()));
        }
    }
    Ok(out)
}

/// `log` text.
pub fn log(o: &Options, details: bool) -> Result<String, RemoteError> {
    let mut c = connect(o, "log")?;
    db::check_schema(&mut c)?;
    if db::device(&mut c, &o.device, false)?.is_none() {
        return Err(RemoteError::NoDevice(o.device.clone()));
    }
    let mut out = String::new();
    for r in db::log(&mut c, &o.device, details)? {
        out.push_str(&format!("{}\t{}\t{}\t{}\t{} change{}\n", r.rev, r.time, r.origin, r.author, r.changes, plural(r.changes as usize)));
        for (k, kind, secret, value) in &r.items {
            let t = state::tuple(k);
            let line = match (kind.as_str(), db::log_item(kind, *secret, value.as_deref())) {
                ("x", _) => format!("delete {t}"),
                (_, None) => format!("set {t}='***' (encrypted)"),
                (_, Some(Item::Value(Value::Str(v)))) => format!("set {t}={}", quote(&v)),
                (_, Some(Item::Value(Value::List(l)))) => format!("set {t}=[{}]", l.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ")),
                (_, Some(Item::Section { stype, .. })) => format!("section {t}={}", String::from_utf8_lossy(&stype)),
                (_, Some(Item::Package { .. })) => format!("package {t}"),
            };
            out.push('\t');
            out.push_str(&line);
            out.push('\n');
        }
    }
    Ok(out)
}

fn quote(v: &[u8]) -> String {
    let mut out = vec![];
    crate::write::quote::push_quoted(&mut out, v);
    String::from_utf8_lossy(&out).into_owned()
}
