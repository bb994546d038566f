//! guard-commands: a PreToolUse hook that refuses destructive or exfiltrating Bash commands.
//!
//! This module owns only the hook glue: reading the settings, running the analysis on the
//! Bash command and turning findings into a decision. The command is tokenised and parsed
//! (`shell`), wrappers are seen through (`unwrap`), paths are judged lexically (`paths`), rules
//! apply per command and pipeline (`rules`, `forkbomb`) and `analyze` walks it all.

pub mod analyze;
pub mod config;
pub mod forkbomb;
pub mod paths;
pub mod rules;
pub mod shell;
pub mod unwrap;

use cchost_sdk::{Event, Hook, Response, export_hook, log, settings};

use crate::config::{Mode, Settings};
use crate::rules::Finding;

struct GuardCommands;

impl Hook for GuardCommands {
    fn handle(event: Event) -> Result<Response, String> {
        if event.name() != "PreToolUse" {
            return Ok(Response::none());
        }
        let Some(command) = event.bash_command() else {
            return Ok(Response::none());
        };
        let settings: Settings = settings::all()?;
        let policy = settings.policy(event.cwd())?;
        let findings = analyze::check(command, &policy);
        if findings.is_empty() {
            return Ok(Response::none());
        }
        let reason = reason(&findings, settings.mode);
        log::info(&reason);
        Ok(match settings.mode {
            Mode::Deny => Response::deny(reason),
            Mode::Ask => Response::ask(reason),
        })
    }
}

/// The decision's reason: every finding with its rule id, bounded in length. (The host
/// prefixes reasons with the plugin's name, so it is not repeated here.)
pub fn reason(findings: &[Finding], mode: Mode) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = findings
        .iter()
        .take(SHOWN)
        .map(|f| format!("[{}] {}", f.rule, f.message))
        .collect();
    if findings.len() > SHOWN {
        parts.push(format!("and {} more", findings.len() - SHOWN));
    }
    let advice = match mode {
        Mode::Deny => " If this is really intended, ask the user to run it themselves.",
        Mode::Ask => " Run it only if you are sure.",
    };
    let text = format!("{}.{advice}", parts.join("; "));
    rules::shorten(&text, 4000)
}

export_hook!(GuardCommands);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_names_rules_and_is_bounded() {
        let f = |i: usize| Finding::new("rm-recursive", format!("finding {i}"));
        let one = reason(&[f(0)], Mode::Deny);
        assert!(one.starts_with("[rm-recursive] finding 0."));
        assert!(one.contains("ask the user"));
        assert!(reason(&[f(0)], Mode::Ask).ends_with("only if you are sure."));
        let many: Vec<Finding> = (0..8).map(f).collect();
        let text = reason(&many, Mode::Deny);
        assert!(text.contains("finding 4") && !text.contains("finding 5"));
        assert!(text.contains("and 3 more"));
        let huge = reason(&[Finding::new("x", "y".repeat(10_000))], Mode::Deny);
        assert!(huge.chars().count() <= 4001);
    }
}
