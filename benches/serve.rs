//! `ucix serve` benchmark: a private dbus-daemon and the real `ucix serve`
//! in a scratch directory under `target/tmp` (tests/serve_support), and N
//! parallel clients, each its own process (this binary again) and its own
//! uid (setpriv to the first N non-root uids of /etc/passwd: dbus-daemon
//! refuses uids the user database does not know), so each stages in its
//! own directory as distinct bus callers do.
//!
//! Per N: a read phase (each client `Get`s its option READS times) and a
//! write phase (each client increments its own option ROUNDS times: `Get`,
//! `Set` of the value + 1, `Commit`). Prints calls/s and p50/p99 latency
//! of each, then the lost-update check: every client's option must end at
//! ROUNDS, each `Commit` must have written the package, and the audit log
//! must hold exactly N × ROUNDS bus entries (one per commit, each of its
//! caller's uid) with the chain intact. Last, one client's `Get` over the
//! bus against an in-process read of the same option through the cache.
//!
//! `cargo bench --bench serve` (as root: setpriv); `SERVE_BENCH_CLIENTS=1,4,16`,
//! `SERVE_BENCH_READS=200`, `SERVE_BENCH_ROUNDS=20` change the series.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/serve_support/mod.rs"]
mod serve_support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use zbus::blocking::Connection;
use zbus::zvariant::{OwnedValue, Value};

const DEST: &str = "org.ucix.Config";
const PATH: &str = "/org/ucix/Config";
const IFACE: &str = "org.ucix.Config1";
/// The environment variable that makes this binary a client.
const CLIENT: &str = "UCIX_SERVE_BENCH_CLIENT";

/// The non-root uids of /etc/passwd, in order.
fn uids() -> Vec<u32> {
    let text = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let mut v: Vec<u32> = text.lines().filter_map(|l| l.split(':').nth(2)?.parse().ok()).filter(|&u| u != 0).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn series(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var).ok().map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_else(|| default.to_vec())
}

