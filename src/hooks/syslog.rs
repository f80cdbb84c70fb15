//! Messages to syslog for the drop-in entry points, whose stdout and stderr
//! must stay byte-identical to uci's: one datagram in the traditional
//! `<PRI>TAG[PID]: MSG` form to the log socket (`/dev/log`,
//! `UCIX_SYSLOG_SOCKET` overrides), facility user, level warning. Nothing
//! happens when no syslog daemon listens.
#![forbid(unsafe_code)]

use std::os::unix::net::UnixDatagram;

/// `LOG_USER | LOG_WARNING`
const PRI: u32 = 8 + 4;

pub fn log(msg: &str) {
    let sock = crate::store::paths::syslog_socket();
    let Ok(s) = UnixDatagram::unbound() else { return };
    let line = format!("<{PRI}>ucix[{}]: {msg}", std::process::id());
    let _ = s.send_to(line.as_bytes(), sock);
}
