//! The per-call store state of a plugin and the host side of the `log`, `config`, `session`,
//! `mcp`, `model` and `exec` interfaces.
//!
//! A fresh `PluginState` is built for every call from the plugin's resolved rights, so nothing
//! survives from one event to the next.

use std::sync::Arc;

use anyhow::Result;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{
    FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView, sockets::SocketAddrUse,
};

use super::bindings::{
    agent::cchost::plugin::{mcp, model, session},
    gate::cchost::plugin::exec,
    hook::cchost::plugin::{config, log},
};
use super::exec::{ExecAttempt, ExecRefusal, ExecRequest};
use super::grants::{Access, EffectiveRights};
use super::tools::{ToolBroker, ToolCaller};
use crate::{
    model::{ModelClient, ModelRequest},
    runtime::{CappedOutput, MemoryLimiter},
    session::SessionHandle,
};

/// How much of a plugin's stdout/stderr is kept (the rest is dropped).
const STDIO_CAPTURE_BYTES: usize = 64 << 10;
/// Longest log message kept from a plugin.
const LOG_MESSAGE_BYTES: usize = 16 << 10;
/// Most records one `session.read` returns.
const SESSION_READ_RECORDS: usize = 1000;
/// Most record data one `session.read` returns (at least one record is always returned).
const SESSION_READ_BYTES: usize = 1 << 20;

/// The immutable facts a call needs about its plugin.
#[derive(Debug)]
pub struct PluginIdentity {
    pub name: String,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub rights: EffectiveRights,
}

pub struct PluginState {
    pub identity: Arc<PluginIdentity>,
    pub limiter: MemoryLimiter,
    pub stderr: CappedOutput,
    /// The session an agent call belongs to; `None` outside a session.
    pub session: Option<SessionHandle>,
    /// MCP access for an agent; `None` when the host offers none.
    pub tools: Option<Arc<dyn ToolBroker>>,
    /// The configured language model; `None` when there is none.
    pub model: Option<Arc<ModelClient>>,
    /// Every command the plugin tried to run in this call, in order.
    pub exec_log: Vec<ExecAttempt>,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl PluginState {
    pub fn new(identity: Arc<PluginIdentity>, max_memory_bytes: usize) -> Result<Self> {
        let stderr = CappedOutput::new(STDIO_CAPTURE_BYTES);
        let wasi = wasi_ctx(&identity.rights, stderr.clone())?;
        Ok(PluginState {
            identity,
            limiter: MemoryLimiter::new(max_memory_bytes),
            stderr,
            session: None,
            tools: None,
            model: None,
            exec_log: Vec::new(),
            wasi,
            table: ResourceTable::new(),
        })
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.text()
    }
}

/// The WASI context holding exactly the plugin's rights and nothing else.
fn wasi_ctx(rights: &EffectiveRights, stderr: CappedOutput) -> Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(CappedOutput::new(STDIO_CAPTURE_BYTES))
        .stderr(stderr);
    for (dir, access) in &rights.files {
        let perms = match access {
            Access::Read => FsPerms::ReadOnly,
            Access::ReadWrite => FsPerms::ReadWrite,
        };
        let guest = dir.to_string_lossy();
        builder.preopened_dir(dir, guest.as_ref(), perms)?;
    }
    for name in &rights.env {
        if let Some(value) = std::env::var_os(name) {
            builder.env(name, value.to_string_lossy());
        }
    }
    if rights.network.is_empty() {
        builder.allow_tcp(false).allow_udp(false);
    } else {
        let rules = Arc::new(rights.network.clone());
        builder
            .allow_tcp(true)
            .allow_udp(true)
            .allow_ip_name_lookup(true)
            .socket_addr_check(move |addr, use_| {
                // `connect` first binds implicitly to the wildcard address and port 0; that bind
                // reaches nothing by itself. Every other address is checked against the grant.
                let implicit_bind = matches!(use_, SocketAddrUse::TcpBind | SocketAddrUse::UdpBind)
                    && addr.ip().is_unspecified()
                    && addr.port() == 0;
                let allowed = implicit_bind || rules.iter().any(|rule| rule.allows(addr));
                Box::pin(async move { allowed })
            });
    }
    Ok(builder.build())
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl log::Host for PluginState {
    fn log(&mut self, level: log::Level, message: String) {
        let plugin = self.identity.name.as_str();
        let message = truncate(&message, LOG_MESSAGE_BYTES);
        match level {
            log::Level::Trace => tracing::trace!(plugin, "{message}"),
            log::Level::Debug => tracing::debug!(plugin, "{message}"),
            log::Level::Info => tracing::info!(plugin, "{message}"),
            log::Level::Warn => tracing::warn!(plugin, "{message}"),
            log::Level::Error => tracing::error!(plugin, "{message}"),
        }
        if let Some(session) = &self.session {
            let level = match level {
                log::Level::Trace => "trace",
                log::Level::Debug => "debug",
                log::Level::Info => "info",
                log::Level::Warn => "warn",
                log::Level::Error => "error",
            };
            let data = serde_json::json!({"level": level, "message": message});
            // Logging never fails the plugin; a write failure surfaces on the session's flush.
            let _ = session.writer().append_nowait("log", Some(plugin), &data);
        }
    }
}

impl session::Host for PluginState {
    fn append(&mut self, kind: String, data: String) -> Result<u64, String> {
        let session = self.session.as_ref().ok_or_else(no_session)?;
        session
            .append(&self.identity.name, &kind, &data)
            .map_err(|e| format!("{e:#}"))
    }

