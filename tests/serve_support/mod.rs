//! A private `dbus-daemon` and `ucix serve` on it, for tests/serve_*.rs,
//! driven with the real clients `gdbus` and `dbus-send`, as root or as the
//! unprivileged uid 65534 (`setpriv`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use crate::common::{self, say, TestEnv, BASE_PATH};

pub const NOBODY: &str = "65534";

/// The private bus configuration: one unix socket in the scratch
/// directory, EXTERNAL authentication for every uid, everyone may own and
/// call everything (the service's acls are what the tests check).
fn bus_config(socket: &std::path::Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"#,
        socket.display()
    )
}

/// What a client call gave.
#[derive(Debug)]
pub struct Reply {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Reply {
    fn of(o: Output) -> Reply {
        Reply {
            ok: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Panics unless the call succeeded; returns its output.
    pub fn out(&self) -> &str {
        assert!(self.ok, "call failed: {}", self.stderr);
        &self.stdout
    }

    /// Panics unless the call failed with the D-Bus error `name`.
    pub fn error(&self, name: &str) {
        assert!(!self.ok, "call succeeded, expected {name}: {}", self.stdout);
        assert!(self.stderr.contains(name), "expected {name}, got: {}", self.stderr);
    }
}

pub struct Bus {
    pub env: TestEnv,
    pub addr: String,
    daemon: Child,
    serve: Option<Child>,
    serve_out: Option<BufReader<ChildStdout>>,
}

/// Whether this machine can run the bus tests (root, dbus-daemon, gdbus,
/// dbus-send, setpriv); prints why not.
pub fn available() -> bool {
    if !common::is_root() {
        say("skipped: the bus tests need root (setpriv to an unprivileged uid)");
        return false;
    }
    for t in ["dbus-daemon", "gdbus", "dbus-send", "setpriv"] {
        if common::find_in_base_path(t).is_none() {
            say(format!("skipped: {t} not found (scripts/test.sh installs dbus-daemon, dbus-bin, libglib2.0-bin)"));
            return false;
        }
    }
    true
}

fn first_line(r: &mut impl BufRead, what: &str) -> String {
    let mut l = String::new();
    r.read_line(&mut l).unwrap_or_else(|e| panic!("cannot read from {what}: {e}"));
    assert!(!l.is_empty(), "{what} ended without printing anything");
    l.trim_end().to_string()
}

impl Bus {
    /// A scratch directory with `files` in its config directory, a bus,
    /// and `ucix serve` on it.
    pub fn start(name: &str, files: &[(&str, &str)]) -> Bus {
        Bus::start_with(name, files, bus_config)
    }

    /// [`Bus::start`] with the bus configuration `config(socket)`.
    pub fn start_with(name: &str, files: &[(&str, &str)], config: fn(&std::path::Path) -> String) -> Bus {
        let env = TestEnv::new(name);
        std::fs::create_dir_all(env.confdir()).unwrap();
        for (f, text) in files {
            env.write(format!("config/{f}"), text);
        }
        let sock = env.base().join("bus.sock");
        let conf = env.base().join("bus.conf");
        std::fs::write(&conf, config(&sock)).unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            // it warns that it cannot raise its fd limit; nothing else comes here
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let addr = first_line(&mut BufReader::new(daemon.stdout.take().unwrap()), "dbus-daemon");
        let mut bus = Bus { env, addr, daemon, serve: None, serve_out: None };
        bus.start_serve();
        bus
    }

    /// `ucix -c <confdir> -C <empty dir> serve --bus <addr>`, with the
    /// test's `UCIX_*` locations; waits for its ready line. The service
    /// never reads `/tmp/.uci` (it stages in the state directory) and the
    /// override directory is one of the test's, so it needs no namespace.
    pub fn start_serve(&mut self) {
        let mut child = self.serve_command(None).stdout(Stdio::piped()).spawn().expect("start ucix serve");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let l = first_line(&mut out, "ucix serve");
        assert!(l.contains("ready"), "ucix serve said: {l}");
        self.serve = Some(child);
        self.serve_out = Some(out);
    }

    /// The `ucix serve` command line (run as `as_uid` through setpriv when given).
    pub fn serve_command(&self, as_uid: Option<&str>) -> Command {
        let mut cmd = match as_uid {
            Some(uid) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}")).arg(format!("--regid={uid}")).arg("--clear-groups").arg(common::ucix_bin());
                c
            }
            None => Command::new(common::ucix_bin()),
        };
        cmd.env_clear().env("PATH", BASE_PATH);
        self.env.apply_ucix_vars(&mut cmd);
        cmd.arg("-c").arg(self.env.confdir()).arg("-C").arg(self.conf2dir()).args(["serve", "--bus", &self.addr]);
        cmd.stdin(Stdio::null());
        cmd
    }

