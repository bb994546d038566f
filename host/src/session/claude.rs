//! Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`), read tolerantly for
//! display: each line is a JSON object with a `type` (`user`, `assistant`, `summary`, `system`,
//! …), usually `timestamp`, `sessionId`, `uuid`, and for messages a `message` whose `content` is a
//! string or a list of blocks (`text`, `thinking`, `tool_use`, `tool_result`, …). Unknown types
//! and shapes are shown by name rather than rejected: the format is undocumented and changes.

use std::path::{Path, PathBuf};

use serde_json::{Value, value::RawValue};

use super::record::{Record, Timestamp};

/// Whether a first line looks like a Claude Code transcript rather than a cchost session
/// (which always ends its lines with a `crc` member).
pub fn looks_like_transcript(first_line: &[u8]) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(first_line) else {
        return false;
    };
    !map.contains_key("crc")
        && map.get("type").is_some_and(Value::is_string)
        && ["sessionId", "uuid", "leafUuid", "message", "summary"]
            .iter()
            .any(|k| map.contains_key(*k))
}

/// One transcript line as a record: `seq` is the line number, `kind` the line's `type`, `agent`
/// the subagent (`agentId`) of sidechain lines, `data` the whole line.
pub fn to_record(line_number: u64, line: &[u8]) -> Option<Record> {
    let text = std::str::from_utf8(line).ok()?;
    let value: Value = serde_json::from_str(text).ok()?;
    let map = value.as_object()?;
    let str_of = |key: &str| map.get(key).and_then(Value::as_str);
    let ts = str_of("timestamp")
        .and_then(Timestamp::parse_rfc3339)
        .unwrap_or(Timestamp(0));
    let agent = if map.get("isSidechain").and_then(Value::as_bool) == Some(true) {
        Some(str_of("agentId").unwrap_or("sidechain").to_string())
    } else {
        None
    };
    Some(Record {
        seq: line_number,
        ts,
        session: str_of("sessionId").unwrap_or("").to_string(),
        kind: str_of("type").unwrap_or("unknown").to_string(),
        agent,
        data: RawValue::from_string(text.trim().to_string()).ok()?,
        extra: Vec::new(),
    })
}

/// Longest text shown per message part unless the caller asks for everything.
pub const PREVIEW_CHARS: usize = 400;

/// Human-readable lines for one transcript line: who said what, tool calls and results.
pub fn render(data: &str, max_chars: usize) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<Value>(data) else {
        return vec!["(unreadable line)".to_string()];
    };
    let kind = value["type"].as_str().unwrap_or("unknown");
    let mut out = Vec::new();
    match kind {
        "user" | "assistant" => render_message(&value["message"], kind, max_chars, &mut out),
        "summary" => out.push(format!(
            "summary: {}",
            clip(value["summary"].as_str().unwrap_or(""), max_chars)
        )),
        "system" => out.push(format!(
            "system{}: {}",
            value["subtype"]
                .as_str()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            clip(value["content"].as_str().unwrap_or(""), max_chars)
        )),
        other => out.push(format!("[{other}]")),
    }
    if out.is_empty() {
        out.push(format!("{kind}: (empty)"));
    }
    out
}

fn render_message(message: &Value, role: &str, max_chars: usize, out: &mut Vec<String>) {
    match &message["content"] {
        Value::String(text) => out.push(format!("{role}: {}", clip(text, max_chars))),
        Value::Array(blocks) => {
            for block in blocks {
                let line = match block["type"].as_str().unwrap_or("") {
                    "text" => format!(
                        "{role}: {}",
                        clip(block["text"].as_str().unwrap_or(""), max_chars)
                    ),
                    "thinking" => format!(
                        "{role} (thinking): {}",
                        clip(block["thinking"].as_str().unwrap_or(""), max_chars)
                    ),
                    "tool_use" => format!(
                        "{role} → tool {} {}",
                        block["name"].as_str().unwrap_or("?"),
                        clip(&block["input"].to_string(), max_chars)
                    ),
                    "tool_result" => {
                        let text = match &block["content"] {
                            Value::String(s) => s.clone(),
                            Value::Array(parts) => parts
                                .iter()
                                .filter_map(|p| p["text"].as_str())
                                .collect::<Vec<_>>()
                                .join("\n"),
                            other => other.to_string(),
                        };
                        let error = if block["is_error"].as_bool() == Some(true) {
                            " (error)"
                        } else {
                            ""
                        };
                        format!("tool result{error}: {}", clip(&text, max_chars))
                    }
                    other => format!("{role}: [{other}]"),
                };
                out.push(line);
            }
        }
        Value::Null => {}
        other => out.push(format!("{role}: {}", clip(&other.to_string(), max_chars))),
    }
}

/// The first `max` characters on one line, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .take(max.saturating_add(1))
        .collect();
    if flat.chars().count() > max {
        let mut cut: String = flat.chars().take(max).collect();
        cut.push('…');
        cut
    } else {
        flat
    }
}

/// `~/.claude/projects/*/<id>.jsonl`, when such a transcript exists.
pub fn find_transcript(id: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let projects = Path::new(&home).join(".claude/projects");
    let file = format!("{id}.jsonl");
    std::fs::read_dir(projects)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join(&file))
        .find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{"parentUuid":null,"isSidechain":false,"type":"user","message":{"role":"user","content":"Please add a config file"},"uuid":"9ff2","timestamp":"2025-05-26T07:27:40.079Z","sessionId":"4f35"}"#;
    const ASSISTANT: &str = r#"{"type":"assistant","isSidechain":true,"agentId":"a74","message":{"role":"assistant","content":[{"type":"text","text":"Sure."},{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}},{"type":"server_thing"}]},"timestamp":"2025-05-26T07:27:41Z","sessionId":"4f35"}"#;
    const RESULT: &str = r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"a\nb","is_error":true}]},"sessionId":"4f35"}"#;

    #[test]
    fn transcripts_are_recognised_and_rendered() {
        assert!(looks_like_transcript(USER.as_bytes()));
        assert!(looks_like_transcript(
            br#"{"type":"summary","summary":"x","leafUuid":"y"}"#
        ));
        assert!(!looks_like_transcript(b"{\"seq\":1,\"crc\":\"00000000\"}"));
        assert!(!looks_like_transcript(b"garbage"));
        assert_eq!(render(USER, 100), ["user: Please add a config file"]);
        assert_eq!(
            render(ASSISTANT, 100),
            [
                "assistant: Sure.",
                "assistant → tool Bash {\"command\":\"ls\"}",
                "assistant: [server_thing]"
            ]
        );
        assert_eq!(render(RESULT, 100), ["tool result (error): a b"]);
        assert_eq!(
            render(r#"{"type":"file-history-snapshot"}"#, 100),
            ["[file-history-snapshot]"]
        );
        assert_eq!(clip("abcdef", 3), "abc…");
    }

    #[test]
    fn transcript_lines_become_records() {
        let record = to_record(2, ASSISTANT.as_bytes()).unwrap();
        assert_eq!(record.seq, 2);
        assert_eq!(record.kind, "assistant");
        assert_eq!(record.agent.as_deref(), Some("a74"));
        assert_eq!(record.session, "4f35");
        assert_eq!(
            record.ts,
            Timestamp::parse_rfc3339("2025-05-26T07:27:41Z").unwrap()
        );
        assert!(to_record(3, b"{not json").is_none());
    }
}
