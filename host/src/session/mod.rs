//! The session store: one append-only JSONL file per session, `<sessions-dir>/<id>.jsonl`,
//! every line a record envelope (sequence number, time, session, kind, agent, data) sealed by a
//! per-line checksum.
//!
//! - [`record`]: the envelope and the line codec with its integrity check.
//! - [`writer`]: group commit from many threads through one writer thread per session, under an
//!   advisory file lock shared with other processes; durability modes `none`, `batch`, `always`.
//! - [`reader`]: streaming reads in constant memory, filters, follow mode.
//! - [`recover`]: torn-tail healing on open, `verify` and atomic `repair`.
//! - [`handle`]: the session as an agent plugin sees it (WIT `session` interface).
//! - [`claude`]: tolerant reading of Claude Code transcripts for display.
//! - [`id`]: time-sortable session ids.

pub mod claude;
pub mod handle;
pub mod id;
pub mod lock;
pub mod reader;
pub mod record;
pub mod recover;
pub mod writer;

use std::{
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use anyhow::{Result, bail};

pub use handle::SessionHandle;
pub use id::{check_session_id, new_session_id};
pub use reader::{BadLine, Entry, Filter, ReadStats, SessionReader};
pub use record::{LineError, Record, RecordRef, Timestamp};
pub use writer::{SessionWriter, WriterStats};

/// The sessions directory inside a project.
pub const SESSIONS_DIR: &str = ".cchost/sessions";

/// When appended records reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Durability {
    /// Written to the OS at once, synced when the writer closes; a power loss may lose the
    /// last records (a process crash loses nothing acknowledged).
    None,
    /// Synced every [`SessionOptions::batch_interval`] or [`SessionOptions::batch_records`],
    /// whichever comes first.
    #[default]
    Batch,
    /// An append returns only once its record is on disk.
    Always,
}

impl Durability {
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::None => "none",
            Durability::Batch => "batch",
            Durability::Always => "always",
        }
    }
}

impl fmt::Display for Durability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Durability {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> Result<Self> {
        Ok(match text {
            "none" => Durability::None,
            "batch" => Durability::Batch,
            "always" => Durability::Always,
            _ => bail!("unknown durability `{text}`: use none, batch or always"),
        })
    }
}

/// Where sessions live and how they are written.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub dir: PathBuf,
    pub durability: Durability,
    /// `batch` mode: longest time a written record waits for its sync.
    pub batch_interval: Duration,
    /// `batch` mode: most records written between two syncs.
    pub batch_records: usize,
    /// Appenders wait while this many bytes are queued for the writer.
    pub max_queue_bytes: usize,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            dir: PathBuf::from(SESSIONS_DIR),
            durability: Durability::default(),
            batch_interval: Duration::from_millis(100),
            batch_records: 10_000,
            max_queue_bytes: 16 << 20,
        }
    }
}

/// The sessions of one directory.
#[derive(Debug, Clone)]
pub struct SessionStore {
    options: SessionOptions,
}

impl SessionStore {
    pub fn new(options: SessionOptions) -> Self {
        SessionStore { options }
    }

    pub fn dir(&self) -> &Path {
        &self.options.dir
    }

    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// The file of session `id`.
    pub fn path(&self, id: &str) -> Result<PathBuf> {
        check_session_id(id)?;
        Ok(self.options.dir.join(format!("{id}.jsonl")))
    }

    /// Starts a new session with a fresh id.
    pub fn create(&self) -> Result<SessionWriter> {
        self.open_writer(&new_session_id())
    }

    /// Opens session `id` for appending (creating it if needed).
    pub fn open_writer(&self, id: &str) -> Result<SessionWriter> {
        SessionWriter::open(&self.path(id)?, &self.options)
    }

    /// The session files, oldest id first.
    pub fn list(&self) -> Result<Vec<PathBuf>> {
        reader::list_sessions(&self.options.dir)
    }
}
