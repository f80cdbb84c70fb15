//! `ucix remote` benchmark: hundreds of simulated devices (each its own
//! config directory and sync state) pushing and pulling against a real
//! PostgreSQL server (started like the tests do, unix socket, fsync off).
//!
//! Prints revisions/s for growing device counts, the cost of a one-option
//! push/pull for growing package sizes, rows and bytes stored for a
//! one-option change against a whole package, and the watch latency.
//!
//! `cargo bench --bench remote` (as root); `REMOTE_BENCH_DEVICES=50,100`
//! and `REMOTE_BENCH_SIZES=10,100` change the series.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/remote_support/mod.rs"]
mod remote_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use remote_support::Pg;
use ucix::remote::{sync, Options};
use ucix::store::Context;

fn series(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var).ok().map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_else(|| default.to_vec())
}

/// A package of `n` sections with 4 options each.
fn package(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "\nconfig host 'h{i}'\n\toption name 'host{i}'\n\toption ip '10.{}.{}.{}'\n\toption mac '02:00:00:{:02x}:{:02x}:{:02x}'\n\tlist tag 'a{i}'\n",
            i >> 16 & 255,
            i >> 8 & 255,
            i & 255,
            i >> 16 & 255,
            i >> 8 & 255,
            i & 255
        ));
    }
    s.push('\n');
    s
}

struct Device {
    ctx: Context,
    opts: Options,
    conf: PathBuf,
}

fn device(dir: &Path, url: &str, id: &str, key: &Path, text: &str) -> Device {
    let conf = dir.join(id).join("config");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("dhcp"), text).unwrap();
    std::fs::write(conf.join("system"), "\nconfig system\n\toption hostname 'ap'\n\toption password 'bench-secret'\n\n").unwrap();
    let mut ctx = Context::new();
    ctx.set_confdir(conf.as_os_str().as_encoded_bytes());
    ctx.set_conf2dir(None);
    let save = dir.join(id).join("delta");
    ctx.delta_path.clear();
    ctx.set_savedir(save.as_os_str().as_encoded_bytes());
    Device { ctx, opts: Options { url: url.to_string(), device: id.to_string(), key_file: key.to_path_buf() }, conf }
}

fn rate(n: usize, t: Duration) -> String {
    format!("{:8.1} rev/s  {:7.2} ms/op", n as f64 / t.as_secs_f64(), t.as_secs_f64() * 1000.0 / n as f64)
}

fn set_local(d: &mut Device, tuple: &str) {
    let mut ptr = ucix::lookup::Ptr::default();
    let i = d.ctx.lookup(&mut ptr, Some(tuple.as_bytes()), true).unwrap();
    ucix::edit::set(&mut d.ctx.packages[i], &mut ptr, false).unwrap();
    d.ctx.save(i).unwrap();
    d.ctx.commit(i, false).unwrap();
    d.ctx.unload_all();
}

