//! `cchost plugin`: tools for plugin authors. `new` scaffolds a project and `build` turns one into
//! a component (see [`crate::authoring`]); `inspect` shows what a component is (world, imports,
//! exports, size), what its manifest declares, what the current project grants it and whether it
//! would load; `check` validates manifests against their components, for authors and CI.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    time::Instant,
};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{ConfigArgs, exit};
use crate::{
    authoring::{self, Language, scaffold},
    plugins::{
        PluginRegistry, PluginSource, PluginSpec, builtin,
        grants::{self, Access, Capabilities, FileAccess, PathContext},
        manifest::{Manifest, PluginKind},
        resolve_limits,
    },
    runtime::{self, Allocation, ComponentCache, ComponentSource, Loaded, Metering, Tier},
};

#[derive(Debug, Args)]
pub struct PluginCommand {
    #[command(subcommand)]
    command: PluginSubcommand,
}

#[derive(Debug, Subcommand)]
enum PluginSubcommand {
    /// Create a plugin project that builds and runs unchanged: source, manifest, README, a
    /// `.cchost/config.toml` that runs it in that directory, and sample inputs in `tests/`.
    New(NewArgs),
    /// Build the plugin project in DIR into `DIR/dist/<name>.wasm` with its manifest
    /// `DIR/dist/<name>.toml`, then check them. Rust: cargo for wasm32-wasip2; Python:
    /// componentize-py from `.venv` (created from requirements.txt on first use); JavaScript:
    /// ComponentizeJS (`npm install` on first use).
    Build(BuildArgs),
    /// What a component is and may do here: world, imports, exports, size, the capabilities its
    /// manifest declares against those this project grants, and whether it loads.
    Inspect(InspectArgs),
    /// Validate manifests against their components (a `.wasm`, or every `.wasm` of a directory,
    /// each with its `.toml` beside it). Exit 1 when one would be refused whatever is granted.
    Check(CheckArgs),
    /// Internal: what a one-shot command that loaded FILE on baseline code starts, detached, to
    /// put FILE's optimised code into the cache for later loads.
    #[command(hide = true)]
    Optimize(OptimizeArgs),
}

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// The component.
    file: PathBuf,
    /// The cache to fill.
    #[arg(long, value_name = "DIR")]
    cache_dir: PathBuf,
    /// Compile for the pooling allocator's engine (long-lived processes).
    #[arg(long)]
    pooling: bool,
    /// Compile for the fuel-metered engine.
    #[arg(long)]
    fuel: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The plugin's name: lowercase letters, digits and hyphens (`no-shutdown`).
    name: String,
    /// What it is: a hook judges Claude Code events, a gate judges files at a checkpoint, an
    /// agent runs a task in a workflow.
    #[arg(long, value_enum)]
    kind: NewKind,
    /// The language to write it in.
    #[arg(long = "lang", value_enum)]
    language: Language,
    /// Where to create the project directory NAME (default: the working directory).
    #[arg(long, value_name = "PARENT", default_value = ".")]
    dir: PathBuf,
    /// The `cchost-sdk` crate a Rust plugin depends on: the `sdk/` directory of a cchost
    /// checkout (default: the one this binary was built from, when it is still there).
    #[arg(long, value_name = "DIR")]
    sdk: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum NewKind {
    Hook,
    Gate,
    Agent,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The plugin project (the directory of its `plugin.toml`).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Print JSON instead of text (the toolchains' own output still goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A component (`x.wasm`, with its manifest `x.toml` beside it) or a built-in plugin's name.
    plugin: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A component or a directory of components.
    path: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(command: PluginCommand, config: &ConfigArgs) -> ExitCode {
    let outcome = match command.command {
        PluginSubcommand::New(args) => new(args),
        PluginSubcommand::Build(args) => build(args),
        PluginSubcommand::Inspect(args) => inspect(args, config),
        PluginSubcommand::Check(args) => check(args),
        PluginSubcommand::Optimize(args) => optimize(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::USAGE)
        }
    }
}

fn new(args: NewArgs) -> Result<ExitCode> {
    let kind = match args.kind {
        NewKind::Hook => PluginKind::Hook,
        NewKind::Gate => PluginKind::Gate,
        NewKind::Agent => PluginKind::Agent,
    };
    let sdk = match args.sdk {
        Some(sdk) => Some(
            sdk.canonicalize()
                .with_context(|| format!("--sdk {}", sdk.display()))?,
        ),
        None => scaffold::default_sdk(),
    };
    let request = scaffold::Request {
        dir: args.dir.join(&args.name),
        name: args.name,
        kind,
        language: args.language,
        sdk,
    };
    let files = scaffold::create(&request)?;
    println!(
        "created the {} {} plugin `{}` in {}:",
        args.language,
        kind.as_str(),
        request.name,
        request.dir.display()
    );
    for file in files {
        println!("  {file}");
    }
    println!(
        "next: cd {} && cchost plugin build   (then see README.md to try it)",
        request.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn build(args: BuildArgs) -> Result<ExitCode> {
    let built = authoring::build::build(&args.dir)?;
    let registry = registry(Vec::new(), None)?;
    let check = check_one(&built.component, &registry);
    if args.json {
        let report = json!({
            "name": built.name,
            "kind": built.kind.as_str(),
            "language": built.language,
            "component": built.component,
            "manifest": built.manifest,
            "size_bytes": built.size_bytes,
            "build_ms": built.duration.as_millis() as u64,
            "check": check,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "built {} ({} {}, {:.1} MB) in {:.1} s",
            built.component.display(),
            built.language,
            built.kind.as_str(),
            built.size_bytes as f64 / 1e6,
            built.duration.as_secs_f64()
        );
        print_check(&check);
    }
    Ok(if check.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FAILED)
    })
}

/// A component and its manifest, read from disk or from the binary.
struct Component {
    source: PluginSource,
    /// Where it came from, for people.
    origin: String,
    bytes: Vec<u8>,
    sha256: String,
    manifest: Manifest,
}

impl Component {
    fn open(plugin: &str) -> Result<Component> {
        let path = Path::new(plugin);
        if path.is_file() {
            let manifest_path = path.with_extension("toml");
            let text = std::fs::read_to_string(&manifest_path).with_context(|| {
                format!(
                    "read the manifest {} (every component ships with one beside it)",
                    manifest_path.display()
                )
            })?;
            let manifest = Manifest::parse(&text, &manifest_path.display().to_string())?;
            let bytes = std::fs::read(path).with_context(|| format!("read component {plugin}"))?;
            return Ok(Component {
                source: PluginSource::File(path.canonicalize()?),
                origin: path.display().to_string(),
                sha256: hex::encode(Sha256::digest(&bytes)),
                bytes,
                manifest,
            });
        }
        let Some(builtin) = builtin::find(plugin) else {
            bail!(
                "`{plugin}` is neither a component file nor a built-in plugin ({})",
                builtin::names().collect::<Vec<_>>().join(", ")
            );
        };
        Ok(Component {
            source: PluginSource::Builtin(builtin),
            origin: format!("built-in plugin `{plugin}`"),
            bytes: builtin.component.to_vec(),
            sha256: builtin.sha256.to_string(),
            manifest: Manifest::parse(builtin.manifest, plugin)?,
        })
    }

    /// Compiles it (or takes it from the precompiled cache) for its imports and exports.
    fn interface(&self, registry: &PluginRegistry) -> Result<(Vec<String>, Vec<String>)> {
        let Loaded { flavor, component } = registry.runtime().load(
            Metering::Off,
            &ComponentSource {
                plugin: &self.manifest.plugin.name,
                bytes: &self.bytes,
                sha256: &self.sha256,
                path: match &self.source {
                    PluginSource::File(path) => Some(path),
                    PluginSource::Builtin(_) => None,
                },
            },
        )?;
        let kind = component.component_type();
        let imports = kind
            .imports(&flavor.engine)
            .map(|(name, _)| name.to_string())
            .collect();
        let exports = kind
            .exports(&flavor.engine)
            .map(|(name, _)| name.to_string())
            .collect();
        Ok((imports, exports))
    }
}

fn optimize(args: OptimizeArgs) -> Result<ExitCode> {
    // Background work: it yields the CPU to whatever the user is doing.
    let _ = rustix::process::nice(10);
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("read {}", args.file.display()))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let allocation = if args.pooling {
        Allocation::Pooling
    } else {
        Allocation::OnDemand
    };
    let metering = if args.fuel {
        Metering::Fuel
    } else {
        Metering::Off
    };
    let engine = runtime::optimizing_engine(allocation, metering)?;
    let plugin = args.file.display().to_string();
    let kind = runtime::EngineKind::optimizing(allocation, metering);
    ComponentCache::at(&args.cache_dir).optimize(&engine, kind, &plugin, &bytes, &sha256)?;
    Ok(ExitCode::SUCCESS)
}

fn registry(specs: Vec<PluginSpec>, project_root: Option<PathBuf>) -> Result<PluginRegistry> {
    PluginRegistry::new(
        Allocation::OnDemand,
        ComponentCache::from_env(),
        specs,
        PathContext::from_env(project_root),
    )
    .map(|registry| registry.with_tiering(super::one_shot_tiering()))
}

/// The export each world must have.
fn world_export(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::Hook => "handle",
        PluginKind::Gate => "check",
        PluginKind::Agent => "run",
    }
}

