//! json-schema: a validation gate that validates configured JSON files against JSON Schemas.
//!
//! This module owns the settings and the gate glue: which in-scope files match which schema,
//! reading them from the read-only project root, and turning validation errors into findings.
//! Schemas are compiled with `boon` (drafts 4 to 2020-12); `locate` turns an error's JSON
//! pointer into a line and column.

pub mod locate;

use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::path::{Component, Path, PathBuf};

use boon::{Compiler, SchemaIndex, Schemas, UrlLoader, ValidationError};
use cchost_sdk::{
    ChangeKind, Finding, Gate, GateInput, GateReport, Severity, export_gate, pattern, settings,
};
use serde::Deserialize;
use serde_json::Value;

/// `[plugins.json-schema.settings]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub schemas: Vec<Mapping>,
    /// Most errors reported for one file.
    pub max_errors_per_file: Option<usize>,
}

/// Files matching the glob `files` are validated against `schema` (relative to the root).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub files: String,
    pub schema: String,
}

const DEFAULT_MAX_ERRORS: usize = 20;

/// Loads `file:` URLs (a schema's `$ref` to another file) from below the project root only;
/// boon has no file loader on wasm32, and this one behaves the same natively.
struct RootLoader {
    root: PathBuf,
}

impl UrlLoader for RootLoader {
    fn load(&self, url: &str) -> Result<Value, Box<dyn Error>> {
        let path = url
            .strip_prefix("file://")
            .ok_or_else(|| format!("only files below the project are loaded, not `{url}`"))?;
        let path = percent_encoding::percent_decode_str(path).decode_utf8()?;
        let path = Path::new(path.as_ref());
        if !path.starts_with(&self.root) || path.components().any(|c| c == Component::ParentDir) {
            return Err(format!("`{}` is outside the project", path.display()).into());
        }
        Ok(serde_json::from_slice(&std::fs::read(path)?)?)
    }
}

/// A file URL for `path` below `root`; boon percent-encodes what needs it when parsing.
fn file_url(root: &Path, path: &str) -> String {
    format!("file://{}", root.join(path).display())
}

/// Every finding for the files in scope: compiles each configured schema once (a missing or
/// invalid one is an error finding naming it) and validates each matching JSON file.
pub fn run(
    root: &Path,
    files: &[String],
    changes: &[cchost_sdk::FileChange],
    settings: &Settings,
) -> Vec<Finding> {
    let deleted: HashSet<&str> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Deleted)
        .map(|c| c.path.as_str())
        .collect();
    let max_errors = settings.max_errors_per_file.unwrap_or(DEFAULT_MAX_ERRORS);
    let mut compiler = Compiler::new();
    compiler.use_loader(Box::new(RootLoader {
        root: root.to_path_buf(),
    }));
    let mut schemas = Schemas::new();
    let mut compiled: HashMap<&str, Option<SchemaIndex>> = HashMap::new();
    let mut findings = Vec::new();
    for file in files.iter().filter(|f| !deleted.contains(f.as_str())) {
        let Some(mapping) = settings
            .schemas
            .iter()
            .find(|m| pattern::glob(&m.files, file))
        else {
            continue;
        };
        let index = *compiled.entry(&mapping.schema).or_insert_with(|| {
            match compiler.compile(&file_url(root, &mapping.schema), &mut schemas) {
                Ok(index) => Some(index),
                Err(e) => {
                    findings.push(
                        Finding::new(
                            "json-schema/schema",
                            Severity::Error,
                            format!("schema `{}` is missing or invalid: {e}", mapping.schema),
                        )
                        .at(mapping.schema.as_str(), 1, 1),
                    );
                    None
                }
            }
        });
        let Some(index) = index else {
            continue;
        };
        findings.extend(check_file(root, file, &schemas, index, max_errors));
    }
    findings
}

/// The findings for one JSON file against one compiled schema.
pub fn check_file(
    root: &Path,
    file: &str,
    schemas: &Schemas,
    index: SchemaIndex,
    max_errors: usize,
) -> Vec<Finding> {
    let text = match std::fs::read(root.join(file)).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            return vec![
                Finding::new("json-schema/parse", Severity::Error, "not UTF-8").at(file, 1, 1),
            ];
        }
        Err(e) => {
            return vec![
                Finding::new(
                    "json-schema/unreadable",
                    Severity::Warning,
                    format!("not validated: {e}"),
                )
                .at(file, 1, 1),
            ];
        }
    };
    check_text(file, &text, schemas, index, max_errors)
}

/// The findings for JSON `text` (the file `file`) against a compiled schema.
pub fn check_text(
    file: &str,
    text: &str,
    schemas: &Schemas,
    index: SchemaIndex,
    max_errors: usize,
) -> Vec<Finding> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            return vec![
                Finding::new(
                    "json-schema/parse",
                    Severity::Error,
                    format!("not valid JSON, so not validated: {e}"),
                )
                .at(file, u32::try_from(e.line()).unwrap_or(1).max(1), 1),
            ];
        }
    };
    let Err(error) = schemas.validate(&value, index) else {
        return Vec::new();
    };
    let mut leaves = Vec::new();
    collect_leaves(&error, &mut leaves);
    leaves
        .into_iter()
        .take(max_errors)
        .map(|(pointer, message)| {
            let shown = if pointer.is_empty() { "/" } else { &pointer };
            let (line, column) = locate::locate(text, &pointer)
                .map_or((1, 1), |offset| locate::line_column(text, offset));
            Finding::new(
                "json-schema/invalid",
                Severity::Error,
                format!("{shown}: {message}"),
            )
            .at(file, line, column)
        })
        .collect()
}

/// The errors at the bottom of boon's tree (the ones that say what is wrong), as
/// (JSON pointer, message). Iterative: the tree is as deep as the schema nests.
fn collect_leaves(root: &ValidationError, out: &mut Vec<(String, String)>) {
    let mut stack = vec![root];
    while let Some(error) = stack.pop() {
        if error.causes.is_empty() {
            out.push((error.instance_location.to_string(), error.kind.to_string()));
        } else {
            stack.extend(error.causes.iter().rev());
        }
    }
}

struct JsonSchema;

impl Gate for JsonSchema {
    fn check(input: GateInput) -> Result<GateReport, String> {
        let settings: Settings = settings::all()?;
        Ok(GateReport::from_findings(run(
            Path::new(&input.root),
            &input.files,
            &input.changes,
            &settings,
        )))
    }
}

export_gate!(JsonSchema);

#[cfg(test)]
mod tests;
