//! `uci batch` input (cli.md §4.15) through the CLI's own session code:
//! each input is the standard input of `uci -q -c <sandbox>/config -t
//! <sandbox>/delta -C '' batch`, run on fresh copies of two small packages.
//!
//! Inputs containing `/` are skipped: a `/` would let a fuzzed command name
//! a file outside the sandbox by path (`set /etc/x.s.o=v` writes that file,
//! as the original does). Without it every file touched is
//! `<sandbox>/{config,delta}/<name>`. The host's `/tmp/.uci` is removed
//! from the delta search path and every `UCIX_*` location points into the
//! sandbox.
//!
//! Checks beyond "no panic, no hang": batch exits 0, and no temporary file
//! of an atomic write (`.<name>.uci-XXXXXX`) is left behind.
//! Run with `-close_fd_mask=3`: the commands print to stdout and stderr.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ucix::cli::uci::{commands, setup};
use ucix::syntax::Stream;
use ucix_fuzz::sandbox::Sandbox;
use ucix_fuzz::{NETWORK, SYSTEM};

fn sandbox() -> &'static Sandbox {
    static S: OnceLock<Sandbox> = OnceLock::new();
    S.get_or_init(|| Sandbox::new("batch"))
}

fn arg(p: &std::path::Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

fuzz_target!(|data: &[u8]| {
    if data.contains(&b'/') {
        return;
    }
    let sb = sandbox();
    sb.reset(&[("network", NETWORK), ("system", SYSTEM)]);
    let argv = vec![
        b"uci".to_vec(),
        // quiet: every printed error adds a newline to libuci's process-global
        // detail text (report.rs), which would grow for the whole fuzzing run
        b"-q".to_vec(),
        b"-c".to_vec(),
        arg(&sb.confdir),
        b"-t".to_vec(),
        arg(&sb.savedir),
        b"-C".to_vec(),
        Vec::new(),
    ];
    let Ok((mut s, _)) = setup(&argv) else { panic!("options refused") };
    s.ctx.delta_path = vec![arg(&sb.savedir)];
    s.input = Stream::new(Cursor::new(data.to_vec()));
    let ret = commands::run(&mut s, &[b"batch".to_vec()]);
    assert_eq!(ret, 0, "batch exits 0");
    drop(s);
    for e in std::fs::read_dir(&sb.confdir).expect("config dir") {
        let name = e.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(!(name.starts_with('.') && name.contains(".uci-")), "temporary file left: {name}");
    }
});
