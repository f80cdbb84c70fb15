//! `ucix serve` on a private dbus-daemon, driven with gdbus and dbus-send:
//! every method as root, per-uid staging and acl denials as uid 65534, the
//! Committed signal after a plain `uci commit` (and `ucix commit`, Lua),
//! the audit log and its tamper check, bad input, restarts.
//! Needs root, dbus-daemon, gdbus, dbus-send and setpriv (scripts/test.sh
//! installs them); skipped otherwise.

mod c_support;
mod common;
mod serve_support;

use serve_support::{available, Bus, NOBODY};

const NET: &str = "config interface 'lan'\n\toption proto 'static'\n\tlist dns '1.1.1.1'\n\nconfig interface 'wan'\n\toption proto 'dhcp'\n";
const FW: &str = "config zone 'lan'\n\toption input 'ACCEPT'\n";

fn audit(bus: &Bus) -> Vec<serde_json::Value> {
    let r = bus.ucix(&["audit", "--json"]);
    r.out().lines().map(|l| serde_json::from_str(l).expect("audit line is JSON")).collect()
}

#[test]
fn every_method_as_root() {
    if !available() {
        return;
    }
    let bus = Bus::start("serve_methods", &[("net", NET), ("fw", FW)]);
    assert_eq!(bus.call("Configs", &[]).out().trim(), "(['fw', 'net'],)");
    assert_eq!(bus.call("Get", &["net", "lan", "proto"]).out().trim(), "(<'static'>,)");
    assert_eq!(bus.call("Get", &["net", "lan", "dns"]).out().trim(), "(<['1.1.1.1']>,)");
    assert_eq!(bus.call("Get", &["net", "@interface[1]", "proto"]).out().trim(), "(<'dhcp'>,)");
    let sec = bus.call("Get", &["net", "lan", ""]);
    assert!(sec.out().contains("'.type': <'interface'>") && sec.out().contains("'.anonymous': <false>"), "{}", sec.stdout);
    let all = bus.call("Get", &["net", "", ""]);
    assert!(all.out().contains("'wan': <{") && all.out().contains("'.index': <uint32 1>"), "{}", all.stdout);

    // staging: nothing reaches the file before Commit
    bus.call("Set", &["net", "lan", "{'proto': <'dhcp'>, 'dns': <['8.8.8.8', '9.9.9.9']>, 'mtu': <'1400'>}"]).out();
    assert_eq!(bus.config("net"), NET);
    assert_eq!(bus.call("Get", &["net", "lan", "dns"]).out().trim(), "(<['8.8.8.8', '9.9.9.9']>,)", "the caller sees its staged changes");
    let name = bus.call("Add", &["net", "alias", "", "{'iface': <'lan'>}"]);
    assert!(name.out().starts_with("('cfg"), "{}", name.stdout);
    assert_eq!(bus.call("Add", &["net", "route", "r1", "{'target': <'10.0.0.0/8'>}"]).out().trim(), "('r1',)");
    bus.call("Delete", &["net", "lan", "mtu"]).out();
    bus.call("Rename", &["net", "r1", "", "r2"]).out();
    bus.call("Rename", &["net", "r2", "target", "dest"]).out();
    bus.call("Order", &["net", "['wan', 'lan']"]).out();
    let ch = bus.call("Changes", &["net"]);
    for want in ["('set', 'lan', 'proto', 'dhcp')", "('list-add', 'lan', 'dns', '9.9.9.9')", "('rename', 'r1', '', 'r2')", "('order', 'wan', '', '0')"] {
        assert!(ch.out().contains(want), "{want} missing in {}", ch.stdout);
    }
    // dbus-send too: commit one package
    let r = bus.send_as(None, "Commit", &["array:string:net"]);
    assert!(r.out().contains("string \"net\""), "{}", r.stdout);
    let net = bus.config("net");
    assert!(net.starts_with("\nconfig interface 'wan'"), "{net}");
    assert!(net.contains("option proto 'dhcp'\n\tlist dns '8.8.8.8'\n\tlist dns '9.9.9.9'\n"), "{net}");
    assert!(net.contains("config route 'r2'\n\toption dest '10.0.0.0/8'") && net.contains("option iface 'lan'") && !net.contains("mtu"), "{net}");
    assert_eq!(bus.call("Changes", &[""]).out().trim(), "(@a{sa(ssss)} {},)");

    // Revert drops staged changes
    bus.call("Set", &["fw", "lan", "{'input': <'DROP'>}"]).out();
    assert!(bus.call("Changes", &[""]).out().contains("'fw'"));
    bus.call("Revert", &["fw"]).out();
    assert_eq!(bus.call("Changes", &["fw"]).out().trim(), "(@a{sa(ssss)} {},)");
    assert_eq!(bus.call("Commit", &["[]"]).out().trim(), "(@as [],)");
    assert_eq!(bus.config("fw"), FW);

    // Delete a section, Apply + Rollback restores, Apply + Confirm keeps
    bus.call("Delete", &["fw", "lan", ""]).out();
    assert_eq!(bus.call("Apply", &["['fw']", "600"]).out().trim(), "(['fw'],)");
    assert_eq!(bus.config("fw"), "\n");
    bus.call("Set", &["net", "wan", "{'proto': <'pppoe'>}"]).out();
    bus.call("Commit", &["[]"]).error("org.ucix.Config1.Error.RollbackPending");
    assert_eq!(bus.call("Rollback", &[]).out().trim(), "(['fw'],)");
    assert_eq!(bus.config("fw"), FW);
    bus.call("Set", &["fw", "lan", "{'input': <'REJECT'>}"]).out();
    bus.call("Apply", &["['fw']", "600"]).out();
    assert!(bus.call("Confirm", &[]).out().starts_with("('"));
    bus.call("Rollback", &[]).error("org.ucix.Config1.Error.NotFound");
    assert!(bus.config("fw").contains("REJECT"));
    // the net change staged during the apply is still there
    assert_eq!(bus.call("Commit", &["[]"]).out().trim(), "(['net'],)");

    let log = audit(&bus);
    assert!(log.iter().all(|e| e["entry"] == "bus" && e["uid"] == 0), "{log:#?}");
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["commit", "apply", "rollback", "apply", "commit"]);
    assert!(bus.ucix(&["audit", "--verify"]).ok);
}

