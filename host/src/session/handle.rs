//! A session as an agent plugin sees it through the WIT `session` interface: appends stamped
//! with the agent's name, and bounded reads that resume from where the last one stopped.

use std::{
    fs::File,
    io::{Seek, SeekFrom},
    ops::ControlFlow,
    os::unix::fs::MetadataExt,
    sync::{Arc, Mutex},
};

use anyhow::{Context, Result};

use super::{Entry, Filter, Record, SessionReader, SessionWriter};

/// Shared by every call of a run; cheap to clone.
#[derive(Clone)]
pub struct SessionHandle {
    writer: SessionWriter,
    /// Where the last read stopped, so the next one need not scan from the start.
    cursor: Arc<Mutex<Option<Cursor>>>,
}

#[derive(Debug, Clone, Copy)]
struct Cursor {
    /// Device and inode: a repaired (replaced) file invalidates the offset.
    file: (u64, u64),
    seq: u64,
    offset: u64,
}

impl SessionHandle {
    pub fn new(writer: SessionWriter) -> Self {
        SessionHandle {
            writer,
            cursor: Arc::new(Mutex::new(None)),
        }
    }

    pub fn writer(&self) -> &SessionWriter {
        &self.writer
    }

    /// Appends `data` (JSON text) as a record of `kind` by `agent`.
    pub fn append(&self, agent: &str, kind: &str, data: &str) -> Result<u64> {
        self.writer.append_json(kind, Some(agent), data)
    }

    /// Records after sequence number `after`, oldest first, at most `limit` of them and, beyond
    /// the first, no more than `max_bytes` of data in all.
    pub fn read(&self, after: u64, limit: usize, max_bytes: usize) -> Result<Vec<Record>> {
        let path = self.writer.path();
        let mut file =
            File::open(path).with_context(|| format!("open session {}", path.display()))?;
        let meta = file
            .metadata()
            .with_context(|| format!("stat {}", path.display()))?;
        let identity = (meta.dev(), meta.ino());
        let cursor = *self.cursor.lock().unwrap_or_else(|p| p.into_inner());
        let start = match cursor {
            Some(c) if c.file == identity && c.seq <= after && c.offset <= meta.len() => c.offset,
            _ => 0,
        };
        file.seek(SeekFrom::Start(start))
            .with_context(|| format!("seek in {}", path.display()))?;
        let filter = Filter {
            after_seq: Some(after),
            ..Filter::default()
        };
        let mut reader = SessionReader::new(file).with_filter(filter);
        let mut records = Vec::new();
        let mut bytes = 0;
        let mut resume = None;
        reader
            .for_each(|entry| {
                let Entry::Record(record, place) = entry else {
                    return ControlFlow::Continue(());
                };
                if records.len() >= limit
                    || (!records.is_empty() && bytes + record.data.len() > max_bytes)
                {
                    return ControlFlow::Break(());
                }
                bytes += record.data.len();
                resume = Some((
                    record.seq,
                    start + place.offset + place.raw.len() as u64 + 1,
                ));
                records.push(record.to_owned());
                ControlFlow::Continue(())
            })
            .with_context(|| format!("read {}", path.display()))?;
        if let Some((seq, offset)) = resume {
            *self.cursor.lock().unwrap_or_else(|p| p.into_inner()) = Some(Cursor {
                file: identity,
                seq,
                offset,
            });
        }
        Ok(records)
    }
}
