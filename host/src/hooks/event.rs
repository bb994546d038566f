//! Parsing the JSON payload Claude Code writes to a hook's stdin, and the catalogue of
//! hook events cchost knows about: which field a matcher is compared with, and which
//! events carry a permission decision.
//!
//! The payload is kept whole (`HookInput::raw`) so that events and fields this version
//! does not know about still reach the plugins unchanged; the accessors only read it.

use anyhow::{Context, bail};
use serde_json::{Map, Value};

/// One hook invocation as received from Claude Code.
#[derive(Debug, Clone, PartialEq)]
pub struct HookInput {
    /// The event this invocation is for, e.g. `PreToolUse`. Unknown names are kept as-is.
    pub event_name: String,
    /// The payload exactly as parsed; never rewritten, not even `hook_event_name`.
    pub raw: Map<String, Value>,
}

impl HookInput {
    /// Parses a hook payload.
    ///
    /// `event_arg` is the event name given on cchost's command line. It wins over the
    /// payload's `hook_event_name` because the settings entry that passes it was written for
    /// one event on purpose; the payload is still kept untouched so plugins see what Claude
    /// Code sent. Old payload shapes (no `transcript_path`, `permission_mode`,
    /// `tool_use_id`, …) are accepted: only the event name is required.
    pub fn parse(stdin: &[u8], event_arg: Option<&str>) -> anyhow::Result<HookInput> {
        // Editors on some systems prepend a BOM; serde_json rejects it.
        let bytes = stdin.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(stdin);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            bail!("hook payload is not a JSON object: stdin is empty");
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| anyhow::anyhow!("hook payload is not a JSON object: {e}"))?;
        let raw = match value {
            Value::Object(map) => map,
            other => bail!(
                "hook payload is not a JSON object: got {}",
                json_kind(&other)
            ),
        };

        let from_arg = event_arg.map(str::trim).filter(|s| !s.is_empty());
        let event_name = match from_arg {
            Some(name) => name.to_owned(),
            None => event_name_from_payload(&raw)?,
        };
        Ok(HookInput { event_name, raw })
    }

    /// The event, when it is one this version knows.
    pub fn known_event(&self) -> Option<KnownEvent> {
        KnownEvent::from_name(&self.event_name)
    }

    /// What matchers are compared with for this invocation; `None` when the event has no
    /// subject (or is unknown, or the payload lacks the field), in which case every hook
    /// configured for the event runs.
    pub fn matcher_subject(&self) -> Option<&str> {
        self.known_event()?.matcher_subject(self)
    }

    /// A top-level field, when it is a string.
    pub fn str_field(&self, key: &str) -> Option<&str> {
        self.raw.get(key).and_then(Value::as_str)
    }

    /// A top-level field of any type; JSON `null` counts as absent.
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.raw.get(key).filter(|v| !v.is_null())
    }

    pub fn session_id(&self) -> Option<&str> {
        self.str_field("session_id")
    }

    pub fn cwd(&self) -> Option<&str> {
        self.str_field("cwd")
    }

    pub fn tool_name(&self) -> Option<&str> {
        self.str_field("tool_name")
    }

    pub fn tool_input(&self) -> Option<&Value> {
        self.field("tool_input")
    }

    pub fn tool_response(&self) -> Option<&Value> {
        self.field("tool_response")
    }

    pub fn prompt(&self) -> Option<&str> {
        self.str_field("prompt")
    }

    /// `tool_input` as JSON text, the form the WIT `hook-event` record carries.
    pub fn tool_input_json(&self) -> Option<String> {
        self.tool_input().map(Value::to_string)
    }

    /// `tool_response` as JSON text, the form the WIT `hook-event` record carries.
    pub fn tool_response_json(&self) -> Option<String> {
        self.tool_response().map(Value::to_string)
    }

    /// The whole payload as JSON text, for the WIT `hook-event.raw` field.
    pub fn raw_json(&self) -> String {
        // Display on a Value cannot fail: every key is a string.
        Value::Object(self.raw.clone()).to_string()
    }
}

