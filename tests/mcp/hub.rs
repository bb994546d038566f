//! The MCP hub against the real reference servers over stdio and streamable HTTP: calls,
//! concurrency on one connection, progress, pagination-free listing, restarts after a crash,
//! timeouts with cancellation, and clear errors for servers that cannot work.

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use cchost::{
    config::{ElicitationPolicy, McpServer, McpTransport},
    mcp::{ConnectionState, McpError, McpHub},
};
use serde_json::{Map, Value, json};

use crate::servers::{self, HttpServer};

pub fn stdio(program: PathBuf, args: &[&str]) -> McpServer {
    McpServer {
        command: Some(program.to_string_lossy().into_owned()),
        args: args.iter().map(|a| a.to_string()).collect(),
        ..McpServer::default()
    }
}

pub fn http(transport: McpTransport, url: String) -> McpServer {
    McpServer {
        transport,
        url: Some(url),
        ..McpServer::default()
    }
}

pub fn python_stdio() -> McpServer {
    stdio(
        servers::python(),
        &[servers::python_server().to_str().unwrap()],
    )
}

fn hub(servers: Vec<(&str, McpServer)>) -> McpHub {
    let servers: BTreeMap<String, McpServer> = servers
        .into_iter()
        .map(|(n, s)| (n.to_string(), s))
        .collect();
    McpHub::new(&servers, vec![std::env::temp_dir()])
}

fn args(value: Value) -> Map<String, Value> {
    let Value::Object(map) = value else {
        panic!("arguments must be an object")
    };
    map
}

