//! repo-survey: an agent that walks a directory through the filesystem MCP server
//! (`@modelcontextprotocol/server-filesystem`) and reports files, bytes and lines per language,
//! the largest files and the `TODO`/`FIXME` markers in text files.
//!
//! This module owns the agent glue: the parameters, the server connection, the session record
//! and the output. The walk and the batch reads are in `fs_server` (shared with
//! `knowledge-graph`), the language table in `languages`, the counting in `scan`, and the
//! survey's arithmetic in `survey`.

pub mod fs_server;
pub mod languages;
pub mod scan;
pub mod survey;

use cchost_sdk::{
    Agent, AgentOutput, Task, export_agent, log,
    serde_json::{self, Value},
    session,
};
use serde::Deserialize;

use crate::fs_server::{McpServer, first_allowed_directory, normalize_root};

/// The task's parameters (a JSON object; every field optional).
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// The filesystem MCP server's name.
    pub server: String,
    /// Absolute directory to survey; the server's first allowed directory when absent.
    pub root: Option<String>,
    /// Files counted at most.
    pub max_files: usize,
    /// Directory names not entered, at any depth.
    pub exclude: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            server: "fs".into(),
            root: None,
            max_files: 5000,
            exclude: [".git", ".cchost", "node_modules", "target", ".venv"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Parses the task's parameters: empty text or `null` means all defaults.
pub fn parse_params(text: &str) -> Result<Params, String> {
    let text = text.trim();
    if text.is_empty() || text == "null" {
        return Ok(Params::default());
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("parameters are not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err("parameters must be a JSON object".into());
    }
    let params: Params = serde_json::from_value(value).map_err(|e| format!("parameters: {e}"))?;
    if params.max_files == 0 {
        return Err("parameters: `max_files` must be at least 1".into());
    }
    if params.server.is_empty() {
        return Err("parameters: `server` must name an MCP server".into());
    }
    Ok(params)
}

struct RepoSurvey;

impl Agent for RepoSurvey {
    fn run(task: Task) -> Result<AgentOutput, String> {
        let params = parse_params(&task.parameters)?;
        let mut server = McpServer::connect(&params.server)?;
        let root = match &params.root {
            Some(root) => normalize_root(root)?,
            None => normalize_root(&first_allowed_directory(&mut server)?)?,
        };
        log::info(&format!(
            "surveying {root} through MCP server `{}`",
            server.name()
        ));
        let options = survey::Options {
            root,
            max_files: params.max_files,
            exclude: params.exclude,
        };
        let report = survey::survey(&mut server, &options)?;
        let data = serde_json::to_value(&report).map_err(|e| format!("serialise report: {e}"))?;
        if let Err(e) = session::append("survey", &data) {
            log::debug(&format!("no `survey` session record: {e}"));
        }
        let summary = survey::summary(&report);
        log::info(&summary);
        Ok(AgentOutput {
            summary,
            data: data.to_string(),
        })
    }
}

export_agent!(RepoSurvey);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        for text in ["", "  ", "null", "{}"] {
            assert_eq!(parse_params(text).unwrap(), Params::default(), "{text:?}");
        }
        let params = Params::default();
        assert_eq!(params.server, "fs");
        assert_eq!(params.max_files, 5000);
        assert_eq!(
            params.exclude,
            [".git", ".cchost", "node_modules", "target", ".venv"]
        );
    }

    #[test]
    fn given_parameters() {
        let params =
            parse_params(r#"{"server": "files", "root": "/w", "max_files": 10, "exclude": []}"#)
                .unwrap();
        assert_eq!(
            params,
            Params {
                server: "files".into(),
                root: Some("/w".into()),
                max_files: 10,
                exclude: vec![],
            }
        );
    }

    #[test]
    fn bad_parameters() {
        assert!(parse_params("[1]").unwrap_err().contains("JSON object"));
        assert!(parse_params("{").unwrap_err().contains("not valid JSON"));
        assert!(
            parse_params(r#"{"max_file": 3}"#)
                .unwrap_err()
                .contains("unknown field `max_file`")
        );
        assert!(
            parse_params(r#"{"max_files": -1}"#)
                .unwrap_err()
                .starts_with("parameters:")
        );
        assert!(parse_params(r#"{"max_files": 0}"#).is_err());
        assert!(parse_params(r#"{"server": ""}"#).is_err());
    }
}
