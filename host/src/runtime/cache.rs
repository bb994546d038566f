//! The on-disk cache of precompiled components.
//!
//! Layout: `<dir>/<engine>/<sha256>.cwasm`, where `<engine>` is a digest of
//! `Engine::precompile_compatibility_hash()` (wasmtime version, config and CPU features) and
//! `<sha256>` is the digest of the component's bytes. Entries are written to a temporary file in
//! the same directory and renamed into place, so concurrent writers never expose a partial file;
//! an entry that fails to load is removed and rebuilt. A precompiled file is native code that
//! runs unchecked, so the cache is used only when its directory belongs to the current user and
//! nobody else can write to it.

use std::{
    fs,
    hash::{DefaultHasher, Hash, Hasher},
    io::Write,
    os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};
use wasmtime::{Engine, component::Component};

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

    /// Whether `engine` has an entry for the component with this digest.
    pub fn contains(&self, engine: &Engine, sha256: &str) -> bool {
        self.engine_dir(engine)
            .is_some_and(|dir| dir.join(format!("{sha256}.cwasm")).is_file())
    }

    /// The directory holding entries for `engine`, if the cache is usable. Winch and Cranelift
    /// engines get different directories: the compatibility hash covers the tunables, which
    /// differ in `winch_callable`.
    pub fn engine_dir(&self, engine: &Engine) -> Option<PathBuf> {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Some(self.dir.as_ref()?.join(format!("{:016x}", hasher.finish())))
    }

    /// The compiled component for `bytes`, loading it from the cache or compiling and storing it.
    pub fn load(
        &self,
        engine: &Engine,
        plugin: &str,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<Component> {
        let Some(dir) = self.usable_dir(engine) else {
            return Component::new(engine, bytes)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("compile plugin `{plugin}`"));
        };
        let entry = dir.join(format!("{sha256}.cwasm"));
        if entry.exists() {
            // SAFETY: the entry was written by this program into a directory only the current
            // user can write (checked in `usable_dir`), for an engine with the same
            // compatibility hash; wasmtime validates the header before use.
            match unsafe { Component::deserialize_file(engine, &entry) } {
                Ok(component) => return Ok(component),
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
        let compiled = engine
            .precompile_component(bytes)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compile plugin `{plugin}`"))?;
        if let Err(e) = write_atomically(&dir, &entry, &compiled) {
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

    /// Compiles `bytes` into the cache unless it is there already or another process or thread
    /// is compiling it (a lock file beside the entry, held while compiling, says so).
    pub fn optimize(
        &self,
        engine: &Engine,
        plugin: &str,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<()> {
        let dir = self
            .usable_dir(engine)
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
            let compiled = engine
                .precompile_component(bytes)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("compile plugin `{plugin}`"))?;
            write_atomically(&dir, &entry, &compiled)?;
        }
        // A racing optimizer that opened the file before this removal compiles once more at
        // worst: entries are renamed into place whole.
        let _ = fs::remove_file(&lock_path);
        Ok(())
    }

    fn usable_dir(&self, engine: &Engine) -> Option<PathBuf> {
        let dir = self.engine_dir(engine)?;
        match ensure_private_dir(&dir) {
            Ok(()) => Some(dir),
            Err(e) => {
                tracing::warn!("component cache disabled: {e:#}");
                None
            }
        }
    }
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
