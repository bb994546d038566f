//! The `cchost` executable.

fn main() -> std::process::ExitCode {
    cchost::cli::main()
}
