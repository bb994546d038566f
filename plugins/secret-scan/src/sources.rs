//! The texts to scan for one event, each with a label saying where it came from.
//!
//! JSON values (tool inputs and responses) are walked and every string in them becomes a
//! source labelled by its path (`tool_response.stdout`, `edits[1].new_string`), so line
//! numbers refer to the string's own lines. A scan budget caps the bytes scanned per event.

use cchost_sdk::serde_json::Value;

use crate::detect::floor_boundary;

/// One text to scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Source<'a> {
    pub label: String,
    pub text: &'a str,
}

/// Every string inside `value`, labelled `label.path.to[0].it`.
pub fn json_strings<'a>(label: &str, value: &'a Value, out: &mut Vec<Source<'a>>) {
    match value {
        Value::String(text) => out.push(Source {
            label: label.to_string(),
            text,
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                json_strings(&format!("{label}[{i}]"), item, out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = if label.is_empty() {
                    key.clone()
                } else {
                    format!("{label}.{key}")
                };
                json_strings(&child, item, out);
            }
        }
        _ => {}
    }
}

/// The content a PreToolUse write would put on disk: `content` (Write), `new_string` (Edit),
/// `edits[].new_string` (MultiEdit), `new_source` (NotebookEdit).
pub fn written_content(input: &Value) -> Vec<Source<'_>> {
    let mut out = Vec::new();
    for key in ["content", "new_string", "new_source"] {
        if let Some(text) = input.get(key).and_then(Value::as_str) {
            out.push(Source {
                label: key.to_string(),
                text,
            });
        }
    }
    if let Some(edits) = input.get("edits").and_then(Value::as_array) {
        for (i, edit) in edits.iter().enumerate() {
            if let Some(text) = edit.get("new_string").and_then(Value::as_str) {
                out.push(Source {
                    label: format!("edits[{i}].new_string"),
                    text,
                });
            }
        }
    }
    out
}

/// Cuts the sources down to `max_bytes` in total, in order; says whether anything was cut.
pub fn within_budget(sources: Vec<Source<'_>>, max_bytes: usize) -> (Vec<Source<'_>>, bool) {
    let mut left = max_bytes;
    let mut cut = false;
    let mut out = Vec::new();
    for source in sources {
        if left == 0 {
            cut = true;
            break;
        }
        let end = floor_boundary(source.text, left);
        cut |= end < source.text.len();
        left -= end;
        out.push(Source {
            label: source.label,
            text: &source.text[..end],
        });
    }
    (out, cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cchost_sdk::serde_json::json;

    #[test]
    fn walks_json() {
        let value = json!({"stdout": "a", "nested": {"list": ["b", 1, {"c": "d"}]}, "n": null});
        let mut out = Vec::new();
        json_strings("tool_response", &value, &mut out);
        let labels: Vec<(&str, &str)> = out.iter().map(|s| (s.label.as_str(), s.text)).collect();
        assert!(labels.contains(&("tool_response.stdout", "a")));
        assert!(labels.contains(&("tool_response.nested.list[0]", "b")));
        assert!(labels.contains(&("tool_response.nested.list[2].c", "d")));
        assert_eq!(labels.len(), 3);
        let mut top = Vec::new();
        let text = json!("just text");
        json_strings("prompt", &text, &mut top);
        assert_eq!(top[0].label, "prompt");
    }

    #[test]
    fn written_content_fields() {
        let input = json!({"file_path": "/x", "old_string": "OLD", "new_string": "NEW"});
        let out = written_content(&input);
        assert_eq!(
            out,
            [Source {
                label: "new_string".into(),
                text: "NEW"
            }]
        );
        let multi = json!({"edits": [{"old_string": "a", "new_string": "b"}, {"new_string": "c"}]});
        let labels: Vec<String> = written_content(&multi)
            .into_iter()
            .map(|s| s.label)
            .collect();
        assert_eq!(labels, ["edits[0].new_string", "edits[1].new_string"]);
        assert_eq!(
            written_content(&json!({"content": "x"}))[0].label,
            "content"
        );
        assert_eq!(
            written_content(&json!({"new_source": "x"}))[0].label,
            "new_source"
        );
    }

    #[test]
    fn budget_cuts_in_order() {
        let sources = vec![
            Source {
                label: "a".into(),
                text: "12345",
            },
            Source {
                label: "b".into(),
                text: "6789",
            },
            Source {
                label: "c".into(),
                text: "0",
            },
        ];
        let (out, cut) = within_budget(sources.clone(), 7);
        assert!(cut);
        assert_eq!(
            out.iter().map(|s| s.text).collect::<Vec<_>>(),
            ["12345", "67"]
        );
        let (all, cut) = within_budget(sources, 100);
        assert!(!cut);
        assert_eq!(all.len(), 3);
        let (utf8, _) = within_budget(
            vec![Source {
                label: "u".into(),
                text: "éé",
            }],
            3,
        );
        assert_eq!(utf8[0].text, "é");
    }
}
