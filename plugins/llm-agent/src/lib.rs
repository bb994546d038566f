//! `llm-agent`: gives the configured model the task and the granted MCP tools, runs the tools it
//! asks for (each call through the host's hooks and grants), and hands the results back, until
//! the model ends its turn or the turn limit is reached.
//!
//! Parameters (all optional): `system` (system prompt), `servers` (which granted servers to
//! offer; default all), `max_turns` (default 10), `max_tokens` (per completion, default 2048).

use cchost_sdk::{
    Agent, AgentOutput, Task, export_agent, log, mcp,
    model::Conversation,
    serde_json::{self, Value, json},
};

struct LlmAgent;

const DEFAULT_MAX_TURNS: u64 = 10;
const DEFAULT_MAX_TOKENS: u64 = 2048;
const DEFAULT_SYSTEM: &str = "You are an agent run by cchost. Use the tools you are given to do \
    the task, then answer with a short report of what you found or did.";

/// `mcp__<server>__<tool>` → `(server, tool)`.
pub fn split_tool_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("mcp__")?;
    let (server, tool) = rest.split_once("__")?;
    (!server.is_empty() && !tool.is_empty()).then_some((server, tool))
}

/// What the model sees as a tool's result: its text, the hooks' feedback after it.
pub fn tool_result_text(text: &str, feedback: Option<&str>) -> String {
    match feedback {
        Some(feedback) => format!("{text}\n\n[hook feedback] {feedback}"),
        None => text.to_string(),
    }
}

impl Agent for LlmAgent {
    fn run(task: Task) -> Result<AgentOutput, String> {
        let parameters: Value = serde_json::from_str(&task.parameters).unwrap_or(json!({}));
        let max_turns = parameters["max_turns"]
            .as_u64()
            .unwrap_or(DEFAULT_MAX_TURNS);
        let max_tokens = parameters["max_tokens"]
            .as_u64()
            .unwrap_or(DEFAULT_MAX_TOKENS);
        let system = parameters["system"].as_str().unwrap_or(DEFAULT_SYSTEM);
        let wanted: Option<Vec<&str>> = parameters["servers"]
            .as_array()
            .map(|list| list.iter().filter_map(Value::as_str).collect());

        let mut conversation = Conversation::new(
            Some(system.to_string()),
            u32::try_from(max_tokens).unwrap_or(u32::MAX),
        );
        for server in mcp::servers() {
            if wanted
                .as_ref()
                .is_some_and(|w| !w.contains(&server.as_str()))
            {
                continue;
            }
            for tool in mcp::tools(&server)? {
                let schema: Value = serde_json::from_str(&tool.input_schema)
                    .unwrap_or_else(|_| json!({"type": "object"}));
                conversation.tool(&tool.qualified_name, &tool.description, schema);
            }
        }
        log::info(&format!(
            "{} tool(s) offered to the model",
            conversation.tools.len()
        ));
        conversation.user(&task.text);

        let (mut turns, mut tool_calls) = (0u64, 0u64);
        let (mut input_tokens, mut output_tokens) = (0u64, 0u64);
        let mut last_text = String::new();
        let mut stop_reason = String::new();
        while turns < max_turns {
            turns += 1;
            let response = conversation.complete()?;
            input_tokens += u64::from(response.usage.input_tokens);
            output_tokens += u64::from(response.usage.output_tokens);
            conversation.assistant(&response);
            stop_reason = response.stop_reason.clone();
            if !response.text.is_empty() {
                last_text = response.text.clone();
            }
            if response.tool_uses.is_empty() || stop_reason == "end_turn" {
                break;
            }
            let mut results = Vec::new();
            for tool_use in &response.tool_uses {
                tool_calls += 1;
                let result = match split_tool_name(&tool_use.name) {
                    None => (format!("unknown tool `{}`", tool_use.name), true),
                    Some((server, tool)) => {
                        match mcp::call(server, tool, &tool_use.input_value()) {
                            Ok(result) => (
                                tool_result_text(&result.text, result.feedback.as_deref()),
                                result.is_error,
                            ),
                            Err(reason) => (reason, true),
                        }
                    }
                };
                results.push((tool_use.id.clone(), result.0, result.1));
            }
            conversation.tool_results(&results);
        }
        let finished = stop_reason == "end_turn";
        let summary = if finished {
            last_text.clone()
        } else {
            format!("stopped after {turns} turn(s) (stop reason `{stop_reason}`): {last_text}")
        };
        Ok(AgentOutput {
            summary,
            data: json!({
                "text": last_text,
                "turns": turns,
                "tool_calls": tool_calls,
                "stop_reason": stop_reason,
                "finished": finished,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
            })
            .to_string(),
        })
    }
}

export_agent!(LlmAgent);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_qualified_tool_names() {
        assert_eq!(
            split_tool_name("mcp__fs__read_file"),
            Some(("fs", "read_file"))
        );
        assert_eq!(split_tool_name("mcp__fs__a__b"), Some(("fs", "a__b")));
        assert_eq!(split_tool_name("read_file"), None);
        assert_eq!(split_tool_name("mcp____x"), None);
    }

    #[test]
    fn hook_feedback_follows_the_result() {
        assert_eq!(tool_result_text("5", None), "5");
        assert_eq!(
            tool_result_text("5", Some("checked")),
            "5\n\n[hook feedback] checked"
        );
    }
}
