//! MCP client tests against real servers: the npm reference servers and the official Python
//! SDK, over stdio, streamable HTTP and legacy SSE, and the official conformance suite's client
//! scenarios.

mod agent;
mod conformance;
mod hub;
mod servers;
mod sse;
