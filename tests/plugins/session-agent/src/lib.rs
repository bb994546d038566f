//! An agent for the session interface tests: appends one record per entry of the task's
//! `records` parameter (`[kind, data]` pairs), then reads the whole session back and returns
//! it, so a test can compare what the plugin saw with the file. Each argv of its `exec`
//! parameter is run in the `cwd` parameter first, and the outcomes returned.

use cchost_sdk::{
    Agent, AgentOutput, Task, export_agent, log,
    serde_json::{self, Value, json},
    session,
};

struct SessionAgent;

impl Agent for SessionAgent {
    fn run(task: Task) -> Result<AgentOutput, String> {
        let parameters: Value =
            serde_json::from_str(&task.parameters).map_err(|e| e.to_string())?;
        log::info("appending");
        let mut appended = Vec::new();
        let mut errors = Vec::new();
        for pair in parameters["records"].as_array().into_iter().flatten() {
            let kind = pair[0].as_str().unwrap_or("");
            match session::append(kind, &pair[1]) {
                Ok(seq) => appended.push(seq),
                Err(e) => errors.push(e),
            }
        }
        let cwd = parameters["cwd"].as_str().unwrap_or("/");
        let ran: Vec<String> = parameters["exec"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|argv| {
                let argv: Vec<&str> = argv
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                match cchost_sdk::exec::run(&argv, cwd) {
                    Ok(output) => format!("exit {:?}", output.exit_code),
                    Err(error) => format!("{error:?}"),
                }
            })
            .collect();
        let entries = session::read_all(0)?;
        let first_page = session::read(0, 2)?.len();
        let seen: Vec<Value> = entries
            .iter()
            .map(|e| json!({"seq": e.seq, "time": e.time, "kind": e.kind, "agent": e.agent, "data": e.data}))
            .collect();
        Ok(AgentOutput {
            summary: format!("appended {}, read {}", appended.len(), entries.len()),
            data: json!({"appended": appended, "errors": errors, "seen": seen, "first_page": first_page, "exec": ran})
                .to_string(),
        })
    }
}

export_agent!(SessionAgent);
