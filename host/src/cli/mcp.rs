//! `cchost mcp list | tools | call | login | logout`: the configured MCP servers, their tools,
//! one tool call, and the OAuth login to an http server.

use std::{process::ExitCode, time::Duration};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::{ConfigArgs, exit};
use crate::{
    config::McpTransport,
    mcp::{
        ConnectionState, McpHub, naming,
        oauth::{self, LoginOptions, StoredLogin, UserAgent},
        summarize,
    },
};

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
    /// Sign cchost in to the OAuth-protected http server SERVER and store its tokens.
    ///
    /// Authorization code with PKCE: cchost discovers the server's authorization server,
    /// registers itself there unless `[mcp.servers.SERVER.oauth] client_id` is set, prints the
    /// authorization URL (and tries to open a browser), and waits for the browser to come back
    /// to http://127.0.0.1:PORT/callback. With `grant = "client_credentials"` it fetches a token
    /// with the configured client's secret instead, no browser involved. The tokens go to
    /// `$XDG_DATA_HOME/cchost/mcp-credentials/` (default ~/.local/share), readable only by you;
    /// cchost refreshes them from then on and never prints them.
    Login {
        /// A configured http server (`[mcp.servers.SERVER]` or `.mcp.json`).
        server: String,
        /// Only print the authorization URL; do not try to open a browser.
        #[arg(long)]
        no_browser: bool,
        /// How long to wait for the browser to come back, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = oauth::LOGIN_TIMEOUT.as_secs())]
        timeout: u64,
        /// Print what was stored (never the tokens) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete the OAuth credentials stored for SERVER.
    Logout {
        /// A configured http server.
        server: String,
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
            McpSubcommand::Login {
                server,
                no_browser,
                timeout,
                json,
            } => {
                login(
                    &hub,
                    &server,
                    !no_browser,
                    Duration::from_secs(timeout),
                    json,
                )
                .await
            }
            McpSubcommand::Logout { server, json } => logout(&hub, &server, json),
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
    let logins: Vec<Option<StoredLogin>> = statuses
        .iter()
        .map(|status| oauth_login(hub, &status.name))
        .collect::<Result<_>>()?;
    if json {
        let mut entries = Vec::new();
        for (status, login) in statuses.iter().zip(&logins) {
            let mut entry = serde_json::to_value(status)?;
            if let Some(login) = login {
                entry["oauth"] = serde_json::to_value(login)?;
            }
            entries.push(entry);
        }
        println!("{}", serde_json::to_string_pretty(&entries)?);
    } else if statuses.is_empty() {
        println!("no MCP servers configured ([mcp.servers.NAME] or .mcp.json)");
    } else {
        for (status, login) in statuses.iter().zip(&logins) {
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
            let login = match login {
                Some(login) => format!(" [oauth: {}]", describe_login(login)),
                None => String::new(),
            };
            println!(
                "{:<20} {:<6} {:<40} {state}{login}",
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

/// The stored OAuth login of an http server that has one or is configured for OAuth; `None`
/// for other servers, where a login means nothing.
fn oauth_login(hub: &McpHub, server: &str) -> Result<Option<StoredLogin>> {
    let config = hub.config(server)?;
    let Some(dir) = hub.credentials_dir() else {
        return Ok(None);
    };
    if config.transport != McpTransport::Http {
        return Ok(None);
    }
    let login = oauth::stored_login(dir, server, config)?;
    Ok((login != StoredLogin::None || config.oauth.is_some()).then_some(login))
}

fn describe_login(login: &StoredLogin) -> String {
    match login {
        StoredLogin::None => "not logged in".to_string(),
        StoredLogin::Stored {
            expires_in_secs,
            refreshable,
            ..
        } => {
            let expiry = match expires_in_secs {
                Some(secs) if *secs > 0 => format!(", token expires in {}", minutes(*secs)),
                Some(_) => ", token expired".to_string(),
                None => String::new(),
            };
            let refresh = if *refreshable { ", refreshable" } else { "" };
            format!("logged in{expiry}{refresh}")
        }
    }
}

fn minutes(secs: i64) -> String {
    if secs < 120 {
        format!("{secs} s")
    } else {
        format!("{} min", secs / 60)
    }
}

async fn login(
    hub: &McpHub,
    server: &str,
    open_browser: bool,
    timeout: Duration,
    json: bool,
) -> Result<ExitCode> {
    let config = hub.config(server)?;
    let dir = credentials_dir(hub)?;
    let show = |url: &str| {
        eprintln!("Open this URL in a browser to authorize cchost for `{server}`:\n\n  {url}\n");
        if open_browser {
            open_in_browser(url);
        }
        eprintln!(
            "Waiting up to {} s for the browser to come back…",
            timeout.as_secs()
        );
    };
    let options = LoginOptions {
        user_agent: UserAgent::Person(&show),
        challenge: None,
        timeout,
    };
    let report = oauth::login(server, config, dir, options).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let registered = if report.registered {
            " (registered just now)"
        } else {
            ""
        };
        let scopes = if report.scopes.is_empty() {
            "no particular scope".to_string()
        } else {
            format!("scopes {}", report.scopes.join(" "))
        };
        let expiry = report
            .expires_in_secs
            .map(|secs| format!(", token valid for {}", minutes(secs as i64)))
            .unwrap_or_default();
        let refresh = if report.refreshable {
            ", refreshed automatically"
        } else {
            ""
        };
        println!(
            "Logged in to `{server}` as client {}{registered}: {scopes}{expiry}{refresh}.\n\
             Credentials stored in {}",
            report.client_id,
            report.credentials_file.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn logout(hub: &McpHub, server: &str, json: bool) -> Result<ExitCode> {
    let config = hub.config(server)?;
    let dir = credentials_dir(hub)?;
    let removed = oauth::logout(dir, server, config)?;
    if json {
        println!("{}", json!({"server": server, "removed": removed}));
    } else if removed {
        println!("Removed the OAuth credentials stored for `{server}`.");
    } else {
        println!("No OAuth credentials were stored for `{server}`.");
    }
    Ok(ExitCode::SUCCESS)
}

fn credentials_dir(hub: &McpHub) -> Result<&std::path::Path> {
    hub.credentials_dir()
        .context("no place for OAuth credentials: neither XDG_DATA_HOME nor HOME is set")
}

/// Tries to open `url` in the desktop's browser: `xdg-open` started directly with the URL as
/// its one argument (never through a shell), not waited for; failing is fine, the URL is
/// printed anyway.
fn open_in_browser(url: &str) {
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if !has_display {
        return;
    }
    let spawned = std::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = spawned {
        // Reaped in the background so it does not linger as a zombie.
        std::thread::spawn(move || child.wait());
    }
}
