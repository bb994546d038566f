//! The on-disk cache of precompiled components.
//!
//! Layout: `<dir>/<engine>/<sha256>.cwasm`, where `<engine>` is a digest of the engine's
//! [`EngineKind`], cchost's version, the target and the CPU features, and `<sha256>` is the
//! digest of the component's bytes. The directory is named from what cchost configured rather
//! than from `Engine::precompile_compatibility_hash()` because that needs a compiler, and
//! `cchost-hook` is built without one; wasmtime still checks every entry's version, target, CPU
//! features and settings against the engine when it loads it. Entries are written to a
//! temporary file in the same directory and renamed into place, so concurrent writers never
//! expose a partial file; an entry that fails to load is removed and rebuilt by the next
//! process that may compile (a cached-only one leaves it alone). A precompiled file is native
//! code that runs unchecked, so the cache is used only when its directory belongs to the
//! current user and nobody else can write to it.

use std::{
    fs,
    io::Write,
    os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::{Engine, component::Component};

use super::{Compilation, EngineKind, NotCompiled};

/// Where compiled components are kept; `None` compiles in memory every time.
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
}

impl ComponentCache {
    /// The user's cache: `$XDG_CACHE_HOME/cchost`, else `~/.cache/cchost`; disabled when neither
    /// is known.
    pub fn from_env() -> Self {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|home| PathBuf::from(home).join(".cache"))
            });
        ComponentCache {
            dir: base.map(|base| base.join("cchost")),
        }
    }

    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ComponentCache {
            dir: Some(dir.into()),
        }
    }

    pub fn disabled() -> Self {
        ComponentCache { dir: None }
    }

    pub fn is_enabled(&self) -> bool {
        self.dir.is_some()
    }

    /// The cache's root directory, when enabled.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Whether engines of `kind` have an entry for the component with this digest.
    pub fn contains(&self, kind: EngineKind, sha256: &str) -> bool {
        self.engine_dir(kind)
            .is_some_and(|dir| dir.join(format!("{sha256}.cwasm")).is_file())
    }

    /// The directory holding entries for engines of `kind`, if the cache is enabled. Each tier
    /// and metering gets its own: their compiled code differs.
    pub fn engine_dir(&self, kind: EngineKind) -> Option<PathBuf> {
        let mut digest = Sha256::new();
        digest.update(format!(
            "cchost {} {:?} {}-{} {}",
            env!("CARGO_PKG_VERSION"),
            kind,
            std::env::consts::ARCH,
            std::env::consts::OS,
            cpu_features()
        ));
        let name = hex::encode(&digest.finalize()[..8]);
        Some(self.dir.as_ref()?.join(name))
    }

    /// The compiled component for `bytes`: from the cache, else compiled now and stored, unless
    /// `compilation` is [`Compilation::CachedOnly`], which fails with [`NotCompiled`] instead.
    pub fn load(
        &self,
        engine: &Engine,
        kind: EngineKind,
        compilation: Compilation,
        plugin: &str,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<Component> {
        let dir = self.usable_dir(kind);
        if let Some(dir) = &dir {
            let entry = dir.join(format!("{sha256}.cwasm"));
            if entry.exists() {
                // SAFETY: the entry was written by this program into a directory only the
                // current user can write (checked in `usable_dir`), for an engine of the same
                // kind; wasmtime checks its header and settings against `engine` before use.
                match unsafe { Component::deserialize_file(engine, &entry) } {
                    Ok(component) => return Ok(component),
                    // Whoever may compile repairs the entry; a cached-only loader leaves it to
                    // them rather than delete what it cannot rebuild.
                    Err(e) if compilation == Compilation::CachedOnly => {
                        return Err(anyhow::Error::new(NotCompiled {
                            plugin: plugin.to_string(),
                        })
                        .context(format!("cache entry {}: {e:#}", entry.display())));
                    }
                    Err(e) => {
                        tracing::warn!(
                            plugin,
                            entry = %entry.display(),
                            "discarding unreadable cache entry: {e:#}"
                        );
                        let _ = fs::remove_file(&entry);
                    }
                }
            }
        }
        if compilation == Compilation::CachedOnly {
            return Err(NotCompiled {
                plugin: plugin.to_string(),
            }
            .into());
        }
        compile_and_store(engine, dir.as_deref(), plugin, bytes, sha256)
    }

    /// Compiles `bytes` into the cache unless it is there already or another process or thread
    /// is compiling it (a lock file beside the entry, held while compiling, says so).
    pub fn optimize(
        &self,
        engine: &Engine,
        kind: EngineKind,
        plugin: &str,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<()> {
        let dir = self
            .usable_dir(kind)
            .context("the component cache is disabled")?;
        let entry = dir.join(format!("{sha256}.cwasm"));
        let lock_path = dir.join(format!("{sha256}.compiling"));
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("open {}", lock_path.display()))?;
        match rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("lock {}", lock_path.display())),
        }
        if !entry.is_file() {
            let compiled = precompile(engine, plugin, bytes)?;
            write_atomically(&dir, &entry, &compiled)?;
        }
        // A racing optimizer that opened the file before this removal compiles once more at
        // worst: entries are renamed into place whole.
        let _ = fs::remove_file(&lock_path);
        Ok(())
    }

    fn usable_dir(&self, kind: EngineKind) -> Option<PathBuf> {
        let dir = self.engine_dir(kind)?;
        match ensure_private_dir(&dir) {
            Ok(()) => Some(dir),
            Err(e) => {
                tracing::warn!("component cache disabled: {e:#}");
                None
            }
        }
    }
}

