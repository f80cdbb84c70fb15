//! The byte-compatible `uci` command (cli.md).
//!
//! [`args`] is getopt; [`Session`] holds what the options set up (the
//! context, the input stream, the CLI flags) and runs commands; the commands
//! themselves are in [`commands`], batch mode in [`batch`]. Every error
//! message goes through [`Session::perror`] / [`Session::error`].

pub mod args;
pub mod batch;
pub mod commands;

use std::ffi::OsString;
use std::io::{self, BufReader, Write};
use std::os::unix::ffi::OsStringExt;

use crate::error::ErrorCode;
use crate::store::{Context, FLAG_EXPORT_NAME, FLAG_PERROR, FLAG_STRICT};
use crate::syntax::{Pctx, Stream};
use args::Opt;

/// What the command-line options set (besides the context).
pub struct Session {
    pub ctx: Context,
    pub appname: Vec<u8>,
    pub delimiter: Vec<u8>,
    pub quiet: bool,
    pub merge: bool,
    pub nocommit: bool,
    pub show_ext: bool,
    pub batch: bool,
    pub input: Stream<'static>,
    pub out: io::BufWriter<io::Stdout>,
    /// The batch reader's parser state.
    pub batch_pctx: Pctx,
}

pub const USAGE: &str = "Usage: %s [<options>] <command> [<arguments>]

Commands:
\tbatch
\texport     [<config>]
\timport     [<config>]
\tchanges    [<config>]
\tcommit     [<config>]
\tadd        <config> <section-type>
\tadd_list   <config>.<section>.<option>=<string>
\tdel_list   <config>.<section>.<option>=<string>
\tshow       [<config>[.<section>[.<option>]]]
\tget        <config>.<section>[.<option>]
\tset        <config>.<section>[.<option>]=<value>
\tdelete     <config>[.<section>[[.<option>][=<id>]]]
\trename     <config>.<section>[.<option>]=<name>
\trevert     <config>[.<section>[.<option>]]
\treorder    <config>.<section>=<position>

