//! End-to-end tests: the real `cchost` binary and library on real components built from
//! `plugins/` and `tests/plugins/`.

mod common;
mod config_cli;
mod gate_cli;
mod hook_cli;
mod hostile;
mod tests_gate;
