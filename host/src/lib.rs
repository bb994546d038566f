//! cchost: an extensible host for AI-agent orchestration in the style of Claude Code, where every
//! user extension — hooks, validation gates, agent behaviours — is a sandboxed WebAssembly
//! component that can reach only what its manifest declares and the user grants.
//!
//! Layers, top to bottom (data flows one way): [`cli`] → [`config`] → [`agents`] → [`mcp`],
//! [`hooks`], [`gates`] → [`plugins`] → [`runtime`]; [`session`] (the JSONL session store) and
//! [`model`] (the language model provider) are leaves used by the layers above them. The
//! plugins' `mcp` interface reaches the MCP layer through the `plugins::tools::ToolBroker` trait,
//! so the plugin layer never depends on the layers above it. [`authoring`] (scaffolding and
//! building plugin projects) stands beside them, for `cchost plugin new | build`.

pub mod agents;
pub mod authoring;
pub mod cli;
pub mod config;
pub mod gates;
pub mod hooks;
pub mod mcp;
pub mod model;
pub mod plugins;
pub mod runtime;
pub mod session;
