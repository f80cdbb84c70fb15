//! `ucix migrate`: version recording (invisible to `uci`, kept across a
//! backup/restore of the config directory), declarative and batch steps,
//! `--dry-run` in `uci changes` format, idempotency, refusal with pending
//! changes, all-or-nothing on a failing step, and a crash in the middle of
//! the commit (`crash_mid_migration_is_all_or_nothing`, which relies on the
//! journaled `txn::write_contents`).

mod common;

use std::path::Path;

use common::{run, TestEnv};

const NET_SCHEMA: &str = "config schema\n\toption version '3'\n\n\
config section\n\toption type 'interface'\n\tlist option 'proto:or(\"static\", \"dhcp\", \"pppoe\")'\n\
\tlist option 'device:string'\n\tlist list 'dns:ipaddr'\n\tlist option 'mtu:range(68,9200)'\n\tlist required 'proto'\n\n\
config step\n\toption version '2'\n\toption action 'rename_option'\n\toption type 'interface'\n\toption option 'ifname'\n\toption to 'device'\n\n\
config step\n\toption version '2'\n\toption action 'convert'\n\toption type 'interface'\n\toption option 'proto'\n\tlist map 'pppoa=pppoe'\n\n\
config step\n\toption version '3'\n\toption action 'split_list'\n\toption type 'interface'\n\toption option 'dns'\n\n\
config step\n\toption version '3'\n\toption action 'set_default'\n\toption section 'wan'\n\toption option 'mtu'\n\toption value '1492'\n\n\
config step\n\toption version '3'\n\toption action 'batch'\n\tlist command 'set net.globals=globals'\n\tlist command 'set net.globals.migrated=yes'\n\tlist command 'commit net'\n";

const NET_V1: &str = "# hand-written\nconfig interface 'lan'\n\toption ifname 'eth0'\n\toption proto 'static'\n\toption dns '1.1.1.1 9.9.9.9'\n\n\
config interface 'wan'\n\toption ifname 'eth1'\n\toption proto 'pppoa'\n";

const NET_V3: &str = "\nconfig interface 'lan'\n\toption device 'eth0'\n\toption proto 'static'\n\tlist dns '1.1.1.1'\n\tlist dns '9.9.9.9'\n\n\
config interface 'wan'\n\toption device 'eth1'\n\toption proto 'pppoe'\n\toption mtu '1492'\n\n\
config globals 'globals'\n\toption migrated 'yes'\n\n";

const CHANGES: &str = "net.lan.ifname='device'\nnet.wan.ifname='device'\nnet.wan.proto='pppoe'\n\
-net.lan.dns\nnet.lan.dns+='1.1.1.1'\nnet.lan.dns+='9.9.9.9'\nnet.wan.mtu='1492'\n\
net.globals='globals'\nnet.globals.migrated='yes'\n";

fn setup(name: &str) -> TestEnv {
    let env = TestEnv::new(name);
    std::fs::create_dir_all(env.schema_dir()).unwrap();
    std::fs::write(env.schema_dir().join("net"), NET_SCHEMA).unwrap();
    env.write("config/net", NET_V1);
    env
}

fn ucix(env: &TestEnv, args: &[&str]) -> common::Run {
    run(env.ucix().args(["-c", "config", "-t", "delta"]).args(args))
}

fn uci(env: &TestEnv, args: &[&str]) -> common::Run {
    run(env.uci().args(["-c", "config", "-t", "delta"]).args(args))
}

fn versions(env: &TestEnv) -> Option<String> {
    env.read_opt("config/.ucix-versions").map(|b| String::from_utf8(b).unwrap())
}

const NET_RECORDED_V3: &str = "\nconfig package\n\toption name 'net'\n\toption version '3'\n\n";

#[test]
fn dry_run_prints_changes_and_changes_nothing() {
    let env = setup("migrate_dry_run");
    let r = ucix(&env, &["migrate", "--dry-run"]);
    assert_eq!(r.status, 0, "{r:?}");
    assert_eq!(r.stdout, CHANGES);
    assert_eq!(r.stderr, "net: version 1 -> 3 (5 steps)\n");
    assert_eq!(env.read("config/net"), NET_V1, "config untouched");
    assert_eq!(versions(&env), None, "no version recorded");
    assert_eq!(uci(&env, &["changes"]).stdout, "", "nothing staged");
    let r = ucix(&env, &["migrate", "-n", "net"]);
    assert_eq!(r.stdout, CHANGES);
}

