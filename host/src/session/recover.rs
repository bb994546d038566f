//! Crash recovery and repair. Nothing here deletes bytes: a torn last line moves to the sidecar
//! `<id>.jsonl.corrupt` before the file is truncated, and `repair` keeps the original file as a
//! backup beside the rewritten one.
//!
//! Callers that modify a file hold its advisory lock (see [`super::lock`]).

use std::{
    fs::{File, OpenOptions},
    io::{self, Write},
    ops::ControlFlow,
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result};

use super::{
    lock::LockedFile,
    reader::{BadLine, Entry, Place, SessionReader},
    record::{LineError, MAX_LINE_BYTES, RecordRef, decode},
};

/// The sidecar that receives torn and corrupt lines of `path`, one per line.
pub fn sidecar_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".corrupt");
    PathBuf::from(name)
}

/// What healing the end of a file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TailHeal {
    /// The file's length afterwards.
    pub len: u64,
    /// Bytes of a torn last line moved to the sidecar.
    pub moved: u64,
    /// The last line was a whole record that only lacked its newline; the newline was added.
    pub completed: bool,
}

/// Makes the file end on a complete line. The caller holds the lock; `len` is the current length.
pub fn heal_tail(file: &File, path: &Path, len: u64) -> Result<TailHeal> {
    let unchanged = TailHeal {
        len,
        ..TailHeal::default()
    };
    if len == 0
        || read_byte(file, len - 1).with_context(|| format!("read {}", path.display()))? == b'\n'
    {
        return Ok(unchanged);
    }
    let line_start = last_newline_before(file, len)
        .with_context(|| format!("read {}", path.display()))?
        .map_or(0, |at| at + 1);
    let fragment_len = len - line_start;
    if fragment_len <= MAX_LINE_BYTES as u64 {
        let mut fragment = vec![0; fragment_len as usize];
        file.read_exact_at(&mut fragment, line_start)
            .with_context(|| format!("read {}", path.display()))?;
        if decode(&fragment).is_ok() {
            // A whole record cut just before its newline: keep it.
            (&*file)
                .write_all(b"\n")
                .and_then(|()| file.sync_data())
                .with_context(|| format!("complete the last line of {}", path.display()))?;
            return Ok(TailHeal {
                len: len + 1,
                moved: 0,
                completed: true,
            });
        }
    }
    let sidecar = sidecar_path(path);
    append_range_to(file, line_start, len, &sidecar).with_context(|| {
        format!(
            "save the torn last line of {} to {}",
            path.display(),
            sidecar.display()
        )
    })?;
    file.set_len(line_start)
        .and_then(|()| file.sync_data())
        .with_context(|| format!("truncate the torn last line of {}", path.display()))?;
    tracing::warn!(
        "{}: moved a torn last line ({fragment_len} bytes) to {}",
        path.display(),
        sidecar.display()
    );
    Ok(TailHeal {
        len: line_start,
        moved: fragment_len,
        completed: false,
    })
}

fn read_byte(file: &File, at: u64) -> io::Result<u8> {
    let mut byte = [0u8];
    file.read_exact_at(&mut byte, at)?;
    Ok(byte[0])
}

/// Offset of the last `\n` before `end`, reading backwards in chunks.
fn last_newline_before(file: &File, end: u64) -> io::Result<Option<u64>> {
    let mut chunk = vec![0u8; 64 << 10];
    let mut stop = end;
    while stop > 0 {
        let start = stop.saturating_sub(chunk.len() as u64);
        let part = &mut chunk[..(stop - start) as usize];
        file.read_exact_at(part, start)?;
        if let Some(i) = memchr::memrchr(b'\n', part) {
            return Ok(Some(start + i as u64));
        }
        stop = start;
    }
    Ok(None)
}