fn event_name_from_payload(raw: &Map<String, Value>) -> anyhow::Result<String> {
    let value = raw
        .get("hook_event_name")
        .context("hook payload has no `hook_event_name` field and no event name was given on the command line")?;
    match value.as_str().map(str::trim) {
        Some(name) if !name.is_empty() => Ok(name.to_owned()),
        Some(_) => bail!("hook payload field `hook_event_name` is empty"),
        None => bail!(
            "hook payload field `hook_event_name` is not a string: got {}",
            json_kind(value)
        ),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The hook events this version understands. Anything else is passed through as a plain
/// name: it reaches plugins, runs every configured hook, and never gets a decision field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KnownEvent {
    PreToolUse,
    PermissionRequest,
    PostToolUse,
    PostToolUseFailure,
    UserPromptSubmit,
    Notification,
    Stop,
    SubagentStart,
    SubagentStop,
    PreCompact,
    PostCompact,
    SessionStart,
    SessionEnd,
    Setup,
    ConfigChange,
    WorktreeCreate,
}

impl KnownEvent {
    pub const ALL: [KnownEvent; 16] = [
        KnownEvent::PreToolUse,
        KnownEvent::PermissionRequest,
        KnownEvent::PostToolUse,
        KnownEvent::PostToolUseFailure,
        KnownEvent::UserPromptSubmit,
        KnownEvent::Notification,
        KnownEvent::Stop,
        KnownEvent::SubagentStart,
        KnownEvent::SubagentStop,
        KnownEvent::PreCompact,
        KnownEvent::PostCompact,
        KnownEvent::SessionStart,
        KnownEvent::SessionEnd,
        KnownEvent::Setup,
        KnownEvent::ConfigChange,
        KnownEvent::WorktreeCreate,
    ];

    /// Exact, case-sensitive: Claude Code's event names are case-sensitive in settings too.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            KnownEvent::PreToolUse => "PreToolUse",
            KnownEvent::PermissionRequest => "PermissionRequest",
            KnownEvent::PostToolUse => "PostToolUse",
            KnownEvent::PostToolUseFailure => "PostToolUseFailure",
            KnownEvent::UserPromptSubmit => "UserPromptSubmit",
            KnownEvent::Notification => "Notification",
            KnownEvent::Stop => "Stop",
            KnownEvent::SubagentStart => "SubagentStart",
            KnownEvent::SubagentStop => "SubagentStop",
            KnownEvent::PreCompact => "PreCompact",
            KnownEvent::PostCompact => "PostCompact",
            KnownEvent::SessionStart => "SessionStart",
            KnownEvent::SessionEnd => "SessionEnd",
            KnownEvent::Setup => "Setup",
            KnownEvent::ConfigChange => "ConfigChange",
            KnownEvent::WorktreeCreate => "WorktreeCreate",
        }
    }

    /// The payload field matchers are compared with, or `None` for events whose matchers
    /// Claude Code ignores.
    pub fn subject_field(self) -> Option<&'static str> {
        match self {
            KnownEvent::PreToolUse
            | KnownEvent::PermissionRequest
            | KnownEvent::PostToolUse
            | KnownEvent::PostToolUseFailure => Some("tool_name"),
            KnownEvent::SessionStart => Some("source"),
            KnownEvent::SessionEnd => Some("reason"),
            KnownEvent::PreCompact | KnownEvent::PostCompact => Some("trigger"),
            KnownEvent::Notification => Some("notification_type"),
            KnownEvent::SubagentStart | KnownEvent::SubagentStop => Some("agent_type"),
            KnownEvent::UserPromptSubmit
            | KnownEvent::Stop
            | KnownEvent::Setup
            | KnownEvent::ConfigChange
            | KnownEvent::WorktreeCreate => None,
        }
    }

    /// What a matcher is compared with for this event in `input`. `None` means "no
    /// subject": the event has none, or this (possibly older) payload lacks the field.
    pub fn matcher_subject<'a>(&self, input: &'a HookInput) -> Option<&'a str> {
        input.str_field(self.subject_field()?)
    }

    /// Whether the event takes a permission decision (allow/deny/ask/defer) rather than a
    /// block.
    pub fn is_permission(self) -> bool {
        matches!(self, KnownEvent::PreToolUse | KnownEvent::PermissionRequest)
    }
}