#[test]
fn migrate_applies_records_and_is_idempotent() {
    let env = setup("migrate_apply");
    let r = ucix(&env, &["migrate"]);
    assert_eq!(r.status, 0, "{r:?}");
    assert_eq!(r.stdout, "net: version 1 -> 3 (5 steps)\n");
    assert_eq!(env.read("config/net"), NET_V3);
    assert_eq!(versions(&env).as_deref(), Some(NET_RECORDED_V3));
    assert_eq!(ucix(&env, &["validate", "net"]).status, 0, "the migrated config matches the schema");
    assert_eq!(uci(&env, &["changes"]).stdout, "", "the batch's changes were not left staged");

    // a second run does nothing at all
    let r = ucix(&env, &["migrate"]);
    assert_eq!((r.status, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""), "{r:?}");
    let r = ucix(&env, &["migrate", "--dry-run"]);
    assert_eq!((r.status, r.stdout.as_str()), (0, ""));
    assert_eq!(env.read("config/net"), NET_V3);

    // the schema moves on: only the new step runs
    let v4 = format!("{}\nconfig step\n\toption version '4'\n\toption action 'delete'\n\toption section 'globals'\n", NET_SCHEMA.replace("option version '3'\n\n", "option version '4'\n\n"));
    std::fs::write(env.schema_dir().join("net"), v4).unwrap();
    let r = ucix(&env, &["migrate", "--dry-run"]);
    assert_eq!(r.stdout, "-net.globals\n");
    assert_eq!(ucix(&env, &["migrate"]).status, 0);
    assert!(!env.read("config/net").contains("globals"));
    assert!(versions(&env).unwrap().contains("option version '4'"));
}

#[test]
fn versions_are_invisible_to_uci_and_survive_backup() {
    let env = setup("migrate_versions");
    env.write("config/other", "config thing 'x'\n");
    assert_eq!(ucix(&env, &["migrate", "net"]).status, 0);
    assert!(versions(&env).is_some());
    let show = uci(&env, &["show"]);
    assert_eq!(show.status, 0);
    assert!(!show.stdout.contains("ucix") && !show.stdout.contains("version"), "{}", show.stdout);
    assert!(show.stdout.starts_with("net.lan=interface\n"), "{}", show.stdout);
    let export = uci(&env, &["export"]);
    assert!(!export.stdout.contains("ucix-versions") && !export.stdout.contains("config package"), "{}", export.stdout);
    let r = uci(&env, &["show", ".ucix-versions"]);
    assert_ne!(r.status, 0, "not a config name for uci: {r:?}");
    // a committed change by plain uci keeps the record
    assert_eq!(uci(&env, &["set", "net.lan.mtu=1400"]).status, 0);
    assert_eq!(uci(&env, &["commit"]).status, 0);
    assert_eq!(versions(&env).as_deref(), Some(NET_RECORDED_V3));

    // back up /etc/config as a directory, wipe it, restore it
    let conf = env.root().join("config");
    let backup = env.root().join("backup.tar");
    let tar = |args: &[&str]| {
        let st = std::process::Command::new("tar").args(args).current_dir(env.root()).status().expect("tar runs");
        assert!(st.success());
    };
    tar(&["-cf", backup.to_str().unwrap(), "config"]);
    std::fs::remove_dir_all(&conf).unwrap();
    tar(&["-xf", backup.to_str().unwrap()]);
    assert_eq!(versions(&env).as_deref(), Some(NET_RECORDED_V3));
    let r = ucix(&env, &["migrate", "--dry-run"]);
    assert_eq!((r.status, r.stdout.as_str()), (0, ""), "still at the current version: {r:?}");
}