/// Appends `file[start..end]` and a newline to `sidecar`, durably, before anything is removed.
fn append_range_to(file: &File, start: u64, end: u64, sidecar: &Path) -> io::Result<()> {
    let mut out = OpenOptions::new().create(true).append(true).open(sidecar)?;
    let mut chunk = vec![0u8; 1 << 20];
    let mut at = start;
    while at < end {
        let n = chunk.len().min((end - at) as usize);
        file.read_exact_at(&mut chunk[..n], at)?;
        out.write_all(&chunk[..n])?;
        at += n as u64;
    }
    out.write_all(b"\n")?;
    out.sync_data()
}

/// The sequence number of the last good record of the file's first `len` bytes, scanning
/// backwards so that appending stays cheap however long the file is.
pub fn last_seq(file: &File, len: u64) -> io::Result<Option<u64>> {
    let mut chunk_len = 64usize << 10;
    // `buf` holds file[buf_start..line_end]: the tail not yet examined.
    let mut buf: Vec<u8> = Vec::new();
    let mut buf_start = len;
    loop {
        let search_end = buf.len();
        if let Some(i) = memchr::memrchr(b'\n', &buf[..search_end]) {
            if let Ok(record) = decode(&buf[i + 1..]) {
                return Ok(Some(record.seq));
            }
            buf.truncate(i);
            continue;
        }
        if buf_start == 0 {
            return Ok(decode(&buf).ok().map(|r| r.seq));
        }
        if buf.len() > MAX_LINE_BYTES + 1 {
            // Longer than any record, so it holds no sequence number: skip to the newline
            // before it (which the next round reads as the end of the previous line).
            match last_newline_before(file, buf_start)? {
                Some(at) => {
                    buf.clear();
                    buf_start = at + 1;
                }
                None => return Ok(None),
            }
            continue;
        }
        let start = buf_start.saturating_sub(chunk_len as u64);
        let mut chunk = vec![0u8; (buf_start - start) as usize];
        file.read_exact_at(&mut chunk, start)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
        buf_start = start;
        chunk_len = (chunk_len * 2).min(8 << 20);
    }
}

/// The result of checking a whole file.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Verification {
    pub path: PathBuf,
    pub records: u64,
    pub last_seq: Option<u64>,
    pub bad_lines: Vec<BadLineReport>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct BadLineReport {
    pub line: u64,
    pub offset: u64,
    pub bytes: u64,
    pub error: String,
    /// Found by the deep check of `data`, not by the reader.
    #[serde(skip)]
    deep: bool,
}

impl From<&BadLine> for BadLineReport {
    fn from(bad: &BadLine) -> Self {
        BadLineReport {
            line: bad.number,
            offset: bad.offset,
            bytes: bad.bytes,
            error: bad.error.to_string(),
            deep: matches!(bad.error, LineError::BadField { field: "data", .. }),
        }
    }
}

impl Verification {
    pub fn is_clean(&self) -> bool {
        self.bad_lines.is_empty()
    }
}

/// Reads every line of `path` and reports each bad one by number. Also checks that every
/// record's `data` is valid JSON, which the reader's fast path leaves to the checksum.
pub fn verify(path: &Path) -> Result<Verification> {
    let mut reader = SessionReader::open(path)?;
    let mut report = Verification {
        path: path.to_path_buf(),
        ..Verification::default()
    };
    reader
        .for_each(|entry| {
            match entry {
                Entry::Record(record, place) => {
                    if let Some(bad) = deep_check(&record, &place) {
                        report.bad_lines.push((&bad).into());
                    }
                }
                Entry::Bad(bad) => report.bad_lines.push((&bad).into()),
            }
            ControlFlow::Continue(())
        })
        .with_context(|| format!("read {}", path.display()))?;
    let stats = reader.stats();
    report.records = stats.records - report.bad_lines.iter().filter(|b| b.deep).count() as u64;
    report.last_seq = stats.last_seq;
    Ok(report)
}