    /// Kills the service (as a crash would).
    pub fn kill_serve(&mut self) {
        if let Some(mut c) = self.serve.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Whether the service process is still running.
    pub fn serve_running(&mut self) -> bool {
        self.serve.as_mut().is_some_and(|c| c.try_wait().map(|s| s.is_none()).unwrap_or(false))
    }

    pub fn conf2dir(&self) -> PathBuf {
        self.env.base().join("conf2")
    }

    pub fn config(&self, name: &str) -> String {
        self.env.read(format!("config/{name}"))
    }

    fn client(&self, as_uid: Option<&str>, prog: &str) -> Command {
        let mut c = match as_uid {
            Some(uid) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}")).arg(format!("--regid={uid}")).arg("--clear-groups").arg(prog);
                c
            }
            None => Command::new(prog),
        };
        c.env_clear().env("PATH", BASE_PATH).current_dir("/").stdin(Stdio::null());
        c
    }

    /// `gdbus call` of `org.ucix.Config1.<method>` with `args` (GVariant text).
    pub fn call_as(&self, as_uid: Option<&str>, method: &str, args: &[&str]) -> Reply {
        let mut c = self.client(as_uid, "gdbus");
        c.args(["call", "--address", &self.addr, "--dest", "org.ucix.Config", "--object-path", "/org/ucix/Config", "--method"])
            .arg(format!("org.ucix.Config1.{method}"))
            .args(args);
        Reply::of(c.output().expect("run gdbus"))
    }

    /// [`Bus::call_as`] as root.
    pub fn call(&self, method: &str, args: &[&str]) -> Reply {
        self.call_as(None, method, args)
    }

    /// `dbus-send --print-reply` of `org.ucix.Config1.<method>` (dbus-send's typed args).
    pub fn send_as(&self, as_uid: Option<&str>, method: &str, args: &[&str]) -> Reply {
        let mut c = self.client(as_uid, "dbus-send");
        c.arg(format!("--bus={}", self.addr))
            .args(["--print-reply", "--dest=org.ucix.Config", "/org/ucix/Config"])
            .arg(format!("org.ucix.Config1.{method}"))
            .args(args);
        Reply::of(c.output().expect("run dbus-send"))
    }

    /// `gdbus monitor` on the service, started and subscribed.
    pub fn monitor(&self) -> Monitor {
        let mut c = self.client(None, "gdbus");
        c.args(["monitor", "--address", &self.addr, "--dest", "org.ucix.Config"]).stdout(Stdio::piped());
        let mut child = c.spawn().expect("start gdbus monitor");
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in out.lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let mut m = Monitor { child, lines: rx };
        // "Monitoring signals from all objects owned by …", then the owner line
        m.wait_for("is owned by");
        m
    }

    /// `ucix <args>` with the test's directories (isolated).
    pub fn ucix(&self, args: &[&str]) -> Reply {
        let mut c = self.env.ucix();
        c.arg("-c").arg(self.env.confdir()).args(args);
        Reply::of(c.output().expect("run ucix"))
    }

    /// `uci -c <confdir> -t <savedir> <args>` (isolated).
    pub fn uci(&self, args: &[&str]) -> Reply {
        let mut c = self.env.uci();
        c.arg("-c").arg(self.env.confdir()).arg("-t").arg(self.env.savedir()).args(args);
        Reply::of(c.output().expect("run uci"))
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        self.kill_serve();
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

pub struct Monitor {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

/// How long a test waits for a line before it fails (a guard against a
/// hang, far above the sub-second delivery the service aims for).
const GUARD: std::time::Duration = std::time::Duration::from_secs(60);

impl Monitor {
    /// The next line containing `what`.
    pub fn wait_for(&mut self, what: &str) -> String {
        loop {
            match self.lines.recv_timeout(GUARD) {
                Ok(l) if l.contains(what) => return l,
                Ok(_) => {}
                Err(e) => panic!("gdbus monitor: no line with {what:?} ({e})"),
            }
        }
    }

    /// The next line announcing a `Committed` signal.
    pub fn next_committed(&mut self) -> String {
        self.wait_for("org.ucix.Config1.Committed")
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
