//! Lexical path resolution: turning the path a tool names into normalised components.
//!
//! Relative paths are joined to the working directory, `.` and `..` are resolved lexically
//! (the plugin has no filesystem access, so symlinks are not followed), `~` expands to the
//! configured home directory or, when none is configured, stays symbolic.

/// Splits a path into its components, resolving `.` and `..`; `..` at the top is dropped
/// (`/..` is `/`).
pub fn normalise(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    push_normalised(&mut parts, path);
    parts
}

/// Appends `rel` to `parts`, resolving `.` and `..`; returns how many `..` went above the start.
fn push_normalised(parts: &mut Vec<String>, rel: &str) -> usize {
    let mut above = 0;
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    above += 1;
                }
            }
            other => parts.push(other.to_string()),
        }
    }
    above
}

/// Where a tool's path points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// An absolute path, as components.
    Abs(Vec<String>),
    /// Below the home directory, which is not known (`~/…` with no `home` setting). `above`
    /// counts the `..` that climbed above the home directory first.
    Home { rest: Vec<String>, above: usize },
    /// Relative to the project root, when neither the working directory nor the root is known.
    Rel(Vec<String>),
}

impl Resolved {
    /// The path for messages: `/a/b`, `~/a`, `a/b`.
    pub fn display(&self) -> String {
        match self {
            Resolved::Abs(parts) => format!("/{}", parts.join("/")),
            Resolved::Home { rest, above } => {
                let mut parts = vec!["~".to_string()];
                parts.extend(std::iter::repeat_n("..".to_string(), *above));
                parts.extend(rest.iter().cloned());
                parts.join("/")
            }
            Resolved::Rel(parts) if parts.is_empty() => ".".to_string(),
            Resolved::Rel(parts) => parts.join("/"),
        }
    }
}

/// Resolves `path` as named by a tool. `cwd` is the absolute working directory (if known),
/// `home` the absolute home directory (if configured).
pub fn resolve(path: &str, cwd: Option<&[String]>, home: Option<&[String]>) -> Resolved {
    if let Some(after) = path.strip_prefix('~') {
        let (user, rest) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        if user.is_empty() {
            return match home {
                Some(home) => {
                    let mut parts = home.to_vec();
                    push_normalised(&mut parts, rest);
                    Resolved::Abs(parts)
                }
                None => {
                    let mut parts = Vec::new();
                    let above = push_normalised(&mut parts, rest);
                    Resolved::Home { rest: parts, above }
                }
            };
        }
        // `~user`: that user's home, taken as `/home/user` (or the configured home when it is
        // that user's).
        let base = match home {
            Some(home) if home.last().map(String::as_str) == Some(user) => home.to_vec(),
            _ => vec!["home".to_string(), user.to_string()],
        };
        let mut parts = base;
        push_normalised(&mut parts, rest);
        return Resolved::Abs(parts);
    }
    if path.starts_with('/') {
        return Resolved::Abs(normalise(path));
    }
    match cwd {
        Some(cwd) => {
            let mut parts = cwd.to_vec();
            push_normalised(&mut parts, path);
            Resolved::Abs(parts)
        }
        None => Resolved::Rel(normalise(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abs(path: &str) -> Resolved {
        Resolved::Abs(normalise(path))
    }

    #[test]
    fn normalises_lexically() {
        assert_eq!(normalise("/a/./b//c/"), ["a", "b", "c"]);
        assert_eq!(normalise("/a/b/../../.."), Vec::<String>::new());
        assert_eq!(normalise("/proj/src/../../etc/passwd"), ["etc", "passwd"]);
    }

    #[test]
    fn relative_paths_join_the_cwd() {
        let cwd = normalise("/proj/sub");
        assert_eq!(resolve("a.txt", Some(&cwd), None), abs("/proj/sub/a.txt"));
        assert_eq!(resolve("../.env", Some(&cwd), None), abs("/proj/.env"));
        assert_eq!(resolve("./../../x", Some(&cwd), None), abs("/x"));
        assert_eq!(resolve("/etc/hosts", Some(&cwd), None), abs("/etc/hosts"));
        assert_eq!(
            resolve("src/../.env", None, None),
            Resolved::Rel(vec![".env".to_string()])
        );
    }

    #[test]
    fn tilde_expansion() {
        let home = normalise("/home/ann");
        assert_eq!(
            resolve("~/.ssh/id_rsa", None, Some(&home)),
            abs("/home/ann/.ssh/id_rsa")
        );
        assert_eq!(resolve("~", None, Some(&home)), abs("/home/ann"));
        assert_eq!(resolve("~ann/x", None, Some(&home)), abs("/home/ann/x"));
        assert_eq!(resolve("~bob/x", None, Some(&home)), abs("/home/bob/x"));
        assert_eq!(
            resolve("~/.aws/../.aws/credentials", None, None),
            Resolved::Home {
                rest: vec![".aws".into(), "credentials".into()],
                above: 0
            }
        );
        assert_eq!(
            resolve("~/../other", None, None),
            Resolved::Home {
                rest: vec!["other".into()],
                above: 1
            }
        );
    }

    #[test]
    fn display() {
        assert_eq!(abs("/a/b").display(), "/a/b");
        assert_eq!(abs("/").display(), "/");
        assert_eq!(resolve("~/x", None, None).display(), "~/x");
        assert_eq!(resolve("~", None, None).display(), "~");
        assert_eq!(resolve("~/../../y", None, None).display(), "~/../../y");
        assert_eq!(resolve("x/y", None, None).display(), "x/y");
    }
}
