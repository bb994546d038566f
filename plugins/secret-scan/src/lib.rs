//! secret-scan: a hook that keeps credentials out of prompts, tool output and written files.
//!
//! This module owns only the hook glue: which events are scanned (UserPromptSubmit prompts,
//! PostToolUse inputs and responses, PreToolUse content about to be written), the scan budget,
//! and turning a verdict into a response. Detection lives in `detect`, the allowlist in
//! `allow`, the texts to scan in `sources`, settings in `config` and messages in `report`.

pub mod allow;
pub mod config;
pub mod detect;
pub mod report;
pub mod sources;

use cchost_sdk::serde_json::{self, Value};
use cchost_sdk::{Event, Hook, Response, export_hook, log, settings};

use crate::config::{Scanner, Settings};
use crate::report::{Surface, Verdict};
use crate::sources::Source;

/// Tools whose PreToolUse input is content about to be written.
pub const WRITE_TOOLS: [&str; 4] = ["Write", "Edit", "MultiEdit", "NotebookEdit"];

struct SecretScan;

impl Hook for SecretScan {
    fn handle(event: Event) -> Result<Response, String> {
        let Some(surface) = surface(&event) else {
            return Ok(Response::none());
        };
        let scanner = settings::all::<Settings>()?.scanner()?;
        let (verdict, cut) = evaluate(&event, &surface, &scanner);
        if cut {
            log::debug(&format!(
                "secret-scan: scanned only the first {} bytes",
                scanner.max_scan_bytes
            ));
        }
        Ok(match verdict {
            None => Response::none(),
            Some(Verdict::Block { reason, context }) => {
                log::info(&reason);
                let response = Response::block(reason);
                match context {
                    Some(context) => response.with_context(context),
                    None => response,
                }
            }
            Some(Verdict::Deny { reason }) => {
                log::info(&reason);
                Response::deny(reason)
            }
            Some(Verdict::Warn { message, context }) => {
                log::info(&message);
                Response::none()
                    .with_system_message(message)
                    .with_context(context)
            }
        })
    }
}

/// What the event's text is about to become, or `None` for events this hook ignores.
pub fn surface(event: &Event) -> Option<Surface> {
    let tool = event.tool_name().unwrap_or("tool").to_string();
    match event.name() {
        "UserPromptSubmit" if event.prompt().is_some() => Some(Surface::Prompt),
        // The content of a write was scanned before it happened, and the file it changed was
        // scanned when it was read: the write's own response would only repeat findings.
        "PostToolUse" if !WRITE_TOOLS.contains(&tool.as_str()) => {
            Some(Surface::ToolOutput { tool })
        }
        "PreToolUse" if WRITE_TOOLS.contains(&tool.as_str()) => Some(Surface::Write {
            file: ["file_path", "notebook_path"]
                .iter()
                .find_map(|k| event.input_str(k))
                .map(str::to_string),
            tool,
        }),
        _ => None,
    }
}

/// Scans the event's texts for `surface`; also says whether the budget cut the scan short.
pub fn evaluate(event: &Event, surface: &Surface, scanner: &Scanner) -> (Option<Verdict>, bool) {
    // The tool response is parsed only when it fits the budget; a longer one is scanned as
    // raw text up to the budget.
    let response_text = event.tool_response().unwrap_or_default();
    let response: Option<Value> = (matches!(surface, Surface::ToolOutput { .. })
        && response_text.len() <= scanner.max_scan_bytes)
        .then(|| serde_json::from_str(response_text).ok())
        .flatten();
    let sources = collect(event, surface, response.as_ref(), response_text);
    let (sources, cut) = sources::within_budget(sources, scanner.max_scan_bytes);
    let found = scanner.scan(&sources);
    (report::verdict(surface, scanner.mode, &found), cut)
}

/// The texts to scan for `surface`, in priority order.
fn collect<'a>(
    event: &'a Event,
    surface: &Surface,
    response: Option<&'a Value>,
    response_text: &'a str,
) -> Vec<Source<'a>> {
    match surface {
        Surface::Prompt => vec![Source {
            label: "prompt".to_string(),
            text: event.prompt().unwrap_or_default(),
        }],
        Surface::Write { .. } => sources::written_content(event.tool_input()),
        Surface::ToolOutput { .. } => {
            let mut out = Vec::new();
            match response {
                Some(value) => sources::json_strings("tool_response", value, &mut out),
                None if !response_text.is_empty() => out.push(Source {
                    label: "tool_response".to_string(),
                    text: response_text,
                }),
                None => {}
            }
            sources::json_strings("tool_input", event.tool_input(), &mut out);
            out
        }
    }
}

export_hook!(SecretScan);

#[cfg(test)]
mod tests {
    use super::*;
    use cchost_sdk::HookEvent;
    use cchost_sdk::serde_json::json;

    const TOKEN: &str = concat!("ghp_", "R8kq2Vx9LmT4bZp7Nw3Hj6Fd1Gs5Ay0Ce2Qu");

    fn event(
        name: &str,
        tool: Option<&str>,
        input: Option<Value>,
        response: Option<&str>,
        prompt: Option<&str>,
    ) -> Event {
        Event::new(HookEvent {
            name: name.to_string(),
            session_id: None,
            cwd: Some("/proj".to_string()),
            tool_name: tool.map(str::to_string),
            tool_input: input.map(|v| v.to_string()),
            tool_response: response.map(str::to_string),
            prompt: prompt.map(str::to_string),
            raw: "{}".to_string(),
        })
    }

