//! Helpers shared by the integration tests (`mod common;` in each test crate).
//!
//! * [`TestEnv`]: one scratch directory per test under `CARGO_TARGET_TMPDIR`
//!   (never `/tmp`: the isolated commands mount an empty tmpfs there), with
//!   every `UCIX_*` location (state, cache, hooks, schema, config.md5, ubus
//!   socket) pointed inside it, and [`Command`] builders that run our
//!   binaries in a private mount namespace where the host's `/tmp/.uci` and
//!   `/var/run/uci` are invisible.
//! * [`shared_dir`]: the read-only `../shared` directory, or `None` with a
//!   printed skip reason.
//! * [`run_conformance`]: drives one of the Python conformance runners in
//!   `testdata/conformance/` and checks its failures against a
//!   known-failures file (used by `tests/*conformance.rs`).
//! * [`compare_trees`]: byte comparison of two directory trees.
//!
//! Anything a test wants to show even when it passes goes through [`say`],
//! which bypasses libtest's output capture.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// `PATH` given to the binaries under test (the conformance runners use the same).
pub const BASE_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Shell fragment that hides the host state uci always reads. Paths needed
/// from under `/tmp` are bind-mounted back by [`isolation_script`].
const HIDE_TMP: &str = "mount -t tmpfs tmpfs /tmp";
const HIDE_VAR_RUN_UCI: &str = "if [ -d /var/run/uci ]; then mount -t tmpfs tmpfs /var/run/uci; fi";

// ---------------------------------------------------------------------------
// locations
// ---------------------------------------------------------------------------

/// Points every `UCIX_*` system location of *this* test process (which may
/// call the core in-process: loads write cache indexes, commits record
/// history) into a per-process directory under `CARGO_TARGET_TMPDIR`, unless
/// the variable is already set. Called by [`TestEnv::new`] and
/// [`shared_dir`], so tests never write to the host's `/var` or `/etc`.
pub fn isolate_process_env() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let base = target_tmpdir().join(format!("process-{}", std::process::id()));
        for (var, sub) in [
            ("UCIX_STATE_DIR", "state"),
            ("UCIX_CACHE_DIR", "cache"),
            ("UCIX_HOOKS_DIR", "hooks.d"),
            ("UCIX_CONFIG_MD5", "config.md5"),
            ("UCIX_UBUS_SOCKET", "ubus.sock"),
        ] {
            if std::env::var_os(var).is_none() {
                std::env::set_var(var, base.join(sub));
            }
        }
    });
}

/// The root crate's directory (the repository root).
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's scratch directory for integration tests (`target/tmp`).
pub fn target_tmpdir() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// The `uci` binary built for this test run (`target/<profile>/uci`).
pub fn uci_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_uci"))
}

/// The `ucix` binary built for this test run (`target/<profile>/ucix`).
pub fn ucix_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ucix"))
}

/// `target/<profile>`: where the binaries and `libuci.so` (which is also
/// the Lua module) of this build live.
pub fn profile_dir() -> PathBuf {
    uci_bin()
        .parent()
        .expect("the uci binary has a parent directory")
        .to_path_buf()
}

/// `testdata/conformance` (the copy of `../shared/conformance`).
pub fn conformance_dir() -> PathBuf {
    manifest_dir().join("testdata").join("conformance")
}

/// The shared directory: `$UCIX_SHARED` when set and non-empty, else
/// `<CARGO_MANIFEST_DIR>/../shared`. Returns `None`, after printing
/// `skipped: ../shared not found (...)`, when it is not a directory.
pub fn shared_dir() -> Option<PathBuf> {
    isolate_process_env();
    let (path, origin) = match std::env::var_os("UCIX_SHARED") {
        Some(p) if !p.is_empty() => (PathBuf::from(p), "UCIX_SHARED"),
        _ => (manifest_dir().join("..").join("shared"), "default location"),
    };
    if path.is_dir() {
        Some(path.canonicalize().unwrap_or(path))
    } else {
        say(format!(
            "skipped: ../shared not found ({} does not exist, {origin}; set UCIX_SHARED to override)",
            path.display()
        ));
        None
    }
}

