//! The protection policy: the settings, the anchored patterns they compile to, and the
//! decision for one path and one kind of access.
//!
//! A pattern starting with `/` matches absolute paths; one starting with `~/` (or `~` alone)
//! matches below the home directory — the `home` setting, or, when it is not set, below any
//! `/root/`, `/home/<user>/` or `/Users/<user>/`; any other pattern is relative to the project
//! root, and one starting with `**/` also matches outside the project. Evaluation order:
//! `allow` (exempt from everything) → `deny` → `read_only` (writes only) → outside the project.

use serde::Deserialize;

use crate::glob::Glob;
use crate::resolve::{Resolved, normalise, resolve};

/// `[plugins.protect-paths.settings]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Patterns no tool may read or write.
    pub deny: Vec<String>,
    /// Patterns exempt from every rule (checked first).
    pub allow: Vec<String>,
    /// Patterns that may be read but not written or edited.
    pub read_only: Vec<String>,
    /// Allow paths outside the project root.
    pub allow_outside_project: bool,
    /// The project root; defaults to the event's `cwd`.
    pub project_root: Option<String>,
    /// The home directory `~` stands for; when unset, `~/` patterns match under any home.
    pub home: Option<String>,
    /// Match patterns case-sensitively (set `false` on case-insensitive filesystems).
    pub case_sensitive: bool,
}

/// The default `deny` list.
pub const DEFAULT_DENY: [&str; 10] = [
    ".env",
    ".env.*",
    "**/.env",
    "**/.env.*",
    "**/secrets/**",
    "~/.ssh/**",
    "~/.aws/**",
    "~/.gnupg/**",
    "**/*.pem",
    "**/id_rsa*",
];

/// The default `allow` list: example environment files are meant to be shared.
pub const DEFAULT_ALLOW: [&str; 4] = [
    ".env.example",
    "**/.env.example",
    "**/.env.sample",
    "**/.env.template",
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            deny: DEFAULT_DENY.iter().map(|s| s.to_string()).collect(),
            allow: DEFAULT_ALLOW.iter().map(|s| s.to_string()).collect(),
            read_only: Vec::new(),
            allow_outside_project: false,
            project_root: None,
            home: None,
            case_sensitive: true,
        }
    }
}

/// How a tool uses the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Absolute,
    Home,
    Project,
}

/// One configured pattern, compiled.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as the user wrote it (for messages).
    pub text: String,
    anchor: Anchor,
    glob: Glob,
}

impl Pattern {
    pub fn new(text: &str, case_sensitive: bool) -> Result<Pattern, String> {
        let folded = if case_sensitive {
            text.to_string()
        } else {
            text.to_lowercase()
        };
        let (anchor, rest) = if let Some(rest) = folded.strip_prefix('/') {
            (Anchor::Absolute, rest)
        } else if folded == "~" {
            (Anchor::Home, "")
        } else if let Some(rest) = folded.strip_prefix("~/") {
            (Anchor::Home, rest)
        } else if folded.starts_with('~') {
            return Err(format!(
                "pattern `{text}`: `~user` is not supported; write the absolute path"
            ));
        } else {
            (
                Anchor::Project,
                folded.strip_prefix("./").unwrap_or(&folded),
            )
        };
        if rest.split('/').any(|c| c == "..") {
            return Err(format!("pattern `{text}`: `..` is not allowed in patterns"));
        }
        let glob = Glob::new(rest).map_err(|e| format!("pattern `{text}`: {e}"))?;
        Ok(Pattern {
            text: text.to_string(),
            anchor,
            glob,
        })
    }

    fn matches(&self, path: &Resolved, root: Option<&[String]>, home: Option<&[String]>) -> bool {
        match (path, self.anchor) {
            (Resolved::Abs(parts), Anchor::Absolute) => self.glob.matches(parts),
            (Resolved::Abs(parts), Anchor::Home) => match home {
                Some(home) => parts.starts_with(home) && self.glob.matches(&parts[home.len()..]),
                None => home_candidates(parts).any(|rest| self.glob.matches(rest)),
            },
            (Resolved::Abs(parts), Anchor::Project) => {
                let inside = root
                    .filter(|root| parts.starts_with(root))
                    .is_some_and(|root| self.glob.matches(&parts[root.len()..]));
                inside || (self.glob.starts_with_any_depth() && self.glob.matches(parts))
            }
            (Resolved::Home { rest, above }, Anchor::Home) => {
                *above == 0 && self.glob.matches(rest)
            }
            (Resolved::Home { rest, .. }, Anchor::Project) => {
                self.glob.starts_with_any_depth() && self.glob.matches(rest)
            }
            (Resolved::Home { .. }, Anchor::Absolute) => false,
            (Resolved::Rel(parts), Anchor::Project) => self.glob.matches(parts),
            (Resolved::Rel(_), _) => false,
        }
    }
}

