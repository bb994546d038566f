//! {{name}}: a cchost PreToolUse hook for Bash. It denies commands that run a denied program
//! (the `denied_programs` setting, else [`DEFAULT_DENIED`]) and has no opinion on anything else.

use cchost_sdk::{Event, Hook, Response, export_hook, log, settings};

/// Denied when the configuration does not say otherwise.
const DEFAULT_DENIED: &[&str] = &["shutdown", "reboot", "mkfs"];

struct Plugin;

impl Hook for Plugin {
    fn handle(event: Event) -> Result<Response, String> {
        let Some(command) = event.bash_command() else {
            return Ok(Response::none());
        };
        let denied: Vec<String> = settings::get("denied_programs")?
            .unwrap_or_else(|| DEFAULT_DENIED.iter().map(|p| p.to_string()).collect());
        Ok(match denied_program(command, &denied) {
            Some(program) => {
                log::info(&format!("denied `{program}`"));
                Response::deny(format!("`{program}` is not allowed here"))
            }
            None => Response::none(),
        })
    }
}

/// The first program of `command` that is in `denied`, looking at each part of a `;`, `&&`,
/// `||` or `|` chain and through `sudo`.
fn denied_program<'a>(command: &'a str, denied: &[String]) -> Option<&'a str> {
    command
        .split([';', '&', '|', '\n'])
        .filter_map(|part| part.split_whitespace().find(|word| *word != "sudo"))
        .map(|program| program.rsplit('/').next().unwrap_or(program))
        .find(|program| denied.iter().any(|d| d == program))
}

export_hook!(Plugin);

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<String> {
        DEFAULT_DENIED.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn denies_a_denied_program_anywhere_in_a_chain() {
        assert_eq!(
            denied_program("echo bye && sudo /sbin/shutdown -h now", &defaults()),
            Some("shutdown")
        );
    }

    #[test]
    fn lets_other_commands_through() {
        assert_eq!(denied_program("ls -la | grep shutdown", &defaults()), None);
    }
}