#[test]
fn acls_and_per_uid_staging() {
    if !available() {
        return;
    }
    let acl = format!("config acl\n\toption user '{NOBODY}'\n\tlist read 'net'\n\tlist write 'fw'\n");
    let bus = Bus::start("serve_acl", &[("net", NET), ("fw", FW), ("secret", "config s 's'\n\toption key 'k'\n"), ("ucix", &acl)]);
    let nobody = Some(NOBODY);
    // reads: net (read) and fw (write implies read); not secret, not ucix
    assert_eq!(bus.call_as(nobody, "Configs", &[]).out().trim(), "(['fw', 'net'],)");
    assert_eq!(bus.call_as(nobody, "Get", &["net", "lan", "proto"]).out().trim(), "(<'static'>,)");
    bus.call_as(nobody, "Get", &["secret", "s", "key"]).error("org.freedesktop.DBus.Error.AccessDenied");
    bus.call_as(nobody, "Get", &["ucix", "", ""]).error("org.freedesktop.DBus.Error.AccessDenied");
    // writes to net are refused and stage nothing
    bus.call_as(nobody, "Set", &["net", "lan", "{'proto': <'dhcp'>}"]).error("org.freedesktop.DBus.Error.AccessDenied");
    bus.send_as(nobody, "Delete", &["string:net", "string:lan", "string:"]).error("org.freedesktop.DBus.Error.AccessDenied");
    bus.call_as(nobody, "Add", &["ucix", "acl", "", "{'write': <['*']>}"]).error("org.freedesktop.DBus.Error.AccessDenied");
    let stage = bus.env.state_dir().join("serve").join(NOBODY);
    assert!(!stage.join("net").exists() && !stage.join("ucix").exists());
    // fw: staged for uid 65534 only
    bus.call_as(nobody, "Set", &["fw", "lan", "{'input': <'DROP'>}"]).out();
    assert!(stage.join("fw").is_file());
    assert_eq!(bus.call("Changes", &[""]).out().trim(), "(@a{sa(ssss)} {},)", "root does not see uid 65534's staging");
    assert_eq!(bus.call("Get", &["fw", "lan", "input"]).out().trim(), "(<'ACCEPT'>,)");
    assert!(bus.call_as(nobody, "Changes", &[""]).out().contains("('set', 'lan', 'input', 'DROP')"));
    // root stages its own change of fw; each commit takes only its caller's
    bus.call("Set", &["fw", "lan", "{'output': <'ACCEPT'>}"]).out();
    assert_eq!(bus.call_as(nobody, "Commit", &["[]"]).out().trim(), "(['fw'],)");
    assert_eq!(bus.config("fw"), "\nconfig zone 'lan'\n\toption input 'DROP'\n\n");
    bus.call_as(nobody, "Commit", &["['net']"]).error("org.freedesktop.DBus.Error.AccessDenied");
    assert_eq!(bus.call("Commit", &["[]"]).out().trim(), "(['fw'],)");
    assert_eq!(bus.config("fw"), "\nconfig zone 'lan'\n\toption input 'DROP'\n\toption output 'ACCEPT'\n\n");
    assert_eq!(bus.config("net"), NET);
    let log = audit(&bus);
    assert_eq!(log.len(), 2);
    assert_eq!((log[0]["uid"].as_u64(), log[0]["entry"].as_str()), (Some(65534), Some("bus")));
    assert_eq!(log[1]["uid"].as_u64(), Some(0));
    assert_eq!(log[0]["changes"][0]["old"], "ACCEPT");
    assert_eq!(log[0]["changes"][0]["new"], "DROP");
    // a caller no acl names (uid 2, bin)
    bus.call_as(Some("2"), "Get", &["fw", "lan", "input"]).error("org.freedesktop.DBus.Error.AccessDenied");
    assert_eq!(bus.call_as(Some("2"), "Configs", &[]).out().trim(), "(@as [],)");
    // the service's counters reach `ucix stats --prometheus` (it writes
    // them within a second of a change): 7 denials above, 3 Commit calls
    // (one denied), 2 commits that wrote something
    let want = [
        "ucix_serve_denials_total 7\n",
        "ucix_serve_commits_total 2\n",
        "ucix_serve_calls_total{method=\"Commit\"} 3\n",
        "ucix_serve_errors_total{method=\"Commit\"} 1\n",
        "ucix_serve_call_duration_seconds_count{method=\"Commit\"} 3\n",
        "ucix_serve_call_duration_seconds_bucket{method=\"Commit\",le=\"+Inf\"} 3\n",
    ];
    let guard = std::time::Instant::now();
    loop {
        let m = bus.ucix(&["stats", "--prometheus"]);
        assert!(m.out().contains("# TYPE ucix_cache_hits_total counter\nucix_cache_hits_total "), "{}", m.stdout);
        if want.iter().all(|w| m.stdout.contains(w)) {
            break;
        }
        assert!(guard.elapsed() < std::time::Duration::from_secs(60), "service counters missing or wrong:\n{}", m.stdout);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn committed_signal_from_every_entry_point() {
    if !available() {
        return;
    }
    let bus = Bus::start("serve_signal", &[("net", NET), ("fw", FW)]);
    let mut mon = bus.monitor();
    // plain uci
    bus.uci(&["set", "net.wan.proto=pppoe"]).out();
    bus.uci(&["commit", "net"]).out();
    let l = mon.next_committed();
    assert!(l.contains("(['net'], '{") && l.contains(r#""entry":"uci""#) && l.contains(r#""old":"dhcp""#) && l.contains(r#""new":"pppoe""#), "{l}");
    // ucix, two packages in one commit: one signal with both
    bus.uci(&["set", "net.lan.proto=dhcp"]).out();
    bus.uci(&["set", "fw.lan.input=DROP"]).out();
    let mut c = bus.env.ucix();
    c.arg("-c").arg(bus.env.confdir()).arg("-t").arg(bus.env.savedir()).arg("commit");
    assert!(c.status().unwrap().success());
    let l = mon.next_committed();
    assert!(l.contains("(['fw', 'net'], '{") && l.contains(r#""entry":"ucix""#), "{l}");
    // the bus itself
    bus.call("Set", &["net", "lan", "{'mtu': <'1400'>}"]).out();
    bus.call("Commit", &["[]"]).out();
    let l = mon.next_committed();
    assert!(l.contains(r#""entry":"bus""#) && l.contains(r#""option":"mtu""#), "{l}");
    // Lua, when the interpreter and the module are there
    if common::find_in_base_path("lua5.1").is_some() && common::profile_dir().join("libuci.so").is_file() {
        let script = format!(
            "local uci = require 'uci'; local c = uci.cursor('{}', '{}'); c:set('net', 'wan', 'proto', 'static'); c:commit('net')",
            bus.env.confdir().display(),
            bus.env.savedir().display()
        );
        let mut c = bus.env.command(&common::lua5_1());
        c.env("LUA_CPATH", format!("{}/?.so", common::lua_module_dir(&bus.env).display())).args(["-e", &script]);
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let l = mon.next_committed();
        assert!(l.contains(r#""entry":"lua""#) && l.contains(r#""new":"static""#), "{l}");
    } else {
        common::say("lua5.1 or the Lua module missing: the Lua part of the signal test did not run");
    }
    // libuci.so: a C program (uci-compat/tests/c/uci_cli.c) calling uci_commit
    if common::profile_dir().join("libuci.so").is_file() && common::find_in_base_path("cc").is_some() {
        let bin = c_support::compile("uci_cli.c", "c_uci", bus.env.base(), &[]);
        for args in [&["set", "net.lan.proto=pppoe"][..], &["commit", "net"]] {
            let mut c = bus.env.command(&bin);
            c.arg("-c").arg(bus.env.confdir()).arg("-t").arg(bus.env.savedir()).args(args);
            let o = c.output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let l = mon.next_committed();
        assert!(l.contains("(['net'], '{") && l.contains(r#""entry":"libuci""#) && l.contains(r#""new":"pppoe""#), "{l}");
    } else {
        common::say("cc or libuci.so missing: the libuci part of the signal test did not run");
    }
    let log = audit(&bus);
    let entries: Vec<&str> = log.iter().map(|e| e["entry"].as_str().unwrap()).collect();
    assert_eq!(&entries[..4], ["uci", "ucix", "ucix", "bus"]);
    assert_eq!(entries.last(), Some(&"libuci"));
}

#[test]
fn audit_log_detects_tampering() {
    if !available() {
        return;
    }
    let bus = Bus::start("serve_audit", &[("net", NET)]);
    for v in ["a", "b", "c"] {
        bus.uci(&["set", &format!("net.lan.proto={v}")]).out();
        bus.uci(&["commit", "net"]).out();
    }
    let ok = bus.ucix(&["audit", "--verify"]);
    assert!(ok.out().contains("3 entries, chain intact"), "{}", ok.stdout);
    let text = bus.ucix(&["audit"]);
    assert!(text.out().contains("\tuci\tcommit\tnet\n\tset lan.proto: 'a' -> 'b'\n"), "{}", text.stdout);
    let log = bus.env.state_dir().join("audit.log");
    let orig = std::fs::read_to_string(&log).unwrap();
    // an edited value
    std::fs::write(&log, orig.replacen(r#""new":"b""#, r#""new":"x""#, 1)).unwrap();
    let r = bus.ucix(&["audit", "--verify"]);
    assert!(!r.ok && r.stderr.contains("line 2: hash mismatch"), "{r:?}");
    // a removed line
    let lines: Vec<&str> = orig.lines().collect();
    std::fs::write(&log, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
    let r = bus.ucix(&["audit", "--verify"]);
    assert!(!r.ok && r.stderr.contains("line 2: chain broken"), "{r:?}");
    // restored, it verifies again and the next commit chains on
    std::fs::write(&log, &orig).unwrap();
    bus.uci(&["set", "net.lan.proto=d"]).out();
    bus.uci(&["commit", "net"]).out();
    assert!(bus.ucix(&["audit", "--verify"]).out().contains("4 entries"));
}

#[test]
fn bad_input_keeps_the_service_and_the_data() {
    if !available() {
        return;
    }
    let mut bus = Bus::start("serve_bad", &[("net", NET)]);
    bus.call("Get", &["net", "lan.proto", ""]).error("org.freedesktop.DBus.Error.InvalidArgs");
    bus.call("Get", &["net", "lan", "a=b"]).error("org.freedesktop.DBus.Error.InvalidArgs");
    bus.call("Get", &["../etc/passwd", "", ""]).error("org.freedesktop.DBus.Error.InvalidArgs");
    bus.call("Get", &["nosuch", "", ""]).error("org.ucix.Config1.Error.NotFound");
    bus.call("Get", &["net", "nosuch", "proto"]).error("org.ucix.Config1.Error.NotFound");
    bus.call("Set", &["net", "nosuch", "{'proto': <'x'>}"]).error("org.ucix.Config1.Error.NotFound");
    bus.call("Set", &["net", "lan", "{'proto': <uint32 7>}"]).error("org.freedesktop.DBus.Error.InvalidArgs");
    bus.call("Set", &["net", "lan", "{'bad-name': <'x'>}"]).error("org.freedesktop.DBus.Error.InvalidArgs");
    bus.call("Add", &["net", "bad type!", "", "@a{sv} {}"]).error("org.freedesktop.DBus.Error.InvalidArgs");
    bus.call("Commit", &["['no/such']"]).error("org.freedesktop.DBus.Error.InvalidArgs");
    // a wrong signature is refused by the bus library, not a crash
    bus.send_as(None, "Get", &["int32:1"]).error("Signature mismatch");
    assert_eq!(bus.call("Changes", &[""]).out().trim(), "(@a{sa(ssss)} {},)", "nothing was staged");
    assert_eq!(bus.config("net"), NET);
    assert!(bus.serve_running());

    // a client that vanishes before the reply (dbus-send without
    // --print-reply exits at once): the call is carried out if the bus
    // could still say who sent it, refused otherwise; either way nothing
    // staged is lost and the service goes on
    bus.call("Set", &["net", "wan", "{'proto': <'pppoe'>}"]).out();
    let mut c = std::process::Command::new("dbus-send");
    c.arg(format!("--bus={}", bus.addr)).args(["--dest=org.ucix.Config", "/org/ucix/Config", "org.ucix.Config1.Commit", "array:string:"]);
    assert!(c.status().unwrap().success());
    bus.call("Commit", &["[]"]).out();
    assert!(bus.config("net").contains("pppoe"));
    assert!(bus.serve_running());

    // the service dies and comes back: staged changes survive
    bus.call("Set", &["net", "wan", "{'proto': <'static'>}"]).out();
    bus.kill_serve();
    bus.start_serve();
    assert!(bus.call("Changes", &["net"]).out().contains("('set', 'wan', 'proto', 'static')"));
    bus.call("Commit", &["[]"]).out();
    assert!(bus.config("net").contains("option proto 'static'"));
}

/// A full file system under the config directory: Commit fails with a
/// clear error, the file and the staged change are kept, and a later
/// Commit (with space again) succeeds.
#[test]
fn full_disk_loses_nothing() {
    if !available() {
        return;
    }
    let bus = Bus::start("serve_full", &[]);
    let conf = bus.env.confdir();
    let mounted = std::process::Command::new("mount").args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"]).arg(&conf).status();
    if !mounted.map(|s| s.success()).unwrap_or(false) {
        common::say("skipped: cannot mount a tmpfs");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _u = Unmount(conf.clone());
    std::fs::write(conf.join("net"), NET).unwrap();
    // fill it
    let filler = conf.join(".filler");
    let _ = std::fs::write(&filler, vec![b'x'; 128 * 1024]);
    bus.call("Set", &["net", "lan", "{'proto': <'dhcp'>}"]).out();
    let r = bus.call("Commit", &["[]"]);
    r.error("org.ucix.Config1.Error.IOError");
    assert!(r.stderr.contains("No space left on device"), "{}", r.stderr);
    assert_eq!(bus.config("net"), NET);
    assert!(bus.call("Changes", &["net"]).out().contains("('set', 'lan', 'proto', 'dhcp')"));
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(bus.call("Commit", &["[]"]).out().trim(), "(['net'],)");
    assert!(bus.config("net").contains("option proto 'dhcp'"));
}
