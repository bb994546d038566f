//! The plugin's own settings, from the `settings` table the user gave this plugin.

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
