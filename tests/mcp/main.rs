//! MCP client tests against real servers: the npm reference servers and the official Python
//! SDK, over stdio, streamable HTTP and legacy SSE, the official conformance suite's client
//! scenarios (OAuth ones too), an OAuth-protected server, and `cchost run` workflows whose
//! agents use them.

mod agent;
mod cli;
mod conformance;
mod hub;
mod oauth;
mod run;
mod servers;
mod sse;