    fn scanner(settings: Value) -> Scanner {
        serde_json::from_value::<Settings>(settings)
            .unwrap()
            .scanner()
            .unwrap()
    }

    fn run(event: &Event, settings: Value) -> Option<Verdict> {
        let surface = surface(event)?;
        evaluate(event, &surface, &scanner(settings)).0
    }

    #[test]
    fn ignored_events() {
        assert_eq!(surface(&event("Stop", None, None, None, None)), None);
        assert_eq!(
            surface(&event(
                "PreToolUse",
                Some("Bash"),
                Some(json!({"command": TOKEN})),
                None,
                None
            )),
            None
        );
        assert_eq!(
            surface(&event(
                "PreToolUse",
                Some("Read"),
                Some(json!({"file_path": "/x"})),
                None,
                None
            )),
            None
        );
        assert_eq!(
            surface(&event("UserPromptSubmit", None, None, None, None)),
            None
        );
        let edit = json!({"file_path": "/x", "old_string": TOKEN, "new_string": ""});
        assert_eq!(
            surface(&event(
                "PostToolUse",
                Some("Edit"),
                Some(edit),
                Some("{}"),
                None
            )),
            None
        );
    }

    #[test]
    fn prompt_is_blocked() {
        let e = event(
            "UserPromptSubmit",
            None,
            None,
            None,
            Some(&format!("use {TOKEN} please")),
        );
        let Some(Verdict::Block { reason, .. }) = run(&e, json!({})) else {
            panic!()
        };
        assert!(
            reason.contains("github-token in prompt line 1 (ghp_…Qu)"),
            "{reason}"
        );
        assert!(!reason.contains(TOKEN));
    }

    #[test]
    fn tool_output_is_scanned_by_json_string() {
        let response =
            json!({"stdout": format!("a\nb\nGITHUB_TOKEN={TOKEN}\n"), "stderr": ""}).to_string();
        let e = event(
            "PostToolUse",
            Some("Bash"),
            Some(json!({"command": "env"})),
            Some(&response),
            None,
        );
        let Some(Verdict::Block {
            reason,
            context: Some(context),
        }) = run(&e, json!({}))
        else {
            panic!()
        };
        assert!(reason.contains("tool_response.stdout line 3"), "{reason}");
        assert!(context.contains("Do not repeat"));
        assert!(!reason.contains(TOKEN) && !context.contains(TOKEN));
    }

    #[test]
    fn tool_input_is_scanned_after_output() {
        let command = format!("curl -H 'Authorization: token {TOKEN}' https://api.github.com");
        let e = event(
            "PostToolUse",
            Some("Bash"),
            Some(json!({"command": command})),
            Some("{\"stdout\":\"ok\"}"),
            None,
        );
        let Some(Verdict::Block { reason, .. }) = run(&e, json!({})) else {
            panic!()
        };
        assert!(reason.contains("tool_input.command line 1"), "{reason}");
    }

    #[test]
    fn unparsable_or_oversized_output_is_scanned_raw() {
        let raw = format!("plain text {TOKEN}");
        let e = event("PostToolUse", Some("mcp__x__y"), None, Some(&raw), None);
        let Some(Verdict::Block { reason, .. }) = run(&e, json!({})) else {
            panic!()
        };
        assert!(reason.contains("in tool_response line 1"), "{reason}");
        // Larger than the budget: not parsed, and the secret beyond the budget is not seen.
        let big = json!({"stdout": format!("{}{TOKEN}", "x".repeat(200))}).to_string();
        let e = event("PostToolUse", Some("Bash"), None, Some(&big), None);
        let (verdict, cut) = evaluate(
            &e,
            &surface(&e).unwrap(),
            &scanner(json!({"max_scan_bytes": 100})),
        );
        assert!(cut);
        assert_eq!(verdict, None);
    }

    #[test]
    fn writes_are_denied() {
        let input = json!({"file_path": "/proj/config.py", "content": format!("x = 1\nTOKEN = \"{TOKEN}\"\n")});
        let e = event("PreToolUse", Some("Write"), Some(input), None, None);
        let Some(Verdict::Deny { reason }) = run(&e, json!({})) else {
            panic!()
        };
        assert!(
            reason.contains("into `/proj/config.py`") && reason.contains("content line 2"),
            "{reason}"
        );
        let multi =
            json!({"file_path": "/proj/a", "edits": [{"old_string": TOKEN, "new_string": "gone"}]});
        let e = event("PreToolUse", Some("MultiEdit"), Some(multi), None, None);
        assert_eq!(run(&e, json!({})), None, "old_string is not written");
    }

    #[test]
    fn warn_mode() {
        let e = event("UserPromptSubmit", None, None, None, Some(TOKEN));
        let Some(Verdict::Warn { message, context }) = run(&e, json!({"mode": "warn"})) else {
            panic!()
        };
        assert!(message.contains("possible secret in the prompt"));
        assert!(context.contains("Do not repeat"));
    }

    #[test]
    fn clean_events_pass() {
        let e = event(
            "UserPromptSubmit",
            None,
            None,
            None,
            Some("please refactor the parser"),
        );
        assert_eq!(run(&e, json!({})), None);
        let e = event(
            "PostToolUse",
            Some("Read"),
            None,
            Some("{\"file\":{\"content\":\"fn main() {}\"}}"),
            None,
        );
        assert_eq!(run(&e, json!({})), None);
    }
}