fn stored(pg: &Pg, db: &str, rev_filter: &str) -> (String, String) {
    let rows = pg.psql(db, &format!("SELECT count(*) FROM ucix_change WHERE {rev_filter}"));
    let bytes = pg.psql(
        db,
        &format!("SELECT coalesce(sum(octet_length(package) + octet_length(section) + octet_length(option) + coalesce(octet_length(value), 0)), 0) FROM ucix_change WHERE {rev_filter}"),
    );
    (rows.trim().to_string(), bytes.trim().to_string())
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    common::isolate_process_env();
    let Some(pg) = Pg::start("bench") else { return };
    let scratch = common::target_tmpdir().join(format!("remote-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let key = scratch.join("remote.key");
    ucix::remote::secret::Key::create(&key).unwrap();

    println!("== devices: each pushes its config (2 packages, 20 sections), an operator batch changes one option per device, each pulls, each changes one option and pushes");
    println!("{:>8}  {:>34}  {:>34}  {:>34}  {:>34}", "devices", "initial push", "operator batch", "pull", "one-option push");
    for n in series("REMOTE_BENCH_DEVICES", &[50, 100, 200, 400]) {
        let db = format!("bench_n{n}");
        pg.create_db(&db);
        let url = pg.url(&db);
        let dir = scratch.join(&db);
        let text = package(20);
        let mut devs: Vec<Device> = (0..n).map(|i| device(&dir, &url, &format!("{db}_d{i}"), &key, &text)).collect();
        sync::init(&devs[0].opts).unwrap();
        let t = Instant::now();
        for d in &devs {
            sync::push(&d.ctx, &d.opts).unwrap();
        }
        let push = t.elapsed();
        let t = Instant::now();
        for d in &devs {
            sync::batch(&d.opts, ucix::syntax::Stream::from_bytes(b"set dhcp.h3.ip=10.99.0.1\n")).unwrap();
        }
        let batch = t.elapsed();
        let t = Instant::now();
        for d in &mut devs {
            let p = sync::pull(&mut d.ctx, &d.opts).unwrap();
            assert_eq!(p.packages, vec![b"dhcp".to_vec()]);
        }
        let pull = t.elapsed();
        for d in &mut devs {
            set_local(d, "dhcp.h7.name=changed");
        }
        let t = Instant::now();
        for d in &devs {
            sync::push(&d.ctx, &d.opts).unwrap();
        }
        let push1 = t.elapsed();
        println!("{n:>8}  {:>34}  {:>34}  {:>34}  {:>34}", rate(n, push), rate(n, batch), rate(n, pull), rate(n, push1));
        let _ = std::fs::remove_dir_all(&dir);
    }

    println!();
    println!("== package size: 20 devices; one-option push and pull, rows and bytes stored per revision");
    println!("{:>9}  {:>26}  {:>26}  {:>22}  {:>22}", "sections", "one-option push", "one-option pull", "whole package (r1)", "one option (r2)");
    for size in series("REMOTE_BENCH_SIZES", &[10, 100, 1000, 5000]) {
        let db = format!("bench_s{size}");
        pg.create_db(&db);
        let url = pg.url(&db);
        let dir = scratch.join(&db);
        let text = package(size);
        let n = 20;
        let mut devs: Vec<Device> = (0..n).map(|i| device(&dir, &url, &format!("{db}_d{i}"), &key, &text)).collect();
        sync::init(&devs[0].opts).unwrap();
        for d in &devs {
            sync::push(&d.ctx, &d.opts).unwrap();
        }
        for d in &mut devs {
            set_local(d, &format!("dhcp.h{}.ip=10.200.0.1", size / 2));
        }
        let t = Instant::now();
        for d in &devs {
            sync::push(&d.ctx, &d.opts).unwrap();
        }
        let push = t.elapsed();
        for d in &devs {
            sync::batch(&d.opts, ucix::syntax::Stream::from_bytes(b"set dhcp.h1.name=x\n")).unwrap();
        }
        let t = Instant::now();
        for d in &mut devs {
            sync::pull(&mut d.ctx, &d.opts).unwrap();
        }
        let pull = t.elapsed();
        let (r1, b1) = stored(&pg, &db, &format!("device = '{db}_d0' AND rev = 1"));
        let (r2, b2) = stored(&pg, &db, &format!("device = '{db}_d0' AND rev = 2"));
        let ms = |t: Duration| format!("{:8.2} ms/op", t.as_secs_f64() * 1000.0 / n as f64);
        println!("{size:>9}  {:>26}  {:>26}  {:>22}  {:>22}", ms(push), ms(pull), format!("{r1} rows {b1} B"), format!("{r2} rows {b2} B"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    println!();
    println!("== watch: time from an operator's batch commit to the changed file on a watching device (ucix remote watch)");
    let db = "bench_watch";
    pg.create_db(db);
    let dir = scratch.join(db);
    let d = device(&dir, &pg.url(db), "w", &key, &package(20));
    sync::init(&d.opts).unwrap();
    sync::push(&d.ctx, &d.opts).unwrap();
    let mut child = std::process::Command::new(common::ucix_bin())
        .arg("-c")
        .arg(&d.conf)
        .args(["remote", "--url", &d.opts.url, "--device", "w", "--key-file"])
        .arg(&key)
        .arg("watch")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let mut lat = vec![];
    for i in 0..20 {
        let want = format!("option name 'w{i}'");
        let t = Instant::now();
        sync::batch(&d.opts, ucix::syntax::Stream::from_bytes(format!("set dhcp.h2.name=w{i}\n").into_bytes().leak())).unwrap();
        let committed = t.elapsed();
        loop {
            if std::fs::read_to_string(d.conf.join("dhcp")).unwrap_or_default().contains(&want) {
                break;
            }
            if t.elapsed() > Duration::from_secs(10) {
                panic!("watch did not apply revision {i} in 10 s");
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        lat.push((t.elapsed() - committed).as_secs_f64() * 1000.0);
    }
    let _ = child.kill();
    let _ = child.wait();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("latency over {} revisions: median {:.1} ms, max {:.1} ms", lat.len(), lat[lat.len() / 2], lat[lat.len() - 1]);
    let _ = std::fs::remove_dir_all(&scratch);
}
