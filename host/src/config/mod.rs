//! Configuration — for now a minimal two-tier loader (global, then project); the full 3-tier
//! loader with provenance, env expansion and trust replaces it (issue #3).
//!
//! Global: `$XDG_CONFIG_HOME/cchost/config.toml` (default `~/.config/cchost/config.toml`).
//! Project: `.cchost/config.toml`, found by walking up from the working directory. Plugin tables
//! of the project replace the global ones of the same name; hook bindings are additive (global
//! first, then project).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::plugins::{
    PluginSource, PluginSpec, builtin, grants::Capabilities, manifest::LimitSettings,
};

/// The project configuration file, relative to the project root.
pub const PROJECT_CONFIG: &str = ".cchost/config.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `[plugins.<name>]`: where a plugin comes from, what it is granted, its limits and settings.
    #[serde(default)]
    pub plugins: BTreeMap<String, PluginConfig>,
    /// `[[hooks.<Event>]]`: which hook plugins run on which Claude Code event.
    #[serde(default)]
    pub hooks: BTreeMap<String, Vec<HookBinding>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// Component file; its manifest sits beside it with a `.toml` extension. Absent = built-in.
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub grant: Capabilities,
    #[serde(default)]
    pub limits: LimitSettings,
    #[serde(default)]
    pub settings: toml::Table,
}

/// What a hook plugin does when it fails (crash, timeout, error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnErrorSetting {
    Deny,
    Allow,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookBinding {
    /// Claude Code matcher: exact names (`Edit|Write`) or a regex (`mcp__.*`); absent = all.
    pub matcher: Option<String>,
    pub plugin: String,
    /// Default: `deny` for PreToolUse and PermissionRequest, `allow` otherwise.
    pub on_error: Option<OnErrorSetting>,
    /// Overrides the plugin's wall-time limit for this binding.
    pub timeout_ms: Option<u64>,
}

/// The merged configuration and where it came from.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub plugins: BTreeMap<String, PluginConfig>,
    pub hooks: BTreeMap<String, Vec<HookBinding>>,
    pub project_root: Option<PathBuf>,
    /// Files that were read, in tier order.
    pub files: Vec<PathBuf>,
}

impl Config {
    /// Loads the global file and the project file found from `cwd`.
    pub fn load(cwd: &Path) -> Result<Config> {
        let mut config = Config::default();
        if let Some(global) = global_config_path()
            && global.is_file()
        {
            let base = global.parent().unwrap_or(Path::new("/")).to_path_buf();
            config.merge(read_file(&global)?, &base, global);
        }
        if let Some(root) = find_project_root(cwd) {
            let file = root.join(PROJECT_CONFIG);
            config.merge(read_file(&file)?, &root, file);
            config.project_root = Some(root);
        }
        Ok(config)
    }

    fn merge(&mut self, file: ConfigFile, base: &Path, origin: PathBuf) {
        for (name, mut plugin) in file.plugins {
            plugin.path = plugin.path.map(|p| base.join(p));
            self.plugins.insert(name, plugin);
        }
        for (event, bindings) in file.hooks {
            self.hooks.entry(event).or_default().extend(bindings);
        }
        self.files.push(origin);
    }

    /// The specs of every configured plugin, for the registry.
    pub fn plugin_specs(&self) -> Result<Vec<PluginSpec>> {
        self.plugins
            .iter()
            .map(|(name, plugin)| {
                let source = match &plugin.path {
                    Some(path) => PluginSource::File(path.clone()),
                    None => PluginSource::Builtin(builtin::find(name).with_context(|| {
                        format!("[plugins.{name}] has no `path` and there is no built-in plugin `{name}`")
                    })?),
                };
                let settings = serde_json::to_value(&plugin.settings)
                    .with_context(|| format!("[plugins.{name}.settings]"))?;
                let serde_json::Value::Object(settings) = settings else {
                    unreachable!("a TOML table serialises to a JSON object");
                };
                Ok(PluginSpec {
                    name: name.clone(),
                    source,
                    grant: plugin.grant.clone(),
                    limits: plugin.limits,
                    settings,
                })
            })
            .collect()
    }
}

fn read_file(path: &Path) -> Result<ConfigFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `$XDG_CONFIG_HOME/cchost/config.toml`, else `~/.config/cchost/config.toml`.
pub fn global_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".config"))
        })?;
    Some(base.join("cchost/config.toml"))
}

/// The nearest ancestor of `cwd` (itself included) holding `.cchost/config.toml`.
pub fn find_project_root(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors()
        .find(|dir| dir.join(PROJECT_CONFIG).is_file())
        .map(Path::to_path_buf)
}
