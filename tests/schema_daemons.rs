//! The built-in schemas against what the daemons that read each option
//! accept: a table of `package.type.option = value` with the verdict of the
//! daemon (firewall3/firewall4, netifd and its protocol handlers, odhcpd,
//! dnsmasq's init script, hostapd/mac80211.sh, procd's init scripts).
//!
//! Each row becomes a one-section config checked with the built-in schema:
//! a value the daemon accepts (many of them taken from real routers) must
//! not be flagged (a false positive), a clearly invalid value of a typed
//! option must be (a false negative otherwise). All mismatches are listed
//! at once, with the counts of both kinds. Also: every datatype of every
//! built-in schema parses (a datatype that does not parse checks nothing).
//!
//! A value containing `|` is written as a UCI list, one item per part.

use ucix::schema::datatypes::NoResolver;
use ucix::schema::validate::{check_package, Options};
use ucix::schema::Catalog;

/// (package, section type, option, value, the daemon accepts it)
type Row = (&'static str, &'static str, &'static str, &'static str, bool);

const OK: bool = true;
const BAD: bool = false;

#[rustfmt::skip]
const FIREWALL: &[Row] = &[
    // policies and targets: fw3 and fw4 match names case-insensitively, and
    // any prefix of a name (`acc`)
    ("firewall", "defaults", "input", "ACCEPT", OK),
    ("firewall", "defaults", "input", "accept", OK),
    ("firewall", "defaults", "forward", "Reject", OK),
    ("firewall", "zone", "output", "DROP", OK),
    ("firewall", "zone", "input", "acc", OK),
    ("firewall", "zone", "input", "ALLOW", BAD),
    ("firewall", "zone", "forward", "DENY", BAD),
    ("firewall", "rule", "target", "ACCEPT", OK),
    ("firewall", "rule", "target", "notrack", OK),
    ("firewall", "rule", "target", "MARK", OK),
    ("firewall", "rule", "target", "permit", BAD),
    ("firewall", "redirect", "target", "DNAT", OK),
    ("firewall", "redirect", "target", "snat", OK),
    ("firewall", "redirect", "target", "ACCEPT", BAD),
    ("firewall", "nat", "target", "MASQUERADE", OK),
    // family: any/all/*/inet, or anything naming 4 or 6 (`IPv4`, `ipv6`)
    ("firewall", "rule", "family", "ipv4", OK),
    ("firewall", "rule", "family", "IPv4", OK),
    ("firewall", "rule", "family", "ipv6", OK),
    ("firewall", "rule", "family", "IPv6", OK),
    ("firewall", "zone", "family", "any", OK),
    ("firewall", "forwarding", "family", "inet", OK),
    ("firewall", "redirect", "family", "*", OK),
    ("firewall", "include", "family", "all", OK),
    ("firewall", "rule", "family", "ip", BAD),
    ("firewall", "rule", "family", "both", BAD),
    // ports: numbers and ranges a-b / a:b, `!` negation, lists in rules;
    // service names as old firmware wrote them (resolved by iptables)
    ("firewall", "rule", "dest_port", "68", OK),
    ("firewall", "rule", "dest_port", "bootpc", OK),
    ("firewall", "rule", "src_port", "bootps", OK),
    ("firewall", "rule", "dest_port", "80 443", OK),
    ("firewall", "rule", "dest_port", "1024-65535", OK),
    ("firewall", "rule", "dest_port", "5000:5100", OK),
    ("firewall", "rule", "dest_port", "!22", OK),
    ("firewall", "rule", "dest_port", "22|80", OK),
    ("firewall", "redirect", "src_dport", "8080", OK),
    ("firewall", "redirect", "dest_port", "22-23", OK),
    ("firewall", "rule", "dest_port", "70000", BAD),
    ("firewall", "rule", "dest_port", "443-80", BAD),
    ("firewall", "rule", "dest_port", "80-", BAD),
    ("firewall", "rule", "dest_port", "1:2:3", BAD),
    ("firewall", "redirect", "dest_port", "99999", BAD),
    ("firewall", "helper", "port", "21", OK),
    ("firewall", "helper", "port", "x1", BAD),
    // addresses: address, address/bits, address/mask, range a-b, `!`, and
    // a network (interface) name, IPv4 and IPv6
    ("firewall", "rule", "dest_ip", "10.0.0.1", OK),
    ("firewall", "rule", "dest_ip", "10.0.0.0/8", OK),
    ("firewall", "rule", "src_ip", "192.168.1.0/255.255.255.0", OK),
    ("firewall", "rule", "src_ip", "!192.168.1.10", OK),
    ("firewall", "rule", "src_ip", "192.168.1.10-192.168.1.20", OK),
    ("firewall", "rule", "dest_ip", "fd00::/8", OK),
    ("firewall", "rule", "dest_ip", "2001:db8::1", OK),
    ("firewall", "rule", "src_ip", "lan", OK),
    ("firewall", "rule", "src_ip", "10.0.0.1 10.0.0.2", OK),
    ("firewall", "redirect", "dest_ip", "192.168.1.100", OK),
    ("firewall", "redirect", "src_dip", "!203.0.113.7", OK),
    ("firewall", "nat", "src_ip", "10.1.0.0/16", OK),
    ("firewall", "zone", "subnet", "10.8.0.0/24", OK),
    ("firewall", "zone", "masq_src", "!10.0.0.0/24", OK),
    // a vendor placeholder: firewall3 takes it as a device name
    ("firewall", "redirect", "src_dip", " _SET_BY_CWMP_SCRIPT_ ", OK),
    ("firewall", "rule", "dest_ip", "10.0.0.300/99", BAD),
    ("firewall", "rule", "dest_ip", "10.0.0.300", BAD),
    ("firewall", "rule", "src_ip", "10.0.0.0/33", BAD),
    ("firewall", "redirect", "dest_ip", "192.168.1.256", BAD),
    ("firewall", "redirect", "src_ip", "1.2.3.4/99", BAD),
    ("firewall", "nat", "snat_ip", "10.0.0.999", BAD),
    ("firewall", "zone", "subnet", "300.1.1.1/8", BAD),
    // MAC matches: colon or dash separated, `!`
    ("firewall", "rule", "src_mac", "00:11:22:33:44:55", OK),
    ("firewall", "rule", "src_mac", "00-11-22-33-44-55", OK),
    ("firewall", "rule", "src_mac", "!AA:BB:CC:DD:EE:FF", OK),
    ("firewall", "redirect", "src_mac", "00:11:22:33:44:55", OK),
    ("firewall", "rule", "src_mac", "zz:zz:zz:zz:zz:zz", BAD),
    ("firewall", "rule", "src_mac", "00:11:22:33:44", BAD),
    // limits, times, dates, days, marks
    ("firewall", "rule", "limit", "10/minute", OK),
    ("firewall", "rule", "limit", "5/sec", OK),
    ("firewall", "rule", "limit", "100", OK),
    ("firewall", "zone", "log_limit", "10/min", OK),
    ("firewall", "rule", "limit", "10/fortnight", BAD),
    ("firewall", "rule", "limit", "fast", BAD),
    ("firewall", "rule", "start_time", "21:00", OK),
    ("firewall", "rule", "stop_time", "09:30:00", OK),
    ("firewall", "rule", "start_time", "25:00", BAD),
    ("firewall", "rule", "start_date", "2024-01-31", OK),
    ("firewall", "rule", "start_date", "2024-13-01", BAD),
    ("firewall", "rule", "weekdays", "Mon Tue Wed", OK),
    ("firewall", "rule", "weekdays", "sat sun", OK),
    ("firewall", "rule", "weekdays", "funday", BAD),
    ("firewall", "rule", "monthdays", "1 15 31", OK),
    ("firewall", "rule", "monthdays", "32", BAD),
    ("firewall", "rule", "mark", "0x10/0xff", OK),
    ("firewall", "rule", "set_mark", "1", OK),
    ("firewall", "rule", "mark", "tenth", BAD),
    ("firewall", "rule", "set_dscp", "CS1", OK),
    ("firewall", "rule", "set_dscp", "46", OK),
    ("firewall", "rule", "set_dscp", "99", BAD),
    ("firewall", "rule", "proto", "tcp udp", OK),
    ("firewall", "rule", "proto", "tcpudp", OK),
    ("firewall", "rule", "proto", "icmp", OK),
    ("firewall", "rule", "direction", "out", OK),
    ("firewall", "rule", "direction", "egress", OK),
    ("firewall", "rule", "direction", "sideways", BAD),
    ("firewall", "redirect", "reflection_src", "external", OK),
    ("firewall", "include", "type", "script", OK),
    ("firewall", "include", "type", "nftables", OK),
    ("firewall", "include", "type", "perl", BAD),
    ("firewall", "rule", "icmp_type", "echo-request", OK),
    ("firewall", "rule", "icmp_type", "echo-reply destination-unreachable", OK),
    ("firewall", "rule", "icmp_type", "130/0", OK),
    ("firewall", "rule", "icmp_type", "8", OK),
    ("firewall", "rule", "icmp_type", "300", BAD),
    ("firewall", "rule", "icmp_type", "Echo!", BAD),
    ("firewall", "ipset", "storage", "hash", OK),
    ("firewall", "ipset", "storage", "tree", BAD),
    ("firewall", "ipset", "match", "src_ip", OK),
    ("firewall", "ipset", "match", "dest_ip dest_port", OK),
    ("firewall", "ipset", "match", "net", OK),
    ("firewall", "ipset", "match", "src_host", BAD),
    ("firewall", "rule", "enabled", "0", OK),
    ("firewall", "rule", "enabled", "maybe", BAD),
    ("firewall", "defaults", "tcp_ecn", "3", BAD),
];

