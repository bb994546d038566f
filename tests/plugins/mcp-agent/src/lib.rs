//! An agent for the MCP interface tests: reports the servers and tools it can see, then makes
//! each call of its task's `calls` parameter (`{server, tool, args}`) and reports every result or
//! refusal, so a test can compare what the plugin got with what the grant and hooks allow.

use cchost_sdk::{
    Agent, AgentOutput, Task, export_agent, mcp,
    serde_json::{self, Value, json},
};

struct McpAgent;

impl Agent for McpAgent {
    fn run(task: Task) -> Result<AgentOutput, String> {
        let parameters: Value =
            serde_json::from_str(&task.parameters).map_err(|e| e.to_string())?;
        let servers = mcp::servers();
        let mut tools = serde_json::Map::new();
        for server in parameters["list"].as_array().into_iter().flatten() {
            let server = server.as_str().unwrap_or_default();
            let listed = match mcp::tools(server) {
                Ok(list) => json!(list.iter().map(|t| &t.qualified_name).collect::<Vec<_>>()),
                Err(error) => json!({"error": error}),
            };
            tools.insert(server.to_string(), listed);
        }
        let mut calls = Vec::new();
        for call in parameters["calls"].as_array().into_iter().flatten() {
            let server = call["server"].as_str().unwrap_or_default();
            let tool = call["tool"].as_str().unwrap_or_default();
            let outcome = match mcp::call(server, tool, &call["args"]) {
                Ok(result) => json!({
                    "text": result.text,
                    "is_error": result.is_error,
                    "feedback": result.feedback,
                }),
                Err(error) => json!({"error": error}),
            };
            calls.push(outcome);
        }
        Ok(AgentOutput {
            summary: format!("{} calls", calls.len()),
            data: json!({"servers": servers, "tools": tools, "calls": calls}).to_string(),
        })
    }
}

export_agent!(McpAgent);
