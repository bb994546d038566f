//! Per-plugin limits and the memory limiter that remembers when it refused a grow.

use std::time::Duration;

use wasmtime::ResourceLimiter;

/// What one call of one plugin may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
    /// Wall time of one call, instantiation included.
    pub timeout: Duration,
    /// Instruction budget; `None` = unlimited (wall time still applies).
    pub fuel: Option<u64>,
    /// Largest answer (all strings of the result together), in bytes.
    pub max_output_bytes: usize,
}

impl Limits {
    pub const DEFAULT_MEMORY_MIB: u64 = 64;
    pub const DEFAULT_TIMEOUT_MS: u64 = 1_000;
    pub const DEFAULT_OUTPUT_KIB: u64 = 1_024;

    pub fn memory_mib(&self) -> u64 {
        (self.memory_bytes >> 20) as u64
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: (Self::DEFAULT_MEMORY_MIB << 20) as usize,
            timeout: Duration::from_millis(Self::DEFAULT_TIMEOUT_MS),
            fuel: None,
            max_output_bytes: (Self::DEFAULT_OUTPUT_KIB << 10) as usize,
        }
    }
}

/// Caps linear memory and table growth; `exceeded` tells afterwards why a guest died.
#[derive(Debug)]
pub struct MemoryLimiter {
    max_memory_bytes: usize,
    pub exceeded: bool,
}

/// Far more table slots than any real plugin needs, few enough to keep a hostile one small.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl MemoryLimiter {
    pub fn new(max_memory_bytes: usize) -> Self {
        MemoryLimiter {
            max_memory_bytes,
            exceeded: false,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_memory_bytes;
        self.exceeded |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= MAX_TABLE_ELEMENTS;
        self.exceeded |= !allowed;
        Ok(allowed)
    }
}
