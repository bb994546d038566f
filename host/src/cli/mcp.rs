//! `cchost mcp list | tools | call`: the configured MCP servers, their tools, and one tool call.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::{ConfigArgs, exit};
use crate::mcp::{ConnectionState, McpHub, naming, summarize};

#[derive(Debug, Args)]
pub struct McpCommand {
    #[command(subcommand)]
    command: McpSubcommand,
}

#[derive(Debug, Subcommand)]
enum McpSubcommand {
    /// The configured servers (cchost configuration and `.mcp.json`), their transport, and
    /// whether they answer.
    List {
        /// Show the configuration only; do not start or dial the servers.
        #[arg(long)]
        no_connect: bool,
        #[arg(long)]
        json: bool,
    },
    /// The tools of SERVER, by the names hooks see (`mcp__<server>__<tool>`).
    Tools {
        server: String,
        #[arg(long)]
        json: bool,
    },
    /// Call TOOL of SERVER and print the result (text in full, other content summarised).
    Call {
        server: String,
        tool: String,
        /// The tool's arguments as a JSON object.
        #[arg(long, value_name = "JSON", default_value = "{}")]
        args: String,
        /// Print the raw `CallToolResult` as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: McpCommand, config: &ConfigArgs) -> ExitCode {
    match execute(command, config) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::FAILED)
        }
    }
}

fn execute(command: McpCommand, config: &ConfigArgs) -> Result<ExitCode> {
    let cwd = std::env::current_dir().context("determine the working directory")?;
    let loaded = match config.load(&cwd) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(exit::USAGE));
        }
    };
    let roots = loaded.project_root.iter().cloned().collect();
    let hub = McpHub::new(&loaded.config.mcp.servers, roots);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(async {
        let outcome = match command.command {
            McpSubcommand::List { no_connect, json } => list(&hub, !no_connect, json).await,
            McpSubcommand::Tools { server, json } => tools(&hub, &server, json).await,
            McpSubcommand::Call {
                server,
                tool,
                args,
                json,
            } => call(&hub, &server, &tool, &args, json).await,
        };
        hub.shutdown().await;
        outcome
    })
}

async fn list(hub: &McpHub, connect: bool, json: bool) -> Result<ExitCode> {
    let statuses =
        futures::future::join_all(hub.server_names().map(|name| hub.status(name, connect)))
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
    } else if statuses.is_empty() {
        println!("no MCP servers configured ([mcp.servers.NAME] or .mcp.json)");
    } else {
        for status in &statuses {
            let state = match &status.state {
                ConnectionState::NotStarted => "not started".to_string(),
                ConnectionState::Connected {
                    protocol_version,
                    server_name,
                    server_version,
                } => format!(
                    "connected: {} {} (protocol {protocol_version})",
                    server_name.as_deref().unwrap_or("?"),
                    server_version.as_deref().unwrap_or("")
                ),
                ConnectionState::Failed { error } => format!("failed: {error}"),
            };
            println!(
                "{:<20} {:<6} {:<40} {state}",
                status.name,
                format!("{:?}", status.transport).to_lowercase(),
                status.target
            );
        }
    }
    let failed = statuses
        .iter()
        .any(|s| matches!(s.state, ConnectionState::Failed { .. }));
    Ok(if failed {
        ExitCode::from(exit::FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

async fn tools(hub: &McpHub, server: &str, json: bool) -> Result<ExitCode> {
    let tools = hub.list_tools(server).await?;
    if json {
        let tools: Vec<Value> = tools
            .iter()
            .map(|tool| {
                json!({
                    "name": naming::qualified(server, &tool.name),
                    "tool": tool.name,
                    "description": tool.description,
                    "input_schema": tool.input_schema,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&tools)?);
    } else {
        for tool in tools.iter() {
            let description = tool.description.as_deref().unwrap_or("");
            let first_line = description.lines().next().unwrap_or("");
            println!("{:<40} {first_line}", naming::qualified(server, &tool.name));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn call(hub: &McpHub, server: &str, tool: &str, args: &str, json: bool) -> Result<ExitCode> {
    let arguments: Map<String, Value> = match serde_json::from_str(args) {
        Ok(Value::Object(map)) => map,
        Ok(_) => bail!("--args must be a JSON object, e.g. '{{\"text\": \"hi\"}}'"),
        Err(e) => bail!("--args is not valid JSON: {e}"),
    };
    let result = hub.call_tool(server, tool, arguments).await?;
    let is_error = result.is_error == Some(true);
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        let value = serde_json::to_value(&result)?;
        print!("{}", summarize(&value));
    }
    Ok(if is_error {
        ExitCode::from(exit::FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
