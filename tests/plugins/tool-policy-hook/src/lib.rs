//! A hook for the tool-call wiring tests, driven by its settings: on PreToolUse it denies the
//! tools listed in `deny` and merges `rewrite` into the input of the others; on PostToolUse it
//! blocks with `post_block` or adds `post_context`.

use cchost_sdk::{Event, Hook, Response, export_hook, serde_json::Value, settings};

struct ToolPolicy;

impl Hook for ToolPolicy {
    fn handle(event: Event) -> Result<Response, String> {
        let tool = event.tool_name().unwrap_or_default().to_string();
        match event.name() {
            "PreToolUse" => {
                let denied: Vec<String> = settings::get("deny")?.unwrap_or_default();
                if denied.contains(&tool) {
                    return Ok(Response::deny(format!("{tool} is not allowed here")));
                }
                let Some(Value::Object(rewrite)) = settings::get::<Value>("rewrite")? else {
                    return Ok(Response::none());
                };
                let mut input = event.tool_input().clone();
                if let Value::Object(fields) = &mut input {
                    fields.extend(rewrite);
                }
                Ok(Response::allow().with_updated_input(&input))
            }
            "PostToolUse" => {
                if let Some(reason) = settings::get::<String>("post_block")? {
                    return Ok(Response::block(reason));
                }
                Ok(match settings::get::<String>("post_context")? {
                    Some(context) => Response::none().with_context(context),
                    None => Response::none(),
                })
            }
            _ => Ok(Response::none()),
        }
    }
}

export_hook!(ToolPolicy);
