//! Plugin failures as values: every one names the plugin and its cause in words a user can act on.

use std::fmt;

/// Why a plugin call did not produce an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The component could not be loaded, checked against its grants, or instantiated.
    Load(String),
    /// The component is not in the compiled-component cache, and this process may not compile
    /// it (`cchost-hook` hands the call to `cchost`).
    NotCompiled,
    /// Wall-time limit reached.
    Timeout { ms: u64 },
    /// The guest tried to grow its memory past the limit.
    MemoryLimit { mib: u64 },
    /// The instruction budget ran out.
    FuelExhausted { fuel: u64 },
    /// The guest trapped (a Rust panic ends as `unreachable`); `stderr` holds what it printed.
    Trap { message: String, stderr: String },
    /// The answer was larger than allowed.
    OutputTooLarge { bytes: usize, limit: usize },
    /// The plugin itself reported an error.
    Plugin(String),
}

/// A failed plugin call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    pub plugin: String,
    pub failure: Failure,
}

impl PluginError {
    pub fn new(plugin: impl Into<String>, failure: Failure) -> Self {
        PluginError {
            plugin: plugin.into(),
            failure,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Load(message) => write!(f, "could not load: {message}"),
            Failure::NotCompiled => write!(f, "is not in the compiled-component cache yet"),
            Failure::Timeout { ms } => write!(f, "timed out after {ms} ms"),
            Failure::MemoryLimit { mib } => write!(f, "exceeded its memory limit of {mib} MiB"),
            Failure::FuelExhausted { fuel } => write!(f, "ran out of fuel ({fuel} units)"),
            Failure::Trap { message, stderr } => {
                write!(f, "trapped: {message}")?;
                let stderr = stderr.trim();
                if !stderr.is_empty() {
                    write!(f, " (stderr: {stderr})")?;
                }
                Ok(())
            }
            Failure::OutputTooLarge { bytes, limit } => {
                write!(
                    f,
                    "returned {bytes} bytes, over its output limit of {limit} bytes"
                )
            }
            Failure::Plugin(message) => write!(f, "reported an error: {message}"),
        }
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plugin `{}` {}", self.plugin, self.failure)
    }
}

impl std::error::Error for PluginError {}
