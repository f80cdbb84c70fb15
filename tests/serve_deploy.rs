//! The deployment files of `ucix serve` (dist/): the system bus policy
//! `dist/dbus/org.ucix.Config.conf`, included in a private bus that denies
//! by default like the system bus does, lets root own org.ucix.Config and
//! anyone call org.ucix.Config1, and nobody else own the name or call other
//! interfaces. The activation file and units are checked for their keys.
//! Needs root, dbus-daemon, gdbus, dbus-send and setpriv; skipped otherwise.

mod common;
mod serve_support;

use serve_support::{available, Bus, NOBODY};

fn system_like(socket: &std::path::Path) -> String {
    let policy = common::manifest_dir().join("dist/dbus/org.ucix.Config.conf");
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
  <include>{}</include>
</busconfig>
"#,
        socket.display(),
        policy.display()
    )
}

#[test]
fn system_bus_policy() {
    if !available() {
        return;
    }
    let acl = format!("config acl\n\toption user '{NOBODY}'\n\tlist read 'net'\n");
    let bus = Bus::start_with("serve_policy", &[("net", "config interface 'lan'\n\toption proto 'static'\n"), ("ucix", &acl)], system_like);
    // root owns the name (start_with waited for it); anyone may call
    assert_eq!(bus.call_as(Some(NOBODY), "Get", &["net", "lan", "proto"]).out().trim(), "(<'static'>,)");
    bus.call_as(Some(NOBODY), "Set", &["net", "lan", "{'proto': <'dhcp'>}"]).error("uid 65534 may not change net");
    // the bus itself refuses other interfaces, and owning the name to anyone but root
    let mut c = std::process::Command::new("dbus-send");
    c.arg(format!("--bus={}", bus.addr)).args(["--print-reply", "--dest=org.ucix.Config", "/org/ucix/Config", "org.example.Other.Call"]);
    let o = c.output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("AccessDenied"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bus.serve_command(Some(NOBODY)).output().unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot own org.ucix.Config"), "{err}");
}

#[test]
fn activation_file_and_units_name_the_service() {
    let root = common::manifest_dir().join("dist");
    let act = std::fs::read_to_string(root.join("dbus/org.ucix.Config.service")).unwrap();
    for want in ["[D-BUS Service]\n", "Name=org.ucix.Config\n", "Exec=@BINDIR@/ucix serve\n", "User=root\n", "SystemdService=ucix-serve.service\n"] {
        assert!(act.contains(want), "{want} missing in the activation file");
    }
    let unit = std::fs::read_to_string(root.join("systemd/ucix-serve.service")).unwrap();
    for want in ["Type=dbus\n", "BusName=org.ucix.Config\n", "ExecStart=@BINDIR@/ucix serve\n", "Alias=dbus-org.ucix.Config.service\n"] {
        assert!(unit.contains(want), "{want} missing in the systemd unit");
    }
    let init = std::fs::read_to_string(root.join("procd/ucix-serve")).unwrap();
    assert!(init.starts_with("#!/bin/sh /etc/rc.common\n") && init.contains("USE_PROCD=1") && init.contains("procd_set_param command @BINDIR@/ucix serve"));
}
