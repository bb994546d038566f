//! The command line: argument parsing and output only; the work happens in the library modules.

mod config;
mod gate;
mod hook;
mod mcp;
mod plugin;
mod run;
mod session;
mod trust;

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
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

/// How the configuration is found; shared by every command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// Override a configuration value: `KEY=VALUE` with a TOML value (repeatable), e.g.
    /// `-c plugins.guard-commands.limits.timeout_ms=500` or `-c 'session.dir="/tmp/s"'`.
    #[arg(short = 'c', long = "config", global = true, value_name = "KEY=VALUE")]
    overrides: Vec<String>,
    /// The session tier: a `session-config.toml` above the project's configuration.
    #[arg(long, global = true, value_name = "FILE")]
    session_config: Option<std::path::PathBuf>,
    /// Trust this project's configuration for this run (its grants, limits and MCP servers),
    /// as `cchost trust` would permanently. Meant for CI.
    #[arg(long, global = true)]
    trust_project: bool,
}

impl ConfigArgs {
    /// Loader options for a project searched from `cwd`.
    pub fn options(&self, cwd: &std::path::Path) -> crate::config::LoadOptions {
        crate::config::LoadOptions {
            session_file: self.session_config.clone(),
            overrides: self.overrides.clone(),
            trust_project: self.trust_project,
            ..crate::config::LoadOptions::new(cwd)
        }
    }

    /// Loads the configuration, printing its warnings.
    pub fn load(&self, cwd: &std::path::Path) -> anyhow::Result<crate::config::Loaded> {
        let loaded = crate::config::Loaded::load(&self.options(cwd))?;
        for warning in &loaded.warnings {
            tracing::warn!("{warning}");
        }
        Ok(loaded)
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a workflow: agents in waves, every tool call hooked, gates between waves, one session.
    Run(run::RunArgs),
    /// Claude Code hook command: run the configured WASM hooks on the event read from stdin.
    Hook(hook::HookArgs),
    /// Judge the project's files with the gates of a checkpoint (exit 1 when one fails).
    Gate(gate::GateArgs),
    /// Show, check and locate the configuration (global → project → session → `-c`).
    Config(config::ConfigCommand),
    /// Let a project's configuration grant capabilities, raise limits and start MCP servers.
    Trust(trust::TrustArgs),
    /// Session logs: list, show, tail, verify, repair, export.
    Session(session::SessionArgs),
    /// MCP servers: list them, list a server's tools, call a tool, log in to one (OAuth).
    Mcp(mcp::McpCommand),
    /// Plugin components: inspect one (world, imports, grants here), check manifests.
    Plugin(plugin::PluginCommand),
}

/// Exit codes shared by all commands.
/// Tiering for one-shot commands: they exit long before Cranelift is done with a large
/// component, so a detached `cchost plugin optimize` does it.
fn one_shot_tiering() -> crate::runtime::Tiering {
    let mut tiering = crate::runtime::Tiering::default();
    if let Ok(exe) = std::env::current_exe() {
        tiering.optimizer = crate::runtime::Optimizer::Process(exe);
    }
    tiering
}

pub mod exit {
    /// A check failed (or, for `cchost hook`, a non-blocking error).
    pub const FAILED: u8 = 1;
    /// Usage or configuration error.
    pub const USAGE: u8 = 2;
}

/// The whole of `cchost-hook` (see `hook::run_cached_only`).
pub fn run_cached_hook() -> ExitCode {
    hook::run_cached_only()
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.quiet);
    match cli.command {
        Command::Run(args) => run::run(args, &cli.config),
        Command::Hook(args) => hook::run(args, &cli.config),
        Command::Gate(args) => gate::run(args, &cli.config),
        Command::Config(command) => config::run(command, &cli.config),
        Command::Trust(args) => trust::run(args, &cli.config),
        Command::Session(args) => session::run(args, &cli.config),
        Command::Mcp(command) => mcp::run(command, &cli.config),
        Command::Plugin(command) => plugin::run(command, &cli.config),
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
