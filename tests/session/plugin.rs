//! The WIT `session` interface on a real agent component (`tests/plugins/session-agent`): the
//! host stamps sequence, time, session and agent; reads are paged; no session, clear error; every
//! command the agent tries through `exec` is an `exec` record, run or refused.

use std::path::Path;

use cchost::{
    plugins::{
        PluginRegistry, PluginSource, PluginSpec,
        builtin::PLUGIN_BUILD_DIR,
        grants::{Access, Capabilities, FileAccess, PathContext},
        manifest::LimitSettings,
    },
    runtime::{Allocation, ComponentCache},
    session::{SessionHandle, SessionOptions, SessionWriter},
};
use serde_json::{Value, json};

use super::common::read_all;

fn registry() -> PluginRegistry {
    registry_granting(Capabilities::default())
}

fn registry_granting(grant: Capabilities) -> PluginRegistry {
    let spec = PluginSpec {
        name: "session-agent".into(),
        source: PluginSource::File(Path::new(PLUGIN_BUILD_DIR).join("session_agent.wasm")),
        grant,
        limits: LimitSettings::default(),
        settings: Default::default(),
    };
    PluginRegistry::new(
        Allocation::OnDemand,
        ComponentCache::at(Path::new(env!("CARGO_TARGET_TMPDIR")).join("cchost-cache")),
        vec![spec],
        PathContext::from_env(None),
    )
    .unwrap()
}

fn task(records: Value) -> cchost::plugins::bindings::Task {
    cchost::plugins::bindings::Task {
        agent: "session-agent".into(),
        text: "log some records".into(),
        parameters: json!({"records": records}).to_string(),
    }
}

#[test]
fn an_agent_appends_and_reads_its_session_and_cannot_forge_the_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.jsonl");
    let writer = SessionWriter::open(&path, &SessionOptions::default()).unwrap();
    writer
        .append("task", None, &json!({"token": "host"}))
        .unwrap();
    let registry = registry();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let forged = json!({"seq": 999, "agent": "someone-else", "session": "other", "token": "plan"});
    let output = runtime
        .block_on(registry.call_agent_in_session(
            "session-agent",
            &task(json!([["plan", forged], ["note", {"token": "note"}], ["bad kind!", 1]])),
            Some(SessionHandle::new(writer.clone())),
        ))
        .unwrap();
    let result: Value = serde_json::from_str(&output.data).unwrap();
    // The host record is 1 and the plugin's log line 2: the plugin's records come after.
    assert_eq!(result["appended"], json!([3, 4]), "{result}");
    let errors = result["errors"].as_array().unwrap();
    assert!(
        errors.len() == 1 && errors[0].as_str().unwrap().contains("invalid kind"),
        "{result}"
    );
    let seen = result["seen"].as_array().unwrap();
    let kinds: Vec<&str> = seen.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["task", "log", "plan", "note"]);
    assert_eq!(result["first_page"], 2, "reads honour the limit");
    assert_eq!(seen[0]["agent"], Value::Null);
    assert_eq!(seen[2]["agent"], "session-agent");
    assert_eq!(seen[2]["seq"], 3);
    drop(writer);

    let contents = read_all(&path);
    assert!(contents.bad.is_empty());
    assert_eq!(contents.records.len(), 4);
    let mut reader = cchost::session::SessionReader::open(&path).unwrap();
    let records = reader.collect_records(10).unwrap();
    let plan = &records[2];
    assert_eq!(
        (plan.seq, plan.agent.as_deref(), plan.session.as_str()),
        (3, Some("session-agent"), "agent")
    );
    // What the plugin put in its data stays data: the envelope is the host's.
    let data: Value = serde_json::from_str(plan.data.get()).unwrap();
    assert_eq!(data["seq"], 999);
    assert_eq!(records[1].kind, "log");
}

#[test]
fn outside_a_session_the_interface_says_so() {
    let registry = registry();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let error = runtime
        .block_on(registry.call_agent("session-agent", &task(json!([["plan", 1]]))))
        .unwrap_err()
        .to_string();
    assert!(error.contains("no session"), "{error}");
}

#[test]
fn every_command_an_agent_tries_is_recorded_run_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().canonicalize().unwrap();
    let path = work.join("agent.jsonl");
    let writer = SessionWriter::open(&path, &SessionOptions::default()).unwrap();
    // `touch` is granted but the agent's manifest declares only `true`: it is not given.
    let registry = registry_granting(Capabilities {
        files: vec![FileAccess {
            path: work.display().to_string(),
            access: Access::Read,
        }],
        exec: vec![vec!["true".into()], vec!["touch".into()]],
        ..Capabilities::default()
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let task = cchost::plugins::bindings::Task {
        agent: "session-agent".into(),
        text: "run commands".into(),
        parameters: json!({"exec": [["true"], ["touch", "pwned"]], "cwd": work}).to_string(),
    };
    let output = runtime
        .block_on(registry.call_agent_in_session(
            "session-agent",
            &task,
            Some(SessionHandle::new(writer.clone())),
        ))
        .unwrap();
    writer.flush().unwrap();
    let result: Value = serde_json::from_str(&output.data).unwrap();
    assert_eq!(result["exec"][0], "exit Some(0)", "{result}");
    assert!(
        result["exec"][1].as_str().unwrap().contains("Denied("),
        "{result}"
    );
    assert!(!work.join("pwned").exists());
    // The agent's log line, with its level as a plain word.
    let log: Value = serde_json::from_str(result["seen"][0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(log, json!({"level": "info", "message": "appending"}));
    let mut reader = cchost::session::SessionReader::open(&path).unwrap();
    let records: Vec<Value> = reader
        .collect_records(100)
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == "exec")
        .map(|r| serde_json::from_str(r.data.get()).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["argv"], json!(["true"]));
    assert_eq!(records[0]["outcome"], "ran");
    assert_eq!(records[0]["exit_code"], 0);
    assert_eq!(records[1]["outcome"], "denied");
    assert!(
        records[1]["reason"]
            .as_str()
            .unwrap()
            .contains("starting with `true`"),
        "{records:?}"
    );
}
