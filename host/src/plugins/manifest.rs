//! Plugin manifests: the TOML file shipped beside each component (`x.wasm` → `x.toml`) that says
//! what the plugin is and which capabilities and limits it needs.

use serde::Deserialize;

use super::grants::Capabilities;

/// What kind of world a component implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    Hook,
    Gate,
    Agent,
}

impl PluginKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Hook => "hook",
            PluginKind::Gate => "gate",
            PluginKind::Agent => "agent",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub plugin: PluginMeta,
    /// What the plugin asks for; it gets only what the user also grants.
    #[serde(default)]
    pub capabilities: Capabilities,
    /// The limits the plugin needs; the user's configuration overrides them.
    #[serde(default)]
    pub limits: LimitSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginMeta {
    pub name: String,
    pub kind: PluginKind,
    pub version: String,
    #[serde(default)]
    pub description: String,
}

/// Limits as written in a manifest or in the user's configuration; unset fields fall through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub memory_mib: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub fuel: Option<u64>,
    pub output_kib: Option<u64>,
}

impl LimitSettings {
    /// `self` where set, else `fallback`.
    pub fn or(self, fallback: LimitSettings) -> LimitSettings {
        LimitSettings {
            memory_mib: self.memory_mib.or(fallback.memory_mib),
            timeout_ms: self.timeout_ms.or(fallback.timeout_ms),
            fuel: self.fuel.or(fallback.fuel),
            output_kib: self.output_kib.or(fallback.output_kib),
        }
    }
}

impl PluginKind {
    /// Limits that differ from the runtime's defaults for this kind: an agent waits on MCP
    /// servers and models, so its wall time is counted in minutes, not the milliseconds of a
    /// hook.
    pub fn default_limits(self) -> LimitSettings {
        match self {
            PluginKind::Agent => LimitSettings {
                timeout_ms: Some(AGENT_TIMEOUT_MS),
                ..LimitSettings::default()
            },
            PluginKind::Hook | PluginKind::Gate => LimitSettings::default(),
        }
    }
}

/// An agent's default wall time: 10 minutes.
pub const AGENT_TIMEOUT_MS: u64 = 10 * 60 * 1000;

impl Manifest {
    /// Parses a manifest; `origin` names the file (or built-in plugin) in errors.
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Manifest> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("invalid plugin manifest {origin}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_manifest() {
        let manifest = Manifest::parse(
            r#"
            [plugin]
            name = "x"
            kind = "gate"
            version = "1.0.0"
            [capabilities]
            files = [{ path = "${PROJECT}", access = "read" }]
            env = ["HOME"]
            network = ["127.0.0.1:*"]
            [limits]
            memory_mib = 8
            "#,
            "x.toml",
        )
        .unwrap();
        assert_eq!(manifest.plugin.kind, PluginKind::Gate);
        assert_eq!(manifest.capabilities.env, ["HOME"]);
        assert_eq!(manifest.limits.memory_mib, Some(8));
    }

    #[test]
    fn unknown_keys_are_errors_that_name_the_file() {
        let err = Manifest::parse(
            "[plugin]\nname='x'\nkind='hook'\nversion='1'\n[capabilities]\nfiels=[]\n",
            "x.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("x.toml") && err.contains("fiels"), "{err}");
    }
}
