//! Combining the answers of the hooks that ran, in parallel, on one event into the single
//! answer cchost gives Claude Code.
//!
//! # Verdicts
//!
//! On permission events (PreToolUse, PermissionRequest) a `Block` counts as `Deny`, and the
//! strongest verdict wins with Claude Code's own precedence: deny > defer > ask > allow >
//! none. On every other event a `Deny` counts as `Block`, a block wins over everything, and
//! allow/ask/defer mean nothing (there is no permission to decide) so they count as none.
//! Every hook that answered at the winning level contributes its reason, prefixed with its
//! name (`[guard-commands] …`) and joined one per line, so the user sees all of them rather
//! than whichever finished first.
//!
//! # Input rewriting
//!
//! Claude Code lets parallel hooks race on `updatedInput`: the last one to finish wins and
//! the others' rewrites are lost. cchost makes it deterministic and composable. Each hook's
//! `updated_input` (a replacement of the whole tool input object) is compared key by key,
//! at the top level, with the original input; the keys it changed, added or removed are then
//! applied onto the original in configuration order. Rewrites of different keys therefore
//! compose, and when two hooks change the same key the later one in the configuration wins.
//! A replacement that is not a JSON object is ignored (tool inputs are always objects). The
//! rewritten input is dropped entirely when the merged verdict is a deny or block (the tool
//! will not run), when no hook changed anything, and on non-permission events (Claude Code
//! reads `updatedInput` only on PreToolUse and PermissionRequest).
//!
//! # Text
//!
//! Additional contexts and system messages are concatenated in configuration order,
//! separated by blank lines. Every output string is capped at Claude Code's 10,000
//! characters; when several parts are joined, the budget is shared so that one verbose
//! hook cannot push the others' text out, and a cut part ends with `…`.

use serde_json::{Map, Value};

use super::event::is_permission_event;

/// Claude Code truncates each hook output string to this many characters.
pub const MAX_OUTPUT_CHARS: usize = 10_000;

/// A hook's decision; mirrors the WIT `decision` variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    None,
    Allow(Option<String>),
    Deny(String),
    Ask(String),
    Defer,
    Block(String),
}

/// One hook's complete answer, tagged with the hook's name for messages.
#[derive(Debug, Clone, PartialEq)]
pub struct HookOutcome {
    pub hook: String,
    pub verdict: Verdict,
    pub updated_input: Option<Value>,
    pub additional_context: Option<String>,
    pub system_message: Option<String>,
}

impl HookOutcome {
    /// An outcome with only a verdict.
    pub fn new(hook: impl Into<String>, verdict: Verdict) -> Self {
        HookOutcome {
            hook: hook.into(),
            verdict,
            updated_input: None,
            additional_context: None,
            system_message: None,
        }
    }
}

/// What to do when a hook fails (traps, times out, returns garbage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    Deny,
    Allow,
}

impl OnError {
    /// Guards on permission events fail closed: a crashed guard must not let the tool run.
    /// Elsewhere a broken hook should not wedge the session (a failing Stop hook that blocks
    /// would keep Claude from ever stopping).
    pub fn default_for(event_name: &str) -> OnError {
        if is_permission_event(event_name) {
            OnError::Deny
        } else {
            OnError::Allow
        }
    }
}

/// The outcome that stands in for a hook that failed, according to `policy`.
pub fn failure_outcome(hook: &str, event_name: &str, cause: &str, policy: OnError) -> HookOutcome {
    match policy {
        OnError::Deny => {
            let reason = format!("hook `{hook}` failed ({cause}); denied because on_error = deny");
            let verdict = if is_permission_event(event_name) {
                Verdict::Deny(reason)
            } else {
                Verdict::Block(reason)
            };
            HookOutcome::new(hook, verdict)
        }
        OnError::Allow => HookOutcome {
            system_message: Some(format!(
                "hook `{hook}` failed ({cause}); ignored because on_error = allow"
            )),
            ..HookOutcome::new(hook, Verdict::None)
        },
    }
}

/// The combined answer for one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub verdict: Verdict,
    pub updated_input: Option<Value>,
    pub additional_context: Option<String>,
    pub system_message: Option<String>,
}

