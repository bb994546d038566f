//! Claude Code's names for MCP tools, `mcp__<server>__<tool>`, so the same hook matchers work in
//! Claude Code and in cchost.

const PREFIX: &str = "mcp__";

/// The name hooks and agents see for `tool` of `server`.
pub fn qualified(server: &str, tool: &str) -> String {
    format!("{PREFIX}{server}__{tool}")
}

/// Splits `mcp__<server>__<tool>`; server names cannot contain `__` (the configuration refuses
/// them), tool names may.
pub fn split(qualified: &str) -> Option<(&str, &str)> {
    let rest = qualified.strip_prefix(PREFIX)?;
    let (server, tool) = rest.split_once("__")?;
    (!server.is_empty() && !tool.is_empty()).then_some((server, tool))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_malformed_names() {
        assert_eq!(qualified("fs", "read_file"), "mcp__fs__read_file");
        assert_eq!(split("mcp__fs__read_file"), Some(("fs", "read_file")));
        assert_eq!(split("mcp__fs__a__b"), Some(("fs", "a__b")));
        assert_eq!(split("mcp__fs__"), None);
        assert_eq!(split("mcp____x"), None);
        assert_eq!(split("Bash"), None);
    }
}