    fn read(&mut self, after: u64, limit: u32) -> Result<Vec<session::Entry>, String> {
        let session = self.session.as_ref().ok_or_else(no_session)?;
        let limit = (limit as usize).min(SESSION_READ_RECORDS);
        let records = session
            .read(after, limit, SESSION_READ_BYTES)
            .map_err(|e| format!("{e:#}"))?;
        Ok(records
            .into_iter()
            .map(|record| session::Entry {
                seq: record.seq,
                time: record.ts.to_string(),
                kind: record.kind,
                agent: record.agent,
                data: record.data.get().to_string(),
            })
            .collect())
    }
}

fn no_session() -> String {
    "no session: this call does not belong to a session".to_string()
}

impl config::Host for PluginState {
    fn get(&mut self, key: String) -> Option<String> {
        self.identity.settings.get(&key).map(|v| v.to_string())
    }

    fn all(&mut self) -> String {
        serde_json::Value::Object(self.identity.settings.clone()).to_string()
    }
}

impl super::bindings::hook::cchost::plugin::types::Host for PluginState {}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl PluginState {
    fn caller(&self) -> ToolCaller<'_> {
        ToolCaller {
            agent: &self.identity.name,
            session: self.session.as_ref(),
        }
    }

    /// The broker, when the agent may use `server`; otherwise the reason it may not.
    fn broker_for(&self, server: &str) -> Result<&Arc<dyn ToolBroker>, String> {
        let plugin = &self.identity.name;
        if !self.identity.rights.mcp.allows_server(server) {
            return Err(format!(
                "permission denied: plugin `{plugin}` has no grant for MCP server `{server}` \
                 (its manifest must declare `mcp = [\"{server}\"]` and its configuration \
                 grant it: `grant = {{ mcp = [\"{server}\"] }}` under [plugins.<name>] or \
                 [workflow.agents.<name>])"
            ));
        }
        self.tools
            .as_ref()
            .ok_or_else(|| format!("MCP servers are not available to `{plugin}` in this run"))
    }
}

impl mcp::Host for PluginState {
    fn list_servers(&mut self) -> Vec<String> {
        let Some(tools) = &self.tools else {
            return Vec::new();
        };
        let rights = &self.identity.rights.mcp;
        tools
            .servers()
            .into_iter()
            .filter(|server| rights.allows_server(server))
            .collect()
    }

    async fn list_tools(&mut self, server: String) -> Result<Vec<mcp::Tool>, String> {
        let tools = self.broker_for(&server)?.list_tools(&server).await?;
        let rights = &self.identity.rights.mcp;
        Ok(tools
            .into_iter()
            .filter(|tool| rights.allows_tool(&server, &tool.name))
            .map(|tool| mcp::Tool {
                qualified_name: tool.qualified_name,
                server: server.clone(),
                name: tool.name,
                description: tool.description,
                input_schema: tool.input_schema.to_string(),
            })
            .collect())
    }

    async fn call_tool(
        &mut self,
        server: String,
        tool: String,
        arguments: String,
    ) -> Result<mcp::CallResult, String> {
        let broker = self.broker_for(&server).inspect_err(|reason| {
            if let Some(tools) = &self.tools {
                tools.record_refusal(self.caller(), &server, &tool, reason);
            }
        })?;
        if !self.identity.rights.mcp.allows_tool(&server, &tool) {
            let reason = format!(
                "permission denied: plugin `{}` may not call tool `{tool}` of MCP server \
                 `{server}` (not matched by its grant)",
                self.identity.name
            );
            broker.record_refusal(self.caller(), &server, &tool, &reason);
            return Err(reason);
        }
        let arguments = parse_object(&arguments, "arguments")?;
        let outcome = broker
            .call_tool(self.caller(), &server, &tool, arguments)
            .await?;
        Ok(call_result(&outcome.result, outcome.feedback))
    }

    async fn read_resource(&mut self, server: String, uri: String) -> Result<String, String> {
        let contents = self
            .broker_for(&server)?
            .read_resource(&server, &uri)
            .await?;
        Ok(contents.to_string())
    }

