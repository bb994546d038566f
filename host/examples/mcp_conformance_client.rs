//! The client side of the MCP conformance suite (`@modelcontextprotocol/conformance client`):
//! the suite starts a test server per scenario and runs `mcp_conformance_client <server-url>`
//! with `MCP_CONFORMANCE_SCENARIO` set; this program then does what the scenario expects through
//! cchost's own `McpHub` over streamable HTTP, so the suite judges the code agents really use.
//! Exits non-zero when anything fails.

use std::{collections::BTreeMap, process::ExitCode};

use anyhow::{Context, Result, bail};
use cchost::{
    config::{ElicitationPolicy, McpServer, McpTransport},
    mcp::McpHub,
};
use serde_json::{Map, Value, json};

const SERVER: &str = "conformance";

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr, which the suite saves beside its checks (`stderr.txt`).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mcp_conformance_client: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let url = std::env::args()
        .skip(1)
        .last()
        .context("usage: mcp_conformance_client <server-url>")?;
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    let (tool, arguments) = scenario_call(&scenario);
    let server = McpServer {
        transport: McpTransport::Http,
        url: Some(url),
        // The scenario's server asks for input in the middle of the tool call; there is nobody
        // to ask, so the answer is the schema's defaults, which is what the scenario checks.
        elicitation: if scenario.starts_with("elicitation") {
            ElicitationPolicy::Defaults
        } else {
            ElicitationPolicy::Decline
        },
        ..McpServer::default()
    };
    let hub = McpHub::new(&BTreeMap::from([(SERVER.to_string(), server)]), Vec::new());
    let outcome = exercise(&hub, tool, arguments).await;
    // Shut down even after a failure: the suite waits for the client to close its session.
    hub.shutdown().await;
    outcome
}

/// The tool a scenario wants called, with its arguments; `None` for scenarios that only need
/// the handshake and a tool listing (`initialize`, and any scenario this program does not know).
fn scenario_call(scenario: &str) -> (Option<&'static str>, Map<String, Value>) {
    let (tool, arguments) = match scenario {
        "tools_call" => (Some("add_numbers"), json!({"a": 2, "b": 3})),
        "elicitation-sep1034-client-defaults" => {
            (Some("test_client_elicitation_defaults"), json!({}))
        }
        "sse-retry" => (Some("test_reconnection"), json!({})),
        "initialize" => (None, json!({})),
        other => {
            eprintln!("unknown scenario `{other}`: only initialising and listing tools");
            (None, json!({}))
        }
    };
    let Value::Object(arguments) = arguments else {
        unreachable!("arguments are written as objects above")
    };
    (tool, arguments)
}

async fn exercise(hub: &McpHub, tool: Option<&str>, arguments: Map<String, Value>) -> Result<()> {
    let tools = hub.list_tools(SERVER).await?;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    println!("tools: {}", names.join(", "));
    let Some(tool) = tool else {
        return Ok(());
    };
    let result = hub.call_tool(SERVER, tool, arguments).await?;
    println!("{tool}: {}", serde_json::to_string(&result)?);
    if result.is_error == Some(true) {
        bail!("tool `{tool}` returned an error result");
    }
    Ok(())
}
