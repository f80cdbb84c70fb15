//! Bad input over the `uci` entry points, table-driven: binary garbage and
//! truncated config and delta files, NUL bytes, invalid UTF-8, huge lines,
//! bad tuples, garbage on standard input (`import`, `batch`), missing and
//! unwritable directories, a full disk.
//!
//! Each row gives the files before, the command, and the exact stdout,
//! stderr (the original's message where it has one, derived from
//! file-format.md §2–§6 and cli.md §2–§4; a pattern where the input is
//! random) and exit status; then the whole tree is compared with its state
//! before: nothing may be written but the files the row names (nothing
//! lost, no partial or temporary file left).
//!
//! Rows marked `root` run `uci` under a small shell prologue inside the
//! private mount namespace (a read-only bind mount, a tiny tmpfs); without
//! root they print "skipped".

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{is_root, say, sh_quote, TestEnv};

/// After a failed write on the full tmpfs: the config must be intact and
/// no temporary file left.
const FULL_DISK_CHECK: &str = "cmp -s config/net net.orig || echo 'config/net changed' >&2; \
     for f in config/* config/.[!.]*; do case $f in config/net|config/fill|'config/*'|'config/.[!.]*') ;; *) echo \"left: $f\" >&2 ;; esac; done";

const NET: &[u8] = b"config interface 'lan'\n\toption proto 'static'\n\tlist dns '1.1.1.1'\n\nconfig interface 'wan'\n\toption proto 'dhcp'\n";

