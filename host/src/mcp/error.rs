//! Errors of the MCP client, each naming the server it concerns.

use std::{fmt, time::Duration};

#[derive(Debug)]
#[non_exhaustive]
pub enum McpError {
    /// No server of that name is configured.
    UnknownServer { server: String, known: Vec<String> },
    /// The server's configuration cannot work (missing `command` or `url`, bad header).
    Config { server: String, message: String },
    /// Starting, dialling or the handshake failed.
    Connect { server: String, message: String },
    /// The server went away during a request.
    Disconnected { server: String, message: String },
    /// The request got no answer in time (a cancellation was sent).
    Timeout { server: String, timeout: Duration },
    /// The server answered with a JSON-RPC error.
    Server { server: String, message: String },
    /// The server has no such tool.
    UnknownTool { server: String, tool: String },
    /// The server wants an OAuth token cchost does not have (401), or one with more scope
    /// (403 `insufficient_scope`): `cchost mcp login SERVER` gets one.
    AuthRequired {
        server: String,
        /// The server's `WWW-Authenticate` challenge, which `login` can start from.
        challenge: Option<String>,
        insufficient_scope: bool,
    },
    /// OAuth itself failed: discovery, registration, the token exchange, the credentials file.
    Auth { server: String, message: String },
}

impl McpError {
    pub fn config(server: &str, message: impl fmt::Display) -> McpError {
        McpError::Config {
            server: server.to_string(),
            message: message.to_string(),
        }
    }

    pub fn connect(server: &str, message: impl fmt::Display) -> McpError {
        McpError::Connect {
            server: server.to_string(),
            message: message.to_string(),
        }
    }

    pub fn auth(server: &str, message: impl fmt::Display) -> McpError {
        McpError::Auth {
            server: server.to_string(),
            message: message.to_string(),
        }
    }

    /// Classifies an error of an established session.
    pub fn from_service(server: &str, error: rmcp::ServiceError) -> McpError {
        let server = server.to_string();
        match error {
            rmcp::ServiceError::Timeout { timeout } => McpError::Timeout { server, timeout },
            rmcp::ServiceError::McpError(data) => McpError::Server {
                server,
                message: data.message.into_owned(),
            },
            rmcp::ServiceError::TransportClosed => McpError::Disconnected {
                server,
                message: "the connection closed".into(),
            },
            rmcp::ServiceError::TransportSend(e) => McpError::Disconnected {
                server,
                message: e.to_string(),
            },
            other => McpError::Server {
                server,
                message: other.to_string(),
            },
        }
    }

    /// Whether the connection is gone and must be re-established before the next request.
    pub fn is_disconnect(&self) -> bool {
        matches!(self, McpError::Disconnected { .. })
    }
}

impl fmt::Display for McpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            McpError::UnknownServer { server, known } if known.is_empty() => write!(
                f,
                "MCP server `{server}` is not configured (no servers are: add [mcp.servers.{server}] \
                 or a .mcp.json entry)"
            ),
            McpError::UnknownServer { server, known } => write!(
                f,
                "MCP server `{server}` is not configured (configured: {})",
                known.join(", ")
            ),
            McpError::Config { server, message } => {
                write!(f, "MCP server `{server}`: {message}")
            }
            McpError::Connect { server, message } => {
                write!(f, "MCP server `{server}`: cannot connect: {message}")
            }
            McpError::Disconnected { server, message } => {
                write!(f, "MCP server `{server}` disconnected: {message}")
            }
            McpError::Timeout { server, timeout } => write!(
                f,
                "MCP server `{server}` did not answer within {} ms (request cancelled)",
                timeout.as_millis()
            ),
            McpError::Server { server, message } => {
                write!(f, "MCP server `{server}` answered with an error: {message}")
            }
            McpError::UnknownTool { server, tool } => {
                write!(f, "MCP server `{server}` has no tool `{tool}`")
            }
            McpError::AuthRequired {
                server,
                insufficient_scope: false,
                ..
            } => write!(
                f,
                "MCP server `{server}` requires OAuth authorization: run `cchost mcp login {server}`"
            ),
            McpError::AuthRequired {
                server,
                insufficient_scope: true,
                ..
            } => write!(
                f,
                "MCP server `{server}` requires more OAuth scope than cchost was granted: run \
                 `cchost mcp login {server}` again"
            ),
            McpError::Auth { server, message } => {
                write!(f, "MCP server `{server}`: OAuth: {message}")
            }
        }
    }
}

impl std::error::Error for McpError {}
