//! Claude Code's hook `matcher` semantics: which configured hooks apply to an event.
//!
//! * `*`, `""` (or a matcher that is only whitespace) match everything.
//! * A matcher made only of ASCII letters, digits, `_`, `-`, space, `,` and `|` is a list of
//!   exact names separated by `|` or `,` (`Edit|Write`, `Edit, Write`). `Bash` does not
//!   match `BashOutput`.
//! * Anything else is an unanchored, case-sensitive regular expression: `Edit.*` matches
//!   `NotebookEdit`, `mcp__github__.*` matches every tool of the `github` MCP server; anchor
//!   with `^…$` for an exact match.
//!
//! Claude Code evaluates these regexes with JavaScript's engine; cchost uses Rust's `regex`
//! crate, which has no look-around (`(?=…)`, `(?!…)`, `(?<=…)`) and no backreferences
//! (`\1`). Such matchers are reported as configuration errors rather than silently never
//! matching, so the user learns the hook would not run.
//!
//! When an event has no subject to compare with (UserPromptSubmit, Stop, unknown events, or
//! an older payload without the field), Claude Code ignores matchers and runs every hook of
//! the event; [`Matcher::matches`] returns `true` for a `None` subject to do the same. For a
//! tool event whose payload lacks `tool_name` this also errs on the side of running guards.

use anyhow::bail;
use regex::Regex;

#[derive(Debug, Clone)]
pub enum Matcher {
    All,
    Names(Vec<String>),
    Pattern(Regex),
}

impl Matcher {
    pub fn parse(matcher: &str) -> anyhow::Result<Matcher> {
        let trimmed = matcher.trim();
        if trimmed.is_empty() || trimmed == "*" {
            return Ok(Matcher::All);
        }
        if trimmed.chars().all(is_name_list_char) {
            let names: Vec<String> = trimmed
                .split(['|', ','])
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(str::to_owned)
                .collect();
            if names.is_empty() {
                bail!("hook matcher `{matcher}` names no tool or value");
            }
            return Ok(Matcher::Names(names));
        }
        match Regex::new(matcher) {
            Ok(regex) => Ok(Matcher::Pattern(regex)),
            Err(e) => bail!(
                "hook matcher `{matcher}` is not a valid regular expression \
                 (look-around and backreferences are not supported): {e}"
            ),
        }
    }

    /// Whether a hook with this matcher runs for an event whose subject is `subject`; see
    /// the module documentation for why a `None` subject matches everything.
    pub fn matches(&self, subject: Option<&str>) -> bool {
        let Some(subject) = subject else {
            return true;
        };
        match self {
            Matcher::All => true,
            Matcher::Names(names) => names.iter().any(|name| name == subject),
            Matcher::Pattern(regex) => regex.is_match(subject),
        }
    }
}

fn is_name_list_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ' | ',' | '|')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str) -> Matcher {
        match Matcher::parse(pattern) {
            Ok(matcher) => matcher,
            Err(e) => panic!("{pattern}: {e}"),
        }
    }

    #[test]
    fn single_name_is_exact() {
        let matcher = m("Bash");
        assert!(matches!(matcher, Matcher::Names(ref n) if n == &["Bash"]));
        assert!(matcher.matches(Some("Bash")));
        assert!(!matcher.matches(Some("BashOutput")));
        assert!(!matcher.matches(Some("MyBash")));
    }

    #[test]
    fn pipe_separated_names() {
        let matcher = m("Edit|Write");
        assert!(matcher.matches(Some("Edit")));
        assert!(matcher.matches(Some("Write")));
        assert!(!matcher.matches(Some("MultiEdit")));
        assert!(!matcher.matches(Some("Edit|Write")));
    }

    #[test]
    fn comma_separated_names_are_trimmed() {
        let matcher = m("Edit, Write ,, |Read");
        assert!(matches!(matcher, Matcher::Names(ref n) if n == &["Edit", "Write", "Read"]));
        assert!(matcher.matches(Some("Write")));
        assert!(matcher.matches(Some("Read")));
        assert!(!matcher.matches(Some(" Write")));
    }

    #[test]
    fn mcp_tool_names_are_names() {
        let matcher = m("mcp__memory__create_entities");
        assert!(matches!(matcher, Matcher::Names(_)));
        assert!(matcher.matches(Some("mcp__memory__create_entities")));
        assert!(!matcher.matches(Some("mcp__memory__create_entities_v2")));
    }

    #[test]
    fn regex_is_unanchored() {
        let matcher = m("Edit.*");
        assert!(matches!(matcher, Matcher::Pattern(_)));
        assert!(matcher.matches(Some("Edit")));
        assert!(matcher.matches(Some("NotebookEdit")));
        assert!(!matcher.matches(Some("Write")));
    }

    #[test]
    fn mcp_server_regex() {
        let matcher = m("mcp__memory__.*");
        assert!(matcher.matches(Some("mcp__memory__create_entities")));
        assert!(matcher.matches(Some("mcp__memory__read_graph")));
        assert!(!matcher.matches(Some("mcp__github__create_issue")));
        assert!(!matcher.matches(Some("Bash")));
    }

    #[test]
    fn anchored_regex() {
        let matcher = m("^Bash$");
        assert!(matcher.matches(Some("Bash")));
        assert!(!matcher.matches(Some("BashOutput")));
        assert!(!matcher.matches(Some("NotBash")));
    }

    #[test]
    fn case_sensitive() {
        assert!(!m("bash").matches(Some("Bash")));
        assert!(!m("edit.*").matches(Some("Edit")));
        assert!(m("(?i)edit.*").matches(Some("Edit")));
    }

    #[test]
    fn invalid_regex_names_the_pattern() {
        let err = Matcher::parse("Edit(").expect_err("invalid");
        assert!(err.to_string().contains("`Edit(`"), "{err}");
    }

    #[test]
    fn look_around_and_backreferences_are_errors() {
        for pattern in ["^(?!Bash).*", "(?<=mcp__).*", r"(a)\1"] {
            let err = Matcher::parse(pattern).expect_err(pattern);
            assert!(err.to_string().contains(pattern), "{err}");
        }
    }

    #[test]
    fn star_and_empty_match_all() {
        for pattern in ["*", "", "  ", " * "] {
            let matcher = m(pattern);
            assert!(matches!(matcher, Matcher::All), "{pattern:?}");
            assert!(matcher.matches(Some("Anything")));
            assert!(matcher.matches(Some("")));
        }
    }

    #[test]
    fn separators_only_is_an_error() {
        assert!(Matcher::parse("|").is_err());
        assert!(Matcher::parse(" , | ").is_err());
    }

    #[test]
    fn no_subject_matches_everything() {
        for pattern in ["*", "Bash", "Edit.*", "^Never$"] {
            assert!(m(pattern).matches(None), "{pattern}");
        }
    }

    #[test]
    fn non_tool_subjects() {
        let matcher = m("startup|resume");
        assert!(matcher.matches(Some("resume")));
        assert!(!matcher.matches(Some("compact")));
        assert!(m("auto").matches(Some("auto")));
        assert!(m("permission_prompt").matches(Some("permission_prompt")));
    }

    #[test]
    fn non_ascii_falls_back_to_regex() {
        let matcher = m("Édit");
        assert!(matches!(matcher, Matcher::Pattern(_)));
        assert!(matcher.matches(Some("Éditeur")));
    }
}