fn one(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

fn get(conn: &Connection, section: &str) -> zbus::Result<String> {
    let v: OwnedValue = conn.call_method(Some(DEST), PATH, Some(IFACE), "Get", &("bench", section, "n"))?.body().deserialize()?;
    String::try_from(v).map_err(zbus::Error::from)
}

fn set(conn: &Connection, section: &str, n: u64) -> zbus::Result<()> {
    let mut values: HashMap<&str, Value<'_>> = HashMap::new();
    values.insert("n", Value::from(n.to_string()));
    conn.call_method(Some(DEST), PATH, Some(IFACE), "Set", &("bench", section, values))?;
    Ok(())
}

fn commit(conn: &Connection) -> zbus::Result<Vec<String>> {
    conn.call_method(Some(DEST), PATH, Some(IFACE), "Commit", &(vec!["bench"],))?.body().deserialize()
}

fn nanos(v: &[Duration]) -> String {
    v.iter().map(|d| d.as_nanos().to_string()).collect::<Vec<_>>().join(" ")
}

/// The client process: `ADDRESS SECTION READS ROUNDS` in [`CLIENT`].
/// Connects, says `ready`, waits for a line on stdin, runs the read phase,
/// says `read <ns…>`, waits again, runs the write phase, says
/// `get <ns…>`, `set <ns…>`, `commit <ns…>`, `round <ns…>`.
fn client(spec: &str) -> i32 {
    let a: Vec<&str> = spec.split(' ').collect();
    let (addr, section) = (a[0], a[1]);
    let (reads, rounds): (usize, usize) = (a[2].parse().unwrap(), a[3].parse().unwrap());
    let conn = match zbus::blocking::connection::Builder::address(addr).and_then(|b| b.build()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("client {section}: cannot connect: {e}");
            return 1;
        }
    };
    let stdin = std::io::stdin();
    let mut line = String::new();
    let mut out = std::io::stdout().lock();
    let wait = |line: &mut String| {
        line.clear();
        stdin.lock().read_line(line).map(|n| n > 0).unwrap_or(false)
    };
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    if !wait(&mut line) {
        return 1;
    }
    let mut r = vec![];
    for _ in 0..reads {
        let t = Instant::now();
        if let Err(e) = get(&conn, section) {
            eprintln!("client {section}: read phase: {e}");
            return 1;
        }
        r.push(t.elapsed());
    }
    let _ = writeln!(out, "read {}", nanos(&r));
    let _ = out.flush();
    if !wait(&mut line) {
        return 1;
    }
    let (mut g, mut s, mut c, mut w) = (vec![], vec![], vec![], vec![]);
    for i in 0..rounds {
        let res = (|| -> zbus::Result<()> {
            let t0 = Instant::now();
            let v: u64 = get(&conn, section)?.parse().map_err(|_| zbus::Error::Failure("not a number".into()))?;
            let t1 = Instant::now();
            if v != i as u64 {
                return Err(zbus::Error::Failure(format!("round {i}: read {v}, expected {i}: an update was lost")));
            }
            set(&conn, section, v + 1)?;
            let t2 = Instant::now();
            let done = commit(&conn)?;
            let t3 = Instant::now();
            if done != ["bench"] {
                return Err(zbus::Error::Failure(format!("round {i}: Commit wrote {done:?}, expected [\"bench\"]")));
            }
            g.push(t1 - t0);
            s.push(t2 - t1);
            c.push(t3 - t2);
            w.push(t3 - t0);
            Ok(())
        })();
        if let Err(e) = res {
            eprintln!("client {section}: write phase: {e}");
            return 1;
        }
    }
    let _ = writeln!(out, "get {}\nset {}\ncommit {}\nround {}", nanos(&g), nanos(&s), nanos(&c), nanos(&w));
    let _ = out.flush();
    0
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Client {
    fn spawn(addr: &str, i: usize, uid: u32, reads: usize, rounds: usize) -> Client {
        let mut child = Command::new("setpriv")
            .arg(format!("--reuid={uid}"))
            .arg(format!("--regid={uid}"))
            .arg("--clear-groups")
            .arg(std::env::current_exe().unwrap())
            .env_clear()
            .env("PATH", common::BASE_PATH)
            .env(CLIENT, format!("{addr} c{i} {reads} {rounds}"))
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start a client through setpriv");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client { child, stdin, stdout }
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.stdout.read_line(&mut l).unwrap();
        assert!(!l.is_empty(), "a client failed (see its message above)");
        l.trim_end().to_string()
    }

    fn go(&mut self) {
        writeln!(self.stdin, "go").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The durations of the line starting with `what`.
    fn durations(&mut self, what: &str) -> Vec<Duration> {
        let l = self.line();
        let rest = l.strip_prefix(what).unwrap_or_else(|| panic!("expected {what}, got {l}"));
        rest.split_whitespace().map(|n| Duration::from_nanos(n.parse().unwrap())).collect()
    }
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn ms(v: &mut [Duration]) -> String {
    format!("{:6.2} {:7.2}", pct(v, 0.5), pct(v, 0.99))
}

fn package(n: usize) -> String {
    (0..n).map(|i| format!("\nconfig counter 'c{i}'\n\toption n '0'\n")).collect()
}

fn main() {
    if let Ok(spec) = std::env::var(CLIENT) {
        std::process::exit(client(&spec));
    }
    if !serve_support::available() {
        return;
    }
    let reads = one("SERVE_BENCH_READS", 200);
    let rounds = one("SERVE_BENCH_ROUNDS", 20);
    println!("== ucix serve on a private dbus-daemon; N clients, each its own process and uid; every call waits for its reply");
    println!("   read: {reads} Get per client; write: {rounds} rounds per client of Get + Set(n+1) + Commit of its own option (ms: p50 p99)");
    println!(
        "{:>7} | {:>9} {:>14} | {:>9} {:>9} {:>14} {:>14} {:>14} {:>14} | {:>12} {:>13}",
        "clients", "Get/s", "Get ms", "calls/s", "commits/s", "Get ms", "Set ms", "Commit ms", "round ms", "lost updates", "audit entries"
    );
    let acl = "config acl\n\tlist write 'bench'\n";
    let uids = uids();
    for n in series("SERVE_BENCH_CLIENTS", &[1, 4, 16]) {
        assert!(uids.len() >= n, "{n} clients need {n} non-root uids in /etc/passwd, there are {}", uids.len());
        let text = package(n);
        let bus = serve_support::Bus::start(&format!("bench_serve_{n}"), &[("bench", &text), ("ucix", acl)]);
        let mut cs: Vec<Client> = (0..n).map(|i| Client::spawn(&bus.addr, i, uids[i], reads, rounds)).collect();
        for c in &mut cs {
            assert_eq!(c.line(), "ready");
        }
        let t = Instant::now();
        cs.iter_mut().for_each(Client::go);
        let mut rd: Vec<Duration> = cs.iter_mut().flat_map(|c| c.durations("read ")).collect();
        let read_took = t.elapsed();
        let t = Instant::now();
        cs.iter_mut().for_each(Client::go);
        let (mut g, mut s, mut c, mut w) = (vec![], vec![], vec![], vec![]);
        for cl in &mut cs {
            g.extend(cl.durations("get "));
            s.extend(cl.durations("set "));
            c.extend(cl.durations("commit "));
            w.extend(cl.durations("round "));
        }
        let write_took = t.elapsed();
        for cl in &mut cs {
            assert!(cl.child.wait().unwrap().success(), "a client failed");
        }
        // no lost update: every option at `rounds`, one audit entry per commit
        let file = bus.config("bench");
        let lost: usize = (0..n).filter(|i| !file.contains(&format!("config counter 'c{i}'\n\toption n '{rounds}'\n"))).count();
        let log = bus.ucix(&["audit", "--json"]);
        let entries: Vec<serde_json::Value> = log.out().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let per_uid = |uid: u32| entries.iter().filter(|e| e["uid"] == uid && e["entry"] == "bus" && e["package"] == "bench").count();
        let exact = entries.len() == n * rounds && uids[..n].iter().all(|&u| per_uid(u) == rounds);
        let verified = bus.ucix(&["audit", "--verify"]).ok;
        let calls = 3 * n * rounds;
        println!(
            "{n:>7} | {:>9.0} {} | {:>9.0} {:>9.1} {} {} {} {} | {:>12} {:>13}",
            (n * reads) as f64 / read_took.as_secs_f64(),
            ms(&mut rd),
            calls as f64 / write_took.as_secs_f64(),
            (n * rounds) as f64 / write_took.as_secs_f64(),
            ms(&mut g),
            ms(&mut s),
            ms(&mut c),
            ms(&mut w),
            lost,
            format!("{}/{}{}", entries.len(), n * rounds, if verified { "" } else { " BROKEN" }),
        );
        assert!(lost == 0 && exact && verified, "lost updates or a wrong audit log:\n{file}");
    }

    println!();
    println!("== reads: one client's Get over the bus against an in-process read of the same option (the cache)");
    let bus = serve_support::Bus::start("bench_serve_reads", &[("bench", &package(1)), ("ucix", acl)]);
    // this process reads through the test's cache directory (still one thread here)
    for (k, v) in bus.env.ucix_vars() {
        std::env::set_var(k, v);
    }
    std::fs::create_dir_all(bus.env.cache_dir()).unwrap();
    let conn = zbus::blocking::connection::Builder::address(bus.addr.as_str()).unwrap().build().unwrap();
    let m = reads.max(200) * 5;
    let mut over_bus: Vec<Duration> = (0..m)
        .map(|_| {
            let t = Instant::now();
            assert_eq!(get(&conn, "c0").unwrap(), "0");
            t.elapsed()
        })
        .collect();
    let mut ctx = ucix::store::Context::new();
    ctx.set_confdir(bus.env.confdir().as_os_str().as_encoded_bytes());
    ctx.set_conf2dir(None);
    ctx.set_savedir(bus.env.savedir().as_os_str().as_encoded_bytes());
    ctx.delta_path.clear();
    // a `uci get`-like read: open and check the mapped index, resolve, copy the value
    let cached = |ctx: &ucix::store::Context| -> Option<Vec<u8>> {
        let hit = ucix::cache::open(ctx, b"bench")?;
        let mut ptr = ucix::lookup::Ptr::parse(b"bench.c0.n").ok()?;
        ucix::lookup::resolve(&hit.index, &mut ptr, true).ok()?;
        let v = hit.index.value(ptr.s?, ptr.o?)?;
        hit.used();
        match v {
            ucix::model::Value::Str(s) => Some(s.to_vec()),
            ucix::model::Value::List(_) => None,
        }
    };
    // the first load writes the index
    let mut fresh = ctx.clone();
    let mut p = ucix::lookup::Ptr::default();
    fresh.lookup(&mut p, Some(b"bench.c0.n"), true).unwrap();
    let mut in_cache: Vec<Duration> = (0..m)
        .map(|_| {
            let t = Instant::now();
            assert_eq!(cached(&ctx).as_deref(), Some(&b"0"[..]), "no valid index");
            t.elapsed()
        })
        .collect();
    let mut in_load: Vec<Duration> = (0..m)
        .map(|_| {
            let t = Instant::now();
            let mut c = ctx.clone();
            let mut p = ucix::lookup::Ptr::default();
            let i = c.lookup(&mut p, Some(b"bench.c0.n"), true).unwrap();
            assert!(p.o.is_some() && c.packages[i].name == b"bench");
            t.elapsed()
        })
        .collect();
    let us = |v: &mut [Duration]| format!("p50 {:8.1} µs  p99 {:8.1} µs", pct(v, 0.5) * 1000.0, pct(v, 0.99) * 1000.0);
    println!("Get over the bus (round trip through dbus-daemon)          {}", us(&mut over_bus));
    println!("in-process, mapped index (what `uci get` does)             {}", us(&mut in_cache));
    println!("in-process, fresh context: load from the index + lookup   {}", us(&mut in_load));
    drop(bus);
    let _ = std::fs::remove_dir_all(common::target_tmpdir().join(format!("process-{}", std::process::id())));
}
