//! What an agent's `mcp` interface reaches. The plugin layer checks the agent's grant; the
//! [`ToolBroker`] behind it (implemented by the MCP layer) runs hooks, calls the server and
//! records the call. The trait keeps this layer from depending on the ones above it.

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use crate::session::SessionHandle;

/// The agent on whose behalf a call is made.
#[derive(Clone, Copy)]
pub struct ToolCaller<'a> {
    pub agent: &'a str,
    pub session: Option<&'a SessionHandle>,
}

/// A tool as the agent sees it.
#[derive(Debug, Clone)]
pub struct ToolInfo {
    pub name: String,
    /// The name hooks see, `mcp__<server>__<tool>`.
    pub qualified_name: String,
    pub description: String,
    pub input_schema: Value,
}

/// A finished call: the server's `CallToolResult` as JSON, and what PostToolUse hooks said.
#[derive(Debug, Clone)]
pub struct ToolCallOutcome {
    pub result: Value,
    pub feedback: Option<String>,
}

/// MCP access for agents; every `Err` is a message for the agent naming the refusal or failure.
pub trait ToolBroker: Send + Sync {
    /// The configured servers (the plugin layer keeps only the granted ones).
    fn servers(&self) -> Vec<String>;

    fn list_tools<'a>(&'a self, server: &'a str) -> BoxFuture<'a, Result<Vec<ToolInfo>, String>>;

    /// Runs PreToolUse hooks, the call, PostToolUse hooks, and records it all.
    fn call_tool<'a>(
        &'a self,
        caller: ToolCaller<'a>,
        server: &'a str,
        tool: &'a str,
        arguments: Map<String, Value>,
    ) -> BoxFuture<'a, Result<ToolCallOutcome, String>>;

    /// Records a call the grant refused before it reached any hook or server.
    fn record_refusal(&self, caller: ToolCaller<'_>, server: &str, tool: &str, reason: &str);

    fn read_resource<'a>(
        &'a self,
        server: &'a str,
        uri: &'a str,
    ) -> BoxFuture<'a, Result<Value, String>>;

    fn get_prompt<'a>(
        &'a self,
        server: &'a str,
        name: &'a str,
        arguments: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, String>>;
}
