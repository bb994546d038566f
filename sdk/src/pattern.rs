//! Matching user-configured name and path patterns, a need most plugins with settings share.

/// Whole-string match where `*` stands for any run of characters (none included) and every
/// other character stands for itself.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    starred_match(&p, &t, |&c| c == '*', |p, t| p == t)
}

/// Whole-path match of a project-relative path against a glob: `*` matches any run of
/// characters within one path component, `?` one character other than `/`, and a component
/// that is exactly `**` any number of components (none included). A pattern ending in `/`
/// matches everything below that directory; a leading `./` on either side is ignored. There
/// is no base-name magic: `*.pem` matches only at the root, `**/*.pem` anywhere.
pub fn glob(pattern: &str, path: &str) -> bool {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut pat: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    if pattern.ends_with('/') {
        pat.push("**");
    }
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    // `**` is the star one level up, and a component matches by `component`.
    starred_match(&pat, &parts, |&c| c == "**", |p, t| component(p, t))
}

/// One path component against one pattern component (`*` and `?`, no `/` on either side).
fn component(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    starred_match(&p, &t, |&c| c == '*', |&p, t| p == '?' || p == *t)
}

/// Whole-sequence match where a star item stands for any run of text items and every other
/// item must match one text item. Backtracking only to the last star keeps it linear in
/// practice and never exponential, whatever the pattern.
fn starred_match<P, T>(
    pattern: &[P],
    text: &[T],
    is_star: impl Fn(&P) -> bool,
    matches: impl Fn(&P, &T) -> bool,
) -> bool {
    let (mut pi, mut ti) = (0, 0);
    // Where the last star was and how much text it has swallowed so far.
    let mut star: Option<(usize, usize)> = None;
    while ti < text.len() {
        if pi < pattern.len() && is_star(&pattern[pi]) {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < pattern.len() && matches(&pattern[pi], &text[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[pi..].iter().all(is_star)
}

#[cfg(test)]
mod tests {
    use super::{glob, wildcard};

    #[test]
    fn star_matches_any_run_and_everything_else_is_literal() {
        assert!(wildcard("release/*", "release/1.2"));
        assert!(wildcard("*", ""));
        assert!(wildcard("a*b*c", "aXXbYYc"));
        assert!(wildcard("main", "main"));
        assert!(!wildcard("main", "main2"));
        assert!(!wildcard("release/*", "releases/1"));
        assert!(!wildcard("a?c", "abc"));
    }

    #[test]
    fn glob_stars_stay_within_a_component_and_double_stars_cross_them() {
        assert!(glob("*.pem", "key.pem"));
        assert!(!glob("*.pem", "certs/key.pem"));
        assert!(glob("**/*.pem", "key.pem"));
        assert!(glob("**/*.pem", "a/b/key.pem"));
        assert!(glob("vendor/**", "vendor/x/y.rs"));
        assert!(glob("vendor/**", "vendor"));
        assert!(glob("vendor/", "vendor/x"));
        assert!(!glob("vendor/**", "vendored/x"));
        assert!(glob("src/**/mod.rs", "src/mod.rs"));
        assert!(glob("src/**/mod.rs", "src/a/b/mod.rs"));
        assert!(!glob("src/**/mod.rs", "src/a/b/lib.rs"));
        assert!(glob("config/?.json", "config/a.json"));
        assert!(!glob("config/?.json", "config/ab.json"));
        assert!(!glob("config/*", "config/a/b"));
        assert!(glob("./docs/*.md", "docs/x.md"));
        assert!(glob("docs/*.md", "./docs/x.md"));
        assert!(glob("**", "anything/at/all"));
        assert!(glob("a/**/b/**/c", "a/x/b/y/z/c"));
        assert!(!glob("a/**/b/**/c", "a/x/c"));
        assert!(glob("CHANGELOG.md", "CHANGELOG.md"));
        assert!(!glob("CHANGELOG.md", "docs/CHANGELOG.md"));
    }

    #[test]
    fn glob_backtracking_stays_cheap_on_hostile_patterns() {
        let pattern = "**/".repeat(50) + "x";
        let path = "a/".repeat(200) + "y";
        assert!(!glob(&pattern, &path));
        let pattern = "*a".repeat(40) + "b";
        assert!(!glob(&pattern, &"a".repeat(5000)));
    }
}