#[test]
fn migrate_stamps_current_version_of_builtin_schemas() {
    let env = TestEnv::new("migrate_stamp");
    env.write("config/network", "config interface 'lan'\n\toption proto 'dhcp'\n");
    env.write("config/unrelated", "config x 'y'\n");
    let r = ucix(&env, &["migrate"]);
    assert_eq!(r.status, 0, "{r:?}");
    assert_eq!(r.stdout, "network: version 1 recorded\n");
    assert_eq!(env.read("config/network"), "config interface 'lan'\n\toption proto 'dhcp'\n", "no step, file untouched");
    assert_eq!(versions(&env).as_deref(), Some("\nconfig package\n\toption name 'network'\n\toption version '1'\n\n"));
    let r = ucix(&env, &["migrate", "unrelated"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("no schema for unrelated"), "{}", r.stderr);
}

#[test]
fn migrate_refuses_pending_changes() {
    let env = setup("migrate_pending");
    assert_eq!(uci(&env, &["set", "net.lan.mtu=1400"]).status, 0);
    let r = ucix(&env, &["migrate"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("net has uncommitted changes"), "{}", r.stderr);
    assert_eq!(env.read("config/net"), NET_V1);
    assert_eq!(versions(&env), None);
}

#[test]
fn failing_step_changes_nothing() {
    let env = setup("migrate_failing_step");
    // the second package's step fails (a section type with a space is invalid)
    std::fs::write(
        env.schema_dir().join("zzz"),
        "config schema\n\toption version '2'\n\nconfig step\n\toption version '2'\n\toption action 'rename_type'\n\toption type 't'\n\toption to 'bad type'\n",
    )
    .unwrap();
    env.write("config/zzz", "config t 'a'\n");
    let r = ucix(&env, &["migrate"]);
    assert_eq!(r.status, 1, "{r:?}");
    assert!(r.stderr.contains("zzz: step 'rename_type' for version 2: Invalid argument"), "{}", r.stderr);
    assert_eq!(env.read("config/net"), NET_V1, "net untouched although its steps were fine");
    assert_eq!(env.read("config/zzz"), "config t 'a'\n");
    assert_eq!(versions(&env), None);
}

/// Sizes for the crash test: the limit is in 512-byte blocks (dash) or
/// 1024-byte blocks (bash), so the small file stays far below either and
/// the big one far above.
const LIMIT_BLOCKS: u32 = 64;
const BIG: usize = 512 * 1024;

/// `ucix migrate` of two packages is killed (SIGXFSZ, from `ulimit -f`) while
/// writing the second one: afterwards, once the next command has run crash
/// recovery, either both packages are migrated and the versions recorded, or
/// nothing changed. Passes once `txn::write_contents` is journaled; with the
/// sequential placeholder it leaves the first package migrated alone, hence
/// the `ignore` until that work is merged (then delete the attribute).
#[test]
#[ignore = "needs the journaled txn::write_contents (staged atomic commits issue)"]
fn crash_mid_migration_is_all_or_nothing() {
    let env = TestEnv::new("crash_mid_migration");
    std::fs::create_dir_all(env.schema_dir()).unwrap();
    let small = "config schema\n\toption version '2'\n\nconfig step\n\toption version '2'\n\toption action 'rename_option'\n\toption type 't'\n\toption option 'old'\n\toption to 'new'\n";
    let big = format!(
        "config schema\n\toption version '2'\n\nconfig step\n\toption version '2'\n\toption action 'set_default'\n\toption type 't'\n\toption option 'blob'\n\toption value '{}'\n",
        "x".repeat(BIG)
    );
    std::fs::write(env.schema_dir().join("aaa"), small).unwrap();
    std::fs::write(env.schema_dir().join("zzz"), big).unwrap();
    let aaa_v1 = "config t 's'\n\toption old '1'\n";
    let zzz_v1 = "config t 's'\n\toption keep '1'\n";
    env.write("config/aaa", aaa_v1);
    env.write("config/zzz", zzz_v1);

    let script = format!("ulimit -f {LIMIT_BLOCKS} && exec ucix -c config -t delta migrate");
    let mut cmd = env.command(Path::new("/bin/sh"));
    cmd.args(["-c", &script]).env("UCIX_CACHE", "0");
    let crashed = run(&mut cmd);
    assert_ne!(crashed.status, 0, "the migration must be interrupted: {crashed:?}");

    // the next command runs crash recovery first
    let show = uci(&env, &["show"]);
    assert_eq!(show.status, 0, "{show:?}");
    let aaa = env.read("config/aaa");
    let zzz = env.read("config/zzz");
    let aaa_done = aaa.contains("option new '1'");
    let zzz_done = zzz.contains("option blob 'xxx");
    let recorded = versions(&env).unwrap_or_default();
    if aaa_done || zzz_done || !recorded.is_empty() {
        assert!(aaa_done && zzz_done, "partial migration: aaa migrated {aaa_done}, zzz migrated {zzz_done}");
        assert!(recorded.contains("'aaa'") && recorded.contains("'zzz'"), "versions not recorded with the data: {recorded:?}");
    } else {
        assert_eq!(aaa, aaa_v1);
        assert_eq!(zzz, zzz_v1);
    }

    // without the limit the migration completes (or is already complete)
    let r = ucix(&env, &["migrate"]);
    assert_eq!(r.status, 0, "{r:?}");
    assert!(env.read("config/aaa").contains("option new '1'"));
    assert!(env.read("config/zzz").contains("option blob 'xxx"));
    let recorded = versions(&env).unwrap_or_default();
    assert!(recorded.contains("'aaa'\n\toption version '2'") && recorded.contains("'zzz'\n\toption version '2'"), "{recorded}");
}
