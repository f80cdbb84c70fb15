//! `uci batch` (cli.md §4.15): commands read with the config tokenizer.

use super::Session;
use crate::store::PctxInfo;
use crate::syntax::tokenizer::NameRule;
use crate::syntax::Pctx;

const MAX_ARGS: usize = 4;

/// Runs commands from the input until EOF or `exit`; always returns 0.
pub fn run(s: &mut Session) -> i32 {
    s.batch = true;
    // Every line reloads what it uses, as the original does, except that a
    // package that equals its reload stays in memory while its files do not
    // change (`store::kept`); files that did not change are not parsed again.
    s.ctx.parsed = Some(Default::default());
    s.ctx.kept = Some(Default::default());
    s.ctx.exiting = false;
    while !s.input.eof() {
        let ret = command(s);
        if ret == 254 {
            return 0;
        } else if ret == 255 {
            s.error(b"Unknown command\n");
        }
        s.ctx.unload_all();
    }
    0
}

/// Reads the next argument of the current line (`uci_parse_argument`);
/// `fresh` starts a new line.
fn next_argument(s: &mut Session, fresh: bool) -> Result<Vec<u8>, crate::Error> {
    if !s.ctx.pctx.is_some_and(|p| p.batch) {
        s.batch_pctx = Pctx::new();
    }
    if fresh {
        s.batch_pctx.start_line(&mut s.input);
    }
    let r = s.batch_pctx.next_arg(&mut s.input, false, NameRule::None);
    let p = &s.batch_pctx;
    s.ctx.pctx = Some(PctxInfo { reason: p.reason, line: p.line, byte: p.byte, batch: true });
    r.map(|v| s.batch_pctx.str_at(v).to_vec())
}

fn command(s: &mut Session) -> i32 {
    let mut argv: Vec<Vec<u8>> = vec![];
    for i in 0..=MAX_ARGS {
        if i == MAX_ARGS {
            s.error(b"Too many arguments\n");
            return 1;
        }
        match next_argument(s, i == 0) {
            Err(e) => {
                s.perror(e.code());
                argv.clear();
                break;
            }
            Ok(a) if a.is_empty() => break,
            Ok(a) => argv.push(a),
        }
    }
    if argv.is_empty() {
        return 0;
    }
    if argv[0].eq_ignore_ascii_case(b"exit") {
        return 254;
    }
    super::commands::run(s, &argv)
}
