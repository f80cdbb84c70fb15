//! The extended `ucix` command. For now it accepts every `uci` command with
//! the same behaviour; extensions are added as subcommands.

use std::ffi::OsString;

/// Runs `ucix`; returns the exit status.
pub fn main(argv: Vec<OsString>) -> i32 {
    if argv.get(1).is_some_and(|a| a == "--help" || a == "-h") {
        println!("ucix: extended UCI tool. Usage: ucix [<uci options>] <uci command> [<arguments>]");
        return 0;
    }
    super::uci::main(argv)
}