#[rustfmt::skip]
const DHCP: &[Row] = &[
    // host mac: a list of MACs (dnsmasq dhcp-host), `*` wildcards per byte
    ("dhcp", "host", "mac", "00:11:22:33:44:55", OK),
    ("dhcp", "host", "mac", "aa:bb:cc:dd:ee:ff 00:11:22:33:44:55", OK),
    ("dhcp", "host", "mac", "00:11:22:33:44:*", OK),
    ("dhcp", "host", "mac", "AA:BB:CC:DD:EE:FF|00:11:22:33:44:55", OK),
    ("dhcp", "host", "mac", "zz:zz:zz:zz:zz:zz", BAD),
    ("dhcp", "host", "mac", "00:11:22:33:44", BAD),
    ("dhcp", "host", "mac", "laptop", BAD),
    ("dhcp", "host", "ip", "192.168.1.10", OK),
    ("dhcp", "host", "ip", "ignore", OK),
    ("dhcp", "host", "ip", "10.0.0.256", BAD),
    ("dhcp", "host", "leasetime", "12h", OK),
    ("dhcp", "host", "leasetime", "infinite", OK),
    ("dhcp", "host", "leasetime", "soon", BAD),
    ("dhcp", "host", "broadcast", "1", OK),
    ("dhcp", "host", "dns", "1", OK),
    // hostid: odhcpd reads the leading hex digits and ignores the rest
    ("dhcp", "host", "hostid", "1", OK),
    ("dhcp", "host", "hostid", "0a", OK),
    // dhcp: odhcpd's dns list takes IPv4 and IPv6 servers
    ("dhcp", "dhcp", "dns", "192.168.1.1", OK),
    ("dhcp", "dhcp", "dns", "fd00::1", OK),
    ("dhcp", "dhcp", "dns", "192.168.1.1|fd00::1", OK),
    ("dhcp", "dhcp", "dns", "192.168.1.300", BAD),
    ("dhcp", "dhcp", "leasetime", "12h", OK),
    ("dhcp", "dhcp", "leasetime", "3600", OK),
    ("dhcp", "dhcp", "leasetime", "30m", OK),
    ("dhcp", "dhcp", "leasetime", "infinite", OK),
    ("dhcp", "dhcp", "leasetime", "forever", BAD),
    ("dhcp", "dhcp", "start", "100", OK),
    ("dhcp", "dhcp", "start", "x", BAD),
    ("dhcp", "dhcp", "limit", "150", OK),
    ("dhcp", "dhcp", "netmask", "255.255.255.0", OK),
    ("dhcp", "dhcp", "netmask", "255.0.255.0", BAD),
    ("dhcp", "dhcp", "dhcpv6", "server", OK),
    ("dhcp", "dhcp", "ra", "relay", OK),
    ("dhcp", "dhcp", "ra", "always", BAD),
    ("dhcp", "dhcp", "ra_flags", "managed-config other-config", OK),
    ("dhcp", "dhcp", "ra_flags", "none", OK),
    ("dhcp", "dhcp", "ra_flags", "sometimes", BAD),
    ("dhcp", "dhcp", "ignore", "1", OK),
    ("dhcp", "dnsmasq", "port", "53", OK),
    ("dhcp", "dnsmasq", "port", "65536", BAD),
    ("dhcp", "dnsmasq", "cachesize", "1000", OK),
    ("dhcp", "dnsmasq", "cachesize", "big", BAD),
    ("dhcp", "dnsmasq", "listen_address", "127.0.0.1", OK),
    ("dhcp", "dnsmasq", "listen_address", "::1", OK),
    ("dhcp", "dnsmasq", "listen_address", "localhost", BAD),
    ("dhcp", "dnsmasq", "bogusnxdomain", "64.94.110.11", OK),
    ("dhcp", "domain", "ip", "192.168.1.2", OK),
    ("dhcp", "domain", "ip", "fd00::2", OK),
    ("dhcp", "domain", "ip", "192.168.1", BAD),
    ("dhcp", "boot", "serveraddress", "192.168.1.5", OK),
    ("dhcp", "boot", "serveraddress", "192.168.1.500", BAD),
    ("dhcp", "srvhost", "port", "5060", OK),
    ("dhcp", "odhcpd", "loglevel", "4", OK),
    ("dhcp", "odhcpd", "loglevel", "9", BAD),
];

