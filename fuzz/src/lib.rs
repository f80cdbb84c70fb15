//! Helpers shared by the fuzz targets in `fuzz_targets/`.
//!
//! * [`model`]: parsing fuzz input into packages and comparing packages.
//! * [`shell`]: evaluating `uci -S -n export` text in a real `sh` with
//!   recording `config`/`option`/`list` callbacks.
//! * [`sandbox`]: a private directory tree for targets that touch files
//!   (batch mode), with every `UCIX_*` location pointed inside it.
//! * [`cache`]: comparing the answers of a cache index with its package,
//!   and exercising every reader entry point on an index of any content.
//!
//! The targets call the same core functions as the `uci` command; nothing
//! here re-implements a rule of the core.

pub mod model {
    use ucix::error::ErrorCode;
    use ucix::model::{Package, Value};
    use ucix::syntax::statement::parse_package;
    use ucix::syntax::{import, ImportOptions, Pctx, Stream};

    /// Splits `data` at the first `sep`: `(before, Some(after))`, or
    /// `(data, None)` when `sep` does not occur.
    pub fn split<'a>(data: &'a [u8], sep: &[u8]) -> (&'a [u8], Option<&'a [u8]>) {
        match data.windows(sep.len()).position(|w| w == sep) {
            Some(i) => (&data[..i], Some(&data[i + sep.len()..])),
            None => (data, None),
        }
    }

    /// Parses `data` as the single package `name` (`uci_load`, `uci import name`).
    pub fn parse(data: &[u8], name: &[u8], strict: bool) -> Result<Package, ErrorCode> {
        parse_package(data, name, strict).map_err(|(e, _)| e.code())
    }

    /// Parses `data` as a multi-package stream (`uci import` without a name).
    pub fn parse_multi(data: &[u8], strict: bool) -> (Vec<Package>, Result<(), ErrorCode>) {
        let mut pctx = Pctx::new();
        let mut r = Stream::from_bytes(data);
        let opts = ImportOptions { strict, single: false, name: None };
        let im = import(&mut pctx, &mut r, &opts, None, &|_| false, &mut |_, _| {});
        (im.packages, im.result.map_err(|e| e.code()))
    }

    /// Compares the sections of two packages (names, types, options in
    /// order); with `anonymous` also the anonymous flags. `Err` describes
    /// the first difference.
    pub fn compare(a: &Package, b: &Package, anonymous: bool) -> Result<(), String> {
        if a.sections.len() != b.sections.len() {
            return Err(format!("{} sections vs {}", a.sections.len(), b.sections.len()));
        }
        for (i, (x, y)) in a.sections.iter().zip(&b.sections).enumerate() {
            if x.name != y.name || x.stype != y.stype || x.options != y.options {
                return Err(format!("section {i} differs:\n  {x:?}\n  {y:?}"));
            }
            if anonymous && x.anonymous != y.anonymous {
                return Err(format!("section {i}: anonymous {} vs {}", x.anonymous, y.anonymous));
            }
        }
        Ok(())
    }

    /// Bytes that end or change an unquoted word of config text. Section
    /// types are written unquoted by export (file-format.md §8, as the
    /// original does), so a type containing one of them does not read back
    /// as itself.
    pub fn type_reads_back(t: &[u8]) -> bool {
        !t.iter().any(|c| matches!(c, b'\'' | b'"' | b'\\' | b'#' | b';'))
    }

    /// Section names unique in the package (export with names writes each
    /// one; a repeated name merges on re-read, as in the original).
    pub fn unique_names(p: &Package) -> bool {
        let mut names: Vec<&[u8]> = p.sections.iter().map(|s| &s.name[..]).collect();
        names.sort_unstable();
        names.windows(2).all(|w| w[0] != w[1])
    }

    /// Whether any named section is called like a generated name
    /// (`cfg` + hex digits): on re-read an anonymous section could get it.
    pub fn has_generated_like_name(p: &Package) -> bool {
        p.sections.iter().any(|s| {
            !s.anonymous && s.name.len() >= 9 && s.name.starts_with(b"cfg") && s.name[3..].iter().all(u8::is_ascii_hexdigit)
        })
    }

    /// Checks what every successfully parsed package satisfies: names and
    /// types follow the name rules, no value holds a NUL, string options are
    /// never empty, and the O(1) section index agrees with a linear scan.
    pub fn check_parsed(p: &Package) {
        use ucix::lookup::{valid_name, valid_type};
        for (i, s) in p.sections.iter().enumerate() {
            assert!(valid_name(&s.name), "section name {:?}", s.name);
            assert!(valid_type(&s.stype), "section type {:?}", s.stype);
            let first = p.sections.iter().position(|t| t.name == s.name);
            assert_eq!(p.section_index(&s.name), first, "index of section {i}");
            let mut seen: Vec<&[u8]> = vec![];
            for o in &s.options {
                assert!(valid_name(&o.name), "option name {:?}", o.name);
                assert!(!seen.contains(&&o.name[..]), "option {:?} twice", o.name);
                seen.push(&o.name);
                match &o.value {
                    Value::Str(v) => {
                        assert!(!v.is_empty(), "empty string option {:?}", o.name);
                        assert!(!v.contains(&0), "NUL in value");
                    }
                    Value::List(items) => {
                        assert!(!items.is_empty(), "empty list {:?} from a file", o.name);
                        assert!(items.iter().all(|v| !v.contains(&0)), "NUL in list item");
                    }
                }
            }
        }
    }
}

