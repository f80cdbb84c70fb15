//! `ucix validate` (text, JSON, filters, --strict, staged changes, schema
//! directory overrides, `uci(...)` references) and enforcement of schemas
//! that opt in, on `ucix set`, `ucix add_list` and `ucix commit` (while
//! `uci` never refuses).

mod common;

use common::{run, TestEnv};

const NET_SCHEMA: &str = "config schema\n\toption version '1'\n\toption enforce '1'\n\n\
config section\n\toption type 'interface'\n\tlist option 'proto:or(\"static\", \"dhcp\", \"pppoe\")'\n\
\tlist option 'device:string'\n\tlist option 'ipaddr:ip4addr'\n\tlist list 'dns:ipaddr'\n\
\tlist option 'mtu:range(68,9200):1500'\n\tlist required 'proto'\n\n\
config section\n\toption type 'zone'\n\tlist list 'network:uci(\"net\", \"@interface\")'\n";

const NET: &str = "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n\tlist dns '1.1.1.1'\n\n\
config interface 'wan'\n\toption proto 'dhcp'\n\nconfig zone\n\tlist network 'lan'\n";

fn env_with(name: &str, schema: &str, config: &str) -> TestEnv {
    let env = TestEnv::new(name);
    std::fs::create_dir_all(env.schema_dir()).unwrap();
    std::fs::write(env.schema_dir().join("net"), schema).unwrap();
    env.write("config/net", config);
    env
}

fn ucix(env: &TestEnv, args: &[&str]) -> common::Run {
    run(env.ucix().args(["-c", "config", "-t", "delta"]).args(args))
}

fn uci(env: &TestEnv, args: &[&str]) -> common::Run {
    run(env.uci().args(["-c", "config", "-t", "delta"]).args(args))
}

