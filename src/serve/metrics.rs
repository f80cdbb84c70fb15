//! The bus service's counters, kept in memory and written every second (when
//! they changed) to `$UCIX_STATE_DIR/serve/metrics` in the Prometheus text
//! exposition format, which `ucix stats --prometheus` prints after the
//! cache's counters.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The methods of `org.ucix.Config1`, in introspection order.
pub const METHODS: &[&str] =
    &["Get", "Set", "Add", "Delete", "Rename", "Order", "Changes", "Revert", "Commit", "Apply", "Confirm", "Rollback", "Configs"];

/// Upper bounds of the latency histogram, in seconds.
pub const BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

#[derive(Debug, Default)]
pub struct Metrics {
    calls: [AtomicU64; 13],
    errors: [AtomicU64; 13],
    pub denials: AtomicU64,
    pub commits: AtomicU64,
    pub signals: AtomicU64,
    buckets: [[AtomicU64; 12]; 13],
    sum_ns: [AtomicU64; 13],
    version: AtomicU64,
}

/// `$UCIX_STATE_DIR/serve/metrics`.
pub fn file() -> PathBuf {
    super::ops::serve_dir().join("metrics")
}

fn index(method: &str) -> usize {
    METHODS.iter().position(|m| *m == method).unwrap_or(0)
}

impl Metrics {
    /// Counts one finished call of `method`.
    pub fn call(&self, method: &str, took: Duration, ok: bool) {
        let i = index(method);
        self.calls[i].fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.errors[i].fetch_add(1, Ordering::Relaxed);
        }
        let secs = took.as_secs_f64();
        if let Some(b) = BUCKETS.iter().position(|&le| secs <= le) {
            self.buckets[i][b].fetch_add(1, Ordering::Relaxed);
        }
        self.sum_ns[i].fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
        self.bump();
    }

    pub fn bump(&self) {
        self.version.fetch_add(1, Ordering::Relaxed);
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        o.push_str("# HELP ucix_serve_calls_total Method calls answered by ucix serve.\n# TYPE ucix_serve_calls_total counter\n");
        for (i, m) in METHODS.iter().enumerate() {
            o.push_str(&format!("ucix_serve_calls_total{{method=\"{m}\"}} {}\n", get(&self.calls[i])));
        }
        o.push_str("# HELP ucix_serve_errors_total Method calls answered with a D-Bus error (denials included).\n# TYPE ucix_serve_errors_total counter\n");
        for (i, m) in METHODS.iter().enumerate() {
            o.push_str(&format!("ucix_serve_errors_total{{method=\"{m}\"}} {}\n", get(&self.errors[i])));
        }
        for (name, help, v) in [
            ("ucix_serve_denials_total", "Calls refused by the acls (org.freedesktop.DBus.Error.AccessDenied).", &self.denials),
            ("ucix_serve_commits_total", "Commits (Commit and Apply calls that wrote something).", &self.commits),
            ("ucix_serve_signals_total", "Committed signals emitted.", &self.signals),
        ] {
            o.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n", get(v)));
        }
        o.push_str("# HELP ucix_serve_call_duration_seconds Time from a call's arrival to its reply.\n# TYPE ucix_serve_call_duration_seconds histogram\n");
        for (i, m) in METHODS.iter().enumerate() {
            let mut acc = 0;
            for (b, le) in BUCKETS.iter().enumerate() {
                acc += get(&self.buckets[i][b]);
                o.push_str(&format!("ucix_serve_call_duration_seconds_bucket{{method=\"{m}\",le=\"{le}\"}} {acc}\n"));
            }
            let n = get(&self.calls[i]);
            o.push_str(&format!("ucix_serve_call_duration_seconds_bucket{{method=\"{m}\",le=\"+Inf\"}} {n}\n"));
            o.push_str(&format!("ucix_serve_call_duration_seconds_sum{{method=\"{m}\"}} {}\n", get(&self.sum_ns[i]) as f64 / 1e9));
            o.push_str(&format!("ucix_serve_call_duration_seconds_count{{method=\"{m}\"}} {n}\n"));
        }
        o
    }

    /// Writes [`Metrics::render`] to [`file`] (temp file and rename).
    pub fn write(&self) -> std::io::Result<()> {
        let f = file();
        let dir = f.parent().unwrap_or(std::path::Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".metrics.{}", std::process::id()));
        std::fs::write(&tmp, self.render())?;
        std::fs::rename(&tmp, &f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.call("Get", Duration::from_micros(300), true);
        m.call("Get", Duration::from_millis(3), false);
        m.call("Commit", Duration::from_secs(10), true);
        let t = m.render();
        assert!(t.contains("ucix_serve_calls_total{method=\"Get\"} 2\n"), "{t}");
        assert!(t.contains("ucix_serve_errors_total{method=\"Get\"} 1\n"));
        assert!(t.contains("ucix_serve_call_duration_seconds_bucket{method=\"Get\",le=\"0.0005\"} 1\n"));
        assert!(t.contains("ucix_serve_call_duration_seconds_bucket{method=\"Get\",le=\"0.005\"} 2\n"));
        assert!(t.contains("ucix_serve_call_duration_seconds_bucket{method=\"Commit\",le=\"2.5\"} 0\n"));
        assert!(t.contains("ucix_serve_call_duration_seconds_bucket{method=\"Commit\",le=\"+Inf\"} 1\n"));
    }
}
