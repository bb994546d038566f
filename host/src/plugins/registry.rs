//! The plugin registry: resolves configured plugins, loads each at most once per process
//! (precompiled cache → grants checked against imports → cached `InstancePre`), and runs calls in
//! a fresh store with the plugin's limits, turning every failure into a [`PluginError`].

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::{
    Store, Trap,
    component::{HasSelf, Linker},
};

use super::{
    bindings::{
        self, AgentOutput, Finding, GateInput, GateReport, GateStatus, HookEvent, HookResponse,
        Severity, Task,
    },
    builtin,
    exec::ExecAttempt,
    grants::{self, Capabilities, PathContext},
    manifest::{LimitSettings, Manifest, PluginKind},
    state::{PluginIdentity, PluginState},
    tools::ToolBroker,
};
use crate::{
    model::ModelClient,
    runtime::{
        Allocation, Compilation, ComponentCache, ComponentSource, Failure, Limits, Loaded,
        Metering, NotCompiled, PluginError, Runtime, Tier, Tiering,
    },
    session::SessionHandle,
};

fn link_hook_interfaces(linker: &mut Linker<PluginState>) -> Result<()> {
    use bindings::hook::cchost::plugin::{config, log, types};
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    log::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    config::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    types::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    Ok(())
}

fn link_all_interfaces(linker: &mut Linker<PluginState>) -> Result<()> {
    use bindings::{
        agent::cchost::plugin::{mcp, model, session},
        gate::cchost::plugin::exec,
    };
    link_hook_interfaces(linker)?;
    // Only agents may import these three (`grants::check_imports`); linking them for every
    // world is harmless since hooks and gates cannot name them.
    session::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    mcp::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    model::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    // Hooks may not import it (`grants::check_imports`).
    exec::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    Ok(())
}

/// Where a plugin's component comes from.
#[derive(Debug, Clone)]
pub enum PluginSource {
    Builtin(&'static builtin::BuiltinPlugin),
    /// A `.wasm` file with its manifest beside it (`x.wasm` → `x.toml`).
    File(PathBuf),
}

/// A plugin as the user configured it.
#[derive(Debug, Clone)]
pub struct PluginSpec {
    pub name: String,
    pub source: PluginSource,
    pub grant: Capabilities,
    pub limits: LimitSettings,
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// A plugin ready to be called many times.
pub struct LoadedPlugin {
    pub manifest: Manifest,
    pub identity: Arc<PluginIdentity>,
    pub limits: Limits,
    pub imports: Vec<String>,
    /// The engine it was compiled for: metered only when it has a fuel limit.
    engine: wasmtime::Engine,
    /// Which compiler made its code (baseline for the first load of a large component).
    pub tier: Tier,
    world: World,
}

enum World {
    Hook(bindings::hook::HookPre<PluginState>),
    Gate(bindings::gate::GatePre<PluginState>),
    Agent(bindings::agent::AgentPre<PluginState>),
}

pub struct PluginRegistry {
    runtime: Runtime<PluginState>,
    specs: HashMap<String, PluginSpec>,
    paths: PathContext,
    loaded: Mutex<HashMap<String, Arc<LoadedPlugin>>>,
}

impl PluginRegistry {
    /// A registry for every kind of plugin: the host links all of cchost's interfaces.
    pub fn new(
        allocation: Allocation,
        cache: ComponentCache,
        specs: impl IntoIterator<Item = PluginSpec>,
        paths: PathContext,
    ) -> Result<Self> {
        Self::linking(allocation, cache, specs, paths, link_all_interfaces)
    }

    /// A registry that serves only hooks: the host links WASI and the `hook` world's imports
    /// (`log`, `config`, `types`), so nothing else is reachable, and the code behind the other
    /// interfaces stays out of an executable that only runs hooks (`cchost-hook`).
    pub fn for_hooks(
        allocation: Allocation,
        cache: ComponentCache,
        specs: impl IntoIterator<Item = PluginSpec>,
        paths: PathContext,
    ) -> Result<Self> {
        Self::linking(allocation, cache, specs, paths, link_hook_interfaces)
    }

