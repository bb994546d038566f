//! {{name}}: a cchost agent. It records the task it was given in its session and answers with
//! a summary of it; a starting point for agents that call MCP tools (`cchost_sdk::mcp`), a model
//! (`cchost_sdk::model`) or commands (`cchost_sdk::exec`), each only as granted.

use cchost_sdk::{Agent, AgentOutput, Task, export_agent, log, serde_json, session};

struct Plugin;

impl Agent for Plugin {
    fn run(task: Task) -> Result<AgentOutput, String> {
        let parameters: serde_json::Value = serde_json::from_str(&task.parameters)
            .map_err(|e| format!("the parameters are not JSON: {e}"))?;
        log::info(&format!("{} starts: {}", task.agent, task.text));
        let seq = session::append("task-seen", &serde_json::json!({ "text": task.text }))?;
        Ok(AgentOutput {
            summary: summary(&task.text, &parameters),
            data: serde_json::json!({ "session_seq": seq }).to_string(),
        })
    }
}

fn summary(text: &str, parameters: &serde_json::Value) -> String {
    let count = parameters.as_object().map_or(0, |p| p.len());
    format!("asked to: {text} ({count} parameters)")
}

export_agent!(Plugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_the_task() {
        let parameters = serde_json::json!({ "greeting": "hello" });
        assert_eq!(
            summary("say hello", &parameters),
            "asked to: say hello (1 parameters)"
        );
    }
}
