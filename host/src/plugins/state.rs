//! The per-call store state of a plugin and the host side of the `log`, `config` and `session`
//! interfaces.
//!
//! A fresh `PluginState` is built for every call from the plugin's resolved rights, so nothing
//! survives from one event to the next.

use std::sync::Arc;

use anyhow::Result;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{
    FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView, sockets::SocketAddrUse,
};

use super::bindings::{
    agent::cchost::plugin::session,
    hook::cchost::plugin::{config, log},
};
use super::grants::{Access, EffectiveRights};
use crate::{
    runtime::{CappedOutput, MemoryLimiter},
    session::SessionHandle,
};

/// How much of a plugin's stdout/stderr is kept (the rest is dropped).
const STDIO_CAPTURE_BYTES: usize = 64 << 10;
/// Longest log message kept from a plugin.
const LOG_MESSAGE_BYTES: usize = 16 << 10;
/// Most records one `session.read` returns.
const SESSION_READ_RECORDS: usize = 1000;
/// Most record data one `session.read` returns (at least one record is always returned).
const SESSION_READ_BYTES: usize = 1 << 20;

/// The immutable facts a call needs about its plugin.
#[derive(Debug)]
pub struct PluginIdentity {
    pub name: String,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub rights: EffectiveRights,
}

pub struct PluginState {
    pub identity: Arc<PluginIdentity>,
    pub limiter: MemoryLimiter,
    pub stderr: CappedOutput,
    /// The session an agent call belongs to; `None` outside a session.
    pub session: Option<SessionHandle>,
    wasi: WasiCtx,
    table: ResourceTable,
}

impl PluginState {
    pub fn new(identity: Arc<PluginIdentity>, max_memory_bytes: usize) -> Result<Self> {
        let stderr = CappedOutput::new(STDIO_CAPTURE_BYTES);
        let wasi = wasi_ctx(&identity.rights, stderr.clone())?;
        Ok(PluginState {
            identity,
            limiter: MemoryLimiter::new(max_memory_bytes),
            stderr,
            session: None,
            wasi,
            table: ResourceTable::new(),
        })
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.text()
    }
}

/// The WASI context holding exactly the plugin's rights and nothing else.
fn wasi_ctx(rights: &EffectiveRights, stderr: CappedOutput) -> Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(CappedOutput::new(STDIO_CAPTURE_BYTES))
        .stderr(stderr);
    for (dir, access) in &rights.files {
        let perms = match access {
            Access::Read => FsPerms::ReadOnly,
            Access::ReadWrite => FsPerms::ReadWrite,
        };
        let guest = dir.to_string_lossy();
        builder.preopened_dir(dir, guest.as_ref(), perms)?;
    }
    for name in &rights.env {
        if let Some(value) = std::env::var_os(name) {
            builder.env(name, value.to_string_lossy());
        }
    }
    if rights.network.is_empty() {
        builder.allow_tcp(false).allow_udp(false);
    } else {
        let rules = Arc::new(rights.network.clone());
        builder
            .allow_tcp(true)
            .allow_udp(true)
            .allow_ip_name_lookup(true)
            .socket_addr_check(move |addr, use_| {
                // `connect` first binds implicitly to the wildcard address and port 0; that bind
                // reaches nothing by itself. Every other address is checked against the grant.
                let implicit_bind = matches!(use_, SocketAddrUse::TcpBind | SocketAddrUse::UdpBind)
                    && addr.ip().is_unspecified()
                    && addr.port() == 0;
                let allowed = implicit_bind || rules.iter().any(|rule| rule.allows(addr));
                Box::pin(async move { allowed })
            });
    }
    Ok(builder.build())
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl log::Host for PluginState {
    fn log(&mut self, level: log::Level, message: String) {
        let plugin = self.identity.name.as_str();
        let message = truncate(&message, LOG_MESSAGE_BYTES);
        match level {
            log::Level::Trace => tracing::trace!(plugin, "{message}"),
            log::Level::Debug => tracing::debug!(plugin, "{message}"),
            log::Level::Info => tracing::info!(plugin, "{message}"),
            log::Level::Warn => tracing::warn!(plugin, "{message}"),
            log::Level::Error => tracing::error!(plugin, "{message}"),
        }
        if let Some(session) = &self.session {
            let level = format!("{level:?}").to_lowercase();
            let data = serde_json::json!({"level": level, "message": message});
            // Logging never fails the plugin; a write failure surfaces on the session's flush.
            let _ = session.writer().append_nowait("log", Some(plugin), &data);
        }
    }
}

impl session::Host for PluginState {
    fn append(&mut self, kind: String, data: String) -> Result<u64, String> {
        let session = self.session.as_ref().ok_or_else(no_session)?;
        session
            .append(&self.identity.name, &kind, &data)
            .map_err(|e| format!("{e:#}"))
    }

    fn read(&mut self, after: u64, limit: u32) -> Result<Vec<session::Entry>, String> {
        let session = self.session.as_ref().ok_or_else(no_session)?;
        let limit = (limit as usize).min(SESSION_READ_RECORDS);
        let records = session
            .read(after, limit, SESSION_READ_BYTES)
            .map_err(|e| format!("{e:#}"))?;
        Ok(records
            .into_iter()
            .map(|record| session::Entry {
                seq: record.seq,
                time: record.ts.to_string(),
                kind: record.kind,
                agent: record.agent,
                data: record.data.get().to_string(),
            })
            .collect())
    }
}

fn no_session() -> String {
    "no session: this call does not belong to a session".to_string()
}

impl config::Host for PluginState {
    fn get(&mut self, key: String) -> Option<String> {
        self.identity.settings.get(&key).map(|v| v.to_string())
    }

    fn all(&mut self) -> String {
        serde_json::Value::Object(self.identity.settings.clone()).to_string()
    }
}

impl super::bindings::hook::cchost::plugin::types::Host for PluginState {}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