/// What stderr must be.
#[derive(Debug, Clone)]
enum Err {
    Exact(Vec<u8>),
    /// `<prefix>Parse error (<reason>) at line <n>, byte <n>\n` with a
    /// reason from the table of file-format.md §6.
    AnyParseError(&'static str),
}

#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    dirs: Vec<&'static str>,
    symlinks: Vec<(&'static str, &'static str)>,
    args: Vec<Vec<u8>>,
    /// Without the usual `-c config -t delta -C ''`.
    raw: bool,
    /// Run `ucix` (which runs every uci command as `uci` does) instead.
    ucix: bool,
    stdin: Option<Vec<u8>>,
    status: i32,
    stdout: Vec<u8>,
    stderr: Err,
    /// Files that change: path → new contents (`None`: removed).
    writes: Vec<(&'static str, Option<Vec<u8>>)>,
    /// Shell commands run (as root, in the private namespace) before `uci`.
    prologue: Option<String>,
    /// Shell commands run after `uci` (inside the namespace); anything
    /// they print to stderr is a failure.
    epilogue: Option<String>,
}

fn case(name: &'static str) -> Case {
    Case {
        name,
        files: vec![],
        dirs: vec![],
        symlinks: vec![],
        args: vec![],
        raw: false,
        ucix: false,
        stdin: None,
        status: 0,
        stdout: vec![],
        stderr: Err::Exact(vec![]),
        writes: vec![],
        prologue: None,
        epilogue: None,
    }
}

impl Case {
    fn file(mut self, path: &'static str, data: impl AsRef<[u8]>) -> Self {
        self.files.push((path, data.as_ref().to_vec()));
        self
    }
    fn dir(mut self, path: &'static str) -> Self {
        self.dirs.push(path);
        self
    }
    fn symlink(mut self, path: &'static str, target: &'static str) -> Self {
        self.symlinks.push((path, target));
        self
    }
    fn args(mut self, args: &[&[u8]]) -> Self {
        self.args = args.iter().map(|a| a.to_vec()).collect();
        self
    }
    fn raw(mut self) -> Self {
        self.raw = true;
        self
    }
    fn ucix(mut self) -> Self {
        self.ucix = true;
        self
    }
    fn stdin(mut self, data: impl AsRef<[u8]>) -> Self {
        self.stdin = Some(data.as_ref().to_vec());
        self
    }
    fn status(mut self, s: i32) -> Self {
        self.status = s;
        self
    }
    fn stdout(mut self, s: impl AsRef<[u8]>) -> Self {
        self.stdout = s.as_ref().to_vec();
        self
    }
    fn stderr(mut self, s: impl AsRef<[u8]>) -> Self {
        self.stderr = Err::Exact(s.as_ref().to_vec());
        self
    }
    fn parse_error(mut self, prefix: &'static str) -> Self {
        self.stderr = Err::AnyParseError(prefix);
        self
    }
    fn writes(mut self, path: &'static str, data: Option<&[u8]>) -> Self {
        self.writes.push((path, data.map(<[u8]>::to_vec)));
        self
    }
    fn prologue(mut self, script: &str) -> Self {
        self.prologue = Some(script.to_string());
        self
    }
    fn epilogue(mut self, script: &str) -> Self {
        self.epilogue = Some(script.to_string());
        self
    }
}

/// Deterministic garbage (a 64-bit LCG), every byte value possible.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

const REASONS: &[&str] = &[
    "invalid command",
    "package without name",
    "config without name",
    "option without name",
    "insufficient arguments",
    "invalid character in name field",
    "invalid character in type field",
    "too many arguments",
    "option/list command found before the first section",
    "attempting to import a file without a package name",
    "section of different type overwrites prior section with same name",
    "EOF with unterminated '",
    "EOF with unterminated \"",
];

fn is_parse_error(s: &[u8], prefix: &str) -> bool {
    let Ok(s) = std::str::from_utf8(s) else { return false };
    let Some(rest) = s.strip_prefix(prefix).and_then(|r| r.strip_prefix("Parse error (")) else { return false };
    let Some(reason) = REASONS.iter().find(|r| rest.starts_with(&format!("{r}) at line "))) else { return false };
    let rest = &rest[reason.len() + ") at line ".len()..];
    let Some((line, rest)) = rest.split_once(", byte ") else { return false };
    let Some(byte) = rest.strip_suffix('\n') else { return false };
    line.parse::<u64>().is_ok() && byte.parse::<u64>().is_ok()
}

fn cases() -> Vec<Case> {
    let big = vec![b'x'; 1 << 20];
    let mut big_value = b"config t n\n\toption o '".to_vec();
    big_value.extend_from_slice(&big);
    big_value.extend_from_slice(b"'\n");
    let mut big_got = big.clone();
    big_got.push(b'\n');
    let mut spaces_p = vec![b' '; 1 << 20];
    spaces_p.push(b'p');
    let mut long_tuple = b"net.".to_vec();
    long_tuple.extend_from_slice(&vec![b'a'; 100_000]);
    let mut big_import = b"config a b\n\toption o '".to_vec();
    big_import.extend_from_slice(&vec![b'v'; 32 * 1024]);
    big_import.extend_from_slice(b"'\n");
    let mut deep = vec![b'\n'; 100_000];
    deep.extend_from_slice(b"bogus\n");

    vec![
        // ---- config files: garbage, truncation, NUL, encodings, size ----
        case("elf-header-as-config")
            .file("config/net", b"\x7fELF\x02\x01\x01\x00\x00\x00garbage\n\x00\x01\x02")
            .args(&[b"show", b"net"])
            .status(1)
            .stderr("uci: Parse error (invalid command) at line 0, byte 0\n"),
        case("random-garbage-config-show")
            .file("config/net", garbage(1, 4096))
            .args(&[b"show", b"net"])
            .status(1)
            .parse_error("uci: "),
        case("random-garbage-config-set")
            .file("config/net", garbage(2, 4096))
            .args(&[b"set", b"net.lan.proto=dhcp"])
            .status(1)
            .parse_error("uci: "),
        case("random-garbage-config-commit")
            .file("config/net", garbage(3, 4096))
            .file("delta/net", b"net.lan.proto='dhcp'\n")
            .args(&[b"commit", b"net"])
            .status(1)
            .parse_error("uci: "),
        case("nul-byte-joins-the-next-line")
            .file("config/net", b"config a b\x00junk\noption x y\n")
            .args(&[b"show", b"net"])
            .status(1)
            .stderr("uci: Parse error (too many arguments) at line 1, byte 19\n"),
        case("nul-byte-joins-the-next-line-nonstrict")
            .file("config/net", b"config a b\x00junk\noption x y\n")
            .args(&[b"-S", b"show", b"net"])
            .stdout("net.boption=a\n")
            .stderr("Parse error (invalid command) at line 1, byte 19\n"),
        case("truncated-in-single-quote")
            .file("config/net", b"config a 'b")
            .args(&[b"show", b"net"])
            .status(1)
            .stderr("uci: Parse error (EOF with unterminated ') at line 0, byte 11\n"),
        case("truncated-in-multiline-double-quote")
            .file("config/net", b"config a b\n\toption x \"line1\nline2")
            .args(&[b"export", b"net"])
            .status(1)
            .stderr("uci: Parse error (EOF with unterminated \") at line 2, byte 22\n"),
        case("truncated-after-keyword")
            .file("config/net", b"config a b\nconfig")
            .args(&[b"get", b"net.b"])
            .status(1)
            .stderr("uci: Parse error (config without name) at line 1, byte 0\n"),
        case("truncated-keyword")
            .file("config/net", b"config a b\nopt")
            .args(&[b"get", b"net.b"])
            .status(1)
            .stderr("uci: Parse error (invalid command) at line 1, byte 0\n"),
        case("invalid-utf8-in-section-name")
            .file("config/net", b"config t n\xc3\n")
            .args(&[b"show", b"net"])
            .status(1)
            .stderr("uci: Parse error (invalid character in name field) at line 1, byte 12\n"),
        case("invalid-utf8-in-value-is-kept")
            .file("config/net", b"config t n\n\toption o '\xff\xfe\xc3'\n")
            .args(&[b"show", b"net"])
            .stdout(b"net.n=t\nnet.n.o='\xff\xfe\xc3'\n"),
        case("huge-value-line")
            .file("config/net", &big_value)
            .args(&[b"get", b"net.n.o"])
            .stdout(&big_got),
        case("huge-line-of-spaces-then-keyword-at-eof")
            .file("config/net", &spaces_p)
            .args(&[b"show", b"net"])
            .status(1)
            .stderr(format!("uci: Parse error (package without name) at line 0, byte {}\n", 1 << 20)),
        case("error-after-many-lines")
            .file("config/net", &deep)
            .args(&[b"show", b"net"])
            .status(1)
            .stderr("uci: Parse error (invalid command) at line 100001, byte 0\n"),
        case("empty-config")
            .file("config/net", b"")
            .args(&[b"export", b"net"])
            .stdout("package net\n\n"),
        case("config-is-a-directory")
            .dir("config/net")
            .args(&[b"show", b"net"])
            .status(1)
            .stderr("uci: Entry not found\n"),
        case("config-is-a-symlink-loop")
            .dir("config")
            .symlink("config/net", "net")
            .args(&[b"show", b"net"])
            .status(1)
            .stderr("uci: Entry not found\n"),
        case("config-dir-missing")
            .args(&[b"show"])
            .status(1)
            .stderr("uci: Entry not found\n"),
        // ---- delta files ----
        case("garbage-delta-is-ignored")
            .file("config/net", NET)
            .file("delta/net", b"\x00\xff\xfe\n\x01\x02net.lan\x03=\n\x7fELF\n")
            .args(&[b"get", b"net.lan.proto"])
            .stdout("static\n"),
        case("garbage-delta-shows-no-changes")
            .file("config/net", NET)
            .file("delta/net", garbage(4, 4096))
            .args(&[b"changes", b"net"]),
        case("nul-in-delta-line-drops-it")
            .file("config/net", NET)
            .file("delta/net", b"net.lan.proto='x\x00y'\n")
            .args(&[b"get", b"net.lan.proto"])
            .stdout("static\n"),
        case("truncated-delta-keeps-complete-lines")
            .file("config/net", NET)
            .file("delta/net", b"net.lan.proto='dhcp'\nnet.lan.gateway='10.0")
            .args(&[b"export", b"net"])
            .stdout("package net\n\nconfig interface 'lan'\n\toption proto 'dhcp'\n\tlist dns '1.1.1.1'\n\nconfig interface 'wan'\n\toption proto 'dhcp'\n\n"),
        case("revert-with-garbage-delta-changes-nothing")
            .file("config/net", NET)
            .file("delta/net", b"net.lan.proto='dhcp'\n# comment\n")
            .args(&[b"revert", b"net"]),
        case("commit-with-garbage-delta-writes-nothing")
            .file("config/net", b"# keep my comments\nconfig interface 'lan'\n")
            .file("delta/net", garbage(5, 2048))
            .args(&[b"commit", b"net"]),
        // ---- tuples ----
        case("tuple-with-four-parts").file("config/net", NET).args(&[b"get", b"net.lan.proto.x"]).status(1).stderr("uci: Parse error\n"),
        case("tuple-bad-extended-index").file("config/net", NET).args(&[b"get", b"net.@interface[0x1]"]).status(1).stderr("uci: Invalid argument\n"),
        case("tuple-huge-extended-index").file("config/net", NET).args(&[b"get", b"net.@interface[99999999999999999999999]"]).status(1).stderr("uci: Entry not found\n"),
        case("tuple-empty").file("config/net", NET).args(&[b"get", b""]).status(1).stderr("uci: Parse error\n"),
        case("tuple-empty-section").file("config/net", NET).args(&[b"get", b"net."]).status(1).stderr("uci: Invalid argument\n"),
        case("tuple-invalid-utf8-package").file("config/net", NET).args(&[b"get", b"n\xffet.lan"]).status(1).stderr("uci: Parse error\n"),
        case("tuple-invalid-utf8-option").file("config/net", NET).args(&[b"set", b"net.lan.o\xc3=1"]).status(1).stderr("uci: Parse error\n"),
        case("tuple-invalid-section-name").file("config/net", NET).args(&[b"set", b"net.l-n.o=1"]).status(1).stderr("uci: Invalid argument\n"),
        case("value-with-control-byte").file("config/net", NET).args(&[b"set", b"net.lan.proto=a\x01b"]).status(1).stderr("uci: Parse error\n"),
        case("value-with-escape-sequence").file("config/net", NET).args(&[b"set", b"net.lan.proto=\x1b[2J"]).status(1).stderr("uci: Parse error\n"),
        case("long-tuple").file("config/net", NET).args(&[b"get", &long_tuple]).status(1).stderr("uci: Entry not found\n"),
        case("delete-with-bad-index").file("config/net", NET).args(&[b"delete", b"net.lan.dns=x"]).status(1),
        // ---- standard input ----
        case("import-random-garbage")
            .file("config/net", NET)
            .args(&[b"import", b"net"])
            .stdin(garbage(6, 4096))
            .status(1)
            .parse_error("uci: "),
        case("import-nul-bytes")
            .file("config/net", NET)
            .args(&[b"import", b"net"])
            .stdin(b"config a b\n\toption x 'v\x00w'\n\toption y z\n")
            .status(1)
            .stderr("uci: Parse error (EOF with unterminated ') at line 2, byte 24\n"),
        case("import-truncated-stream")
            .file("config/net", NET)
            .args(&[b"import"])
            .stdin(b"package net\nconfig interface 'lan'\n\toption proto \"sta")
            .status(1)
            .stderr("uci: Parse error (EOF with unterminated \") at line 2, byte 18\n"),
        case("import-second-package-bad-writes-neither")
            .args(&[b"import"])
            .dir("config")
            .stdin(b"package one\nconfig a x\npackage two\nconfig b y z\n")
            .status(1)
            .stderr("uci: Parse error (too many arguments) at line 4, byte 13\n"),
        case("import-without-package-name")
            .dir("config")
            .args(&[b"import"])
            .stdin(b"config a x\n")
            .status(1)
            .stderr("uci: Parse error (attempting to import a file without a package name) at line 1, byte 0\n"),
        case("batch-binary-input")
            .file("config/net", NET)
            .args(&[b"batch"])
            .stdin(b"\x00\xff\n\x7fELF\n")
            .stderr("Unknown command\n"),
        case("batch-random-garbage-writes-nothing")
            .file("config/net", NET)
            .args(&[b"-q", b"batch"])
            .stdin(garbage(7, 4096).into_iter().filter(|&c| c != b'/').collect::<Vec<_>>()),
        case("batch-unterminated-quote")
            .file("config/net", NET)
            .args(&[b"batch"])
            .stdin(b"get 'net.lan.proto\n")
            .stderr("uci: Parse error (EOF with unterminated ') at line 1, byte 19\n"),
        case("input-file-is-a-directory")
            .file("config/net", NET)
            .dir("adir")
            .args(&[b"-f", b"adir", b"import", b"net"])
            .status(1)
            .stderr("uci: I/O error\n"),
        case("input-file-missing")
            .file("config/net", NET)
            .args(&[b"-f", b"nosuch", b"import", b"net"])
            .status(1)
            .stderr("uci: No such file or directory"),
        // ---- directories ----
        case("savedir-is-a-file")
            .file("config/net", NET)
            .file("delta", b"not a directory\n")
            .args(&[b"set", b"net.lan.proto=dhcp"])
            .status(1)
            .stderr("uci: I/O error\n"),
        case("savedir-parent-missing")
            .file("config/net", NET)
            .raw()
            .args(&[b"-c", b"config", b"-t", b"nosuch/delta", b"-C", b"", b"set", b"net.lan.proto=dhcp"])
            .status(1)
            .stderr("uci: I/O error\n"),
        case("commit-to-read-only-confdir")
            .file("config/net", NET)
            .file("delta/net", b"net.lan.proto='dhcp'\n")
            .prologue("mount --bind config config && mount -o remount,bind,ro config")
            .args(&[b"commit", b"net"])
            .status(1)
            .stderr("uci: I/O error\n"),
        case("import-to-read-only-confdir")
            .file("config/net", NET)
            .prologue("mount --bind config config && mount -o remount,bind,ro config")
            .args(&[b"import", b"net"])
            .stdin(b"config a b\n")
            .status(1)
            .stderr("uci: I/O error\n"),
        case("set-with-read-only-savedir")
            .file("config/net", NET)
            .dir("delta")
            .prologue("mount --bind delta delta && mount -o remount,bind,ro delta")
            .args(&[b"set", b"net.lan.proto=dhcp"])
            .status(1)
            .stderr("uci: I/O error\n"),
        case("commit-on-a-full-disk-keeps-the-changes")
            .file("config/net", NET)
            .file("delta/net", b"net.lan.proto='dhcp'\n")
            .prologue(
                "cp config/net net.orig && mount -t tmpfs -o size=16k tmpfs config && cp net.orig config/net && \
                 (dd if=/dev/zero of=config/fill bs=1k count=64 2>/dev/null || true)",
            )
            .epilogue(FULL_DISK_CHECK)
            .args(&[b"commit", b"net"])
            .status(1)
            .stderr("uci: I/O error\n")
            .writes("net.orig", Some(NET)),
        case("import-on-a-full-disk-keeps-the-file")
            .file("config/net", NET)
            .prologue(
                "cp config/net net.orig && mount -t tmpfs -o size=16k tmpfs config && cp net.orig config/net && \
                 (dd if=/dev/zero of=config/fill bs=1k count=64 2>/dev/null || true)",
            )
            .epilogue(FULL_DISK_CHECK)
            .args(&[b"import", b"net"])
            .stdin(&big_import)
            .status(1)
            .stderr("uci: I/O error\n")
            .writes("net.orig", Some(NET)),
        // ---- the same through `ucix`, which runs uci commands as uci ----
        case("ucix-garbage-config")
            .ucix()
            .file("config/net", b"\x7fELF\x02\x01\x01\x00\x00\x00garbage\n")
            .args(&[b"show", b"net"])
            .status(1)
            .stderr("ucix: Parse error (invalid command) at line 0, byte 0\n"),
        case("ucix-bad-tuple").ucix().file("config/net", NET).args(&[b"get", b"net.lan.proto.x"]).status(1).stderr("ucix: Parse error\n"),
        case("ucix-import-garbage")
            .ucix()
            .file("config/net", NET)
            .args(&[b"import", b"net"])
            .stdin(garbage(8, 4096))
            .status(1)
            .parse_error("ucix: "),
        case("ucix-savedir-is-a-file")
            .ucix()
            .file("config/net", NET)
            .file("delta", b"x")
            .args(&[b"set", b"net.lan.proto=dhcp"])
            .status(1)
            .stderr("ucix: I/O error\n"),
    ]
}

// ---------------------------------------------------------------------------
// running a case
// ---------------------------------------------------------------------------

type Tree = BTreeMap<PathBuf, Option<Vec<u8>>>;

/// Every entry under `dir` (files with contents, directories and others as
/// `None`), relative to it.
fn snapshot(dir: &Path) -> Tree {
    fn walk(root: &Path, dir: &Path, out: &mut Tree) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let ft = std::fs::symlink_metadata(&p).unwrap().file_type();
            if ft.is_dir() {
                out.insert(rel, None);
                walk(root, &p, out);
            } else if ft.is_file() {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            } else {
                out.insert(rel, Some(std::fs::read_link(&p).map(|t| t.into_os_string().into_encoded_bytes()).unwrap_or_default()));
            }
        }
    }
    let mut t = Tree::new();
    walk(dir, dir, &mut t);
    t
}

fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.len() > 300 {
        format!("{}… ({} bytes)", &s[..s.char_indices().nth(300).map_or(s.len(), |(i, _)| i)], b.len())
    } else {
        format!("{s:?}")
    }
}

/// Runs one case; returns a description of every mismatch.
fn run_case(c: &Case) -> Vec<String> {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new(&format!("bad_input_{}", c.name));
    let root = env.root();
    for d in &c.dirs {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for (p, data) in &c.files {
        env.write(p, data);
    }
    for (p, target) in &c.symlinks {
        std::os::unix::fs::symlink(target, root.join(p)).unwrap();
    }
    let before = snapshot(&root);

    let mut args: Vec<Vec<u8>> = vec![];
    if !c.raw {
        for a in ["-c", "config", "-t", "delta", "-C", ""] {
            args.push(a.as_bytes().to_vec());
        }
    }
    args.extend(c.args.iter().cloned());
    let mut cmd = match &c.prologue {
        None if c.ucix => env.ucix(),
        None => env.uci(),
        Some(p) => {
            let mut cmd = env.command(Path::new("/bin/sh"));
            let epilogue = c.epilogue.as_deref().unwrap_or(":");
            let bin = if c.ucix { "ucix" } else { "uci" };
            cmd.arg("-c").arg(format!("set -e; {p}; set +e; {bin} \"$@\"; rc=$?; {epilogue}; exit $rc")).arg("sh");
            cmd
        }
    };
    cmd.args(args.iter().map(|a| std::ffi::OsStr::from_bytes(a)));
    cmd.stdin(if c.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn uci");
    if let Some(input) = &c.stdin {
        let mut stdin = child.stdin.take().unwrap();
        let input = input.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&input);
        });
    }
    let out = child.wait_with_output().unwrap();

    let mut bad = vec![];
    let status = out.status.code().unwrap_or(-1);
    if status != c.status {
        bad.push(format!("exit status {status}, want {}", c.status));
    }
    if out.stdout != c.stdout {
        bad.push(format!("stdout {}, want {}", show(&out.stdout), show(&c.stdout)));
    }
    match &c.stderr {
        Err::Exact(want) if &out.stderr != want => bad.push(format!("stderr {}, want {}", show(&out.stderr), show(want))),
        Err::AnyParseError(prefix) if !is_parse_error(&out.stderr, prefix) => {
            bad.push(format!("stderr {}, want a `{prefix}Parse error (…) at line L, byte B` line", show(&out.stderr)))
        }
        _ => {}
    }
    let mut want = before;
    for (p, data) in &c.writes {
        match data {
            Some(d) => want.insert(PathBuf::from(p), Some(d.clone())),
            None => want.remove(Path::new(p)),
        };
    }
    let after = snapshot(&root);
    for k in want.keys().chain(after.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (want.get(k), after.get(k)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(_), None) => bad.push(format!("{} was removed", k.display())),
            (None, Some(_)) => bad.push(format!("{} was created", k.display())),
            (Some(a), Some(b)) => bad.push(format!(
                "{} changed: {} (was {})",
                k.display(),
                show(b.as_deref().unwrap_or(b"<dir>")),
                show(a.as_deref().unwrap_or(b"<dir>"))
            )),
            (None, None) => {}
        }
    }
    if !bad.is_empty() {
        env.announce();
        let _ = env.keep();
    }
    bad
}