impl Merged {
    /// Nothing to tell Claude Code.
    pub fn is_empty(&self) -> bool {
        self.verdict == Verdict::None
            && self.updated_input.is_none()
            && self.additional_context.is_none()
            && self.system_message.is_none()
    }
}

/// Verdict strength on one event; declaration order is precedence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    None,
    Allow,
    Ask,
    Defer,
    Deny,
    Block,
}

fn level(verdict: &Verdict, permission: bool) -> Level {
    match (verdict, permission) {
        (Verdict::None, _) => Level::None,
        (Verdict::Allow(_), true) => Level::Allow,
        (Verdict::Ask(_), true) => Level::Ask,
        (Verdict::Defer, true) => Level::Defer,
        (Verdict::Deny(_) | Verdict::Block(_), true) => Level::Deny,
        (Verdict::Deny(_) | Verdict::Block(_), false) => Level::Block,
        (Verdict::Allow(_) | Verdict::Ask(_) | Verdict::Defer, false) => Level::None,
    }
}

fn reason_text(verdict: &Verdict) -> Option<&str> {
    match verdict {
        Verdict::Allow(text) => text.as_deref(),
        Verdict::Deny(text) | Verdict::Ask(text) | Verdict::Block(text) => Some(text),
        Verdict::None | Verdict::Defer => None,
    }
}

/// Combines the outcomes of the hooks that ran on `event_name`, given in configuration
/// order; see the module documentation for the rules.
pub fn merge(
    event_name: &str,
    original_input: Option<&Value>,
    outcomes: Vec<HookOutcome>,
) -> Merged {
    let permission = is_permission_event(event_name);
    let winner = outcomes
        .iter()
        .map(|o| level(&o.verdict, permission))
        .max()
        .unwrap_or(Level::None);

    let mut reasons = Vec::new();
    for outcome in &outcomes {
        if level(&outcome.verdict, permission) != winner {
            continue;
        }
        let text = reason_text(&outcome.verdict).map(str::trim);
        let text = match (winner, text) {
            (_, Some(text)) if !text.is_empty() => text,
            // An allow needs no explanation; a refusal or question does.
            (Level::Deny | Level::Block | Level::Ask, _) => "(no reason given)",
            _ => continue,
        };
        reasons.push(format!("[{}] {}", outcome.hook, text));
    }
    let reason = join_capped(&reasons, "\n", MAX_OUTPUT_CHARS);
    let verdict = match winner {
        Level::None => Verdict::None,
        Level::Allow => Verdict::Allow(reason),
        Level::Ask => Verdict::Ask(reason.unwrap_or_default()),
        Level::Defer => Verdict::Defer,
        Level::Deny => Verdict::Deny(reason.unwrap_or_default()),
        Level::Block => Verdict::Block(reason.unwrap_or_default()),
    };

    let updated_input = if permission && winner < Level::Deny {
        compose_updates(original_input, &outcomes)
    } else {
        None
    };

    let contexts: Vec<String> = outcomes
        .iter()
        .filter_map(|o| nonblank(o.additional_context.as_deref()))
        .collect();
    let messages: Vec<String> = outcomes
        .iter()
        .filter_map(|o| nonblank(o.system_message.as_deref()))
        .collect();

    Merged {
        verdict,
        updated_input,
        additional_context: join_capped(&contexts, "\n\n", MAX_OUTPUT_CHARS),
        system_message: join_capped(&messages, "\n\n", MAX_OUTPUT_CHARS),
    }
}

fn nonblank(text: Option<&str>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty()).map(str::to_owned)
}

/// Applies each hook's top-level key changes onto the original, in configuration order.
/// `None` when the result equals the original.
fn compose_updates(original_input: Option<&Value>, outcomes: &[HookOutcome]) -> Option<Value> {
    let empty = Map::new();
    let original = match original_input {
        Some(Value::Object(map)) => map,
        _ => &empty,
    };
    let mut result = original.clone();
    for replacement in outcomes.iter().filter_map(|o| o.updated_input.as_ref()) {
        let Value::Object(replacement) = replacement else {
            continue;
        };
        for (key, value) in replacement {
            if original.get(key) != Some(value) {
                result.insert(key.clone(), value.clone());
            }
        }
        for key in original.keys() {
            if !replacement.contains_key(key) {
                result.remove(key);
            }
        }
    }
    (&result != original).then_some(Value::Object(result))
}

