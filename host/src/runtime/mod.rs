//! The wasmtime runtime: one engine per process, the precompiled-component cache, per-call limits
//! and the structured errors every plugin failure turns into.
//!
//! Performance rules (see DESIGN.md): compile once and cache the result on disk, instantiate a
//! fresh store per call from a cached `InstancePre`, use the pooling allocator only in
//! long-lived processes (it costs milliseconds to create), and bound wall time with epoch
//! interruption that yields to the async executor instead of pinning a thread. Fuel metering
//! instruments every basic block, so only plugins that set a fuel limit get a metered engine.
//! A large component's first load runs on Winch's baseline code, compiled in a fraction of
//! Cranelift's time, while Cranelift fills the cache in the background ([`Tiering`]).

mod cache;
mod capture;
mod error;
mod limits;

use std::{
    collections::HashMap,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use anyhow::{Context, Result};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig,
    component::{Component, Linker},
};

pub use cache::ComponentCache;
pub use capture::CappedOutput;
pub use error::{Failure, PluginError};
pub use limits::{Limits, MemoryLimiter};

/// How often the epoch advances; wall-time limits are enforced with this resolution.
pub const EPOCH_TICK: Duration = Duration::from_millis(2);

/// Largest linear memory any plugin may be granted; also sizes the pooling allocator's slots.
pub const MAX_MEMORY_BYTES: usize = 4 << 30;

/// How instances get their memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Allocation {
    /// mmap on demand: nothing to set up, best for one-shot processes such as `cchost hook`.
    OnDemand,
    /// A tuned pool of pre-reserved slots: ~3 ms to create, then the cheapest instantiation.
    Pooling,
}

/// Whether an engine counts fuel. A metered engine compiles a counter into every basic block
/// (and gets its own cache entries, since the compiled code differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metering {
    Off,
    Fuel,
}

impl Metering {
    /// What a plugin with these limits needs.
    pub fn for_limits(limits: &Limits) -> Self {
        if limits.fuel.is_some() {
            Metering::Fuel
        } else {
            Metering::Off
        }
    }
}

/// Whether a component missing from the cache may be compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compilation {
    /// Compile it (and store it in the cache).
    Allowed,
    /// Fail with [`NotCompiled`]: `cchost-hook` hands such calls to `cchost`, which compiles.
    CachedOnly,
}

/// A component is not in the cache and this runtime may not compile it.
#[derive(Debug, Clone)]
pub struct NotCompiled {
    pub plugin: String,
}

impl std::fmt::Display for NotCompiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "plugin `{}` is not in the compiled-component cache yet",
            self.plugin
        )
    }
}

impl std::error::Error for NotCompiled {}

/// What an engine is configured for; names its directory in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EngineKind {
    pub allocation: Allocation,
    pub metering: Metering,
    pub tier: Tier,
}

impl EngineKind {
    /// The kind `cchost plugin optimize` compiles for: what the runtime's optimised flavor uses.
    pub fn optimizing(allocation: Allocation, metering: Metering) -> Self {
        EngineKind {
            allocation,
            metering,
            tier: Tier::Optimized,
        }
    }
}

/// Which compiler makes an engine's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// Cranelift: optimising; what the cache serves once it has it.
    Optimized,
    /// Winch, a single-pass compiler: several times faster to compile, slower code. It bridges
    /// the first load of a large component while Cranelift compiles it in the background.
    Baseline,
}

/// Where the optimising compile of a component first loaded on baseline code runs.
#[derive(Debug, Clone)]
pub enum Optimizer {
    /// A thread of this process: for long-lived processes and library users.
    Thread,
    /// A detached `cchost plugin optimize` process started from this executable: for one-shot
    /// processes (`cchost hook`) that exit long before Cranelift is done.
    Process(PathBuf),
    /// Nobody: the baseline code stays until something else fills the cache (`cchost plugin
    /// check` does). For measuring baseline code.
    Never,
}

/// When a component is first loaded on baseline code, and who optimises it afterwards.
#[derive(Debug, Clone)]
pub struct Tiering {
    /// Components at least this large (bytes) that are not in the cache yet load on baseline
    /// code; `None` always compiles with Cranelift before the first call.
    pub baseline_from: Option<usize>,
    pub optimizer: Optimizer,
}

impl Default for Tiering {
    /// Cranelift needs about a second per megabyte of wasm here: from 2 MiB on (CPython and
    /// StarlingMonkey components are 12–19 MB) the first load would take more than seconds.
    fn default() -> Self {
        Tiering {
            baseline_from: Some(2 << 20),
            optimizer: Optimizer::Thread,
        }
    }
}

/// A component as the runtime needs it to compile it or find it in the cache.
pub struct ComponentSource<'a> {
    pub plugin: &'a str,
    pub bytes: &'a [u8],
    pub sha256: &'a str,
    /// The file it was read from, which a detached optimizer reads again.
    pub path: Option<&'a Path>,
}

