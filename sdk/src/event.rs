//! Typed view of a Claude Code hook event and a builder for the hook's response.

use serde_json::Value;

use crate::bindings::cchost::plugin::types::{Decision, HookEvent, HookResponse};

/// One Claude Code hook event with its tool input parsed.
#[derive(Debug, Clone)]
pub struct Event {
    inner: HookEvent,
    tool_input: Value,
}

impl Event {
    /// Wraps the event the host passed, parsing its tool input once (an input that is not
    /// JSON reads as `Value::Null`). [`export_hook!`](crate::export_hook) calls it for you.
    pub fn new(inner: HookEvent) -> Self {
        let tool_input = inner
            .tool_input
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or(Value::Null);
        Event { inner, tool_input }
    }

    /// The event name, e.g. `PreToolUse`.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The tool name for tool events, e.g. `Bash` or `mcp__github__create_issue`.
    pub fn tool_name(&self) -> Option<&str> {
        self.inner.tool_name.as_deref()
    }

    /// The tool input (`Value::Null` when the event has none).
    pub fn tool_input(&self) -> &Value {
        &self.tool_input
    }

    /// A string field of the tool input, e.g. `file_path`.
    pub fn input_str(&self, key: &str) -> Option<&str> {
        self.tool_input.get(key)?.as_str()
    }

    /// The command of a `Bash` tool call.
    pub fn bash_command(&self) -> Option<&str> {
        (self.tool_name() == Some("Bash"))
            .then(|| self.input_str("command"))
            .flatten()
    }

    /// The tool response as JSON text (PostToolUse).
    pub fn tool_response(&self) -> Option<&str> {
        self.inner.tool_response.as_deref()
    }

    /// The user's prompt (UserPromptSubmit).
    pub fn prompt(&self) -> Option<&str> {
        self.inner.prompt.as_deref()
    }

    /// The session's working directory (`cwd`), a host path; often the project root.
    pub fn cwd(&self) -> Option<&str> {
        self.inner.cwd.as_deref()
    }

    /// Claude Code's `session_id`, when the caller gave one.
    pub fn session_id(&self) -> Option<&str> {
        self.inner.session_id.as_deref()
    }

    /// The whole event as received, for fields this type does not model.
    pub fn raw(&self) -> &str {
        &self.inner.raw
    }
}

/// A hook's answer; build it with the constructors and `with_*` methods.
///
/// When several hooks answer one event the host merges them: deny > defer > ask > allow, and
/// every reason at the winning level is kept, prefixed with the hook's name.
#[derive(Debug, Clone)]
pub struct Response(HookResponse);

impl Response {
    fn of(decision: Decision) -> Self {
        Response(HookResponse {
            decision,
            updated_input: None,
            additional_context: None,
            system_message: None,
        })
    }

    /// No opinion: the call proceeds as the other hooks and the user decide.
    pub fn none() -> Self {
        Self::of(Decision::None)
    }
    /// Allow the tool call without asking the user.
    pub fn allow() -> Self {
        Self::of(Decision::Allow(None))
    }
    /// Refuse the tool call; `reason` goes to the model.
    pub fn deny(reason: impl Into<String>) -> Self {
        Self::of(Decision::Deny(reason.into()))
    }
    /// Ask the user; `reason` is shown to them.
    pub fn ask(reason: impl Into<String>) -> Self {
        Self::of(Decision::Ask(reason.into()))
    }
    /// Leave the decision to Claude Code's permission flow.
    pub fn defer() -> Self {
        Self::of(Decision::Defer)
    }
    /// Block a non-permission event (PostToolUse, UserPromptSubmit, Stop, …).
    pub fn block(reason: impl Into<String>) -> Self {
        Self::of(Decision::Block(reason.into()))
    }
    /// Replace the tool input with `input` (PreToolUse).
    pub fn with_updated_input(mut self, input: &Value) -> Self {
        self.0.updated_input = Some(input.to_string());
        self
    }
    /// Add context for the model.
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        self.0.additional_context = Some(context.into());
        self
    }
    /// Show a message to the user.
    pub fn with_system_message(mut self, message: impl Into<String>) -> Self {
        self.0.system_message = Some(message.into());
        self
    }
}

impl From<Response> for HookResponse {
    fn from(response: Response) -> Self {
        response.0
    }
}
