//! `ucix remote` when things go wrong: a bad connection string, a server
//! that is not there or was stopped, a database without the schema, a
//! connection dropped in the middle of a pull, bad device ids, a local
//! file that does not parse. Each gives one clear message, a non-zero
//! exit, and changes no local file (nor the sync state).

mod common;
mod remote_support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use remote_support::{shared, Dev, Pg};

const NET: &str = "\nconfig interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n\n";

fn dev(name: &str, url: &str) -> Dev {
    let mut d = Dev::new(name, url, "dev1", Path::new(""));
    d.key = d.env.base().join("remote.key");
    d
}

/// Config files (name, bytes) and the sync state file.
type Snapshot = (Vec<(String, Vec<u8>)>, Option<Vec<u8>>);

/// Everything a failed command must leave alone: config files and the
/// sync state.
fn snapshot(d: &Dev) -> Snapshot {
    (d.files(), std::fs::read(d.env.state_dir().join("remote").join(&d.id)).ok())
}

fn fails(d: &Dev, args: &[&str], msg: &str) {
    let before = snapshot(d);
    let r = d.remote(args);
    assert_eq!(r.status, 1, "{args:?}: {}{}", r.stdout, r.stderr);
    assert!(r.stderr.starts_with(&format!("ucix: remote {}: {msg}", args[0])), "{args:?}: {}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    assert_eq!(snapshot(d), before, "{args:?} changed local files");
}

#[test]
fn bad_urls_and_missing_servers() {
    let d = dev("faults-url", "");
    d.write("network", NET);
    std::fs::write(&d.key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n").unwrap();
    let nowhere = d.env.base().join("no-server");
    for (url, msg) in [
        ("host=/x port=notaport", "bad connection string: "),
        ("postgresql://[::1", "bad connection string: "),
        ("sslmode=bogus", "bad connection string: "),
        (&format!("host={} user=postgres", nowhere.display()), "cannot connect to the database: "),
        // a closed TCP port on the loopback
        ("host=127.0.0.1 port=1 user=postgres connect_timeout=5", "cannot connect to the database: "),
    ] {
        let d = Dev { url: url.to_string(), ..dev("faults-url-x", "") };
        d.write("network", NET);
        std::fs::write(&d.key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n").unwrap();
        for cmd in ["init", "push", "pull", "status", "log", "batch"] {
            fails(&d, &[cmd], msg);
        }
    }
    // no url, no device: from the ucix package, else a usage error
    let r = common::run(d.env.ucix().arg("-c").arg(d.env.confdir()).args(["remote", "pull"]));
    assert_eq!((r.status, r.stderr.as_str()), (1, "ucix: remote pull: no database: give --url or set ucix.remote.url\n"));
    d.write("ucix", &format!("config remote 'remote'\n\toption url 'host={}'\n\toption device 'bad/id'\n", nowhere.display()));
    let r = common::run(d.env.ucix().arg("-c").arg(d.env.confdir()).args(["remote", "pull"]));
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "ucix: remote pull: invalid device id 'bad/id' (1 to 128 of A-Z a-z 0-9 . _ - : @)\n");
    d.write("ucix", &format!("config remote 'remote'\n\toption url 'host={}'\n\toption device 'ap1'\n\toption key_file '{}'\n", nowhere.display(), d.key.display()));
    let r = common::run(d.env.ucix().arg("-c").arg(d.env.confdir()).args(["remote", "status"]));
    assert_eq!(r.status, 1);
    assert!(r.stderr.starts_with("ucix: remote status: cannot connect to the database: "), "{}", r.stderr);
}

#[test]
fn no_schema_no_device_bad_files() {
    let Some(pg) = shared() else { return };
    pg.create_db("noschema");
    let d = dev("faults-noschema", &pg.url("noschema"));
    d.write("network", NET);
    std::fs::write(&d.key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n").unwrap();
    for cmd in ["push", "pull", "status", "log", "batch"] {
        fails(&d, &[cmd], "the database has no ucix schema: run 'ucix remote init'");
    }
    d.ok(&["init"]);
    assert_eq!(d.ok(&["pull"]), "up to date (revision 0)\n");
    let ghost = Dev { id: "ghost".into(), key: d.key.clone(), ..dev("faults-ghost", &d.url) };
    fails(&ghost, &["pull"], "no device 'ghost' in the database");
    fails(&ghost, &["log"], "no device 'ghost' in the database");
    // a newer schema than this ucix knows
    pg.psql("noschema", "INSERT INTO ucix_schema (version) VALUES (99)");
    fails(&d, &["push"], "the database has ucix schema version 99, this ucix uses version 1");
    fails(&d, &["init"], "the database has ucix schema version 99, this ucix uses version 1");
    pg.psql("noschema", "DELETE FROM ucix_schema WHERE version = 99");
    // a local file that does not parse is never pushed
    d.write("broken", "config 'unterminated\n");
    fails(&d, &["push"], "cannot parse ");
    fails(&d, &["pull"], "cannot parse ");
    std::fs::remove_file(d.env.confdir().join("broken")).unwrap();
    // a bad key file
    std::fs::write(&d.key, "not a key\n").unwrap();
    fails(&d, &["push"], &format!("key file {}: not a key (64 hex digits expected)", d.key.display()));
}

#[test]
fn stopped_server() {
    let Some(pg) = Pg::start("stopped") else { return };
    pg.create_db("fleet");
    let d = dev("faults-stopped", &pg.url("fleet"));
    d.write("network", NET);
    d.ok(&["init"]);
    d.ok(&["push"]);
    let b = Dev { id: d.id.clone(), key: d.key.clone(), ..dev("faults-stopped-b", &pg.url("fleet")) };
    b.ok(&["pull"]);
    let r = d.batch("set network.lan.ipaddr=10.0.0.9\n");
    assert_eq!(r.status, 0, "{}", r.stderr);
    pg.stop();
    for cmd in ["pull", "push", "status", "log", "batch", "init"] {
        fails(&b, &[cmd], "cannot connect to the database: ");
    }
    assert_eq!(b.read("network"), NET);
}

/// Waits until `p` exists.
fn wait_for(p: &Path) {
    for _ in 0..3000 {
        if p.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{} did not appear", p.display());
}

fn with_ext(p: &Path, ext: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(ext);
    PathBuf::from(s)
}

#[test]
fn connection_dropped_mid_pull() {
    let Some(pg) = shared() else { return };
    pg.create_db("dropped");
    let d = dev("faults-dropped", &pg.url("dropped"));
    d.write("network", NET);
    d.ok(&["init"]);
    d.ok(&["push"]);
    let r = d.batch("set network.lan.ipaddr=10.0.0.9\nset network.lan.mtu=1400\n");
    assert_eq!(r.status, 0, "{}", r.stderr);
    let before = snapshot(&d);
    let stall = d.env.base().join("stall");
    let mut cmd = d.remote_cmd(&["pull"]);
    cmd.env("UCIX_TEST_REMOTE_STALL", &stall).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    // the pull has connected and read its device: kill its backend
    wait_for(&with_ext(&stall, ".ready"));
    // (only this test's database: the other tests' devices may be pulling
    // under the same application name at the same time)
    let n = pg.psql(
        "dropped",
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ucix-remote pull dev1' AND datname = 'dropped'",
    );
    assert_eq!(n, "1\n");
    std::fs::write(with_ext(&stall, ".go"), "").unwrap();
    let r: common::Run = child.wait_with_output().unwrap().into();
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.starts_with("ucix: remote pull: lost the database connection: "), "{}", r.stderr);
    assert_eq!(snapshot(&d), before);
    // the next pull applies the revision
    assert_eq!(d.ok(&["pull"]), "pulled revision 2: changed network\n");
    assert!(d.read("network").contains("option mtu '1400'"));
}
