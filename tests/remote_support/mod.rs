//! A real PostgreSQL server for the `ucix remote` tests, and simulated
//! devices.
//!
//! The server is Debian's (`/usr/lib/postgresql/<v>/bin`), initialised into
//! a scratch directory under the test target directory and run as the
//! `postgres` user on a unix socket only (`listen_addresses=''`), with
//! trust authentication. [`shared`] starts one per test binary and stops it
//! when the process exits; [`Pg::start`] starts a private one (stopped on
//! drop) for tests that stop the server.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{self, run, run_with_stdin, say, Run, TestEnv};

pub struct Pg {
    dir: PathBuf,
    bin: PathBuf,
    pub sock: PathBuf,
    stopped: std::sync::atomic::AtomicBool,
}

fn pg_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("pg_ctl").is_file() && b.join("initdb").is_file())
        .collect();
    found.sort();
    found.pop()
}

fn as_postgres(bin: &Path, tool: &str) -> Command {
    let mut c = Command::new("runuser");
    c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
    c
}

fn chown_postgres(p: &Path) {
    let r = run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(p));
    assert_eq!(r.status, 0, "chown {}: {}", p.display(), r.stderr);
}

impl Pg {
    /// Starts a server, or says loudly why it cannot (`None`).
    pub fn start(tag: &str) -> Option<Pg> {
        let Some(bin) = pg_bin() else {
            say("SKIPPED: no PostgreSQL server in /usr/lib/postgresql/*/bin (scripts/test.sh installs the 'postgresql' package)");
            return None;
        };
        if !common::is_root() {
            say("SKIPPED: the remote tests run PostgreSQL as the postgres user and must run as root");
            return None;
        }
        // under the target directory when the postgres user can reach it
        // (a checkout under /root cannot be), else under /var/tmp (not /tmp:
        // the isolated commands see an empty /tmp)
        let tmp = common::target_tmpdir();
        std::fs::create_dir_all(tmp).unwrap();
        let reachable = Command::new("runuser").args(["-u", "postgres", "--", "test", "-x"]).arg(tmp).status().is_ok_and(|s| s.success());
        let parent = if reachable { tmp.to_path_buf() } else { PathBuf::from("/var/tmp") };
        let dir = parent.join(format!("ucix-pg-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let sock = dir.join("sock");
        std::fs::create_dir_all(&sock).unwrap();
        chown_postgres(&dir);
        let data = dir.join("data");
        let r = run(as_postgres(&bin, "initdb").arg("-D").arg(&data).args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]));
        assert_eq!(r.status, 0, "initdb: {}{}", r.stdout, r.stderr);
        let opts = format!("-k {} -c listen_addresses='' -c fsync=off -c max_connections=200", sock.display());
        let r = run(as_postgres(&bin, "pg_ctl").arg("-D").arg(&data).arg("-o").arg(opts).arg("-l").arg(dir.join("log")).args(["-w", "start"]));
        assert_eq!(r.status, 0, "pg_ctl start: {}{}\n{}", r.stdout, r.stderr, std::fs::read_to_string(dir.join("log")).unwrap_or_default());
        Some(Pg { dir, bin, sock, stopped: false.into() })
    }

    /// `host=<socket dir> user=postgres dbname=<db>`.
    pub fn url(&self, db: &str) -> String {
        format!("host={} user=postgres dbname={db}", self.sock.display())
    }

    /// Runs SQL with psql; returns the unaligned, tuples-only output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let r = run(Command::new(self.bin.join("psql")).arg("-h").arg(&self.sock).args(["-U", "postgres", "-d", db, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]));
        assert_eq!(r.status, 0, "psql {sql}: {}", r.stderr);
        r.stdout
    }

    /// Creates a fresh database.
    pub fn create_db(&self, db: &str) {
        self.psql("postgres", &format!("DROP DATABASE IF EXISTS {db}"));
        self.psql("postgres", &format!("CREATE DATABASE {db}"));
    }

    /// The SQL dump of a database.
    pub fn dump(&self, db: &str) -> String {
        let r = run(Command::new(self.bin.join("pg_dump")).arg("-h").arg(&self.sock).args(["-U", "postgres", db]));
        assert_eq!(r.status, 0, "pg_dump: {}", r.stderr);
        r.stdout
    }

    /// Stops the server (idempotent).
    pub fn stop(&self) {
        if self.stopped.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let _ = as_postgres(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static SHARED: OnceLock<Option<Pg>> = OnceLock::new();

extern "C" fn stop_shared() {
    if let Some(Some(pg)) = SHARED.get() {
        pg.stop();
        let _ = std::fs::remove_dir_all(&pg.dir);
    }
}

/// The server of this test binary, started on first use and stopped at
/// process exit; `None` (after a loud message) when it cannot run.
pub fn shared() -> Option<&'static Pg> {
    SHARED
        .get_or_init(|| {
            let pg = Pg::start("shared")?;
            // SAFETY: registers a plain `extern "C" fn()` without arguments,
            // as atexit(3) expects; it only runs pg_ctl and removes files.
            unsafe {
                libc::atexit(stop_shared);
            }
            Some(pg)
        })
        .as_ref()
}

/// A simulated device: its own config, delta and state directories.
pub struct Dev {
    pub env: TestEnv,
    pub url: String,
    pub id: String,
    pub key: PathBuf,
}

impl Dev {
    pub fn new(name: &str, url: &str, id: &str, key: &Path) -> Dev {
        let env = TestEnv::new(name);
        std::fs::create_dir_all(env.confdir()).unwrap();
        Dev { env, url: url.to_string(), id: id.to_string(), key: key.to_path_buf() }
    }

    fn base(&self) -> Command {
        let mut c = self.env.ucix();
        c.arg("-c").arg(self.env.confdir()).arg("-t").arg(self.env.savedir());
        c
    }

    /// `ucix -c … -t … remote --url … --device … --key-file … <args>`.
    pub fn remote_cmd(&self, args: &[&str]) -> Command {
        let mut c = self.base();
        c.arg("remote").arg("--url").arg(&self.url).arg("--device").arg(&self.id).arg("--key-file").arg(&self.key).args(args);
        c
    }

    pub fn remote(&self, args: &[&str]) -> Run {
        run(&mut self.remote_cmd(args))
    }

    /// Like [`Dev::remote`], asserting success.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.remote(args);
        assert_eq!(r.status, 0, "ucix remote {args:?}: {}{}", r.stdout, r.stderr);
        r.stdout
    }

    pub fn batch(&self, commands: &str) -> Run {
        run_with_stdin(&mut self.remote_cmd(&["batch"]), commands)
    }

    /// `ucix -c … -t … <args>` (local uci commands).
    pub fn uci(&self, args: &[&str]) -> Run {
        let r = run(self.base().args(args));
        assert_eq!(r.status, 0, "ucix {args:?}: {}", r.stderr);
        r
    }

    pub fn write(&self, pkg: &str, text: &str) {
        self.env.write(format!("config/{pkg}"), text);
    }

    pub fn read(&self, pkg: &str) -> String {
        self.env.read(format!("config/{pkg}"))
    }

    /// Every config file: name → bytes.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(self.env.confdir())
            .unwrap()
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap_or_default()))
            .collect();
        v.sort();
        v
    }
}
