//! The diff policy: its settings and the findings for one set of changes.
//!
//! Rules: `max_files`, `max_lines` (added + removed over the whole change),
//! `max_lines_per_file`, `forbidden` paths and `required` companions. Paths are matched with
//! `cchost_sdk::pattern::glob`. Without changes (a gate judging all files) there is no diff to
//! judge, which is said in one info finding.

use cchost_sdk::{ChangeKind, FileChange, Finding, Severity, pattern};
use serde::Deserialize;

/// `[plugins.diff-policy.settings]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Most files one change may touch.
    pub max_files: Option<u64>,
    /// Most lines (added + removed) one change may touch.
    pub max_lines: Option<u64>,
    /// Most lines (added + removed) one file may change by.
    pub max_lines_per_file: Option<u64>,
    /// Globs of paths that must not change (added, modified, deleted or renamed to).
    pub forbidden: Vec<String>,
    /// Files that must change together.
    pub required: Vec<Requirement>,
    /// Severity of every finding except those of a requirement with its own.
    pub severity: Level,
}

/// When a file matching `when` changes, a file matching `require` must change too.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub when: String,
    pub require: String,
    /// Shown instead of the default message.
    pub message: Option<String>,
    pub severity: Option<Level>,
}

/// A severity as settings spell it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    #[default]
    Error,
}

impl From<Level> for Severity {
    fn from(level: Level) -> Severity {
        match level {
            Level::Info => Severity::Info,
            Level::Warning => Severity::Warning,
            Level::Error => Severity::Error,
        }
    }
}

fn lines(change: &FileChange) -> u64 {
    u64::from(change.lines_added) + u64::from(change.lines_removed)
}

fn kind_word(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => "added",
        ChangeKind::Modified => "modified",
        ChangeKind::Deleted => "deleted",
        ChangeKind::Renamed => "renamed",
    }
}

/// A finding tied to a file but to no line: the whole file's change is what is judged.
fn on_file(finding: Finding, path: &str) -> Finding {
    Finding {
        file: Some(path.to_string()),
        ..finding
    }
}

