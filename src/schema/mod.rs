//! Schemas: datatypes (ubox `validate_data` language), validation, recorded
//! versions and migrations (issue: schema versions, validation and
//! migrations).
//!
//! * [`datatypes`]: the expression language (`port`, `or(ip4addr,ip6addr)`, …).
//! * [`definition`]: schema files (UCI text), built-in schemas and the
//!   schema directory ([`Catalog`]).
//! * [`validate`]: checking packages, with locations like `dhcp.@host[3].ip`.
//! * [`resolver`]: `uci(...)` lookups over a [`crate::store::Context`].
//! * [`version`]: the recorded versions (`<confdir>/.ucix-versions`).
//! * [`migrate`]: migration steps, applied as one atomic commit.
#![forbid(unsafe_code)]

pub mod datatypes;
pub mod definition;
pub mod migrate;
pub mod resolver;
pub mod validate;
pub mod version;

pub use definition::{Catalog, Schema, SchemaError};
pub use resolver::ContextResolver;