/// An engine and the linker of the host interfaces built for it.
pub struct Flavor<T: 'static> {
    pub engine: Engine,
    pub linker: Linker<T>,
    pub kind: EngineKind,
}

/// A compiled component and the flavor whose engine it belongs to.
pub struct Loaded<T: 'static> {
    pub flavor: Arc<Flavor<T>>,
    pub component: Component,
}

type FlavorKey = (Metering, Tier);

type LinkHost<T> = dyn Fn(&mut Linker<T>) -> Result<()> + Send + Sync;

/// The engines, their linkers and the component cache, shared by every plugin of a process.
pub struct Runtime<T: 'static> {
    allocation: Allocation,
    link: Box<LinkHost<T>>,
    plain: Arc<Flavor<T>>,
    /// Metered and baseline flavors, created on first use: most configurations set no fuel
    /// limit and load no large component.
    others: Mutex<HashMap<FlavorKey, Arc<Flavor<T>>>>,
    cache: ComponentCache,
    tiering: Tiering,
    compilation: Compilation,
}

impl<T: 'static> Runtime<T> {
    /// Builds the unmetered optimising engine and starts its epoch ticker; `link` adds the host
    /// interfaces (and is called again for each other flavor needed later).
    pub fn new(
        allocation: Allocation,
        cache: ComponentCache,
        link: impl Fn(&mut Linker<T>) -> Result<()> + Send + Sync + 'static,
    ) -> Result<Self> {
        let plain = Arc::new(build_flavor(
            allocation,
            Metering::Off,
            Tier::Optimized,
            &link,
        )?);
        Ok(Runtime {
            allocation,
            link: Box::new(link),
            plain,
            others: Mutex::default(),
            cache,
            tiering: Tiering::default(),
            compilation: Compilation::Allowed,
        })
    }

    pub fn set_tiering(&mut self, tiering: Tiering) {
        self.tiering = tiering;
    }

    pub fn set_compilation(&mut self, compilation: Compilation) {
        self.compilation = compilation;
    }

    /// The engine and linker for plugins with this metering, compiled by `tier`.
    pub fn flavor(&self, metering: Metering, tier: Tier) -> Result<Arc<Flavor<T>>> {
        if (metering, tier) == (Metering::Off, Tier::Optimized) {
            return Ok(self.plain.clone());
        }
        let mut others = self.others.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(flavor) = others.get(&(metering, tier)) {
            return Ok(flavor.clone());
        }
        let flavor = Arc::new(build_flavor(self.allocation, metering, tier, &self.link)?);
        others.insert((metering, tier), flavor.clone());
        Ok(flavor)
    }

    /// The compiled form of `bytes` for `flavor`, from the on-disk cache when possible;
    /// compiled now when it is not there and compiling is allowed.
    pub fn component(
        &self,
        flavor: &Flavor<T>,
        plugin: &str,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<Component> {
        self.cache.load(
            &flavor.engine,
            flavor.kind,
            self.compilation,
            plugin,
            bytes,
            sha256,
        )
    }

    /// The component ready to instantiate, as fast as it can be had: the cached optimised code;
    /// else, for a large component, baseline code (cached too) while the optimiser puts the
    /// optimised code into the cache for later loads; else the optimised code compiled now.
    pub fn load(&self, metering: Metering, source: &ComponentSource) -> Result<Loaded<T>> {
        let optimized = self.flavor(metering, Tier::Optimized)?;
        let large = self
            .tiering
            .baseline_from
            .is_some_and(|from| source.bytes.len() >= from);
        if large
            && self.compilation == Compilation::Allowed
            && self.cache.is_enabled()
            && !self.cache.contains(optimized.kind, source.sha256)
        {
            let baseline = self.flavor(metering, Tier::Baseline)?;
            match self.component(&baseline, source.plugin, source.bytes, source.sha256) {
                Ok(component) => {
                    self.optimize_later(metering, &optimized, source);
                    return Ok(Loaded {
                        flavor: baseline,
                        component,
                    });
                }
                Err(e) => tracing::warn!(
                    plugin = source.plugin,
                    "baseline compile failed, compiling with Cranelift instead: {e:#}"
                ),
            }
        }
        let component = self.component(&optimized, source.plugin, source.bytes, source.sha256)?;
        Ok(Loaded {
            flavor: optimized,
            component,
        })
    }

    fn optimize_later(&self, metering: Metering, optimized: &Flavor<T>, source: &ComponentSource) {
        if matches!(self.tiering.optimizer, Optimizer::Never) {
            return;
        }
        if let (Optimizer::Process(exe), Some(path), Some(cache_dir)) =
            (&self.tiering.optimizer, source.path, self.cache.dir())
        {
            let mut command = std::process::Command::new(exe);
            command
                .args(["plugin", "optimize", "--cache-dir"])
                .arg(cache_dir);
            if self.allocation == Allocation::Pooling {
                command.arg("--pooling");
            }
            if metering == Metering::Fuel {
                command.arg("--fuel");
            }
            command
                .arg(path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group: a Ctrl-C meant for this process does not reach it.
                .process_group(0);
            match command.spawn() {
                // Not waited for: it outlives this process, and init reaps it.
                Ok(_) => return,
                Err(e) => tracing::warn!(
                    plugin = source.plugin,
                    "cannot start the optimizer process, optimizing in a thread: {e}"
                ),
            }
        }
        let (engine, kind, cache) = (optimized.engine.clone(), optimized.kind, self.cache.clone());
        let (plugin, bytes, sha256) = (
            source.plugin.to_string(),
            source.bytes.to_vec(),
            source.sha256.to_string(),
        );
        let spawned = thread::Builder::new()
            .name("cchost-optimize".into())
            .spawn(move || {
                if let Err(e) = cache.optimize(&engine, kind, &plugin, &bytes, &sha256) {
                    tracing::warn!(plugin, "optimizing in the background failed: {e:#}");
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(
                plugin = source.plugin,
                "cannot start the optimizer thread: {e}"
            );
        }
    }
}

/// The optimising engine `cchost plugin optimize` compiles with: configured exactly as the
/// runtime's, so that its cache entries are the ones the runtime looks up.
pub fn optimizing_engine(allocation: Allocation, metering: Metering) -> Result<Engine> {
    Engine::new(&engine_config(EngineKind::optimizing(allocation, metering)))
        .map_err(anyhow::Error::from)
        .context("create the wasm engine")
}

fn build_flavor<T: 'static>(
    allocation: Allocation,
    metering: Metering,
    tier: Tier,
    link: &LinkHost<T>,
) -> Result<Flavor<T>> {
    let kind = EngineKind {
        allocation,
        metering,
        tier,
    };
    let engine = Engine::new(&engine_config(kind))
        .map_err(anyhow::Error::from)
        .context("create the wasm engine")?;
    start_epoch_ticker(&engine)?;
    let mut linker = Linker::new(&engine);
    link(&mut linker)?;
    Ok(Flavor {
        engine,
        linker,
        kind,
    })
}

/// The engine's settings; an engine built without the compilers (`cchost-hook`) must configure
/// everything that shapes compiled code exactly as the compiling one did, or wasmtime refuses
/// the cache's entries.
fn engine_config(kind: EngineKind) -> Config {
    let mut config = Config::new();
    #[cfg(feature = "compiler")]
    config
        .strategy(match kind.tier {
            Tier::Optimized => wasmtime::Strategy::Cranelift,
            Tier::Baseline => wasmtime::Strategy::Winch,
        })
        .cranelift_opt_level(wasmtime::OptLevel::Speed);
    config
        .epoch_interruption(true)
        .consume_fuel(kind.metering == Metering::Fuel)
        // Only native debuggers need it (wasm backtraces do not), and registering it is a
        // large part of loading a component in a one-shot process.
        .native_unwind_info(false)
        .wasm_component_model(true);
    if kind.allocation == Allocation::Pooling {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(256)
            .total_core_instances(512)
            .total_memories(512)
            .total_tables(512)
            .total_stacks(256)
            .max_memory_size(MAX_MEMORY_BYTES)
            // Keeping a little of each slot resident and resetting it by pagemap scan instead of
            // madvise is what makes a fresh instance cost microseconds.
            .linear_memory_keep_resident(1 << 20)
            .table_keep_resident(64 << 10)
            .async_stack_keep_resident(64 << 10)
            .pagemap_scan(wasmtime::Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until the engine is dropped.
fn start_epoch_ticker(engine: &Engine) -> Result<()> {
    let weak = engine.weak();
    thread::Builder::new()
        .name("cchost-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                thread::sleep(EPOCH_TICK);
            }
        })
        .context("start the epoch ticker thread that enforces wall-time limits")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tier_and_metering_has_its_own_cache_directory() {
        // The cache finds entries by engine kind only: were two flavors to share one, Winch
        // code would be served as Cranelift's or fuel-free code to a metered plugin.
        let cache = ComponentCache::at("/nonexistent/cchost-cache");
        let mut dirs = std::collections::HashSet::new();
        for allocation in [Allocation::OnDemand, Allocation::Pooling] {
            for metering in [Metering::Off, Metering::Fuel] {
                for tier in [Tier::Optimized, Tier::Baseline] {
                    let kind = EngineKind {
                        allocation,
                        metering,
                        tier,
                    };
                    assert!(dirs.insert(cache.engine_dir(kind).expect("enabled cache")));
                }
            }
        }
    }
}
