//! What `cchost hook` writes back to Claude Code: exit code, stdout and stderr for a merged
//! answer, or for cchost itself failing.
//!
//! Every decision travels as JSON on stdout with exit code 0, the documented modern path.
//! Exit code 2 would carry a refusal too, but it makes Claude Code ignore stdout, losing
//! `updatedInput`, `additionalContext` and `systemMessage`; it is kept for when cchost
//! cannot produce an answer at all ([`render_error`]) and for WorktreeCreate, whose stdout
//! is not JSON.
//!
//! Fields are only emitted where Claude Code documents them for the event, so an older or
//! newer Claude Code never misreads one:
//!
//! * PreToolUse: `hookSpecificOutput.permissionDecision` (allow/deny/ask/defer) with
//!   `permissionDecisionReason`, `updatedInput`, `additionalContext`.
//! * PermissionRequest: `hookSpecificOutput.decision.behavior` allow (with `updatedInput`)
//!   or deny (with `message`). Ask and defer have no wire form there, so Claude Code's own
//!   permission dialog follows; their text, and an allow's, goes to `systemMessage`.
//! * PostToolUse, PostToolUseFailure, UserPromptSubmit, Stop, SubagentStop, ConfigChange:
//!   top-level `decision: "block"` with `reason`.
//! * PostToolUse, PostToolUseFailure, UserPromptSubmit, SessionStart, SubagentStart:
//!   `hookSpecificOutput.additionalContext`.
//! * Any event but WorktreeCreate: `systemMessage`. A block on an event that cannot be
//!   blocked (Notification, SessionStart, unknown events, …) is shown to the user there.
//!   Additional context on an event without a context channel is dropped.
//!
//! When there is nothing to say, stdout stays empty and the exit code is 0: Claude Code
//! then proceeds exactly as if no hook were configured.

use serde_json::{Map, Value, json};

use super::event::{KnownEvent, is_permission_event};
use super::merge::{MAX_OUTPUT_CHARS, Merged, Verdict, cap, join_capped};

/// The process result of `cchost hook`; `stdout` and `stderr` are written verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeReply {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl ClaudeReply {
    fn silent() -> Self {
        ClaudeReply {
            exit_code: 0,
            stdout: String::new(),
            stderr: String::new(),
        }
    }

    fn json(body: Map<String, Value>) -> Self {
        if body.is_empty() {
            return Self::silent();
        }
        ClaudeReply {
            exit_code: 0,
            stdout: format!("{}\n", Value::Object(body)),
            stderr: String::new(),
        }
    }
}

/// Renders the merged answer for `event_name`.
pub fn render(event_name: &str, merged: &Merged) -> ClaudeReply {
    match KnownEvent::from_name(event_name) {
        Some(KnownEvent::PreToolUse) => render_pre_tool_use(merged),
        Some(KnownEvent::PermissionRequest) => render_permission_request(merged),
        Some(KnownEvent::WorktreeCreate) => render_worktree_create(merged),
        known => render_other(known, merged),
    }
}

/// The reply when cchost cannot run the hooks at all (bad configuration, unreadable
/// payload, …). Permission events fail closed with exit 2, which Claude Code treats as a
/// refusal with stderr as the reason; so does an unknown event name, since it might be one.
/// Elsewhere exit 1, a non-blocking error: a broken cchost must not block every prompt or
/// keep a Stop hook from ever letting Claude stop.
pub fn render_error(event_name: Option<&str>, message: &str) -> ClaudeReply {
    let fail_closed = event_name.is_none_or(is_permission_event);
    ClaudeReply {
        exit_code: if fail_closed { 2 } else { 1 },
        stdout: String::new(),
        stderr: format!("{}\n", cap(message)),
    }
}

