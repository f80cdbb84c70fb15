//! Regression tests for bugs found by the robustness work (fuzzing,
//! property tests, the bad-input suite). Each test names the finding and
//! where it was found; see also the table in fuzz/README.md.

mod common;

use std::path::Path;

use common::{run, run_with_stdin, TestEnv};

const NET: &str = "config interface 'lan'\n\toption proto 'static'\n";

/// `uci` under `sh -c 'trap "" XFSZ; ulimit -f <blocks>; exec uci …'`: every
/// write past `blocks` × 512 bytes fails with EFBIG, as on a full disk.
fn uci_with_file_limit(env: &TestEnv, blocks: u32, args: &[&str]) -> common::Run {
    let mut cmd = env.command(Path::new("/bin/sh"));
    cmd.arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {blocks} && exec uci -c config -t delta -C '' \"$@\""))
        .arg("sh")
        .args(args);
    run(&mut cmd)
}

/// Found by `bad_input::commit-on-a-full-disk-keeps-the-changes`: commit
/// truncated the pending-changes file before the new config was written, so
/// a failed write (full disk) lost every pending change. The savedir file
/// is now locked from before it is read and truncated only after the new
/// config is in place.
#[test]
fn commit_write_failure_keeps_pending_changes() {
    let env = TestEnv::new("regression_commit_failure");
    env.write("config/net", NET);
    env.write("delta/net", "net.lan.proto='dhcp'\n");
    let r = uci_with_file_limit(&env, 0, &["commit", "net"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "uci: I/O error\n"));
    assert_eq!(env.read("config/net"), NET);
    assert_eq!(env.read("delta/net"), "net.lan.proto='dhcp'\n", "the pending change was lost");
    let left: Vec<_> = std::fs::read_dir(env.confdir()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("net")], "temporary file left behind");
    // and the change still commits once there is room
    let r = run(env.uci().args(["-c", "config", "-t", "delta", "-C", "", "commit", "net"]));
    assert_eq!((r.status, r.stderr.as_str()), (0, ""));
    assert_eq!(env.read("config/net"), "\nconfig interface 'lan'\n\toption proto 'dhcp'\n\n");
    assert_eq!(env.read("delta/net"), "");
}

/// Found by the bad-input work on full disks: a save whose append to the
/// delta file was cut short left a partial line without newline; the next
/// saved change was then glued to it and read back as part of the broken
/// value (`net.lan.a='vanet.lan.b='1'` sets `a` to `vanet.lan.b=1`). A
/// failed append is now cut back to the file's previous length.
#[test]
fn failed_save_leaves_no_partial_line() {
    let env = TestEnv::new("regression_partial_save");
    env.write("config/net", NET);
    // 4090 bytes of changes: 6 bytes left under a 4096-byte limit
    let mut changes = String::new();
    let line = "net.lan.pad='0123456789012345678901234567890123456789'\n";
    while changes.len() + line.len() <= 4090 {
        changes.push_str(line);
    }
    while changes.len() < 4090 {
        changes.push('\n');
    }
    env.write("delta/net", &changes);
    let r = uci_with_file_limit(&env, 8, &["set", "net.lan.proto=some-long-value"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, "uci: I/O error\n"));
    let after = env.read("delta/net");
    assert!(
        after == changes,
        "a partial line was left in the delta file: {} bytes, ending {:?}",
        after.len(),
        &after[after.len().saturating_sub(20)..]
    );
    // the next change is read back as itself
    let mut cmd = env.uci();
    cmd.args(["-c", "config", "-t", "delta", "-C", "", "batch"]);
    let r = run_with_stdin(&mut cmd, "set net.lan.ipaddr=10.0.0.1\nget net.lan.ipaddr\nget net.lan.proto\n");
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("10.0.0.1\nstatic\n", ""));
}

/// Found by the bad-input work: a read error on the input (here `-f` names
/// a directory: open succeeds, read fails with EISDIR) was taken for the
/// end of the input, so `uci -f <dir> import net` replaced the config with
/// an empty package and exited 0. libuci's read loop waits for end of file,
/// which a failing read never sets. A read error is now an I/O error and
/// nothing is written; the same holds for delta files (load fails, commit
/// and revert leave the file alone).
#[test]
fn unreadable_input_is_an_io_error_and_writes_nothing() {
    let env = TestEnv::new("regression_unreadable_input");
    env.write("config/net", NET);
    std::fs::create_dir_all(env.root().join("adir")).unwrap();
    for args in [&["-f", "adir", "import", "net"][..], &["-f", "adir", "import"], &["-m", "-f", "adir", "import", "net"]] {
        let r = run(env.uci().args(["-c", "config", "-t", "delta", "-C", ""]).args(args));
        assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (1, "", "uci: I/O error\n"), "{args:?}");
        assert_eq!(env.read("config/net"), NET, "{args:?}");
        assert!(env.read_opt("delta/net").is_none(), "{args:?}");
    }
}

