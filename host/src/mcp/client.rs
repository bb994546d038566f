//! cchost's side of an MCP session: what it declares at initialisation and how it answers the
//! server's requests and notifications (roots from the granted directories; sampling and
//! elicitation declined; list changes invalidate the hub's caches; progress and log messages go
//! to tracing).

// Roots and logging are deprecated by a protocol revision newer than the 2025-11-25 that cchost
// offers; the servers it talks to still use them.
#![allow(deprecated)]

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use rmcp::{
    ClientHandler, RoleClient,
    model::{
        ClientCapabilities, ClientConfig, Implementation, ListRootsResult, LoggingLevel,
        LoggingMessageNotificationParam, ProgressNotificationParam, ProtocolVersion, Root,
        RootsCapabilities,
    },
    service::{NotificationContext, RequestContext},
};

/// The newest protocol version cchost offers; servers may answer with an older one (down to
/// 2024-11-05). rmcp's own default is newer than what most servers speak.
pub const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion::V_2025_11_25;

/// Flags the server raises through `list_changed` notifications; the hub clears them when it
/// refetches.
#[derive(Debug, Default)]
pub struct Staleness {
    pub tools: AtomicBool,
    pub resources: AtomicBool,
    pub prompts: AtomicBool,
}

#[derive(Debug, Clone)]
pub struct HostClient {
    server: Arc<str>,
    roots: Arc<[PathBuf]>,
    pub stale: Arc<Staleness>,
}

impl HostClient {
    pub fn new(server: &str, roots: Arc<[PathBuf]>) -> HostClient {
        HostClient {
            server: server.into(),
            roots,
            stale: Arc::default(),
        }
    }
}

impl ClientHandler for HostClient {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = ClientCapabilities::default();
        capabilities.roots = Some(RootsCapabilities::default());
        ClientConfig::new(
            capabilities,
            Implementation::new("cchost", env!("CARGO_PKG_VERSION")),
        )
        .with_protocol_version(PROTOCOL_VERSION)
    }

    async fn list_roots(
        &self,
        _context: RequestContext<RoleClient>,
    ) -> Result<ListRootsResult, rmcp::ErrorData> {
        let roots = self
            .roots
            .iter()
            .map(|dir| {
                let mut root = Root::new(format!("file://{}", dir.display()));
                root.name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
                root
            })
            .collect();
        Ok(ListRootsResult::new(roots))
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        tracing::info!(
            server = %self.server,
            progress = params.progress,
            total = params.total,
            message = params.message.as_deref().unwrap_or(""),
            "MCP progress"
        );
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let server = &self.server;
        let logger = params.logger.as_deref().unwrap_or("");
        let data = &params.data;
        match params.level {
            LoggingLevel::Debug => tracing::debug!(%server, logger, %data, "MCP log"),
            LoggingLevel::Info | LoggingLevel::Notice => {
                tracing::info!(%server, logger, %data, "MCP log")
            }
            LoggingLevel::Warning => tracing::warn!(%server, logger, %data, "MCP log"),
            _ => tracing::error!(%server, logger, %data, "MCP log"),
        }
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.stale.tools.store(true, Ordering::Release);
    }

    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.stale.resources.store(true, Ordering::Release);
    }

    async fn on_prompt_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.stale.prompts.store(true, Ordering::Release);
    }
}
