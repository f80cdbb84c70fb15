//! ucix: a drop-in replacement for OpenWrt's UCI configuration toolkit.
//!
//! The pipeline, each rule written once:
//! [`syntax`] (tokenizer and statements) → [`model`] (packages, sections,
//! options, anonymous naming) → [`edit`] (libuci's mutation rules) and
//! [`delta`] (change files) → [`write`] (the export format) →
//! [`lookup`] (tuples and `@type[n]`) → [`store`] (load, save, commit,
//! revert, locking). The `uci` and `ucix` commands live in [`cli`]; the C
//! shim (`uci-compat/`) and the Lua module (`lua/`) are thin layers over the
//! same modules.
//!
//! ```
//! use ucix::store::Context;
//! let dir = tempfile::tempdir().unwrap();
//! # // commits record history under UCIX_STATE_DIR (default /var/lib/ucix)
//! # std::env::set_var("UCIX_STATE_DIR", dir.path().join("state"));
//! # std::env::set_var("UCIX_CACHE_DIR", dir.path().join("cache"));
//! let conf = dir.path().join("config");
//! std::fs::create_dir(&conf).unwrap();
//! std::fs::write(conf.join("net"), "config interface 'lan'\n\toption proto 'static'\n").unwrap();
//! let mut ctx = Context::new();
//! ctx.set_confdir(conf.to_str().unwrap().as_bytes());
//! ctx.set_conf2dir(None);
//! ctx.set_savedir(dir.path().join("delta").to_str().unwrap().as_bytes());
//! let mut ptr = ucix::lookup::Ptr::default();
//! let i = ctx.lookup(&mut ptr, Some(b"net.lan.proto=dhcp"), true).unwrap();
//! ucix::edit::set(&mut ctx.packages[i], &mut ptr, false).unwrap();
//! ctx.save(i).unwrap();
//! let i = ctx.commit(i, false).unwrap();
//! let mut out = Vec::new();
//! ucix::write::export(&mut out, &ctx.packages[i], false, false);
//! assert_eq!(out, b"\nconfig interface 'lan'\n\toption proto 'dhcp'\n\n");
//! ```
#![deny(unsafe_code)]

pub mod audit;
pub mod cache;
pub mod cli;
pub mod delta;
pub mod edit;
pub mod error;
pub mod hooks;
pub mod lookup;
pub mod model;
#[cfg(feature = "remote")]
pub mod remote;
pub mod schema;
pub mod serve;
pub mod store;
pub mod syntax;
pub mod txn;
pub mod write;

pub use error::{Error, ErrorCode, Result};