/// Finds `name` in [`BASE_PATH`] (the `PATH` the runners give their children).
pub fn find_in_base_path(name: &str) -> Option<PathBuf> {
    BASE_PATH
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// Finds `name` in the test process's own `PATH`.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from(BASE_PATH));
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

// ---------------------------------------------------------------------------
// output that libtest does not capture
// ---------------------------------------------------------------------------

/// Writes `text` (plus a newline if missing) straight to the process's
/// stdout, bypassing libtest's capture, so that it shows in `cargo test`
/// logs whether the test passes or fails.
pub fn say(text: impl AsRef<str>) {
    let text = text.as_ref();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

// ---------------------------------------------------------------------------
// isolation from the host's /tmp/.uci and /var/run/uci
// ---------------------------------------------------------------------------

/// True when the effective uid is 0 (read from `/proc/self/status`).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// `Ok(path of unshare)` when commands can be isolated (root and util-linux
/// `unshare` present), else `Err(reason)`. Computed once per test binary.
pub fn isolation() -> Result<&'static Path, &'static str> {
    static ISO: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let r = ISO.get_or_init(|| {
        if !is_root() {
            return Err("not running as root".to_string());
        }
        find_in_base_path("unshare")
            .ok_or_else(|| format!("util-linux unshare not found in {BASE_PATH}"))
    });
    match r {
        Ok(p) => Ok(p.as_path()),
        Err(e) => Err(e.as_str()),
    }
}

fn warn_not_isolated_once(reason: &str) {
    static WARNED: OnceLock<()> = OnceLock::new();
    WARNED.get_or_init(|| {
        say(format!(
            "warning: {reason}: running binaries WITHOUT isolation; the host's /tmp/.uci and \
             /var/run/uci (if present) can change results"
        ));
    });
}

/// Single-quotes `s` for `sh`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `/tmp/<top>` for every path that lies under `/tmp` (it would vanish when
/// the namespace mounts its empty tmpfs there), without duplicates.
fn tmp_tops<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Vec<String> {
    let mut tops: Vec<String> = Vec::new();
    for p in paths {
        let p = p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let mut comps = p.components();
        if comps.next() != Some(Component::RootDir) {
            continue;
        }
        if comps.next() != Some(Component::Normal(OsStr::new("tmp"))) {
            continue;
        }
        if let Some(Component::Normal(top)) = comps.next() {
            let top = format!("/tmp/{}", top.to_string_lossy());
            if !tops.contains(&top) {
                tops.push(top);
            }
        }
    }
    tops
}

/// The `sh -c` script run by `unshare -m --propagation private`: an empty
/// tmpfs on `/tmp` (with the given paths bind-mounted back if they live
/// under `/tmp`), a tmpfs over `/var/run/uci` if it exists, then
/// `exec "$@"`.
pub fn isolation_script<'a>(keep: impl IntoIterator<Item = &'a Path>) -> String {
    let tops = tmp_tops(keep);
    let mut s: Vec<String> = vec!["set -e".into()];
    if !tops.is_empty() {
        s.push("mount -t tmpfs tmpfs /mnt".into());
        for (i, t) in tops.iter().enumerate() {
            s.push(format!("mkdir -p /mnt/k{i} && mount --bind {} /mnt/k{i}", sh_quote(t)));
        }
    }
    s.push(HIDE_TMP.into());
    for (i, t) in tops.iter().enumerate() {
        s.push(format!("mkdir -p {t} && mount --bind /mnt/k{i} {t}", t = sh_quote(t)));
    }
    s.push(HIDE_VAR_RUN_UCI.into());
    s.push(r#"exec "$@""#.into());
    s.join("; ")
}

// ---------------------------------------------------------------------------
// per-test scratch directory
// ---------------------------------------------------------------------------

/// A scratch directory for one test, under `CARGO_TARGET_TMPDIR`:
///
/// ```text
/// <target>/tmp/<name>-<pid>-<n>/
///   root/            working directory of the commands; confdir() = root/config,
///                    savedir() = root/delta (neither is created)
///   bin/uci, bin/ucix  symlinks to the binaries, so argv[0] can be plain `uci`
///   ucix/            UCIX_STATE_DIR=state  UCIX_CACHE_DIR=cache
///                    UCIX_HOOKS_DIR=hooks.d  UCIX_SCHEMA_DIR=schema
///                    UCIX_CONFIG_MD5=config.md5  UCIX_UBUS_SOCKET=ubus.sock
///                    (only ucix/ itself is created)
/// ```
///
/// The directory is removed on drop, except when the test is panicking
/// (then its path is printed) or after [`TestEnv::keep`].
pub struct TestEnv {
    base: PathBuf,
    keep: bool,
    /// Set by [`TestEnv::announce`]: the path was already printed.
    announced: std::sync::atomic::AtomicBool,
}

impl TestEnv {
    /// Creates a fresh directory; `name` (usually the test's name) becomes
    /// part of its path, with characters other than `[A-Za-z0-9_-]` replaced.
    pub fn new(name: &str) -> TestEnv {
        isolate_process_env();
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let clean: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
            .take(80)
            .collect();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tmp = target_tmpdir();
        std::fs::create_dir_all(tmp)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", tmp.display()));
        let tmp = tmp.canonicalize().unwrap_or_else(|_| tmp.to_path_buf());
        let base = tmp.join(format!("{clean}-{}-{n}", std::process::id()));
        if base.exists() {
            // left over from an earlier run that had the same pid
            let _ = std::fs::remove_dir_all(&base);
        }
        for d in ["root", "bin", "ucix"] {
            let p = base.join(d);
            std::fs::create_dir_all(&p)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", p.display()));
        }
        let env = TestEnv { base, keep: false, announced: std::sync::atomic::AtomicBool::new(false) };
        for (link, target) in [("uci", uci_bin()), ("ucix", ucix_bin())] {
            let l = env.base.join("bin").join(link);
            std::os::unix::fs::symlink(&target, &l)
                .unwrap_or_else(|e| panic!("cannot create symlink {}: {e}", l.display()));
        }
        env
    }

    /// The test's whole scratch directory.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The working directory of the commands built here.
    pub fn root(&self) -> PathBuf {
        self.base.join("root")
    }

    /// `root/config` (not created).
    pub fn confdir(&self) -> PathBuf {
        self.root().join("config")
    }

    /// `root/delta` (not created).
    pub fn savedir(&self) -> PathBuf {
        self.root().join("delta")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.base.join("ucix").join("state")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.base.join("ucix").join("cache")
    }

    pub fn hooks_dir(&self) -> PathBuf {
        self.base.join("ucix").join("hooks.d")
    }

    pub fn schema_dir(&self) -> PathBuf {
        self.base.join("ucix").join("schema")
    }

    pub fn config_md5(&self) -> PathBuf {
        self.base.join("ucix").join("config.md5")
    }

    pub fn ubus_socket(&self) -> PathBuf {
        self.base.join("ucix").join("ubus.sock")
    }

    /// The `UCIX_*` variables every command built here gets.
    pub fn ucix_vars(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("UCIX_STATE_DIR", self.state_dir()),
            ("UCIX_CACHE_DIR", self.cache_dir()),
            ("UCIX_HOOKS_DIR", self.hooks_dir()),
            ("UCIX_SCHEMA_DIR", self.schema_dir()),
            ("UCIX_CONFIG_MD5", self.config_md5()),
            ("UCIX_UBUS_SOCKET", self.ubus_socket()),
        ]
    }

    /// Sets the `UCIX_*` variables of this test on `cmd` (used for the
    /// conformance runners, which pass `UCIX_*` on to the candidate).
    pub fn apply_ucix_vars(&self, cmd: &mut Command) {
        for (k, v) in self.ucix_vars() {
            cmd.env(k, v);
        }
    }

    /// Writes `contents` to `root/<rel>`, creating parent directories.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.root().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        std::fs::write(&p, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        p
    }

    /// Reads `root/<rel>` as UTF-8.
    pub fn read(&self, rel: impl AsRef<Path>) -> String {
        let p = self.root().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    /// Reads `root/<rel>`, or `None` if it does not exist.
    pub fn read_opt(&self, rel: impl AsRef<Path>) -> Option<Vec<u8>> {
        std::fs::read(self.root().join(rel)).ok()
    }

    /// `uci` (argv[0] = `uci`), isolated; append the arguments with `.arg(s)`.
    pub fn uci(&self) -> Command {
        self.command_as(&uci_bin(), "uci")
    }

    /// `ucix` (argv[0] = `ucix`), isolated.
    pub fn ucix(&self) -> Command {
        self.command_as(&ucix_bin(), "ucix")
    }

    /// `bin` with argv[0] = its full path, isolated.
    pub fn command(&self, bin: &Path) -> Command {
        self.build(bin, None)
    }

    /// `bin` with argv[0] = `argv0` (a plain name without `/`), isolated.
    pub fn command_as(&self, bin: &Path, argv0: &str) -> Command {
        assert!(!argv0.is_empty() && !argv0.contains('/'), "argv0 must be a plain name: {argv0:?}");
        self.build(bin, Some(argv0))
    }

    /// Builds the command. When isolated it is
    ///
    /// ```text
    /// unshare -m --propagation private sh -c '<isolation_script>' sh <bin|argv0> [args...]
    /// ```
    ///
    /// where a plain `argv0` is found through `PATH`, whose first entry is
    /// `bin/` holding a symlink of that name. When isolation is not
    /// possible (not root, no unshare) the binary runs directly, after a
    /// one-time warning. Either way the environment is exactly `PATH`, the
    /// `UCIX_*` variables of [`TestEnv::ucix_vars`] (plus `UCIX_CACHE`,
    /// `RUST_BACKTRACE` and `LLVM_PROFILE_FILE` if set outside), the
    /// working directory is [`TestEnv::root`] and stdin is `/dev/null`
    /// unless the caller changes it.
    fn build(&self, bin: &Path, argv0: Option<&str>) -> Command {
        let bindir = self.base.join("bin");
        if let Some(a) = argv0 {
            let link = bindir.join(a);
            let points_at_bin = std::fs::read_link(&link).map(|t| t == bin).unwrap_or(false);
            if !points_at_bin {
                let _ = std::fs::remove_file(&link);
                std::os::unix::fs::symlink(bin, &link)
                    .unwrap_or_else(|e| panic!("cannot create symlink {}: {e}", link.display()));
            }
        }
        let mut cmd = match isolation() {
            Ok(unshare) => {
                let script = isolation_script([bin, self.base.as_path()]);
                let mut c = Command::new(unshare);
                c.args(["-m", "--propagation", "private", "sh", "-c"]).arg(script).arg("sh");
                match argv0 {
                    Some(a) => c.arg(a),
                    None => c.arg(bin),
                };
                c
            }
            Err(reason) => {
                warn_not_isolated_once(reason);
                let mut c = Command::new(bin);
                if let Some(a) = argv0 {
                    c.arg0(a);
                }
                c
            }
        };
        cmd.env_clear();
        cmd.env("PATH", format!("{}:{BASE_PATH}", bindir.display()));
        for (k, v) in self.ucix_vars() {
            cmd.env(k, v);
        }
        for k in ["UCIX_CACHE", "RUST_BACKTRACE", "LLVM_PROFILE_FILE"] {
            if let Some(v) = std::env::var_os(k) {
                cmd.env(k, v);
            }
        }
        cmd.current_dir(self.root());
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Prints where the directory is (it is kept if the test then fails,
    /// without printing it again).
    pub fn announce(&self) {
        say(format!("test directory: {}", self.base.display()));
        self.announced.store(true, Ordering::SeqCst);
    }

    /// Keeps the directory after the test and returns its path.
    pub fn keep(mut self) -> PathBuf {
        self.keep = true;
        self.base.clone()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if std::thread::panicking() {
            if self.announced.load(Ordering::SeqCst) {
                return;
            }
            say(format!("kept the failing test's directory: {}", self.base.display()));
            return;
        }
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

/// The result of one command, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    /// Exit status; `-signal` when killed by a signal.
    pub status: i32,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        use std::os::unix::process::ExitStatusExt as _;
        Run {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            status: o.status.code().unwrap_or_else(|| -o.status.signal().unwrap_or(0)),
        }
    }
}

/// Runs `cmd` to completion (stdin as configured, `/dev/null` by default).
pub fn run(cmd: &mut Command) -> Run {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
        .into()
}

/// Runs `cmd` with `input` on its standard input.
pub fn run_with_stdin(cmd: &mut Command, input: impl AsRef<[u8]>) -> Run {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.as_ref().to_vec();
    // write from another thread so a child that prints a lot cannot deadlock us
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for child");
    let _ = writer.join();
    out.into()
}

// ---------------------------------------------------------------------------
// comparing directory trees
// ---------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq)]
enum Entry {
    File(Vec<u8>),
    Symlink(PathBuf),
    Dir,
    Other,
}

fn walk(dir: &Path, rel: &Path, out: &mut BTreeMap<PathBuf, Entry>) -> std::io::Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let name = e.file_name();
        if name == "__pycache__" {
            continue;
        }
        let path = e.path();
        let r = rel.join(&name);
        let ft = std::fs::symlink_metadata(&path)?.file_type();
        if ft.is_symlink() {
            out.insert(r, Entry::Symlink(std::fs::read_link(&path)?));
        } else if ft.is_dir() {
            out.insert(r.clone(), Entry::Dir);
            walk(&path, &r, out)?;
        } else if ft.is_file() {
            out.insert(r, Entry::File(std::fs::read(&path)?));
        } else {
            out.insert(r, Entry::Other);
        }
    }
    Ok(())
}

/// Compares two trees (file contents, symlink targets, which paths exist;
/// not modes; `__pycache__` ignored). Returns one line per difference,
/// naming the side with `a_name`/`b_name`.
pub fn compare_trees(a: &Path, a_name: &str, b: &Path, b_name: &str) -> Vec<String> {
    let mut ta = BTreeMap::new();
    let mut tb = BTreeMap::new();
    if let Err(e) = walk(a, Path::new(""), &mut ta) {
        return vec![format!("cannot read {}: {e}", a.display())];
    }
    if let Err(e) = walk(b, Path::new(""), &mut tb) {
        return vec![format!("cannot read {}: {e}", b.display())];
    }
    let keys: BTreeSet<&PathBuf> = ta.keys().chain(tb.keys()).collect();
    let mut diffs = Vec::new();
    for k in keys {
        match (ta.get(k), tb.get(k)) {
            (Some(x), Some(y)) if x == y => {}
            (Some(_), None) => diffs.push(format!("only in {a_name}: {}", k.display())),
            (None, Some(_)) => diffs.push(format!("only in {b_name}: {}", k.display())),
            _ => diffs.push(format!("differs: {}", k.display())),
        }
    }
    diffs
}

// ---------------------------------------------------------------------------
// conformance runners and known-failure lists
// ---------------------------------------------------------------------------

/// Reads a known-failures file: one case name per line; `#` starts a
/// comment (whole line or after the name); blank lines are ignored.
/// Returns the names in file order; panics on duplicates.
pub fn read_known_failures(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read known-failures file {}: {e}", path.display()));
    let mut seen = BTreeSet::new();
    let mut names = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let name = line.split('#').next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        assert!(
            seen.insert(name.to_string()),
            "{}:{}: {name} is listed twice",
            path.display(),
            i + 1
        );
        names.push(name.to_string());
    }
    names
}

