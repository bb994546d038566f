//! The WIT `session` interface on a real agent component (`tests/plugins/session-agent`): the
//! host stamps sequence, time, session and agent; reads are paged; no session, clear error.

use std::path::Path;

use cchost::{
    plugins::{
        PluginRegistry, PluginSource, PluginSpec,
        builtin::PLUGIN_BUILD_DIR,
        grants::{Capabilities, PathContext},
        manifest::LimitSettings,
    },
    runtime::{Allocation, ComponentCache},
    session::{SessionHandle, SessionOptions, SessionWriter},
};
use serde_json::{Value, json};

use super::common::read_all;

fn registry() -> PluginRegistry {
    let spec = PluginSpec {
        name: "session-agent".into(),
        source: PluginSource::File(Path::new(PLUGIN_BUILD_DIR).join("session_agent.wasm")),
        grant: Capabilities::default(),
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
