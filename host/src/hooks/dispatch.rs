//! Choosing the hooks an event triggers and running them: every match in parallel, each in a
//! fresh sandbox with its own timeout, failures turned into outcomes by the binding's `on_error`.

use std::{sync::Arc, time::Duration};

use anyhow::{Context, Result};
use futures::future::join_all;

use super::{
    event::HookInput,
    matcher::Matcher,
    merge::{self, HookOutcome, Merged, OnError, Verdict},
};
use crate::{
    config::{Config, OnErrorSetting},
    plugins::{PluginRegistry, bindings},
};

/// One `[[hooks.<Event>]]` entry, validated.
#[derive(Debug)]
pub struct PreparedBinding {
    pub event: String,
    pub matcher: Matcher,
    pub plugin: String,
    pub on_error: OnError,
    pub timeout: Option<Duration>,
}

/// All hook bindings of a configuration, in configuration order.
#[derive(Debug, Default)]
pub struct HookSet {
    bindings: Vec<PreparedBinding>,
}

impl HookSet {
    pub fn from_config(config: &Config) -> Result<HookSet> {
        let mut bindings = Vec::new();
        for (event, entries) in &config.hooks {
            // Claude Code expects a WorktreeCreate hook to create the worktree and print its
            // path; a sandboxed hook cannot do that, so binding one would break worktrees.
            anyhow::ensure!(
                event != "WorktreeCreate",
                "[[hooks.WorktreeCreate]]: cchost hooks cannot serve WorktreeCreate (Claude Code \
                 expects that hook to create the worktree and print its path)"
            );
            for (index, entry) in entries.iter().enumerate() {
                let matcher = Matcher::parse(entry.matcher.as_deref().unwrap_or(""))
                    .with_context(|| format!("[[hooks.{event}]] entry {}", index + 1))?;
                let on_error = match entry.on_error {
                    Some(OnErrorSetting::Deny) => OnError::Deny,
                    Some(OnErrorSetting::Allow) => OnError::Allow,
                    None => OnError::default_for(event),
                };
                bindings.push(PreparedBinding {
                    event: event.clone(),
                    matcher,
                    plugin: entry.plugin.clone(),
                    on_error,
                    timeout: entry.timeout_ms.map(Duration::from_millis),
                });
            }
        }
        Ok(HookSet { bindings })
    }

    /// The bindings `input` triggers, in configuration order.
    pub fn matching<'a>(&'a self, input: &HookInput) -> Vec<&'a PreparedBinding> {
        // Events without a subject (UserPromptSubmit, Stop, unknown ones) run every hook bound
        // to them, as Claude Code does: a matcher given no subject matches.
        let subject = input.matcher_subject();
        self.bindings
            .iter()
            .filter(|b| b.event == input.event_name && b.matcher.matches(subject))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    pub fn events(&self) -> impl Iterator<Item = &str> {
        self.bindings.iter().map(|b| b.event.as_str())
    }
}

/// The typed core fields of an event plus its raw JSON, as plugins receive it.
pub fn wit_event(input: &HookInput) -> bindings::HookEvent {
    bindings::HookEvent {
        name: input.event_name.clone(),
        session_id: input.session_id().map(str::to_string),
        cwd: input.cwd().map(str::to_string),
        tool_name: input.tool_name().map(str::to_string),
        tool_input: input.tool_input_json(),
        tool_response: input.tool_response_json(),
        prompt: input.prompt().map(str::to_string),
        raw: input.raw_json(),
    }
}

/// Runs `bindings` on `input` in parallel — one task each, so on a multi-threaded runtime a slow
/// hook never holds up the others — and merges their answers in configuration order.
pub async fn dispatch(
    registry: &Arc<PluginRegistry>,
    bindings: &[&PreparedBinding],
    input: &HookInput,
) -> Merged {
    let event = Arc::new(wit_event(input));
    let runs: Vec<_> = bindings
        .iter()
        .map(|binding| {
            let registry = Arc::clone(registry);
            let event = Arc::clone(&event);
            let plugin = binding.plugin.clone();
            let timeout = binding.timeout;
            tokio::spawn(async move { registry.call_hook(&plugin, &event, timeout).await })
        })
        .collect();
    let results = join_all(runs).await;
    let outcomes = bindings
        .iter()
        .zip(results)
        .map(|(binding, result)| {
            let failure = |cause: String| {
                merge::failure_outcome(&binding.plugin, &input.event_name, &cause, binding.on_error)
            };
            match result {
                Ok(Ok(response)) => outcome(binding, &input.event_name, response),
                Ok(Err(error)) => {
                    tracing::warn!("{error}");
                    failure(error.failure.to_string())
                }
                // The task itself died (a panic in the host): the hook gave no answer.
                Err(join_error) => failure(format!("host task failed: {join_error}")),
            }
        })
        .collect();
    merge::merge(&input.event_name, input.tool_input(), outcomes)
}

