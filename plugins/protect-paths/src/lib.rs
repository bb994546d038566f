//! protect-paths: a PreToolUse hook that keeps file tools away from protected paths.
//!
//! This module owns only the hook glue: which tools are inspected, which input field names
//! their path, whether they read or write, and the resulting decision. Globs live in `glob`,
//! lexical path resolution in `resolve`, settings and the decision logic in `policy`.

pub mod glob;
pub mod policy;
pub mod resolve;

use std::borrow::Cow;

use cchost_sdk::{Event, Hook, Response, export_hook, log, settings};

use crate::policy::{Access, Settings};

struct ProtectPaths;

/// How a tool uses its path, or `None` for tools this hook does not inspect. Besides Claude
/// Code's file tools this knows the tools of the reference filesystem MCP server, by their name
/// after `mcp__<server>__`, so the same guard covers agents reaching files over MCP.
pub fn access_of(tool: &str) -> Option<Access> {
    match tool {
        "Read" | "NotebookRead" | "Glob" | "Grep" | "LS" => return Some(Access::Read),
        "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => return Some(Access::Write),
        _ => {}
    }
    match mcp_tool(tool)? {
        "read_file"
        | "read_text_file"
        | "read_media_file"
        | "read_multiple_files"
        | "list_directory"
        | "list_directory_with_sizes"
        | "directory_tree"
        | "search_files"
        | "get_file_info" => Some(Access::Read),
        "write_file" | "edit_file" | "create_directory" | "move_file" => Some(Access::Write),
        _ => None,
    }
}

/// The tool's name on its server, for `mcp__<server>__<tool>`.
fn mcp_tool(tool: &str) -> Option<&str> {
    let (_server, name) = tool.strip_prefix("mcp__")?.split_once("__")?;
    Some(name)
}

/// The path a tool input names: `file_path`, else `notebook_path`, else `path`.
pub fn path_of(input: &cchost_sdk::serde_json::Value) -> Option<&str> {
    ["file_path", "notebook_path", "path"]
        .iter()
        .find_map(|key| input.get(key)?.as_str())
        .filter(|p| !p.is_empty())
}

/// The directory a `Glob` pattern reaches when it leaves the searched directory — it is
/// absolute, starts with `~`, or climbs with `..` — as a path to check: the components before
/// the first one with a wildcard, joined to the searched directory (`path`, else `.`).
pub fn glob_reach(pattern: &str, path: Option<&str>) -> Option<String> {
    let leaves = pattern.starts_with('/')
        || pattern.starts_with('~')
        || pattern.split('/').any(|c| c == "..");
    if !leaves {
        return None;
    }
    let literal: Vec<&str> = pattern
        .split('/')
        .take_while(|c| !c.contains(['*', '?', '[', '{']))
        .collect();
    let base = literal.join("/");
    let base = if base.is_empty() && pattern.starts_with('/') {
        "/".to_string()
    } else {
        base
    };
    if base.starts_with('/') || base.starts_with('~') {
        Some(base)
    } else {
        Some(format!("{}/{base}", path.unwrap_or(".")))
    }
}

/// Every path the tool call touches: its own path and, for `Glob`, where its pattern reaches.
pub fn paths_of<'a>(tool: &str, input: &'a cchost_sdk::serde_json::Value) -> Vec<Cow<'a, str>> {
    let mut paths: Vec<Cow<'a, str>> = path_of(input).map(Cow::Borrowed).into_iter().collect();
    // The filesystem MCP server's tools that name several paths.
    let extra = ["source", "destination"]
        .iter()
        .filter_map(|key| input.get(key)?.as_str())
        .chain(
            input
                .get("paths")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str()),
        )
        .filter(|p| !p.is_empty());
    paths.extend(extra.map(Cow::Borrowed));
    if tool == "Glob"
        && let Some(reach) = input
            .get("pattern")
            .and_then(|p| p.as_str())
            .and_then(|p| glob_reach(p, path_of(input)))
    {
        paths.push(Cow::Owned(reach));
    }
    paths
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
        let paths = paths_of(tool, event.tool_input());
        if paths.is_empty() {
            return Ok(Response::none());
        }
        let settings: Settings = settings::all()?;
        let policy = settings.policy(event.cwd())?;
        match paths
            .iter()
            .find_map(|path| policy.check(tool, path, access))
        {
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
        assert_eq!(access_of("mcp__fs__read_text_file"), Some(Access::Read));
        assert_eq!(access_of("mcp__files__move_file"), Some(Access::Write));
        assert_eq!(access_of("mcp__memory__read_graph"), None);
    }

    #[test]
    fn filesystem_server_inputs_with_several_paths() {
        let input = json!({"paths": ["/p/a.md", "/p/.env"]});
        let paths = paths_of("mcp__fs__read_multiple_files", &input);
        assert_eq!(paths, ["/p/a.md", "/p/.env"]);
        let input = json!({"source": "/p/a", "destination": "/home/u/.ssh/x"});
        assert_eq!(
            paths_of("mcp__fs__move_file", &input),
            ["/p/a", "/home/u/.ssh/x"]
        );
    }

    #[test]
    fn glob_patterns_that_leave_the_search_directory() {
        assert_eq!(glob_reach("**/*.rs", None), None);
        assert_eq!(glob_reach("src/*.rs", Some("/p")), None);
        assert_eq!(
            glob_reach("/home/u/.ssh/*", None).as_deref(),
            Some("/home/u/.ssh")
        );
        assert_eq!(glob_reach("/**/id_rsa", None).as_deref(), Some("/"));
        assert_eq!(glob_reach("~/.aws/*", None).as_deref(), Some("~/.aws"));
        assert_eq!(
            glob_reach("../../*", Some("/p/a")).as_deref(),
            Some("/p/a/../..")
        );
        assert_eq!(glob_reach("../x/**", None).as_deref(), Some("./../x"));
        let input = json!({"pattern": "/etc/*", "path": "/p"});
        let paths = paths_of("Glob", &input);
        assert_eq!(paths, ["/p", "/etc"]);
        assert_eq!(
            paths_of("Read", &json!({"file_path": "/a", "pattern": "/etc/*"})),
            ["/a"]
        );
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
