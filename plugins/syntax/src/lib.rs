//! syntax: a validation gate that parses every file in scope by its extension — Rust, Python,
//! JSON, TOML, YAML — and reports each syntax error at file:line:column.
//!
//! This module owns the settings and the gate glue: which files are checked, reading them from
//! the read-only project root, and turning parser errors into findings. The parsers live in
//! `parsers`, extension → language in `lang`, offsets → lines and columns in `position`.
//! [`check_source`] is the whole check without any WIT, for native benchmarks and tests.

pub mod lang;
pub mod parsers;
pub mod position;

use std::collections::HashSet;
use std::path::Path;

use cchost_sdk::{
    ChangeKind, Finding, Gate, GateInput, GateReport, Severity, export_gate, log, pattern, settings,
};
use serde::Deserialize;

pub use crate::lang::Language;
use crate::position::LineIndex;

/// Files that are JSON with comments (JSONC) by convention, so not JSON.
pub const DEFAULT_EXCLUDE: [&str; 5] = [
    "**/tsconfig*.json",
    "**/jsconfig*.json",
    "**/.vscode/**",
    "**/.devcontainer/**",
    "**/.devcontainer.json",
];

/// `[plugins.syntax.settings]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Languages to check; files of the others are skipped.
    pub languages: Vec<Language>,
    /// Files larger than this are not parsed (a warning says so).
    pub max_file_kib: u64,
    /// Most syntax errors reported for one file (Python's parser recovers and can find many).
    pub max_errors_per_file: usize,
    /// Globs (`*`, `?`, `**`) of project-relative paths never checked.
    pub exclude: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            languages: Language::ALL.to_vec(),
            max_file_kib: 1024,
            max_errors_per_file: 10,
            exclude: DEFAULT_EXCLUDE.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Settings {
    /// The language `path` is checked as, or `None` when it is skipped.
    pub fn language_of(&self, path: &str) -> Option<Language> {
        let language = Language::of_path(path)?;
        if !self.languages.contains(&language)
            || self.exclude.iter().any(|p| pattern::glob(p, path))
        {
            return None;
        }
        Some(language)
    }
}

/// The findings for one file's contents: one error finding per syntax error (at most
/// `max_errors`, and one per line: after the first error on a line a recovering parser mostly
/// reports its consequences), invalid UTF-8 included. Never panics, whatever the bytes.
pub fn check_bytes(
    path: &str,
    language: Language,
    bytes: &[u8],
    max_errors: usize,
) -> Vec<Finding> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            // The prefix is valid by construction; the fallback only keeps this panic-free.
            let prefix = std::str::from_utf8(valid).unwrap_or("");
            let (line, column) = LineIndex::new(prefix).position(prefix.len());
            let byte = bytes.get(e.valid_up_to()).copied().unwrap_or(0);
            return vec![
                Finding::new(
                    language.rule(),
                    Severity::Error,
                    format!("invalid UTF-8 (byte 0x{byte:02x})"),
                )
                .at(path, line, column)
                .with_fix_hint("save the file as UTF-8"),
            ];
        }
    };
    let index = LineIndex::new(text);
    let mut last_line = 0;
    parsers::errors(language, text)
        .into_iter()
        .filter_map(|error| {
            let (line, column) = index.position(error.offset);
            if line == last_line {
                return None;
            }
            last_line = line;
            let finding = Finding::new(language.rule(), Severity::Error, error.message)
                .at(path, line, column);
            let rest = text.get(error.offset..).unwrap_or("");
            Some(
                if language == Language::Json && (rest.starts_with("//") || rest.starts_with("/*"))
                {
                    finding.with_fix_hint(
                        "JSON has no comments; if this file is JSONC, add it to the `exclude` setting",
                    )
                } else {
                    finding
                },
            )
        })
        .take(max_errors)
        .collect()
}

/// The syntax findings for `text` as the file `path` with the default settings: none for an
/// unknown extension. The same parsing the gate does, callable natively (benchmarks, tests).
pub fn check_source(path: &str, text: &str) -> Vec<Finding> {
    let settings = Settings::default();
    match settings.language_of(path) {
        Some(language) => check_bytes(
            path,
            language,
            text.as_bytes(),
            settings.max_errors_per_file,
        ),
        None => Vec::new(),
    }
}

/// The findings for the file `path` (relative to `root`), reading it from disk.
pub fn check_file(root: &Path, path: &str, settings: &Settings) -> Vec<Finding> {
    let Some(language) = settings.language_of(path) else {
        return Vec::new();
    };
    let full = root.join(path);
    let unreadable = |why: String| {
        vec![
            Finding::new(
                "syntax/unreadable",
                Severity::Warning,
                format!("not checked: {why}"),
            )
            .at(path, 1, 1),
        ]
    };
    match std::fs::metadata(&full) {
        Err(e) => return unreadable(e.to_string()),
        Ok(meta) if !meta.is_file() => return unreadable("not a regular file".to_string()),
        Ok(meta) if meta.len() > settings.max_file_kib.saturating_mul(1024) => {
            return vec![
                Finding::new(
                    "syntax/too-large",
                    Severity::Warning,
                    format!(
                        "not checked: {} KiB is over the {} KiB limit",
                        meta.len().div_ceil(1024),
                        settings.max_file_kib
                    ),
                )
                .at(path, 1, 1)
                .with_fix_hint("raise `max_file_kib` in the syntax gate's settings to check it"),
            ];
        }
        Ok(_) => {}
    }
    match std::fs::read(&full) {
        Ok(bytes) => check_bytes(path, language, &bytes, settings.max_errors_per_file),
        Err(e) => unreadable(e.to_string()),
    }
}

/// The whole gate run over `input`, without the host: files deleted in `changes` are not read.
pub fn run(input: &GateInput, settings: &Settings) -> Vec<Finding> {
    let deleted: HashSet<&str> = input
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Deleted)
        .map(|c| c.path.as_str())
        .collect();
    let root = Path::new(&input.root);
    input
        .files
        .iter()
        .filter(|file| !deleted.contains(file.as_str()))
        .flat_map(|file| check_file(root, file, settings))
        .collect()
}

struct Syntax;

impl Gate for Syntax {
    fn check(input: GateInput) -> Result<GateReport, String> {
        let settings: Settings = settings::all()?;
        let findings = run(&input, &settings);
        log::info(&format!(
            "syntax: {} files in scope, {} findings",
            input.files.len(),
            findings.len()
        ));
        Ok(GateReport::from_findings(findings))
    }
}

export_gate!(Syntax);

#[cfg(test)]
mod tests;
