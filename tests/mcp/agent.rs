//! The WIT `mcp` interface on a real agent component (`tests/plugins/mcp-agent`): the grant
//! decides which servers and tools exist for the agent, the PreToolUse and PostToolUse hooks
//! (a real hook component, `tests/plugins/tool-policy-hook`) deny, rewrite and comment, and
//! every call lands in the session log with its decisions.

use std::{collections::BTreeMap, ops::ControlFlow, path::Path, sync::Arc};

use cchost::{
    config::Config,
    hooks::HookSet,
    mcp::{ConnectionState, McpBroker, McpHub, TOOL_CALL_RECORD, ToolHooks},
    plugins::{
        AgentContext, PluginRegistry, PluginSource, PluginSpec,
        bindings::Task,
        builtin::PLUGIN_BUILD_DIR,
        grants::{Capabilities, PathContext},
        manifest::LimitSettings,
    },
    runtime::{Allocation, ComponentCache},
    session::{Entry, SessionHandle, SessionOptions, SessionReader, SessionWriter},
};
use serde_json::{Value, json};

use crate::{hub::python_stdio, servers};

fn spec(name: &str, file: &str, grant: &[&str], settings: Value) -> PluginSpec {
    let Value::Object(settings) = settings else {
        panic!("settings must be an object")
    };
    PluginSpec {
        name: name.into(),
        source: PluginSource::File(Path::new(PLUGIN_BUILD_DIR).join(format!("{file}.wasm"))),
        grant: Capabilities {
            mcp: grant.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
        limits: LimitSettings::default(),
        settings,
    }
}

struct Setup {
    registry: Arc<PluginRegistry>,
    hub: Arc<McpHub>,
    broker: Arc<McpBroker>,
}

/// The agent granted `grant`, a policy hook with `policy` settings bound to every `mcp__` tool,
/// and the Python test server as `py` (plus an unreachable `other`).
fn setup(grant: &[&str], policy: Value) -> Setup {
    let specs = vec![
        spec("mcp-agent", "mcp_agent", grant, json!({})),
        spec("policy", "tool_policy_hook", &[], policy),
    ];
    let registry = Arc::new(
        PluginRegistry::new(
            Allocation::OnDemand,
            ComponentCache::at(Path::new(env!("CARGO_TARGET_TMPDIR")).join("cchost-cache")),
            specs,
            PathContext::from_env(None),
        )
        .unwrap(),
    );
    let config: Config = toml::from_str(
        r#"
        [[hooks.PreToolUse]]
        matcher = "mcp__.*"
        plugin = "policy"
        [[hooks.PostToolUse]]
        matcher = "mcp__.*"
        plugin = "policy"
        "#,
    )
    .unwrap();
    let hooks = ToolHooks {
        registry: registry.clone(),
        set: Arc::new(HookSet::from_config(&config).unwrap()),
    };
    let mut configured = BTreeMap::new();
    configured.insert("py".to_string(), python_stdio());
    configured.insert(
        "other".to_string(),
        crate::hub::stdio(servers::npm_bin("mcp-server-everything"), &[]),
    );
    let hub = Arc::new(McpHub::new(&configured, Vec::new()));
    let broker = Arc::new(McpBroker::new(
        hub.clone(),
        Some(hooks),
        std::env::temp_dir(),
    ));
    Setup {
        registry,
        hub,
        broker,
    }
}

fn run_agent(setup: &Setup, session: &SessionWriter, parameters: Value) -> Value {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let task = Task {
        agent: "mcp-agent".into(),
        text: "use the tools".into(),
        parameters: parameters.to_string(),
    };
    let context = AgentContext {
        session: Some(SessionHandle::new(session.clone())),
        tools: Some(setup.broker.clone()),
        model: None,
    };
    let output = runtime
        .block_on(async {
            let output = setup
                .registry
                .call_agent_with("mcp-agent", &task, context)
                .await;
            setup.hub.shutdown().await;
            output
        })
        .unwrap();
    session.flush().unwrap();
    serde_json::from_str(&output.data).unwrap()
}

fn tool_call_records(path: &Path) -> Vec<Value> {
    let mut records = Vec::new();
    SessionReader::open(path)
        .unwrap()
        .for_each(|entry| {
            if let Entry::Record(record, _) = entry
                && record.kind == TOOL_CALL_RECORD
            {
                assert_eq!(record.agent.as_deref(), Some("mcp-agent"));
                records.push(record.data_as::<Value>().unwrap());
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    records
}

fn session() -> (tempfile::TempDir, SessionWriter) {
    let dir = tempfile::tempdir().unwrap();
    let writer =
        SessionWriter::open(&dir.path().join("s.jsonl"), &SessionOptions::default()).unwrap();
    (dir, writer)
}

#[test]
fn granted_calls_pass_the_hooks_and_are_recorded() {
    let setup = setup(
        &["py"],
        json!({"rewrite": {"text": "rewritten"}, "post_context": "checked by policy"}),
    );
    let (_dir, session) = session();
    let result = run_agent(
        &setup,
        &session,
        json!({
            "list": ["py"],
            "calls": [
                {"server": "py", "tool": "echo", "args": {"text": "original"}},
                {"server": "py", "tool": "add", "args": {"a": 2, "b": 3}},
            ]
        }),
    );
    assert_eq!(
        result["servers"],
        json!(["py"]),
        "only granted servers are listed: {result}"
    );
    let tools = result["tools"]["py"].as_array().unwrap();
    assert!(tools.contains(&json!("mcp__py__echo")), "{result}");
    // The PreToolUse hook's modified input is what the server received.
    assert_eq!(result["calls"][0]["text"], "Echo: rewritten", "{result}");
    assert_eq!(
        result["calls"][0]["feedback"], "checked by policy",
        "{result}"
    );
    assert_eq!(result["calls"][1]["text"], "5", "{result}");

    let records = tool_call_records(session.path());
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(records[0]["tool"], "mcp__py__echo");
    assert_eq!(records[0]["input"], json!({"text": "original"}));
    assert_eq!(records[0]["sent_input"], json!({"text": "rewritten"}));
    assert_eq!(records[0]["pre_tool_use"]["decision"], "allow");
    assert_eq!(
        records[0]["post_tool_use"]["additional_context"],
        "checked by policy"
    );
    assert_eq!(records[0]["outcome"], "ok");
    assert!(
        records[0]["result"]
            .as_str()
            .unwrap()
            .contains("Echo: rewritten")
    );
}

#[test]
fn a_hook_deny_stops_the_call_before_the_server() {
    let setup = setup(
        &["py"],
        json!({"deny": ["mcp__py__echo"], "post_block": "output rejected"}),
    );
    let (_dir, session) = session();
    let result = run_agent(
        &setup,
        &session,
        json!({"calls": [
            {"server": "py", "tool": "echo", "args": {"text": "x"}},
            {"server": "py", "tool": "add", "args": {"a": 1, "b": 1}},
        ]}),
    );
    let denied = result["calls"][0]["error"].as_str().unwrap();
    assert!(
        denied.contains("denied by a PreToolUse hook") && denied.contains("not allowed here"),
        "{result}"
    );
    // PostToolUse cannot undo a call; its block reason reaches the agent as feedback.
    assert_eq!(result["calls"][1]["text"], "2", "{result}");
    assert_eq!(
        result["calls"][1]["feedback"], "[policy] output rejected",
        "{result}"
    );
    let records = tool_call_records(session.path());
    assert_eq!(records[0]["outcome"], "denied");
    assert_eq!(records[0]["pre_tool_use"]["decision"], "deny");
    assert!(
        records[0].get("result").is_none(),
        "a denied call never ran: {:?}",
        records[0]
    );
    assert_eq!(records[1]["post_tool_use"]["decision"], "block");
}

#[test]
fn without_a_grant_the_agent_gets_a_permission_error_and_no_connection() {
    // Granted only `echo` of py: `add` is outside the grant, `other` is not granted at all.
    let setup = setup(&["py:echo"], json!({}));
    let (_dir, session) = session();
    let result = run_agent(
        &setup,
        &session,
        json!({
            "list": ["other"],
            "calls": [
                {"server": "other", "tool": "echo", "args": {"message": "x"}},
                {"server": "py", "tool": "add", "args": {"a": 1, "b": 1}},
                {"server": "py", "tool": "echo", "args": {"text": "fine"}},
            ]
        }),
    );
    assert!(
        result["tools"]["other"]["error"]
            .as_str()
            .unwrap()
            .contains("permission denied"),
        "{result}"
    );
    let other = result["calls"][0]["error"].as_str().unwrap();
    assert!(
        other.contains("permission denied") && other.contains("`other`"),
        "{result}"
    );
    let add = result["calls"][1]["error"].as_str().unwrap();
    assert!(add.contains("may not call tool `add`"), "{result}");
    assert_eq!(result["calls"][2]["text"], "Echo: fine", "{result}");
    // The refused server was never started.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(setup.hub.status("other", false)).unwrap();
    assert!(
        matches!(status.state, ConnectionState::NotStarted),
        "{status:?}"
    );
    let records = tool_call_records(session.path());
    let outcomes: Vec<&str> = records
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["refused", "refused", "ok"]);
}

#[test]
fn an_undeclared_grant_gives_nothing() {
    // The manifest declares `fs:read_*` only; granting all of `fs` does not widen it, and
    // `memory` is not declared at all.
    let setup = setup(&["memory"], json!({}));
    let (_dir, session) = session();
    let result = run_agent(
        &setup,
        &session,
        json!({"calls": [{"server": "memory", "tool": "read_graph", "args": {}}]}),
    );
    assert_eq!(result["servers"], json!([]), "{result}");
    assert!(
        result["calls"][0]["error"]
            .as_str()
            .unwrap()
            .contains("permission denied"),
        "{result}"
    );
}
