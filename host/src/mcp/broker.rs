//! MCP for agents: every tool call an agent makes goes through the configured PreToolUse hooks
//! (a deny stops it, a modified input is what gets sent), then the server, then the PostToolUse
//! hooks, and lands in the session log with its decisions. Hooks see Claude Code's payloads and
//! tool names (`mcp__<server>__<tool>`), so one hook serves Claude Code and cchost alike.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use futures::{FutureExt, future::BoxFuture};
use serde_json::{Map, Value, json};

use super::{McpHub, naming};
use crate::{
    hooks::{self, HookInput, HookSet, Merged, Verdict},
    plugins::{
        PluginRegistry,
        tools::{ToolBroker, ToolCallOutcome, ToolCaller, ToolInfo},
    },
};

/// The session record kind of a tool call.
pub const TOOL_CALL_RECORD: &str = "tool-call";

/// The hooks tool calls pass through.
pub struct ToolHooks {
    pub registry: Arc<PluginRegistry>,
    pub set: Arc<HookSet>,
}

pub struct McpBroker {
    hub: Arc<McpHub>,
    hooks: Option<ToolHooks>,
    /// The `cwd` of hook payloads: the project root.
    cwd: PathBuf,
    calls: AtomicU64,
    stats: Mutex<HashMap<String, ToolStats>>,
}

/// One agent's tool calls so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolStats {
    /// Every call attempted, refused ones included.
    pub calls: u64,
    /// Calls a grant or a PreToolUse hook refused.
    pub denials: u64,
}

impl McpBroker {
    pub fn new(hub: Arc<McpHub>, hooks: Option<ToolHooks>, cwd: PathBuf) -> McpBroker {
        McpBroker {
            hub,
            hooks,
            cwd,
            calls: AtomicU64::new(0),
            stats: Mutex::default(),
        }
    }

    /// The calls `agent` made so far.
    pub fn stats(&self, agent: &str) -> ToolStats {
        let stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.get(agent).copied().unwrap_or_default()
    }

    fn count(&self, agent: &str, denied: bool) {
        let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        let entry = stats.entry(agent.to_string()).or_default();
        entry.calls += 1;
        entry.denials += u64::from(denied);
    }

    /// A Claude Code hook payload for this call.
    fn payload(
        &self,
        caller: ToolCaller<'_>,
        event: &str,
        tool_name: &str,
        input: &Map<String, Value>,
        tool_use_id: &str,
    ) -> Map<String, Value> {
        let (session_id, transcript) = caller.session.map_or((String::new(), String::new()), |s| {
            let writer = s.writer();
            (
                writer.session_id().to_string(),
                writer.path().display().to_string(),
            )
        });
        let Value::Object(payload) = json!({
            "session_id": session_id,
            "transcript_path": transcript,
            "cwd": self.cwd,
            "hook_event_name": event,
            "permission_mode": "default",
            "tool_name": tool_name,
            "tool_input": input,
            "tool_use_id": tool_use_id,
            "agent": caller.agent,
        }) else {
            unreachable!("a json! object literal is an object")
        };
        payload
    }

