//! The command line: argument parsing and output only; the work happens in the library modules.

mod hook;
mod session;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// cchost runs Claude Code-style agent workflows whose every extension — hooks, validation
/// gates, agent behaviours — is a sandboxed WebAssembly component that can reach only what it
/// was granted.
#[derive(Debug, Parser)]
#[command(name = "cchost", version, propagate_version = true)]
pub struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace). `CCHOST_LOG` takes a tracing filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Claude Code hook command: run the configured WASM hooks on the event read from stdin.
    Hook(hook::HookArgs),
    /// Session logs: list, show, tail, verify, repair, export.
    Session(session::SessionArgs),
}

/// Exit codes shared by all commands.
pub mod exit {
    /// A check failed (or, for `cchost hook`, a non-blocking error).
    pub const FAILED: u8 = 1;
    /// Usage or configuration error.
    pub const USAGE: u8 = 2;
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.quiet);
    match cli.command {
        Command::Hook(args) => hook::run(args),
        Command::Session(args) => session::run(args),
    }
}

fn init_tracing(verbose: u8, quiet: bool) {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter};
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::INFO,
        (false, 2) => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time();
    // Parsing a filter costs a regex compilation: only pay it when the user asked for one.
    match std::env::var("CCHOST_LOG") {
        Ok(filter) if !filter.is_empty() => builder
            .with_env_filter(EnvFilter::builder().parse_lossy(filter))
            .init(),
        _ => builder.with_max_level(level).init(),
    }
}