fn render_pre_tool_use(merged: &Merged) -> ClaudeReply {
    let event = KnownEvent::PreToolUse;
    let mut specific = Map::new();
    let (decision, reason) = match &merged.verdict {
        Verdict::None => (None, None),
        Verdict::Allow(reason) => (Some("allow"), reason.as_deref()),
        Verdict::Deny(reason) | Verdict::Block(reason) => (Some("deny"), Some(reason.as_str())),
        Verdict::Ask(reason) => (Some("ask"), Some(reason.as_str())),
        Verdict::Defer => (Some("defer"), None),
    };
    if let Some(decision) = decision {
        specific.insert("permissionDecision".into(), json!(decision));
    }
    if let Some(reason) = reason {
        specific.insert("permissionDecisionReason".into(), json!(cap(reason)));
    }
    let refused = matches!(merged.verdict, Verdict::Deny(_) | Verdict::Block(_));
    if let (Some(input), false) = (&merged.updated_input, refused) {
        specific.insert("updatedInput".into(), input.clone());
    }
    if let Some(context) = &merged.additional_context {
        specific.insert("additionalContext".into(), json!(cap(context)));
    }

    let mut body = Map::new();
    put_specific(&mut body, event, specific);
    put_system_message(&mut body, None, merged.system_message.as_deref());
    ClaudeReply::json(body)
}

fn render_permission_request(merged: &Merged) -> ClaudeReply {
    let event = KnownEvent::PermissionRequest;
    let mut decision = Map::new();
    let mut for_user = None;
    match &merged.verdict {
        Verdict::Allow(text) => {
            decision.insert("behavior".into(), json!("allow"));
            if let Some(input) = &merged.updated_input {
                decision.insert("updatedInput".into(), input.clone());
            }
            for_user = text.as_deref();
        }
        Verdict::Deny(reason) | Verdict::Block(reason) => {
            decision.insert("behavior".into(), json!("deny"));
            decision.insert("message".into(), json!(cap(reason)));
        }
        Verdict::Ask(reason) => for_user = Some(reason.as_str()),
        Verdict::None | Verdict::Defer => {}
    }

    let mut specific = Map::new();
    if !decision.is_empty() {
        specific.insert("decision".into(), Value::Object(decision));
    }
    let mut body = Map::new();
    put_specific(&mut body, event, specific);
    put_system_message(&mut body, for_user, merged.system_message.as_deref());
    ClaudeReply::json(body)
}

/// WorktreeCreate hooks answer with the new worktree's path on stdout and fail creation
/// with any non-zero exit, so JSON must never be printed there.
fn render_worktree_create(merged: &Merged) -> ClaudeReply {
    let messages: Vec<String> = [
        refusal_reason(&merged.verdict),
        merged.system_message.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::to_owned)
    .collect();
    let stderr = join_capped(&messages, "\n\n", MAX_OUTPUT_CHARS)
        .map(|text| format!("{text}\n"))
        .unwrap_or_default();
    ClaudeReply {
        exit_code: if refusal_reason(&merged.verdict).is_some() {
            2
        } else {
            0
        },
        stdout: String::new(),
        stderr,
    }
}

fn render_other(event: Option<KnownEvent>, merged: &Merged) -> ClaudeReply {
    let mut body = Map::new();
    let mut folded_reason = None;
    if let Some(reason) = refusal_reason(&merged.verdict) {
        if event.is_some_and(can_block) {
            body.insert("decision".into(), json!("block"));
            body.insert("reason".into(), json!(cap(reason)));
        } else {
            folded_reason = Some(reason);
        }
    }
    if let Some(event) = event.filter(|e| takes_context(*e)) {
        let mut specific = Map::new();
        if let Some(context) = &merged.additional_context {
            specific.insert("additionalContext".into(), json!(cap(context)));
        }
        put_specific(&mut body, event, specific);
    }
    put_system_message(&mut body, folded_reason, merged.system_message.as_deref());
    ClaudeReply::json(body)
}

fn refusal_reason(verdict: &Verdict) -> Option<&str> {
    match verdict {
        Verdict::Deny(reason) | Verdict::Block(reason) => Some(reason),
        _ => None,
    }
}

/// Events on which a top-level `decision: "block"` has an effect.
fn can_block(event: KnownEvent) -> bool {
    matches!(
        event,
        KnownEvent::PostToolUse
            | KnownEvent::PostToolUseFailure
            | KnownEvent::UserPromptSubmit
            | KnownEvent::Stop
            | KnownEvent::SubagentStop
            | KnownEvent::ConfigChange
    )
}

/// Non-permission events that accept `hookSpecificOutput.additionalContext`.
fn takes_context(event: KnownEvent) -> bool {
    matches!(
        event,
        KnownEvent::PostToolUse
            | KnownEvent::PostToolUseFailure
            | KnownEvent::UserPromptSubmit
            | KnownEvent::SessionStart
            | KnownEvent::SubagentStart
    )
}

