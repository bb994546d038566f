//! `cchost trust [DIR]`: record that a project's configuration may grant capabilities.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, Result};
use clap::Args;

use super::{ConfigArgs, exit};
use crate::config::{self, trust};

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The project root (default: the project found from the working directory).
    dir: Option<PathBuf>,
    /// Stop trusting the project.
    #[arg(long, conflicts_with = "list")]
    remove: bool,
    /// List the trusted projects.
    #[arg(long)]
    list: bool,
}

pub fn run(args: TrustArgs, config_args: &ConfigArgs) -> ExitCode {
    match trust_project(args, config_args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}

fn trust_project(args: TrustArgs, config_args: &ConfigArgs) -> Result<()> {
    let cwd = std::env::current_dir().context("determine the working directory")?;
    if args.list {
        let loaded = config_args.load(&cwd)?;
        for project in &loaded.config.trust.projects {
            println!("{}", project.display());
        }
        return Ok(());
    }
    let global = config::global_config_path()
        .context("cannot find the global configuration: neither XDG_CONFIG_HOME nor HOME is set")?;
    let dir = match args.dir {
        Some(dir) => cwd.join(dir),
        None => config::find_project_root(&cwd).with_context(|| {
            format!(
                "no project above {} (no .cchost/config.toml or .mcp.json); name the directory: cchost trust DIR",
                cwd.display()
            )
        })?,
    };
    let changed = trust::record(&global, &dir, !args.remove)?;
    let verb = match (args.remove, changed) {
        (false, true) => "trusted",
        (false, false) => "already trusted",
        (true, true) => "no longer trusted",
        (true, false) => "was not trusted",
    };
    println!(
        "{}: {verb} (recorded in {})",
        dir.display(),
        global.display()
    );
    Ok(())
}
