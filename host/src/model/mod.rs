//! Language models for agents: the `[model]` provider (Anthropic's Messages API, or a gateway
//! that speaks it) and the one request an agent can make — a completion.

mod anthropic;

pub use anthropic::{ModelClient, ModelRequest, ModelResponse, ToolUse};
