//! Plugins: manifests, capability grants, the registry that loads and calls components, and the
//! host side of the WIT interfaces they import.

pub mod bindings;
pub mod builtin;
pub mod exec;
pub mod grants;
pub mod manifest;
mod registry;
mod state;
pub mod tools;

pub use registry::{
    AgentContext, LoadedPlugin, PluginRegistry, PluginSource, PluginSpec, resolve_limits,
};
pub use state::{PluginIdentity, PluginState};
