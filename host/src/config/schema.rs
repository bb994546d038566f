//! The typed configuration: every key cchost understands, with its default. Unknown keys are
//! errors (with a suggestion), so a typo never silently does nothing.

use std::{collections::BTreeMap, path::PathBuf};

use serde::{Deserialize, Serialize};

use crate::plugins::{grants::Capabilities, manifest::LimitSettings};
pub use crate::session::Durability;

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[plugins.<name>]`: where a plugin comes from, what it is granted, its limits and settings.
    #[serde(default)]
    pub plugins: BTreeMap<String, PluginConfig>,
    /// `[[hooks.<Event>]]`: which hook plugins run on which Claude Code event. Additive.
    #[serde(default)]
    pub hooks: BTreeMap<String, Vec<HookBinding>>,
    /// Directories searched for `<name>.wasm` (manifest `<name>.toml` beside it) when a plugin
    /// has no `path` and is not built in. Additive.
    #[serde(default)]
    pub plugin_dirs: Vec<PathBuf>,
    #[serde(default)]
    pub session: SessionConfig,
    #[serde(default)]
    pub mcp: McpConfig,
    /// `[checkpoints.<name>]`: the gates judged at a checkpoint (`cchost gate NAME`, and between
    /// the waves of `cchost run`).
    #[serde(default)]
    pub checkpoints: BTreeMap<String, Checkpoint>,
    #[serde(default)]
    pub gate: GateConfig,
    /// Only read from the global file (and `-c`): a project cannot trust itself.
    #[serde(default)]
    pub trust: TrustConfig,
    /// `[workflow]`: the agents `cchost run` runs, in waves.
    pub workflow: Option<WorkflowConfig>,
    /// `[model]`: the language model agents granted `model` may use; none by default.
    pub model: Option<ModelConfig>,
}

/// `[model]`: a provider speaking Anthropic's Messages API.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    #[serde(default)]
    pub provider: ModelProvider,
    /// e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// The environment variable holding the API key (the key itself never goes in a file).
    #[serde(default = "default_api_key_env")]
    pub api_key_env: String,
    /// A compatible gateway's URL instead of Anthropic's.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The most tokens one completion may ask for.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    #[serde(default = "default_model_timeout_ms")]
    pub timeout_ms: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelProvider {
    #[default]
    Anthropic,
}

fn default_api_key_env() -> String {
    "ANTHROPIC_API_KEY".into()
}

fn default_base_url() -> String {
    "https://api.anthropic.com".into()
}

fn default_max_tokens() -> u32 {
    4096
}

fn default_model_timeout_ms() -> u64 {
    120_000
}

/// `[workflow]`: agents, and the waves that run them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowConfig {
    /// Shown in the summary and recorded in the session; default: the project directory's name.
    pub name: Option<String>,
    /// `[workflow.agents.<name>]`: one agent each.
    #[serde(default)]
    pub agents: BTreeMap<String, AgentConfig>,
    /// `[[workflow.waves]]`, in order: a wave starts when the previous one has finished and its
    /// checkpoint has passed.
    #[serde(default)]
    pub waves: Vec<WaveConfig>,
}

/// One agent: a behaviour component and its task.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// The agent plugin (configured under `[plugins]`, built in, or in `plugin_dirs`).
    pub plugin: String,
    /// The task text.
    #[serde(default)]
    pub task: String,
    /// Parameters handed to the agent as a JSON object.
    #[serde(default)]
    pub parameters: toml::Table,
    /// Replaces `[plugins.<plugin>.grant]` for this agent.
    pub grant: Option<Capabilities>,
    /// Override `[plugins.<plugin>.limits]` for this agent, key by key.
    #[serde(default)]
    pub limits: LimitSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WaveConfig {
    /// Default: `wave-<n>`.
    pub name: Option<String>,
    /// Agents of `[workflow.agents]`, run concurrently.
    pub agents: Vec<String>,
    /// How many of them run at once; default: all.
    pub concurrency: Option<usize>,
    /// What a failed agent does to the run.
    #[serde(default)]
    pub policy: WavePolicy,
    /// How many times a failed agent is run again.
    #[serde(default)]
    pub retries: u32,
    /// A `[checkpoints.<name>]` whose gates judge the project after the wave; a failing gate
    /// stops the run.
    pub checkpoint: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WavePolicy {
    /// Stop at the first agent that fails (after its retries): the wave's other agents are
    /// cancelled and no later wave runs.
    FailFast,
    /// Go on to the next wave; the run still reports failure.
    #[default]
    Continue,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// Component file; its manifest sits beside it with a `.toml` extension. Absent = built-in
    /// or found in `plugin_dirs`.
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub grant: Capabilities,
    #[serde(default)]
    pub limits: LimitSettings,
    #[serde(default)]
    pub settings: toml::Table,
}

/// What a hook plugin does when it fails (crash, timeout, error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnErrorSetting {
    Deny,
    Allow,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HookBinding {
    /// Claude Code matcher: exact names (`Edit|Write`) or a regex (`mcp__.*`); absent = all.
    pub matcher: Option<String>,
    pub plugin: String,
    /// Default: `deny` for PreToolUse and PermissionRequest, `allow` otherwise.
    pub on_error: Option<OnErrorSetting>,
    /// Overrides the plugin's wall-time limit for this binding.
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Gate plugins, run in parallel.
    pub gates: Vec<String>,
}

/// `[gate]`: defaults for `cchost gate`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// The git revision whose changes are judged when neither `--base` nor `--all` is given;
    /// absent: `HEAD` (uncommitted changes) in a git repository, all files elsewhere.
    pub base: Option<String>,
}

/// `[session]`: where session logs go and how durable appends are.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Relative paths are taken from the project root.
    pub dir: PathBuf,
    pub durability: Durability,
    /// In `batch` mode: fsync at least this often…
    pub batch_interval_ms: u64,
    /// …or after this many records, whichever comes first.
    pub batch_records: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            dir: PathBuf::from(".cchost/sessions"),
            durability: Durability::Batch,
            batch_interval_ms: 100,
            batch_records: 10_000,
        }
    }
}

/// `[mcp]`: MCP servers, also read from the project's `.mcp.json` (cchost's definition of a
/// name wins).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    #[serde(default)]
    pub servers: BTreeMap<String, McpServer>,
}

/// One MCP server, in the shape of Claude Code's `.mcp.json` entries.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct McpServer {
    #[serde(rename = "type", default)]
    pub transport: McpTransport,
    /// stdio: the program to start (looked up in `PATH`; never through a shell).
    pub command: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    pub cwd: Option<PathBuf>,
    /// http and sse: the endpoint.
    pub url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Per-call timeout.
    pub timeout_ms: Option<u64>,
    /// How this server's `elicitation/create` requests (asking the user for input mid-call) are
    /// answered. cchost has no user to ask, so the default declines them; `defaults` accepts
    /// with each field's schema default, for unattended runs against servers that provide
    /// sensible defaults. cchost-only: not a `.mcp.json` key.
    #[serde(default)]
    pub elicitation: ElicitationPolicy,
    /// `[mcp.servers.NAME.oauth]`: how cchost obtains OAuth tokens for an http server that asks
    /// for them. Without it an http server that answers 401 still works after `cchost mcp login
    /// NAME` (the client registers itself dynamically). cchost-only: not a `.mcp.json` key.
    pub oauth: Option<McpOAuth>,
}

