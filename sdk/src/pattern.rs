//! Matching user-configured name patterns, a need most plugins with settings share.

/// Whole-string match where `*` stands for any run of characters (none included) and every
/// other character stands for itself.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was and how much text it has swallowed so far, for backtracking.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
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
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::wildcard;

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
}
