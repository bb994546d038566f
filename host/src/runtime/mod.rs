//! The wasmtime runtime: one engine per process, the precompiled-component cache, per-call limits
//! and the structured errors every plugin failure turns into.
//!
//! Performance rules (see DESIGN.md): compile once and cache the result on disk, instantiate a
//! fresh store per call from a cached `InstancePre`, use the pooling allocator only in
//! long-lived processes (it costs milliseconds to create), and bound wall time with epoch
//! interruption that yields to the async executor instead of pinning a thread. Fuel metering
//! instruments every basic block, so only plugins that set a fuel limit get a metered engine.

mod cache;
mod capture;
mod error;
mod limits;

use std::{
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use anyhow::{Context, Result};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// mmap on demand: nothing to set up, best for one-shot processes such as `cchost hook`.
    OnDemand,
    /// A tuned pool of pre-reserved slots: ~3 ms to create, then the cheapest instantiation.
    Pooling,
}

/// Whether an engine counts fuel. A metered engine compiles a counter into every basic block
/// (and gets its own cache entries, since the compiled code differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// An engine and the linker of the host interfaces built for it.
pub struct Flavor<T: 'static> {
    pub engine: Engine,
    pub linker: Linker<T>,
}

type LinkHost<T> = dyn Fn(&mut Linker<T>) -> Result<()> + Send + Sync;

/// The engines, their linkers and the component cache, shared by every plugin of a process.
pub struct Runtime<T: 'static> {
    allocation: Allocation,
    link: Box<LinkHost<T>>,
    plain: Arc<Flavor<T>>,
    /// Created on first use: most configurations set no fuel limit at all.
    metered: Mutex<Option<Arc<Flavor<T>>>>,
    cache: ComponentCache,
}

impl<T: 'static> Runtime<T> {
    /// Builds the unmetered engine and starts its epoch ticker; `link` adds the host interfaces
    /// (and is called again if a metered engine is needed later).
    pub fn new(
        allocation: Allocation,
        cache: ComponentCache,
        link: impl Fn(&mut Linker<T>) -> Result<()> + Send + Sync + 'static,
    ) -> Result<Self> {
        let plain = Arc::new(build_flavor(allocation, Metering::Off, &link)?);
        Ok(Runtime {
            allocation,
            link: Box::new(link),
            plain,
            metered: Mutex::new(None),
            cache,
        })
    }

    /// The engine and linker for plugins with this metering.
    pub fn flavor(&self, metering: Metering) -> Result<Arc<Flavor<T>>> {
        if metering == Metering::Off {
            return Ok(self.plain.clone());
        }
        let mut metered = self.metered.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(flavor) = metered.as_ref() {
            return Ok(flavor.clone());
        }
        let flavor = Arc::new(build_flavor(self.allocation, metering, &self.link)?);
        *metered = Some(flavor.clone());
        Ok(flavor)
    }

    /// The compiled form of `bytes` for `flavor`, from the on-disk cache when possible.
    pub fn component(
        &self,
        flavor: &Flavor<T>,
        plugin: &str,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<Component> {
        self.cache.load(&flavor.engine, plugin, bytes, sha256)
    }
}

fn build_flavor<T: 'static>(
    allocation: Allocation,
    metering: Metering,
    link: &LinkHost<T>,
) -> Result<Flavor<T>> {
    let engine = Engine::new(&engine_config(allocation, metering))
        .map_err(anyhow::Error::from)
        .context("create the wasm engine")?;
    start_epoch_ticker(&engine)?;
    let mut linker = Linker::new(&engine);
    link(&mut linker)?;
    Ok(Flavor { engine, linker })
}

fn engine_config(allocation: Allocation, metering: Metering) -> Config {
    let mut config = Config::new();
    config
        .epoch_interruption(true)
        .consume_fuel(metering == Metering::Fuel)
        .cranelift_opt_level(OptLevel::Speed)
        // Only native debuggers need it (wasm backtraces do not), and registering it is a
        // large part of loading a component in a one-shot process.
        .native_unwind_info(false)
        .wasm_component_model(true);
    if allocation == Allocation::Pooling {
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
