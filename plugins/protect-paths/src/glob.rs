//! Path globs: compiling a pattern and matching it against a path's components.
//!
//! Syntax: `*` matches any run of characters within one component (dots included), `?` one
//! character, `[abc]` / `[a-z]` / `[!abc]` (or `[^abc]`) one character of a class, `{a,b}`
//! either alternative (nesting allowed), `\x` the character `x`, and a component that is
//! exactly `**` any number of components (zero included). Patterns are split on `/`; where a
//! pattern is anchored (absolute, home, project) is decided by the caller.

/// Most alternatives one pattern may expand to through `{…}`.
const MAX_ALTERNATIVES: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `*`
    Star,
    /// `?`
    One,
    /// `[…]`: ranges (single characters are `(c, c)`), negated or not.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// `**`: any number of components.
    AnyDepth,
    /// One component.
    Component(Vec<Token>),
}

/// A compiled glob over path components (without anchoring).
#[derive(Debug, Clone, PartialEq)]
pub struct Glob {
    alternatives: Vec<Vec<Segment>>,
}

impl Glob {
    /// Compiles `pattern` (already stripped of its anchor: no leading `/` or `~/`).
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let alternatives = expand_braces(pattern)?
            .iter()
            .map(|alt| compile(alt))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Glob { alternatives })
    }

    /// The glob matches the whole of `components`.
    pub fn matches<S: AsRef<str>>(&self, components: &[S]) -> bool {
        self.alternatives
            .iter()
            .any(|segments| match_segments(segments, components))
    }

    /// The glob starts with `**`, so it can match below any directory.
    pub fn starts_with_any_depth(&self) -> bool {
        self.alternatives
            .iter()
            .all(|s| s.first() == Some(&Segment::AnyDepth))
    }
}

/// Expands `{a,b}` alternatives (outside `[…]`, unescaped) into plain patterns.
fn expand_braces(pattern: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    // Find the first top-level `{` and its matching `}`.
    let mut i = 0;
    let mut in_class = false;
    let mut open = None;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' if !in_class => {
                open = Some(i);
                break;
            }
            '}' if !in_class => return Err(format!("unmatched `}}` in `{pattern}`")),
            _ => {}
        }
        i += 1;
    }
    let Some(open) = open else {
        return Ok(vec![pattern.to_string()]);
    };
    let mut depth = 0;
    let mut commas = Vec::new();
    let mut close = None;
    let mut j = open + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '{' => depth += 1,
            '}' if depth == 0 => {
                close = Some(j);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => commas.push(j),
            _ => {}
        }
        j += 1;
    }
    let close = close.ok_or_else(|| format!("unmatched `{{` in `{pattern}`"))?;
    let prefix: String = chars[..open].iter().collect();
    let suffix: String = chars[close + 1..].iter().collect();
    let mut bounds = vec![open];
    bounds.extend(commas);
    bounds.push(close);
    let mut out = Vec::new();
    for pair in bounds.windows(2) {
        let middle: String = chars[pair[0] + 1..pair[1]].iter().collect();
        for expanded in expand_braces(&format!("{prefix}{middle}{suffix}"))? {
            if out.len() >= MAX_ALTERNATIVES {
                return Err(format!("`{pattern}` expands to too many alternatives"));
            }
            out.push(expanded);
        }
    }
    Ok(out)
}

fn compile(pattern: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    for component in pattern.split('/').filter(|c| !c.is_empty()) {
        if component == "**" {
            // Consecutive `**` are one.
            if segments.last() != Some(&Segment::AnyDepth) {
                segments.push(Segment::AnyDepth);
            }
            continue;
        }
        segments.push(Segment::Component(tokens(component, pattern)?));
    }
    Ok(segments)
}

fn tokens(component: &str, pattern: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = component.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(Token::Char(chars.next().unwrap_or('\\'))),
            '*' => {
                if out.last() != Some(&Token::Star) {
                    out.push(Token::Star);
                }
            }
            '?' => out.push(Token::One),
            '[' => {
                let negated = matches!(chars.peek(), Some('!' | '^'));
                if negated {
                    chars.next();
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let Some(c) = chars.next() else {
                        return Err(format!("unclosed `[` in `{pattern}`"));
                    };
                    if c == ']' && !first {
                        break;
                    }
                    first = false;
                    let c = if c == '\\' {
                        chars.next().unwrap_or('\\')
                    } else {
                        c
                    };
                    let mut lookahead = chars.clone();
                    if lookahead.next() == Some('-')
                        && let Some(end) = lookahead.next().filter(|&e| e != ']')
                    {
                        chars.next();
                        chars.next();
                        ranges.push((c, end));
                    } else {
                        ranges.push((c, c));
                    }
                }
                out.push(Token::Class { negated, ranges });
            }
            other => out.push(Token::Char(other)),
        }
    }
    Ok(out)
}

