//! `cchost run [PROJECT | WORKFLOW.toml]`: runs a workflow's agents in waves and prints the
//! summary (or `--json`); Ctrl-C stops the agents, records the interruption and exits 130.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use clap::Args;

use super::{ConfigArgs, exit};
use crate::{
    agents::{Progress, Runner, WorkflowSetup},
    runtime::ComponentCache,
};

/// Exit code after Ctrl-C, as a shell reports a SIGINT death.
const INTERRUPTED: u8 = 130;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A project directory whose configuration has a `[workflow]`, or a workflow file (TOML,
    /// read as the session tier above the current project's configuration). Default: the
    /// current directory.
    target: Option<PathBuf>,
    /// Print the run report as JSON on stdout (progress still goes to stderr).
    #[arg(long)]
    json: bool,
    /// No progress output.
    #[arg(long)]
    no_progress: bool,
}

pub fn run(args: RunArgs, config: &ConfigArgs) -> ExitCode {
    match execute(args, config) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}

fn execute(args: RunArgs, config_args: &ConfigArgs) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("determine the working directory")?;
    let mut config_args = config_args.clone();
    let project_dir = match &args.target {
        Some(target) if target.is_file() => {
            config_args.session_config = Some(cwd.join(target));
            cwd.clone()
        }
        Some(target) if target.is_dir() => cwd.join(target),
        Some(target) => anyhow::bail!(
            "{} is neither a project directory nor a workflow file",
            target.display()
        ),
        None => cwd.clone(),
    };
    let loaded = match config_args.load(&project_dir) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(exit::USAGE));
        }
    };
    let root = loaded.project_root.clone().unwrap_or(project_dir);
    let setup = WorkflowSetup::new(&loaded.config, &root, ComponentCache::from_env())?;
    let progress = Progress::for_stderr(args.no_progress);
    let runner = Runner::new(setup, progress);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    let report = runtime.block_on(async {
        let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\ninterrupted: stopping the agents…");
                let _ = cancel_tx.send(true);
            }
        });
        let report = runner.run(cancel_rx).await;
        runner.hub().shutdown().await;
        report
    });

    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(if report.interrupted {
        ExitCode::from(INTERRUPTED)
    } else if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FAILED)
    })
}
