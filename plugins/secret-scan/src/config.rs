//! The plugin's settings: their shape, defaults and validation, compiled into a [`Scanner`].

use serde::Deserialize;

use crate::allow::{Allowlist, DEFAULT_ALLOW};
use crate::detect::{self, Detector, GenericTuning};
use crate::sources::Source;

/// What to do when a secret is found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Block the prompt or tool output, deny the write (the default).
    #[default]
    Block,
    /// Let it through, warn the user and tell the model not to repeat the secret.
    Warn,
}

/// `[plugins.secret-scan.settings]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub mode: Mode,
    /// Detector ids to run; all when unset.
    pub detectors: Option<Vec<String>>,
    /// Secrets not to report: exact values, or patterns with `*`.
    pub allow: Vec<String>,
    /// Bytes scanned per event at most (the rest is ignored).
    pub max_scan_bytes: usize,
    /// Minimum Shannon entropy (bits per character) of a generic `key = value` secret.
    pub entropy_threshold: f64,
    /// Minimum length of a generic `key = value` secret.
    pub min_length: usize,
}

pub const DEFAULT_MAX_SCAN_BYTES: usize = 1 << 20;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::Block,
            detectors: None,
            allow: DEFAULT_ALLOW.iter().map(|s| s.to_string()).collect(),
            max_scan_bytes: DEFAULT_MAX_SCAN_BYTES,
            entropy_threshold: 4.0,
            min_length: 20,
        }
    }
}

/// One suspected secret, located and redacted (it never holds the secret itself).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub detector: Detector,
    /// Where the text came from: `prompt`, `tool_response.stdout`, `content`, …
    pub label: String,
    /// 1-based line within that text.
    pub line: usize,
    pub redacted: String,
    /// For generic secrets: the name the value was assigned to.
    pub name: Option<String>,
}

/// The compiled settings.
#[derive(Debug, Clone)]
pub struct Scanner {
    pub mode: Mode,
    pub max_scan_bytes: usize,
    detectors: Vec<Detector>,
    allow: Allowlist,
    tuning: GenericTuning,
}

/// Most findings kept per event.
const MAX_FOUND: usize = 50;

