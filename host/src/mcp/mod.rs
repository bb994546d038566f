//! MCP client: server connections over stdio, streamable HTTP and legacy SSE, their lifecycle
//! (lazy start, shared connection, restart with backoff), tool naming, and the calls agents and
//! the CLI make through them; OAuth for HTTP servers.

mod broker;
mod client;
mod connect;
mod error;
mod hub;
pub mod naming;
pub mod oauth;
pub mod sse;
mod standalone_stream;
mod summary;

pub use broker::{McpBroker, TOOL_CALL_RECORD, ToolHooks, ToolStats};
pub use client::PROTOCOL_VERSION;
pub use error::McpError;
pub use hub::{CONNECT_TIMEOUT, ConnectionState, DEFAULT_REQUEST_TIMEOUT, McpHub, ServerStatus};
pub use summary::summarize;
