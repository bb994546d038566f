//! Capabilities, deny by default: what a manifest declares, what the user grants, and the
//! effective rights of a plugin — declared ∩ granted. Nothing outside the effective rights is
//! reachable from the plugin: files become WASI preopens, env names are copied one by one,
//! network patterns become the socket address check. Every refusal names the plugin, the
//! capability and the target.

use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr, ToSocketAddrs},
    path::{Component, Path, PathBuf},
};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::manifest::PluginKind;

/// A set of capabilities, as declared in a manifest or granted in the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    #[serde(default)]
    pub files: Vec<FileAccess>,
    /// Environment variable names.
    #[serde(default)]
    pub env: Vec<String>,
    /// `host:port` patterns; `*` stands for any host or any port.
    #[serde(default)]
    pub network: Vec<String>,
    /// MCP servers (agents only): `server` for all its tools, or `server:pattern` for the tools
    /// matching a `*` wildcard pattern, e.g. `fs:read_*`.
    #[serde(default)]
    pub mcp: Vec<String>,
    /// The configured language model (agents only).
    #[serde(default)]
    pub model: bool,
    /// Programs (gates and agents only), as argv prefixes: `["cargo", "test"]` allows
    /// `cargo test` with any further arguments, and nothing else.
    #[serde(default)]
    pub exec: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileAccess {
    /// Absolute, `~/…`, `${PROJECT}/…`, or (in a grant) relative to the project root.
    pub path: String,
    pub access: Access,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    Read,
    ReadWrite,
}

/// What `${PROJECT}`, `~` and relative paths mean.
#[derive(Debug, Clone, Default)]
pub struct PathContext {
    pub project_root: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

impl PathContext {
    pub fn from_env(project_root: Option<PathBuf>) -> Self {
        PathContext {
            project_root,
            home: std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from),
        }
    }

    /// The absolute, lexically normalised path `raw` stands for.
    pub fn resolve(&self, raw: &str) -> Result<PathBuf> {
        let path = if let Some(rest) = raw.strip_prefix("${PROJECT}") {
            let root = self
                .project_root
                .as_ref()
                .with_context(|| format!("`{raw}` needs a project, but none was found"))?;
            root.join(rest.trim_start_matches('/'))
        } else if raw == "~" || raw.starts_with("~/") {
            let home = self
                .home
                .as_ref()
                .with_context(|| format!("`{raw}` needs a home directory, but HOME is not set"))?;
            home.join(raw[1..].trim_start_matches('/'))
        } else if Path::new(raw).is_absolute() {
            PathBuf::from(raw)
        } else {
            let root = self.project_root.as_ref().with_context(|| {
                format!("relative path `{raw}` needs a project root, but none was found")
            })?;
            root.join(raw)
        };
        Ok(normalize(&path))
    }
}

/// Removes `.` and resolves `..` without touching the filesystem.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A `host:port` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetPattern {
    pub text: String,
    host: HostPattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Ip(IpAddr),
    Name(String),
}

impl NetPattern {
    pub fn parse(text: &str) -> Result<NetPattern> {
        let (host, port) = text
            .rsplit_once(':')
            .with_context(|| format!("network pattern `{text}` must be `host:port`"))?;
        let port = match port {
            "*" => None,
            port => Some(
                port.parse::<u16>()
                    .with_context(|| format!("network pattern `{text}`: bad port `{port}`"))?,
            ),
        };
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let host = if host == "*" {
            HostPattern::Any
        } else if let Ok(ip) = bare.parse::<IpAddr>() {
            HostPattern::Ip(ip)
        } else if !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            HostPattern::Name(host.to_ascii_lowercase())
        } else {
            bail!("network pattern `{text}`: bad host `{host}`");
        };
        Ok(NetPattern {
            text: text.to_string(),
            host,
            port,
        })
    }

    /// Whether every address `other` allows is also allowed by `self`.
    fn covers(&self, other: &NetPattern) -> bool {
        let host = match (&self.host, &other.host) {
            (HostPattern::Any, _) => true,
            (a, b) => a == b,
        };
        let port = self.port.is_none() || self.port == other.port;
        host && port
    }
}

