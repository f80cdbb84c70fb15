//! Shell safety of `uci -S -n export` (cli.md §5): OpenWrt's `config_load`
//! runs `eval "$(uci -S -n export <pkg>)"`. The exported text of a fuzzed
//! package is evaluated by `/bin/dash` with recording `config`/`option`/
//! `list` functions (`tests/shell/records.sh`); every callback must receive
//! exactly the model's arguments, byte for byte, the shell must print
//! nothing on stderr and exit 0, and nothing may appear in its (empty)
//! working directory.
//!
//! Input: byte 0 even → config text, parsed non-strictly (values can hold
//! any byte but NUL); odd → the rest split at NUL bytes gives the values of
//! one section's options and list items directly, as `uci set` could store
//! them (any bytes but NUL).
//!
//! Section types are written unquoted (the original's format), so the
//! shell sees them as shell words: only packages whose types are made of
//! `[A-Za-z0-9_.-]` are evaluated (see fuzz/README.md, "section types").
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ucix::model::{Opt, Package, Section, Value};
use ucix::write::export;
use ucix_fuzz::model::parse;
use ucix_fuzz::sandbox::Sandbox;
use ucix_fuzz::shell::{eval_export, expected_calls, find};

struct Env {
    shell: PathBuf,
    sandbox: Sandbox,
}

fn env() -> &'static Env {
    static E: OnceLock<Env> = OnceLock::new();
    E.get_or_init(|| {
        let shell = find(&["/bin/dash", "/usr/bin/dash"]).expect("dash is installed (scripts/fuzz.sh installs it)");
        let sandbox = Sandbox::new("shell");
        sandbox.reset(&[]);
        Env { shell, sandbox }
    })
}

fn shell_safe_type(t: &[u8]) -> bool {
    !t.is_empty() && t.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn from_values(rest: &[u8]) -> Package {
    let mut p = Package::new(b"fuzz");
    let mut options = vec![];
    let mut items = vec![];
    for (i, v) in rest.split(|&c| c == 0).enumerate() {
        if i % 2 == 0 {
            options.push(Opt { name: format!("o{i}").as_str().into(), value: Value::Str(v.into()) });
        } else {
            items.push(v.into());
        }
    }
    options.push(Opt { name: b"l".into(), value: Value::List(items) });
    p.sections.push(Section { name: b"s".into(), stype: b"t".into(), anonymous: false, options });
    p
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let p = if mode & 1 == 0 {
        match parse(rest, b"fuzz", false) {
            Ok(p) => p,
            Err(_) => return,
        }
    } else {
        from_values(rest)
    };
    if !p.sections.iter().all(|s| shell_safe_type(&s.stype)) {
        return;
    }
    let mut text = Vec::new();
    export(&mut text, &p, true, true);
    let e = env();
    let calls = eval_export(&e.shell, &text, &e.sandbox.scratch)
        .unwrap_or_else(|err| panic!("{err}\nexport text:\n{}", String::from_utf8_lossy(&text)));
    assert!(Sandbox::is_empty(&e.sandbox.scratch), "the shell created a file");
    assert_eq!(calls, expected_calls(&p, true), "export text:\n{}", String::from_utf8_lossy(&text));
});