/// What the reader's fast path leaves to the checksum: that `data` is JSON.
fn deep_check(record: &RecordRef<'_>, place: &Place<'_>) -> Option<BadLine> {
    let error = serde_json::from_str::<serde::de::IgnoredAny>(record.data).err()?;
    Some(BadLine {
        number: place.line,
        offset: place.offset,
        bytes: place.raw.len() as u64,
        error: LineError::BadField {
            field: "data",
            why: error.to_string(),
        },
    })
}

/// What `repair` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Repair {
    pub path: PathBuf,
    /// Good records kept.
    pub records: u64,
    /// Lines removed (and appended to the sidecar).
    pub removed: Vec<BadLineReport>,
    /// The untouched original, when the file was rewritten.
    pub backup: Option<PathBuf>,
    pub sidecar: Option<PathBuf>,
}

/// Rewrites `path` without its bad lines, atomically: the good lines go to a temporary file that
/// is synced and renamed over the original, then the directory is synced. The original stays as
/// `<id>.jsonl.<time>.bak` and the removed lines are appended to the sidecar. Writers in other
/// processes wait on the lock and then reopen the new file. A clean file is left alone.
pub fn repair(path: &Path) -> Result<Repair> {
    let locked = LockedFile::open_existing(path)?;
    let file = locked.file();
    let mut reader = SessionReader::new(file);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".repair-")
        .tempfile_in(dir)
        .with_context(|| format!("create a temporary file in {}", dir.display()))?;
    let mut removed: Vec<BadLine> = Vec::new();
    let mut kept = 0u64;
    let mut out = io::BufWriter::with_capacity(1 << 20, temp.as_file_mut());
    let mut write_error = None;
    reader
        .for_each(|entry| {
            let result = match entry {
                Entry::Record(record, place) => match deep_check(&record, &place) {
                    Some(bad) => {
                        removed.push(bad);
                        Ok(())
                    }
                    None => {
                        kept += 1;
                        out.write_all(place.raw).and_then(|()| out.write_all(b"\n"))
                    }
                },
                Entry::Bad(bad) => {
                    removed.push(bad);
                    Ok(())
                }
            };
            match result {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    write_error = Some(e);
                    ControlFlow::Break(())
                }
            }
        })
        .with_context(|| format!("read {}", path.display()))?;
    let flushed = out.into_inner().map(|_| ()).map_err(|e| e.into_error());
    let flushed = match write_error {
        Some(e) => Err(e),
        None => flushed,
    };
    flushed.with_context(|| format!("write {}", temp.path().display()))?;
    let mut report = Repair {
        path: path.to_path_buf(),
        records: kept,
        removed: removed.iter().map(BadLineReport::from).collect(),
        backup: None,
        sidecar: None,
    };
    if removed.is_empty() {
        return Ok(report);
    }
    temp.as_file()
        .sync_all()
        .with_context(|| format!("sync {}", temp.path().display()))?;

    let sidecar = sidecar_path(path);
    for bad in &removed {
        let end = (bad.offset + bad.bytes).min(file.metadata()?.len());
        append_range_to(file, bad.offset, end, &sidecar)
            .with_context(|| format!("save removed lines to {}", sidecar.display()))?;
    }
    let backup = backup_path(path);
    std::fs::hard_link(path, &backup)
        .or_else(|_| std::fs::copy(path, &backup).map(|_| ()))
        .with_context(|| format!("keep the original as {}", backup.display()))?;
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("replace {}", path.display()))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("sync directory {}", dir.display()))?;
    drop(locked);
    report.backup = Some(backup);
    report.sidecar = Some(sidecar);
    Ok(report)
}

fn backup_path(path: &Path) -> PathBuf {
    let stamp: String = super::record::Timestamp::now()
        .to_string()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let mut n = 0;
    loop {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(
            ".{stamp}{}.bak",
            if n == 0 {
                String::new()
            } else {
                format!("-{n}")
            }
        ));
        let candidate = PathBuf::from(name);
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}