    async fn run_hooks(&self, raw: Map<String, Value>) -> Option<Merged> {
        let hooks = self.hooks.as_ref()?;
        let event_name = raw["hook_event_name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let input = HookInput { event_name, raw };
        let bindings = hooks.set.matching(&input);
        if bindings.is_empty() {
            return None;
        }
        Some(hooks::dispatch(&hooks.registry, &bindings, &input).await)
    }

    fn record(&self, caller: ToolCaller<'_>, data: &Value) {
        if let Some(session) = caller.session {
            // The session writer reports a failed write when it is flushed; a tool call does
            // not fail because its record could not be written.
            let _ = session
                .writer()
                .append_nowait(TOOL_CALL_RECORD, Some(caller.agent), data);
        }
    }

    async fn call(
        &self,
        caller: ToolCaller<'_>,
        server: &str,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<ToolCallOutcome, String> {
        let started = Instant::now();
        let tool_name = naming::qualified(server, tool);
        let number = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let tool_use_id = format!("cchost_{}_{number}", std::process::id());
        let mut record = json!({
            "tool": tool_name,
            "tool_use_id": tool_use_id,
            "input": arguments,
        });

        let pre_payload = self.payload(caller, "PreToolUse", &tool_name, &arguments, &tool_use_id);
        let pre = self.run_hooks(pre_payload).await;
        record["pre_tool_use"] = decision_json(pre.as_ref());
        let refusal = pre.as_ref().and_then(|merged| match &merged.verdict {
            Verdict::Deny(reason) | Verdict::Block(reason) => {
                Some(format!("denied by a PreToolUse hook: {reason}"))
            }
            // Nobody can answer a question in an unattended run: ask counts as a refusal.
            Verdict::Ask(reason) => Some(format!(
                "a PreToolUse hook asks for approval, which an unattended run cannot give: {reason}"
            )),
            _ => None,
        });
        self.count(caller.agent, refusal.is_some());
        if let Some(reason) = refusal {
            record["outcome"] = json!("denied");
            record["error"] = json!(reason);
            self.record(caller, &record);
            return Err(reason);
        }
        let arguments = match pre.and_then(|merged| merged.updated_input) {
            Some(Value::Object(updated)) => {
                record["sent_input"] = Value::Object(updated.clone());
                updated
            }
            _ => arguments,
        };

        let result = self.hub.call_tool(server, tool, arguments.clone()).await;
        let result = match result.map(|r| serde_json::to_value(&r)) {
            Ok(Ok(value)) => value,
            Ok(Err(e)) => Err(format!("tool result of `{tool_name}`: {e}"))?,
            Err(error) => {
                record["outcome"] = json!("error");
                record["error"] = json!(error.to_string());
                record["duration_ms"] = json!(started.elapsed().as_millis() as u64);
                self.record(caller, &record);
                return Err(error.to_string());
            }
        };

        let mut post_payload =
            self.payload(caller, "PostToolUse", &tool_name, &arguments, &tool_use_id);
        post_payload.insert("tool_response".into(), result.clone());
        let post = self.run_hooks(post_payload).await;
        record["post_tool_use"] = decision_json(post.as_ref());
        let feedback = post.and_then(|merged| {
            let block = match merged.verdict {
                Verdict::Block(reason) | Verdict::Deny(reason) => Some(reason),
                _ => None,
            };
            let parts: Vec<String> = block.into_iter().chain(merged.additional_context).collect();
            (!parts.is_empty()).then(|| parts.join("\n"))
        });
        let is_error = result["isError"] == Value::Bool(true);
        record["outcome"] = json!(if is_error { "tool-error" } else { "ok" });
        record["result"] = summarize_for_record(&result);
        record["duration_ms"] = json!(started.elapsed().as_millis() as u64);
        self.record(caller, &record);
        Ok(ToolCallOutcome { result, feedback })
    }
}

/// A hook decision as the session records it.
fn decision_json(merged: Option<&Merged>) -> Value {
    let Some(merged) = merged else {
        return Value::Null;
    };
    let (decision, reason) = match &merged.verdict {
        Verdict::None => ("none", None),
        Verdict::Allow(reason) => ("allow", reason.as_deref()),
        Verdict::Deny(reason) => ("deny", Some(reason.as_str())),
        Verdict::Ask(reason) => ("ask", Some(reason.as_str())),
        Verdict::Defer => ("defer", None),
        Verdict::Block(reason) => ("block", Some(reason.as_str())),
    };
    json!({
        "decision": decision,
        "reason": reason,
        "modified_input": merged.updated_input.is_some(),
        "additional_context": merged.additional_context,
    })
}

/// Text content kept in the record up to a few KiB; other content as its summary line.
fn summarize_for_record(result: &Value) -> Value {
    const KEEP: usize = 4096;
    let summary = super::summarize(result);
    let text = if summary.len() > KEEP {
        let mut end = KEEP;
        while !summary.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &summary[..end], summary.len())
    } else {
        summary
    };
    json!(text)
}

impl ToolBroker for McpBroker {
    fn servers(&self) -> Vec<String> {
        self.hub.server_names().map(str::to_string).collect()
    }

    fn list_tools<'a>(&'a self, server: &'a str) -> BoxFuture<'a, Result<Vec<ToolInfo>, String>> {
        async move {
            let tools = self
                .hub
                .list_tools(server)
                .await
                .map_err(|e| e.to_string())?;
            Ok(tools
                .iter()
                .map(|tool| ToolInfo {
                    name: tool.name.to_string(),
                    qualified_name: naming::qualified(server, &tool.name),
                    description: tool.description.as_deref().unwrap_or("").to_string(),
                    input_schema: Value::Object((*tool.input_schema).clone()),
                })
                .collect())
        }
        .boxed()
    }

    fn call_tool<'a>(
        &'a self,
        caller: ToolCaller<'a>,
        server: &'a str,
        tool: &'a str,
        arguments: Map<String, Value>,
    ) -> BoxFuture<'a, Result<ToolCallOutcome, String>> {
        self.call(caller, server, tool, arguments).boxed()
    }

    fn record_refusal(&self, caller: ToolCaller<'_>, server: &str, tool: &str, reason: &str) {
        self.count(caller.agent, true);
        let record = json!({
            "tool": naming::qualified(server, tool),
            "outcome": "refused",
            "error": reason,
        });
        self.record(caller, &record);
    }

    fn read_resource<'a>(
        &'a self,
        server: &'a str,
        uri: &'a str,
    ) -> BoxFuture<'a, Result<Value, String>> {
        async move {
            let result = self
                .hub
                .read_resource(server, uri)
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_value(&result.contents).map_err(|e| e.to_string())
        }
        .boxed()
    }

    fn get_prompt<'a>(
        &'a self,
        server: &'a str,
        name: &'a str,
        arguments: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, String>> {
        async move {
            let result = self
                .hub
                .get_prompt(server, name, arguments)
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_value(&result).map_err(|e| e.to_string())
        }
        .boxed()
    }
}
