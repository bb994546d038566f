//! The legacy SSE transport against real servers: server-everything (TypeScript SDK) and the
//! Python SDK server, plus raw sockets standing in for servers that misbehave.

use std::{
    io::{BufRead, BufReader, Write},
    net::{TcpListener, TcpStream},
    time::{Duration, Instant},
};

use cchost::mcp::sse::SseTransport;
use http::HeaderMap;
use rmcp::{
    ServiceExt,
    model::{
        CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig,
        ClientJsonRpcMessage, Implementation, ProtocolVersion, object,
    },
    service::{RoleClient, RunningService},
    transport::Transport,
};

use crate::servers::HttpServer;

/// Generous: the real servers are already listening when a test connects.
const TIMEOUT: Duration = Duration::from_secs(30);

/// These servers speak 2024-11-05 over SSE; rmcp's default version is newer.
fn client_config() -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("cchost-sse-test", "0.0.0"),
    )
    .with_protocol_version(ProtocolVersion::V_2024_11_05)
}

async fn connect(url: &str) -> RunningService<RoleClient, ClientConfig> {
    let transport = SseTransport::connect(url, &HeaderMap::new(), TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    client_config()
        .serve(transport)
        .await
        .unwrap_or_else(|e| panic!("initialize: {e}"))
}

fn call(tool: &'static str, arguments: serde_json::Value) -> CallToolRequestParams {
    CallToolRequestParams::new(tool).with_arguments(object(arguments))
}

fn text(result: &CallToolResult) -> &str {
    let first = result.content.first().expect("tool result has content");
    &first.as_text().expect("text content").text
}

#[tokio::test]
async fn server_everything_initializes_lists_and_calls_tools() {
    let server = HttpServer::everything("sse");
    let transport = SseTransport::connect(&server.url("/sse"), &HeaderMap::new(), TIMEOUT)
        .await
        .expect("connect");
    // server-everything names its endpoint relative to the root: `/message?sessionId=…`.
    assert_eq!(transport.endpoint().path(), "/message");
    assert!(
        transport
            .endpoint()
            .query()
            .is_some_and(|q| q.starts_with("sessionId=")),
        "{transport:?}"
    );

    let client = client_config().serve(transport).await.expect("initialize");
    let info = client.peer_info().expect("server info after initialize");
    assert_eq!(info.protocol_version, ProtocolVersion::V_2024_11_05);

    let tools = client.list_all_tools().await.expect("list tools");
    assert!(
        tools.iter().any(|tool| tool.name == "echo"),
        "no echo tool in {:?}",
        tools.iter().map(|t| &t.name).collect::<Vec<_>>()
    );

    let result = client
        .call_tool(call(
            "echo",
            serde_json::json!({"message": "hello over SSE"}),
        ))
        .await
        .expect("call echo");
    assert_eq!(text(&result), "Echo: hello over SSE");
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn python_sdk_server_answers_calls_including_concurrent_ones() {
    let server = HttpServer::python("sse");
    let client = connect(&server.url("/sse")).await;

    let sum = client
        .call_tool(call("add", serde_json::json!({"a": 2, "b": 3})))
        .await
        .expect("call add");
    assert_eq!(text(&sum), "5");

    let echo = client
        .call_tool(call("echo", serde_json::json!({"text": "über CRLF"})))
        .await
        .expect("call echo");
    assert_eq!(text(&echo), "Echo: über CRLF");

    // Multiplexed on one stream; the slow calls finish in the reverse order of sending, so
    // each answer must be matched by id, not by arrival.
    let calls = (0..8u64).map(|i| {
        let client = &client;
        async move {
            let (request, expected) = if i % 2 == 0 {
                (
                    call("add", serde_json::json!({"a": i, "b": 100})),
                    (i + 100).to_string(),
                )
            } else {
                let ms = (8 - i) * 60;
                (
                    call("slow", serde_json::json!({"ms": ms})),
                    format!("slept {ms} ms"),
                )
            };
            let result = client.call_tool(request).await.expect("concurrent call");
            assert_eq!(text(&result), expected, "call {i}");
        }
    });
    tokio::time::timeout(TIMEOUT, futures::future::join_all(calls))
        .await
        .expect("concurrent calls hung");
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn connecting_where_nothing_listens_fails_fast_naming_the_url() {
    let port = TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .expect("find a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/sse");
    let started = Instant::now();
    let error = SseTransport::connect(&url, &HeaderMap::new(), TIMEOUT)
        .await
        .expect_err("nothing listens");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let message = error.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(message.to_lowercase().contains("refused"), "{message}");
}

#[tokio::test]
async fn a_post_the_server_never_answers_fails_within_the_timeout() {
    let port = fake_sse_server(FakeStream::AnnounceEndpoint);
    let timeout = Duration::from_millis(500);
    let mut transport = SseTransport::connect(
        &format!("http://127.0.0.1:{port}/sse"),
        &HeaderMap::new(),
        timeout,
    )
    .await
    .expect("connect");
    let ping: ClientJsonRpcMessage =
        serde_json::from_value(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .expect("a ping request");

    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(10), transport.send(ping))
        .await
        .expect("send hung despite its timeout")
        .expect_err("the POST is never answered");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= timeout && elapsed < Duration::from_secs(3),
        "took {elapsed:?}"
    );
    let message = error.to_string();
    assert!(message.contains("timed out"), "{message}");
    assert!(
        message.contains(&format!("http://127.0.0.1:{port}/message?sessionId=never")),
        "{message}"
    );
}

#[tokio::test]
async fn a_stream_without_endpoint_event_times_out_and_one_that_ends_says_so() {
    let timeout = Duration::from_millis(500);
    let port = fake_sse_server(FakeStream::Silent);
    let url = format!("http://127.0.0.1:{port}/sse");
    let started = Instant::now();
    let error = SseTransport::connect(&url, &HeaderMap::new(), timeout)
        .await
        .expect_err("no endpoint event");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    let message = error.to_string();
    assert!(
        message.contains("endpoint event") && message.contains(&url),
        "{message}"
    );
    assert!(message.contains("timed out"), "{message}");

    let port = fake_sse_server(FakeStream::EndAtOnce);
    let url = format!("http://127.0.0.1:{port}/sse");
    let error = SseTransport::connect(&url, &HeaderMap::new(), TIMEOUT)
        .await
        .expect_err("stream ends before the endpoint event");
    let message = error.to_string();
    assert!(
        message.contains("ended before the endpoint event"),
        "{message}"
    );
    assert!(message.contains(&url), "{message}");
}

#[tokio::test]
async fn a_server_dying_mid_session_ends_the_session_without_hanging() {
    let server = HttpServer::python("sse");
    let client = connect(&server.url("/sse")).await;
    client
        .call_tool(call("echo", serde_json::json!({"text": "still alive"})))
        .await
        .expect("call before the crash");

    let in_flight = tokio::spawn({
        let peer = client.peer().clone();
        async move {
            peer.call_tool(call("slow", serde_json::json!({"ms": 60_000})))
                .await
        }
    });
    // Let the POST reach the server before it dies.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(server); // kills the process

    let result = tokio::time::timeout(Duration::from_secs(10), in_flight)
        .await
        .expect("the in-flight call hung after the server died")
        .expect("call task");
    assert!(result.is_err(), "{result:?}");

    let result = tokio::time::timeout(
        Duration::from_secs(10),
        client.call_tool(call("echo", serde_json::json!({"text": "anyone?"}))),
    )
    .await
    .expect("a call after the server died hung");
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn receive_returns_none_when_the_server_dies() {
    let server = HttpServer::python("sse");
    let mut transport = SseTransport::connect(&server.url("/sse"), &HeaderMap::new(), TIMEOUT)
        .await
        .expect("connect");
    drop(server);
    let received = tokio::time::timeout(Duration::from_secs(10), transport.receive())
        .await
        .expect("receive hung after the server died");
    assert!(received.is_none(), "{received:?}");
    // The session is gone with its stream: a send says so instead of POSTing into the void.
    let ping: ClientJsonRpcMessage =
        serde_json::from_value(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
            .expect("a ping request");
    let error = transport.send(ping).await.expect_err("session is over");
    assert!(error.to_string().contains("/messages/"), "{error}");
}

/// What a fake server's GET stream does after its headers.
#[derive(Clone, Copy)]
enum FakeStream {
    /// Announces `/message?sessionId=never`, then stays open; POSTs are read, never answered
    /// (server-everything does the same for an unknown session id).
    AnnounceEndpoint,
    /// Stays open without a single event.
    Silent,
    /// Closes right after the headers.
    EndAtOnce,
}

/// A raw HTTP server on a real socket, for behaviours no well-behaved server shows. Its
/// thread and connections live until the test binary exits.
fn fake_sse_server(stream: FakeStream) -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    std::thread::spawn(move || {
        let mut open_connections = Vec::<TcpStream>::new();
        for connection in listener.incoming() {
            let Ok(mut connection) = connection else {
                continue;
            };
            let mut request_line = String::new();
            let mut reader = BufReader::new(connection.try_clone().expect("clone socket"));
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            if request_line.starts_with("GET ") {
                let _ = connection.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
                      Cache-Control: no-cache\r\n\r\n",
                );
                match stream {
                    FakeStream::AnnounceEndpoint => {
                        let _ = connection.write_all(
                            b": a comment first\r\n\r\n\
                              event: endpoint\r\ndata: /message?sessionId=never\r\n\r\n",
                        );
                    }
                    FakeStream::Silent => {}
                    FakeStream::EndAtOnce => continue, // drops the connection
                }
            }
            open_connections.push(connection);
        }
    });
    port
}
