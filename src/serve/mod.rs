//! `ucix serve`: configuration over D-Bus (`org.ucix.Config`, object
//! `/org/ucix/Config`, interface `org.ucix.Config1`).
//!
//! * [`ops`]: the methods on a caller's context (per-uid staging under
//!   `$UCIX_STATE_DIR/serve/<uid>/`, commits through the journaled engine);
//! * [`acl`]: who may read and change which package (`acl` sections of the
//!   `ucix` package);
//! * [`metrics`]: the service's counters for `ucix stats --prometheus`;
//! * `bus` (cargo feature `serve`, on by default): the zbus service and the
//!   `Committed` signal, emitted for each commit the audit log
//!   ([`crate::audit`]) records, whatever committed it.
//!
//! Only the `ucix` binary calls [`bus::serve`], so zbus is linked into
//! `ucix` alone; `uci`, `libuci.so` and the Lua module (which depend on the
//! core without the feature, or never reach this code) stay as they were.
#![forbid(unsafe_code)]

pub mod acl;
pub mod metrics;
pub mod ops;

#[cfg(feature = "serve")]
pub mod bus;
