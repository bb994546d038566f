//! A language model for agents (agents granted `model` only): one Anthropic Messages-style
//! completion per call, sent by the host to the provider the user configured.

use serde_json::{Value, json};

use crate::bindings::cchost::plugin::model as host;
pub use crate::bindings::cchost::plugin::model::{Request, Response, ToolUse, Usage};

/// A conversation to complete: the system prompt, messages and tools, built up turn by turn.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    pub system: Option<String>,
    pub messages: Vec<Value>,
    pub tools: Vec<Value>,
    pub max_tokens: u32,
}

impl Conversation {
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
