fn main() {
    std::process::exit(ucix::cli::uci::main(std::env::args_os().collect()));
}
