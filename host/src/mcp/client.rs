//! cchost's side of an MCP session: what it declares at initialisation and how it answers the
//! server's requests and notifications (roots from the granted directories; sampling declined;
//! elicitation declined or answered with the schema's defaults, per the server's
//! [`ElicitationPolicy`]; list changes invalidate the hub's caches; progress and log messages go
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
        ClientCapabilities, ClientConfig, ElicitRequestParams, ElicitResult, ElicitationAction,
        ElicitationCapability, ElicitationSchema, FormElicitationCapability, Implementation,
        ListRootsResult, LoggingLevel, LoggingMessageNotificationParam, ProgressNotificationParam,
        ProtocolVersion, Root, RootsCapabilities,
    },
    service::{NotificationContext, RequestContext},
};
use serde_json::{Map, Value};

use crate::config::ElicitationPolicy;

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
    elicitation: ElicitationPolicy,
    pub stale: Arc<Staleness>,
}

impl HostClient {
    pub fn new(server: &str, roots: Arc<[PathBuf]>, elicitation: ElicitationPolicy) -> HostClient {
        HostClient {
            server: server.into(),
            roots,
            elicitation,
            stale: Arc::default(),
        }
    }
}

/// The answer to a form elicitation made only of the schema's defaults: each property that has
/// a `default` gets it, the others are left out. `None` when a required property has no default,
/// since an answer without it would not satisfy the schema.
pub fn defaults_of(schema: &ElicitationSchema) -> Option<Map<String, Value>> {
    let mut content = Map::new();
    for (name, property) in &schema.properties {
        // Every primitive schema variant (string, number, integer, boolean, the enum kinds) has
        // its own typed `default`; their JSON form is the one place they all agree on.
        let default = serde_json::to_value(property)
            .ok()
            .and_then(|mut value| value.get_mut("default").map(Value::take))
            .filter(|value| !value.is_null());
        if let Some(default) = default {
            content.insert(name.clone(), default);
        }
    }
    let required = schema.required.as_deref().unwrap_or_default();
    required
        .iter()
        .all(|name| content.contains_key(name))
        .then_some(content)
}

impl ClientHandler for HostClient {
    fn get_info(&self) -> ClientConfig {
        let mut capabilities = ClientCapabilities::default();
        capabilities.roots = Some(RootsCapabilities::default());
        if self.elicitation == ElicitationPolicy::Defaults {
            // Form mode only: a URL elicitation needs a person at a browser.
            capabilities.elicitation =
                Some(ElicitationCapability::new().with_form(FormElicitationCapability::new()));
        }
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

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, rmcp::ErrorData> {
        let decline = ElicitResult::new(ElicitationAction::Decline);
        let ElicitRequestParams::FormElicitationParams {
            message,
            requested_schema,
            ..
        } = request
        else {
            tracing::info!(server = %self.server, "declined a URL elicitation");
            return Ok(decline);
        };
        if self.elicitation != ElicitationPolicy::Defaults {
            tracing::info!(server = %self.server, message, "declined an elicitation");
            return Ok(decline);
        }
        match defaults_of(&requested_schema) {
            Some(content) => {
                tracing::info!(
                    server = %self.server,
                    message,
                    "accepted an elicitation with its defaults"
                );
                Ok(ElicitResult::new(ElicitationAction::Accept)
                    .with_content(Value::Object(content)))
            }
            None => {
                tracing::info!(
                    server = %self.server,
                    message,
                    "declined an elicitation: a required field has no default"
                );
                Ok(decline)
            }
        }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema(value: Value) -> ElicitationSchema {
        serde_json::from_value(value).expect("a valid elicitation schema")
    }

    #[test]
    fn every_primitive_kind_gets_its_default() {
        // The schema of the conformance suite's SEP-1034 scenario, plus the enum variants.
        let schema = schema(json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "default": "John Doe"},
                "age": {"type": "integer", "default": 30},
                "score": {"type": "number", "default": 95.5},
                "status": {"type": "string", "enum": ["active", "pending"], "default": "active"},
                "verified": {"type": "boolean", "default": true},
                "size": {
                    "type": "string",
                    "oneOf": [{"const": "s", "title": "Small"}, {"const": "l", "title": "Large"}],
                    "default": "l"
                },
                "tags": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["a", "b"]},
                    "default": ["b"]
                }
            },
            "required": []
        }));
        let content = defaults_of(&schema).unwrap();
        assert_eq!(
            Value::Object(content),
            json!({
                "name": "John Doe",
                "age": 30,
                "score": 95.5,
                "status": "active",
                "verified": true,
                "size": "l",
                "tags": ["b"]
            })
        );
    }

    #[test]
    fn properties_without_default_are_left_out() {
        let schema = schema(json!({
            "type": "object",
            "properties": {
                "email": {"type": "string", "format": "email"},
                "count": {"type": "integer", "default": 1}
            },
            "required": ["count"]
        }));
        assert_eq!(
            defaults_of(&schema).map(Value::Object),
            Some(json!({"count": 1}))
        );
    }

    #[test]
    fn a_required_property_without_default_means_no_answer() {
        let schema = schema(json!({
            "type": "object",
            "properties": {
                "email": {"type": "string"},
                "count": {"type": "integer", "default": 1}
            },
            "required": ["email"]
        }));
        assert_eq!(defaults_of(&schema), None);
    }

    #[test]
    fn an_empty_schema_is_answered_with_an_empty_object() {
        let schema = schema(json!({"type": "object", "properties": {}}));
        assert_eq!(defaults_of(&schema), Some(Map::new()));
    }

    #[test]
    fn the_capability_is_declared_only_with_defaults() {
        let info = |policy| HostClient::new("s", Arc::from([]), policy).get_info();
        assert!(
            info(ElicitationPolicy::Decline)
                .capabilities
                .elicitation
                .is_none()
        );
        let declared = info(ElicitationPolicy::Defaults).capabilities.elicitation;
        assert!(declared.is_some_and(|c| c.form.is_some() && c.url.is_none()));
    }
}