/// Whole-path match of segments against components, by dynamic programming over positions.
fn match_segments<S: AsRef<str>>(segments: &[Segment], components: &[S]) -> bool {
    let n = components.len();
    // reachable[j]: the segments so far can consume exactly the first j components.
    let mut reachable = vec![false; n + 1];
    reachable[0] = true;
    for segment in segments {
        let mut next = vec![false; n + 1];
        match segment {
            Segment::AnyDepth => {
                let mut any = false;
                for j in 0..=n {
                    any |= reachable[j];
                    next[j] = any;
                }
            }
            Segment::Component(tokens) => {
                for j in 0..n {
                    if reachable[j] && match_component(tokens, components[j].as_ref()) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reachable = next;
    }
    reachable[n]
}

fn class_matches(negated: bool, ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != negated
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Char(t) => *t == c,
        Token::One => true,
        Token::Class { negated, ranges } => class_matches(*negated, ranges, c),
        Token::Star => false,
    }
}

/// One component against its tokens: `*` with single-point backtracking (linear-ish).
fn match_component(tokens: &[Token], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < tokens.len() && tokens[p] == Token::Star {
            star = Some((p, t));
            p += 1;
        } else if p < tokens.len() && token_matches(&tokens[p], text[t]) {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    tokens[p..].iter().all(|tok| *tok == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        Glob::new(pattern).unwrap().matches(&components)
    }

    #[test]
    fn literals_and_stars() {
        assert!(m(".env", ".env"));
        assert!(!m(".env", "src/.env"));
        assert!(m(".env.*", ".env.local"));
        assert!(!m(".env.*", ".env"));
        assert!(m("*.pem", "server.pem"));
        assert!(m("*.pem", ".hidden.pem"));
        assert!(!m("*.pem", "a/server.pem"));
        assert!(m("id_rsa*", "id_rsa.pub"));
        assert!(m("a*b*c", "aXbYc"));
        assert!(!m("a*b*c", "aXbY"));
    }

    #[test]
    fn double_star_crosses_directories() {
        assert!(m("**/.env", ".env"));
        assert!(m("**/.env", "a/b/.env"));
        assert!(!m("**/.env", "a/b/.env.bak"));
        assert!(m("**/secrets/**", "secrets"));
        assert!(m("**/secrets/**", "app/secrets/db/password.txt"));
        assert!(!m("**/secrets/**", "app/secretsx/a"));
        assert!(m("src/**/*.rs", "src/main.rs"));
        assert!(m("src/**/*.rs", "src/a/b/c.rs"));
        assert!(m("**", "anything/at/all"));
        assert!(m("a/**/**/b", "a/b"));
    }

    #[test]
    fn question_marks_and_classes() {
        assert!(m("file?.txt", "file1.txt"));
        assert!(!m("file?.txt", "file10.txt"));
        assert!(m("[abc].txt", "b.txt"));
        assert!(!m("[!abc].txt", "b.txt"));
        assert!(m("[^abc].txt", "d.txt"));
        assert!(m("v[0-9].log", "v7.log"));
        assert!(!m("v[0-9].log", "vx.log"));
        assert!(m("[]].txt", "].txt"));
        assert!(m("x[a-]", "x-"));
    }

    #[test]
    fn braces_expand() {
        assert!(m("*.{pem,key}", "a.key"));
        assert!(m("*.{pem,key}", "a.pem"));
        assert!(!m("*.{pem,key}", "a.crt"));
        assert!(m("{a,b{c,d}}/x", "bd/x"));
        assert!(m("{,.}env", ".env"));
    }

    #[test]
    fn escapes() {
        assert!(m(r"\*.txt", "*.txt"));
        assert!(!m(r"\*.txt", "a.txt"));
    }

    #[test]
    fn errors() {
        assert!(Glob::new("[abc").is_err());
        assert!(Glob::new("{a,b").is_err());
        assert!(Glob::new("a}").is_err());
        assert!(Glob::new(&"{a,b}".repeat(10)).is_err());
    }

    #[test]
    fn any_depth_prefix() {
        assert!(Glob::new("**/*.pem").unwrap().starts_with_any_depth());
        assert!(!Glob::new("*.pem").unwrap().starts_with_any_depth());
        assert!(!Glob::new("{**/a,b}").unwrap().starts_with_any_depth());
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let pattern = "*a*a*a*a*a*a*a*a*a*b";
        let text = "a".repeat(2000);
        assert!(!m(pattern, &text));
        let deep = "**/".repeat(50) + "x";
        let path = "a/".repeat(200) + "y";
        assert!(!m(&deep, &path));
    }
}
