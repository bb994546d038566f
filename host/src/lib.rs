//! cchost: an extensible host for AI-agent orchestration in the style of Claude Code, where every
//! user extension — hooks, validation gates, agent behaviours — is a sandboxed WebAssembly
//! component that can reach only what its manifest declares and the user grants.
//!
//! Layers, top to bottom (data flows one way): [`cli`] → [`config`] → [`hooks`], [`gates`] →
//! [`plugins`] → [`runtime`]; [`session`] (the JSONL session store) sits beside them and is
//! used by the CLI and by the plugins' `session` interface.

pub mod agents;
pub mod cli;
pub mod config;
pub mod gates;
pub mod hooks;
pub mod mcp;
pub mod model;
pub mod plugins;
pub mod runtime;
pub mod session;
