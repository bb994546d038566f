//! The advisory lock that makes appends from several processes safe: `flock(2)` on the session
//! file, taken around each group write, recovery and repair. A lock taken on a file that was
//! replaced meanwhile (by `repair`) is useless, so [`lock_current`] checks that the path still
//! names the locked file.

use std::{fs::File, io, os::unix::fs::MetadataExt, path::Path};

use anyhow::{Context, Result};
use rustix::fs::{FlockOperation, flock};

/// Takes the exclusive lock, waiting for other holders.
pub fn lock_exclusive(file: &File) -> io::Result<()> {
    loop {
        match flock(file, FlockOperation::LockExclusive) {
            Ok(()) => return Ok(()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

pub fn unlock(file: &File) -> io::Result<()> {
    flock(file, FlockOperation::Unlock).map_err(Into::into)
}

/// Whether `path` still names the open `file` (false when it was removed or replaced).
pub fn names_file(path: &Path, file: &File) -> io::Result<bool> {
    let open = file.metadata()?;
    match std::fs::metadata(path) {
        Ok(named) => Ok(named.dev() == open.dev() && named.ino() == open.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Locks the file `path` names now: opens it with `open`, locks, and starts over if the path
/// was replaced while waiting for the lock.
pub fn lock_current(
    path: &Path,
    mut file: File,
    open: impl Fn() -> io::Result<File>,
) -> Result<File> {
    loop {
        lock_exclusive(&file).with_context(|| format!("lock {}", path.display()))?;
        if names_file(path, &file).with_context(|| format!("stat {}", path.display()))? {
            return Ok(file);
        }
        let _ = unlock(&file);
        file = open().with_context(|| format!("reopen {}", path.display()))?;
    }
}

/// An existing file held under the exclusive lock until dropped.
pub struct LockedFile {
    file: File,
}

impl LockedFile {
    pub fn open_existing(path: &Path) -> Result<Self> {
        let open = || File::open(path);
        let file = open().with_context(|| format!("open session {}", path.display()))?;
        Ok(LockedFile {
            file: lock_current(path, file, open)?,
        })
    }

    pub fn file(&self) -> &File {
        &self.file
    }
}

impl Drop for LockedFile {
    fn drop(&mut self) {
        let _ = unlock(&self.file);
    }
}
