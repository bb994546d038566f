//! Turning findings into the hook's verdict and its messages, per event kind and mode.
//!
//! Messages name the detector, the place (source label and line) and a redacted form of the
//! secret; they never contain the secret itself. Reasons carry no plugin prefix (the host
//! adds `[secret-scan]`); the system message and the model context, which it does not
//! prefix, do.

use crate::config::{Found, Mode};

/// Where the scanned text was about to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Surface {
    /// A user prompt (UserPromptSubmit).
    Prompt,
    /// A tool's input and output (PostToolUse).
    ToolOutput { tool: String },
    /// Content a tool is about to write (PreToolUse on Write, Edit, …).
    Write { tool: String, file: Option<String> },
}

/// What the hook answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Block the event (prompt, tool output); `context` goes to the model too.
    Block {
        reason: String,
        context: Option<String>,
    },
    /// Deny the tool call.
    Deny { reason: String },
    /// Let it through with a message to the user and context for the model.
    Warn { message: String, context: String },
}

const SHOWN: usize = 5;

/// `github-token in tool_response.stdout line 3 (ghp_…Qu); …`
pub fn summary(found: &[Found]) -> String {
    let mut parts: Vec<String> = found
        .iter()
        .take(SHOWN)
        .map(|f| {
            let name = f
                .name
                .as_ref()
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default();
            format!(
                "{}{name} in {} line {} ({})",
                f.detector.id(),
                f.label,
                f.line,
                f.redacted
            )
        })
        .collect();
    if found.len() > SHOWN {
        parts.push(format!("and {} more", found.len() - SHOWN));
    }
    parts.join("; ")
}

fn detectors(found: &[Found]) -> String {
    let mut ids: Vec<&str> = found.iter().map(|f| f.detector.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.join(", ")
}

const DO_NOT_REPEAT: &str = "Do not repeat, print, log or commit the value; refer to it only by \
                             its location, and suggest that the user rotate it if it is real.";

/// The verdict for `found` on `surface`, or `None` when nothing was found.
pub fn verdict(surface: &Surface, mode: Mode, found: &[Found]) -> Option<Verdict> {
    if found.is_empty() {
        return None;
    }
    let summary = summary(found);
    let kinds = detectors(found);
    let context = |place: &str| {
        format!(
            "secret-scan: {place} contains what looks like a credential ({kinds}). {DO_NOT_REPEAT}"
        )
    };
    Some(match (surface, mode) {
        (Surface::Prompt, Mode::Block) => Verdict::Block {
            reason: format!(
                "The prompt looks like it contains a secret ({summary}), so it was not \
                 sent. Remove it (refer to it by an environment variable name instead) and resubmit; \
                 if it is a test fixture, add it to secret-scan's `allow` setting."
            ),
            context: None,
        },
        (Surface::ToolOutput { tool }, Mode::Block) => Verdict::Block {
            reason: format!(
                "The {tool} call's input or output contains what looks like a secret \
                 ({summary}). {DO_NOT_REPEAT}"
            ),
            context: Some(context(&format!("the {tool} output"))),
        },
        (Surface::Write { tool, file }, Mode::Block) => {
            let target = file
                .as_ref()
                .map(|f| format!(" into `{f}`"))
                .unwrap_or_default();
            Verdict::Deny {
                reason: format!(
                    "{tool} would write what looks like a secret{target} ({summary}). \
                     Read it from an environment variable or a secret store instead; if it is a \
                     test fixture, add it to secret-scan's `allow` setting."
                ),
            }
        }
        (surface, Mode::Warn) => {
            let place = match surface {
                Surface::Prompt => "the prompt".to_string(),
                Surface::ToolOutput { tool } => format!("the {tool} output"),
                Surface::Write {
                    tool,
                    file: Some(f),
                } => format!("the content {tool} writes to `{f}`"),
                Surface::Write { tool, file: None } => format!("the content {tool} writes"),
            };
            Verdict::Warn {
                message: format!("secret-scan: possible secret in {place}: {summary}"),
                context: context(&place),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Detector;

    fn found(n: usize) -> Vec<Found> {
        (0..n)
            .map(|i| Found {
                detector: if i % 2 == 0 {
                    Detector::GithubToken
                } else {
                    Detector::GenericSecret
                },
                label: "tool_response.stdout".into(),
                line: i + 1,
                redacted: "ghp_…Qu".into(),
                name: (i % 2 == 1).then(|| "api_key".to_string()),
            })
            .collect()
    }

    #[test]
    fn nothing_found_no_verdict() {
        assert_eq!(verdict(&Surface::Prompt, Mode::Block, &[]), None);
    }

    #[test]
    fn summary_lists_and_caps() {
        let text = summary(&found(7));
        assert!(text.starts_with("github-token in tool_response.stdout line 1 (ghp_…Qu)"));
        assert!(text.contains("generic-secret `api_key` in tool_response.stdout line 2"));
        assert!(text.ends_with("and 2 more"));
    }

    #[test]
    fn block_mode_mapping() {
        let f = found(1);
        assert!(matches!(
            verdict(&Surface::Prompt, Mode::Block, &f),
            Some(Verdict::Block { context: None, .. })
        ));
        let out = verdict(
            &Surface::ToolOutput {
                tool: "Bash".into(),
            },
            Mode::Block,
            &f,
        );
        let Some(Verdict::Block {
            reason,
            context: Some(context),
        }) = out
        else {
            panic!("{out:?}")
        };
        assert!(reason.contains("Bash") && reason.contains("github-token"));
        assert!(context.contains("Do not repeat"));
        let w = verdict(
            &Surface::Write {
                tool: "Write".into(),
                file: Some("/p/.env".into()),
            },
            Mode::Block,
            &f,
        );
        let Some(Verdict::Deny { reason }) = w else {
            panic!()
        };
        assert!(reason.contains("into `/p/.env`"));
    }

    #[test]
    fn warn_mode_mapping() {
        let f = found(2);
        for surface in [
            Surface::Prompt,
            Surface::ToolOutput {
                tool: "Read".into(),
            },
            Surface::Write {
                tool: "Edit".into(),
                file: None,
            },
        ] {
            let Some(Verdict::Warn { message, context }) = verdict(&surface, Mode::Warn, &f) else {
                panic!()
            };
            assert!(message.starts_with("secret-scan: possible secret in"));
            assert!(context.contains("generic-secret, github-token"));
            assert!(context.contains("Do not repeat"));
        }
    }
}