/// A network grant resolved to addresses once, at load time.
#[derive(Debug, Clone)]
pub struct NetRule {
    ips: Option<Vec<IpAddr>>,
    port: Option<u16>,
}

impl NetRule {
    pub fn allows(&self, addr: SocketAddr) -> bool {
        let ip_ok = self.ips.as_ref().is_none_or(|ips| ips.contains(&addr.ip()));
        ip_ok && self.port.is_none_or(|p| p == addr.port())
    }
}

/// What a plugin may actually use.
#[derive(Debug, Clone, Default)]
pub struct EffectiveRights {
    /// Directories preopened at the same path inside the guest.
    pub files: Vec<(PathBuf, Access)>,
    pub env: Vec<String>,
    pub network: Vec<NetRule>,
    /// The granted patterns behind `network`, for messages.
    pub network_patterns: Vec<String>,
    pub mcp: McpRights,
    pub model: bool,
    /// Argv prefixes the plugin may run, each allowed by both manifest and grant.
    pub exec: Vec<Vec<String>>,
}

/// The MCP servers and tools a plugin may use: a tool must pass both the declared and the
/// granted patterns of its server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct McpRights {
    servers: BTreeMap<String, (ToolPatterns, ToolPatterns)>,
}

/// `None`: every tool of the server.
type ToolPatterns = Option<Vec<String>>;

impl McpRights {
    pub fn servers(&self) -> impl Iterator<Item = &str> {
        self.servers.keys().map(String::as_str)
    }

    pub fn allows_server(&self, server: &str) -> bool {
        self.servers.contains_key(server)
    }

    pub fn allows_tool(&self, server: &str, tool: &str) -> bool {
        let passes = |patterns: &ToolPatterns| {
            patterns
                .as_ref()
                .is_none_or(|patterns| patterns.iter().any(|p| wildcard_match(p, tool)))
        };
        self.servers
            .get(server)
            .is_some_and(|(declared, granted)| passes(declared) && passes(granted))
    }
}