/// Whether `name` is an event that takes a permission decision: these fail closed.
pub fn is_permission_event(name: &str) -> bool {
    KnownEvent::from_name(name).is_some_and(KnownEvent::is_permission)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> anyhow::Result<HookInput> {
        HookInput::parse(s.as_bytes(), None)
    }

    #[test]
    fn parses_modern_pre_tool_use() {
        let input = parse(
            r#"{"session_id":"abc","transcript_path":"/t.jsonl","cwd":"/p",
                "hook_event_name":"PreToolUse","permission_mode":"default",
                "tool_name":"Bash","tool_input":{"command":"ls"},"tool_use_id":"toolu_1"}"#,
        )
        .expect("valid payload");
        assert_eq!(input.event_name, "PreToolUse");
        assert_eq!(input.session_id(), Some("abc"));
        assert_eq!(input.cwd(), Some("/p"));
        assert_eq!(input.tool_name(), Some("Bash"));
        assert_eq!(input.tool_input(), Some(&json!({"command": "ls"})));
        assert_eq!(
            input.tool_input_json().as_deref(),
            Some(r#"{"command":"ls"}"#)
        );
        assert_eq!(input.tool_response(), None);
        assert_eq!(input.str_field("tool_use_id"), Some("toolu_1"));
        assert_eq!(input.known_event(), Some(KnownEvent::PreToolUse));
        assert_eq!(input.matcher_subject(), Some("Bash"));
    }

    #[test]
    fn accepts_old_minimal_payload() {
        let input = parse(
            r#"{"hook_event_name":"PostToolUse","tool_name":"Edit","tool_response":{"ok":true}}"#,
        )
        .expect("old payload");
        assert_eq!(input.session_id(), None);
        assert_eq!(input.str_field("transcript_path"), None);
        assert_eq!(input.tool_response(), Some(&json!({"ok": true})));
        assert_eq!(
            input.tool_response_json().as_deref(),
            Some(r#"{"ok":true}"#)
        );
    }

    #[test]
    fn null_fields_are_absent() {
        let input = parse(r#"{"hook_event_name":"PreToolUse","tool_input":null,"cwd":null}"#)
            .expect("valid");
        assert_eq!(input.tool_input(), None);
        assert_eq!(input.cwd(), None);
    }

    #[test]
    fn non_string_field_is_not_a_string() {
        let input = parse(r#"{"hook_event_name":"UserPromptSubmit","prompt":42}"#).expect("valid");
        assert_eq!(input.prompt(), None);
        assert_eq!(input.field("prompt"), Some(&json!(42)));
    }

    #[test]
    fn argument_wins_but_raw_is_untouched() {
        let input = HookInput::parse(br#"{"hook_event_name":"PostToolUse"}"#, Some("PreToolUse"))
            .expect("valid");
        assert_eq!(input.event_name, "PreToolUse");
        assert_eq!(input.str_field("hook_event_name"), Some("PostToolUse"));
    }

    #[test]
    fn argument_alone_is_enough() {
        let input = HookInput::parse(br#"{"tool_name":"Bash"}"#, Some(" Stop ")).expect("valid");
        assert_eq!(input.event_name, "Stop");
        assert!(!input.raw.contains_key("hook_event_name"));
    }

    #[test]
    fn blank_argument_falls_back_to_payload() {
        let input = HookInput::parse(br#"{"hook_event_name":"Stop"}"#, Some("  ")).expect("valid");
        assert_eq!(input.event_name, "Stop");
    }

    #[test]
    fn missing_event_name_is_an_error_naming_the_field() {
        let err = parse(r#"{"tool_name":"Bash"}"#).expect_err("no event");
        assert!(err.to_string().contains("hook_event_name"), "{err}");
    }

    #[test]
    fn non_string_event_name_is_an_error() {
        let err = parse(r#"{"hook_event_name":7}"#).expect_err("bad event");
        assert!(err.to_string().contains("not a string"), "{err}");
        let err = parse(r#"{"hook_event_name":""}"#).expect_err("empty event");
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn malformed_json_reports_position() {
        let err = parse("{\"hook_event_name\": \"Stop\",\n  oops}").expect_err("bad json");
        let msg = err.to_string();
        assert!(
            msg.starts_with("hook payload is not a JSON object: "),
            "{msg}"
        );
        assert!(msg.contains("line 2 column"), "{msg}");
    }

    #[test]
    fn non_object_json_is_rejected() {
        for (text, kind) in [
            ("[1]", "an array"),
            ("\"x\"", "a string"),
            ("null", "null"),
            ("3", "a number"),
        ] {
            let err = parse(text).expect_err("not an object");
            let msg = err.to_string();
            assert!(
                msg.starts_with("hook payload is not a JSON object"),
                "{msg}"
            );
            assert!(msg.contains(kind), "{msg}");
        }
    }

    #[test]
    fn empty_and_garbage_input_are_errors() {
        assert!(parse("").is_err());
        assert!(parse("  \n").is_err());
        assert!(HookInput::parse(&[0xff, 0xfe, 0x00], None).is_err());
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn bom_is_tolerated() {
        let input =
            HookInput::parse(b"\xEF\xBB\xBF{\"hook_event_name\":\"Stop\"}", None).expect("bom");
        assert_eq!(input.event_name, "Stop");
    }

    #[test]
    fn legacy_and_unknown_event_names_are_kept() {
        let input = parse(r#"{"hook_event_name":"TeammateIdle","x":1}"#).expect("valid");
        assert_eq!(input.event_name, "TeammateIdle");
        assert_eq!(input.known_event(), None);
        assert_eq!(input.matcher_subject(), None);
        assert_eq!(
            input.raw_json(),
            r#"{"hook_event_name":"TeammateIdle","x":1}"#
        );
    }

    #[test]
    fn event_names_round_trip() {
        for event in KnownEvent::ALL {
            assert_eq!(KnownEvent::from_name(event.name()), Some(event));
        }
        assert_eq!(KnownEvent::from_name("pretooluse"), None);
        assert_eq!(KnownEvent::from_name(""), None);
    }

    #[test]
    fn matcher_subjects_per_event() {
        let cases = [
            ("PreToolUse", json!({"tool_name": "Bash"}), Some("Bash")),
            (
                "PermissionRequest",
                json!({"tool_name": "Write"}),
                Some("Write"),
            ),
            ("PostToolUse", json!({"tool_name": "Edit"}), Some("Edit")),
            (
                "PostToolUseFailure",
                json!({"tool_name": "Read"}),
                Some("Read"),
            ),
            ("SessionStart", json!({"source": "resume"}), Some("resume")),
            ("SessionEnd", json!({"reason": "logout"}), Some("logout")),
            ("PreCompact", json!({"trigger": "auto"}), Some("auto")),
            ("PostCompact", json!({"trigger": "manual"}), Some("manual")),
            (
                "Notification",
                json!({"notification_type": "idle_prompt"}),
                Some("idle_prompt"),
            ),
            (
                "SubagentStart",
                json!({"agent_type": "Explore"}),
                Some("Explore"),
            ),
            ("SubagentStop", json!({"agent_type": "Plan"}), Some("Plan")),
            (
                "UserPromptSubmit",
                json!({"prompt": "hi", "tool_name": "Bash"}),
                None,
            ),
            (
                "Stop",
                json!({"stop_hook_active": false, "tool_name": "Bash"}),
                None,
            ),
            ("SessionStart", json!({}), None),
            ("Unknown", json!({"tool_name": "Bash"}), None),
        ];
        for (event, fields, expected) in cases {
            let mut raw = fields.as_object().cloned().unwrap_or_default();
            raw.insert("hook_event_name".into(), json!(event));
            let input =
                HookInput::parse(Value::Object(raw).to_string().as_bytes(), None).expect("valid");
            assert_eq!(input.matcher_subject(), expected, "{event}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // xorshift: deterministic, no extra dependency.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let seed = br#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls \u00e9"},"n":[1,2.5e3,null,true]}"#;
        for _ in 0..5_000 {
            let mut bytes = seed.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let len = bytes.len() as u64;
                let at = usize::try_from(next() % len).unwrap_or(0);
                match next() % 3 {
                    0 => bytes[at] = next().to_le_bytes()[0],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, b"{}[]\",:\\u0"[at % 10]),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            if let Ok(input) = HookInput::parse(&bytes, None) {
                let _ = (
                    input.matcher_subject(),
                    input.raw_json(),
                    input.tool_input_json(),
                );
            }
        }
    }

    #[test]
    fn permission_events() {
        assert!(is_permission_event("PreToolUse"));
        assert!(is_permission_event("PermissionRequest"));
        for name in [
            "PostToolUse",
            "Stop",
            "UserPromptSubmit",
            "preToolUse",
            "Whatever",
            "",
        ] {
            assert!(!is_permission_event(name), "{name}");
        }
    }
}