#[derive(Serialize)]
struct Inspection {
    name: String,
    kind: &'static str,
    version: String,
    description: String,
    origin: String,
    size_bytes: usize,
    sha256: String,
    imports: Vec<String>,
    exports: Vec<String>,
    declared: Capabilities,
    /// The configured plugin of this project using this component, if any.
    configured_as: Option<String>,
    granted: Capabilities,
    effective: serde_json::Value,
    /// `null` when it loads; otherwise why the host refuses it here.
    load_error: Option<String>,
    load_ms: f64,
    /// `baseline` when it loaded on Winch's code while Cranelift's is compiled in the background.
    tier: Option<&'static str>,
}

fn inspect(args: InspectArgs, config_args: &ConfigArgs) -> Result<ExitCode> {
    let component = Component::open(&args.plugin)?;
    let cwd = std::env::current_dir().context("determine the working directory")?;
    let loaded = config_args.load(&cwd)?;
    let configured = configured_name(&loaded.config, &component)?;
    let mut spec = match &configured {
        Some(name) => loaded.config.spec_of(name)?,
        None => PluginSpec {
            name: component.manifest.plugin.name.clone(),
            source: component.source.clone(),
            grant: Capabilities::default(),
            limits: Default::default(),
            settings: Default::default(),
        },
    };
    spec.source = component.source.clone();
    if component.manifest.plugin.kind == PluginKind::Gate
        && let Some(root) = &loaded.project_root
    {
        // What `cchost gate` adds for every gate: reading the project it judges.
        spec.grant.files.push(FileAccess {
            path: root.display().to_string(),
            access: Access::Read,
        });
    }
    let name = spec.name.clone();
    let granted = spec.grant.clone();
    let registry = registry(vec![spec], loaded.project_root.clone())?;
    let started = Instant::now();
    let load = registry.get(&name);
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let (imports, exports) = component.interface(&registry)?;
    let (effective, load_error) = match &load {
        Ok(plugin) => {
            let rights = &plugin.identity.rights;
            let limits = plugin.limits;
            let effective = json!({
                "files": rights.files.iter().map(|(dir, access)| json!({"path": dir, "access": access})).collect::<Vec<_>>(),
                "env": rights.env,
                "network": rights.network_patterns,
                "mcp": rights.mcp.servers().collect::<Vec<_>>(),
                "model": rights.model,
                "exec": rights.exec,
                "limits": {
                    "memory_mib": limits.memory_bytes >> 20,
                    "timeout_ms": limits.timeout.as_millis() as u64,
                    "fuel": limits.fuel,
                    "output_kib": limits.max_output_bytes >> 10,
                },
            });
            (effective, None)
        }
        Err(error) => (serde_json::Value::Null, Some(error.to_string())),
    };
    let manifest = &component.manifest;
    let inspection = Inspection {
        name: manifest.plugin.name.clone(),
        kind: manifest.plugin.kind.as_str(),
        version: manifest.plugin.version.clone(),
        description: manifest.plugin.description.clone(),
        origin: component.origin.clone(),
        size_bytes: component.bytes.len(),
        sha256: component.sha256.clone(),
        imports,
        exports,
        declared: manifest.capabilities.clone(),
        configured_as: configured,
        granted,
        effective,
        load_error,
        load_ms,
        tier: load.as_ref().ok().map(|plugin| match plugin.tier {
            Tier::Optimized => "optimized",
            Tier::Baseline => "baseline",
        }),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&inspection)?);
    } else {
        print_inspection(&inspection);
    }
    Ok(if inspection.load_error.is_some() {
        ExitCode::from(exit::FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// The name this project configures `component` under: a `[plugins.X]` whose `path` is the
/// component, or a configured built-in.
fn configured_name(
    config: &crate::config::Config,
    component: &Component,
) -> Result<Option<String>> {
    for name in config.plugins.keys() {
        let spec = config.spec_of(name)?;
        let same = match (&spec.source, &component.source) {
            (PluginSource::File(a), PluginSource::File(b)) => {
                a.canonicalize().ok().as_ref() == Some(b)
            }
            (PluginSource::Builtin(a), PluginSource::Builtin(b)) => a.name == b.name,
            _ => false,
        };
        if same {
            return Ok(Some(name.clone()));
        }
    }
    Ok(None)
}

fn print_inspection(i: &Inspection) {
    let kib = i.size_bytes as f64 / 1024.0;
    println!("{} {} ({}): {}", i.name, i.version, i.kind, i.description);
    println!(
        "  component  {} ({kib:.0} KiB, sha256 {})",
        i.origin,
        &i.sha256[..16]
    );
    println!("  exports    {}", i.exports.join(", "));
    println!("  imports    {}", i.imports.join(", "));
    let caps = |c: &Capabilities| serde_json::to_string(c).unwrap_or_default();
    println!("  declares   {}", caps(&i.declared));
    match &i.configured_as {
        Some(name) => println!("  granted    {} (as [plugins.{name}])", caps(&i.granted)),
        None => println!("  granted    nothing: this project does not configure it"),
    }
    match &i.load_error {
        None => {
            println!("  effective  {}", i.effective);
            println!("  loads      yes ({:.0} ms)", i.load_ms);
            if i.tier == Some("baseline") {
                println!(
                    "             on baseline code (Winch) for now: the optimised code is being \
                     compiled into the cache"
                );
            }
        }
        Some(error) => println!("  loads      no: {error}"),
    }
}

#[derive(Serialize)]
struct CheckReport {
    component: String,
    name: Option<String>,
    kind: Option<&'static str>,
    errors: Vec<String>,
    warnings: Vec<String>,
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let components = components_in(&args.path)?;
    let registry = registry(Vec::new(), None)?;
    let reports: Vec<CheckReport> = components
        .iter()
        .map(|path| check_one(path, &registry))
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        reports.iter().for_each(print_check);
    }
    Ok(if reports.iter().any(|r| !r.errors.is_empty()) {
        ExitCode::from(exit::FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_check(report: &CheckReport) {
    let verdict = if report.errors.is_empty() {
        "ok"
    } else {
        "FAILED"
    };
    println!("{}: {verdict}", report.component);
    for error in &report.errors {
        println!("  error: {error}");
    }
    for warning in &report.warnings {
        println!("  warning: {warning}");
    }
}

/// `path` itself, or the `.wasm` files directly in it.
fn components_in(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("read {}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    found.sort();
    if found.is_empty() {
        bail!(
            "no component (`.wasm`) in {}: build the plugin first",
            path.display()
        );
    }
    Ok(found)
}

fn check_one(path: &Path, registry: &PluginRegistry) -> CheckReport {
    let mut report = CheckReport {
        component: path.display().to_string(),
        name: None,
        kind: None,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let component = match Component::open(&path.display().to_string()) {
        Ok(component) => component,
        Err(error) => {
            report.errors.push(format!("{error:#}"));
            return report;
        }
    };
    let manifest = &component.manifest;
    let name = manifest.plugin.name.as_str();
    let kind = manifest.plugin.kind;
    report.name = Some(name.to_string());
    report.kind = Some(kind.as_str());
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().replace('_', "-"));
    if stem.as_deref() != Some(name) {
        report.warnings.push(format!(
            "the manifest names the plugin `{name}` but the file is {}: configure it with an \
             explicit `path`",
            path.display()
        ));
    }
    if let Err(error) = resolve_limits(name, manifest.limits.or(kind.default_limits())) {
        report.errors.push(format!("{error:#}"));
    }
    let (imports, exports) = match component.interface(registry) {
        Ok(interface) => interface,
        Err(error) => {
            report
                .errors
                .push(format!("not a loadable component: {error:#}"));
            return report;
        }
    };
    let export = world_export(kind);
    if !exports.iter().any(|e| e == export) {
        report.errors.push(format!(
            "the manifest says `kind = \"{}\"`, but the component does not export `{export}` \
             (it exports: {})",
            kind.as_str(),
            exports.join(", ")
        ));
    }
    let declarations = grants::check_declarations(name, kind, &imports, &manifest.capabilities);
    report.errors.extend(declarations.errors);
    report.warnings.extend(declarations.unused);
    report
}
