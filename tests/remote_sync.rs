//! `ucix remote` against a real PostgreSQL server: init, push, pull
//! (bootstrap, merge, conflicts, hooks), batch (checked against the same
//! commands through `uci batch`), status, log, secrets (pg_dump holds no
//! plaintext), watch, and one row per changed option.

mod common;
mod remote_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::run_with_stdin;
use remote_support::{shared, Dev, Pg};

/// A database for one test and its first device (which owns the key file).
fn setup(test: &str) -> Option<(&'static Pg, Dev)> {
    let pg = shared()?;
    pg.create_db(test);
    let mut a = Dev::new(&format!("{test}-a"), &pg.url(test), "dev1", std::path::Path::new(""));
    a.key = a.env.base().join("remote.key");
    Some((pg, a))
}

fn device(a: &Dev, name: &str) -> Dev {
    Dev::new(name, &a.url, &a.id, &a.key)
}

const NETWORK: &str = "\nconfig interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\nconfig interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n\tlist dns '1.1.1.1'\n\tlist dns '9.9.9.9'\n\nconfig route\n\toption target '10.0.0.0/8'\n\n";
const WIRELESS: &str = "\nconfig wifi-device 'radio0'\n\toption channel '36'\n\nconfig wifi-iface 'default_radio0'\n\toption device 'radio0'\n\toption ssid 'home'\n\toption encryption 'psk2'\n\toption key 'correct-horse-battery'\n\nconfig wifi-iface 'wep'\n\toption key1 'wep-secret-one'\n\toption sae_password 'sae-secret-two'\n\n";
const SYSTEM: &str = "\nconfig system\n\toption hostname 'ap1'\n\toption password 'root-pass-three'\n\nconfig vpn 'wg'\n\toption private_key 'wg-private-four'\n\toption token 'schema-token-five'\n\n";
const SECRETS: &[&str] = &["correct-horse-battery", "wep-secret-one", "sae-secret-two", "root-pass-three", "wg-private-four", "schema-token-five"];

fn seed(a: &Dev) {
    a.write("network", NETWORK);
    a.write("wireless", WIRELESS);
    a.write("system", SYSTEM);
    // a schema marking system.vpn.token secret (for this device and the operator)
    a.env.write("../ucix/schema/system", "config section\n\toption type 'vpn'\n\tlist secret 'token'\n");
}

#[test]
fn init_push_pull_bootstrap_status_log() {
    let Some((pg, a)) = setup("bootstrap") else { return };
    seed(&a);
    let out = a.ok(&["init"]);
    assert!(out.contains("schema version 1 (was 0)") && out.contains("created key file"), "{out}");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&a.key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let key = std::fs::read(&a.key).unwrap();
    // idempotent: same schema, same key file
    assert!(a.ok(&["init"]).contains("schema version 1 (up to date)"));
    assert_eq!(std::fs::read(&a.key).unwrap(), key);
    assert_eq!(pg.psql("bootstrap", "SELECT version FROM ucix_schema"), "1\n");

    assert_eq!(a.ok(&["push"]), "pushed revision 1 (29 changes)\n");
    assert_eq!(a.ok(&["push"]), "nothing to push (revision 1)\n");

    // a fresh config dir pulling the device gets its packages, byte for byte
    let b = device(&a, "bootstrap-b");
    assert_eq!(b.ok(&["pull"]), "pulled revision 1: changed network system wireless\n");
    assert_eq!(b.files(), a.files());
    assert_eq!(b.ok(&["pull"]), "up to date (revision 1)\n");

    let st = b.ok(&["status"]);
    for line in ["device: dev1", "synced revision: 1", "local changes: 0", "central head: 1", "to pull: 0"] {
        assert!(st.lines().any(|l| l == line), "{line} missing in\n{st}");
    }
    b.uci(&["set", "network.lan.ipaddr=192.168.2.1"]);
    b.uci(&["commit", "network"]);
    assert!(b.ok(&["status"]).lines().any(|l| l == "local changes: 1"));
    assert_eq!(b.ok(&["push"]), "pushed revision 2 (1 change)\n");
    assert!(a.ok(&["status"]).lines().any(|l| l == "to pull: 1"));

    let log = a.ok(&["log"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].starts_with("1\t") && lines[0].contains("\tpush\t") && lines[0].ends_with("\t29 changes"), "{log}");
    assert!(lines[1].starts_with("2\t") && lines[1].ends_with("\t1 change"), "{log}");
    let v = a.ok(&["log", "-v"]);
    assert!(v.contains("\tset network.lan.ipaddr='192.168.2.1'\n"), "{v}");
    assert!(v.contains("\tset wireless.default_radio0.key='***' (encrypted)\n"), "{v}");
    assert!(v.contains("\tsection network.lan=interface\n"), "{v}");
}