/// `text` cut to at most `max` characters, on a character boundary, ending with `…` when
/// cut.
pub fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) if max == 0 => String::new(),
        Some(_) => {
            // Room for the ellipsis: keep max - 1 characters.
            let end = text
                .char_indices()
                .nth(max - 1)
                .map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

/// `text` capped at [`MAX_OUTPUT_CHARS`].
pub fn cap(text: &str) -> String {
    truncate_chars(text, MAX_OUTPUT_CHARS)
}

/// Joins `parts` with `sep`, keeping the result within `max` characters by giving each
/// part a fair share: parts shorter than an equal share keep all their text and the rest is
/// split among the longer ones. `None` when there are no parts.
pub fn join_capped(parts: &[String], sep: &str, max: usize) -> Option<String> {
    if parts.is_empty() {
        return None;
    }
    let lengths: Vec<usize> = parts.iter().map(|p| p.chars().count()).collect();
    let sep_total = sep.chars().count().saturating_mul(parts.len() - 1);
    let total = lengths.iter().sum::<usize>().saturating_add(sep_total);
    if total <= max {
        return Some(parts.join(sep));
    }
    if sep_total >= max {
        // Too many parts to give each any room: plain truncation keeps at least the first.
        return Some(truncate_chars(&parts.join(sep), max));
    }
    let budget = max - sep_total;
    let shares = fair_shares(&lengths, budget);
    let cut: Vec<String> = parts
        .iter()
        .zip(shares)
        .filter(|(_, share)| *share > 0)
        .map(|(part, share)| truncate_chars(part, share))
        .collect();
    // Dropped zero-share parts leave their separators unused, so this cut is only a guard.
    Some(truncate_chars(&cut.join(sep), max))
}

/// Water-filling: how many characters each of `lengths` may keep out of `budget`.
fn fair_shares(lengths: &[usize], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    let mut shares = vec![0; lengths.len()];
    let mut remaining = budget;
    for (done, &i) in order.iter().enumerate() {
        let left = lengths.len() - done;
        let share = (remaining / left).min(lengths[i]);
        shares[i] = share;
        remaining -= share;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outcome(hook: &str, verdict: Verdict) -> HookOutcome {
        HookOutcome::new(hook, verdict)
    }

    fn with_input(hook: &str, verdict: Verdict, input: Value) -> HookOutcome {
        HookOutcome {
            updated_input: Some(input),
            ..HookOutcome::new(hook, verdict)
        }
    }

    fn allow(text: Option<&str>) -> Verdict {
        Verdict::Allow(text.map(str::to_owned))
    }
    fn deny(text: &str) -> Verdict {
        Verdict::Deny(text.to_owned())
    }
    fn ask(text: &str) -> Verdict {
        Verdict::Ask(text.to_owned())
    }
    fn block(text: &str) -> Verdict {
        Verdict::Block(text.to_owned())
    }

    fn verdict_of(event: &str, verdicts: &[Verdict]) -> Verdict {
        let outcomes = verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| outcome(&format!("h{i}"), v.clone()))
            .collect();
        merge(event, None, outcomes).verdict
    }

    #[test]
    fn no_outcomes_is_empty() {
        let merged = merge("PreToolUse", Some(&json!({"command": "ls"})), Vec::new());
        assert!(merged.is_empty());
        assert!(merge("Stop", None, Vec::new()).is_empty());
    }

    #[test]
    fn permission_precedence_pairs() {
        let ranked = [
            Verdict::None,
            allow(Some("a")),
            ask("q"),
            Verdict::Defer,
            deny("d"),
        ];
        for (i, weaker) in ranked.iter().enumerate() {
            for stronger in &ranked[i..] {
                for order in [[weaker, stronger], [stronger, weaker]] {
                    let got = verdict_of("PreToolUse", &[order[0].clone(), order[1].clone()]);
                    assert_eq!(
                        std::mem::discriminant(&got),
                        std::mem::discriminant(stronger),
                        "{weaker:?} vs {stronger:?} gave {got:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn block_is_deny_on_permission_events() {
        for event in ["PreToolUse", "PermissionRequest"] {
            assert_eq!(
                verdict_of(event, &[block("b"), allow(None)]),
                Verdict::Deny("[h0] b".into())
            );
            assert_eq!(
                verdict_of(event, &[Verdict::Defer, block("b")]),
                Verdict::Deny("[h1] b".into())
            );
        }
    }

    #[test]
    fn deny_is_block_elsewhere_and_permission_verdicts_are_ignored() {
        for event in ["PostToolUse", "Stop", "UserPromptSubmit", "SomeFutureEvent"] {
            assert_eq!(
                verdict_of(event, &[allow(Some("ok")), deny("no")]),
                Verdict::Block("[h1] no".into())
            );
            assert_eq!(
                verdict_of(event, &[block("b"), ask("q"), Verdict::Defer]),
                Verdict::Block("[h0] b".into())
            );
            assert_eq!(
                verdict_of(event, &[allow(Some("ok")), ask("q"), Verdict::Defer]),
                Verdict::None
            );
        }
    }

    #[test]
    fn reasons_at_the_winning_level_are_all_kept_in_order() {
        let got = verdict_of(
            "PreToolUse",
            &[
                deny("rm -rf"),
                allow(Some("fine")),
                block("no network"),
                ask("sure?"),
            ],
        );
        assert_eq!(got, Verdict::Deny("[h0] rm -rf\n[h2] no network".into()));
        let got = verdict_of("PreToolUse", &[ask("one"), ask("two"), allow(Some("x"))]);
        assert_eq!(got, Verdict::Ask("[h0] one\n[h1] two".into()));
    }

    #[test]
    fn allow_text_is_optional() {
        assert_eq!(
            verdict_of("PreToolUse", &[allow(None), allow(None)]),
            Verdict::Allow(None)
        );
        assert_eq!(
            verdict_of(
                "PreToolUse",
                &[allow(None), allow(Some("safe")), allow(Some("  "))]
            ),
            Verdict::Allow(Some("[h1] safe".into()))
        );
    }

    #[test]
    fn empty_refusal_gets_a_placeholder() {
        assert_eq!(
            verdict_of("PreToolUse", &[deny(" ")]),
            Verdict::Deny("[h0] (no reason given)".into())
        );
        assert_eq!(
            verdict_of("Stop", &[block("")]),
            Verdict::Block("[h0] (no reason given)".into())
        );
    }

    #[test]
    fn contexts_and_messages_join_in_configuration_order() {
        let outcomes = vec![
            HookOutcome {
                additional_context: Some("ctx one".into()),
                system_message: Some("msg one".into()),
                ..outcome("a", Verdict::None)
            },
            HookOutcome {
                additional_context: Some("   ".into()),
                ..outcome("b", deny("x"))
            },
            HookOutcome {
                additional_context: Some("ctx three".into()),
                system_message: Some("msg three".into()),
                ..outcome("c", allow(None))
            },
        ];
        let merged = merge("PreToolUse", None, outcomes);
        assert_eq!(
            merged.additional_context.as_deref(),
            Some("ctx one\n\nctx three")
        );
        assert_eq!(
            merged.system_message.as_deref(),
            Some("msg one\n\nmsg three")
        );
    }

    #[test]
    fn updates_to_different_keys_compose() {
        let original = json!({"command": "ls", "timeout": 10, "description": "list"});
        let merged = merge(
            "PreToolUse",
            Some(&original),
            vec![
                with_input(
                    "a",
                    allow(None),
                    json!({"command": "ls -la", "timeout": 10, "description": "list"}),
                ),
                with_input(
                    "b",
                    Verdict::None,
                    json!({"command": "ls", "timeout": 60, "description": "list"}),
                ),
            ],
        );
        assert_eq!(
            merged.updated_input,
            Some(json!({"command": "ls -la", "timeout": 60, "description": "list"}))
        );
    }

    #[test]
    fn later_hook_wins_a_conflict() {
        let original = json!({"command": "ls"});
        let merged = merge(
            "PreToolUse",
            Some(&original),
            vec![
                with_input("a", allow(None), json!({"command": "first"})),
                with_input("b", allow(None), json!({"command": "second"})),
                // Unchanged keys in a later hook do not undo an earlier change.
                with_input("c", allow(None), json!({"command": "ls"})),
            ],
        );
        assert_eq!(merged.updated_input, Some(json!({"command": "second"})));
    }

    #[test]
    fn added_and_removed_keys() {
        let original = json!({"command": "sleep 100", "run_in_background": true});
        let merged = merge(
            "PreToolUse",
            Some(&original),
            vec![
                with_input("a", Verdict::None, json!({"command": "sleep 100"})),
                with_input(
                    "b",
                    Verdict::None,
                    json!({"command": "sleep 100", "run_in_background": true, "timeout": 5}),
                ),
            ],
        );
        assert_eq!(
            merged.updated_input,
            Some(json!({"command": "sleep 100", "timeout": 5}))
        );
    }

    #[test]
    fn nested_values_are_replaced_whole() {
        let original = json!({"edits": [{"old": "a", "new": "b"}], "path": "/x"});
        let merged = merge(
            "PermissionRequest",
            Some(&original),
            vec![with_input(
                "a",
                allow(None),
                json!({"edits": [], "path": "/x"}),
            )],
        );
        assert_eq!(
            merged.updated_input,
            Some(json!({"edits": [], "path": "/x"}))
        );
    }

    #[test]
    fn unchanged_or_invalid_updates_are_dropped() {
        let original = json!({"command": "ls"});
        let merged = merge(
            "PreToolUse",
            Some(&original),
            vec![
                with_input("a", allow(None), json!({"command": "ls"})),
                with_input("b", allow(None), json!("not an object")),
                with_input("c", allow(None), json!(null)),
            ],
        );
        assert_eq!(merged.updated_input, None);
    }

    #[test]
    fn updates_without_original_apply_to_empty_object() {
        let merged = merge(
            "PreToolUse",
            None,
            vec![with_input("a", allow(None), json!({"command": "ls"}))],
        );
        assert_eq!(merged.updated_input, Some(json!({"command": "ls"})));
    }

    #[test]
    fn updates_dropped_on_deny_and_block() {
        let original = json!({"command": "rm -rf /"});
        for (event, refusal) in [
            ("PreToolUse", deny("no")),
            ("PreToolUse", block("no")),
            ("PermissionRequest", deny("no")),
        ] {
            let merged = merge(
                event,
                Some(&original),
                vec![
                    with_input("rewrite", allow(None), json!({"command": "echo safe"})),
                    outcome("guard", refusal),
                ],
            );
            assert!(matches!(merged.verdict, Verdict::Deny(_)));
            assert_eq!(merged.updated_input, None);
        }
    }

    #[test]
    fn updates_dropped_on_non_permission_events() {
        let merged = merge(
            "PostToolUse",
            Some(&json!({"a": 1})),
            vec![with_input("a", Verdict::None, json!({"a": 2}))],
        );
        assert_eq!(merged.updated_input, None);
    }

    #[test]
    fn updates_kept_with_ask_and_defer() {
        let original = json!({"command": "ls"});
        for verdict in [ask("check"), Verdict::Defer, Verdict::None] {
            let merged = merge(
                "PreToolUse",
                Some(&original),
                vec![
                    with_input("a", allow(None), json!({"command": "ls -l"})),
                    outcome("b", verdict),
                ],
            );
            assert_eq!(merged.updated_input, Some(json!({"command": "ls -l"})));
        }
    }

    #[test]
    fn truncation_is_char_safe() {
        assert_eq!(truncate_chars("hello", 10), "hello");
        assert_eq!(truncate_chars("hello", 5), "hello");
        assert_eq!(truncate_chars("hello", 4), "hel…");
        assert_eq!(truncate_chars("héllo wörld", 3), "hé…");
        assert_eq!(truncate_chars("日本語テキスト", 4), "日本語…");
        assert_eq!(truncate_chars("abc", 1), "…");
        assert_eq!(truncate_chars("abc", 0), "");
        assert_eq!(truncate_chars("", 0), "");
    }

    #[test]
    fn long_strings_are_capped() {
        let long = "é".repeat(MAX_OUTPUT_CHARS * 2);
        let outcomes = vec![HookOutcome {
            additional_context: Some(long.clone()),
            system_message: Some(long.clone()),
            ..outcome("h", Verdict::Block(long.clone()))
        }];
        let merged = merge("Stop", None, outcomes);
        for text in [
            reason_text(&merged.verdict).unwrap_or_default(),
            merged.additional_context.as_deref().unwrap_or_default(),
            merged.system_message.as_deref().unwrap_or_default(),
        ] {
            assert_eq!(text.chars().count(), MAX_OUTPUT_CHARS);
            assert!(text.ends_with('…'));
        }
        assert_eq!(cap(&long).chars().count(), MAX_OUTPUT_CHARS);
    }

    #[test]
    fn caps_share_the_budget_fairly() {
        let outcomes = vec![
            outcome("verbose", deny(&"x".repeat(50_000))),
            outcome("terse", deny("short reason")),
        ];
        let Verdict::Deny(reason) = merge("PreToolUse", None, outcomes).verdict else {
            panic!("expected deny");
        };
        assert!(reason.chars().count() <= MAX_OUTPUT_CHARS);
        assert!(
            reason.ends_with("[terse] short reason"),
            "terse reason survives"
        );
        assert!(reason.starts_with("[verbose] xxx"));
    }

    #[test]
    fn join_capped_edge_cases() {
        assert_eq!(join_capped(&[], "\n", 10), None);
        let parts: Vec<String> = (0..20).map(|i| format!("part{i}")).collect();
        let joined = join_capped(&parts, "\n\n", 10).unwrap_or_default();
        assert!(joined.chars().count() <= 10, "{joined:?}");
        let parts = vec!["aaaa".to_string(), "bb".to_string(), "cccccc".to_string()];
        assert_eq!(
            join_capped(&parts, "|", 100).as_deref(),
            Some("aaaa|bb|cccccc")
        );
        assert_eq!(join_capped(&parts, "|", 11).as_deref(), Some("aa…|bb|ccc…"));
    }

    #[test]
    fn default_error_policy() {
        assert_eq!(OnError::default_for("PreToolUse"), OnError::Deny);
        assert_eq!(OnError::default_for("PermissionRequest"), OnError::Deny);
        for event in ["PostToolUse", "Stop", "UserPromptSubmit", "Unknown"] {
            assert_eq!(OnError::default_for(event), OnError::Allow, "{event}");
        }
    }

    #[test]
    fn failure_outcomes() {
        let denied = failure_outcome("guard", "PreToolUse", "timed out after 5 s", OnError::Deny);
        assert_eq!(
            denied.verdict,
            deny("hook `guard` failed (timed out after 5 s); denied because on_error = deny")
        );
        assert_eq!(denied.hook, "guard");

        let blocked = failure_outcome("lint", "Stop", "trap", OnError::Deny);
        assert_eq!(
            blocked.verdict,
            block("hook `lint` failed (trap); denied because on_error = deny")
        );

        let ignored = failure_outcome("fmt", "PreToolUse", "bad JSON", OnError::Allow);
        assert_eq!(ignored.verdict, Verdict::None);
        let message = ignored.system_message.unwrap_or_default();
        assert!(
            message.contains("`fmt`") && message.contains("bad JSON"),
            "{message}"
        );
    }

    #[test]
    fn failed_guard_denies_over_allow() {
        let outcomes = vec![
            outcome("ok", allow(Some("fine"))),
            failure_outcome("guard", "PreToolUse", "trap", OnError::Deny),
        ];
        let merged = merge("PreToolUse", None, outcomes);
        assert_eq!(
            merged.verdict,
            deny("[guard] hook `guard` failed (trap); denied because on_error = deny")
        );
    }
}
