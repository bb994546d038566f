//! protect-paths: a PreToolUse hook that keeps file tools away from protected paths.
//!
//! This module owns only the hook glue: which tools are inspected, which input field names
//! their path, whether they read or write, and the resulting decision. Globs live in `glob`,
//! lexical path resolution in `resolve`, settings and the decision logic in `policy`.

pub mod glob;
pub mod policy;
pub mod resolve;

use cchost_sdk::{Event, Hook, Response, export_hook, log, settings};

use crate::policy::{Access, Settings};

struct ProtectPaths;

/// How a tool uses its path, or `None` for tools this hook does not inspect.
pub fn access_of(tool: &str) -> Option<Access> {
    match tool {
        "Read" | "NotebookRead" | "Glob" | "Grep" | "LS" => Some(Access::Read),
        "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => Some(Access::Write),
        _ => None,
    }
}

/// The path a tool input names: `file_path`, else `notebook_path`, else `path`.
pub fn path_of(input: &cchost_sdk::serde_json::Value) -> Option<&str> {
    ["file_path", "notebook_path", "path"]
        .iter()
        .find_map(|key| input.get(key)?.as_str())
        .filter(|p| !p.is_empty())
}

impl Hook for ProtectPaths {
    fn handle(event: Event) -> Result<Response, String> {
        if event.name() != "PreToolUse" {
            return Ok(Response::none());
        }
        let Some(tool) = event.tool_name() else {
            return Ok(Response::none());
        };
        let Some(access) = access_of(tool) else {
            return Ok(Response::none());
        };
        let Some(path) = path_of(event.tool_input()) else {
            return Ok(Response::none());
        };
        let settings: Settings = settings::all()?;
        let policy = settings.policy(event.cwd())?;
        match policy.check(tool, path, access) {
            Some(reason) => {
                log::info(&reason);
                Ok(Response::deny(reason))
            }
            None => Ok(Response::none()),
        }
    }
}

export_hook!(ProtectPaths);

#[cfg(test)]
mod tests {
    use super::*;
    use cchost_sdk::serde_json::json;

    #[test]
    fn tools_and_access() {
        assert_eq!(access_of("Read"), Some(Access::Read));
        assert_eq!(access_of("Grep"), Some(Access::Read));
        assert_eq!(access_of("Edit"), Some(Access::Write));
        assert_eq!(access_of("NotebookEdit"), Some(Access::Write));
        assert_eq!(access_of("Bash"), None);
        assert_eq!(access_of("mcp__fs__read"), None);
    }

    #[test]
    fn path_fields() {
        assert_eq!(
            path_of(&json!({"file_path": "/a", "path": "/b"})),
            Some("/a")
        );
        assert_eq!(
            path_of(&json!({"notebook_path": "/n.ipynb"})),
            Some("/n.ipynb")
        );
        assert_eq!(
            path_of(&json!({"pattern": "**/*.rs", "path": "src"})),
            Some("src")
        );
        assert_eq!(path_of(&json!({"pattern": "**/*.rs"})), None);
        assert_eq!(path_of(&json!({"path": ""})), None);
        assert_eq!(path_of(&json!(null)), None);
    }
}
