//! `cchost config show | check | path`: the resolved configuration, where each value came from,
//! and which files were read.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use super::{ConfigArgs, exit};
use crate::config::{ConfigError, Loaded, Origin, Segment, display_path};

#[derive(Debug, Args)]
pub struct ConfigCommand {
    #[command(subcommand)]
    command: ConfigSubcommand,
}

#[derive(Debug, Subcommand)]
enum ConfigSubcommand {
    /// Print the merged configuration (or one KEY of it), defaults included.
    Show {
        /// A dotted key such as `plugins.guard-commands` or `session.dir`.
        key: Option<String>,
        /// Say where each value came from: file:line:column, `-c`, or default.
        #[arg(long)]
        origin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Validate every tier; exit 2 if anything is wrong.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Which configuration files were looked for, which were found, and whether the project is
    /// trusted.
    Path {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ConfigCommand, config: &ConfigArgs) -> ExitCode {
    let result = std::env::current_dir()
        .context("determine the working directory")
        .and_then(|cwd| match command.command {
            ConfigSubcommand::Show { key, origin, json } => {
                show(&config.load(&cwd)?, key.as_deref(), origin, json)
            }
            ConfigSubcommand::Check { json } => check(config, &cwd, json),
            ConfigSubcommand::Path { json } => path(&config.load(&cwd)?, json),
        });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}

fn show(loaded: &Loaded, key: Option<&str>, with_origin: bool, json: bool) -> Result<ExitCode> {
    let path = match key {
        Some(key) => parse_key(key)?,
        None => Vec::new(),
    };
    let Some(entry) = loaded.tree.get(&path) else {
        bail!(
            "`{}` is not set (and has no default)",
            key.unwrap_or_default()
        );
    };
    let out = if json {
        let value = if with_origin {
            let leaves: Vec<_> = entry
                .leaves()
                .into_iter()
                .map(|(relative, leaf)| {
                    let full: Vec<Segment> = path.iter().cloned().chain(relative).collect();
                    json!({
                        "key": display_path(&full),
                        "value": leaf.to_value(),
                        "origin": origin_json(&leaf.origin),
                    })
                })
                .collect();
            json!(leaves)
        } else {
            serde_json::to_value(entry.to_value())?
        };
        serde_json::to_string_pretty(&value)? + "\n"
    } else if with_origin {
        let mut out = String::new();
        for (relative, leaf) in entry.leaves() {
            let full: Vec<Segment> = path.iter().cloned().chain(relative).collect();
            let tier = match leaf.origin {
                Origin::Default | Origin::CommandLine(_) => String::new(),
                Origin::File { tier, .. } => format!(" ({})", tier.label()),
            };
            out += &format!(
                "{} = {}  # {}{tier}\n",
                display_path(&full),
                inline(&leaf.to_value()),
                leaf.origin,
            );
        }
        out
    } else {
        match entry.to_value() {
            toml::Value::Table(table) => toml::to_string_pretty(&table)?,
            value => inline(&value) + "\n",
        }
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn check(config: &ConfigArgs, cwd: &std::path::Path, json: bool) -> Result<ExitCode> {
    match Loaded::load(&config.options(cwd)) {
        Ok(loaded) => {
            let files: Vec<_> = loaded.sources.iter().filter(|s| s.found).collect();
            if json {
                let report = json!({
                    "ok": true,
                    "files": files.iter().map(|s| s.path.display().to_string()).collect::<Vec<_>>(),
                    "warnings": loaded.warnings,
                    "errors": [],
                });
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for warning in &loaded.warnings {
                    eprintln!("warning: {warning}");
                }
                println!(
                    "configuration ok ({} file{} read{})",
                    files.len(),
                    if files.len() == 1 { "" } else { "s" },
                    if loaded.warnings.is_empty() {
                        String::new()
                    } else {
                        format!(", {} warning(s)", loaded.warnings.len())
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&error_json(&error))?);
            } else {
                eprintln!("{error}");
            }
            Ok(ExitCode::from(exit::USAGE))
        }
    }
}

fn path(loaded: &Loaded, json: bool) -> Result<ExitCode> {
    if json {
        let report = json!({
            "project_root": loaded.project_root,
            "project_trusted": loaded.project_trusted,
            "files": loaded.sources.iter().map(|s| json!({
                "tier": s.tier.label(),
                "path": s.path,
                "found": s.found,
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    for source in &loaded.sources {
        println!(
            "{:<12} {:<9} {}",
            source.tier.label(),
            if source.found { "found" } else { "not found" },
            source.path.display()
        );
    }
    match &loaded.project_root {
        Some(root) => println!(
            "project      {:<9} {}",
            if loaded.project_trusted {
                "trusted"
            } else {
                "untrusted"
            },
            root.display()
        ),
        None => println!("project      none      (no .cchost/config.toml or .mcp.json above here)"),
    }
    Ok(ExitCode::SUCCESS)
}

/// A dotted key, with TOML quoting for keys that contain dots.
fn parse_key(key: &str) -> Result<Vec<Segment>> {
    let keys =
        toml_edit::Key::parse(key).with_context(|| format!("`{key}` is not a dotted key"))?;
    Ok(keys
        .into_iter()
        .map(|k| Segment::Key(k.get().to_string()))
        .collect())
}

fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn origin_json(origin: &Origin) -> serde_json::Value {
    match origin {
        Origin::Default => json!({ "tier": "default" }),
        Origin::File {
            tier,
            path,
            line,
            column,
        } => {
            json!({ "tier": tier.label(), "file": path.display().to_string(), "line": line, "column": column })
        }
        Origin::CommandLine(arg) => json!({ "tier": "command line", "arg": arg.as_ref() }),
    }
}

fn error_json(error: &ConfigError) -> serde_json::Value {
    json!({
        "ok": false,
        "errors": error.diagnostics.iter().map(|d| json!({
            "message": d.message,
            "origin": d.origin.as_ref().map(origin_json),
            "help": d.help,
        })).collect::<Vec<_>>(),
    })
}
