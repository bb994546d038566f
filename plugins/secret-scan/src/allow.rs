//! The allowlist: known test fixtures and documentation examples that are not reported.
//!
//! An entry is compared with the detected secret value (the token itself; for the generic
//! detector the assigned value; for private keys the whole block). An entry without `*` must
//! equal the secret exactly; in an entry with `*`, each `*` matches any run of characters and
//! the entry must match the whole secret (`AKIA*EXAMPLE`, `sk_live_test*`).

use cchost_sdk::pattern::wildcard;

/// Secrets published in vendor documentation, allowed by default.
pub const DEFAULT_ALLOW: [&str; 2] = [
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
];

/// A compiled allowlist.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Allowlist {
    entries: Vec<String>,
}

impl Allowlist {
    pub fn new(entries: &[String]) -> Result<Allowlist, String> {
        for entry in entries {
            if entry.is_empty() {
                return Err("setting `allow`: entries must not be empty".to_string());
            }
            if entry.chars().all(|c| c == '*') {
                return Err(format!(
                    "setting `allow`: `{entry}` would allow every secret; disable detectors with \
                     `detectors` instead"
                ));
            }
        }
        Ok(Allowlist {
            entries: entries.to_vec(),
        })
    }

    /// The secret is a known fixture.
    pub fn allows(&self, secret: &str) -> bool {
        self.entries.iter().any(|entry| {
            if entry.contains('*') {
                wildcard(entry, secret)
            } else {
                entry == secret
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Allowlist {
        Allowlist::new(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn exact_entries() {
        let a = list(&DEFAULT_ALLOW);
        assert!(a.allows("AKIAIOSFODNN7EXAMPLE"));
        assert!(a.allows("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(!a.allows("AKIAIOSFODNN7EXAMPLF"));
        assert!(!a.allows("xAKIAIOSFODNN7EXAMPLE"));
    }

    #[test]
    fn wildcard_entries() {
        let a = list(&["AKIA*EXAMPLE", "*-fixture-*"]);
        assert!(a.allows("AKIAABCDEFGH12EXAMPLE"));
        assert!(!a.allows("AKIAABCDEFGH12EXAMPLEX"));
        assert!(a.allows("abc-fixture-123"));
        assert!(!a.allows("abc-fixtur-123"));
    }

    #[test]
    fn bad_entries() {
        assert!(Allowlist::new(&[String::new()]).is_err());
        assert!(Allowlist::new(&["**".to_string()]).is_err());
        assert!(Allowlist::new(&[]).unwrap() == Allowlist::default());
    }
}