/// The same batch through `ucix remote batch` (central) and through
/// `uci batch` + `uci commit` (local) gives the same files.
#[test]
fn batch_is_uci_batch() {
    let Some((_pg, a)) = setup("batch") else { return };
    seed(&a);
    a.ok(&["init"]);
    a.ok(&["push"]);
    let commands = "set network.lan.ipaddr=10.1.1.1\n\
        add_list network.lan.dns=8.8.8.8\n\
        del_list network.lan.dns=1.1.1.1\n\
        add network route\n\
        set network.@route[-1].target=172.16.0.0/12\n\
        set network.guest=interface\n\
        set network.guest.proto=dhcp\n\
        rename network.loopback=lo\n\
        reorder network.guest=0\n\
        delete network.@route[0]\n\
        delete network.lan.ipaddr\n\
        set wireless.default_radio0.key=new-secret-key\n\
        get network.lan.proto\n";
    let operator = Dev::new("batch-operator", &a.url, &a.id, &a.key);
    let r = operator.batch(commands);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "cfg04c8b4\nstatic\ndevice 'dev1': revision 2 (19 changes)\n", "{}", r.stderr);
    assert_eq!(operator.files(), vec![], "batch needs no local files and writes none");

    // the same commands locally
    let local = device(&a, "batch-local");
    for (n, t) in a.files() {
        local.write(&n, std::str::from_utf8(&t).unwrap());
    }
    let r = run_with_stdin(local.env.ucix().arg("-c").arg(local.env.confdir()).arg("-t").arg(local.env.savedir()).arg("batch"), commands);
    assert_eq!(r.status, 0, "{}", r.stderr);
    local.uci(&["commit"]);

    assert!(a.ok(&["pull"]).starts_with("pulled revision 2: changed network wireless"));
    assert_eq!(a.files(), local.files());
    assert!(a.read("wireless").contains("option key 'new-secret-key'"));
    // nothing to record
    let r = operator.batch("get network.lan.proto\n");
    assert_eq!(r.stdout, "static\ndevice 'dev1': no change (revision 2)\n");
}

#[test]
fn pull_merges_per_option_and_runs_hooks() {
    let Some((pg, a)) = setup("merge") else { return };
    seed(&a);
    a.ok(&["init"]);
    a.ok(&["push"]);
    let log = a.env.base().join("hook.log");
    let hook = a.env.hooks_dir().join("10-log");
    std::fs::create_dir_all(a.env.hooks_dir()).unwrap();
    std::fs::write(&hook, format!("#!/bin/sh\necho \"$UCIX_ACTION $UCIX_PACKAGES\" >> {}\n", log.display())).unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    // local: one option of lan, a new section; central: another option of lan, wireless
    a.uci(&["set", "network.lan.mtu=1400"]);
    a.uci(&["set", "network.wan=interface"]);
    a.uci(&["set", "network.wan.proto=dhcp"]);
    a.uci(&["commit"]);
    assert_eq!(std::fs::read_to_string(&log).unwrap_or_default(), "commit network\n");
    let r = a.batch("set network.lan.ipaddr=192.168.9.1\nset wireless.radio0.channel=149\nset network.lan.dns=4.4.4.4\n");
    assert_eq!(r.status, 0, "{}", r.stderr);

    assert_eq!(a.ok(&["pull"]), "pulled revision 2: changed network wireless\n");
    assert_eq!(
        a.read("network"),
        "\nconfig interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\n\
         config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.9.1'\n\toption dns '4.4.4.4'\n\toption mtu '1400'\n\n\
         config route\n\toption target '10.0.0.0/8'\n\nconfig interface 'wan'\n\toption proto 'dhcp'\n\n"
    );
    assert!(a.read("wireless").contains("option channel '149'"));
    // the pull was one commit through the engine: the hook ran once, for both packages
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "commit network\npull network wireless\n");
    // the local additions are still to push; the central ones are not resent
    assert_eq!(a.ok(&["push"]), "pushed revision 3 (5 changes)\n");
    assert_eq!(pg.psql("merge", "SELECT count(*) FROM ucix_change WHERE rev = 3 AND package = 'wireless'"), "0\n");
}

