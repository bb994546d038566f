//! MCP tools for agents (agents only): list the granted servers and tools, call a tool, read a
//! resource, get a prompt. Every call passes the host's PreToolUse and PostToolUse hooks and is
//! recorded in the session; a refusal (grant, hook or server) comes back as `Err(reason)`.

use serde::Serialize;
use serde_json::Value;

use crate::bindings::cchost::plugin::mcp as host;
pub use crate::bindings::cchost::plugin::mcp::{CallResult, Tool};

/// The granted servers that are configured.
pub fn servers() -> Vec<String> {
    host::list_servers()
}

/// The granted tools of `server`.
pub fn tools(server: &str) -> Result<Vec<Tool>, String> {
    host::list_tools(server)
}

/// Calls `tool` of `server`; `arguments` must serialise to a JSON object.
pub fn call<T: Serialize + ?Sized>(
    server: &str,
    tool: &str,
    arguments: &T,
) -> Result<CallResult, String> {
    let json = serde_json::to_string(arguments).map_err(|e| format!("serialise arguments: {e}"))?;
    host::call_tool(server, tool, &json)
}

/// The contents of resource `uri` of `server` (a JSON array of contents).
pub fn read_resource(server: &str, uri: &str) -> Result<Value, String> {
    let json = host::read_resource(server, uri)?;
    serde_json::from_str(&json).map_err(|e| format!("resource contents: {e}"))
}

/// Prompt `name` of `server` with `arguments` (description and messages).
pub fn prompt<T: Serialize + ?Sized>(
    server: &str,
    name: &str,
    arguments: &T,
) -> Result<Value, String> {
    let json = serde_json::to_string(arguments).map_err(|e| format!("serialise arguments: {e}"))?;
    let result = host::get_prompt(server, name, &json)?;
    serde_json::from_str(&result).map_err(|e| format!("prompt result: {e}"))
}

impl CallResult {
    /// The structured content parsed, when the tool returned some.
    pub fn structured_value(&self) -> Option<Value> {
        self.structured
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
    }

    /// The content blocks parsed.
    pub fn content_value(&self) -> Value {
        serde_json::from_str(&self.content).unwrap_or(Value::Null)
    }
}
