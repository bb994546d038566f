//! MCP client tests against real servers: the npm reference servers and the official Python
//! SDK, over stdio, streamable HTTP and legacy SSE.

mod agent;
mod cli;
mod hub;
mod run;
mod servers;
mod sse;
