//! Crash injection for the crash tests.
//!
//! `UCIX_TEST_CRASH_AT=<step>[#<n>]` makes the process abort (no cleanup, no
//! destructors: as if killed) the `n`-th time (default 1st) it reaches
//! `step` of a commit. The steps, in order:
//!
//! | step | reached |
//! | --- | --- |
//! | `locked` | config files locked, new contents computed, nothing written yet |
//! | `journal-prepared` | journal naming the temp files written and fsynced |
//! | `temp-written` | once per package: its temp file written and fsynced |
//! | `journal-committed` | commit record appended to the journal and fsynced |
//! | `renamed` | once per package: its temp file renamed over the config |
//! | `dirs-synced` | directories of the renamed files fsynced |
//! | `delta-truncated` | once per package: its savedir delta file truncated |
//! | `journal-removed` | journal removed: the commit is complete |
//!
//! Unset (the normal case) this costs one environment lookup per step.
#![forbid(unsafe_code)]

use std::sync::Mutex;

/// Environment variable naming the step to crash at.
pub const ENV: &str = "UCIX_TEST_CRASH_AT";

/// All step names, in the order a commit reaches them.
pub const STEPS: &[&str] = &[
    "locked",
    "journal-prepared",
    "temp-written",
    "journal-committed",
    "renamed",
    "dirs-synced",
    "delta-truncated",
    "journal-removed",
];

static SEEN: Mutex<Vec<(&'static str, usize)>> = Mutex::new(Vec::new());

/// Aborts the process if `UCIX_TEST_CRASH_AT` names this occurrence of `step`.
pub fn point(step: &'static str) {
    let Some(spec) = std::env::var_os(ENV) else { return };
    let spec = spec.to_string_lossy().into_owned();
    let (name, nth) = match spec.split_once('#') {
        Some((n, k)) => (n.to_string(), k.parse::<usize>().unwrap_or(1)),
        None => (spec, 1),
    };
    if name != step {
        return;
    }
    let count = {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        match seen.iter_mut().find(|(s, _)| *s == step) {
            Some(e) => {
                e.1 += 1;
                e.1
            }
            None => {
                seen.push((step, 1));
                1
            }
        }
    };
    if count == nth {
        std::process::abort();
    }
}