/// The text blocks of a tool result, joined.
pub fn text_of(result: &impl serde::Serialize) -> String {
    let value = serde_json::to_value(result).unwrap();
    value["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|block| block["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn tool_names(hub: &McpHub, server: &str) -> Vec<String> {
    let tools = hub.list_tools(server).await.unwrap();
    tools.iter().map(|t| t.name.to_string()).collect()
}

#[tokio::test]
async fn everything_over_stdio_echoes_sums_and_reports_images() {
    let hub = hub(vec![(
        "everything",
        stdio(servers::npm_bin("mcp-server-everything"), &[]),
    )]);
    let names = tool_names(&hub, "everything").await;
    for expected in ["echo", "get-sum", "get-tiny-image"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let echo = hub
        .call_tool("everything", "echo", args(json!({"message": "hello"})))
        .await
        .unwrap();
    assert_eq!(text_of(&echo), "Echo: hello");
    let sum = hub
        .call_tool("everything", "get-sum", args(json!({"a": 2, "b": 40})))
        .await
        .unwrap();
    assert!(text_of(&sum).contains("42"), "{}", text_of(&sum));
    let image = hub
        .call_tool("everything", "get-tiny-image", Map::new())
        .await
        .unwrap();
    let summary = cchost::mcp::summarize(&serde_json::to_value(&image).unwrap());
    assert!(summary.contains("[image: image/png"), "{summary}");
    hub.shutdown().await;
}

/// server-everything offers its elicitation tool only to clients that declare the capability,
/// which cchost does only with `elicitation = "defaults"`. That tool's form requires a `name`
/// without a default, so even then the answer is a decline, not an acceptance the server would
/// have to reject. (Acceptance is covered by the conformance suite's SEP-1034 scenario.)
#[tokio::test]
async fn elicitation_is_offered_only_with_the_defaults_policy() {
    let everything = || stdio(servers::npm_bin("mcp-server-everything"), &[]);
    let answering = McpServer {
        elicitation: ElicitationPolicy::Defaults,
        ..everything()
    };
    let hub = hub(vec![("declining", everything()), ("answering", answering)]);
    let tool = "trigger-elicitation-request";
    let declining = tool_names(&hub, "declining").await;
    assert!(!declining.iter().any(|n| n == tool), "{declining:?}");
    let answering = tool_names(&hub, "answering").await;
    assert!(answering.iter().any(|n| n == tool), "{answering:?}");
    let result = hub.call_tool("answering", tool, Map::new()).await.unwrap();
    let text = text_of(&result);
    assert!(text.contains("declined"), "{text}");
    hub.shutdown().await;
}

#[tokio::test]
async fn one_connection_serves_concurrent_calls() {
    let hub = hub(vec![("py", python_stdio())]);
    let calls = (0..20).map(|i| {
        let hub = &hub;
        async move {
            let result = hub
                .call_tool("py", "add", args(json!({"a": i, "b": 1000})))
                .await;
            (i, text_of(&result.unwrap()))
        }
    });
    for (i, text) in futures::future::join_all(calls).await {
        assert_eq!(text, (i + 1000).to_string());
    }
    let status = hub.status("py", false).await.unwrap();
    assert!(
        matches!(status.state, ConnectionState::Connected { .. }),
        "{status:?}"
    );
    hub.shutdown().await;
}

#[tokio::test]
async fn long_running_operation_reports_progress_and_completes() {
    let hub = hub(vec![(
        "everything",
        stdio(servers::npm_bin("mcp-server-everything"), &[]),
    )]);
    let result = hub
        .call_tool(
            "everything",
            "trigger-long-running-operation",
            args(json!({"duration": 1, "steps": 3})),
        )
        .await
        .unwrap();
    assert!(
        text_of(&result).contains("completed"),
        "{}",
        text_of(&result)
    );
    hub.shutdown().await;
}

#[tokio::test]
async fn filesystem_server_reads_inside_its_root_and_refuses_outside() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("notes.md"), "# Notes\nTODO: write more\n").unwrap();
    let root_arg = root.path().canonicalize().unwrap();
    let hub = hub(vec![(
        "fs",
        stdio(
            servers::npm_bin("mcp-server-filesystem"),
            &[root_arg.to_str().unwrap()],
        ),
    )]);
    let names = tool_names(&hub, "fs").await;
    assert!(names.len() >= 10, "{names:?}");
    assert!(names.iter().any(|n| n == "read_text_file"), "{names:?}");
    let file = root_arg.join("notes.md");
    let read = hub
        .call_tool("fs", "read_text_file", args(json!({"path": file})))
        .await
        .unwrap();
    assert!(text_of(&read).contains("TODO: write more"));
    let outside = hub
        .call_tool(
            "fs",
            "read_text_file",
            args(json!({"path": "/etc/hostname"})),
        )
        .await
        .unwrap();
    assert_eq!(outside.is_error, Some(true), "{}", text_of(&outside));
    hub.shutdown().await;
}

#[tokio::test]
async fn memory_server_keeps_a_graph() {
    let dir = tempfile::tempdir().unwrap();
    let mut memory = stdio(servers::npm_bin("mcp-server-memory"), &[]);
    let file = dir.path().join("memory.jsonl");
    memory.env.insert(
        "MEMORY_FILE_PATH".into(),
        file.to_string_lossy().into_owned(),
    );
    let hub = hub(vec![("memory", memory)]);
    let entities = json!({"entities": [
        {"name": "cchost", "entityType": "project", "observations": ["written in Rust"]},
        {"name": "wasmtime", "entityType": "library", "observations": []}
    ]});
    hub.call_tool("memory", "create_entities", args(entities))
        .await
        .unwrap();
    let relations =
        json!({"relations": [{"from": "cchost", "to": "wasmtime", "relationType": "uses"}]});
    hub.call_tool("memory", "create_relations", args(relations))
        .await
        .unwrap();
    let graph = hub
        .call_tool("memory", "read_graph", Map::new())
        .await
        .unwrap();
    let text = text_of(&graph);
    assert!(
        text.contains("written in Rust") && text.contains("uses"),
        "{text}"
    );
    hub.shutdown().await;
    assert!(std::fs::read_to_string(&file).unwrap().contains("cchost"));
}

#[tokio::test]
async fn streamable_http_against_everything_and_the_python_sdk() {
    let everything = HttpServer::everything("streamableHttp");
    let python = HttpServer::python("streamable-http");
    let hub = hub(vec![
        (
            "everything",
            http(McpTransport::Http, everything.url("/mcp")),
        ),
        ("py", http(McpTransport::Http, python.url("/mcp"))),
    ]);
    let echo = hub
        .call_tool("everything", "echo", args(json!({"message": "over http"})))
        .await
        .unwrap();
    assert_eq!(text_of(&echo), "Echo: over http");
    let sum = hub
        .call_tool("py", "add", args(json!({"a": 2, "b": 3})))
        .await
        .unwrap();
    assert_eq!(text_of(&sum), "5");
    let resource = hub.read_resource("py", "note://hello").await.unwrap();
    assert!(
        serde_json::to_string(&resource)
            .unwrap()
            .contains("hello from python")
    );
    let prompt = hub
        .get_prompt("py", "greet", args(json!({"name": "Ada"})))
        .await
        .unwrap();
    assert!(
        serde_json::to_string(&prompt)
            .unwrap()
            .contains("Say hello to Ada")
    );
    hub.shutdown().await;
}

#[tokio::test]
async fn a_timed_out_call_is_cancelled_and_the_connection_stays_usable() {
    let mut server = python_stdio();
    server.timeout_ms = Some(300);
    let hub = hub(vec![("py", server)]);
    let error = hub
        .call_tool("py", "slow", args(json!({"ms": 5000})))
        .await
        .unwrap_err();
    assert!(matches!(error, McpError::Timeout { .. }), "{error}");
    assert!(error.to_string().contains("300 ms"), "{error}");
    let echo = hub
        .call_tool("py", "echo", args(json!({"text": "still here"})))
        .await
        .unwrap();
    assert_eq!(text_of(&echo), "Echo: still here");
    hub.shutdown().await;
}

#[tokio::test]
async fn a_dead_server_is_restarted_on_the_next_call() {
    let http_server = HttpServer::python("streamable-http");
    let url = http_server.url("/mcp");
    // Tests run in parallel in this process: the tag tells this test's server from the others.
    let mut tagged = python_stdio();
    tagged
        .env
        .insert(SERVER_TAG.into(), "restarted-on-next-call".into());
    let hub = hub(vec![
        ("py", tagged),
        ("remote", http(McpTransport::Http, url)),
    ]);
    hub.call_tool("py", "echo", args(json!({"text": "one"})))
        .await
        .unwrap();
    let pid = tagged_server_pid("restarted-on-next-call");
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).unwrap();
    // The call in flight when the server dies fails; the next one gets a new process.
    let mut answered = None;
    for _ in 0..3 {
        match hub
            .call_tool("py", "echo", args(json!({"text": "two"})))
            .await
        {
            Ok(result) => {
                answered = Some(text_of(&result));
                break;
            }
            Err(error) => assert!(error.to_string().contains("`py`"), "{error}"),
        }
    }
    assert_eq!(answered.as_deref(), Some("Echo: two"));
    assert_ne!(tagged_server_pid("restarted-on-next-call"), pid);
    hub.shutdown().await;
}