/// Parses the last `N passed, M failed` line of a runner's stdout.
pub fn parse_totals(stdout: &str) -> Option<(usize, usize)> {
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty())?;
    let (p, f) = line.trim().split_once(" passed, ")?;
    let f = f.strip_suffix(" failed")?;
    Some((p.parse().ok()?, f.parse().ok()?))
}

/// Names of failing cases in a runner's stdout: lines `FAIL <name>: …` and
/// (C API runner with `--valgrind`) `VALGRIND <name>: …`.
pub fn parse_failures(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL ").or_else(|| l.strip_prefix("VALGRIND ")))
        .map(|rest| rest.split_once(": ").map_or(rest, |(n, _)| n).to_string())
        .collect()
}

/// Case names from a runner's `--list` output (every line but the final
/// `N cases`; the C API runner's ` (program.c)` suffix removed).
pub fn parse_list(stdout: &str) -> Vec<String> {
    let mut lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.last().is_some_and(|l| l.ends_with(" cases")) {
        lines.pop();
    }
    lines
        .into_iter()
        .map(|l| match l.rsplit_once(" (") {
            Some((name, prog)) if prog.ends_with(".c)") => name.to_string(),
            _ => l.to_string(),
        })
        .collect()
}

/// One invocation of a conformance runner.
pub struct Conformance<'a> {
    /// For messages: "CLI", "C API", "Lua".
    pub label: &'a str,
    /// Script name inside `testdata/conformance/`.
    pub runner: &'a str,
    /// Positional arguments (paths), cases directory last.
    pub args: Vec<OsString>,
    /// Extra options for the real run (not for `--list`), e.g. `--valgrind`.
    pub options: Vec<OsString>,
    /// Known-failures file, relative to the repository root.
    pub known_failures: &'a str,
    /// Supplies the `UCIX_*` variables passed to the runner.
    pub env: &'a TestEnv,
}

