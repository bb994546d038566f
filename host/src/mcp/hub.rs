//! The configured MCP servers and their connections: started lazily on first use, one connection
//! per server shared by concurrent requests (rmcp multiplexes them), re-established with
//! exponential backoff after the server dies, with cached tool lists refreshed when the server
//! says they changed.

use std::{
    collections::BTreeMap,
    future::Future,
    path::PathBuf,
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use rmcp::{
    Peer, RoleClient,
    model::{
        CallToolRequestParams, CallToolResult, GetPromptRequestParams, GetPromptResult, Prompt,
        ReadResourceRequestParams, ReadResourceResult, Resource, Tool,
    },
};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::{
    McpError,
    client::HostClient,
    connect::{Connected, Connection, auth_required, connect},
    oauth::{self, ChallengeSeen},
};
use crate::config::{McpServer, McpTransport};

/// Per-request timeout when the server's `timeout_ms` is not set.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Time allowed to start a server and finish the handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stdio server gets to exit after its stdin closes, and again after SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// All configured servers of one process.
pub struct McpHub {
    servers: BTreeMap<String, Arc<ServerSlot>>,
    roots: Arc<[PathBuf]>,
    /// Where http servers' OAuth credentials are stored (`cchost mcp login`).
    credentials_dir: Option<PathBuf>,
}

/// What `cchost mcp list` shows about a server.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServerStatus {
    pub name: String,
    pub transport: McpTransport,
    /// The command line or URL.
    pub target: String,
    pub state: ConnectionState,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ConnectionState {
    NotStarted,
    Connected {
        protocol_version: String,
        server_name: Option<String>,
        server_version: Option<String>,
    },
    Failed {
        error: String,
    },
}

struct ServerSlot {
    name: String,
    config: McpServer,
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    live: Option<Arc<Live>>,
    consecutive_failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<String>,
}

struct Live {
    connection: Connection,
    pid: Option<u32>,
    challenges: Option<ChallengeSeen>,
    client: HostClient,
    tools: Mutex<Option<Arc<[Tool]>>>,
}

impl McpHub {
    /// A hub over `servers`; `roots` are the directories announced to servers that ask.
    pub fn new(servers: &BTreeMap<String, McpServer>, roots: Vec<PathBuf>) -> McpHub {
        let servers = servers
            .iter()
            .map(|(name, config)| {
                let slot = ServerSlot {
                    name: name.clone(),
                    config: config.clone(),
                    state: Mutex::default(),
                };
                (name.clone(), Arc::new(slot))
            })
            .collect();
        McpHub {
            servers,
            roots: roots.into(),
            credentials_dir: oauth::default_credentials_dir(),
        }
    }

    /// Reads and stores OAuth credentials in `dir` instead of the default
    /// ([`oauth::default_credentials_dir`]).
    pub fn with_credentials_dir(mut self, dir: PathBuf) -> McpHub {
        self.credentials_dir = Some(dir);
        self
    }

    /// Where OAuth credentials are read and stored.
    pub fn credentials_dir(&self) -> Option<&std::path::Path> {
        self.credentials_dir.as_deref()
    }

    /// The configuration of `server`.
    pub fn config(&self, server: &str) -> Result<&McpServer, McpError> {
        self.slot(server).map(|slot| &slot.config)
    }

    pub fn server_names(&self) -> impl Iterator<Item = &str> {
        self.servers.keys().map(String::as_str)
    }

    /// The server's state, connecting first when `connect` is set.
    pub async fn status(&self, server: &str, connect: bool) -> Result<ServerStatus, McpError> {
        let slot = self.slot(server)?;
        if connect {
            let _ = self.live(slot).await;
        }
        let state = slot.state.lock().await;
        let state = match (&state.live, &state.last_error) {
            (Some(live), _) => {
                let info = live.connection.peer().peer_info();
                ConnectionState::Connected {
                    protocol_version: info
                        .as_ref()
                        .map(|i| i.protocol_version.to_string())
                        .unwrap_or_default(),
                    server_name: info
                        .as_ref()
                        .and_then(|i| i.server_info.as_ref().map(|s| s.name.clone())),
                    server_version: info
                        .as_ref()
                        .and_then(|i| i.server_info.as_ref().map(|s| s.version.clone())),
                }
            }
            (None, Some(error)) => ConnectionState::Failed {
                error: error.clone(),
            },
            (None, None) => ConnectionState::NotStarted,
        };
        Ok(ServerStatus {
            name: slot.name.clone(),
            transport: slot.config.transport,
            target: target_of(&slot.config),
            state,
        })
    }

    /// The server's tools, from the cache unless the server announced a change.
    pub async fn list_tools(&self, server: &str) -> Result<Arc<[Tool]>, McpError> {
        let slot = self.slot(server)?;
        let live = self.live(slot).await?;
        let mut cached = live.tools.lock().await;
        let stale = live.client.stale.tools.swap(false, Ordering::AcqRel);
        if let Some(tools) = cached.as_ref().filter(|_| !stale) {
            return Ok(tools.clone());
        }
        let tools: Arc<[Tool]> = self
            .request(
                slot,
                &live,
                |peer| async move { peer.list_all_tools().await },
            )
            .await?
            .into();
        *cached = Some(tools.clone());
        Ok(tools)
    }

    pub async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<CallToolResult, McpError> {
        let slot = self.slot(server)?;
        let live = self.live(slot).await?;
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        let result = self
            .request(
                slot,
                &live,
                |peer| async move { peer.call_tool(params).await },
            )
            .await;
        match result {
            Err(McpError::Server { message, .. }) if is_unknown_tool(&message, tool) => {
                Err(McpError::UnknownTool {
                    server: server.to_string(),
                    tool: tool.to_string(),
                })
            }
            other => other,
        }
    }

    pub async fn list_resources(&self, server: &str) -> Result<Vec<Resource>, McpError> {
        let slot = self.slot(server)?;
        let live = self.live(slot).await?;
        self.request(slot, &live, |peer| async move {
            peer.list_all_resources().await
        })
        .await
    }

    pub async fn read_resource(
        &self,
        server: &str,
        uri: &str,
    ) -> Result<ReadResourceResult, McpError> {
        let slot = self.slot(server)?;
        let live = self.live(slot).await?;
        let params = ReadResourceRequestParams::new(uri.to_string());
        self.request(slot, &live, |peer| async move {
            peer.read_resource(params).await
        })
        .await
    }

    pub async fn list_prompts(&self, server: &str) -> Result<Vec<Prompt>, McpError> {
        let slot = self.slot(server)?;
        let live = self.live(slot).await?;
        self.request(
            slot,
            &live,
            |peer| async move { peer.list_all_prompts().await },
        )
        .await
    }

    pub async fn get_prompt(
        &self,
        server: &str,
        prompt: &str,
        arguments: Map<String, Value>,
    ) -> Result<GetPromptResult, McpError> {
        let slot = self.slot(server)?;
        let live = self.live(slot).await?;
        let params = GetPromptRequestParams::new(prompt.to_string()).with_arguments(arguments);
        self.request(
            slot,
            &live,
            |peer| async move { peer.get_prompt(params).await },
        )
        .await
    }

    /// Closes every connection at once. A stdio server gets its stdin closed, then
    /// [`SHUTDOWN_GRACE`] to exit, then SIGTERM and as long again, then SIGKILL: some servers
    /// never exit on their own when stdin closes.
    pub async fn shutdown(&self) {
        let mut closing = Vec::new();
        for slot in self.servers.values() {
            if let Some(live) = slot.state.lock().await.live.take() {
                closing.push(live);
            }
        }
        futures::future::join_all(closing.into_iter().map(close)).await;
    }

    fn slot(&self, server: &str) -> Result<&ServerSlot, McpError> {
        self.servers
            .get(server)
            .map(Arc::as_ref)
            .ok_or_else(|| McpError::UnknownServer {
                server: server.to_string(),
                known: self.servers.keys().cloned().collect(),
            })
    }

    /// The live connection, (re)connecting when there is none; after failures the next attempt
    /// waits out an exponential backoff so a crashing server is not restarted in a busy loop.
    async fn live(&self, slot: &ServerSlot) -> Result<Arc<Live>, McpError> {
        let mut state = slot.state.lock().await;
        if let Some(live) = &state.live {
            if !live.is_gone() {
                return Ok(live.clone());
            }
            state.live = None;
            note_failure(
                &mut state,
                format!("MCP server `{}` closed its connection", slot.name),
            );
        }
        if let Some(retry_at) = state.retry_at {
            tokio::time::sleep_until(retry_at.into()).await;
        }
        let client = HostClient::new(&slot.name, self.roots.clone(), slot.config.elicitation);
        let timeout = slot.config.timeout_ms.map_or(CONNECT_TIMEOUT, |ms| {
            Duration::from_millis(ms).max(CONNECT_TIMEOUT)
        });
        let connected = connect(
            &slot.name,
            &slot.config,
            client.clone(),
            timeout,
            self.credentials_dir.as_deref(),
        )
        .await;
        match connected {
            Ok(Connected {
                connection,
                pid,
                challenges,
            }) => {
                let live = Arc::new(Live {
                    connection,
                    pid,
                    challenges,
                    client,
                    tools: Mutex::default(),
                });
                state.live = Some(live.clone());
                state.retry_at = None;
                state.last_error = None;
                Ok(live)
            }
            Err(error) => {
                note_failure(&mut state, error.to_string());
                Err(error)
            }
        }
    }

    /// Runs one request with the server's timeout (dropping it on timeout sends a cancellation);
    /// a dead connection is dropped so that the next request reconnects.
    async fn request<T, F, Fut>(
        &self,
        slot: &ServerSlot,
        live: &Arc<Live>,
        send: F,
    ) -> Result<T, McpError>
    where
        F: FnOnce(Peer<RoleClient>) -> Fut,
        Fut: Future<Output = Result<T, rmcp::ServiceError>>,
    {
        let timeout = slot
            .config
            .timeout_ms
            .map_or(DEFAULT_REQUEST_TIMEOUT, Duration::from_millis);
        let peer = live.connection.peer().clone();
        let outcome = match tokio::time::timeout(timeout, send(peer)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(McpError::from_service(&slot.name, error)),
            Err(_) => Err(McpError::Timeout {
                server: slot.name.clone(),
                timeout,
            }),
        };
        let mut state = slot.state.lock().await;
        match &outcome {
            Err(error) if error.is_disconnect() || live.is_gone() => {
                if state
                    .live
                    .as_ref()
                    .is_some_and(|current| Arc::ptr_eq(current, live))
                {
                    state.live = None;
                    note_failure(&mut state, error.to_string());
                }
            }
            Ok(_) => state.consecutive_failures = 0,
            Err(_) => {}
        }
        // A request the server refused for want of a (better) OAuth token ends the session;
        // say so, rather than that the connection dropped.
        let challenge = live.challenges.as_ref().and_then(ChallengeSeen::take);
        match (outcome, challenge) {
            (Err(error), Some(challenge)) if error.is_disconnect() => {
                Err(auth_required(&slot.name, challenge))
            }
            (outcome, _) => outcome,
        }
    }
}

impl Live {
    fn is_gone(&self) -> bool {
        self.connection.is_closed() || self.connection.peer().is_transport_closed()
    }
}

async fn close(live: Arc<Live>) {
    use rustix::process::{Pid, Signal, kill_process};
    let Some(live) = Arc::into_inner(live) else {
        return; // a request still holds it; its drop kills the process
    };
    let pid = live.pid.and_then(|pid| Pid::from_raw(pid as i32));
    let token = live.connection.cancellation_token();
    token.cancel();
    let mut finished = std::pin::pin!(live.connection.waiting());
    for signal in [Some(Signal::TERM), Some(Signal::KILL), None] {
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut finished)
            .await
            .is_ok()
        {
            return;
        }
        if let (Some(pid), Some(signal)) = (pid, signal) {
            let _ = kill_process(pid, signal);
        }
    }
}

fn note_failure(state: &mut SlotState, error: String) {
    state.consecutive_failures += 1;
    let exponent = state.consecutive_failures.saturating_sub(1).min(16);
    let backoff = (FIRST_BACKOFF * 2u32.pow(exponent)).min(MAX_BACKOFF);
    // The first restart is immediate: a server that died once is most likely fine again.
    state.retry_at = (state.consecutive_failures > 1).then(|| Instant::now() + backoff);
    state.last_error = Some(error);
}

fn target_of(config: &McpServer) -> String {
    match config.transport {
        McpTransport::Stdio => std::iter::once(config.command.as_deref().unwrap_or("?"))
            .chain(config.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        McpTransport::Http | McpTransport::Sse => config.url.clone().unwrap_or_default(),
    }
}

fn is_unknown_tool(message: &str, tool: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains(&tool.to_ascii_lowercase())
        && (message.contains("not found") || message.contains("unknown"))
}
