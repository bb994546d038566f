//! The first-party plugins compiled into the `cchost` binary by `build.rs`.

/// A component and its manifest, embedded at build time.
#[derive(Debug)]
pub struct BuiltinPlugin {
    pub name: &'static str,
    pub manifest: &'static str,
    pub component: &'static [u8],
    /// Digest of `component`, computed at build time so loading never hashes it.
    pub sha256: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));

pub fn find(name: &str) -> Option<&'static BuiltinPlugin> {
    BUILTIN.iter().find(|plugin| plugin.name == name)
}

/// The names of every built-in plugin.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|plugin| plugin.name)
}