fn python3() -> PathBuf {
    find_in_path("python3")
        .or_else(|| find_in_base_path("python3"))
        .unwrap_or_else(|| panic!("python3 not found in PATH (scripts/test.sh installs it)"))
}

/// Runs the runner with `--list`, then for real (`--isolate` when possible,
/// `--jobs` from `CONFORMANCE_JOBS` or 2, `--filter` from
/// `CONFORMANCE_FILTER`), prints its output, and checks the failing cases
/// against the known-failures file: the test fails on a failure not
/// listed, on a listed case that passed, and on a listed name that is not
/// a case. The last line printed is the runner's `N passed, M failed`.
pub fn run_conformance(c: Conformance<'_>) {
    let repo = manifest_dir();
    let script = conformance_dir().join(c.runner);
    assert!(
        script.is_file(),
        "{} missing: run scripts/sync-conformance.sh",
        script.display()
    );
    let python = python3();
    let filter = std::env::var("CONFORMANCE_FILTER").ok().filter(|s| !s.is_empty());
    let jobs = std::env::var("CONFORMANCE_JOBS").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "2".into());

    let base_cmd = |extra: &[&str]| {
        let mut cmd = Command::new(&python);
        cmd.arg(&script).args(&c.args).args(extra).current_dir(repo);
        if let Some(f) = &filter {
            cmd.arg("--filter").arg(f);
        }
        c.env.apply_ucix_vars(&mut cmd);
        cmd.stdin(Stdio::null());
        cmd
    };

    // 1. the selected cases
    let list = base_cmd(&["--list"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        list.status.success(),
        "{} --list failed ({}):\n{}{}",
        c.runner,
        list.status,
        String::from_utf8_lossy(&list.stdout),
        String::from_utf8_lossy(&list.stderr)
    );
    let selected: BTreeSet<String> = parse_list(&String::from_utf8_lossy(&list.stdout)).into_iter().collect();

    // 2. the real run
    let mut opts: Vec<&str> = vec!["--jobs", &jobs];
    match isolation() {
        Ok(_) => opts.push("--isolate"),
        Err(reason) => say(format!(
            "warning: {reason}: running the {} conformance cases WITHOUT --isolate",
            c.label
        )),
    }
    let mut cmd = base_cmd(&opts);
    cmd.args(&c.options);
    say(format!(
        "{} conformance: {} cases{}: {cmd:?}",
        c.label,
        selected.len(),
        filter.as_ref().map(|f| format!(" matching {f:?}")).unwrap_or_default()
    ));
    let started = std::time::Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !stderr.is_empty() {
        say(format!("--- {} runner stderr ---\n{stderr}", c.runner));
    }
    say(format!("--- {} runner output ({:.1}s, {}) ---", c.runner, elapsed.as_secs_f64(), out.status));
    say(&stdout);

    let Some((passed, failed)) = parse_totals(&stdout) else {
        panic!(
            "{} conformance: the runner printed no final `N passed, M failed` line (exit {}); \
             see its output above",
            c.label, out.status
        );
    };
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{} conformance: runner exited with {}",
        c.label,
        out.status
    );
    let failing = parse_failures(&stdout);
    assert_eq!(
        failing.len(),
        failed,
        "{} conformance: the runner reports {failed} failures but {} FAIL/VALGRIND lines were found",
        c.label,
        failing.len()
    );

    // 3. against the known failures
    let kf_path = repo.join(c.known_failures);
    let known = read_known_failures(&kf_path);
    let known_set: BTreeSet<String> = known.iter().cloned().collect();
    let unexpected: Vec<&String> = failing.iter().filter(|n| !known_set.contains(*n)).collect();
    let fixed: Vec<&String> = known
        .iter()
        .filter(|n| selected.contains(*n) && !failing.contains(*n))
        .collect();
    let unknown: Vec<&String> = if filter.is_none() {
        known.iter().filter(|n| !selected.contains(*n)).collect()
    } else {
        Vec::new()
    };

    let mut report = String::new();
    if !unexpected.is_empty() {
        let _ = writeln!(
            report,
            "{} case(s) failed that are not in {}:",
            unexpected.len(),
            c.known_failures
        );
        for n in &unexpected {
            let _ = writeln!(report, "  {n}");
        }
    }
    if !fixed.is_empty() {
        let _ = writeln!(
            report,
            "{} case(s) in {} now pass; remove them from the list:",
            fixed.len(),
            c.known_failures
        );
        for n in &fixed {
            let _ = writeln!(report, "  {n}");
        }
    }
    if !unknown.is_empty() {
        let _ = writeln!(report, "{} name(s) in {} are not cases:", unknown.len(), c.known_failures);
        for n in &unknown {
            let _ = writeln!(report, "  {n}");
        }
    }
    let listed_failing = failing.len() - unexpected.len();
    say(format!(
        "{}--- {} conformance: {passed} passed, {failed} failed ({listed_failing} listed as known \
         failures, {} unexpected, {} listed but passing) ---",
        report,
        c.label,
        unexpected.len(),
        fixed.len()
    ));
    if !report.is_empty() {
        c.env.announce();
    }
    say(format!("{passed} passed, {failed} failed"));
    if !report.is_empty() {
        panic!(
            "{} conformance does not match {}: {} unexpected failure(s), {} listed case(s) passing, \
             {} listed name(s) not cases (details above)",
            c.label,
            c.known_failures,
            unexpected.len(),
            fixed.len(),
            unknown.len()
        );
    }
}

