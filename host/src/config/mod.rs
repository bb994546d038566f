//! Configuration: the one loader the whole host reads settings through.
//!
//! Tiers, lowest first: built-in defaults, the project's `.mcp.json` (MCP servers only; any
//! cchost definition of the same name wins), global `$XDG_CONFIG_HOME/cchost/config.toml`,
//! project `.cchost/config.toml` (found by walking up from the working directory), the session
//! file (`--session-config`), then `-c KEY=VALUE` overrides. Tables merge key by key, scalars
//! and arrays of a higher tier replace, and the additive arrays (`hooks.<Event>`,
//! `plugin_dirs`, `trust.projects`) concatenate in tier order. Strings expand `${VAR}`,
//! `${VAR:-default}` and `$$`. Every value remembers its file and line.
//!
//! Trust: the project and session tiers of a project the user has not trusted (`cchost trust`,
//! or `--trust-project`) cannot grant capabilities, raise limits, start MCP servers, move the
//! session log or redefine a plugin of the global configuration; those keys are ignored with a
//! warning.

mod diagnostic;
mod expand;
mod schema;
mod tree;
pub mod trust;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{Context, Result};
pub use diagnostic::{ConfigError, Diagnostic};
pub use schema::{
    AgentConfig, Checkpoint, Config, Durability, ElicitationPolicy, GateConfig, HookBinding,
    McpConfig, McpOAuth, McpServer, McpTransport, ModelConfig, ModelProvider, OAuthGrant,
    OnErrorSetting, PluginConfig, SessionConfig, TrustConfig, WaveConfig, WavePolicy,
    WorkflowConfig,
};
pub use tree::{Entry, Node, Origin, Segment, Tier, display_path};

use crate::plugins::{PluginSource, PluginSpec, builtin};

/// The project configuration file, relative to the project root.
pub const PROJECT_CONFIG: &str = ".cchost/config.toml";
/// Claude Code's project MCP server file, relative to the project root.
pub const MCP_JSON: &str = ".mcp.json";

/// What to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Where the project is searched from.
    pub cwd: PathBuf,
    /// The global file; `None` when there is no home directory to find it in.
    pub global_file: Option<PathBuf>,
    pub session_file: Option<PathBuf>,
    /// `-c KEY=VALUE` arguments, in order.
    pub overrides: Vec<String>,
    /// Trust the project for this run (CI).
    pub trust_project: bool,
}

impl LoadOptions {
    /// Options for `cwd` with the global file found from the environment.
    pub fn new(cwd: impl Into<PathBuf>) -> Self {
        LoadOptions {
            cwd: cwd.into(),
            global_file: global_config_path(),
            session_file: None,
            overrides: Vec::new(),
            trust_project: false,
        }
    }
}

/// A configuration file that was looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub tier: Tier,
    pub path: PathBuf,
    pub found: bool,
}

/// The resolved configuration, where each value came from, and what was ignored.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// The merged tree with the origin of every value (for `cchost config show --origin`).
    pub tree: Entry,
    pub project_root: Option<PathBuf>,
    pub project_trusted: bool,
    pub sources: Vec<SourceFile>,
    pub warnings: Vec<String>,
}

impl Loaded {
    /// Loads every tier; each problem found is reported, not just the first.
    pub fn load(options: &LoadOptions) -> Result<Loaded, ConfigError> {
        Loader::default().load(options)
    }

    pub fn origin(&self, path: &[Segment]) -> Option<&Origin> {
        self.tree.get(path).map(|entry| &entry.origin)
    }
}

#[derive(Default)]
struct Loader {
    diagnostics: Vec<Diagnostic>,
    warnings: Vec<String>,
    /// File texts, for quoting the offending line in a diagnostic.
    texts: HashMap<Arc<Path>, String>,
    sources: Vec<SourceFile>,
}

