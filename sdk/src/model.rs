//! A language model for agents (agents granted `model` only): one Anthropic Messages-style
//! completion per call, sent by the host to the provider the user configured (`[model]`).
//! Without the grant, or without a configured model, [`Conversation::complete`] returns an
//! `Err` that says which is missing. Each call is recorded in the session as `model-call`.
//!
//! A tool-use loop:
//!
//! ```no_run
//! use cchost_sdk::{mcp, model::Conversation, serde_json::json};
//!
//! fn ask(question: &str) -> Result<String, String> {
//!     let mut chat = Conversation::new(Some("Answer briefly.".into()), 1024);
//!     chat.tool(
//!         "read_file",
//!         "Read a text file",
//!         json!({"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}),
//!     );
//!     chat.user(question);
//!     for _turn in 0..10 {
//!         let response = chat.complete()?;
//!         chat.assistant(&response);
//!         if response.tool_uses.is_empty() {
//!             return Ok(response.text);
//!         }
//!         let results: Vec<(String, String, bool)> = response
//!             .tool_uses
//!             .iter()
//!             .map(|call| match mcp::call("fs", "read_text_file", &call.input_value()) {
//!                 Ok(result) => (call.id.clone(), result.text, result.is_error),
//!                 Err(refused) => (call.id.clone(), refused, true),
//!             })
//!             .collect();
//!         chat.tool_results(&results);
//!     }
//!     Err("no answer after 10 turns".into())
//! }
//! ```

use serde_json::{Value, json};

use crate::bindings::cchost::plugin::model as host;
pub use crate::bindings::cchost::plugin::model::{Request, Response, ToolUse, Usage};

/// A conversation to complete: the system prompt, messages and tools, built up turn by turn.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    /// The system prompt.
    pub system: Option<String>,
    /// The messages so far, each `{"role": …, "content": …}` as the Messages API takes them.
    pub messages: Vec<Value>,
    /// The tools offered to the model, each `{"name", "description", "input_schema"}`.
    pub tools: Vec<Value>,
    /// The most tokens to generate per completion; the host caps it at the configured
    /// `max_tokens` of `[model]`.
    pub max_tokens: u32,
}

impl Conversation {
    /// An empty conversation with an optional system prompt and no tools.
    pub fn new(system: Option<String>, max_tokens: u32) -> Self {
        Conversation {
            system,
            max_tokens,
            ..Conversation::default()
        }
    }

    /// Offers a tool (`input_schema` is a JSON Schema object).
    pub fn tool(&mut self, name: &str, description: &str, input_schema: Value) {
        self.tools
            .push(json!({"name": name, "description": description, "input_schema": input_schema}));
    }

    /// Appends a user turn of plain text.
    pub fn user(&mut self, text: &str) {
        self.messages.push(json!({"role": "user", "content": text}));
    }

    /// Appends the model's turn exactly as it answered.
    pub fn assistant(&mut self, response: &Response) {
        let content: Value =
            serde_json::from_str(&response.content).unwrap_or(Value::Array(Vec::new()));
        self.messages
            .push(json!({"role": "assistant", "content": content}));
    }

    /// Answers the model's tool calls in one user turn: `(tool_use_id, text, is_error)`.
    pub fn tool_results(&mut self, results: &[(String, String, bool)]) {
        let blocks: Vec<Value> = results
            .iter()
            .map(|(id, text, is_error)| {
                json!({"type": "tool_result", "tool_use_id": id, "content": text, "is_error": is_error})
            })
            .collect();
        self.messages
            .push(json!({"role": "user", "content": blocks}));
    }

    /// Asks the model for the next turn.
    pub fn complete(&self) -> Result<Response, String> {
        host::complete(&Request {
            system: self.system.clone(),
            messages: Value::Array(self.messages.clone()).to_string(),
            tools: Value::Array(self.tools.clone()).to_string(),
            max_tokens: self.max_tokens,
        })
    }
}

impl ToolUse {
    /// The arguments parsed (an empty object when they are not JSON).
    pub fn input_value(&self) -> Value {
        serde_json::from_str(&self.input).unwrap_or_else(|_| json!({}))
    }
}