Options:
\t-c <path>  set the search path for config files (default: /etc/config)
\t-C <path>  set the search path for config override files (default: /var/run/uci)
\t-d <str>   set the delimiter for list values in uci show
\t-f <file>  use <file> as input instead of stdin
\t-m         when importing, merge data into an existing package
\t-n         name unnamed sections on export (default)
\t-N         don't name unnamed sections
\t-p <path>  add a search path for config change files
\t-P <path>  add a search path for config change files and use as default
\t-t <path>  set save path for config change files
\t-q         quiet mode (don't print error messages)
\t-s         force strict mode (stop on parser errors, default)
\t-S         disable strict mode
\t-X         do not use extended syntax on 'show'

";

impl Session {
    fn new(appname: Vec<u8>) -> Session {
        Session {
            ctx: Context::new(),
            appname,
            delimiter: b" ".to_vec(),
            quiet: false,
            merge: false,
            nocommit: false,
            show_ext: true,
            batch: false,
            input: Stream::new(BufReader::new(io::stdin())),
            out: io::BufWriter::with_capacity(64 * 1024, io::stdout()),
            batch_pctx: Pctx::new(),
        }
    }

    /// Prints the usage text to stderr.
    pub fn usage(&mut self) {
        let _ = self.out.flush();
        let mut e = io::stderr().lock();
        let (a, b) = USAGE.split_once("%s").expect("usage has %s");
        let _ = e.write_all(a.as_bytes());
        let _ = e.write_all(&self.appname);
        let _ = e.write_all(b.as_bytes());
    }

    /// `cli_perror`: the library error for `code`, unless quiet.
    pub fn perror(&mut self, code: ErrorCode) {
        if self.quiet {
            return;
        }
        let _ = self.out.flush();
        self.ctx.perror(code, Some(&self.appname.clone()));
    }

    /// `cli_error`: a message of the tool itself, unless quiet.
    pub fn error(&mut self, msg: &[u8]) {
        if self.quiet {
            return;
        }
        let _ = self.out.flush();
        let _ = io::stderr().lock().write_all(msg);
    }
}

/// Runs `uci` with `argv` (including argv\[0\]) in a process that exits
/// right after: returns the exit status and leaves the memory to the kernel.
pub fn main(argv: Vec<OsString>) -> i32 {
    run(argv, true)
}

/// Runs `uci` with `argv` (including argv\[0\]); returns the exit status.
/// With `process_exits` the models are not freed (the caller exits next);
/// without it everything is dropped, for callers that go on (the fuzz
/// target, tests).
pub fn run(argv: Vec<OsString>, process_exits: bool) -> i32 {
    crate::audit::set_entry_point(crate::audit::EntryPoint::Uci);
    let argv: Vec<Vec<u8>> = argv.into_iter().map(OsStringExt::into_vec).collect();
    let (mut s, operands) = match setup(&argv) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if operands.is_empty() {
        s.usage();
        return 0;
    }
    // One command, then the process exits: big models are not freed
    // (batch turns this off for its lines).
    s.ctx.exiting = process_exits;
    let ret = commands::run(&mut s, &operands);
    let _ = s.out.flush();
    if ret == 255 {
        s.usage();
    }
    if process_exits {
        // the process exits with this status: leave the memory to the kernel
        std::mem::forget(s);
    }
    ret
}

/// Processes the options of `argv` (getopt, in order) into a [`Session`];
/// returns it with the remaining operands, or the exit status when option
/// processing ended the program.
pub fn setup(argv: &[Vec<u8>]) -> Result<(Session, Vec<Vec<u8>>), i32> {
    let appname = argv.first().cloned().unwrap_or_else(|| b"uci".to_vec());
    let mut s = Session::new(appname);
    let posix = std::env::var_os("POSIXLY_CORRECT").is_some();
    let (opts, operands) = args::getopt(argv.get(1..).unwrap_or(&[]), posix);
    let mut have_file = false;
    for o in opts {
        match o {
            Opt::Invalid(c) => {
                getopt_message(&s.appname, b"invalid option", c);
                s.usage();
                return Err(0);
            }
            Opt::MissingArg(c) => {
                getopt_message(&s.appname, b"option requires an argument", c);
                s.usage();
                return Err(0);
            }
            Opt::Flag(c, arg) => {
                let arg = arg.unwrap_or_default();
                match c {
                    b'c' => s.ctx.set_confdir(&arg),
                    b'C' => s.ctx.set_conf2dir(Some(&arg)),
                    b'd' => s.delimiter = arg,
                    b'f' => {
                        if have_file {
                            s.error(b"Too many input files.\n");
                            return Err(1);
                        }
                        match std::fs::File::open(crate::store::fsutil::path(&arg)) {
                            Ok(f) => {
                                s.input = Stream::new(BufReader::new(f));
                                have_file = true;
                            }
                            Err(e) => {
                                let msg = strerror(&e);
                                s.error(format!("uci: {msg}").as_bytes());
                                return Err(1);
                            }
                        }
                    }
                    b'm' => s.merge = true,
                    b's' => s.ctx.flags |= FLAG_STRICT,
                    b'S' => {
                        s.ctx.flags &= !FLAG_STRICT;
                        s.ctx.flags |= FLAG_PERROR;
                    }
                    b'n' => s.ctx.flags |= FLAG_EXPORT_NAME,
                    b'N' => s.ctx.flags &= !FLAG_EXPORT_NAME,
                    b'p' => {
                        let _ = s.ctx.add_delta_path(&arg);
                    }
                    b'P' => {
                        let sd = s.ctx.savedir.clone();
                        let _ = s.ctx.add_delta_path(&sd);
                        s.ctx.set_savedir(&arg);
                        s.nocommit = true;
                    }
                    b'q' => s.quiet = true,
                    b't' => s.ctx.set_savedir(&arg),
                    b'X' => s.show_ext = false,
                    _ => {
                        // -L: accepted by getopt, no handler.
                        s.usage();
                        return Err(0);
                    }
                }
            }
        }
    }
    Ok((s, operands))
}

fn getopt_message(appname: &[u8], what: &[u8], c: u8) {
    let mut m = appname.to_vec();
    m.extend_from_slice(b": ");
    m.extend_from_slice(what);
    m.extend_from_slice(b" -- '");
    m.push(c);
    m.extend_from_slice(b"'\n");
    let _ = io::stderr().lock().write_all(&m);
}

/// The C library's `strerror` text for an I/O error.
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
