//! The plugin's own settings, from the `settings` table the user gave this plugin
//! (`[plugins.NAME.settings]`, TOML turned into JSON). A plugin sees its own settings and no
//! other plugin's. Settings need no grant: an untrusted project's settings apply too (except to
//! a plugin the global configuration defines, which a project cannot redefine).
//!
//! ```no_run
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, Default)]
//! #[serde(default, deny_unknown_fields)]
//! struct Settings {
//!     level: Option<String>,
//!     globs: Vec<String>,
//! }
//!
//! fn settings() -> Result<Settings, String> {
//!     cchost_sdk::settings::all()
//! }
//!
//! fn level() -> Result<Option<String>, String> {
//!     cchost_sdk::settings::get("level")
//! }
//! ```

use serde::de::DeserializeOwned;

use crate::bindings::cchost::plugin::config;

/// One setting, deserialised; `Ok(None)` when the user did not set it.
pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>, String> {
    match config::get(key) {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| format!("setting `{key}`: {e}")),
    }
}

/// All settings as one typed struct (use `#[serde(default)]` for optional fields).
pub fn all<T: DeserializeOwned>() -> Result<T, String> {
    serde_json::from_str(&config::all()).map_err(|e| format!("settings: {e}"))
}