const SERVER_TAG: &str = "CCHOST_TEST_SERVER_TAG";

/// The pid of the live server process started with `SERVER_TAG=tag` in its environment.
fn tagged_server_pid(tag: &str) -> rustix::process::Pid {
    let wanted = format!("{SERVER_TAG}={tag}");
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let tagged = environ
            .split(|b| *b == 0)
            .any(|var| var == wanted.as_bytes());
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit(')')
            .next()
            .and_then(|s| s.split_whitespace().next())
            == Some("Z");
        if tagged && !zombie {
            let pid: i32 = entry.file_name().to_string_lossy().parse().unwrap();
            return rustix::process::Pid::from_raw(pid).unwrap();
        }
    }
    panic!("no live server process tagged {wanted}");
}

#[tokio::test]
async fn servers_that_cannot_work_fail_clearly_and_fast() {
    let refused = format!("http://127.0.0.1:{}/mcp", servers::free_port());
    let hub = hub(vec![
        (
            "missing",
            stdio(PathBuf::from("no-such-mcp-server-binary"), &[]),
        ),
        ("not-mcp", stdio(PathBuf::from("/bin/false"), &[])),
        ("refused", http(McpTransport::Http, refused.clone())),
        (
            "no-url",
            McpServer {
                transport: McpTransport::Http,
                ..McpServer::default()
            },
        ),
    ]);
    let started = std::time::Instant::now();
    let error = |server: &'static str| {
        let hub = &hub;
        async move { hub.list_tools(server).await.unwrap_err().to_string() }
    };
    let missing = error("missing").await;
    assert!(
        missing.contains("`missing`") && missing.contains("not found"),
        "{missing}"
    );
    let not_mcp = error("not-mcp").await;
    assert!(
        not_mcp.contains("`not-mcp`") && not_mcp.contains("cannot connect"),
        "{not_mcp}"
    );
    let refused_error = error("refused").await;
    assert!(refused_error.contains("`refused`"), "{refused_error}");
    let no_url = error("no-url").await;
    assert!(no_url.contains("needs `url`"), "{no_url}");
    let unknown = hub.list_tools("nope").await.unwrap_err().to_string();
    assert!(
        unknown.contains("configured: missing, no-url, not-mcp, refused"),
        "{unknown}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let status = hub.status("missing", false).await.unwrap();
    assert!(matches!(status.state, ConnectionState::Failed { .. }));
}

#[tokio::test]
async fn legacy_sse_through_the_hub_against_everything_and_the_python_sdk() {
    let everything = HttpServer::everything("sse");
    let python = HttpServer::python("sse");
    let hub = hub(vec![
        (
            "everything",
            http(McpTransport::Sse, everything.url("/sse")),
        ),
        ("py", http(McpTransport::Sse, python.url("/sse"))),
    ]);
    let echo = hub
        .call_tool("everything", "echo", args(json!({"message": "over sse"})))
        .await
        .unwrap();
    assert_eq!(text_of(&echo), "Echo: over sse");
    let sum = hub
        .call_tool("py", "add", args(json!({"a": 20, "b": 22})))
        .await
        .unwrap();
    assert_eq!(text_of(&sum), "42");
    let status = hub.status("py", false).await.unwrap();
    let ConnectionState::Connected {
        protocol_version, ..
    } = status.state
    else {
        panic!("{status:?}");
    };
    assert!(!protocol_version.is_empty());
    hub.shutdown().await;
}
