//! `cchost-hook`: the slim Claude Code hook executable. Built alone (`cargo install --path host
//! --no-default-features --bin cchost-hook`) it carries no compiler, no MCP client and no other
//! subcommand, so it starts in a fraction of `cchost`'s time; it answers from the
//! compiled-component cache and hands anything not compiled yet to `cchost hook`.

fn main() -> std::process::ExitCode {
    cchost::cli::run_cached_hook()
}