#[test]
fn bad_input_table() {
    let root_ok = is_root() && Path::new("/bin/sh").is_file();
    let mut failures = vec![];
    let mut ran = 0;
    for c in cases() {
        if c.prologue.is_some() && !root_ok {
            say(format!("skipped: {} (needs root for a private mount)", c.name));
            continue;
        }
        let bad = run_case(&c);
        ran += 1;
        if !bad.is_empty() {
            failures.push(format!("{}:\n    {}", c.name, bad.join("\n    ")));
        }
    }
    say(format!("bad input: {ran} cases run, {} failed", failures.len()));
    assert!(failures.is_empty(), "{} case(s) failed:\n  {}", failures.len(), failures.join("\n  "));
}

#[test]
fn parse_error_pattern() {
    assert!(is_parse_error(b"uci: Parse error (invalid command) at line 0, byte 0\n", "uci: "));
    assert!(is_parse_error(b"Parse error (EOF with unterminated ') at line 12, byte 3\n", ""));
    assert!(!is_parse_error(b"uci: Parse error (bogus) at line 0, byte 0\n", "uci: "));
    assert!(!is_parse_error(b"uci: Parse error\n", "uci: "));
    assert!(!is_parse_error(b"uci: Parse error (invalid command) at line 0, byte 0\nmore\n", "uci: "));
    let _ = sh_quote("x");
}
