//! What a file's text holds: lines and `TODO`/`FIXME` markers, and whether it is text at all.

/// The counts of one text file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    pub lines: u64,
    pub todo: u64,
    pub fixme: u64,
}

/// Counts lines (a last line without a newline counts; `\r\n` is one break) and the markers.
pub fn scan(text: &str) -> Scan {
    Scan {
        lines: text.lines().count() as u64,
        todo: count_marker(text, "TODO"),
        fixme: count_marker(text, "FIXME"),
    }
}

/// Occurrences of `marker` as a whole word, case-sensitive: `TODO:`, `// TODO(ann)` and
/// `@TODO` count, `TODOS`, `MY_TODO` and `todo` do not.
pub fn count_marker(text: &str, marker: &str) -> u64 {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    text.match_indices(marker)
        .filter(|(at, _)| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + marker.len()).copied();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
        .count() as u64
}

/// Whether decoded content looks binary: a NUL character, or many replacement characters (the
/// server decodes files as UTF-8, so invalid bytes arrive as U+FFFD) in its first 8,000
/// characters. A few of them, as in a Latin-1 text, are still text.
pub fn looks_binary(text: &str) -> bool {
    let mut chars = 0usize;
    let mut replaced = 0usize;
    for c in text.chars().take(8_000) {
        match c {
            '\0' => return true,
            '\u{fffd}' => replaced += 1,
            _ => {}
        }
        chars += 1;
    }
    replaced > 8 && replaced * 10 > chars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(scan("").lines, 0);
        assert_eq!(scan("one").lines, 1);
        assert_eq!(scan("one\n").lines, 1);
        assert_eq!(scan("one\ntwo").lines, 2);
        assert_eq!(scan("one\r\ntwo\r\n").lines, 2);
        assert_eq!(scan("\n\n\n").lines, 3);
    }

    #[test]
    fn markers() {
        let rust = "fn main() {}\n// TODO: x\n// FIXME y TODO\n";
        assert_eq!(
            scan(rust),
            Scan {
                lines: 3,
                todo: 2,
                fixme: 1
            }
        );
        assert_eq!(count_marker("# TODO(ann): later", "TODO"), 1);
        assert_eq!(count_marker("@TODO and TODO.", "TODO"), 2);
        assert_eq!(
            count_marker("TODOS MY_TODO todo TODO_LIST XTODO", "TODO"),
            0
        );
        assert_eq!(count_marker("é TODO é", "TODO"), 1);
        assert_eq!(count_marker("FIXME:FIXME", "FIXME"), 2);
    }

    #[test]
    fn binary() {
        assert!(looks_binary("a\u{0}b"));
        assert!(!looks_binary("caf\u{fffd}\n"));
        assert!(!looks_binary("plain text\n"));
        assert!(!looks_binary(""));
        let mostly_garbage: String = (0..100)
            .map(|i| if i % 2 == 0 { '\u{fffd}' } else { 'x' })
            .collect();
        assert!(looks_binary(&mostly_garbage));
        let latin1_document = "r\u{e9}sum\u{fffd} ".repeat(20) + &"plain words ".repeat(100);
        assert!(!looks_binary(&latin1_document));
    }
}