/// With no home configured: the rest of a path below any home directory.
fn home_candidates(parts: &[String]) -> impl Iterator<Item = &[String]> {
    let root = (parts.first().map(String::as_str) == Some("root")).then(|| &parts[1..]);
    let user =
        (parts.len() >= 2 && matches!(parts[0].as_str(), "home" | "Users")).then(|| &parts[2..]);
    root.into_iter().chain(user)
}

/// The compiled policy for one event.
#[derive(Debug, Clone)]
pub struct Policy {
    deny: Vec<Pattern>,
    allow: Vec<Pattern>,
    read_only: Vec<Pattern>,
    allow_outside_project: bool,
    case_sensitive: bool,
    /// Absolute project root, as components.
    root: Option<Vec<String>>,
    /// Absolute home directory, as components.
    home: Option<Vec<String>>,
    /// Absolute working directory relative paths resolve against.
    cwd: Option<Vec<String>>,
}

fn absolute(setting: &str, value: &str) -> Result<Vec<String>, String> {
    if value.starts_with('/') {
        Ok(normalise(value))
    } else {
        Err(format!(
            "setting `{setting}` must be an absolute path, not `{value}`"
        ))
    }
}

fn compile(
    setting: &str,
    patterns: &[String],
    case_sensitive: bool,
) -> Result<Vec<Pattern>, String> {
    patterns
        .iter()
        .map(|p| Pattern::new(p, case_sensitive).map_err(|e| format!("setting `{setting}`: {e}")))
        .collect()
}

impl Settings {
    /// The policy for an event whose working directory is `cwd`.
    pub fn policy(&self, cwd: Option<&str>) -> Result<Policy, String> {
        let cwd = cwd.filter(|c| c.starts_with('/')).map(normalise);
        let root = match &self.project_root {
            Some(root) => Some(absolute("project_root", root)?),
            None => cwd.clone(),
        };
        let home = self
            .home
            .as_deref()
            .map(|h| absolute("home", h))
            .transpose()?;
        Ok(Policy {
            deny: compile("deny", &self.deny, self.case_sensitive)?,
            allow: compile("allow", &self.allow, self.case_sensitive)?,
            read_only: compile("read_only", &self.read_only, self.case_sensitive)?,
            allow_outside_project: self.allow_outside_project,
            case_sensitive: self.case_sensitive,
            cwd: cwd.or_else(|| root.clone()),
            root,
            home,
        })
    }
}

fn fold(parts: &[String]) -> Vec<String> {
    parts.iter().map(|p| p.to_lowercase()).collect()
}