/// Splits an `mcp` capability entry into server and optional tool pattern.
fn mcp_entry(entry: &str) -> Result<(&str, Option<&str>)> {
    let (server, pattern) = match entry.split_once(':') {
        Some((server, pattern)) => (server, Some(pattern)),
        None => (entry, None),
    };
    // `*` (any server) is for manifests of generic agents; grants name servers one by one.
    let valid_server = server == "*"
        || (!server.is_empty()
            && server
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    anyhow::ensure!(
        valid_server && pattern.is_none_or(|p| !p.is_empty()),
        "`{entry}` is not `server` or `server:tool-pattern`"
    );
    Ok((server, pattern))
}

/// Adds an entry's pattern to a server's patterns; a bare server name means every tool.
fn add_pattern(patterns: &mut ToolPatterns, pattern: Option<&str>) {
    match (patterns.as_mut(), pattern) {
        (Some(list), Some(pattern)) => list.push(pattern.to_string()),
        (Some(_), None) => *patterns = None,
        (None, _) => {}
    }
}

/// `*` matches any run of characters (including none); everything else matches itself.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                backtrack = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((after_star, matched)) => {
                    p = after_star;
                    t = matched + 1;
                    backtrack = Some((after_star, matched + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Something granted that the plugin never declared (so it was not given), for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undeclared {
    pub capability: &'static str,
    pub target: String,
}

/// Declared ∩ granted for one plugin.
pub fn effective_rights(
    plugin: &str,
    declared: &Capabilities,
    granted: &Capabilities,
    paths: &PathContext,
) -> Result<(EffectiveRights, Vec<Undeclared>)> {
    let mut rights = EffectiveRights::default();
    let mut undeclared = Vec::new();

    let declared_files = declared
        .files
        .iter()
        .map(|f| Ok((paths.resolve(&f.path)?, f.access)))
        .collect::<Result<Vec<_>>>()
        .with_context(|| format!("plugin `{plugin}`: manifest capability `files`"))?;
    for grant in &granted.files {
        let path = paths
            .resolve(&grant.path)
            .with_context(|| format!("plugin `{plugin}`: grant `files`"))?;
        let best_declared = declared_files
            .iter()
            .filter(|(declared, _)| path.starts_with(declared))
            .map(|(_, access)| *access)
            .max();
        let Some(declared_access) = best_declared else {
            undeclared.push(Undeclared {
                capability: "files",
                target: path.display().to_string(),
            });
            continue;
        };
        let real = path.canonicalize().with_context(|| {
            format!(
                "plugin `{plugin}`: granted directory {} cannot be opened",
                path.display()
            )
        })?;
        anyhow::ensure!(
            real.is_dir(),
            "plugin `{plugin}`: granted path {} is not a directory (grants are directories)",
            real.display()
        );
        rights.files.push((real, declared_access.min(grant.access)));
    }

    for name in &granted.env {
        if declared.env.contains(name) {
            rights.env.push(name.clone());
        } else {
            undeclared.push(Undeclared {
                capability: "env",
                target: name.clone(),
            });
        }
    }

    let declared_net = declared
        .network
        .iter()
        .map(|p| NetPattern::parse(p))
        .collect::<Result<Vec<_>>>()
        .with_context(|| format!("plugin `{plugin}`: manifest capability `network`"))?;
    for text in &granted.network {
        let pattern = NetPattern::parse(text)
            .with_context(|| format!("plugin `{plugin}`: grant `network`"))?;
        if !declared_net.iter().any(|d| d.covers(&pattern)) {
            undeclared.push(Undeclared {
                capability: "network",
                target: text.clone(),
            });
            continue;
        }
        let ips = match &pattern.host {
            HostPattern::Any => None,
            HostPattern::Ip(ip) => Some(vec![*ip]),
            HostPattern::Name(name) => Some(
                (name.as_str(), pattern.port.unwrap_or(0))
                    .to_socket_addrs()
                    .with_context(|| format!("plugin `{plugin}`: resolve granted host `{name}`"))?
                    .map(|a| a.ip())
                    .collect(),
            ),
        };
        rights.network.push(NetRule {
            ips,
            port: pattern.port,
        });
        rights.network_patterns.push(pattern.text);
    }

    let mut declared_mcp: BTreeMap<&str, ToolPatterns> = BTreeMap::new();
    for entry in &declared.mcp {
        let (server, pattern) = mcp_entry(entry)
            .with_context(|| format!("plugin `{plugin}`: manifest capability `mcp`"))?;
        let patterns = declared_mcp
            .entry(server)
            .or_insert_with(|| Some(Vec::new()));
        add_pattern(patterns, pattern);
    }
    for entry in &granted.mcp {
        let (server, pattern) =
            mcp_entry(entry).with_context(|| format!("plugin `{plugin}`: grant `mcp`"))?;
        anyhow::ensure!(
            server != "*",
            "plugin `{plugin}`: grant `mcp`: name the servers to grant; `*` is only for manifests"
        );
        let Some(declared_patterns) = declared_mcp.get(server).or(declared_mcp.get("*")) else {
            undeclared.push(Undeclared {
                capability: "mcp",
                target: entry.clone(),
            });
            continue;
        };
        let (_, granted_patterns) = rights
            .mcp
            .servers
            .entry(server.to_string())
            .or_insert_with(|| (declared_patterns.clone(), Some(Vec::new())));
        add_pattern(granted_patterns, pattern);
    }
    for prefix in &declared.exec {
        if prefix != &[ANY_PROGRAM] {
            check_exec_prefix(prefix)
                .with_context(|| format!("plugin `{plugin}`: manifest capability `exec`"))?;
        }
    }
    for prefix in &granted.exec {
        check_exec_prefix(prefix).with_context(|| format!("plugin `{plugin}`: grant `exec`"))?;
    }
    for granted_prefix in &granted.exec {
        // The intersection of "starts with d" and "starts with g" is "starts with the longer",
        // when one extends the other, and empty otherwise.
        let narrowest = declared.exec.iter().find_map(|declared_prefix| {
            if granted_prefix.starts_with(declared_prefix) || declared_prefix == &[ANY_PROGRAM] {
                Some(granted_prefix)
            } else if declared_prefix.starts_with(granted_prefix) {
                Some(declared_prefix)
            } else {
                None
            }
        });
        match narrowest {
            Some(prefix) if !rights.exec.contains(prefix) => rights.exec.push(prefix.clone()),
            Some(_) => {}
            None => undeclared.push(Undeclared {
                capability: "exec",
                target: format!("{granted_prefix:?}"),
            }),
        }
    }
    if granted.model {
        if declared.model {
            rights.model = true;
        } else {
            undeclared.push(Undeclared {
                capability: "model",
                target: "model".into(),
            });
        }
    }
    Ok((rights, undeclared))
}

/// A manifest's `exec = [["*"]]`: whatever the user grants (a test runner cannot know which
/// command a project uses). Grants always name the program.
const ANY_PROGRAM: &str = "*";

/// An argv prefix names its program first: a bare name looked up on PATH, or an absolute path.
fn check_exec_prefix(prefix: &[String]) -> Result<()> {
    let Some(program) = prefix.first() else {
        bail!("an empty argv prefix would allow every program; name the program first");
    };
    anyhow::ensure!(
        program != ANY_PROGRAM,
        "{prefix:?}: name the program to grant; `*` is only for manifests"
    );
    anyhow::ensure!(
        !program.is_empty() && (!program.contains('/') || Path::new(program).is_absolute()),
        "`{program}` in {prefix:?} must be a program name (looked up on PATH) or an absolute path"
    );
    Ok(())
}

/// The capability an imported interface needs, or why it can never be linked.
enum ImportRule {
    Always,
    /// Host interfaces that belong to the agent world only.
    AgentOnly,
    /// Host interfaces for gates and agents, never hooks (which answer in milliseconds).
    GateOrAgent,
    Network,
    Unsupported(&'static str),
}

fn import_rule(interface: &str) -> ImportRule {
    let (package, _) = interface.split_once('/').unwrap_or((interface, ""));
    let package = package.split('@').next().unwrap_or(package);
    match package {
        // Harmless by construction: stdio goes to capped buffers, env holds only granted names,
        // and the filesystem shows only granted preopens (none by default).
        "wasi:io" | "wasi:clocks" | "wasi:random" | "wasi:cli" | "wasi:filesystem" => {
            ImportRule::Always
        }
        "cchost:plugin" => {
            let name = interface
                .split_once('/')
                .map(|(_, rest)| rest.split('@').next().unwrap_or(rest))
                .unwrap_or("");
            match name {
                "types" | "log" | "config" => ImportRule::Always,
                // Calls are checked against the `mcp` grant one by one: an agent without it
                // gets a permission error, never a connection.
                "session" | "mcp" | "model" => ImportRule::AgentOnly,
                // Checked per command against the `exec` grant; without it every run is denied.
                "exec" => ImportRule::GateOrAgent,
                _ => ImportRule::Unsupported("this cchost version does not provide it yet"),
            }
        }
        "wasi:sockets" => ImportRule::Network,
        "wasi:http" => ImportRule::Unsupported("outgoing HTTP is not offered to plugins"),
        _ => ImportRule::Unsupported("it is not part of the cchost plugin contract"),
    }
}

/// A manifest's declarations checked against its component's imports, whatever the user
/// grants: what would refuse it at load (`errors`), and what it declares but cannot use.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DeclarationCheck {
    pub errors: Vec<String>,
    pub unused: Vec<String>,
}

/// Checks the declared capabilities of `plugin` (a `kind` importing `imports`): each parses, each
/// import is one the declarations could make grantable, and each declaration has an import that
/// uses it.
pub fn check_declarations(
    plugin: &str,
    kind: PluginKind,
    imports: &[String],
    declared: &Capabilities,
) -> DeclarationCheck {
    let mut check = DeclarationCheck::default();
    let mut error = |result: Result<()>| {
        if let Err(e) = result {
            check.errors.push(format!("{e:#}"));
        }
    };
    for pattern in &declared.network {
        error(NetPattern::parse(pattern).map(|_| ()));
    }
    for entry in &declared.mcp {
        error(mcp_entry(entry).map(|_| ()));
    }
    for prefix in declared.exec.iter().filter(|p| *p != &[ANY_PROGRAM]) {
        error(check_exec_prefix(prefix).with_context(|| "capability `exec`".to_string()));
    }
    // As if the user granted everything declared: only what no grant can fix remains.
    let mut as_granted = EffectiveRights::default();
    if !declared.network.is_empty() {
        as_granted.network.push(NetRule {
            ips: None,
            port: None,
        });
    }
    error(check_imports(
        plugin,
        kind,
        imports.iter().map(String::as_str),
        &as_granted,
    ));

    let imports_package = |package: &str| imports.iter().any(|i| i.starts_with(package));
    let mut unused = |declared: bool, capability: &str, needs: &str| {
        if declared {
            check.unused.push(format!(
                "`{capability}` is declared but the component does not import `{needs}`"
            ));
        }
    };
    unused(!declared.network.is_empty(), "network", "wasi:sockets");
    unused(
        !declared.mcp.is_empty() && !imports_package("cchost:plugin/mcp"),
        "mcp",
        "cchost:plugin/mcp",
    );
    unused(
        declared.model && !imports_package("cchost:plugin/model"),
        "model",
        "cchost:plugin/model",
    );
    unused(
        !declared.exec.is_empty() && !imports_package("cchost:plugin/exec"),
        "exec",
        "cchost:plugin/exec",
    );
    if imports_package("wasi:sockets") {
        check.unused.retain(|u| !u.starts_with("`network`"));
    }
    check
}

/// Refuses a component whose imports exceed its rights, naming the interface and the grant.
pub fn check_imports<'a>(
    plugin: &str,
    kind: PluginKind,
    imports: impl IntoIterator<Item = &'a str>,
    rights: &EffectiveRights,
) -> Result<()> {
    for interface in imports {
        match import_rule(interface) {
            ImportRule::Always => {}
            ImportRule::AgentOnly if kind == PluginKind::Agent => {}
            ImportRule::AgentOnly => bail!(
                "plugin `{plugin}` imports `{interface}`, which only agents may use, but it is a {}",
                kind.as_str()
            ),
            ImportRule::GateOrAgent if kind != PluginKind::Hook => {}
            ImportRule::GateOrAgent => bail!(
                "plugin `{plugin}` imports `{interface}`, which only gates and agents may use, \
                 but it is a hook"
            ),
            ImportRule::Network if !rights.network.is_empty() => {}
            ImportRule::Network => bail!(
                "plugin `{plugin}` imports `{interface}` but has no network grant: declare \
                 `network = [\"host:port\"]` in its manifest and grant it under \
                 [plugins.{plugin}.grant]"
            ),
            ImportRule::Unsupported(why) => {
                bail!("plugin `{plugin}` imports `{interface}`, which cannot be granted: {why}")
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(files: &[(&str, Access)], env: &[&str], network: &[&str]) -> Capabilities {
        Capabilities {
            files: files
                .iter()
                .map(|(p, a)| FileAccess {
                    path: p.to_string(),
                    access: *a,
                })
                .collect(),
            env: env.iter().map(|s| s.to_string()).collect(),
            network: network.iter().map(|s| s.to_string()).collect(),
            mcp: Vec::new(),
            model: false,
            exec: Vec::new(),
        }
    }

    fn project() -> (tempfile::TempDir, PathContext) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let root = dir.path().canonicalize().unwrap();
        let ctx = PathContext {
            project_root: Some(root.clone()),
            home: Some(root.join("home")),
        };
        (dir, ctx)
    }

    fn mcp_caps(entries: &[&str]) -> Capabilities {
        Capabilities {
            mcp: entries.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn mcp_tools_must_pass_declared_and_granted_patterns() {
        let (_dir, ctx) = project();
        let declared = mcp_caps(&["fs:read_*", "fs:list_directory", "memory"]);
        let granted = mcp_caps(&["fs", "memory:read_graph", "github"]);
        let (rights, undeclared) = effective_rights("p", &declared, &granted, &ctx).unwrap();
        assert_eq!(rights.mcp.servers().collect::<Vec<_>>(), ["fs", "memory"]);
        assert!(rights.mcp.allows_tool("fs", "read_text_file"));
        assert!(rights.mcp.allows_tool("fs", "list_directory"));
        assert!(!rights.mcp.allows_tool("fs", "write_file"));
        assert!(rights.mcp.allows_tool("memory", "read_graph"));
        assert!(!rights.mcp.allows_tool("memory", "delete_entities"));
        assert!(!rights.mcp.allows_server("github"));
        assert_eq!(
            undeclared,
            [Undeclared {
                capability: "mcp",
                target: "github".into()
            }]
        );
        let (rights, _) = effective_rights("p", &declared, &Capabilities::default(), &ctx).unwrap();
        assert!(
            !rights.mcp.allows_server("fs"),
            "declared alone grants nothing"
        );
        let (rights, _) = effective_rights("p", &mcp_caps(&["*"]), &granted, &ctx).unwrap();
        assert!(
            rights.mcp.allows_tool("github", "anything"),
            "a declared `*` covers any server"
        );
        assert!(
            !rights.mcp.allows_tool("memory", "delete_entities"),
            "grants still narrow"
        );
        let error = effective_rights("p", &mcp_caps(&["*"]), &mcp_caps(&["*"]), &ctx).unwrap_err();
        assert!(
            format!("{error:#}").contains("name the servers"),
            "{error:#}"
        );
        let error = effective_rights("p", &mcp_caps(&["a b"]), &granted, &ctx).unwrap_err();
        assert!(
            format!("{error:#}").contains("`a b` is not `server`"),
            "{error:#}"
        );
    }

    fn exec_caps(prefixes: &[&[&str]]) -> Capabilities {
        Capabilities {
            exec: prefixes
                .iter()
                .map(|p| p.iter().map(|s| s.to_string()).collect())
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn exec_rights_are_the_narrower_of_declared_and_granted_prefixes() {
        let (_dir, ctx) = project();
        let declared = exec_caps(&[&["cargo"], &["pytest", "-q"]]);
        let granted = exec_caps(&[&["cargo", "test"], &["pytest"], &["sh", "-c"]]);
        let (rights, undeclared) = effective_rights("p", &declared, &granted, &ctx).unwrap();
        assert_eq!(rights.exec, [vec!["cargo", "test"], vec!["pytest", "-q"]]);
        assert_eq!(undeclared[0].capability, "exec");
        assert!(undeclared[0].target.contains("sh"), "{:?}", undeclared[0]);
        let (rights, _) = effective_rights("p", &declared, &Capabilities::default(), &ctx).unwrap();
        assert!(rights.exec.is_empty(), "declared alone grants nothing");
        for bad in [&[][..], &[""][..], &["./run.sh"][..], &["bin/x"][..]] {
            let error = effective_rights("p", &exec_caps(&[bad]), &Capabilities::default(), &ctx)
                .unwrap_err();
            assert!(format!("{error:#}").contains("`exec`"), "{error:#}");
        }
        effective_rights(
            "p",
            &exec_caps(&[&["/usr/bin/make"]]),
            &exec_caps(&[&["/usr/bin/make"]]),
            &ctx,
        )
        .unwrap();
        let (rights, _) = effective_rights(
            "p",
            &exec_caps(&[&["*"]]),
            &exec_caps(&[&["just", "test"]]),
            &ctx,
        )
        .unwrap();
        assert_eq!(
            rights.exec,
            [vec!["just", "test"]],
            "a declared `*` takes the grant"
        );
        let error =
            effective_rights("p", &exec_caps(&[&["*"]]), &exec_caps(&[&["*"]]), &ctx).unwrap_err();
        assert!(format!("{error:#}").contains("grant `exec`"), "{error:#}");
    }

    #[test]
    fn declarations_are_checked_against_imports_whatever_is_granted() {
        let imports = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let sockets = imports(&["wasi:sockets/tcp@0.2.6", "cchost:plugin/log@0.1.0"]);
        let check = check_declarations("p", PluginKind::Hook, &sockets, &Capabilities::default());
        assert_eq!(check.errors.len(), 1, "{check:?}");
        assert!(check.errors[0].contains("no network grant"), "{check:?}");
        let declared = caps(&[], &[], &["127.0.0.1:*"]);
        let check = check_declarations("p", PluginKind::Hook, &sockets, &declared);
        assert_eq!(check, DeclarationCheck::default());

        let declared = Capabilities {
            network: vec!["nohost".into()],
            exec: vec![vec!["./x".into()]],
            model: true,
            ..Capabilities::default()
        };
        let check = check_declarations(
            "p",
            PluginKind::Gate,
            &imports(&["cchost:plugin/exec@0.1.0"]),
            &declared,
        );
        assert_eq!(check.errors.len(), 2, "{check:?}");
        assert!(
            check.unused.iter().any(|u| u.contains("`model`")),
            "{check:?}"
        );
        assert!(
            check.unused.iter().any(|u| u.contains("`network`")),
            "{check:?}"
        );
        assert!(
            !check.unused.iter().any(|u| u.contains("`exec`")),
            "{check:?}"
        );
    }

    #[test]
    fn wildcards_match_runs_of_characters() {
        for (pattern, text, expected) in [
            ("*", "", true),
            ("read_*", "read_file", true),
            ("read_*", "write_file", false),
            ("*_file", "read_text_file", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
        ] {
            assert_eq!(
                wildcard_match(pattern, text),
                expected,
                "{pattern} vs {text}"
            );
        }
    }

    #[test]
    fn nothing_granted_means_nothing_given() {
        let (_dir, ctx) = project();
        let declared = caps(&[("${PROJECT}", Access::ReadWrite)], &["HOME"], &["*:*"]);
        let (rights, undeclared) =
            effective_rights("p", &declared, &Capabilities::default(), &ctx).unwrap();
        assert!(rights.files.is_empty() && rights.env.is_empty() && rights.network.is_empty());
        assert!(undeclared.is_empty());
    }

    #[test]
    fn granted_but_undeclared_is_not_given_and_is_reported() {
        let (_dir, ctx) = project();
        let granted = caps(&[(".", Access::Read)], &["AWS_SECRET"], &["127.0.0.1:80"]);
        let (rights, undeclared) =
            effective_rights("p", &Capabilities::default(), &granted, &ctx).unwrap();
        assert!(rights.files.is_empty() && rights.env.is_empty() && rights.network.is_empty());
        let kinds: Vec<_> = undeclared.iter().map(|u| u.capability).collect();
        assert_eq!(kinds, ["files", "env", "network"]);
    }

    #[test]
    fn access_is_the_weaker_of_declared_and_granted() {
        let (_dir, ctx) = project();
        // Declared read-write on the project, granted read on a subdirectory: read on src.
        let declared = caps(&[("${PROJECT}", Access::ReadWrite)], &[], &[]);
        let granted = caps(&[("src", Access::ReadWrite)], &[], &[]);
        let (rights, _) = effective_rights("p", &declared, &granted, &ctx).unwrap();
        assert_eq!(rights.files[0].1, Access::ReadWrite);
        let declared = caps(&[("${PROJECT}", Access::Read)], &[], &[]);
        let (rights, _) = effective_rights("p", &declared, &granted, &ctx).unwrap();
        assert_eq!(rights.files, [(ctx.resolve("src").unwrap(), Access::Read)]);
    }

    #[test]
    fn a_grant_outside_the_declared_directory_is_not_given() {
        let (_dir, ctx) = project();
        // `..` cannot climb out of the declared directory.
        let declared = caps(&[("${PROJECT}/src", Access::Read)], &[], &[]);
        let granted = caps(&[("src/..", Access::Read)], &[], &[]);
        let (rights, undeclared) = effective_rights("p", &declared, &granted, &ctx).unwrap();
        assert!(rights.files.is_empty());
        assert_eq!(undeclared.len(), 1);
    }

    #[test]
    fn a_missing_granted_directory_is_an_error_naming_plugin_and_path() {
        let (_dir, ctx) = project();
        let declared = caps(&[("${PROJECT}", Access::Read)], &[], &[]);
        let granted = caps(&[("nope", Access::Read)], &[], &[]);
        let err = effective_rights("gate-x", &declared, &granted, &ctx).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("gate-x") && text.contains("nope"), "{text}");
    }

    #[test]
    fn env_is_the_intersection_of_names() {
        let (_dir, ctx) = project();
        let declared = caps(&[], &["HOME", "LANG"], &[]);
        let granted = caps(&[], &["LANG", "TOKEN"], &[]);
        let (rights, undeclared) = effective_rights("p", &declared, &granted, &ctx).unwrap();
        assert_eq!(rights.env, ["LANG"]);
        assert_eq!(undeclared[0].target, "TOKEN");
    }

    #[test]
    fn network_grants_must_be_covered_by_a_declared_pattern() {
        let (_dir, ctx) = project();
        let declared = caps(&[], &[], &["127.0.0.1:*"]);
        let granted = caps(&[], &[], &["127.0.0.1:8080", "10.0.0.1:80"]);
        let (rights, undeclared) = effective_rights("p", &declared, &granted, &ctx).unwrap();
        assert_eq!(rights.network_patterns, ["127.0.0.1:8080"]);
        assert!(rights.network[0].allows("127.0.0.1:8080".parse().unwrap()));
        assert!(!rights.network[0].allows("127.0.0.1:8081".parse().unwrap()));
        assert_eq!(undeclared[0].target, "10.0.0.1:80");
    }

    #[test]
    fn bad_network_patterns_are_errors() {
        for bad in ["localhost", "a b:80", "1.2.3.4:99999", ":80"] {
            assert!(NetPattern::parse(bad).is_err(), "{bad}");
        }
        assert!(NetPattern::parse("[::1]:443").is_ok());
    }

    #[test]
    fn imports_beyond_grants_are_refused_with_interface_and_grant_named() {
        let none = EffectiveRights::default();
        check_imports(
            "p",
            PluginKind::Hook,
            ["wasi:cli/environment@0.2.6", "cchost:plugin/log@0.1.0"],
            &none,
        )
        .unwrap();
        // The session log belongs to agents: a hook or gate importing it is refused.
        check_imports(
            "p",
            PluginKind::Agent,
            ["cchost:plugin/session@0.1.0"],
            &none,
        )
        .unwrap();
        let err = check_imports(
            "p",
            PluginKind::Hook,
            ["cchost:plugin/session@0.1.0"],
            &none,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("only agents"), "{err}");
        check_imports("p", PluginKind::Gate, ["cchost:plugin/exec@0.1.0"], &none).unwrap();
        let err = check_imports("p", PluginKind::Hook, ["cchost:plugin/exec@0.1.0"], &none)
            .unwrap_err()
            .to_string();
        assert!(err.contains("only gates and agents"), "{err}");
        let err = check_imports("p", PluginKind::Hook, ["wasi:sockets/tcp@0.2.6"], &none)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("wasi:sockets/tcp") && err.contains("network"),
            "{err}"
        );
        let err = check_imports("p", PluginKind::Gate, ["acme:evil/backdoor"], &none)
            .unwrap_err()
            .to_string();
        assert!(err.contains("acme:evil/backdoor"), "{err}");
    }
}