pub mod shell {
    use std::path::Path;
    use std::process::{Command, Stdio};

    use ucix::model::{Package, Value};

    /// The recording callbacks (`tests/shell/records.sh`).
    pub const RECORDS_SH: &str = include_str!("../../tests/shell/records.sh");

    /// One callback invocation: keyword and arguments.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Call {
        pub keyword: Vec<u8>,
        pub args: Vec<Vec<u8>>,
    }

    fn call(keyword: &[u8], args: &[&[u8]]) -> Call {
        Call { keyword: keyword.to_vec(), args: args.iter().map(|a| a.to_vec()).collect() }
    }

    /// The calls that `eval`ing `export` (with names, `-n`) of `p` must
    /// make; with `header`, the `package` line first.
    pub fn expected_calls(p: &Package, header: bool) -> Vec<Call> {
        let mut out = vec![];
        if header {
            out.push(call(b"package", &[&p.name]));
        }
        for s in &p.sections {
            out.push(call(b"config", &[&s.stype, &s.name]));
            for o in &s.options {
                match &o.value {
                    Value::Str(v) => out.push(call(b"option", &[&o.name, v])),
                    Value::List(items) => {
                        for it in items {
                            out.push(call(b"list", &[&o.name, it]));
                        }
                    }
                }
            }
        }
        out
    }

    /// Decodes the output of the recording callbacks.
    pub fn decode(out: &[u8]) -> Result<Vec<Call>, String> {
        let mut fields = out.split(|&c| c == 0);
        let mut calls = vec![];
        while let Some(kw) = fields.next() {
            if kw.is_empty() {
                // the final terminator
                if fields.next().is_none() {
                    break;
                }
                return Err("empty keyword".into());
            }
            let n: usize = fields
                .next()
                .and_then(|f| std::str::from_utf8(f).ok()?.parse().ok())
                .ok_or_else(|| format!("bad argument count after {:?}", String::from_utf8_lossy(kw)))?;
            let mut args = vec![];
            for _ in 0..n {
                args.push(fields.next().ok_or("missing argument")?.to_vec());
            }
            calls.push(Call { keyword: kw.to_vec(), args });
        }
        Ok(calls)
    }

    /// Runs `shell -c '<records.sh>; eval "$1"' sh <text>` in `cwd` with an
    /// empty environment (but `PATH`) and returns the calls made. Fails when
    /// the shell writes to stderr or exits non-zero.
    pub fn eval_export(shell: &Path, text: &[u8], cwd: &Path) -> Result<Vec<Call>, String> {
        use std::os::unix::ffi::OsStrExt;
        let script = format!("{RECORDS_SH}\neval \"$1\"\n");
        let out = Command::new(shell)
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(std::ffi::OsStr::from_bytes(text))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .current_dir(cwd)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", shell.display()))?;
        if !out.status.success() || !out.stderr.is_empty() {
            return Err(format!(
                "{} exited {}; stderr: {}",
                shell.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        decode(&out.stdout)
    }

    /// Finds a shell by absolute path (`/bin/dash`, `/usr/bin/busybox`).
    pub fn find(candidates: &[&str]) -> Option<std::path::PathBuf> {
        candidates.iter().map(std::path::PathBuf::from).find(|p| p.is_file())
    }
}

pub mod cache {
    use ucix::cache::{encode, Index, ValueRef};
    use ucix::lookup::{self, Ptr, Sections};
    use ucix::model::{Package, Value};

    /// At most this many sections, and options per section, are walked
    /// (inputs are small; this bounds the work on crafted tables).
    const WALK: usize = 64;

    /// Tuples of package `fuzz` resolved on every index: fixed ones (names
    /// of the conformance examples, `@type[n]` forms in and out of range,
    /// malformed ones) and, for each section of `p`, its name, its options
    /// and its `@type[n]` forms.
    pub fn tuples(p: &Package) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = [
            "fuzz", "fuzz.lan", "fuzz.lan.proto", "fuzz.lan.dns", "fuzz.lan.nope", "fuzz.nope", "fuzz.nope.proto",
            "fuzz.@interface[0]", "fuzz.@interface[-1].ifname", "fuzz.@interface[9]", "fuzz.@interface[-9]",
            "fuzz.@[0]", "fuzz.@[-1]", "fuzz.@[0].name", "fuzz.@[99]", "fuzz.@nope[0]", "fuzz.@nope[-1]",
            "fuzz.@switch_vlan[1].ports", "fuzz.@interface[x]", "fuzz.@interface", "fuzz.@[", "fuzz.cfg01e63d.name",
            "fuzz.@rule[1].name", "fuzz.@zone[-2]",
        ]
        .iter()
        .map(|t| t.as_bytes().to_vec())
        .collect();
        let tuple = |parts: &[&[u8]]| {
            let mut t = b"fuzz".to_vec();
            for part in parts {
                t.push(b'.');
                t.extend_from_slice(part);
            }
            t
        };
        for (si, s) in p.sections.iter().enumerate().take(WALK) {
            let count = p.sections.iter().filter(|x| x.stype == s.stype).count() as i64;
            let rank = p.sections[..si].iter().filter(|x| x.stype == s.stype).count() as i64;
            v.push(tuple(&[&s.name]));
            v.push(tuple(&[&s.name, b"nope"]));
            for o in s.options.iter().take(WALK) {
                v.push(tuple(&[&s.name, &o.name]));
            }
            for n in [rank, rank - count, count, -count - 1] {
                let ext = [b"@".as_slice(), &s.stype, format!("[{n}]").as_bytes()].concat();
                v.push(tuple(&[&ext]));
                if let Some(o) = s.options.first() {
                    v.push(tuple(&[&ext, &o.name]));
                }
            }
            v.push(tuple(&[format!("@[{si}]").as_bytes()]));
        }
        v
    }

    /// Asserts that `idx` answers exactly like `p` (the package it was
    /// built from): the whole package read back, every section and option
    /// read in place, and every tuple of [`tuples`] resolved by the same
    /// rules (`lookup::resolve` on both).
    pub fn assert_answers_like(idx: &Index, p: &Package) {
        let q = idx.to_package().expect("an index of the writer reads back");
        assert_eq!(q.name, p.name);
        assert_eq!(q.sections, p.sections, "sections read back");
        assert_eq!(
            (q.n_section, q.has_delta, q.uses_conf2, &q.path, &q.saved_delta),
            (p.n_section, p.has_delta, p.uses_conf2, &p.path, &p.saved_delta)
        );
        assert_eq!(idx.section_count(), p.sections.len());
        for (si, s) in p.sections.iter().enumerate() {
            assert_eq!(idx.section_name(si), Some(&s.name[..]));
            assert_eq!(idx.section_type(si), Some(&s.stype[..]));
            assert_eq!(idx.section_anonymous(si), Some(s.anonymous));
            assert_eq!(idx.option_count(si), Some(s.options.len()));
            assert_eq!(idx.find_section(&s.name), p.section_index(&s.name), "section {:?}", s.name);
            assert_eq!(idx.find_option(si, b"\x00"), s.option_index(b"\x00"));
            for (oi, o) in s.options.iter().enumerate() {
                assert_eq!(idx.option_name(si, oi), Some(&o.name[..]));
                assert_eq!(idx.find_option(si, &o.name), s.option_index(&o.name), "option {:?}", o.name);
                assert_eq!(idx.value(si, oi).as_ref(), Some(&o.value));
                match (idx.value_ref(si, oi), &o.value) {
                    (Some(ValueRef::Str(a)), Value::Str(b)) => assert_eq!(a, &b[..]),
                    (Some(ValueRef::List(first, n)), Value::List(items)) => {
                        assert_eq!(n as usize, items.len());
                        for (i, it) in items.iter().enumerate() {
                            assert_eq!(idx.item(first as usize + i), Some(&it[..]));
                        }
                    }
                    (r, v) => panic!("value_ref {r:?} for {v:?}"),
                }
            }
            assert_eq!(idx.option_name(si, s.options.len()), None);
            let first = p.section_index(&s.name).expect("a section is found by its name");
            for o in &s.options {
                let want = p.sections[first].option_index(&o.name).map(|oi| &p.sections[first].options[oi].value);
                let got = idx.get(&s.name, &o.name).map(|_| idx.value(first, idx.find_option(first, &o.name).unwrap()).unwrap());
                assert_eq!(got.as_ref(), want);
            }
            for t in [&s.stype[..], b"", b"\x01nope"] {
                let n = Sections::type_count(p, t);
                assert_eq!(Sections::type_count(idx, t), n, "type_count {t:?}");
                for k in 0..=n.min(WALK) {
                    assert_eq!(Sections::nth_of_type(idx, t, k), Sections::nth_of_type(p, t, k), "nth_of_type {t:?} {k}");
                }
            }
        }
        assert_eq!(idx.section_name(p.sections.len()), None);
        assert_eq!(idx.find_section(b"\x00"), p.section_index(b"\x00"));
        for t in tuples(p) {
            let Ok(ptr) = Ptr::parse(&t) else { continue };
            for extended in [true, false] {
                let (mut a, mut b) = (ptr.clone(), ptr.clone());
                let ra = lookup::resolve(p, &mut a, extended);
                let rb = lookup::resolve(idx, &mut b, extended);
                let t = String::from_utf8_lossy(&t);
                assert_eq!(ra, rb, "resolve {t}");
                assert_eq!(a, b, "ptr of {t}");
                if let (Some(si), Some(oi)) = (b.s, b.o) {
                    assert_eq!(idx.value(si, oi).as_ref(), Some(&p.sections[si].options[oi].value), "value of {t}");
                }
            }
        }
        assert!(!idx.poisoned(), "an index of the writer is never poisoned");
    }

    /// Calls every reader entry point of an index whose content is unknown
    /// (crafted, patched, truncated): nothing is checked but the absence
    /// of panics and memory errors, and that a package it accepts as a
    /// whole survives a round trip through the writer.
    pub fn exercise(idx: &Index) {
        let _ = idx.meta();
        let n = idx.section_count();
        let mut names: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = Vec::new();
        for si in 0..=n.min(WALK) {
            let name = idx.section_name(si).map(<[u8]>::to_vec);
            let stype = idx.section_type(si).map(<[u8]>::to_vec);
            let _ = idx.section_anonymous(si);
            if let Some(name) = &name {
                let _ = idx.find_section(name);
            }
            let k = idx.option_count(si).unwrap_or(0);
            for oi in 0..=k.min(WALK) {
                let oname = idx.option_name(si, oi).map(<[u8]>::to_vec);
                if let Some(o) = &oname {
                    let _ = idx.find_option(si, o);
                    if let Some(name) = &name {
                        let _ = idx.get(name, o);
                    }
                }
                match idx.value_ref(si, oi) {
                    Some(ValueRef::List(first, n)) => {
                        for i in (first as usize..first as usize + n as usize).take(WALK) {
                            let _ = idx.item(i);
                        }
                    }
                    Some(ValueRef::Str(_)) | None => {}
                }
                let _ = idx.value(si, oi);
                names.push((name.clone().unwrap_or_default(), stype.clone().unwrap_or_default(), oname.unwrap_or_default()));
            }
            let _ = idx.find_option(si, b"name");
        }
        let mut ts: Vec<Vec<u8>> = tuples(&Package::new(b"fuzz"));
        for (name, stype, oname) in names.iter().take(WALK) {
            ts.push([b"fuzz.".as_slice(), name, b".", oname].concat());
            ts.push([b"fuzz.@".as_slice(), stype, b"[-1]"].concat());
            let _ = Sections::type_count(idx, stype);
            let _ = Sections::nth_of_type(idx, stype, 1);
        }
        for t in ts {
            if let Ok(mut ptr) = Ptr::parse(&t) {
                let _ = lookup::resolve(idx, &mut ptr, true);
                if let (Some(si), Some(oi)) = (ptr.s, ptr.o) {
                    let _ = idx.value(si, oi);
                }
            }
        }
        let whole = idx.verify_all();
        if let Some(q) = idx.to_package() {
            assert!(whole, "a package is read only from a verified index");
            assert_eq!(q.sections.len(), n);
            let bytes = encode(&q, b"again".to_vec(), vec![], 0).expect("a package read from an index encodes");
            let again = Index::from_bytes(bytes).expect("the writer's index opens");
            assert_answers_like(&again, &q);
        }
    }
}

pub mod sandbox {
    use std::fs;
    use std::path::{Path, PathBuf};

    /// A private directory (`/dev/shm/ucix-fuzz-<name>-<pid>`, else under
    /// `$TMPDIR`) with `config/`
    /// and `delta/`, and every `UCIX_*` path of this process pointed into it
    /// so nothing outside it is ever written.
    pub struct Sandbox {
        pub root: PathBuf,
        pub confdir: PathBuf,
        pub savedir: PathBuf,
        pub scratch: PathBuf,
    }

    impl Sandbox {
        pub fn new(name: &str) -> Sandbox {
            // tmpfs when there is one: commits fsync, which is slow on disk
            let shm = Path::new("/dev/shm");
            let tmp = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
            // libFuzzer exits without dropping statics: remove the sandboxes
            // of earlier runs whose process is gone
            for e in fs::read_dir(&tmp).into_iter().flatten().flatten() {
                let n = e.file_name();
                let n = n.to_string_lossy();
                let pid = n.strip_prefix("ucix-fuzz-").and_then(|r| r.rsplit('-').next());
                if let Some(pid) = pid.filter(|p| p.bytes().all(|c| c.is_ascii_digit())) {
                    if !Path::new("/proc").join(pid).exists() {
                        let _ = fs::remove_dir_all(e.path());
                    }
                }
            }
            let root = tmp.join(format!("ucix-fuzz-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            fs::create_dir_all(&root).expect("create sandbox");
            let u = root.join("ucix");
            for (var, sub) in [
                ("UCIX_STATE_DIR", "state"),
                ("UCIX_CACHE_DIR", "cache"),
                ("UCIX_HOOKS_DIR", "hooks.d"),
                ("UCIX_SCHEMA_DIR", "schema"),
                ("UCIX_CONFIG_MD5", "config.md5"),
                ("UCIX_UBUS_SOCKET", "ubus.sock"),
            ] {
                std::env::set_var(var, u.join(sub));
            }
            Sandbox { confdir: root.join("config"), savedir: root.join("delta"), scratch: root.join("scratch"), root }
        }

        /// Empties the tree and writes `files` (name → contents) into
        /// `config/`; `delta/` and `scratch/` are created empty.
        pub fn reset(&self, files: &[(&str, &[u8])]) {
            for d in [&self.confdir, &self.savedir, &self.scratch, &self.root.join("ucix")] {
                let _ = fs::remove_dir_all(d);
            }
            fs::create_dir_all(&self.confdir).expect("create config dir");
            fs::create_dir_all(&self.savedir).expect("create delta dir");
            fs::create_dir_all(&self.scratch).expect("create scratch dir");
            for (name, data) in files {
                fs::write(self.confdir.join(name), data).expect("write config");
            }
        }

        /// Whether `dir` has no entries.
        pub fn is_empty(dir: &Path) -> bool {
            fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false)
        }
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

/// A small package used as the base by several targets (the `network`
/// example of the conformance cases).
pub const NETWORK: &[u8] = b"config interface 'loopback'
\toption ifname 'lo'
\toption proto 'static'
\toption ipaddr '127.0.0.1'
\toption netmask '255.0.0.0'

config interface 'lan'
\toption type 'bridge'
\toption ifname 'eth0.1'
\toption proto 'static'
\toption ipaddr '192.168.1.1'
\toption netmask '255.255.255.0'
\tlist dns '8.8.8.8'
\tlist dns '8.8.4.4'

config interface 'wan'
\toption ifname 'eth0.2'
\toption proto 'dhcp'

config switch
\toption name 'switch0'
\toption reset '1'
\toption enable_vlan '1'

config switch_vlan
\toption device 'switch0'
\toption vlan '1'
\toption ports '0 1 2 3 5t'

config switch_vlan
\toption device 'switch0'
\toption vlan '2'
\toption ports '4 5t'
";

/// A second package for batch mode.
pub const SYSTEM: &[u8] = b"config system
\toption hostname 'OpenWrt'
\toption timezone 'UTC'

config timeserver 'ntp'
\tlist server '0.pool.example.org'
\tlist server '1.pool.example.org'
\toption enabled '1'
";