/// Adds `hookSpecificOutput` unless it would carry nothing but the event name.
fn put_specific(
    body: &mut Map<String, Value>,
    event: KnownEvent,
    mut specific: Map<String, Value>,
) {
    if specific.is_empty() {
        return;
    }
    specific.insert("hookEventName".into(), json!(event.name()));
    body.insert("hookSpecificOutput".into(), Value::Object(specific));
}

fn put_system_message(body: &mut Map<String, Value>, first: Option<&str>, rest: Option<&str>) {
    let parts: Vec<String> = [first, rest]
        .into_iter()
        .flatten()
        .filter(|text| !text.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(message) = join_capped(&parts, "\n\n", MAX_OUTPUT_CHARS) {
        body.insert("systemMessage".into(), json!(message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(verdict: Verdict) -> Merged {
        Merged {
            verdict,
            updated_input: None,
            additional_context: None,
            system_message: None,
        }
    }

    fn full(verdict: Verdict) -> Merged {
        Merged {
            verdict,
            updated_input: Some(json!({"command": "ls -la"})),
            additional_context: Some("context for the model".into()),
            system_message: Some("note for the user".into()),
        }
    }

    fn parsed(reply: &ClaudeReply) -> Value {
        assert_eq!(reply.exit_code, 0, "{reply:?}");
        assert!(reply.stderr.is_empty(), "{reply:?}");
        assert!(
            reply.stdout.starts_with('{') && reply.stdout.ends_with('\n'),
            "{reply:?}"
        );
        match serde_json::from_str(&reply.stdout) {
            Ok(value) => value,
            Err(e) => panic!("stdout is not JSON ({e}): {}", reply.stdout),
        }
    }

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn nothing_to_say_is_silent_everywhere() {
        let events = KnownEvent::ALL.map(KnownEvent::name);
        for event in events.iter().copied().chain(["Unknown", ""]) {
            let reply = render(event, &merged(Verdict::None));
            assert_eq!(reply, ClaudeReply::silent(), "{event}");
        }
    }

    #[test]
    fn pre_tool_use_decisions() {
        let cases = [
            (Verdict::Allow(Some("safe".into())), "allow", Some("safe")),
            (Verdict::Allow(None), "allow", None),
            (Verdict::Deny("no".into()), "deny", Some("no")),
            (Verdict::Block("blocked".into()), "deny", Some("blocked")),
            (Verdict::Ask("sure?".into()), "ask", Some("sure?")),
            (Verdict::Defer, "defer", None),
        ];
        for (verdict, decision, reason) in cases {
            let out = parsed(&render("PreToolUse", &merged(verdict)));
            let specific = &out["hookSpecificOutput"];
            assert_eq!(keys(&out), ["hookSpecificOutput"]);
            assert_eq!(specific["hookEventName"], "PreToolUse");
            assert_eq!(specific["permissionDecision"], decision);
            assert_eq!(specific["permissionDecisionReason"].as_str(), reason);
            assert!(specific.get("updatedInput").is_none());
            assert!(out.get("decision").is_none());
        }
    }

    #[test]
    fn pre_tool_use_full_allow() {
        let out = parsed(&render(
            "PreToolUse",
            &full(Verdict::Allow(Some("ok".into()))),
        ));
        assert_eq!(
            out,
            json!({
                "hookSpecificOutput": {
                    "hookEventName": "PreToolUse",
                    "permissionDecision": "allow",
                    "permissionDecisionReason": "ok",
                    "updatedInput": {"command": "ls -la"},
                    "additionalContext": "context for the model"
                },
                "systemMessage": "note for the user"
            })
        );
    }

    #[test]
    fn pre_tool_use_deny_never_rewrites() {
        let out = parsed(&render("PreToolUse", &full(Verdict::Deny("no".into()))));
        assert!(out["hookSpecificOutput"].get("updatedInput").is_none());
        assert_eq!(out["hookSpecificOutput"]["permissionDecision"], "deny");
    }

    #[test]
    fn pre_tool_use_without_decision() {
        let out = parsed(&render("PreToolUse", &full(Verdict::None)));
        let specific = &out["hookSpecificOutput"];
        assert!(specific.get("permissionDecision").is_none());
        assert!(specific.get("permissionDecisionReason").is_none());
        assert_eq!(specific["updatedInput"], json!({"command": "ls -la"}));

        let only_message = Merged {
            system_message: Some("hi".into()),
            ..merged(Verdict::None)
        };
        let out = parsed(&render("PreToolUse", &only_message));
        assert_eq!(out, json!({"systemMessage": "hi"}));
    }

    #[test]
    fn permission_request_allow_and_deny() {
        let out = parsed(&render(
            "PermissionRequest",
            &full(Verdict::Allow(Some("trusted".into()))),
        ));
        assert_eq!(
            out,
            json!({
                "hookSpecificOutput": {
                    "hookEventName": "PermissionRequest",
                    "decision": {"behavior": "allow", "updatedInput": {"command": "ls -la"}}
                },
                "systemMessage": "trusted\n\nnote for the user"
            })
        );

        for verdict in [Verdict::Deny("nope".into()), Verdict::Block("nope".into())] {
            let out = parsed(&render("PermissionRequest", &full(verdict)));
            assert_eq!(
                out["hookSpecificOutput"],
                json!({"hookEventName": "PermissionRequest",
                       "decision": {"behavior": "deny", "message": "nope"}})
            );
        }
    }

    #[test]
    fn permission_request_ask_and_defer_leave_the_dialog() {
        let out = parsed(&render(
            "PermissionRequest",
            &merged(Verdict::Ask("check the path".into())),
        ));
        assert_eq!(out, json!({"systemMessage": "check the path"}));
        assert_eq!(
            render("PermissionRequest", &merged(Verdict::Defer)),
            ClaudeReply::silent()
        );
        let out = parsed(&render("PermissionRequest", &full(Verdict::Defer)));
        assert_eq!(out, json!({"systemMessage": "note for the user"}));
    }

    #[test]
    fn block_on_blockable_events() {
        for event in [
            "PostToolUse",
            "PostToolUseFailure",
            "UserPromptSubmit",
            "Stop",
            "SubagentStop",
            "ConfigChange",
        ] {
            for verdict in [
                Verdict::Block("fix it".into()),
                Verdict::Deny("fix it".into()),
            ] {
                let out = parsed(&render(event, &merged(verdict)));
                assert_eq!(
                    out,
                    json!({"decision": "block", "reason": "fix it"}),
                    "{event}"
                );
            }
        }
    }

    #[test]
    fn block_with_context() {
        for event in ["PostToolUse", "UserPromptSubmit"] {
            let out = parsed(&render(event, &full(Verdict::Block("lint failed".into()))));
            assert_eq!(
                out,
                json!({
                    "decision": "block",
                    "reason": "lint failed",
                    "hookSpecificOutput": {"hookEventName": event, "additionalContext": "context for the model"},
                    "systemMessage": "note for the user"
                }),
                "{event}"
            );
        }
    }

    #[test]
    fn context_only_events() {
        for event in ["SessionStart", "SubagentStart", "PostToolUseFailure"] {
            let reply = render(event, &full(Verdict::None));
            let out = parsed(&reply);
            assert_eq!(out["hookSpecificOutput"]["hookEventName"], event);
            assert_eq!(
                out["hookSpecificOutput"]["additionalContext"],
                "context for the model"
            );
            assert!(out["hookSpecificOutput"].get("updatedInput").is_none());
            assert!(out.get("decision").is_none());
        }
    }

    #[test]
    fn stop_has_no_context_channel() {
        let out = parsed(&render("Stop", &full(Verdict::Block("keep going".into()))));
        assert_eq!(
            out,
            json!({"decision": "block", "reason": "keep going", "systemMessage": "note for the user"})
        );
    }

    #[test]
    fn unblockable_events_show_the_reason_to_the_user() {
        for event in [
            "Notification",
            "SessionStart",
            "SessionEnd",
            "PreCompact",
            "Setup",
        ] {
            let out = parsed(&render(event, &merged(Verdict::Block("[h] nope".into()))));
            assert_eq!(out, json!({"systemMessage": "[h] nope"}), "{event}");
        }
    }

    #[test]
    fn unknown_events_only_get_a_system_message() {
        let out = parsed(&render("TeammateIdle", &full(Verdict::Block("why".into()))));
        assert_eq!(out, json!({"systemMessage": "why\n\nnote for the user"}));
        let out = parsed(&render(
            "TeammateIdle",
            &full(Verdict::Allow(Some("x".into()))),
        ));
        assert_eq!(out, json!({"systemMessage": "note for the user"}));
        assert_eq!(
            render(
                "TeammateIdle",
                &Merged {
                    additional_context: Some("c".into()),
                    ..merged(Verdict::Ask("q".into()))
                }
            ),
            ClaudeReply::silent()
        );
    }

    #[test]
    fn permission_verdicts_mean_nothing_elsewhere() {
        for verdict in [
            Verdict::Allow(Some("a".into())),
            Verdict::Ask("q".into()),
            Verdict::Defer,
        ] {
            assert_eq!(
                render("PostToolUse", &merged(verdict)),
                ClaudeReply::silent()
            );
        }
    }

    #[test]
    fn worktree_create_never_prints_json() {
        let reply = render(
            "WorktreeCreate",
            &full(Verdict::Block("no worktrees".into())),
        );
        assert_eq!(reply.exit_code, 2);
        assert!(reply.stdout.is_empty());
        assert_eq!(reply.stderr, "no worktrees\n\nnote for the user\n");
        let reply = render("WorktreeCreate", &full(Verdict::Allow(None)));
        assert_eq!(reply.exit_code, 0);
        assert!(reply.stdout.is_empty());
        assert_eq!(reply.stderr, "note for the user\n");
    }

    #[test]
    fn rendered_strings_are_capped() {
        let long = "ü".repeat(MAX_OUTPUT_CHARS + 5);
        let m = Merged {
            verdict: Verdict::Deny(long.clone()),
            updated_input: None,
            additional_context: Some(long.clone()),
            system_message: Some(long.clone()),
        };
        let out = parsed(&render("PreToolUse", &m));
        for text in [
            &out["hookSpecificOutput"]["permissionDecisionReason"],
            &out["hookSpecificOutput"]["additionalContext"],
            &out["systemMessage"],
        ] {
            assert_eq!(
                text.as_str().map(|t| t.chars().count()),
                Some(MAX_OUTPUT_CHARS)
            );
        }
        let reply = render_error(Some("PreToolUse"), &long);
        assert_eq!(reply.stderr.trim_end().chars().count(), MAX_OUTPUT_CHARS);
    }

    #[test]
    fn errors_fail_closed_on_permission_events() {
        for event in [Some("PreToolUse"), Some("PermissionRequest"), None] {
            let reply = render_error(event, "bad config: line 3");
            assert_eq!(reply.exit_code, 2, "{event:?}");
            assert!(reply.stdout.is_empty());
            assert_eq!(reply.stderr, "bad config: line 3\n");
        }
        for event in [
            "PostToolUse",
            "Stop",
            "UserPromptSubmit",
            "SessionStart",
            "Unknown",
        ] {
            let reply = render_error(Some(event), "bad config");
            assert_eq!(reply.exit_code, 1, "{event}");
            assert!(reply.stdout.is_empty());
        }
    }

    #[test]
    fn merge_then_render_end_to_end() {
        use super::super::merge::{HookOutcome, merge};
        let original = json!({"command": "rm -rf build", "description": "clean"});
        let outcomes = vec![
            HookOutcome {
                updated_input: Some(json!({"command": "rm -rf ./build", "description": "clean"})),
                ..HookOutcome::new("normalise", Verdict::Allow(None))
            },
            HookOutcome::new(
                "guard-commands",
                Verdict::Ask("rm -rf needs a human".into()),
            ),
        ];
        let reply = render(
            "PreToolUse",
            &merge("PreToolUse", Some(&original), outcomes),
        );
        let out = parsed(&reply);
        assert_eq!(out["hookSpecificOutput"]["permissionDecision"], "ask");
        assert_eq!(
            out["hookSpecificOutput"]["permissionDecisionReason"],
            "[guard-commands] rm -rf needs a human"
        );
        assert_eq!(
            out["hookSpecificOutput"]["updatedInput"]["command"],
            "rm -rf ./build"
        );
    }
}