impl Loader {
    fn load(mut self, options: &LoadOptions) -> Result<Loaded, ConfigError> {
        let project_root = find_project_root(&options.cwd);
        let vars = expand::ProcessEnv {
            project_root: project_root.as_deref(),
        };

        let global = options
            .global_file
            .as_deref()
            .and_then(|path| self.read_toml(path, Tier::Global, false));
        let overrides: Vec<Entry> = options
            .overrides
            .iter()
            .filter_map(|arg| self.parse_override(arg))
            .collect();
        let global = global.map(|mut tree| {
            self.expand(&mut tree, &vars);
            tree
        });

        let trusted_roots: Vec<PathBuf> = global
            .iter()
            .chain(&overrides)
            .flat_map(trusted_projects)
            .collect();
        let project_trusted = options.trust_project
            || project_root
                .as_deref()
                .is_some_and(|root| trust::is_trusted(root, &trusted_roots));
        let global_plugins: BTreeSet<String> = global
            .as_ref()
            .and_then(|tree| tree.get(&[Segment::Key("plugins".into())]))
            .and_then(Entry::table)
            .map(|plugins| plugins.keys().cloned().collect())
            .unwrap_or_default();
        let restriction = Restriction {
            trusted: project_trusted,
            global_plugins: &global_plugins,
            project_root: project_root.as_deref(),
        };

        let mut project = None;
        let mut mcp_json = None;
        if let Some(root) = &project_root {
            project = self
                .read_toml(&root.join(PROJECT_CONFIG), Tier::Project, false)
                .map(|tree| self.prepare_untrusted_tier(tree, &restriction, &vars));
            mcp_json = self.read_mcp_json(&root.join(MCP_JSON), &restriction, &vars);
        }
        // A session file belongs to the project it runs in; without a project the user named
        // it on the command line, which is trust enough.
        let session = options.session_file.as_deref().and_then(|path| {
            let tree = self.read_toml(path, Tier::Session, true)?;
            let restriction = Restriction {
                trusted: project_trusted || project_root.is_none(),
                ..restriction
            };
            Some(self.prepare_untrusted_tier(tree, &restriction, &vars))
        });

        let mut tree = defaults_tree();
        for tier in [global, project, session]
            .into_iter()
            .flatten()
            .chain(overrides)
        {
            tree.merge(tier);
        }
        if let Some(mcp_json) = mcp_json {
            add_servers_not_defined(&mut tree, mcp_json);
        }

        let config = self.typed(&tree);
        let mut config = match config {
            Some(config) if self.diagnostics.is_empty() => config,
            _ => {
                return Err(ConfigError {
                    diagnostics: self.diagnostics,
                });
            }
        };
        self.resolve_paths(&mut config, &tree, project_root.as_deref(), &options.cwd);
        self.validate(&config, &tree);
        if !self.diagnostics.is_empty() {
            return Err(ConfigError {
                diagnostics: self.diagnostics,
            });
        }
        Ok(Loaded {
            config,
            tree,
            project_root,
            project_trusted,
            sources: self.sources,
            warnings: self.warnings,
        })
    }

