//! Opening one server connection from its configuration: the transport (a child process over
//! stdio, streamable HTTP, or legacy SSE) and the initialisation handshake.

use std::{collections::HashMap, path::Path, process::Stdio, time::Duration};

use http::{HeaderMap, HeaderName, HeaderValue};
use rmcp::{
    RoleClient, ServiceExt,
    service::{ClientInitializeError, RunningService},
    transport::{
        AuthClient, StreamableHttpClientTransport, TokioChildProcess,
        streamable_http_client::{StreamableHttpClient, StreamableHttpClientTransportConfig},
    },
};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{
    McpError,
    client::HostClient,
    oauth::{self, Challenge, ChallengeSeen, ChallengeWatch},
    sse::SseTransport,
    standalone_stream::StreamWatch,
};
use crate::config::{McpServer, McpTransport};

/// How long a new streamable HTTP session waits for its standalone GET stream before the first
/// request: requests the server sends there before it is open are lost.
const STANDALONE_STREAM_WAIT: Duration = Duration::from_secs(2);

pub type Connection = RunningService<RoleClient, HostClient>;

/// An initialised session, and the server's process when cchost started it.
pub struct Connected {
    pub connection: Connection,
    pub pid: Option<u32>,
    /// For an http server: the OAuth challenges its requests got, which turn a failed request
    /// into [`McpError::AuthRequired`].
    pub challenges: Option<ChallengeSeen>,
}

/// Starts or dials `name` and completes the MCP handshake within `timeout`. An http server's
/// requests carry the OAuth token stored in `credentials_dir`, if there is one.
pub async fn connect(
    name: &str,
    server: &McpServer,
    client: HostClient,
    timeout: Duration,
    credentials_dir: Option<&Path>,
) -> Result<Connected, McpError> {
    if server.oauth.is_some() && server.transport != McpTransport::Http {
        return Err(McpError::config(
            name,
            "`oauth` applies to http (streamable HTTP) servers only",
        ));
    }
    let mut pid = None;
    let mut challenges = None;
    let handshake = async {
        match server.transport {
            McpTransport::Stdio => {
                let process = spawn_stdio(name, server)?;
                pid = process.id();
                client
                    .serve(process)
                    .await
                    .map_err(|e| McpError::connect(name, e))
            }
            McpTransport::Http => {
                let url = url_of(name, server)?;
                let config = StreamableHttpClientTransportConfig::with_uri(url)
                    .custom_headers(header_map(name, server)?.into_iter().collect());
                let authorizer = oauth::authorizer(name, server, credentials_dir).await?;
                let (connection, seen) = match authorizer {
                    Some(manager) => {
                        let http = AuthClient::new(reqwest::Client::new(), manager);
                        serve_http(name, client, http, config).await
                    }
                    None => serve_http(name, client, reqwest::Client::new(), config).await,
                };
                challenges = Some(seen.clone());
                connection.map_err(|e| match seen.take() {
                    Some(challenge) => auth_required(name, challenge),
                    None => McpError::connect(name, e),
                })
            }
            McpTransport::Sse => {
                let url = url_of(name, server)?;
                let headers: HeaderMap = header_map(name, server)?.into_iter().collect();
                let transport = SseTransport::connect(url, &headers, timeout)
                    .await
                    .map_err(|e| McpError::connect(name, e))?;
                client
                    .serve(transport)
                    .await
                    .map_err(|e| McpError::connect(name, e))
            }
        }
    };
    let connection = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| {
            McpError::connect(
                name,
                format!("no handshake within {} ms", timeout.as_millis()),
            )
        })??;
    Ok(Connected {
        connection,
        pid,
        challenges,
    })
}

/// The error of a request the server refused for want of a (better) OAuth token.
pub fn auth_required(name: &str, challenge: Challenge) -> McpError {
    McpError::AuthRequired {
        server: name.to_string(),
        challenge: Some(challenge.www_authenticate).filter(|c| !c.is_empty()),
        insufficient_scope: challenge.insufficient_scope,
    }
}

/// The streamable HTTP handshake over `http`, watched for OAuth challenges and for the
/// standalone GET stream, which the first request waits for.
async fn serve_http<C>(
    name: &str,
    client: HostClient,
    http: C,
    config: StreamableHttpClientTransportConfig,
) -> (Result<Connection, ClientInitializeError>, ChallengeSeen)
where
    C: StreamableHttpClient + Send + Sync + 'static,
{
    let (http, seen) = ChallengeWatch::new(http);
    let (http, stream_answered) = StreamWatch::new(http);
    let transport = StreamableHttpClientTransport::with_client(http, config);
    let connection = client.serve(transport).await;
    if connection.is_ok() && !stream_answered.wait(STANDALONE_STREAM_WAIT).await {
        tracing::debug!(
            server = name,
            "no answer to the standalone GET stream within {} ms; going on without it",
            STANDALONE_STREAM_WAIT.as_millis()
        );
    }
    (connection, seen)
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
