//! Helpers shared by the txn and hooks tests (`mod txn_support;`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, Run, TestEnv};

/// `<cmd> -c config -t delta <args…>` (paths relative to the test root).
pub fn with_dirs(mut cmd: Command, args: &[&str]) -> Command {
    cmd.args(["-c", "config", "-t", "delta"]).args(args);
    cmd
}

pub fn uci(env: &TestEnv, args: &[&str]) -> Run {
    common::run(&mut with_dirs(env.uci(), args))
}

pub fn ucix(env: &TestEnv, args: &[&str]) -> Run {
    common::run(&mut with_dirs(env.ucix(), args))
}

/// Asserts success with empty stderr.
pub fn ok(r: &Run) -> &Run {
    assert_eq!((r.status, r.stderr.as_str()), (0, ""), "command failed: {r:?}");
    r
}

/// Names in the config directory that are not plain config names (temp
/// files, journals): must be none after any command.
pub fn leftovers(env: &TestEnv) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.confdir())
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with('.')).collect())
        .unwrap_or_default();
    v.sort();
    v
}

pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

pub fn write_exec(p: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(p, text).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A small xorshift generator (seed printed by the tests that use it).
pub struct Rng(pub u64);

impl Rng {
    pub fn from_time() -> Rng {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
        Rng(t | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// A `uci show`-style check that a config file is complete: it parses and
/// (when it has sections) ends with the blank line commit writes.
pub fn complete_config(bytes: &[u8], name: &str) -> bool {
    ucix::syntax::statement::parse_package(bytes, name.as_bytes(), true).is_ok() && (bytes.is_empty() || bytes.ends_with(b"\n"))
}

pub fn state_file(env: &TestEnv, rel: &str) -> PathBuf {
    env.state_dir().join(rel)
}
