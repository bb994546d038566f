//! End-to-end tests: the real `cchost` binary and library on real components built from
//! `plugins/` and `tests/plugins/`.

mod cached_hook;
mod common;
mod config_cli;
mod gate_cli;
mod guest_plugins;
mod guests;
mod hook_cli;
mod hostile;
mod plugin_cli;
mod plugin_new;
mod reports;
mod tests_gate;
mod tiering;

// The npm packages and Python venv of the MCP tests, for the report schemas and validators and
// the guest-language toolchains (`guests`).
#[allow(dead_code)]
#[path = "../mcp/servers.rs"]
mod servers;
