//! The client side of the MCP conformance suite (`@modelcontextprotocol/conformance client`):
//! the suite starts a test server per scenario and runs `mcp_conformance_client <server-url>`
//! with `MCP_CONFORMANCE_SCENARIO` set; this program then does what the scenario expects through
//! cchost's own `McpHub` over streamable HTTP, so the suite judges the code agents really use.
//! Exits non-zero when anything fails.
//!
//! The `auth/*` scenarios protect their server with OAuth. A request refused with a challenge
//! (401, or 403 for more scope) makes this program log in the way `cchost mcp login` does —
//! the same `oauth::login`, except that the authorization URL is fetched rather than shown to
//! a person, since the suite's authorization server approves at once and redirects back to the
//! loopback listener — and try again, at most [`MAX_LOGINS`] times. Client credentials the
//! scenario hands over (`MCP_CONFORMANCE_CONTEXT`) become the server's `oauth` settings.

use std::{collections::BTreeMap, process::ExitCode, time::Duration};

use anyhow::{Context, Result, bail};
use cchost::{
    config::{ElicitationPolicy, McpOAuth, McpServer, McpTransport, OAuthGrant},
    mcp::{
        McpError, McpHub,
        oauth::{self, LoginOptions, UserAgent},
    },
};
use serde_json::{Map, Value, json};

const SERVER: &str = "conformance";
/// The client ID metadata document the `auth/basic-cimd` scenario expects cchost to name (the
/// suite never fetches it).
const CLIENT_METADATA_URL: &str = "https://conformance-test.local/client-metadata.json";
/// The environment variable the scenario's client secret is put in: configuration names a
/// variable, never a secret.
const SECRET_VARIABLE: &str = "CCHOST_CONFORMANCE_CLIENT_SECRET";
/// Logins per run: a server that keeps refusing must not keep the client looping
/// (`auth/scope-retry-limit`).
const MAX_LOGINS: usize = 3;

fn main() -> ExitCode {
    let context: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    if let Some(secret) = context["client_secret"].as_str() {
        // SAFETY: no other thread exists yet; the async runtime starts below.
        unsafe { std::env::set_var(SECRET_VARIABLE, secret) };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("start the async runtime");
    runtime.block_on(run_scenario(context))
}

async fn run_scenario(context: Value) -> ExitCode {
    // Logs go to stderr, which the suite saves beside its checks (`stderr.txt`).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match run(&context).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mcp_conformance_client: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(context: &Value) -> Result<()> {
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
        oauth: Some(oauth_settings(&scenario, context)),
        ..McpServer::default()
    };
    let credentials = tempfile::tempdir().context("create a credentials directory")?;
    let hub = McpHub::new(
        &BTreeMap::from([(SERVER.to_string(), server.clone())]),
        Vec::new(),
    )
    .with_credentials_dir(credentials.path().to_path_buf());
    let mut logins = 0;
    let outcome = loop {
        let outcome = exercise(&hub, tool, arguments.clone()).await;
        let challenge = match outcome
            .as_ref()
            .err()
            .and_then(|e| e.downcast_ref::<McpError>())
        {
            Some(McpError::AuthRequired { challenge, .. }) if logins < MAX_LOGINS => {
                challenge.clone()
            }
            _ => break outcome,
        };
        logins += 1;
        let options = LoginOptions {
            user_agent: UserAgent::Unattended,
            challenge,
            timeout: Duration::from_secs(20),
        };
        let report = oauth::login(SERVER, &server, credentials.path(), options).await?;
        eprintln!(
            "logged in: client {}, scopes [{}]",
            report.client_id,
            report.scopes.join(" ")
        );
    };
    // Shut down even after a failure: the suite waits for the client to close its session.
    hub.shutdown().await;
    outcome
}

/// The server's OAuth settings: a pre-registered client when the scenario hands one over (as
/// client credentials for `auth/client-credentials-*`), otherwise dynamic registration or the
/// client ID metadata document.
fn oauth_settings(scenario: &str, context: &Value) -> McpOAuth {
    let client_id = context["client_id"].as_str().map(str::to_string);
    let has_secret = context["client_secret"].is_string();
    McpOAuth {
        grant: if scenario.starts_with("auth/client-credentials") {
            OAuthGrant::ClientCredentials
        } else {
            OAuthGrant::AuthorizationCode
        },
        client_id,
        client_secret_env: has_secret.then(|| SECRET_VARIABLE.to_string()),
        client_metadata_url: Some(CLIENT_METADATA_URL.to_string()),
        ..McpOAuth::default()
    }
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
        // Every OAuth scenario's server has this one tool; calling it is what needs more
        // scope in `auth/scope-step-up`.
        auth if auth.starts_with("auth/") => (Some("test-tool"), json!({})),
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