// ---------------------------------------------------------------------------
// the Lua module
// ---------------------------------------------------------------------------

/// The `lua5.1` interpreter (panics with how to install it when missing).
pub fn lua5_1() -> PathBuf {
    find_in_base_path("lua5.1").unwrap_or_else(|| {
        panic!("lua5.1 not found in {}: install Debian's lua5.1 (scripts/test.sh does)", BASE_PATH)
    })
}

/// A directory of `env` holding `uci.so`, a symlink to the built
/// `libuci.so` of this profile (which exports `luaopen_uci`), as installed
/// (panics when it was not built).
pub fn lua_module_dir(env: &TestEnv) -> PathBuf {
    let module = profile_dir().join("libuci.so");
    assert!(
        module.is_file(),
        "{} is missing: build the Lua module first with `cargo build --workspace{}` (scripts/test.sh does)",
        module.display(),
        if cfg!(debug_assertions) { "" } else { " --release" }
    );
    let dir = env.base().join("lua");
    std::fs::create_dir_all(&dir).expect("create the module directory");
    let link = dir.join("uci.so");
    if !link.exists() {
        std::os::unix::fs::symlink(&module, &link).expect("symlink uci.so");
    }
    dir
}

// ---------------------------------------------------------------------------
// the installed layout
// ---------------------------------------------------------------------------

/// Runs `scripts/install.sh /usr` with `DESTDIR=<env>/installed` on this
/// profile's artifacts and returns the tree's `usr/`: `bin/uci` is the C
/// launcher over `lib/libuci.so`, `lib/lua/5.1/uci.so` a symlink to it
/// (panics when libuci.so was not built, or the script fails).
pub fn installed_usr(env: &TestEnv) -> PathBuf {
    let lib = profile_dir().join("libuci.so");
    assert!(
        lib.is_file(),
        "{} is missing: run `cargo build --workspace{}` first (scripts/test.sh does)",
        lib.display(),
        if cfg!(debug_assertions) { "" } else { " --release" }
    );
    let destdir = env.base().join("installed");
    let out = Command::new("bash")
        .arg(manifest_dir().join("scripts").join("install.sh"))
        .arg("/usr")
        .env("DESTDIR", &destdir)
        .env("UCIX_BUILD_DIR", profile_dir())
        .output()
        .expect("run scripts/install.sh");
    assert!(
        out.status.success(),
        "scripts/install.sh failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    destdir.join("usr")
}
