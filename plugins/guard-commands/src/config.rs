//! The plugin's settings: their shape, defaults and validation, and how they become a
//! [`Policy`] for one event.

use serde::Deserialize;

use crate::analyze::Policy;
use crate::shell;

/// What to answer when a rule matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Refuse the command (the default).
    #[default]
    Deny,
    /// Ask the user to confirm instead.
    Ask,
}

/// `[plugins.guard-commands.settings]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Branches (`*` wildcards allowed) that must not be force-pushed or deleted.
    pub protected_branches: Vec<String>,
    /// The project root; defaults to the event's `cwd`.
    pub project_root: Option<String>,
    /// Extra argv prefixes to deny outright, e.g. `"terraform destroy"`.
    pub deny_commands: Vec<String>,
    /// Argv prefixes exempt from every rule, e.g. `"git push"`.
    pub allow_commands: Vec<String>,
    pub mode: Mode,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            protected_branches: vec!["main".to_string(), "master".to_string()],
            project_root: None,
            deny_commands: Vec::new(),
            allow_commands: Vec::new(),
            mode: Mode::Deny,
        }
    }
}

impl Settings {
    /// The policy for an event whose working directory is `cwd`.
    pub fn policy(&self, cwd: Option<&str>) -> Result<Policy, String> {
        let project_root = match &self.project_root {
            Some(root) if !root.starts_with('/') => {
                return Err(format!(
                    "setting `project_root` must be an absolute path, not `{root}`"
                ));
            }
            Some(root) => Some(root.clone()),
            None => cwd.filter(|c| c.starts_with('/')).map(str::to_string),
        };
        Ok(Policy {
            protected_branches: self.protected_branches.clone(),
            project_root,
            deny_commands: prefixes("deny_commands", &self.deny_commands)?,
            allow_commands: prefixes("allow_commands", &self.allow_commands)?,
        })
    }
}

/// Splits each entry into shell words; an entry without any is a configuration error.
fn prefixes(setting: &str, entries: &[String]) -> Result<Vec<Vec<String>>, String> {
    entries
        .iter()
        .map(|entry| {
            let words = shell::split_words(entry);
            if words.is_empty() {
                Err(format!(
                    "setting `{setting}`: the entry `{entry}` names no command"
                ))
            } else {
                Ok(words)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cchost_sdk::serde_json::{self, json};

    fn parse(value: serde_json::Value) -> Result<Settings, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults() {
        let s = parse(json!({})).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.protected_branches, ["main", "master"]);
        assert_eq!(s.mode, Mode::Deny);
        let p = s.policy(Some("/work/proj")).unwrap();
        assert_eq!(p.project_root.as_deref(), Some("/work/proj"));
    }

    #[test]
    fn full_settings() {
        let s = parse(json!({
            "protected_branches": ["main", "release/*"],
            "project_root": "/srv/app",
            "deny_commands": ["terraform destroy", "kubectl delete"],
            "allow_commands": ["git push"],
            "mode": "ask",
        }))
        .unwrap();
        assert_eq!(s.mode, Mode::Ask);
        let p = s.policy(Some("/elsewhere")).unwrap();
        assert_eq!(p.project_root.as_deref(), Some("/srv/app"));
        assert_eq!(p.deny_commands[1], ["kubectl", "delete"]);
        assert_eq!(p.allow_commands[0], ["git", "push"]);
    }

    #[test]
    fn typos_and_bad_values_are_errors() {
        assert!(parse(json!({"protected_branch": ["main"]})).is_err());
        assert!(parse(json!({"mode": "warn"})).is_err());
        assert!(parse(json!({"deny_commands": "rm"})).is_err());
        let s = parse(json!({"project_root": "relative/dir"})).unwrap();
        assert!(s.policy(None).is_err());
        let s = parse(json!({"allow_commands": ["  "]})).unwrap();
        assert!(s.policy(None).is_err());
    }
}