impl Policy {
    /// Why `tool` may not access `path` this way, or `None` when it may.
    pub fn check(&self, tool: &str, path: &str, access: Access) -> Option<String> {
        let resolved = resolve(path, self.cwd.as_deref(), self.home.as_deref());
        let shown = if resolved.display() == path {
            format!("`{path}`")
        } else {
            format!("`{path}` (resolves to `{}`)", resolved.display())
        };

        // Matching works on case-folded copies when matching is case-insensitive.
        let (key, root, home) = if self.case_sensitive {
            (resolved.clone(), self.root.clone(), self.home.clone())
        } else {
            let key = match &resolved {
                Resolved::Abs(p) => Resolved::Abs(fold(p)),
                Resolved::Home { rest, above } => Resolved::Home {
                    rest: fold(rest),
                    above: *above,
                },
                Resolved::Rel(p) => Resolved::Rel(fold(p)),
            };
            (
                key,
                self.root.as_deref().map(fold),
                self.home.as_deref().map(fold),
            )
        };
        let matching = |patterns: &[Pattern]| {
            patterns
                .iter()
                .find(|p| p.matches(&key, root.as_deref(), home.as_deref()))
                .map(|p| p.text.clone())
        };

        if matching(&self.allow).is_some() {
            return None;
        }
        if let Some(pattern) = matching(&self.deny) {
            return Some(format!(
                "{tool} may not access {shown}: it matches the protected pattern `{pattern}`"
            ));
        }
        if access == Access::Write
            && let Some(pattern) = matching(&self.read_only)
        {
            return Some(format!(
                "{tool} may not modify {shown}: it matches the read-only pattern `{pattern}`"
            ));
        }
        if !self.allow_outside_project
            && let Some(root) = &root
        {
            let inside = match &key {
                Resolved::Abs(parts) => parts.starts_with(root),
                Resolved::Home { .. } => false,
                Resolved::Rel(_) => true,
            };
            if !inside {
                let root_shown = format!("/{}", self.root.as_deref().unwrap_or_default().join("/"));
                return Some(format!(
                    "{tool} may not access {shown}: it is outside the project root \
                     `{root_shown}` (allow it with an `allow` pattern or `allow_outside_project = true`)"
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cchost_sdk::serde_json::{self, json};

    fn policy_with(settings: serde_json::Value) -> Policy {
        let settings: Settings = serde_json::from_value(settings).unwrap();
        settings.policy(Some("/proj")).unwrap()
    }

    fn default_policy() -> Policy {
        policy_with(json!({}))
    }

    #[track_caller]
    fn denied(policy: &Policy, path: &str, access: Access, pattern: &str) {
        let reason = policy.check("Read", path, access);
        let reason = reason.unwrap_or_else(|| panic!("expected `{path}` to be denied"));
        assert!(
            reason.contains(pattern),
            "`{path}`: {reason} should name {pattern}"
        );
    }

    #[track_caller]
    fn allowed(policy: &Policy, path: &str, access: Access) {
        assert_eq!(
            policy.check("Read", path, access),
            None,
            "expected `{path}` allowed"
        );
    }

    #[test]
    fn default_denies() {
        let p = default_policy();
        denied(&p, "/proj/.env", Access::Read, "`.env`");
        denied(&p, ".env", Access::Read, "`.env`");
        denied(&p, "/proj/.env.local", Access::Write, "`.env.*`");
        denied(&p, "/proj/app/.env", Access::Read, "`**/.env`");
        denied(
            &p,
            "/proj/config/secrets/db.yml",
            Access::Read,
            "`**/secrets/**`",
        );
        denied(&p, "/proj/certs/server.pem", Access::Read, "`**/*.pem`");
        denied(&p, "/proj/keys/id_rsa", Access::Read, "`**/id_rsa*`");
        denied(&p, "/home/ann/.ssh/id_ed25519", Access::Read, "`~/.ssh/**`");
        denied(&p, "/root/.aws/credentials", Access::Read, "`~/.aws/**`");
        denied(
            &p,
            "/Users/ann/.gnupg/secring.gpg",
            Access::Read,
            "`~/.gnupg/**`",
        );
        denied(&p, "~/.ssh/config", Access::Read, "`~/.ssh/**`");
        // `**/` patterns also reach outside the project.
        denied(&p, "/etc/ssl/private/site.pem", Access::Read, "`**/*.pem`");
    }

    #[test]
    fn default_allows() {
        let p = default_policy();
        allowed(&p, "/proj/src/main.rs", Access::Write);
        allowed(&p, "src/lib.rs", Access::Read);
        allowed(&p, "/proj/.env.example", Access::Read);
        allowed(&p, "/proj/web/.env.example", Access::Write);
        allowed(&p, "/proj/.env.sample", Access::Read);
        allowed(&p, "/proj/environment.ts", Access::Read);
        allowed(&p, "/proj", Access::Read);
        allowed(&p, "/proj/", Access::Read);
    }

    #[test]
    fn dot_dot_escapes() {
        let p = default_policy();
        denied(
            &p,
            "/proj/src/../../etc/passwd",
            Access::Read,
            "outside the project root",
        );
        let reason = p
            .check("Read", "/proj/src/../../etc/passwd", Access::Read)
            .unwrap();
        assert!(reason.contains("resolves to `/etc/passwd`"), "{reason}");
        denied(
            &p,
            "../other/file",
            Access::Read,
            "outside the project root",
        );
        denied(&p, "src/../.env", Access::Read, "`.env`");
        allowed(&p, "/proj/a/../b.txt", Access::Read);
        denied(&p, "/proj/../proj2/x", Access::Read, "outside");
    }

    #[test]
    fn prefix_is_not_containment() {
        let p = default_policy();
        denied(
            &p,
            "/project-other/x",
            Access::Read,
            "outside the project root",
        );
    }

    #[test]
    fn tilde_with_configured_home() {
        let p = policy_with(json!({"home": "/home/ann"}));
        denied(&p, "~/.ssh/id_rsa", Access::Read, "`~/.ssh/**`");
        denied(&p, "/home/ann/.aws/config", Access::Read, "`~/.aws/**`");
        // With a configured home, other users' homes are not `~`…
        let reason = p
            .check("Read", "/home/bob/.ssh/id_x", Access::Read)
            .unwrap();
        // …but the path is still outside the project.
        assert!(reason.contains("outside the project root"), "{reason}");
    }

    #[test]
    fn tilde_paths_without_home_are_outside() {
        let p = policy_with(json!({"deny": []}));
        denied(&p, "~/notes.txt", Access::Read, "outside the project root");
    }

    #[test]
    fn allow_overrides_deny_and_outside() {
        let p = policy_with(json!({
            "allow": ["config/secrets/public/**", "/tmp/**", "~/.aws/config"],
        }));
        allowed(&p, "/proj/config/secrets/public/readme.md", Access::Read);
        denied(
            &p,
            "/proj/config/secrets/private.key",
            Access::Read,
            "`**/secrets/**`",
        );
        allowed(&p, "/tmp/scratch.txt", Access::Write);
        allowed(&p, "/home/ann/.aws/config", Access::Read);
        denied(
            &p,
            "/home/ann/.aws/credentials",
            Access::Read,
            "`~/.aws/**`",
        );
        // Replacing `allow` drops the defaults.
        denied(&p, "/proj/.env.example", Access::Read, "`.env.*`");
    }

    #[test]
    fn outside_project_setting() {
        let p = policy_with(json!({"allow_outside_project": true}));
        allowed(&p, "/etc/hosts", Access::Read);
        allowed(&p, "~/notes.txt", Access::Read);
        denied(&p, "/home/ann/.ssh/id_rsa", Access::Read, "`~/.ssh/**`");
    }

    #[test]
    fn read_only_blocks_writes_only() {
        let p = policy_with(json!({"read_only": ["**/Cargo.lock", "vendor/**"]}));
        allowed(&p, "/proj/Cargo.lock", Access::Read);
        denied(
            &p,
            "/proj/Cargo.lock",
            Access::Write,
            "read-only pattern `**/Cargo.lock`",
        );
        denied(&p, "/proj/vendor/x/y.rs", Access::Write, "`vendor/**`");
        allowed(&p, "/proj/src/x.rs", Access::Write);
    }

    #[test]
    fn case_sensitivity() {
        let p = default_policy();
        allowed(&p, "/proj/.ENV", Access::Read);
        allowed(&p, "/proj/KEY.PEM", Access::Read);
        let p = policy_with(json!({"case_sensitive": false}));
        denied(&p, "/proj/.ENV", Access::Read, "`.env`");
        denied(&p, "/proj/KEY.PEM", Access::Read, "`**/*.pem`");
        denied(&p, "/PROJ/.Env", Access::Read, "`.env`");
        allowed(&p, "/proj/.ENV.EXAMPLE", Access::Read);
        allowed(&p, "/Proj/src/a.rs", Access::Read);
    }

    #[test]
    fn project_root_setting_overrides_cwd() {
        let settings: Settings =
            serde_json::from_value(json!({"project_root": "/work/app"})).unwrap();
        let p = settings.policy(Some("/work/app/sub")).unwrap();
        // Relative paths still resolve against the cwd…
        denied(&p, ".env", Access::Read, "`**/.env`");
        // …and root-relative patterns against the project root.
        denied(&p, "/work/app/.env", Access::Read, "`.env`");
        allowed(&p, "/work/app/src/x", Access::Read);
        denied(&p, "/work/other", Access::Read, "outside the project root");
    }

    #[test]
    fn no_cwd_and_no_root() {
        let p = Settings::default().policy(None).unwrap();
        denied(&p, ".env", Access::Read, "`.env`");
        allowed(&p, "/anywhere/file", Access::Read);
        allowed(&p, "src/main.rs", Access::Read);
    }

    #[test]
    fn anchored_absolute_patterns() {
        let p = policy_with(
            json!({"deny": ["/proj/generated/**", "/etc/**"], "allow_outside_project": true}),
        );
        denied(
            &p,
            "/proj/generated/a.rs",
            Access::Read,
            "`/proj/generated/**`",
        );
        denied(&p, "/etc/passwd", Access::Read, "`/etc/**`");
        allowed(&p, "/proj/src/generated/a.rs", Access::Read);
    }

    #[test]
    fn settings_errors() {
        let bad = |v: serde_json::Value| {
            serde_json::from_value::<Settings>(v)
                .map_err(|e| e.to_string())
                .and_then(|s| s.policy(Some("/proj")).map(|_| ()))
                .is_err()
        };
        assert!(bad(json!({"denied": []})));
        assert!(bad(json!({"deny": ["[abc"]})));
        assert!(bad(json!({"deny": ["~bob/x"]})));
        assert!(bad(json!({"deny": ["../x"]})));
        assert!(bad(json!({"project_root": "rel"})));
        assert!(bad(json!({"home": "~"})));
        assert!(bad(json!({"allow_outside_project": "yes"})));
        assert!(!bad(json!({})));
    }

    #[test]
    fn defaults_are_documented_values() {
        let s = Settings::default();
        assert_eq!(s.deny.len(), DEFAULT_DENY.len());
        assert!(s.read_only.is_empty());
        assert!(!s.allow_outside_project);
        assert!(s.case_sensitive);
    }
}
