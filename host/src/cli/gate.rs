//! `cchost gate`: judge a project's files with the gates of its checkpoints, for CI and hooks.

use std::{path::PathBuf, process::ExitCode, sync::Arc};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use super::{ConfigArgs, exit};
use crate::{
    config::Loaded,
    gates::{self, ScopeSpec, report},
    plugins::{PluginRegistry, bindings::GateStatus, grants::PathContext},
    runtime::{Allocation, ComponentCache},
};

#[derive(Debug, Args)]
pub struct GateArgs {
    /// The checkpoint to judge (a `[checkpoints.NAME]` of the configuration); default: all.
    checkpoint: Option<String>,
    /// The project to judge (default: the working directory's project).
    #[arg(long, value_name = "DIR")]
    path: Option<PathBuf>,
    /// Judge the files changed since this git revision (default: `gate.base`, else `HEAD`).
    #[arg(long, value_name = "REV", conflicts_with = "all")]
    base: Option<String>,
    /// Judge every file of the project.
    #[arg(long)]
    all: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
    Junit,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// Exit 0 when every gate passes or warns, 1 when one fails, 2 on a usage or configuration error.
pub fn run(args: GateArgs, config: &ConfigArgs) -> ExitCode {
    match judge(args, config) {
        Ok(GateStatus::Fail) => ExitCode::from(exit::FAILED),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}

fn judge(args: GateArgs, config_args: &ConfigArgs) -> Result<GateStatus> {
    let cwd = std::env::current_dir().context("determine the working directory")?;
    let dir = match &args.path {
        Some(path) => cwd.join(path),
        None => cwd,
    };
    let loaded = config_args.load(&dir)?;
    let root = loaded
        .project_root
        .clone()
        .unwrap_or(dir)
        .canonicalize()
        .context("resolve the project directory")?;
    let checkpoints = select_checkpoints(&loaded, args.checkpoint.as_deref())?;

    let spec = if args.all {
        ScopeSpec::All
    } else if let Some(base) = args.base.clone().or(loaded.config.gate.base.clone()) {
        ScopeSpec::Since(base)
    } else if gates::scope::is_git_repo(&root) {
        ScopeSpec::Since("HEAD".into())
    } else {
        ScopeSpec::All
    };
    let scope = gates::scope::resolve(&root, &spec)?;

    let all_gates = checkpoints.iter().flat_map(|(_, gates)| gates.iter());
    let registry = Arc::new(
        PluginRegistry::new(
            Allocation::OnDemand,
            ComponentCache::from_env(),
            gates::gate_specs(&loaded.config, all_gates, &root)?,
            PathContext::from_env(Some(root.clone())),
        )?
        .with_tiering(super::one_shot_tiering()),
    );
    // IO drives the pipes of the commands gates run through `exec`.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    let runs: Vec<_> = runtime.block_on(async {
        let mut runs = Vec::new();
        for (name, gates) in &checkpoints {
            runs.push(gates::run_checkpoint(&registry, name, gates, &scope).await);
        }
        runs
    });

    let rendered = match args.format {
        Format::Table => report::table(&runs, scope.files.len()),
        Format::Json => serde_json::to_string_pretty(&report::json(&runs, &scope.files))? + "\n",
        Format::Junit => report::junit(&runs),
        Format::Sarif => serde_json::to_string_pretty(&report::sarif(&runs))? + "\n",
    };
    let stdout_is_report = args.output.is_none() && args.format != Format::Table;
    match &args.output {
        Some(file) => std::fs::write(file, &rendered)
            .with_context(|| format!("write the report to {}", file.display()))?,
        None => print!("{rendered}"),
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        let annotations = report::github_annotations(&runs);
        if stdout_is_report {
            eprint!("{annotations}");
        } else {
            print!("{annotations}");
        }
    }
    Ok(report::overall(&runs))
}

/// The named checkpoint, or all of them; an unknown name is an error listing the known ones.
fn select_checkpoints(loaded: &Loaded, name: Option<&str>) -> Result<Vec<(String, Vec<String>)>> {
    let configured = &loaded.config.checkpoints;
    if configured.is_empty() {
        bail!(
            "no checkpoints are configured; add one to .cchost/config.toml:\n\n[checkpoints.post-implementation]\ngates = [\"syntax\"]"
        );
    }
    match name {
        Some(name) => match configured.get(name) {
            Some(checkpoint) => Ok(vec![(name.to_string(), checkpoint.gates.clone())]),
            None => bail!(
                "no checkpoint `{name}`; configured: {}",
                configured.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        },
        None => Ok(configured
            .iter()
            .map(|(name, checkpoint)| (name.clone(), checkpoint.gates.clone()))
            .collect()),
    }
}
