//! Finding where a JSON pointer's value starts in the JSON text, so a schema error can name a
//! line: the parsed `Value` has no positions. A small scanner over the text, iterative and
//! bounded by its length, that only ever moves forward.

/// Byte offset of the value at `pointer` (RFC 6901, e.g. `/servers/0/port`) in `text`, or
/// `None` when the text is not well-formed enough to find it.
pub fn locate(text: &str, pointer: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if pointer.is_empty() {
        return Some(pos);
    }
    for raw in pointer.strip_prefix('/')?.split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        match bytes.get(pos)? {
            b'{' => {
                pos = skip_ws(bytes, pos + 1);
                loop {
                    if bytes.get(pos)? != &b'"' {
                        return None;
                    }
                    let end = string_end(bytes, pos)?;
                    let key: String = serde_json::from_str(&text[pos..end]).ok()?;
                    pos = skip_ws(bytes, end);
                    if bytes.get(pos)? != &b':' {
                        return None;
                    }
                    pos = skip_ws(bytes, pos + 1);
                    if key == token {
                        break;
                    }
                    pos = skip_ws(bytes, value_end(bytes, pos)?);
                    if bytes.get(pos)? != &b',' {
                        return None;
                    }
                    pos = skip_ws(bytes, pos + 1);
                }
            }
            b'[' => {
                let index: usize = token.parse().ok()?;
                pos = skip_ws(bytes, pos + 1);
                for _ in 0..index {
                    pos = skip_ws(bytes, value_end(bytes, pos)?);
                    if bytes.get(pos)? != &b',' {
                        return None;
                    }
                    pos = skip_ws(bytes, pos + 1);
                }
            }
            _ => return None,
        }
    }
    Some(pos)
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// The offset just past the string starting at `pos` (its opening quote).
fn string_end(bytes: &[u8], mut pos: usize) -> Option<usize> {
    pos += 1;
    loop {
        match bytes.get(pos)? {
            b'\\' => pos += 2,
            b'"' => return Some(pos + 1),
            _ => pos += 1,
        }
    }
}

/// The offset just past the value starting at `pos` (where the `,`, `}` or `]` after it is);
/// nesting is counted, not recursed into.
fn value_end(bytes: &[u8], mut pos: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match bytes.get(pos)? {
            b'"' => pos = string_end(bytes, pos)?,
            b'{' | b'[' => {
                depth += 1;
                pos += 1;
            }
            b'}' | b']' if depth == 0 => return Some(pos),
            b'}' | b']' => {
                depth -= 1;
                pos += 1;
            }
            b',' if depth == 0 => return Some(pos),
            _ => pos += 1,
        }
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "name": "x",
  "a/b": {"c~d": [10, {"deep": [1, 2, 3]}, "s,]}"]},
  "servers": [
    {"host": "a", "port": 80},
    {"host": "b", "port": "eighty"}
  ],
  "esc\"aped": true
}"#;

    fn at(pointer: &str) -> Option<(u32, u32)> {
        locate(DOC, pointer).map(|o| line_column(DOC, o))
    }

    #[test]
    fn pointers_resolve_to_the_start_of_their_value() {
        assert_eq!(at(""), Some((1, 1)));
        assert_eq!(at("/name"), Some((2, 11)));
        assert_eq!(at("/servers/1/port"), Some((6, 27)));
        assert_eq!(at("/servers/1"), Some((6, 5)));
        assert_eq!(at("/a~1b/c~0d/1/deep/2"), Some((3, 39)));
        assert_eq!(at("/a~1b/c~0d/2"), Some((3, 44)));
        assert_eq!(at("/esc\"aped"), Some((8, 16)));
        assert_eq!(at("/missing"), None);
        assert_eq!(at("/servers/9"), None);
        assert_eq!(at("/name/0"), None);
    }

    #[test]
    fn broken_text_gives_none_not_a_panic() {
        for text in [
            "",
            "{",
            "{\"a\"",
            "{\"a\": [1,",
            "[\"\\",
            "{\"a\":1 \"b\":2}",
            "é",
        ] {
            let _ = locate(text, "/a/0");
            let _ = locate(text, "/b");
        }
        assert_eq!(line_column("é\nx", 1), (1, 1));
    }
}