/// Every finding the policy has about `changes`.
pub fn evaluate(changes: &[FileChange], settings: &Settings) -> Vec<Finding> {
    if changes.is_empty() {
        return vec![Finding::new(
            "diff-policy/no-diff",
            Severity::Info,
            "no diff was given (the gate judges all files): nothing to check",
        )];
    }
    let severity = Severity::from(settings.severity);
    let mut findings = Vec::new();

    if let Some(max) = settings.max_files
        && changes.len() as u64 > max
    {
        findings.push(
            Finding::new(
                "diff-policy/max-files",
                severity,
                format!("{} files changed; at most {max} may change", changes.len()),
            )
            .with_fix_hint("split the change into smaller ones"),
        );
    }
    let total: u64 = changes.iter().map(lines).sum();
    if let Some(max) = settings.max_lines
        && total > max
    {
        findings.push(
            Finding::new(
                "diff-policy/max-lines",
                severity,
                format!("{total} lines changed (added + removed); at most {max} may change"),
            )
            .with_fix_hint("split the change into smaller ones"),
        );
    }
    if let Some(max) = settings.max_lines_per_file {
        for change in changes.iter().filter(|c| lines(c) > max) {
            findings.push(on_file(
                Finding::new(
                    "diff-policy/max-lines-per-file",
                    severity,
                    format!(
                        "{} lines changed in `{}` (+{} -{}); at most {max} per file",
                        lines(change),
                        change.path,
                        change.lines_added,
                        change.lines_removed
                    ),
                ),
                &change.path,
            ));
        }
    }
    for change in changes {
        if let Some(glob) = settings
            .forbidden
            .iter()
            .find(|g| pattern::glob(g, &change.path))
        {
            findings.push(on_file(
                Finding::new(
                    "diff-policy/forbidden",
                    severity,
                    format!(
                        "`{}` was {}, but paths matching `{glob}` must not change",
                        change.path,
                        kind_word(change.kind)
                    ),
                )
                .with_fix_hint(format!("revert the change to `{}`", change.path)),
                &change.path,
            ));
        }
    }
    for rule in &settings.required {
        // The required file itself does not trigger its own rule (`when = "**"` would).
        let Some(trigger) = changes
            .iter()
            .find(|c| pattern::glob(&rule.when, &c.path) && !pattern::glob(&rule.require, &c.path))
        else {
            continue;
        };
        // Deleting the required file does not satisfy the rule.
        let satisfied = changes
            .iter()
            .any(|c| c.kind != ChangeKind::Deleted && pattern::glob(&rule.require, &c.path));
        if satisfied {
            continue;
        }
        let message = rule.message.clone().unwrap_or_else(|| {
            format!(
                "`{}` changed (it matches `{}`), so `{}` must change too",
                trigger.path, rule.when, rule.require
            )
        });
        findings.push(on_file(
            Finding::new(
                "diff-policy/required",
                rule.severity.map_or(severity, Severity::from),
                message,
            )
            .with_fix_hint(format!("update `{}` in the same change", rule.require)),
            &trigger.path,
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use cchost_sdk::{GateReport, GateStatus};

    fn change(path: &str, kind: ChangeKind, added: u32, removed: u32) -> FileChange {
        FileChange {
            path: path.to_string(),
            kind,
            lines_added: added,
            lines_removed: removed,
        }
    }

    fn settings(json: &str) -> Settings {
        cchost_sdk::serde_json::from_str(json).unwrap()
    }

    fn rules(findings: &[Finding]) -> Vec<(&str, Option<&str>, Severity)> {
        findings
            .iter()
            .map(|f| (f.rule.as_str(), f.file.as_deref(), f.severity))
            .collect()
    }

    fn sample() -> Vec<FileChange> {
        vec![
            change("src/main.rs", ChangeKind::Modified, 40, 10),
            change("src/new.rs", ChangeKind::Added, 120, 0),
            change("certs/server.pem", ChangeKind::Added, 30, 0),
            change("vendor/lib/x.c", ChangeKind::Deleted, 0, 500),
            change("docs/guide.md", ChangeKind::Renamed, 2, 2),
        ]
    }

    #[test]
    fn no_diff_passes_with_an_info_finding() {
        let s = settings(r#"{"max_files": 0, "forbidden": ["**"]}"#);
        let findings = evaluate(&[], &s);
        assert_eq!(
            rules(&findings),
            [("diff-policy/no-diff", None, Severity::Info)]
        );
        assert_eq!(GateReport::from_findings(findings).status, GateStatus::Pass);
    }

    #[test]
    fn defaults_allow_everything() {
        assert!(evaluate(&sample(), &Settings::default()).is_empty());
    }

    #[test]
    fn limits_on_files_and_lines() {
        let s = settings(r#"{"max_files": 4, "max_lines": 700, "max_lines_per_file": 100}"#);
        let findings = evaluate(&sample(), &s);
        assert_eq!(
            rules(&findings),
            [
                ("diff-policy/max-files", None, Severity::Error),
                ("diff-policy/max-lines", None, Severity::Error),
                (
                    "diff-policy/max-lines-per-file",
                    Some("src/new.rs"),
                    Severity::Error
                ),
                (
                    "diff-policy/max-lines-per-file",
                    Some("vendor/lib/x.c"),
                    Severity::Error
                ),
            ]
        );
        assert_eq!(findings[0].message, "5 files changed; at most 4 may change");
        assert!(findings[1].message.starts_with("704 lines changed"));
        assert!(findings[2].message.contains("(+120 -0)"));

        // Exactly at the limits is fine.
        let s = settings(r#"{"max_files": 5, "max_lines": 704, "max_lines_per_file": 500}"#);
        assert!(evaluate(&sample(), &s).is_empty());
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let changes: Vec<_> = (0..3)
            .map(|i| change(&format!("f{i}"), ChangeKind::Added, u32::MAX, u32::MAX))
            .collect();
        let findings = evaluate(&changes, &settings(r#"{"max_lines": 1}"#));
        assert!(findings[0].message.starts_with("25769803770 lines"));
    }

    #[test]
    fn forbidden_paths_whatever_the_kind_of_change() {
        let s = settings(r#"{"forbidden": ["**/*.pem", "vendor/**"], "severity": "warning"}"#);
        let findings = evaluate(&sample(), &s);
        assert_eq!(
            rules(&findings),
            [
                (
                    "diff-policy/forbidden",
                    Some("certs/server.pem"),
                    Severity::Warning
                ),
                (
                    "diff-policy/forbidden",
                    Some("vendor/lib/x.c"),
                    Severity::Warning
                ),
            ]
        );
        assert_eq!(
            findings[1].message,
            "`vendor/lib/x.c` was deleted, but paths matching `vendor/**` must not change"
        );
        assert_eq!(GateReport::from_findings(findings).status, GateStatus::Warn);
    }

    #[test]
    fn required_companions() {
        let s = settings(
            r#"{"required": [
                {"when": "src/**", "require": "CHANGELOG.md"},
                {"when": "docs/**", "require": "mkdocs.yml", "message": "docs need the nav updated", "severity": "info"},
                {"when": "migrations/**", "require": "schema.sql"}
            ]}"#,
        );
        let findings = evaluate(&sample(), &s);
        assert_eq!(
            rules(&findings),
            [
                ("diff-policy/required", Some("src/main.rs"), Severity::Error),
                (
                    "diff-policy/required",
                    Some("docs/guide.md"),
                    Severity::Info
                ),
            ]
        );
        assert_eq!(
            findings[0].message,
            "`src/main.rs` changed (it matches `src/**`), so `CHANGELOG.md` must change too"
        );
        assert_eq!(findings[1].message, "docs need the nav updated");
        assert_eq!(
            findings[0].fix_hint.as_deref(),
            Some("update `CHANGELOG.md` in the same change")
        );

        // Satisfied by a change to the required file, a glob of files included ...
        let mut changes = sample();
        changes.push(change("CHANGELOG.md", ChangeKind::Modified, 1, 0));
        changes.push(change("mkdocs.yml", ChangeKind::Modified, 1, 0));
        assert!(evaluate(&changes, &s).is_empty());
        let s2 = settings(r#"{"required": [{"when": "src/**", "require": "changelog.d/*.md"}]}"#);
        let mut changes = sample();
        changes.push(change("changelog.d/123.md", ChangeKind::Added, 3, 0));
        assert!(evaluate(&changes, &s2).is_empty());

        // ... but not by deleting it, and the required file alone does not trigger the rule.
        let mut changes = sample();
        changes.push(change("CHANGELOG.md", ChangeKind::Deleted, 0, 9));
        assert_eq!(evaluate(&changes, &s).len(), 2);
        let everything = settings(r#"{"required": [{"when": "**", "require": "CHANGELOG.md"}]}"#);
        let only_changelog = [change("CHANGELOG.md", ChangeKind::Modified, 1, 1)];
        assert!(evaluate(&only_changelog, &everything).is_empty());
    }

    #[test]
    fn settings_are_validated() {
        assert!(cchost_sdk::serde_json::from_str::<Settings>(r#"{"max_file": 3}"#).is_err());
        assert!(cchost_sdk::serde_json::from_str::<Settings>(r#"{"severity": "fatal"}"#).is_err());
        assert!(cchost_sdk::serde_json::from_str::<Settings>(r#"{"max_lines": -1}"#).is_err());
        assert!(
            cchost_sdk::serde_json::from_str::<Settings>(r#"{"required": [{"when": "src/**"}]}"#)
                .is_err()
        );
        assert_eq!(settings("{}"), Settings::default());
    }
}
