//! `uci(...)` datatype lookups answered from a [`Context`]'s directories
//! (confdir, override dir, staged changes), loading each package through the
//! core once per resolver.

use std::cell::RefCell;
use std::collections::HashMap;

use super::datatypes::Resolver;
use crate::model::{Package, Value};
use crate::store::Context;

/// A [`Resolver`] over the configuration a context sees.
pub struct ContextResolver {
    ctx: RefCell<Context>,
    cache: RefCell<HashMap<Vec<u8>, Option<Package>>>,
}

impl ContextResolver {
    /// Uses the directories and flags of `ctx` (not its loaded packages).
    pub fn new(ctx: &Context) -> ContextResolver {
        let mut c = ctx.clone();
        c.packages.clear();
        c.flags &= !crate::store::FLAG_PERROR;
        ContextResolver { ctx: RefCell::new(c), cache: RefCell::new(HashMap::new()) }
    }

    fn with_package<T>(&self, name: &str, f: impl FnOnce(&Package) -> T) -> Option<T> {
        let key = name.as_bytes().to_vec();
        let mut cache = self.cache.borrow_mut();
        let entry = cache.entry(key.clone()).or_insert_with(|| self.ctx.borrow_mut().read_package(&key, &|_| false).ok());
        entry.as_ref().map(f)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Resolver for ContextResolver {
    fn sections(&self, package: &str) -> Option<Vec<(String, String)>> {
        self.with_package(package, |p| p.sections.iter().map(|s| (text(&s.name), text(&s.stype))).collect())
    }

    fn option(&self, package: &str, section: &str, option: &str) -> Option<Vec<String>> {
        self.with_package(package, |p| {
            let o = p.section(section.as_bytes())?.option(option.as_bytes())?;
            Some(match &o.value {
                Value::Str(v) => vec![text(v)],
                Value::List(l) => l.iter().map(|v| text(v)).collect(),
            })
        })
        .flatten()
    }
}