#[test]
fn validate_reports_locations_and_status() {
    let bad = "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.256'\n\tlist dns '1.1.1.1'\n\tlist dns 'x'\n\toption colour 'blue'\n\n\
               config interface\n\toption mtu '10'\n\nconfig zone\n\tlist network 'lan'\n\tlist network 'nope'\n\nconfig extra 'e'\n";
    let env = env_with("validate_reports", NET_SCHEMA, bad);
    let r = ucix(&env, &["validate"]);
    assert_eq!(r.status, 1, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "net.@interface[0].ipaddr (net.lan.ipaddr): invalid value '192.168.1.256', expected ip4addr",
            "net.@interface[0].dns (net.lan.dns): invalid value 'x', expected ipaddr",
            "net.@interface[1].mtu (net.cfg026d96.mtu): invalid value '10', expected range(68,9200)",
            "net.@interface[1].proto (net.cfg026d96.proto): required option missing, expected or(\"static\", \"dhcp\", \"pppoe\")",
            "net.@zone[0].network (net.cfg03dc81.network): invalid value 'nope', expected uci(\"net\", \"@interface\")",
        ],
        "{}",
        r.stdout
    );
    // filters: a section by name or @type[n], an option
    let r = ucix(&env, &["validate", "net.@interface[1]"]);
    assert_eq!((r.status, r.stdout.lines().count()), (1, 2), "{r:?}");
    let r = ucix(&env, &["validate", "net.lan.dns"]);
    assert_eq!((r.status, r.stdout.lines().count()), (1, 1), "{r:?}");
    let r = ucix(&env, &["validate", "net.wan"]);
    assert_eq!(r.status, 1, "no section wan: {r:?}");
    let r = ucix(&env, &["validate", "net.@zone[0].network"]);
    assert_eq!(r.stdout.lines().count(), 1);
    // strict also reports what the schema does not know
    let r = ucix(&env, &["validate", "--strict", "net"]);
    assert!(r.stdout.contains("net.@interface[0].colour (net.lan.colour): option not in the schema"), "{}", r.stdout);
    assert!(r.stdout.contains("net.@extra[0] (net.e): section type 'extra' not in the schema"), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 7);
    // JSON
    let r = ucix(&env, &["validate", "net", "--json"]);
    assert_eq!(r.status, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
    assert_eq!(v["valid"], false);
    let issues = v["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 5);
    assert_eq!(issues[0]["location"], "net.@interface[0].ipaddr");
    assert_eq!(issues[0]["name"], "net.lan.ipaddr");
    assert_eq!(issues[0]["section"], "lan");
    assert_eq!(issues[0]["expected"], "ip4addr");
    assert_eq!(issues[0]["value"], "192.168.1.256");
    assert_eq!(issues[3]["problem"], "missing");
    assert_eq!(v["packages"][0]["schema_version"], 1);
}

#[test]
fn validate_valid_config_and_staged_changes() {
    let env = env_with("validate_valid", NET_SCHEMA, NET);
    let r = ucix(&env, &["validate"]);
    assert_eq!((r.status, r.stdout.as_str()), (0, ""), "{r:?}");
    let r = ucix(&env, &["validate", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], true);
    // what validate sees includes staged changes, as uci shows them
    assert_eq!(uci(&env, &["set", "net.wan.mtu=5"]).status, 0);
    let r = ucix(&env, &["validate", "net"]);
    assert_eq!(r.status, 1);
    assert!(r.stdout.contains("net.@interface[1].mtu (net.wan.mtu): invalid value '5'"), "{}", r.stdout);
    // unknown options are not errors (uci allows them), empty values count as unset
    assert_eq!(uci(&env, &["revert", "net"]).status, 0);
    assert_eq!(uci(&env, &["set", "net.wan.whatever=1"]).status, 0);
    assert_eq!(uci(&env, &["set", "net.wan.ipaddr="]).status, 0);
    assert_eq!(ucix(&env, &["validate"]).status, 0);
}

#[test]
fn validate_schema_problems() {
    let env = env_with("validate_schema_problems", "config schema\n\toption version 'x'\n", NET);
    let r = ucix(&env, &["validate", "net"]);
    assert_eq!(r.status, 2, "{r:?}");
    assert!(r.stderr.contains("option version 'x' is not a number"), "{}", r.stderr);
    let r = ucix(&env, &["validate", "nosuch"]);
    assert_eq!(r.status, 2, "no schema: {r:?}");
    // a datatype that does not parse is a warning; it checks nothing
    std::fs::write(env.schema_dir().join("net"), "config section\n\toption type 'interface'\n\tlist option 'proto:Port'\n").unwrap();
    let r = ucix(&env, &["validate", "net"]);
    assert_eq!(r.status, 0, "{r:?}");
    assert!(r.stderr.contains("interface.proto: datatype 'Port': Syntax error, unrecognized function"), "{}", r.stderr);
}

#[test]
fn schema_directory_overrides_builtin() {
    let env = TestEnv::new("schema_dir_overrides");
    env.write("config/network", "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr 'not-an-ip'\n");
    let r = ucix(&env, &["validate", "network"]);
    assert_eq!(r.status, 1, "the built-in network schema applies: {r:?}");
    assert!(r.stdout.starts_with("network.@interface[0].ipaddr (network.lan.ipaddr): invalid value 'not-an-ip'"), "{}", r.stdout);
    std::fs::create_dir_all(env.schema_dir()).unwrap();
    std::fs::write(env.schema_dir().join("network"), "config section\n\toption type 'interface'\n\tlist option 'ipaddr:string'\n").unwrap();
    let r = ucix(&env, &["validate", "network"]);
    assert_eq!((r.status, r.stdout.as_str()), (0, ""), "the schema directory wins: {r:?}");
}

#[test]
fn enforcement_refuses_invalid_set_and_add_list() {
    let env = env_with("enforcement_set", NET_SCHEMA, NET);
    let r = ucix(&env, &["set", "net.lan.mtu=99999"]);
    assert_eq!(r.status, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "ucix: refused by the schema: net.@interface[0].mtu (net.lan.mtu): invalid value '99999', expected range(68,9200)\n"
    );
    assert_eq!(uci(&env, &["changes"]).stdout, "", "nothing staged");
    let r = ucix(&env, &["set", "net.@interface[1].proto=ppp"]);
    assert_eq!(r.status, 1, "extended syntax is resolved: {r:?}");
    assert!(r.stderr.contains("net.@interface[1].proto (net.wan.proto)"), "{}", r.stderr);
    let r = ucix(&env, &["add_list", "net.lan.dns=not-an-ip"]);
    assert_eq!(r.status, 1, "{r:?}");
    let r = ucix(&env, &["-q", "set", "net.lan.mtu=1"]);
    assert_eq!((r.status, r.stderr.as_str()), (1, ""), "-q silences the message");
    // valid values, unknown options, deletions and section types pass through to uci
    assert_eq!(ucix(&env, &["set", "net.lan.mtu=1500"]).status, 0);
    assert_eq!(ucix(&env, &["add_list", "net.lan.dns=2606:4700::1111"]).status, 0);
    assert_eq!(ucix(&env, &["set", "net.lan.colour=blue"]).status, 0);
    assert_eq!(ucix(&env, &["set", "net.lan.ipaddr="]).status, 0);
    assert_eq!(ucix(&env, &["set", "net.new=interface"]).status, 0);
    assert_eq!(
        uci(&env, &["changes"]).stdout,
        "net.lan.mtu='1500'\nnet.lan.dns+='2606:4700::1111'\nnet.lan.colour='blue'\n-net.lan.ipaddr\nnet.new='interface'\n"
    );
    // bad uci options are reported once, by uci
    let r = run(env.ucix().args(["-Z", "set", "net.lan.mtu=1"]));
    assert_eq!(r.stderr.matches("invalid option").count(), 1, "{}", r.stderr);
    // uci itself never refuses
    let r = uci(&env, &["set", "net.lan.mtu=99999"]);
    assert_eq!((r.status, r.stderr.as_str()), (0, ""));
}

#[test]
fn enforcement_is_opt_in() {
    let env = env_with("enforcement_opt_in", &NET_SCHEMA.replace("option enforce '1'", "option enforce '0'"), NET);
    assert_eq!(ucix(&env, &["set", "net.lan.mtu=99999"]).status, 0);
    assert_eq!(uci(&env, &["changes"]).stdout, "net.lan.mtu='99999'\n");
    // and without enforcement ucix commit does not refuse either (the commit
    // itself belongs to the transactions work, so only the refusal is checked)
    let r = ucix(&env, &["commit", "net"]);
    assert!(!r.stderr.contains("refused by the schema"), "{r:?}");
}

#[test]
fn enforcement_refuses_commit_of_invalid_changes() {
    let env = env_with("enforcement_commit", NET_SCHEMA, NET);
    let before = env.read("config/net");
    assert_eq!(uci(&env, &["set", "net.wan.mtu=1"]).status, 0);
    assert_eq!(uci(&env, &["delete", "net.lan.proto"]).status, 0);
    for args in [&["commit", "net"][..], &["commit"][..]] {
        let r = ucix(&env, args);
        assert_eq!(r.status, 1, "{r:?}");
        assert_eq!(
            r.stderr,
            "ucix: refused by the schema: net.@interface[0].proto (net.lan.proto): required option missing, expected or(\"static\", \"dhcp\", \"pppoe\")\n\
             ucix: refused by the schema: net.@interface[1].mtu (net.wan.mtu): invalid value '1', expected range(68,9200)\n\
             ucix: not committing net: its pending changes do not match its schema\n"
        );
        assert_eq!(env.read("config/net"), before, "nothing committed");
    }
    assert_eq!(uci(&env, &["changes", "net"]).stdout, "net.wan.mtu='1'\n-net.lan.proto\n", "changes kept");
    // a new section must satisfy its required options
    assert_eq!(uci(&env, &["revert", "net"]).status, 0);
    assert_eq!(uci(&env, &["set", "net.guest=interface"]).status, 0);
    let r = ucix(&env, &["commit", "net"]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("net.@interface[2].proto (net.guest.proto): required option missing"), "{}", r.stderr);
    assert_eq!(uci(&env, &["revert", "net"]).status, 0);
    // the byte-compatible uci commits anyway
    assert_eq!(uci(&env, &["set", "net.wan.mtu=1"]).status, 0);
    assert_eq!(uci(&env, &["commit", "net"]).status, 0);
    assert!(env.read("config/net").contains("option mtu '1'"));
    // pre-existing problems outside the pending changes do not block a commit
    assert_eq!(uci(&env, &["set", "net.lan.proto=dhcp"]).status, 0);
    let r = ucix(&env, &["commit", "net"]);
    assert!(!r.stderr.contains("refused by the schema"), "{r:?}");
}