/// Compiles `bytes`, storing the result in `dir` when there is one.
fn compile_and_store(
    engine: &Engine,
    dir: Option<&Path>,
    plugin: &str,
    bytes: &[u8],
    sha256: &str,
) -> Result<Component> {
    let compiled = precompile(engine, plugin, bytes)?;
    if let Some(dir) = dir
        && let Err(e) = write_atomically(dir, &dir.join(format!("{sha256}.cwasm")), &compiled)
    {
        tracing::warn!(
            plugin,
            "cannot store compiled component in the cache: {e:#}"
        );
    }
    // SAFETY: `compiled` was produced by `precompile_component` on this very engine.
    unsafe { Component::deserialize(engine, &compiled) }
        .map_err(anyhow::Error::from)
        .with_context(|| format!("load compiled plugin `{plugin}`"))
}

#[cfg(feature = "compiler")]
fn precompile(engine: &Engine, plugin: &str, bytes: &[u8]) -> Result<Vec<u8>> {
    engine
        .precompile_component(bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compile plugin `{plugin}`"))
}

/// Built without the compilers, only the cache has components.
#[cfg(not(feature = "compiler"))]
fn precompile(_engine: &Engine, plugin: &str, _bytes: &[u8]) -> Result<Vec<u8>> {
    Err(NotCompiled {
        plugin: plugin.to_string(),
    }
    .into())
}

/// The CPU features Cranelift may use, as a word for the cache directory's name: a home
/// directory shared by different machines keeps one set of entries per CPU.
fn cpu_features() -> String {
    #[cfg(target_arch = "x86_64")]
    {
        let detected = [
            is_x86_feature_detected!("sse3"),
            is_x86_feature_detected!("ssse3"),
            is_x86_feature_detected!("sse4.1"),
            is_x86_feature_detected!("sse4.2"),
            is_x86_feature_detected!("popcnt"),
            is_x86_feature_detected!("avx"),
            is_x86_feature_detected!("avx2"),
            is_x86_feature_detected!("fma"),
            is_x86_feature_detected!("bmi1"),
            is_x86_feature_detected!("bmi2"),
            is_x86_feature_detected!("lzcnt"),
            is_x86_feature_detected!("avx512f"),
            is_x86_feature_detected!("avx512vl"),
            is_x86_feature_detected!("avx512dq"),
            is_x86_feature_detected!("avx512bw"),
            is_x86_feature_detected!("avx512vbmi"),
        ];
        detected
            .iter()
            .map(|&on| if on { '1' } else { '0' })
            .collect()
    }
    #[cfg(not(target_arch = "x86_64"))]
    String::new()
}

/// Creates `dir` (mode 0700) if needed and checks that it is the current user's and writable by
/// nobody else.
fn ensure_private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("create cache directory {}", dir.display()))?;
    let meta = fs::symlink_metadata(dir)
        .with_context(|| format!("inspect cache directory {}", dir.display()))?;
    anyhow::ensure!(
        meta.is_dir()
            && meta.uid() == rustix::process::geteuid().as_raw()
            && meta.permissions().mode() & 0o022 == 0,
        "{} must be a directory that belongs to you and is not writable by group or others",
        dir.display()
    );
    Ok(())
}

fn write_atomically(dir: &Path, entry: &Path, bytes: &[u8]) -> Result<()> {
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".cwasm")
        .tempfile_in(dir)
        .with_context(|| format!("create a temporary file in {}", dir.display()))?;
    temp.write_all(bytes)?;
    temp.as_file().sync_data()?;
    temp.persist(entry)
        .with_context(|| format!("rename into {}", entry.display()))?;
    Ok(())
}