#[rustfmt::skip]
const NETWORK: &[Row] = &[
    // globals: ula_prefix is a /48 (or so), `auto` (generated at first boot)
    // or `none`, which devices use to have no ULA prefix
    ("network", "globals", "ula_prefix", "fd12:3456:789a::/48", OK),
    ("network", "globals", "ula_prefix", "auto", OK),
    ("network", "globals", "ula_prefix", "none", OK),
    ("network", "globals", "ula_prefix", "fd12:3456:789g::/48", BAD),
    ("network", "globals", "ula_prefix", "192.168.0.0/16", BAD),
    ("network", "globals", "packet_steering", "1", OK),
    // broadcast: an IPv4 address (static) or the DHCP broadcast flag (dhcp)
    ("network", "interface", "broadcast", "192.168.1.255", OK),
    ("network", "interface", "broadcast", "1", OK),
    ("network", "interface", "broadcast", "0", OK),
    ("network", "interface", "broadcast", "192.168.1.256", BAD),
    ("network", "interface", "ipaddr", "192.168.1.1", OK),
    ("network", "interface", "ipaddr", "192.168.1.1/24", OK),
    ("network", "interface", "ipaddr", "10.0.0.1|10.0.1.1/24", OK),
    ("network", "interface", "ipaddr", "192.168.1.300", BAD),
    ("network", "interface", "netmask", "255.255.255.0", OK),
    ("network", "interface", "netmask", "255.0.255.0", BAD),
    ("network", "interface", "gateway", "192.168.1.254", OK),
    ("network", "interface", "gateway", "fe80::1", OK),
    ("network", "interface", "gateway", "router", BAD),
    ("network", "interface", "dns", "8.8.8.8 2001:4860:4860::8888", OK),
    ("network", "interface", "dns", "8.8.8.888", BAD),
    ("network", "interface", "ip6addr", "2001:db8::1/64", OK),
    ("network", "interface", "ip6addr", "2001:db8::1", OK),
    ("network", "interface", "ip6addr", "2001:db8::g/64", BAD),
    ("network", "interface", "ip6assign", "60", OK),
    ("network", "interface", "ip6assign", "x", BAD),
    ("network", "interface", "ip6hint", "10", OK),
    ("network", "interface", "ip6hint", "ab", OK),
    ("network", "interface", "ip6hint", "xyz", BAD),
    ("network", "interface", "macaddr", "00:11:22:33:44:55", OK),
    ("network", "interface", "macaddr", "zz:zz:zz:zz:zz:zz", BAD),
    ("network", "interface", "reqaddress", "none", OK),
    ("network", "interface", "reqaddress", "try", OK),
    ("network", "interface", "reqaddress", "maybe", BAD),
    ("network", "interface", "reqprefix", "auto", OK),
    ("network", "interface", "reqprefix", "56", OK),
    ("network", "interface", "reqprefix", "no", OK),
    ("network", "interface", "reqprefix", "big", BAD),
    ("network", "interface", "gateway", "fd00::a00:1/126", OK),
    ("network", "interface", "mtu", "1500", OK),
    ("network", "interface", "mtu", "big", BAD),
    ("network", "interface", "auto", "0", OK),
    ("network", "interface", "ipv6", "auto", OK),
    ("network", "interface", "listen_port", "51820", OK),
    ("network", "interface", "listen_port", "99999", BAD),
    ("network", "interface", "addresses", "10.0.0.2/24", OK),
    ("network", "interface", "addresses", "10.0.0.2", OK),
    ("network", "interface", "addresses", "fd00:1::2/64", OK),
    ("network", "interface", "addresses", "10.0.0.300/24", BAD),
    ("network", "device", "macaddr", "00:11:22:33:44:55", OK),
    ("network", "device", "macaddr", "00:11:22:33:44:5g", BAD),
    ("network", "device", "vid", "10", OK),
    ("network", "route", "target", "10.0.0.0/8", OK),
    ("network", "route", "target", "10.0.0.0", OK),
    ("network", "route", "target", "10.0.0.0/40", BAD),
    ("network", "route", "gateway", "192.168.1.1", OK),
    ("network", "route", "gateway", "192.168.1.1000", BAD),
    ("network", "route6", "target", "::/0", OK),
    ("network", "route6", "gateway", "fe80::1", OK),
    ("network", "route6", "gateway", "fe80::z", BAD),
    ("network", "rule", "priority", "100", OK),
    ("network", "switch_vlan", "vlan", "1", OK),
    ("network", "switch_vlan", "vlan", "one", BAD),
];