/// `[mcp.servers.NAME.oauth]`: the OAuth client cchost is towards one http server. Secrets never
/// go in a file: `client_secret_env` names the environment variable that holds one.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct McpOAuth {
    /// `authorization_code` (default): a person signs in once with `cchost mcp login NAME`
    /// (PKCE, a loopback redirect) and cchost refreshes the token from then on;
    /// `client_credentials`: machine to machine (CI), a token is fetched whenever needed with
    /// `client_id` and the secret of `client_secret_env`, no login.
    #[serde(default)]
    pub grant: OAuthGrant,
    /// A client registered with the authorization server beforehand. Absent: cchost registers
    /// itself at login (dynamic client registration), or uses `client_metadata_url`.
    pub client_id: Option<String>,
    /// The name of the environment variable holding `client_id`'s secret (confidential
    /// clients; required by `client_credentials`).
    pub client_secret_env: Option<String>,
    /// Scopes to ask for. Absent: those the server names in its challenge or metadata.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The port of the loopback redirect (`http://127.0.0.1:PORT/callback`) `cchost mcp login`
    /// listens on, for a pre-registered client whose redirect URI is fixed. Absent: any free
    /// port.
    pub redirect_port: Option<u16>,
    /// An https URL of a client ID metadata document describing cchost, used as the client id
    /// when the authorization server supports such documents and no `client_id` is set.
    pub client_metadata_url: Option<String>,
}

/// The OAuth grant cchost uses with a server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthGrant {
    /// Interactive: authorization code with PKCE, once, by `cchost mcp login`; then refreshes.
    #[default]
    AuthorizationCode,
    /// Unattended: the client's own credentials buy each token.
    ClientCredentials,
}

/// What cchost answers when an MCP server asks for user input (`elicitation/create`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ElicitationPolicy {
    /// Do not declare the elicitation capability; decline any request anyway.
    #[default]
    Decline,
    /// Declare the capability and accept form requests with each property's `default`; decline
    /// when a required property has none (an answer without it would be invalid).
    Defaults,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum McpTransport {
    #[default]
    Stdio,
    /// Streamable HTTP.
    Http,
    /// Legacy HTTP+SSE.
    Sse,
}

/// The keys `.mcp.json` server entries may carry, all understood by [`McpServer`].
pub const MCP_SERVER_KEYS: &[&str] = &[
    "type",
    "command",
    "args",
    "env",
    "cwd",
    "url",
    "headers",
    "timeout_ms",
];

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrustConfig {
    /// Project roots whose configuration may grant capabilities. Additive.
    #[serde(default)]
    pub projects: Vec<PathBuf>,
}