    async fn get_prompt(
        &mut self,
        server: String,
        name: String,
        arguments: String,
    ) -> Result<String, String> {
        let arguments = parse_object(&arguments, "arguments")?;
        let prompt = self
            .broker_for(&server)?
            .get_prompt(&server, &name, arguments)
            .await?;
        Ok(prompt.to_string())
    }
}

fn parse_object(
    text: &str,
    what: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    match serde_json::from_str(if text.trim().is_empty() { "{}" } else { text }) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("{what} must be a JSON object")),
        Err(e) => Err(format!("{what} are not valid JSON: {e}")),
    }
}

/// The WIT view of a serialised `CallToolResult`.
fn call_result(result: &serde_json::Value, feedback: Option<String>) -> mcp::CallResult {
    let content = result.get("content").cloned().unwrap_or_default();
    let text = content
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .filter_map(|block| block.get("text").and_then(|t| t.as_str()))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    mcp::CallResult {
        text,
        content: content.to_string(),
        structured: result
            .get("structuredContent")
            .filter(|v| !v.is_null())
            .map(|v| v.to_string()),
        is_error: result
            .get("isError")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        feedback,
    }
}

impl model::Host for PluginState {
    async fn complete(&mut self, request: model::Request) -> Result<model::Response, String> {
        let plugin = &self.identity.name;
        if !self.identity.rights.model {
            return Err(format!(
                "permission denied: plugin `{plugin}` has no `model` grant (its manifest must \
                 declare `model = true` and its configuration grant it)"
            ));
        }
        let client = self.model.clone().ok_or_else(|| {
            format!(
                "plugin `{plugin}` asked for a model, but none is configured: add [model] \
                 (model = \"…\", api_key_env = \"ANTHROPIC_API_KEY\") to the configuration"
            )
        })?;
        let parse = |text: &str, what: &str| {
            serde_json::from_str::<serde_json::Value>(text)
                .map_err(|e| format!("model request `{what}` is not JSON: {e}"))
        };
        let request = ModelRequest {
            system: request.system,
            messages: parse(&request.messages, "messages")?,
            tools: parse(
                if request.tools.trim().is_empty() {
                    "[]"
                } else {
                    &request.tools
                },
                "tools",
            )?,
            max_tokens: request.max_tokens,
        };
        let started = std::time::Instant::now();
        let outcome = client.complete(&request).await;
        if let Some(session) = &self.session {
            let data = match &outcome {
                Ok(response) => serde_json::json!({
                    "model": client.model(),
                    "stop_reason": response.stop_reason,
                    "tool_uses": response.tool_uses.iter().map(|t| &t.name).collect::<Vec<_>>(),
                    "input_tokens": response.input_tokens,
                    "output_tokens": response.output_tokens,
                    "duration_ms": started.elapsed().as_millis() as u64,
                }),
                Err(error) => serde_json::json!({"model": client.model(), "error": error}),
            };
            let _ = session
                .writer()
                .append_nowait("model-call", Some(plugin), &data);
        }
        let response = outcome?;
        Ok(model::Response {
            text: response.text,
            tool_uses: response
                .tool_uses
                .into_iter()
                .map(|t| model::ToolUse {
                    id: t.id,
                    name: t.name,
                    input: t.input.to_string(),
                })
                .collect(),
            content: response.content.to_string(),
            stop_reason: response.stop_reason,
            usage: model::Usage {
                input_tokens: response.input_tokens,
                output_tokens: response.output_tokens,
            },
        })
    }
}

impl exec::Host for PluginState {
    async fn run(&mut self, command: exec::Command) -> Result<exec::Output, exec::ExecError> {
        let request = ExecRequest {
            argv: command.argv,
            cwd: command.cwd,
            timeout: command
                .timeout_ms
                .map(|ms| std::time::Duration::from_millis(ms.into())),
        };
        let plugin = self.identity.name.as_str();
        let (attempt, result) = super::exec::run(plugin, &self.identity.rights, &request).await;
        if let Some(session) = &self.session {
            let _ = session
                .writer()
                .append_nowait("exec", Some(plugin), &attempt);
        }
        self.exec_log.push(attempt);
        match result {
            Ok(output) => Ok(exec::Output {
                exit_code: output.exit_code,
                stdout: output.stdout,
                stderr: output.stderr,
                truncated: output.truncated,
                timed_out: output.timed_out,
                duration_ms: output.duration.as_millis() as u64,
            }),
            Err(ExecRefusal::Denied(reason)) => Err(exec::ExecError::Denied(reason)),
            Err(ExecRefusal::Failed(reason)) => Err(exec::ExecError::Failed(reason)),
        }
    }
}