fn outcome(
    binding: &PreparedBinding,
    event: &str,
    response: bindings::HookResponse,
) -> HookOutcome {
    let updated_input = match response.updated_input.as_deref().map(parse_updated_input) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(cause)) => {
            return merge::failure_outcome(&binding.plugin, event, &cause, binding.on_error);
        }
    };
    let verdict = match response.decision {
        bindings::Decision::None => Verdict::None,
        bindings::Decision::Allow(reason) => Verdict::Allow(reason),
        bindings::Decision::Deny(reason) => Verdict::Deny(reason),
        bindings::Decision::Ask(reason) => Verdict::Ask(reason),
        bindings::Decision::Defer => Verdict::Defer,
        bindings::Decision::Block(reason) => Verdict::Block(reason),
    };
    HookOutcome {
        hook: binding.plugin.clone(),
        verdict,
        updated_input,
        additional_context: response.additional_context,
        system_message: response.system_message,
    }
}

/// A hook's replacement tool input: it must be a JSON object, like the input it replaces.
fn parse_updated_input(text: &str) -> Result<serde_json::Value, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) if value.is_object() => Ok(value),
        Ok(_) => Err("returned an updated input that is not a JSON object".into()),
        Err(e) => Err(format!("returned an updated input that is not JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HookBinding;

    fn config(bindings: &[(&str, Option<&str>, &str)]) -> Config {
        let mut config = Config::default();
        for (event, matcher, plugin) in bindings {
            config
                .hooks
                .entry(event.to_string())
                .or_default()
                .push(HookBinding {
                    matcher: matcher.map(str::to_string),
                    plugin: plugin.to_string(),
                    on_error: None,
                    timeout_ms: None,
                });
        }
        config
    }

    fn selected(set: &HookSet, payload: &str) -> Vec<String> {
        let input = HookInput::parse(payload.as_bytes(), None).unwrap();
        set.matching(&input)
            .iter()
            .map(|b| b.plugin.clone())
            .collect()
    }

    #[test]
    fn bindings_are_selected_by_event_and_matcher_in_configuration_order() {
        let set = HookSet::from_config(&config(&[
            ("PreToolUse", Some("Bash"), "a"),
            ("PreToolUse", None, "b"),
            ("PreToolUse", Some("Edit|Write"), "c"),
            ("PostToolUse", Some("Bash"), "d"),
        ]))
        .unwrap();
        let bash = r#"{"hook_event_name":"PreToolUse","tool_name":"Bash"}"#;
        assert_eq!(selected(&set, bash), ["a", "b"]);
        let write = r#"{"hook_event_name":"PreToolUse","tool_name":"Write"}"#;
        assert_eq!(selected(&set, write), ["b", "c"]);
    }

    #[test]
    fn events_without_a_subject_run_every_binding() {
        let set =
            HookSet::from_config(&config(&[("UserPromptSubmit", Some("Bash"), "a")])).unwrap();
        assert_eq!(
            selected(
                &set,
                r#"{"hook_event_name":"UserPromptSubmit","prompt":"hi"}"#
            ),
            ["a"]
        );
    }

    #[test]
    fn default_on_error_denies_only_permission_events() {
        let set = HookSet::from_config(&config(&[
            ("PreToolUse", None, "a"),
            ("PostToolUse", None, "b"),
        ]))
        .unwrap();
        let policies: Vec<_> = set.bindings.iter().map(|b| b.on_error).collect();
        assert_eq!(policies, [OnError::Allow, OnError::Deny]); // BTreeMap order: Post, Pre
    }

    #[test]
    fn bad_matcher_and_worktree_create_are_configuration_errors() {
        let err =
            HookSet::from_config(&config(&[("PreToolUse", Some("(?<=x)y"), "a")])).unwrap_err();
        assert!(
            format!("{err:#}").contains("[[hooks.PreToolUse]] entry 1"),
            "{err:#}"
        );
        let err = HookSet::from_config(&config(&[("WorktreeCreate", None, "a")])).unwrap_err();
        assert!(err.to_string().contains("WorktreeCreate"), "{err}");
    }
}
