//! Environment expansion in configuration strings: `${VAR}`, `${VAR:-default}` and `$$`.
//!
//! A `$` followed by anything else stays a literal `$`, so regular expressions such as
//! `^Bash$` need no escaping. `${PROJECT}` is the project root (a built-in that takes precedence
//! over an environment variable of that name), so grants can be written relative to it.

use std::fmt;

/// Where variables come from.
pub trait Variables {
    /// `None` when unset. A value that is not valid UTF-8 is an error.
    fn get(&self, name: &str) -> Result<Option<String>, String>;
}

/// The process environment plus the `PROJECT` built-in.
pub struct ProcessEnv<'a> {
    pub project_root: Option<&'a std::path::Path>,
}

impl Variables for ProcessEnv<'_> {
    fn get(&self, name: &str) -> Result<Option<String>, String> {
        if name == "PROJECT" {
            return match self.project_root {
                Some(root) => root
                    .to_str()
                    .map(|root| Some(root.to_string()))
                    .ok_or_else(|| format!("the project root {root:?} is not valid UTF-8")),
                None => Err("`${PROJECT}` needs a project, but none was found (no `.cchost/` above the working directory)".into()),
            };
        }
        match std::env::var(name) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(format!("environment variable `{name}` is not valid UTF-8"))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    Unset(String),
    Unterminated,
    BadName(String),
    Variable(String),
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpandError::Unset(name) => write!(
                f,
                "environment variable `{name}` is not set (write `${{{name}:-default}}` for a fallback, `$$` for a literal `$`)"
            ),
            ExpandError::Unterminated => f.write_str("`${` without a closing `}`"),
            ExpandError::BadName(name) => write!(
                f,
                "`${{{name}}}` is not a variable name (letters, digits and `_`, not starting with a digit)"
            ),
            ExpandError::Variable(message) => f.write_str(message),
        }
    }
}

/// `text` with every reference replaced. Strings without a `$` are returned untouched.
pub fn expand(text: &str, vars: &dyn Variables) -> Result<Option<String>, ExpandError> {
    if !text.contains('$') {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let close = body.find('}').ok_or(ExpandError::Unterminated)?;
            let (name, default) = match body[..close].split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (&body[..close], None),
            };
            if !is_name(name) {
                return Err(ExpandError::BadName(name.to_string()));
            }
            let value = vars.get(name).map_err(ExpandError::Variable)?;
            match (value, default) {
                (Some(value), Some(default)) if value.is_empty() => out.push_str(default),
                (Some(value), _) => out.push_str(&value),
                (None, Some(default)) => out.push_str(default),
                (None, None) => return Err(ExpandError::Unset(name.to_string())),
            }
            rest = &body[close + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(Some(out))
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Fixed(HashMap<&'static str, &'static str>);

    impl Variables for Fixed {
        fn get(&self, name: &str) -> Result<Option<String>, String> {
            Ok(self.0.get(name).map(|v| v.to_string()))
        }
    }

    fn run(text: &str) -> Result<String, ExpandError> {
        let vars = Fixed(HashMap::from([
            ("HOME", "/home/u"),
            ("EMPTY", ""),
            ("A_1", "x"),
        ]));
        expand(text, &vars).map(|out| out.unwrap_or_else(|| text.to_string()))
    }

    #[test]
    fn references_defaults_and_escapes() {
        assert_eq!(run("${HOME}/bin").unwrap(), "/home/u/bin");
        assert_eq!(run("a${A_1}b${A_1}").unwrap(), "axbx");
        assert_eq!(run("${NOPE:-fallback}").unwrap(), "fallback");
        assert_eq!(run("${NOPE:-}").unwrap(), "");
        // As in the shell, `:-` also covers a variable that is set but empty.
        assert_eq!(run("${EMPTY:-d}").unwrap(), "d");
        assert_eq!(run("${EMPTY}").unwrap(), "");
        assert_eq!(run("${HOME:-d}").unwrap(), "/home/u");
        assert_eq!(run("$${HOME}").unwrap(), "${HOME}");
        assert_eq!(run("cost: $$5").unwrap(), "cost: $5");
        // A default may contain `:-` and `$`, but not `}`.
        assert_eq!(run("${NOPE:-a:-b$}").unwrap(), "a:-b$");
    }

    #[test]
    fn a_lone_dollar_is_literal() {
        assert_eq!(run("^Bash$").unwrap(), "^Bash$");
        assert_eq!(run("$HOME").unwrap(), "$HOME");
        assert_eq!(run("$").unwrap(), "$");
        assert_eq!(run("a$b$").unwrap(), "a$b$");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(run("${NOPE}"), Err(ExpandError::Unset("NOPE".into())));
        assert_eq!(run("x${HOME"), Err(ExpandError::Unterminated));
        assert_eq!(run("${}"), Err(ExpandError::BadName(String::new())));
        assert_eq!(run("${1A}"), Err(ExpandError::BadName("1A".into())));
        assert_eq!(run("${A B}"), Err(ExpandError::BadName("A B".into())));
        assert!(
            run("${NOPE}")
                .unwrap_err()
                .to_string()
                .contains("`NOPE` is not set")
        );
    }

    #[test]
    fn strings_without_a_dollar_are_not_copied() {
        assert_eq!(expand("plain", &Fixed(HashMap::new())), Ok(None));
    }

    #[test]
    fn project_is_built_in() {
        let root = std::path::Path::new("/work/p");
        let env = ProcessEnv {
            project_root: Some(root),
        };
        assert_eq!(
            expand("${PROJECT}/src", &env).unwrap().unwrap(),
            "/work/p/src"
        );
        let none = ProcessEnv { project_root: None };
        assert!(matches!(
            expand("${PROJECT}", &none),
            Err(ExpandError::Variable(_))
        ));
    }
}