    fn linking(
        allocation: Allocation,
        cache: ComponentCache,
        specs: impl IntoIterator<Item = PluginSpec>,
        paths: PathContext,
        link: fn(&mut Linker<PluginState>) -> Result<()>,
    ) -> Result<Self> {
        Ok(PluginRegistry {
            runtime: Runtime::new(allocation, cache, link)?,
            specs: specs.into_iter().map(|s| (s.name.clone(), s)).collect(),
            paths,
            loaded: Mutex::new(HashMap::new()),
        })
    }

    /// Whether a component missing from the cache is compiled (the default) or refused with
    /// [`Failure::NotCompiled`].
    pub fn with_compilation(mut self, compilation: Compilation) -> Self {
        self.runtime.set_compilation(compilation);
        self
    }

    /// Replaces the default tiering (baseline code for the first load of large components,
    /// optimised in a background thread).
    pub fn with_tiering(mut self, tiering: Tiering) -> Self {
        self.runtime.set_tiering(tiering);
        self
    }

    pub fn runtime(&self) -> &Runtime<PluginState> {
        &self.runtime
    }

    /// The loaded plugin `name`, loading it on first use.
    pub fn get(&self, name: &str) -> Result<Arc<LoadedPlugin>, PluginError> {
        if let Some(plugin) = self.lock_loaded().get(name) {
            return Ok(plugin.clone());
        }
        // Loading happens outside the lock: compiling a large component takes seconds and must
        // not hold up calls to plugins that are already loaded.
        let plugin = Arc::new(self.load(name).map_err(|e| {
            let failure = if e.downcast_ref::<NotCompiled>().is_some() {
                Failure::NotCompiled
            } else {
                Failure::Load(format!("{e:#}"))
            };
            PluginError::new(name, failure)
        })?);
        Ok(self
            .lock_loaded()
            .entry(name.to_string())
            .or_insert(plugin)
            .clone())
    }

