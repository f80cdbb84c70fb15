fn main() {
    std::process::exit(ucix::cli::ucix::main(std::env::args_os().collect()));
}
