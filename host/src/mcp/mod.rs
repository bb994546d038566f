//! MCP client: server connections over stdio, streamable HTTP and legacy SSE, their lifecycle
//! (lazy start, shared connection, restart with backoff), tool naming, and the calls agents and
//! the CLI make through them.

pub mod sse;