    fn lock_loaded(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LoadedPlugin>>> {
        // A panic elsewhere cannot leave the map half-updated: entries are inserted whole.
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn load(&self, name: &str) -> Result<LoadedPlugin> {
        let spec = self.spec(name)?;
        let (manifest_text, manifest_origin, bytes, sha256, path) = match &spec.source {
            PluginSource::Builtin(builtin) => (
                builtin.manifest.to_string(),
                format!("of built-in plugin `{}`", builtin.name),
                std::borrow::Cow::Borrowed(builtin.component),
                builtin.sha256.to_string(),
                None,
            ),
            PluginSource::File(wasm) => {
                let manifest_path = wasm.with_extension("toml");
                let text = std::fs::read_to_string(&manifest_path).with_context(|| {
                    format!(
                        "read the manifest {} (every component ships with one beside it)",
                        manifest_path.display()
                    )
                })?;
                let bytes = std::fs::read(wasm)
                    .with_context(|| format!("read component {}", wasm.display()))?;
                let sha256 = hex::encode(Sha256::digest(&bytes));
                (
                    text,
                    manifest_path.display().to_string(),
                    std::borrow::Cow::Owned(bytes),
                    sha256,
                    Some(wasm.as_path()),
                )
            }
        };
        let manifest = Manifest::parse(&manifest_text, &manifest_origin)?;
        let (rights, undeclared) =
            grants::effective_rights(name, &manifest.capabilities, &spec.grant, &self.paths)?;
        for item in undeclared {
            tracing::warn!(
                plugin = name,
                "grant `{}` = {} ignored: the plugin's manifest does not declare it",
                item.capability,
                item.target
            );
        }
        let limits = resolve_limits(
            name,
            spec.limits
                .or(manifest.limits)
                .or(manifest.plugin.kind.default_limits()),
        )?;

        let Loaded { flavor, component } = self.runtime.load(
            Metering::for_limits(&limits),
            &ComponentSource {
                plugin: name,
                bytes: &bytes,
                sha256: &sha256,
                path,
            },
        )?;
        let imports: Vec<String> = component
            .component_type()
            .imports(&flavor.engine)
            .map(|(import, _)| import.to_string())
            .collect();
        grants::check_imports(
            name,
            manifest.plugin.kind,
            imports.iter().map(String::as_str),
            &rights,
        )?;
        let pre = flavor
            .linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("link plugin `{name}`"))?;
        let wrong_world = |e: wasmtime::Error| {
            anyhow::anyhow!(
                "plugin `{name}` is declared a {} but does not implement the `{}` world: {e}",
                manifest.plugin.kind.as_str(),
                manifest.plugin.kind.as_str()
            )
        };
        let world = match manifest.plugin.kind {
            PluginKind::Hook => {
                World::Hook(bindings::hook::HookPre::new(pre).map_err(wrong_world)?)
            }
            PluginKind::Gate => {
                World::Gate(bindings::gate::GatePre::new(pre).map_err(wrong_world)?)
            }
            PluginKind::Agent => {
                World::Agent(bindings::agent::AgentPre::new(pre).map_err(wrong_world)?)
            }
        };
        Ok(LoadedPlugin {
            identity: Arc::new(PluginIdentity {
                name: name.to_string(),
                settings: spec.settings.clone(),
                rights,
            }),
            manifest,
            limits,
            imports,
            engine: flavor.engine.clone(),
            tier: flavor.kind.tier,
            world,
        })
    }

    fn spec(&self, name: &str) -> Result<PluginSpec> {
        if let Some(spec) = self.specs.get(name) {
            return Ok(spec.clone());
        }
        let builtin = builtin::find(name).with_context(|| {
            format!(
                "no plugin named `{name}`: configure [plugins.{name}] with a `path`, or use a \
                 built-in plugin ({})",
                builtin::BUILTIN
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        Ok(PluginSpec {
            name: name.to_string(),
            source: PluginSource::Builtin(builtin),
            grant: Capabilities::default(),
            limits: LimitSettings::default(),
            settings: Default::default(),
        })
    }

    /// Runs hook `name` on `event` in a fresh instance; `timeout` overrides the plugin's limit.
    pub async fn call_hook(
        &self,
        name: &str,
        event: &HookEvent,
        timeout: Option<Duration>,
    ) -> Result<HookResponse, PluginError> {
        let plugin = self.get(name)?;
        let World::Hook(pre) = &plugin.world else {
            return Err(wrong_kind(&plugin, PluginKind::Hook));
        };
        let mut limits = plugin.limits;
        if let Some(timeout) = timeout {
            limits.timeout = timeout;
        }
        let response = self
            .call(&plugin, limits, async |store| {
                let hook = pre.instantiate_async(&mut *store).await?;
                hook.call_handle(&mut *store, event).await
            })
            .await?;
        check_output(&plugin, limits, hook_response_size(&response))?;
        Ok(response)
    }

    /// Runs gate `name` on `input` in a fresh instance.
    pub async fn call_gate(
        &self,
        name: &str,
        input: &GateInput,
    ) -> Result<GateReport, PluginError> {
        let plugin = self.get(name)?;
        let World::Gate(pre) = &plugin.world else {
            return Err(wrong_kind(&plugin, PluginKind::Gate));
        };
        let limits = plugin.limits;
        let report = self
            .call(&plugin, limits, async |store| {
                let gate = pre.instantiate_async(&mut *store).await?;
                let report = gate.call_check(&mut *store, input).await?;
                let attempts = std::mem::take(&mut store.data_mut().exec_log);
                Ok(report.map(|report| with_exec_findings(report, name, &attempts)))
            })
            .await?;
        let size = report
            .findings
            .iter()
            .map(|f| {
                f.rule.len()
                    + f.message.len()
                    + f.file.as_ref().map_or(0, String::len)
                    + f.fix_hint.as_ref().map_or(0, String::len)
            })
            .sum();
        check_output(&plugin, limits, size)?;
        Ok(report)
    }

    /// Runs agent `name` on `task` in a fresh instance, outside any session (its `session`
    /// calls fail with "no session").
    pub async fn call_agent(&self, name: &str, task: &Task) -> Result<AgentOutput, PluginError> {
        self.call_agent_in_session(name, task, None).await
    }

    /// Runs agent `name` on `task` in a fresh instance that appends to and reads `session`.
    pub async fn call_agent_in_session(
        &self,
        name: &str,
        task: &Task,
        session: Option<SessionHandle>,
    ) -> Result<AgentOutput, PluginError> {
        let context = AgentContext {
            session,
            ..AgentContext::default()
        };
        self.call_agent_with(name, task, context).await
    }

    /// Runs agent `name` on `task` in a fresh instance with the session and MCP access of
    /// `context`.
    pub async fn call_agent_with(
        &self,
        name: &str,
        task: &Task,
        context: AgentContext,
    ) -> Result<AgentOutput, PluginError> {
        let plugin = self.get(name)?;
        let World::Agent(pre) = &plugin.world else {
            return Err(wrong_kind(&plugin, PluginKind::Agent));
        };
        let limits = plugin.limits;
        let output = self
            .call_with_session(&plugin, limits, context, async |store| {
                let agent = pre.instantiate_async(&mut *store).await?;
                agent.call_run(&mut *store, task).await
            })
            .await?;
        check_output(&plugin, limits, output.summary.len() + output.data.len())?;
        Ok(output)
    }

    /// Runs `body` in a fresh store under `limits`, mapping every way it can fail.
    async fn call<R>(
        &self,
        plugin: &LoadedPlugin,
        limits: Limits,
        body: impl AsyncFnOnce(&mut Store<PluginState>) -> wasmtime::Result<Result<R, String>>,
    ) -> Result<R, PluginError> {
        self.call_with_session(plugin, limits, AgentContext::default(), body)
            .await
    }

    async fn call_with_session<R>(
        &self,
        plugin: &LoadedPlugin,
        limits: Limits,
        context: AgentContext,
        body: impl AsyncFnOnce(&mut Store<PluginState>) -> wasmtime::Result<Result<R, String>>,
    ) -> Result<R, PluginError> {
        let name = &plugin.identity.name;
        let mut state = PluginState::new(plugin.identity.clone(), limits.memory_bytes)
            .map_err(|e| PluginError::new(name, Failure::Load(format!("{e:#}"))))?;
        state.session = context.session;
        state.tools = context.tools;
        state.model = context.model;
        let mut store = Store::new(&plugin.engine, state);
        store.limiter(|state| &mut state.limiter);
        if let Some(fuel) = limits.fuel {
            // Fails only if the plugin was loaded without metering, which `load` never does.
            store
                .set_fuel(fuel)
                .map_err(|e| PluginError::new(name, Failure::Load(e.to_string())))?;
        }
        // Yield to the executor at every epoch tick so the timeout below can fire even while
        // the guest spins, without a thread per call.
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);

        let outcome = tokio::time::timeout(limits.timeout, body(&mut store)).await;
        let failure = match outcome {
            Ok(Ok(Ok(value))) => return Ok(value),
            Ok(Ok(Err(message))) => Failure::Plugin(message),
            Err(_elapsed) => Failure::Timeout {
                ms: limits.timeout.as_millis() as u64,
            },
            Ok(Err(error)) => classify(error, limits, store.data()),
        };
        Err(PluginError::new(name, failure))
    }
}

/// A gate's report with the host's account of the commands it ran: a note for each run and an
/// error for each refused one, so an attempt outside the grant fails the gate whatever the gate
/// itself says about it.
fn with_exec_findings(mut report: GateReport, gate: &str, attempts: &[ExecAttempt]) -> GateReport {
    for attempt in attempts {
        let (rule, severity) = if attempt.is_denied() {
            ("exec/denied", Severity::Error)
        } else {
            ("exec/run", Severity::Info)
        };
        report.findings.push(Finding {
            rule: rule.into(),
            severity,
            message: attempt.describe(),
            file: None,
            line: None,
            column: None,
            fix_hint: attempt.is_denied().then(|| {
                format!("if `{gate}` should run it, grant it: [plugins.{gate}.grant] exec = [[…]]")
            }),
        });
        if attempt.is_denied() {
            report.status = GateStatus::Fail;
        }
    }
    report
}

/// What an agent call may reach beyond its own instance.
#[derive(Default, Clone)]
pub struct AgentContext {
    pub session: Option<SessionHandle>,
    pub tools: Option<Arc<dyn ToolBroker>>,
    pub model: Option<Arc<ModelClient>>,
}

fn classify(error: wasmtime::Error, limits: Limits, state: &PluginState) -> Failure {
    if state.limiter.exceeded {
        return Failure::MemoryLimit {
            mib: limits.memory_mib(),
        };
    }
    let trap = error.downcast_ref::<Trap>().copied();
    if trap == Some(Trap::OutOfFuel) {
        return Failure::FuelExhausted {
            fuel: limits.fuel.unwrap_or(u64::MAX),
        };
    }
    Failure::Trap {
        message: trap.map_or_else(|| format!("{error:#}"), |trap| trap.to_string()),
        stderr: state.stderr_text().chars().take(2_000).collect(),
    }
}

fn wrong_kind(plugin: &LoadedPlugin, wanted: PluginKind) -> PluginError {
    PluginError::new(
        &plugin.identity.name,
        Failure::Load(format!(
            "is a {}, not a {}",
            plugin.manifest.plugin.kind.as_str(),
            wanted.as_str()
        )),
    )
}

fn check_output(plugin: &LoadedPlugin, limits: Limits, bytes: usize) -> Result<(), PluginError> {
    if bytes > limits.max_output_bytes {
        return Err(PluginError::new(
            &plugin.identity.name,
            Failure::OutputTooLarge {
                bytes,
                limit: limits.max_output_bytes,
            },
        ));
    }
    Ok(())
}

fn hook_response_size(response: &HookResponse) -> usize {
    use bindings::Decision;
    let reason = match &response.decision {
        Decision::Deny(r) | Decision::Ask(r) | Decision::Block(r) => r.len(),
        Decision::Allow(r) => r.as_ref().map_or(0, String::len),
        Decision::None | Decision::Defer => 0,
    };
    let optional = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    reason
        + optional(&response.updated_input)
        + optional(&response.additional_context)
        + optional(&response.system_message)
}

/// Effective limits from the merged settings, with bounds checked.
pub fn resolve_limits(plugin: &str, settings: LimitSettings) -> Result<Limits> {
    let defaults = Limits::default();
    let memory_mib = settings.memory_mib.unwrap_or(Limits::DEFAULT_MEMORY_MIB);
    let max_mib = (crate::runtime::MAX_MEMORY_BYTES >> 20) as u64;
    anyhow::ensure!(
        (1..=max_mib).contains(&memory_mib),
        "plugin `{plugin}`: limits.memory_mib = {memory_mib} is outside 1..={max_mib}"
    );
    let timeout_ms = settings.timeout_ms.unwrap_or(Limits::DEFAULT_TIMEOUT_MS);
    anyhow::ensure!(
        timeout_ms >= 1,
        "plugin `{plugin}`: limits.timeout_ms must be at least 1"
    );
    Ok(Limits {
        memory_bytes: (memory_mib << 20) as usize,
        timeout: Duration::from_millis(timeout_ms),
        fuel: settings.fuel.or(defaults.fuel),
        max_output_bytes: settings
            .output_kib
            .map_or(defaults.max_output_bytes, |kib| (kib << 10) as usize),
    })
}