/// Found while reviewing the fix of `commit_write_failure_keeps_pending_changes`
/// (the bad-input work): commit holds the savedir delta file locked while it
/// reads every delta directory; the same file listed a second time under
/// another spelling (`-p delta/`, or a symlink to the directory) was locked
/// again through a new descriptor and commit waited for itself for ever.
/// The held file is now recognised by device and inode.
#[test]
fn commit_with_the_savedir_listed_twice_does_not_hang() {
    for (name, extra) in [("slash", "delta/"), ("symlink", "alias")] {
        let env = TestEnv::new(&format!("regression_savedir_twice_{name}"));
        env.write("config/net", NET);
        env.write("delta/net", "net.lan.x='1'\n");
        std::os::unix::fs::symlink("delta", env.root().join("alias")).unwrap();
        let mut cmd = env.uci();
        cmd.args(["-c", "config", "-C", "", "-p", extra, "-t", "delta", "commit", "net"]);
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        // a hang detector, not a timing assertion: the commit takes milliseconds
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{name}: uci commit hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let r: common::Run = child.wait_with_output().unwrap().into();
        assert_eq!((r.status, r.stderr.as_str()), (0, ""), "{name}");
        // listed twice, the change is applied twice (as by the original); a
        // plain option just gets the same value again
        assert_eq!(env.read("config/net"), "\nconfig interface 'lan'\n\toption proto 'static'\n\toption x '1'\n\n", "{name}");
        assert_eq!(env.read("delta/net"), "", "{name}");
    }
}

/// Where the index that `uci show net` recorded in `env`'s cache directory
/// is, with its bytes.
fn recorded_index(env: &TestEnv) -> (std::path::PathBuf, Vec<u8>) {
    let files: Vec<_> = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| ucix::cache::is_index_name(&p.file_name().unwrap().to_string_lossy()))
        .collect();
    assert_eq!(files.len(), 1, "one index recorded: {files:?}");
    let bytes = std::fs::read(&files[0]).unwrap();
    (files[0].clone(), bytes)
}

/// Patches the u32 at `field` of record `i` of table `t` of an index, and
/// seals it again (lengths and checksums match: crafted, not damaged).
fn patch_index(bytes: &mut [u8], t: ucix::cache::format::Table, i: usize, field: usize, v: u32) {
    let idx = ucix::cache::Index::from_bytes(bytes.to_vec()).unwrap();
    let (off, n) = idx.meta().tables[t as usize];
    assert!(i < n as usize);
    let at = idx.meta().meta_len + off as usize + i * t.elem() + field;
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    assert!(ucix::cache::format::reseal(bytes));
}

/// Found by the `cache_index` fuzz target: a cache index whose lengths and
/// checksums are right but whose list option claims 4 billion items made
/// `uci get` abort (`memory allocation … failed`) before the first item was
/// read: the reader reserved room for the count in the file. The same held
/// for a section's option count when the whole package was read. Counts
/// are now checked against their table first, and the index is refused
/// (a normal load answers). Found beside it, while fixing it: sections
/// whose option ranges overlap (every section claiming every option) were
/// read as such, so `uci show` printed options twice and a crafted index
/// of n sections and n options grew to n² options in memory. Ranges must
/// now follow on from each other, as the writer stores them.
#[test]
fn crafted_cache_index_counts_are_refused() {
    use ucix::cache::format::Table;
    let text = "config interface 'lan'\n\tlist dns '1.1.1.1'\n\tlist dns '8.8.8.8'\n\
                config interface 'wan'\n\toption proto 'dhcp'\n\toption mtu '1400'\n";
    let args = ["-c", "config", "-t", "delta", "-C", ""];
    // (name, table, record, field offset, new value, the command compared)
    type Case = (&'static str, Table, usize, usize, u32, &'static [&'static str]);
    let cases: [Case; 4] = [
        ("items", Table::Options, 0, 16, 0xffff_fff0, &["get", "net.lan.dns"]),
        ("items-show", Table::Options, 0, 16, 0xffff_fff0, &["show", "net"]),
        ("options", Table::Sections, 1, 16, 0xffff_fff0, &["show", "net"]),
        ("overlap", Table::Sections, 1, 12, 0, &["show", "net"]),
    ];
    for (name, table, rec, field, value, cmd) in cases {
        let env = TestEnv::new(&format!("regression_cache_counts_{name}"));
        env.write("config/net", text);
        let want = run(env.uci().env("UCIX_CACHE", "0").args(args).args(cmd));
        assert_eq!(want.status, 0, "{name}: {}", want.stderr);
        let r = run(env.uci().args(args).args(["show", "net"]));
        assert_eq!(r.status, 0, "{name}: the load that records the index");
        let (file, mut bytes) = recorded_index(&env);
        patch_index(&mut bytes, table, rec, field, value);
        std::fs::write(&file, &bytes).unwrap();
        let got = run(env.uci().args(args).args(cmd));
        assert_eq!((got.status, got.stdout.as_str(), got.stderr.as_str()), (0, want.stdout.as_str(), ""), "{name}");
    }
}
