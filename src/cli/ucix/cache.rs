//! `ucix cache status|rebuild|clear [package]` and `ucix stats` (issue #5).

use std::io::Write;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::cache::{self, stats};
use crate::cli::uci::Session;
use crate::store::FLAG_STRICT;

/// The clap definitions of this module's commands.
pub fn commands() -> Vec<Command> {
    let pkg = || Arg::new("package").help("one package (default: every config in the config directory)");
    vec![
        Command::new("cache")
            .about("the binary index cache (UCIX_CACHE_DIR, default /var/run/uci-cache; UCIX_CACHE=0 turns it off)")
            .subcommand_required(true)
            .subcommand(Command::new("status").about("show whether each package's index is fresh").arg(pkg()))
            .subcommand(Command::new("rebuild").about("parse packages again and write their indexes").arg(pkg()))
            .subcommand(Command::new("clear").about("remove indexes (of one package, or all)").arg(pkg())),
        Command::new("stats")
            .about("cache hits, misses, rebuilds, and why indexes were rejected")
            .arg(Arg::new("reset").long("reset").action(ArgAction::SetTrue).help("set every counter to zero"))
            .arg(
                Arg::new("prometheus")
                    .long("prometheus")
                    .action(ArgAction::SetTrue)
                    .help("the cache's and the bus service's counters in the Prometheus text format"),
            ),
    ]
}

/// Runs `name` if it is one of this module's commands.
pub fn run(s: &mut Session, name: &str, m: &ArgMatches) -> Option<i32> {
    match name {
        "cache" => Some(match m.subcommand() {
            Some((sub, a)) => cache_cmd(s, sub, a.get_one::<String>("package").map(|p| p.as_bytes().to_vec())),
            None => 2,
        }),
        "stats" if m.get_flag("prometheus") => Some(prometheus(s)),
        "stats" => Some(stats_cmd(s, m.get_flag("reset"))),
        _ => None,
    }
}

fn fail(s: &mut Session, msg: &str) -> i32 {
    let _ = s.out.flush();
    eprintln!("ucix: {msg}");
    1
}

/// The packages a command applies to.
fn packages(s: &mut Session, one: Option<Vec<u8>>) -> Result<Vec<Vec<u8>>, i32> {
    match one {
        Some(p) => Ok(vec![p]),
        None => s.ctx.list_configs().map_err(|_| fail(s, "no configs found in the config directory")),
    }
}

fn human(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

fn cache_cmd(s: &mut Session, sub: &str, one: Option<Vec<u8>>) -> i32 {
    let Some(dir) = cache::dir(&s.ctx) else {
        return fail(s, "the cache is off (UCIX_CACHE=0, or its directory is inside the override directory)");
    };
    match sub {
        "status" => {
            let names = match packages(s, one) {
                Ok(n) => n,
                Err(c) => return c,
            };
            let _ = writeln!(s.out, "cache directory: {}", dir.display());
            let now = cache::invalidate::now_ns();
            for n in names {
                let name = String::from_utf8_lossy(&n).into_owned();
                let Some(st) = cache::status(&s.ctx, &n) else { continue };
                let line = match st.state {
                    Ok(()) => format!(
                        "{name}: fresh ({} sections, {}, built {} s ago{})",
                        st.sections,
                        human(st.size),
                        (now - st.build_time_ns).max(0) / 1_000_000_000,
                        if st.racy { ", racy: content checked on use" } else { "" }
                    ),
                    Err(cache::Reject::Missing) => format!("{name}: missing"),
                    Err(r) => format!("{name}: stale ({})", r.as_str()),
                };
                let _ = writeln!(s.out, "{line}");
            }
            0
        }
        "rebuild" => {
            let names = match packages(s, one) {
                Ok(n) => n,
                Err(c) => return c,
            };
            s.ctx.flags |= FLAG_STRICT;
            let mut ret = 0;
            for n in names {
                let name = String::from_utf8_lossy(&n).into_owned();
                if let Some((_, file, _)) = cache::location(&s.ctx, &n) {
                    let _ = std::fs::remove_file(file);
                }
                s.ctx.unload_all();
                match s.ctx.load(&n) {
                    Ok(_) => {
                        let ok = cache::status(&s.ctx, &n).is_some_and(|st| st.state.is_ok());
                        let _ = writeln!(s.out, "{name}: {}", if ok { "rebuilt" } else { "not cached (could not write the index)" });
                    }
                    Err(e) => {
                        let msg = String::from_utf8_lossy(&s.ctx.error_string(e.code() as i32, None)).into_owned();
                        let _ = writeln!(s.out, "{name}: not cached ({msg})");
                        ret = 1;
                    }
                }
            }
            s.ctx.unload_all();
            ret
        }
        "clear" => match cache::clear(&dir, one.as_deref()) {
            Ok(n) => {
                let _ = writeln!(s.out, "removed {n} index file{}", if n == 1 { "" } else { "s" });
                0
            }
            Err(e) => fail(s, &format!("cannot clear {}: {e}", dir.display())),
        },
        _ => 2,
    }
}

fn stats_cmd(s: &mut Session, reset: bool) -> i32 {
    let dir = crate::store::paths::cache_dir();
    if reset {
        return match stats::reset(&dir) {
            Ok(()) => 0,
            Err(e) => fail(s, &format!("cannot reset {}: {e}", dir.join(stats::FILE).display())),
        };
    }
    let st = stats::read(&dir);
    let _ = write!(
        s.out,
        "cache directory: {}{}\nhits {}\nappended {}\nmisses {}\nrebuilds {}\nrefreshes {}\n",
        dir.display(),
        if crate::store::paths::cache_enabled() { "" } else { " (off: UCIX_CACHE=0)" },
        st.hits,
        st.appended,
        st.misses,
        st.rebuilds,
        st.refreshes
    );
    if !st.rejects.is_empty() {
        let _ = writeln!(s.out, "rejected:");
        for ((p, r), n) in &st.rejects {
            let _ = writeln!(s.out, "  {p} {r} {n}");
        }
    }
    0
}

/// `ucix stats --prometheus`: the cache counters, then the bus service's
/// (as `ucix serve` last wrote them, if it ever ran).
fn prometheus(s: &mut Session) -> i32 {
    let st = stats::read(&crate::store::paths::cache_dir());
    let mut o = String::new();
    for (name, help, v) in [
        ("ucix_cache_hits_total", "Lookups answered from a cache index.", st.hits),
        ("ucix_cache_appended_total", "Hits that replayed lines appended to a delta file.", st.appended),
        ("ucix_cache_misses_total", "Lookups that found no usable index.", st.misses),
        ("ucix_cache_rebuilds_total", "Indexes written after a parse.", st.rebuilds),
        ("ucix_cache_refreshes_total", "Indexes found stale and written again.", st.refreshes),
    ] {
        o.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n"));
    }
    o.push_str("# HELP ucix_cache_rejects_total Lookups that refused an index, by package and reason.\n# TYPE ucix_cache_rejects_total counter\n");
    for ((p, r), n) in &st.rejects {
        let esc = |t: &str| t.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        o.push_str(&format!("ucix_cache_rejects_total{{package=\"{}\",reason=\"{}\"}} {n}\n", esc(p), esc(r)));
    }
    if let Ok(t) = std::fs::read_to_string(crate::serve::metrics::file()) {
        o.push_str(&t);
    }
    let _ = s.out.write_all(o.as_bytes());
    0
}
