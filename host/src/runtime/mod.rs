//! The wasmtime runtime: one engine per process, the precompiled-component cache, per-call limits
//! and the structured errors every plugin failure turns into.
//!
//! Performance rules (see DESIGN.md): compile once and cache the result on disk, instantiate a
//! fresh store per call from a cached `InstancePre`, use the pooling allocator only in
//! long-lived processes (it costs milliseconds to create), and bound wall time with epoch
//! interruption that yields to the async executor instead of pinning a thread.

mod cache;
mod capture;
mod error;
mod limits;

use std::{thread, time::Duration};

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

/// The engine, its linker and the component cache, shared by every plugin of a process.
pub struct Runtime<T: 'static> {
    engine: Engine,
    linker: Linker<T>,
    cache: ComponentCache,
}

impl<T: 'static> Runtime<T> {
    /// Builds the engine and starts its epoch ticker; `link` adds the host interfaces.
    pub fn new(
        allocation: Allocation,
        cache: ComponentCache,
        link: impl FnOnce(&mut Linker<T>) -> Result<()>,
    ) -> Result<Self> {
        let engine = Engine::new(&engine_config(allocation))
            .map_err(anyhow::Error::from)
            .context("create the wasm engine")?;
        start_epoch_ticker(&engine)?;
        let mut linker = Linker::new(&engine);
        link(&mut linker)?;
        Ok(Runtime {
            engine,
            linker,
            cache,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn linker(&self) -> &Linker<T> {
        &self.linker
    }

    /// The compiled form of `bytes`, from the on-disk cache when possible.
    pub fn component(&self, plugin: &str, bytes: &[u8], sha256: &str) -> Result<Component> {
        self.cache.load(&self.engine, plugin, bytes, sha256)
    }
}

fn engine_config(allocation: Allocation) -> Config {
    let mut config = Config::new();
    config
        .epoch_interruption(true)
        .consume_fuel(true)
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