impl Settings {
    pub fn scanner(&self) -> Result<Scanner, String> {
        let detectors = match &self.detectors {
            None => Detector::ALL.to_vec(),
            Some(ids) => ids
                .iter()
                .map(|id| {
                    Detector::from_id(id).ok_or_else(|| {
                        let known: Vec<&str> = Detector::ALL.iter().map(|d| d.id()).collect();
                        format!(
                            "setting `detectors`: unknown detector `{id}` (known: {})",
                            known.join(", ")
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        if !(self.entropy_threshold > 0.0 && self.entropy_threshold <= 8.0) {
            return Err(format!(
                "setting `entropy_threshold` must be in (0, 8] bits per character, not {}",
                self.entropy_threshold
            ));
        }
        if self.min_length < 8 {
            return Err(format!(
                "setting `min_length` must be at least 8, not {}",
                self.min_length
            ));
        }
        if self.max_scan_bytes == 0 {
            return Err("setting `max_scan_bytes` must be positive".to_string());
        }
        Ok(Scanner {
            mode: self.mode,
            max_scan_bytes: self.max_scan_bytes,
            detectors,
            allow: Allowlist::new(&self.allow)?,
            tuning: GenericTuning {
                entropy_threshold: self.entropy_threshold,
                min_length: self.min_length,
            },
        })
    }
}

impl Scanner {
    /// The suspected secrets in `sources` (already within the scan budget), allowlist applied.
    pub fn scan(&self, sources: &[Source]) -> Vec<Found> {
        let mut found = Vec::new();
        for source in sources {
            for hit in detect::scan(source.text, &self.detectors, &self.tuning) {
                let secret = hit.secret(source.text);
                if self.allow.allows(secret) {
                    continue;
                }
                let line = source.text[..hit.start]
                    .bytes()
                    .filter(|&b| b == b'\n')
                    .count()
                    + 1;
                found.push(Found {
                    detector: hit.detector,
                    label: source.label.clone(),
                    line,
                    redacted: detect::redact(hit.detector, secret),
                    name: hit.name.clone(),
                });
                if found.len() >= MAX_FOUND {
                    return found;
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cchost_sdk::serde_json::{self, json};

    fn settings(value: serde_json::Value) -> Result<Scanner, String> {
        serde_json::from_value::<Settings>(value)
            .map_err(|e| e.to_string())?
            .scanner()
    }

    fn src<'a>(label: &str, text: &'a str) -> Source<'a> {
        Source {
            label: label.to_string(),
            text,
        }
    }

    const KEY: &str = concat!("AKIA", "Q3RZ7T2WLX5BN4YP");

    #[test]
    fn defaults() {
        let s = Settings::default();
        assert_eq!(s.mode, Mode::Block);
        assert_eq!(s.max_scan_bytes, 1_048_576);
        assert_eq!(s.entropy_threshold, 4.0);
        assert_eq!(s.min_length, 20);
        assert_eq!(s.allow, DEFAULT_ALLOW);
        assert_eq!(serde_json::from_value::<Settings>(json!({})).unwrap(), s);
    }

    #[test]
    fn scan_locates_and_redacts() {
        let scanner = settings(json!({})).unwrap();
        let text = format!("line one\nline two {KEY}\n");
        let found = scanner.scan(&[src("tool_response.stdout", &text)]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].detector, Detector::AwsAccessKeyId);
        assert_eq!(found[0].label, "tool_response.stdout");
        assert_eq!(found[0].line, 2);
        assert_eq!(found[0].redacted, "AKIA…YP");
        assert!(!format!("{found:?}").contains(KEY));
    }

    #[test]
    fn documentation_examples_are_allowed_by_default() {
        let scanner = settings(json!({})).unwrap();
        let text = "AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert!(scanner.scan(&[src("x", text)]).is_empty());
        // Replacing `allow` drops the defaults.
        let scanner = settings(json!({"allow": ["other"]})).unwrap();
        assert_eq!(scanner.scan(&[src("x", text)]).len(), 2);
    }

    #[test]
    fn allow_entries_apply() {
        let scanner = settings(json!({"allow": [KEY]})).unwrap();
        assert!(scanner.scan(&[src("x", KEY)]).is_empty());
        let scanner = settings(json!({"allow": ["AKIA*"]})).unwrap();
        assert!(scanner.scan(&[src("x", KEY)]).is_empty());
    }

    #[test]
    fn detector_selection() {
        let scanner = settings(json!({"detectors": ["github-token"]})).unwrap();
        assert!(scanner.scan(&[src("x", KEY)]).is_empty());
        let scanner = settings(json!({"detectors": []})).unwrap();
        assert!(scanner.scan(&[src("x", KEY)]).is_empty());
    }

    #[test]
    fn bad_settings() {
        assert!(settings(json!({"detector": ["jwt"]})).is_err());
        assert!(settings(json!({"detectors": ["aws"]})).is_err());
        assert!(settings(json!({"mode": "deny"})).is_err());
        assert!(settings(json!({"entropy_threshold": 0})).is_err());
        assert!(settings(json!({"entropy_threshold": 9.5})).is_err());
        assert!(settings(json!({"min_length": 3})).is_err());
        assert!(settings(json!({"max_scan_bytes": 0})).is_err());
        assert!(settings(json!({"max_scan_bytes": -1})).is_err());
        assert!(settings(json!({"allow": [""]})).is_err());
        assert!(settings(json!({"mode": "warn", "entropy_threshold": 3.5})).is_ok());
    }

    #[test]
    fn findings_are_capped() {
        let scanner = settings(json!({})).unwrap();
        let text = format!("{KEY}\n").repeat(200);
        assert_eq!(scanner.scan(&[src("x", &text)]).len(), MAX_FOUND);
    }
}
