//! Opening one server connection from its configuration: the transport (a child process over
//! stdio, streamable HTTP, or legacy SSE) and the initialisation handshake.

use std::{collections::HashMap, process::Stdio, time::Duration};

use http::{HeaderMap, HeaderName, HeaderValue};
use rmcp::{
    RoleClient, ServiceExt,
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, TokioChildProcess,
        streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{McpError, client::HostClient, sse::SseTransport, standalone_stream::StreamWatch};
use crate::config::{McpServer, McpTransport};

/// How long a new streamable HTTP session waits for its standalone GET stream before the first
/// request: requests the server sends there before it is open are lost.
const STANDALONE_STREAM_WAIT: Duration = Duration::from_secs(2);

pub type Connection = RunningService<RoleClient, HostClient>;

/// An initialised session, and the server's process when cchost started it.
pub struct Connected {
    pub connection: Connection,
    pub pid: Option<u32>,
}

/// Starts or dials `name` and completes the MCP handshake within `timeout`.
pub async fn connect(
    name: &str,
    server: &McpServer,
    client: HostClient,
    timeout: Duration,
) -> Result<Connected, McpError> {
    let mut pid = None;
    let handshake = async {
        match server.transport {
            McpTransport::Stdio => {
                let process = spawn_stdio(name, server)?;
                pid = process.id();
                client.serve(process).await
            }
            McpTransport::Http => {
                let url = url_of(name, server)?;
                let config = StreamableHttpClientTransportConfig::with_uri(url)
                    .custom_headers(header_map(name, server)?.into_iter().collect());
                let (http_client, stream_answered) = StreamWatch::new(reqwest::Client::new());
                let transport = StreamableHttpClientTransport::with_client(http_client, config);
                let connection = client.serve(transport).await;
                if connection.is_ok() && !stream_answered.wait(STANDALONE_STREAM_WAIT).await {
                    tracing::debug!(
                        server = name,
                        "no answer to the standalone GET stream within {} ms; going on without it",
                        STANDALONE_STREAM_WAIT.as_millis()
                    );
                }
                connection
            }
            McpTransport::Sse => {
                let url = url_of(name, server)?;
                let headers: HeaderMap = header_map(name, server)?.into_iter().collect();
                let transport = SseTransport::connect(url, &headers, timeout)
                    .await
                    .map_err(|e| McpError::connect(name, e))?;
                client.serve(transport).await
            }
        }
        .map_err(|e| McpError::connect(name, e))
    };
    let connection = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| {
            McpError::connect(
                name,
                format!("no handshake within {} ms", timeout.as_millis()),
            )
        })??;
    Ok(Connected { connection, pid })
}

fn url_of<'a>(name: &str, server: &'a McpServer) -> Result<&'a str, McpError> {
    server
        .url
        .as_deref()
        .ok_or_else(|| McpError::config(name, "an http or sse server needs `url`"))
}

fn header_map(
    name: &str,
    server: &McpServer,
) -> Result<HashMap<HeaderName, HeaderValue>, McpError> {
    server
        .headers
        .iter()
        .map(|(key, value)| {
            let key = HeaderName::try_from(key.as_str())
                .map_err(|e| McpError::config(name, format!("header name `{key}`: {e}")))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|e| McpError::config(name, format!("header `{key}` value: {e}")))?;
            Ok((key, value))
        })
        .collect()
}

/// The server process: configured program and arguments (never a shell), the parent's
/// environment plus the configured variables, stderr forwarded to tracing line by line.
fn spawn_stdio(name: &str, server: &McpServer) -> Result<TokioChildProcess, McpError> {
    let program = server
        .command
        .as_deref()
        .ok_or_else(|| McpError::config(name, "a stdio server needs `command`"))?;
    let mut command = tokio::process::Command::new(program);
    // However cchost ends, the server does not outlive it.
    command
        .args(&server.args)
        .envs(&server.env)
        .kill_on_drop(true);
    if let Some(cwd) = &server.cwd {
        command.current_dir(cwd);
    }
    let (process, stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                McpError::connect(name, format!("command `{program}` not found"))
            }
            _ => McpError::connect(name, format!("cannot start `{program}`: {e}")),
        })?;
    if let Some(stderr) = stderr {
        let server = name.to_string();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::debug!(%server, "stderr: {line}");
            }
        });
    }
    Ok(process)
}