#[rustfmt::skip]
const WIRELESS: &[Row] = &[
    // macaddr: a MAC; on interfaces also `random` (mac80211.sh makes one)
    ("wireless", "wifi-iface", "macaddr", "00:11:22:33:44:55", OK),
    ("wireless", "wifi-iface", "macaddr", "random", OK),
    ("wireless", "wifi-iface", "macaddr", "zz:zz:zz:zz:zz:zz", BAD),
    ("wireless", "wifi-device", "macaddr", "00:11:22:33:44:55", OK),
    ("wireless", "wifi-device", "macaddr", "zz:zz:zz:zz:zz:zz", BAD),
    ("wireless", "wifi-iface", "bssid", "00:11:22:33:44:55", OK),
    ("wireless", "wifi-iface", "bssid", "00:11:22:33:44", BAD),
    ("wireless", "wifi-iface", "maclist", "00:11:22:33:44:55 66:77:88:99:aa:bb", OK),
    ("wireless", "wifi-iface", "maclist", "00:11:22:33:44:zz", BAD),
    ("wireless", "wifi-device", "channel", "11", OK),
    ("wireless", "wifi-device", "channel", "auto", OK),
    ("wireless", "wifi-device", "channel", "eleven", BAD),
    ("wireless", "wifi-device", "band", "5g", OK),
    ("wireless", "wifi-device", "band", "5ghz", BAD),
    ("wireless", "wifi-device", "txpower", "20", OK),
    ("wireless", "wifi-device", "txpower", "max", BAD),
    ("wireless", "wifi-device", "disabled", "0", OK),
    ("wireless", "wifi-iface", "ssid", "OpenWrt", OK),
    ("wireless", "wifi-iface", "ssid", "a-name-that-is-longer-than-32-bytes", BAD),
    ("wireless", "wifi-iface", "ieee80211w", "2", OK),
    ("wireless", "wifi-iface", "ieee80211w", "3", BAD),
    ("wireless", "wifi-iface", "mobility_domain", "4f57", OK),
    ("wireless", "wifi-iface", "mobility_domain", "xyz1", BAD),
    ("wireless", "wifi-iface", "dtim_period", "2", OK),
    ("wireless", "wifi-iface", "dtim_period", "0", BAD),
    ("wireless", "wifi-iface", "macfilter", "deny", OK),
    ("wireless", "wifi-iface", "macfilter", "block", BAD),
    ("wireless", "wifi-iface", "auth_port", "1812", OK),
    ("wireless", "wifi-iface", "basic_rate", "6000 12000 24000", OK),
    ("wireless", "wifi-iface", "hidden", "1", OK),
];

