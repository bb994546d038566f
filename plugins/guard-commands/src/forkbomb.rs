//! Fork-bomb detection: a shell function whose body runs itself at least twice, piped or in
//! the background (`:(){ :|:& };:`, `bomb() { bomb | bomb & }; bomb`, `function f { f & f; }`).
//!
//! It works on the command text with quoted regions blanked out, so a fork bomb that is merely
//! an argument (`echo ':(){ :|:& };:'`) is not reported; payloads that do run (`bash -c '…'`)
//! are scanned when the analyser recurses into them.

/// The name of the self-replicating function, if `src` defines one.
pub fn find(src: &str) -> Option<String> {
    let text: Vec<char> = unquoted_skeleton(src).chars().collect();
    let mut i = 0;
    while i < text.len() {
        if let Some((name, body_start)) = definition_at(&text, i)
            && let Some(body) = brace_body(&text, body_start)
            && replicates(&name, &body)
        {
            return Some(name);
        }
        i += 1;
    }
    None
}

fn is_name_char(c: char) -> bool {
    !(c.is_whitespace() || ";&|(){}<>'\"`$".contains(c))
}

/// A function definition starting at `i`: `name ( ) {` or `function name [()] {`. Returns the
/// name and the index just after the `{`.
fn definition_at(text: &[char], i: usize) -> Option<(String, usize)> {
    if i > 0 && is_name_char(text[i - 1]) {
        return None;
    }
    let mut j = i;
    while j < text.len() && is_name_char(text[j]) {
        j += 1;
    }
    if j == i {
        return None;
    }
    let mut name: String = text[i..j].iter().collect();
    let skip_ws = |mut k: usize| {
        while k < text.len() && text[k].is_whitespace() {
            k += 1;
        }
        k
    };
    let mut k = skip_ws(j);
    let keyword = name == "function";
    if keyword {
        let start = k;
        while k < text.len() && is_name_char(text[k]) {
            k += 1;
        }
        if k == start {
            return None;
        }
        name = text[start..k].iter().collect();
        k = skip_ws(k);
    }
    if text.get(k) == Some(&'(') {
        k = skip_ws(k + 1);
        if text.get(k) != Some(&')') {
            return None;
        }
        k = skip_ws(k + 1);
    } else if !keyword {
        return None;
    }
    (text.get(k) == Some(&'{')).then(|| (name, k + 1))
}

/// Longest function body examined: fork bombs are short, and the bound keeps hostile input
/// (many unclosed definitions) linear.
const MAX_BODY: usize = 1000;

/// The text up to the `}` that closes the brace opened just before `start`.
fn brace_body(text: &[char], start: usize) -> Option<String> {
    let mut level = 1usize;
    for (offset, &c) in text[start..].iter().take(MAX_BODY).enumerate() {
        match c {
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    return Some(text[start..start + offset].iter().collect());
                }
            }
            _ => {}
        }
    }
    None
}

/// The body calls `name` at least twice and pipes or backgrounds.
fn replicates(name: &str, body: &str) -> bool {
    let calls = body
        .split(|c: char| !is_name_char(c))
        .filter(|token| *token == name)
        .count();
    calls >= 2 && body.contains(['|', '&'])
}

/// `src` with the contents of quotes replaced by spaces (escapes kept as spaces too).
fn unquoted_skeleton(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(' ');
                if chars.next().is_some() {
                    out.push(' ');
                }
            }
            '\'' | '"' => {
                out.push(' ');
                let mut escaped = false;
                for q in chars.by_ref() {
                    out.push(' ');
                    if c == '"' && q == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if q == c && !escaped {
                        break;
                    }
                    escaped = false;
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_and_variants() {
        assert_eq!(find(":(){ :|:& };:").as_deref(), Some(":"));
        assert_eq!(find(":() { : | : & } ; :").as_deref(), Some(":"));
        assert_eq!(
            find("bomb() { bomb | bomb & }; bomb").as_deref(),
            Some("bomb")
        );
        assert_eq!(find("function f { f & f; }; f").as_deref(), Some("f"));
        assert_eq!(find("function f() {\n  f|f &\n}\nf").as_deref(), Some("f"));
        assert_eq!(find("x=1; .(){ .|.& };.").as_deref(), Some("."));
    }

    #[test]
    fn ordinary_functions_pass() {
        assert_eq!(find("greet() { echo hi | cat; }; greet"), None);
        assert_eq!(find("walk() { walk \"$1/..\"; }"), None);
        assert_eq!(find("f() { g | g & }"), None);
        assert_eq!(find("ls -la | grep x &"), None);
    }

    #[test]
    fn quoted_bombs_are_arguments() {
        assert_eq!(find("echo ':(){ :|:& };:'"), None);
        assert_eq!(find("grep -F \":(){ :|:& };:\" notes.txt"), None);
    }
}