    /// Reads and parses one TOML file. A missing file is simply an absent tier, unless the user
    /// named it (`required`).
    fn read_toml(&mut self, path: &Path, tier: Tier, required: bool) -> Option<Entry> {
        let text = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                self.sources.push(SourceFile {
                    tier,
                    path: path.to_path_buf(),
                    found: false,
                });
                return None;
            }
            Err(e) => {
                self.diagnostics.push(Diagnostic::new(format!(
                    "cannot read the {} configuration {}: {e}",
                    tier.label(),
                    path.display()
                )));
                return None;
            }
        };
        self.sources.push(SourceFile {
            tier,
            path: path.to_path_buf(),
            found: true,
        });
        let text = match String::from_utf8(text) {
            Ok(text) => text,
            Err(e) => {
                let (line, column) = {
                    let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let valid = std::str::from_utf8(valid).unwrap_or_default();
                    tree::LineIndex::new(valid).position(valid.len())
                };
                self.diagnostics.push(Diagnostic::new(format!(
                    "{}:{line}:{column}: not valid UTF-8 (TOML files are UTF-8)",
                    path.display()
                )));
                return None;
            }
        };
        let file: Arc<Path> = Arc::from(path);
        let lines = tree::LineIndex::new(&text);
        let parsed = toml::de::DeTable::parse(&text);
        let entry = match parsed {
            Ok(document) => Some(Entry::from_toml(&document, tier, &file, &lines)),
            Err(e) => {
                let (line, column) = e.span().map_or((0, 0), |span| lines.position(span.start));
                let origin = Origin::File {
                    tier,
                    path: file.clone(),
                    line,
                    column,
                };
                self.diagnostics.push(
                    Diagnostic::new(format!("invalid TOML: {}", e.message().trim_end()))
                        .at(&origin, Some(&text)),
                );
                None
            }
        };
        self.texts.insert(file, text);
        entry
    }

    /// `KEY=VALUE` with a TOML value, as cargo's `--config` takes it.
    fn parse_override(&mut self, arg: &str) -> Option<Entry> {
        let origin = Origin::CommandLine(Arc::from(arg));
        let help = "write KEY=VALUE with a TOML value, e.g. -c plugins.guard-commands.limits.timeout_ms=500 \
                    or -c 'session.dir=\"/tmp/sessions\"' (strings need quotes)";
        if !arg.contains('=') {
            self.diagnostics.push(
                Diagnostic::new(format!("`-c {arg}` is not KEY=VALUE"))
                    .at(&origin, None)
                    .help(help),
            );
            return None;
        }
        match toml::from_str::<toml::Table>(arg) {
            Ok(table) if table.len() == 1 => {
                Some(Entry::from_value(toml::Value::Table(table), &origin))
            }
            Ok(_) => {
                self.diagnostics.push(
                    Diagnostic::new(format!("`-c {arg}` sets more than one key"))
                        .at(&origin, None)
                        .help(help),
                );
                None
            }
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::new(format!(
                        "`-c {arg}` is not a TOML assignment: {}",
                        e.message().trim_end()
                    ))
                    .at(&origin, None)
                    .help(help),
                );
                None
            }
        }
    }

    /// Claude Code's `.mcp.json`: `{"mcpServers": {"name": {…}}}`, read tolerantly (keys cchost
    /// does not know are ignored with a warning), ignored entirely for an untrusted project.
    fn read_mcp_json(
        &mut self,
        path: &Path,
        restriction: &Restriction<'_>,
        vars: &dyn expand::Variables,
    ) -> Option<Entry> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.sources.push(SourceFile {
                    tier: Tier::McpJson,
                    path: path.to_path_buf(),
                    found: false,
                });
                return None;
            }
            Err(e) => {
                self.diagnostics.push(Diagnostic::new(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
                return None;
            }
        };
        self.sources.push(SourceFile {
            tier: Tier::McpJson,
            path: path.to_path_buf(),
            found: true,
        });
        let file: Arc<Path> = Arc::from(path);
        let json: serde_json::Value = match serde_json::from_str(&text) {
            Ok(json) => json,
            Err(e) => {
                let origin = Origin::File {
                    tier: Tier::McpJson,
                    path: file.clone(),
                    line: e.line() as u32,
                    column: e.column() as u32,
                };
                self.diagnostics
                    .push(Diagnostic::new(format!("invalid JSON: {e}")).at(&origin, Some(&text)));
                return None;
            }
        };
        let servers = json.get("mcpServers").and_then(|s| s.as_object())?;
        if !restriction.trusted {
            if !servers.is_empty() {
                self.warnings.push(format!(
                    "{}: ignored {} MCP server(s) because the project is not trusted; {}",
                    path.display(),
                    servers.len(),
                    trust_hint(restriction.project_root)
                ));
            }
            return None;
        }
        let lines = tree::LineIndex::new(&text);
        let mut table = BTreeMap::new();
        for (name, server) in servers {
            let (line, column) = text
                .find(&format!("\"{name}\""))
                .map_or((0, 0), |offset| lines.position(offset));
            let origin = Origin::File {
                tier: Tier::McpJson,
                path: file.clone(),
                line,
                column,
            };
            let mut server = server.clone();
            if let Some(fields) = server.as_object_mut() {
                let unknown: Vec<String> = fields
                    .keys()
                    .filter(|key| !schema::MCP_SERVER_KEYS.contains(&key.as_str()))
                    .cloned()
                    .collect();
                for key in &unknown {
                    fields.remove(key);
                }
                if !unknown.is_empty() {
                    self.warnings.push(format!(
                        "{origin}: MCP server `{name}`: ignored keys cchost does not use: {}",
                        unknown.join(", ")
                    ));
                }
            }
            match toml::Value::try_from(&server) {
                Ok(value) => {
                    table.insert(name.clone(), Entry::from_value(value, &origin));
                }
                Err(e) => self.diagnostics.push(
                    Diagnostic::new(format!("MCP server `{name}` cannot be read: {e}"))
                        .at(&origin, Some(&text)),
                ),
            }
        }
        self.texts.insert(file.clone(), text);
        let origin = Origin::File {
            tier: Tier::McpJson,
            path: file,
            line: 1,
            column: 1,
        };
        let mut servers = Entry {
            node: Node::Table(table),
            origin: origin.clone(),
        };
        self.expand(&mut servers, vars);
        Some(servers)
    }

    /// Applies the trust rules to a project or session tier, then expands it.
    fn prepare_untrusted_tier(
        &mut self,
        mut tree: Entry,
        restriction: &Restriction<'_>,
        vars: &dyn expand::Variables,
    ) -> Entry {
        self.check_trust_only_global(&mut tree);
        if !restriction.trusted {
            let ignored = restriction.strip(&mut tree);
            if !ignored.is_empty() {
                let file = tree
                    .origin
                    .file()
                    .map_or_else(String::new, |f| f.display().to_string());
                self.warnings.push(format!(
                    "{file}: the project is not trusted, so these keys were ignored: {}; {}",
                    ignored.join(", "),
                    trust_hint(restriction.project_root)
                ));
            }
        }
        self.expand(&mut tree, vars);
        tree
    }

    /// `trust` in a project or session file would let a repository trust itself.
    fn check_trust_only_global(&mut self, tree: &mut Entry) {
        if let Some(entry) = tree.remove(&["trust"]) {
            let text = entry.origin.file().and_then(|f| self.texts.get(f));
            let diagnostic = Diagnostic::new(
                "`trust` can only be set in the global configuration: a project cannot trust itself",
            )
            .at(&entry.origin, text.map(String::as_str))
            .help("run `cchost trust DIR`, or pass --trust-project for one run");
            self.diagnostics.push(diagnostic);
        }
    }

    fn expand(&mut self, tree: &mut Entry, vars: &dyn expand::Variables) {
        let mut errors = Vec::new();
        tree.for_each_string_mut(&mut |path, origin, text| match expand::expand(text, vars) {
            Ok(Some(expanded)) => *text = expanded,
            Ok(None) => {}
            Err(e) => errors.push((display_path(path), origin.clone(), e)),
        });
        for (key, origin, error) in errors {
            let text = origin.file().and_then(|f| self.texts.get(f));
            self.diagnostics.push(
                Diagnostic::new(format!("`{key}`: {error}")).at(&origin, text.map(String::as_str)),
            );
        }
    }

    /// The typed configuration, or a diagnostic at the value serde refused.
    fn typed(&mut self, tree: &Entry) -> Option<Config> {
        let value = tree.to_value();
        match serde_path_to_error::deserialize::<_, Config>(value) {
            Ok(config) => Some(config),
            Err(e) => {
                let path: Vec<Segment> = e
                    .path()
                    .iter()
                    .filter_map(|segment| match segment {
                        serde_path_to_error::Segment::Map { key } => {
                            Some(Segment::Key(key.clone()))
                        }
                        serde_path_to_error::Segment::Seq { index } => Some(Segment::Index(*index)),
                        _ => None,
                    })
                    .collect();
                let message = e.inner().message().trim_end().to_string();
                self.diagnostics
                    .push(self.serde_diagnostic(tree, path, &message));
                None
            }
        }
    }

    fn serde_diagnostic(&self, tree: &Entry, mut path: Vec<Segment>, message: &str) -> Diagnostic {
        let names = diagnostic::quoted_names(message);
        let unknown_field = message.starts_with("unknown field");
        let mut help = None;
        let message = if unknown_field || message.starts_with("unknown variant") {
            let wrong = names.first().copied().unwrap_or_default();
            let candidates = names.iter().skip(1).copied();
            help = diagnostic::did_you_mean(wrong, candidates.clone())
                .map(|suggestion| format!("did you mean `{suggestion}`?"))
                .or_else(|| {
                    let all: Vec<_> = candidates.map(|c| format!("`{c}`")).collect();
                    (!all.is_empty()).then(|| format!("expected one of {}", all.join(", ")))
                });
            if unknown_field {
                // serde reports the table; the origin we want is the unknown key itself.
                if !matches!(path.last(), Some(Segment::Key(key)) if key == wrong) {
                    path.push(Segment::Key(wrong.to_string()));
                }
                format!("unknown key `{}`", display_path(&path))
            } else {
                format!("`{}`: unknown value `{wrong}`", display_path(&path))
            }
        } else if path.is_empty() {
            message.to_string()
        } else {
            format!("`{}`: {message}", display_path(&path))
        };
        let entry = tree.nearest(&path);
        let text = entry.origin.file().and_then(|f| self.texts.get(f));
        let diagnostic = Diagnostic::new(message).at(&entry.origin, text.map(String::as_str));
        match help {
            Some(help) => diagnostic.help(help),
            None => diagnostic,
        }
    }

    /// Relative paths are taken from where they were written: the project root for the project
    /// tier and `.mcp.json`, the file's directory for the global and session files, the working
    /// directory for `-c`. `~/` means the home directory.
    fn resolve_paths(
        &mut self,
        config: &mut Config,
        tree: &Entry,
        project_root: Option<&Path>,
        cwd: &Path,
    ) {
        let base = |path: &[Segment]| -> PathBuf {
            match tree.get(path).map(|e| &e.origin) {
                Some(Origin::File {
                    tier: Tier::Project | Tier::McpJson,
                    ..
                })
                | Some(Origin::Default)
                | None => project_root.unwrap_or(cwd).to_path_buf(),
                Some(Origin::File { path, .. }) => {
                    path.parent().unwrap_or(Path::new("/")).to_path_buf()
                }
                Some(Origin::CommandLine(_)) => cwd.to_path_buf(),
            }
        };
        let key = |parts: &[&str]| -> Vec<Segment> {
            parts.iter().map(|p| Segment::Key(p.to_string())).collect()
        };
        for (name, plugin) in &mut config.plugins {
            if let Some(path) = &mut plugin.path {
                *path = absolutize(path, &base(&key(&["plugins", name, "path"])));
            }
        }
        for (i, dir) in config.plugin_dirs.iter_mut().enumerate() {
            let mut at = key(&["plugin_dirs"]);
            at.push(Segment::Index(i));
            *dir = absolutize(dir, &base(&at));
        }
        config.session.dir = absolutize(&config.session.dir, &base(&key(&["session", "dir"])));
        for (name, server) in &mut config.mcp.servers {
            if let Some(cwd) = &mut server.cwd {
                *cwd = absolutize(cwd, &base(&key(&["mcp", "servers", name, "cwd"])));
            }
        }
    }

    /// Rules serde cannot express.
    fn validate(&mut self, config: &Config, tree: &Entry) {
        let mut problems = Vec::new();
        for (name, server) in &config.mcp.servers {
            let at = vec![
                Segment::Key("mcp".into()),
                Segment::Key("servers".into()),
                Segment::Key(name.clone()),
            ];
            // `__` separates server and tool in `mcp__<server>__<tool>`.
            if name.is_empty()
                || name.contains("__")
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                problems.push((
                    at.clone(),
                    format!(
                        "MCP server name `{name}` may only use letters, digits, `-` and single `_`"
                    ),
                ));
            }
            match server.transport {
                McpTransport::Stdio if server.command.is_none() => {
                    problems.push((at, format!("MCP server `{name}` (stdio) needs a `command`")))
                }
                McpTransport::Http | McpTransport::Sse if server.url.is_none() => {
                    problems.push((at, format!("MCP server `{name}` needs a `url`")))
                }
                _ => {}
            }
        }
        for (name, plugin) in &config.plugins {
            let at = vec![Segment::Key("plugins".into()), Segment::Key(name.clone())];
            if plugin.path.is_none()
                && builtin::find(name).is_none()
                && find_in_plugin_dirs(name, &config.plugin_dirs).is_none()
            {
                problems.push((
                    at,
                    format!(
                        "plugin `{name}` has no `path`, is not built in ({}) and is not in any of `plugin_dirs`",
                        builtin::names().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        for (checkpoint, gates) in &config.checkpoints {
            for (i, gate) in gates.gates.iter().enumerate() {
                if !config.plugins.contains_key(gate)
                    && builtin::find(gate).is_none()
                    && find_in_plugin_dirs(gate, &config.plugin_dirs).is_none()
                {
                    let at = vec![
                        Segment::Key("checkpoints".into()),
                        Segment::Key(checkpoint.clone()),
                        Segment::Key("gates".into()),
                        Segment::Index(i),
                    ];
                    problems.push((
                        at,
                        format!("checkpoint `{checkpoint}`: gate `{gate}` is not a configured, built-in or plugin_dirs plugin"),
                    ));
                }
            }
        }
        if let Some(workflow) = &config.workflow {
            self.validate_workflow(config, workflow, &mut problems);
        }
        for (path, message) in problems {
            let entry = tree.nearest(&path);
            let text = entry.origin.file().and_then(|f| self.texts.get(f));
            self.diagnostics
                .push(Diagnostic::new(message).at(&entry.origin, text.map(String::as_str)));
        }
    }
}

impl Loader {
    /// Waves name known agents, agents name existing agent plugins, checkpoints exist.
    fn validate_workflow(
        &self,
        config: &Config,
        workflow: &WorkflowConfig,
        problems: &mut Vec<(Vec<Segment>, String)>,
    ) {
        let key = |parts: &[&str]| -> Vec<Segment> {
            parts.iter().map(|p| Segment::Key(p.to_string())).collect()
        };
        for (name, agent) in &workflow.agents {
            let at = key(&["workflow", "agents", name]);
            // Agents and plugins share the registry's names: an agent may only be named after
            // its own plugin, or a hook bound to that name would run the agent instead.
            let taken = config.plugins.contains_key(name) || builtin::find(name).is_some();
            if taken && name != &agent.plugin {
                problems.push((
                    at.clone(),
                    format!("agent `{name}` has the name of another plugin; rename it"),
                ));
            }
            let plugin = &agent.plugin;
            if !config.plugins.contains_key(plugin)
                && builtin::find(plugin).is_none()
                && find_in_plugin_dirs(plugin, &config.plugin_dirs).is_none()
            {
                let mut at = at;
                at.push(Segment::Key("plugin".into()));
                problems.push((
                    at,
                    format!("agent `{name}`: plugin `{plugin}` is not a configured, built-in or plugin_dirs plugin"),
                ));
            }
        }
        if workflow.waves.is_empty() {
            problems.push((
                key(&["workflow"]),
                "[workflow] has no [[workflow.waves]]: nothing would run".into(),
            ));
        }
        let mut scheduled = BTreeSet::new();
        for (index, wave) in workflow.waves.iter().enumerate() {
            let mut at = key(&["workflow", "waves"]);
            at.push(Segment::Index(index));
            let wave_name = wave
                .name
                .clone()
                .unwrap_or_else(|| format!("wave-{}", index + 1));
            for (i, agent) in wave.agents.iter().enumerate() {
                let mut at = at.clone();
                at.extend([Segment::Key("agents".into()), Segment::Index(i)]);
                if !workflow.agents.contains_key(agent) {
                    let known: Vec<&str> = workflow.agents.keys().map(String::as_str).collect();
                    problems.push((
                        at,
                        format!(
                            "wave `{wave_name}`: agent `{agent}` is not defined under [workflow.agents] (defined: {})",
                            if known.is_empty() { "none".to_string() } else { known.join(", ") }
                        ),
                    ));
                } else if !scheduled.insert(agent.as_str()) {
                    problems.push((
                        at,
                        format!("wave `{wave_name}`: agent `{agent}` is already scheduled in an earlier wave"),
                    ));
                }
            }
            if wave.agents.is_empty() {
                problems.push((at.clone(), format!("wave `{wave_name}` has no agents")));
            }
            if wave.concurrency == Some(0) {
                let mut at = at.clone();
                at.push(Segment::Key("concurrency".into()));
                problems.push((
                    at,
                    format!("wave `{wave_name}`: concurrency must be at least 1"),
                ));
            }
            if let Some(checkpoint) = &wave.checkpoint
                && !config.checkpoints.contains_key(checkpoint)
            {
                let mut at = at.clone();
                at.push(Segment::Key("checkpoint".into()));
                problems.push((
                    at,
                    format!("wave `{wave_name}`: checkpoint `{checkpoint}` is not defined under [checkpoints]"),
                ));
            }
        }
    }
}

/// What an untrusted project or session file may not do.
#[derive(Clone, Copy)]
struct Restriction<'a> {
    trusted: bool,
    global_plugins: &'a BTreeSet<String>,
    project_root: Option<&'a Path>,
}

impl Restriction<'_> {
    /// Removes the keys an untrusted tier may not set; returns them as `key (line N)`.
    fn strip(&self, tree: &mut Entry) -> Vec<String> {
        let mut ignored = Vec::new();
        let mut note = |key: String, entry: &Entry| {
            let line = match entry.origin {
                Origin::File { line, .. } => format!(" (line {line})"),
                _ => String::new(),
            };
            ignored.push(format!("`{key}`{line}"));
        };
        if let Some(plugins) = tree
            .table_mut()
            .and_then(|t| t.get_mut("plugins"))
            .and_then(Entry::table_mut)
        {
            let names: Vec<String> = plugins.keys().cloned().collect();
            for name in names {
                if self.global_plugins.contains(&name) {
                    let entry = plugins.remove(&name).expect("listed above");
                    note(
                        format!("plugins.{name} (defined by the global configuration)"),
                        &entry,
                    );
                    continue;
                }
                let plugin = plugins.get_mut(&name).expect("listed above");
                for key in ["grant", "limits"] {
                    if let Some(entry) = plugin.remove(&[key]) {
                        note(format!("plugins.{name}.{key}"), &entry);
                    }
                }
            }
        }
        if let Some(agents) = tree
            .table_mut()
            .and_then(|t| t.get_mut("workflow"))
            .and_then(Entry::table_mut)
            .and_then(|t| t.get_mut("agents"))
            .and_then(Entry::table_mut)
        {
            for (name, agent) in agents.iter_mut() {
                for key in ["grant", "limits"] {
                    if let Some(entry) = agent.remove(&[key]) {
                        note(format!("workflow.agents.{name}.{key}"), &entry);
                    }
                }
            }
        }
        if let Some(entry) = tree.remove(&["mcp"]) {
            note("mcp".into(), &entry);
        }
        // A project could point the model's base URL at its own server and collect the key.
        if let Some(entry) = tree.remove(&["model"]) {
            note("model".into(), &entry);
        }
        if let Some(entry) = tree.remove(&["session", "dir"]) {
            note("session.dir".into(), &entry);
        }
        ignored
    }
}

fn trust_hint(project_root: Option<&Path>) -> String {
    match project_root {
        Some(root) => format!(
            "trust it with `cchost trust {}`, or pass --trust-project for one run",
            root.display()
        ),
        None => "pass --trust-project to trust it for one run".into(),
    }
}

/// The `trust.projects` strings of one tier.
fn trusted_projects(tree: &Entry) -> Vec<PathBuf> {
    let path = [
        Segment::Key("trust".into()),
        Segment::Key("projects".into()),
    ];
    match tree.get(&path).map(|e| &e.node) {
        Some(Node::Array(items)) => items
            .iter()
            .filter_map(|item| match &item.node {
                Node::Leaf(toml::Value::String(dir)) => Some(PathBuf::from(dir)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The defaults as a tier of their own, so `config show --origin` can say "default".
fn defaults_tree() -> Entry {
    let value = toml::Value::try_from(Config::default()).expect("the defaults serialise");
    let mut tree = Entry::from_value(value, &Origin::Default);
    if let Some(table) = tree.table_mut() {
        table.retain(|_, entry| match &entry.node {
            Node::Table(t) => {
                !t.is_empty()
                    && t.values()
                        .any(|e| !matches!(&e.node, Node::Array(a) if a.is_empty()))
            }
            Node::Array(items) => !items.is_empty(),
            Node::Leaf(_) => true,
        });
    }
    tree
}

/// `.mcp.json` servers whose names no cchost tier defines.
fn add_servers_not_defined(tree: &mut Entry, servers: Entry) {
    let Node::Table(servers) = servers.node else {
        return;
    };
    let root = tree.table_mut().expect("the root is a table");
    let mcp = root
        .entry("mcp".into())
        .or_insert_with(|| Entry::empty_table(Origin::Default));
    let Some(mcp) = mcp.table_mut() else {
        return;
    };
    let defined = mcp
        .entry("servers".into())
        .or_insert_with(|| Entry::empty_table(Origin::Default));
    let Some(defined) = defined.table_mut() else {
        return;
    };
    for (name, server) in servers {
        defined.entry(name).or_insert(server);
    }
}

fn absolutize(path: &Path, base: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~")
        && let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
    {
        return PathBuf::from(home).join(rest);
    }
    base.join(path)
}

fn find_in_plugin_dirs(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    dirs.iter()
        .map(|dir| dir.join(format!("{name}.wasm")))
        .find(|candidate| candidate.is_file())
}

impl Config {
    /// The specs of every configured plugin, for the registry.
    pub fn plugin_specs(&self) -> Result<Vec<PluginSpec>> {
        self.plugins
            .iter()
            .map(|(name, plugin)| self.plugin_spec(name, plugin))
            .collect()
    }

    /// The spec of workflow agent `name`: its plugin's component and settings, the agent's own
    /// grant (else the plugin's), and the agent's limits over the plugin's.
    pub fn agent_spec(&self, name: &str, agent: &AgentConfig) -> Result<PluginSpec> {
        let mut spec = self
            .spec_of(&agent.plugin)
            .with_context(|| format!("agent `{name}`"))?;
        spec.name = name.to_string();
        if let Some(grant) = &agent.grant {
            spec.grant = grant.clone();
        }
        spec.limits = agent.limits.or(spec.limits);
        Ok(spec)
    }

    /// The spec of plugin `name`: its configuration, or an unconfigured built-in or
    /// `plugin_dirs` plugin with no grants and no settings.
    pub fn spec_of(&self, name: &str) -> Result<PluginSpec> {
        match self.plugins.get(name) {
            Some(plugin) => self.plugin_spec(name, plugin),
            None => self.plugin_spec(name, &PluginConfig::default()),
        }
    }

    fn plugin_spec(&self, name: &str, plugin: &PluginConfig) -> Result<PluginSpec> {
        // Built-ins come before `plugin_dirs` so a directory cannot shadow one.
        let source = match &plugin.path {
            Some(path) => PluginSource::File(path.clone()),
            None => match builtin::find(name) {
                Some(builtin) => PluginSource::Builtin(builtin),
                None => PluginSource::File(
                    find_in_plugin_dirs(name, &self.plugin_dirs).with_context(|| {
                        format!(
                            "[plugins.{name}] has no `path`, there is no built-in plugin `{name}` and no `{name}.wasm` in plugin_dirs"
                        )
                    })?,
                ),
            },
        };
        let settings = serde_json::to_value(&plugin.settings)
            .with_context(|| format!("[plugins.{name}.settings]"))?;
        let serde_json::Value::Object(settings) = settings else {
            unreachable!("a TOML table serialises to a JSON object");
        };
        Ok(PluginSpec {
            name: name.to_string(),
            source,
            grant: plugin.grant.clone(),
            limits: plugin.limits,
            settings,
        })
    }
}

/// `$XDG_CONFIG_HOME/cchost/config.toml`, else `~/.config/cchost/config.toml`; `None` without
/// either variable.
pub fn global_config_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".config"))
        })?;
    Some(base.join("cchost/config.toml"))
}

/// The nearest ancestor of `cwd` (itself included) holding a `.cchost/` directory or `.mcp.json`.
pub fn find_project_root(cwd: &Path) -> Option<PathBuf> {
    cwd.ancestors()
        .find(|dir| dir.join(".cchost").is_dir() || dir.join(MCP_JSON).is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests;