#[rustfmt::skip]
const SYSTEM: &[Row] = &[
    ("system", "system", "hostname", "OpenWrt", OK),
    ("system", "system", "log_port", "514", OK),
    ("system", "system", "log_port", "99999", BAD),
    ("system", "system", "log_ip", "192.168.1.2", OK),
    ("system", "system", "log_proto", "udp", OK),
    ("system", "system", "log_proto", "sctp", BAD),
    ("system", "system", "conloglevel", "8", OK),
    ("system", "system", "conloglevel", "loud", BAD),
    ("system", "timeserver", "server", "0.openwrt.pool.ntp.org|1.openwrt.pool.ntp.org", OK),
    ("system", "timeserver", "enabled", "1", OK),
    ("system", "led", "delayon", "500", OK),
];

/// The config text of one row: a section `s` of the type with the option.
fn config_text(stype: &str, option: &str, value: &str) -> String {
    let mut t = format!("config {stype} 's'\n");
    if value.contains('|') {
        for item in value.split('|') {
            t.push_str(&format!("\tlist {option} '{item}'\n"));
        }
    } else {
        t.push_str(&format!("\toption {option} '{value}'\n"));
    }
    t
}

#[test]
fn schemas_agree_with_the_daemons() {
    let empty = tempfile::tempdir().expect("tempdir");
    let catalog = Catalog::new(empty.path());
    let mut false_positives = vec![];
    let mut false_negatives = vec![];
    let tables = [FIREWALL, DHCP, NETWORK, WIRELESS, SYSTEM];
    let rows: Vec<&Row> = tables.iter().flat_map(|t| t.iter()).collect();
    for &&(pkg, stype, option, value, accepted) in &rows {
        let schema = catalog.load(pkg.as_bytes()).expect("built-in schema parses").expect("built-in schema exists");
        let text = config_text(stype, option, value);
        let p = ucix::syntax::statement::parse_package(text.as_bytes(), pkg.as_bytes(), true)
            .unwrap_or_else(|(e, _)| panic!("{text:?}: {e:?}"));
        let issues = check_package(&schema, &p, &NoResolver, &Options::default()).expect("no section filter");
        let line = format!("{pkg}.{stype}.{option} = {value:?}");
        match (accepted, issues.is_empty()) {
            (true, false) => false_positives.push(format!("{line}: flagged ({})", issues[0].line())),
            (false, true) => false_negatives.push(format!("{line}: not flagged")),
            _ => {}
        }
    }
    println!(
        "{} rows ({} accepted by the daemons, {} rejected): {} false positives, {} false negatives",
        rows.len(),
        rows.iter().filter(|r| r.4).count(),
        rows.iter().filter(|r| !r.4).count(),
        false_positives.len(),
        false_negatives.len()
    );
    for l in false_positives.iter().chain(&false_negatives) {
        println!("  {l}");
    }
    assert!(
        false_positives.is_empty() && false_negatives.is_empty(),
        "{} false positives, {} false negatives (listed above)",
        false_positives.len(),
        false_negatives.len()
    );
}

#[test]
fn every_builtin_datatype_parses() {
    let empty = tempfile::tempdir().expect("tempdir");
    let catalog = Catalog::new(empty.path());
    let mut bad = vec![];
    for (pkg, _) in ucix::schema::definition::BUILTIN {
        let schema = catalog.load(pkg.as_bytes()).expect("built-in schema parses").expect("built-in schema exists");
        for s in &schema.sections {
            for o in &s.options {
                if let Err(e) = &o.expr {
                    bad.push(format!(
                        "{pkg}.{}.{}: {}: {e}",
                        String::from_utf8_lossy(&s.stype),
                        String::from_utf8_lossy(&o.name),
                        String::from_utf8_lossy(&o.datatype)
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "built-in datatypes that do not parse:\n{}", bad.join("\n"));
}