#[test]
fn conflicts_apply_nothing() {
    let Some((_pg, a)) = setup("conflict") else { return };
    seed(&a);
    a.ok(&["init"]);
    a.ok(&["push"]);
    a.uci(&["set", "network.lan.ipaddr=10.0.0.1"]);
    a.uci(&["set", "wireless.radio0.channel=1"]);
    a.uci(&["set", "system.wg.token=local-token"]);
    a.uci(&["commit"]);
    let r = a.batch("set network.lan.ipaddr=10.0.0.2\nset wireless.radio0.channel=1\nset network.lan.proto=dhcp\nset system.wg.token=central-token\nset system.@system[0].hostname=x\n");
    assert_eq!(r.status, 0, "{}", r.stderr);
    let before = a.files();
    let r = a.remote(&["pull"]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    // the same change on both sides (channel) is no conflict; the secret is masked
    assert_eq!(r.stdout, "conflict: network.lan.ipaddr: local '10.0.0.1', remote '10.0.0.2'\nconflict: system.wg.token: local '***', remote '***'\n");
    assert_eq!(r.stderr, "ucix: remote pull: 2 conflicting change(s), nothing applied\n");
    assert_eq!(a.files(), before);
    // a device that has not pulled cannot push
    let r = a.remote(&["push"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "ucix: remote push: the database has revisions 2..2 of this device that were not pulled: run 'ucix remote pull' first\n");
    // resolved locally (take the central values): the pull goes through
    a.uci(&["set", "network.lan.ipaddr=10.0.0.2"]);
    a.uci(&["set", "system.wg.token=central-token"]);
    a.uci(&["commit"]);
    assert_eq!(a.ok(&["pull"]), "pulled revision 2: changed network system\n");
    assert!(a.read("network").contains("option proto 'dhcp'"));
    assert!(a.read("system").contains("option hostname 'x'"));
    assert_eq!(a.ok(&["push"]), "nothing to push (revision 2)\n");
}

#[test]
fn secrets_never_in_plain_text() {
    let Some((pg, a)) = setup("secrets") else { return };
    seed(&a);
    a.ok(&["init"]);
    a.ok(&["push"]);
    let op = Dev::new("secrets-op", &a.url, &a.id, &a.key);
    op.env.write("../ucix/schema/system", "config section\n\toption type 'vpn'\n\tlist secret 'token'\n");
    let r = op.batch("set wireless.default_radio0.key=batch-secret-six\nadd_list system.wg.private_key=list-secret-seven\n");
    assert_eq!(r.status, 0, "{}", r.stderr);
    let dump = pg.dump("secrets");
    // bytea is dumped as hex: the plain options are there ("home" is the ssid)
    assert!(dump.contains("ucix_item") && dump.contains("686f6d65"), "the dump has the data");
    for s in SECRETS.iter().chain(&["batch-secret-six", "list-secret-seven"]) {
        assert!(!dump.contains(s), "pg_dump holds {s} in plain text");
        let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!dump.contains(&hex), "pg_dump holds {s} in hex");
    }
    assert_eq!(pg.psql("secrets", "SELECT count(*) FROM ucix_item WHERE secret"), "6\n");
    // pull restores them exactly
    let b = device(&a, "secrets-b");
    b.env.write("../ucix/schema/system", "config section\n\toption type 'vpn'\n\tlist secret 'token'\n");
    b.ok(&["pull"]);
    a.ok(&["pull"]);
    assert_eq!(b.files(), a.files());
    assert!(b.read("wireless").contains("option key 'batch-secret-six'"));
    assert!(b.read("system").contains("\tlist private_key 'wg-private-four'\n\tlist private_key 'list-secret-seven'\n"));
    assert!(b.read("system").contains("option token 'schema-token-five'"));
}

#[test]
fn wrong_key_changes_nothing() {
    let Some((pg, a)) = setup("wrongkey") else { return };
    seed(&a);
    a.ok(&["init"]);
    a.ok(&["push"]);
    let mut b = Dev::new("wrongkey-b", &a.url, &a.id, std::path::Path::new(""));
    b.key = b.env.base().join("other.key");
    std::fs::write(&b.key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n").unwrap();
    b.write("network", "config interface 'x'\n");
    for cmd in [&["pull"][..], &["push"], &["init"]] {
        let r = b.remote(cmd);
        assert_eq!(r.status, 1, "{cmd:?}");
        assert_eq!(r.stderr, format!("ucix: remote {}: the key file does not match the key of device 'dev1' (wrong key file?)\n", cmd[0]));
    }
    let r = b.batch("set network.lan.proto=dhcp\n");
    assert_eq!(r.status, 1);
    assert_eq!(b.files(), vec![("network".to_string(), b"config interface 'x'\n".to_vec())]);
    assert_eq!(pg.psql("wrongkey", "SELECT head FROM ucix_device"), "1\n");
    // a missing key file for a device that has a key is not replaced by a new one
    let c = Dev::new("wrongkey-c", &a.url, &a.id, &b.env.base().join("missing.key"));
    let r = c.remote(&["init"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("device 'dev1' already has a key: copy its key file to"), "{}", r.stderr);
    assert!(!b.env.base().join("missing.key").exists());
    // an altered sealed value: refused, nothing written
    pg.psql("wrongkey", "UPDATE ucix_item SET value = overlay(value placing '\\x00'::bytea from 30) WHERE option = 'key'");
    let d = device(&a, "wrongkey-d");
    let r = d.remote(&["pull"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "ucix: remote pull: cannot decrypt wireless.default_radio0.key: wrong key file or altered value\n");
    assert_eq!(d.files(), vec![]);
}

#[test]
fn one_changed_option_is_one_row() {
    let Some((pg, a)) = setup("rows") else { return };
    let mut big = String::new();
    for i in 0..500 {
        big.push_str(&format!("\nconfig host 'h{i}'\n\toption name 'host{i}'\n\toption ip '10.0.{}.{}'\n\toption mac '00:11:22:33:{:02x}:{:02x}'\n", i / 250, i % 250, i / 256, i % 256));
    }
    big.push('\n');
    a.write("dhcp", &big);
    a.ok(&["init"]);
    assert_eq!(a.ok(&["push"]), "pushed revision 1 (2001 changes)\n");
    a.uci(&["set", "dhcp.h250.ip=10.9.9.9"]);
    a.uci(&["commit"]);
    assert_eq!(a.ok(&["push"]), "pushed revision 2 (1 change)\n");
    assert_eq!(pg.psql("rows", "SELECT package, section, option, encode(value, 'escape') FROM ucix_change WHERE rev = 2"), "dhcp|h250|ip|10.9.9.9\n");
    let b = device(&a, "rows-b");
    b.ok(&["pull"]);
    assert_eq!(b.files(), a.files());
    // an operator's one-option change reaches the device as one row too
    let r = a.batch("set dhcp.h3.name=renamed\n");
    assert!(r.stdout.ends_with("revision 3 (1 change)\n"), "{}", r.stdout);
    assert_eq!(b.ok(&["pull"]), "pulled revision 3: changed dhcp\n");
    assert!(b.read("dhcp").contains("option name 'renamed'"));
}

#[test]
fn watch_applies_new_revisions() {
    let Some((_pg, a)) = setup("watch") else { return };
    seed(&a);
    a.ok(&["init"]);
    a.ok(&["push"]);
    let b = device(&a, "watch-b");
    let mut child = b.remote_cmd(&["watch"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || lines.next().map(|l| l.unwrap()).unwrap_or_default();
    assert_eq!(next(), "pulled revision 1: changed network system wireless");
    for (i, ch) in ["44", "100", "149"].iter().enumerate() {
        let r = a.batch(&format!("set wireless.radio0.channel={ch}\n"));
        assert_eq!(r.status, 0, "{}", r.stderr);
        assert_eq!(next(), format!("pulled revision {}: changed wireless", i + 2));
        assert!(b.read("wireless").contains(&format!("option channel '{ch}'")));
    }
    // not this device's revision: nothing happens; the next one of ours is applied
    let other = Dev::new("watch-other", &a.url, "dev2", &a.key);
    other.write("network", "config interface 'x'\n");
    other.ok(&["push"]);
    a.batch("set network.lan.proto=dhcp\n");
    assert_eq!(next(), "pulled revision 5: changed network");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn pull_waits_for_a_pending_apply() {
    let Some((_pg, a)) = setup("applying") else { return };
    seed(&a);
    a.ok(&["init"]);
    a.ok(&["push"]);
    assert_eq!(a.batch("set network.lan.proto=dhcp\n").status, 0);
    a.uci(&["set", "wireless.radio0.channel=1"]);
    a.uci(&["apply", "--timeout", "120"]);
    let before = a.files();
    let r = a.remote(&["pull"]);
    assert_eq!(r.status, 1, "{}", r.stdout);
    assert!(r.stderr.starts_with("ucix: remote pull: refused: a rollback is pending"), "{}", r.stderr);
    assert_eq!(a.files(), before);
    a.uci(&["confirm"]);
    assert_eq!(a.ok(&["pull"]), "pulled revision 2: changed network\n");
}
