//! Streaming reads of a session file in constant memory: a line splitter over one reusable
//! buffer (a line longer than [`MAX_LINE_BYTES`] is skipped without being held), record
//! decoding with filters, and follow mode (`tail -f`) that survives a concurrent repair.

use std::{
    fs::File,
    io::{self, Read},
    ops::ControlFlow,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result};

use super::record::{LineError, MAX_LINE_BYTES, Record, RecordRef, Timestamp, decode};

const INITIAL_BUFFER: usize = 256 << 10;

/// One line as found in the file.
#[derive(Debug, Clone, Copy)]
struct Span {
    number: u64,
    offset: u64,
    kind: SpanKind,
}

#[derive(Debug, Clone, Copy)]
enum SpanKind {
    /// `buf[start..end]`, without the newline.
    Line { start: usize, end: usize },
    /// A line longer than the limit, already skipped; `terminated` unless it ended the file.
    TooLong { bytes: u64, terminated: bool },
    /// Bytes at the end of the file without a newline.
    Incomplete { start: usize, end: usize },
}

/// Splits a byte stream into lines, reusing one buffer.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Where to continue looking for a newline (`start..scanned` has none).
    scanned: usize,
    offset: u64,
    number: u64,
    eof: bool,
    /// Follow mode: at the end of the stream an unterminated line is left for later instead of
    /// being reported as incomplete.
    hold_incomplete: bool,
    max_line: usize,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R) -> Self {
        Self::with_limit(inner, MAX_LINE_BYTES)
    }

    pub fn with_limit(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            buf: vec![0; INITIAL_BUFFER.min(max_line + 1).max(64)],
            start: 0,
            end: 0,
            scanned: 0,
            offset: 0,
            number: 0,
            eof: false,
            hold_incomplete: false,
            max_line,
        }
    }

    /// Bytes consumed so far (the file offset of the next line).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn next_span(&mut self) -> io::Result<Option<Span>> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.scanned..self.end]) {
                let newline = self.scanned + i;
                let start = self.start;
                self.start = newline + 1;
                self.scanned = self.start;
                if newline - start > self.max_line {
                    let bytes = (newline - start) as u64;
                    let kind = SpanKind::TooLong {
                        bytes,
                        terminated: true,
                    };
                    return Ok(Some(self.advance(kind, bytes + 1)));
                }
                return Ok(Some(self.advance(
                    SpanKind::Line {
                        start,
                        end: newline,
                    },
                    (newline + 1 - start) as u64,
                )));
            }
            self.scanned = self.end;
            if self.eof {
                if self.start == self.end || self.hold_incomplete {
                    return Ok(None);
                }
                let (start, end) = (self.start, self.end);
                self.start = end;
                self.scanned = end;
                return Ok(Some(self.advance(
                    SpanKind::Incomplete { start, end },
                    (end - start) as u64,
                )));
            }
            if self.end - self.start > self.max_line {
                return self.skip_long_line().map(Some);
            }
            if self.end == self.buf.len() {
                if self.start > 0 {
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.scanned = self.end;
                    self.start = 0;
                } else {
                    let grown = (self.buf.len() * 2)
                        .min(self.max_line + 2)
                        .max(self.end + 1);
                    self.buf.resize(grown, 0);
                }
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn advance(&mut self, kind: SpanKind, consumed: u64) -> Span {
        self.number += 1;
        let span = Span {
            number: self.number,
            offset: self.offset,
            kind,
        };
        self.offset += consumed;
        span
    }

    /// Discards the rest of an over-long line, holding at most one buffer of it.
    fn skip_long_line(&mut self) -> io::Result<Span> {
        let mut bytes = (self.end - self.start) as u64;
        self.start = 0;
        self.end = 0;
        self.scanned = 0;
        loop {
            let n = match self.inner.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    let kind = SpanKind::TooLong {
                        bytes,
                        terminated: false,
                    };
                    return Ok(self.advance(kind, bytes));
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if let Some(i) = memchr::memchr(b'\n', &self.buf[..n]) {
                bytes += i as u64;
                self.start = i + 1;
                self.end = n;
                self.scanned = self.start;
                let kind = SpanKind::TooLong {
                    bytes,
                    terminated: true,
                };
                return Ok(self.advance(kind, bytes + 1));
            }
            bytes += n as u64;
        }
    }

    /// Calls `f` with every line until the stream ends or `f` breaks.
    pub fn for_each_line(
        &mut self,
        mut f: impl FnMut(LineAt<'_>) -> ControlFlow<()>,
    ) -> io::Result<()> {
        while let Some(span) = self.next_span()? {
            let line = match span.kind {
                SpanKind::Line { start, end } => RawLine::Complete(&self.buf[start..end]),
                SpanKind::Incomplete { start, end } => RawLine::Incomplete(&self.buf[start..end]),
                SpanKind::TooLong { bytes, terminated } => RawLine::TooLong { bytes, terminated },
            };
            let at = LineAt {
                number: span.number,
                offset: span.offset,
                line,
            };
            if f(at).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// A line with its 1-based number and byte offset.
#[derive(Debug)]
pub struct LineAt<'a> {
    pub number: u64,
    pub offset: u64,
    pub line: RawLine<'a>,
}

#[derive(Debug)]
pub enum RawLine<'a> {
    /// Without its newline.
    Complete(&'a [u8]),
    Incomplete(&'a [u8]),
    TooLong {
        bytes: u64,
        terminated: bool,
    },
}

impl RawLine<'_> {
    /// Length in the file, newline included where there is one.
    pub fn file_len(&self) -> u64 {
        match self {
            RawLine::Complete(b) => b.len() as u64 + 1,
            RawLine::Incomplete(b) => b.len() as u64,
            RawLine::TooLong { bytes, terminated } => bytes + u64::from(*terminated),
        }
    }
}

/// A line that is not a (new) record, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub number: u64,
    pub offset: u64,
    /// Bytes of the line in the file, without its newline.
    pub bytes: u64,
    pub error: LineError,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.number, self.error)
    }
}

/// Which records a reader yields.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Any of these kinds (all when empty).
    pub kinds: Vec<String>,
    /// Any of these agents (all when empty).
    pub agents: Vec<String>,
    /// At or after this time.
    pub since: Option<Timestamp>,
    /// Before this time.
    pub until: Option<Timestamp>,
    /// Only sequence numbers above this.
    pub after_seq: Option<u64>,
}

impl Filter {
    pub fn matches(&self, record: &RecordRef<'_>) -> bool {
        (self.kinds.is_empty() || self.kinds.iter().any(|k| *k == *record.kind))
            && (self.agents.is_empty()
                || record
                    .agent
                    .as_deref()
                    .is_some_and(|a| self.agents.iter().any(|x| x == a)))
            && self.since.is_none_or(|since| record.ts >= since)
            && self.until.is_none_or(|until| record.ts < until)
            && self.after_seq.is_none_or(|after| record.seq > after)
    }
}

/// What a reader hands to its callback.
#[derive(Debug)]
pub enum Entry<'a> {
    Record(RecordRef<'a>, Place<'a>),
    Bad(BadLine),
}

/// Where a record was read.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub line: u64,
    pub offset: u64,
    /// The line exactly as stored, without its newline.
    pub raw: &'a [u8],
}

/// Counts of one pass over a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadStats {
    /// Good records, matched or not.
    pub records: u64,
    /// Records that passed the filter.
    pub matched: u64,
    /// Lines skipped as corrupt, incomplete, too long or out of order.
    pub bad_lines: u64,
    pub last_seq: Option<u64>,
}

/// Decodes and filters the records of a session file.
pub struct SessionReader<R> {
    lines: LineReader<R>,
    filter: Filter,
    stats: ReadStats,
}

impl SessionReader<File> {
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("open session {}", path.display()))?;
        Ok(SessionReader::new(file))
    }
}

impl<R: Read> SessionReader<R> {
    pub fn new(inner: R) -> Self {
        SessionReader {
            lines: LineReader::new(inner),
            filter: Filter::default(),
            stats: ReadStats::default(),
        }
    }

    pub fn with_filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// Calls `f` with each matching record and each bad line, in file order, until the end or
    /// until `f` breaks. A record whose sequence number does not increase is reported as bad:
    /// readers never see a record twice.
    pub fn for_each(&mut self, mut f: impl FnMut(Entry<'_>) -> ControlFlow<()>) -> io::Result<()> {
        let SessionReader {
            lines,
            filter,
            stats,
        } = self;
        lines.for_each_line(|at| {
            let bad = |error| {
                Entry::Bad(BadLine {
                    number: at.number,
                    offset: at.offset,
                    bytes: match &at.line {
                        RawLine::Complete(b) | RawLine::Incomplete(b) => b.len() as u64,
                        RawLine::TooLong { bytes, .. } => *bytes,
                    },
                    error,
                })
            };
            let entry = match at.line {
                RawLine::Complete(bytes) => match decode(bytes) {
                    Ok(record) => match stats.last_seq {
                        Some(previous) if record.seq <= previous => bad(LineError::OutOfOrder {
                            seq: record.seq,
                            previous,
                        }),
                        _ => {
                            stats.last_seq = Some(record.seq);
                            stats.records += 1;
                            if !filter.matches(&record) {
                                return ControlFlow::Continue(());
                            }
                            stats.matched += 1;
                            Entry::Record(
                                record,
                                Place {
                                    line: at.number,
                                    offset: at.offset,
                                    raw: bytes,
                                },
                            )
                        }
                    },
                    Err(error) => bad(error),
                },
                RawLine::Incomplete(bytes) => bad(LineError::Incomplete {
                    bytes: bytes.len() as u64,
                }),
                RawLine::TooLong { bytes, .. } => bad(LineError::TooLong { bytes }),
            };
            if let Entry::Bad(_) = entry {
                stats.bad_lines += 1;
            }
            f(entry)
        })
    }

    /// Matching records as owned values; bad lines are counted in [`Self::stats`] and skipped.
    pub fn collect_records(&mut self, limit: usize) -> io::Result<Vec<Record>> {
        let mut records = Vec::new();
        self.for_each(|entry| {
            if let Entry::Record(record, _) = entry {
                records.push(record.to_owned());
                if records.len() >= limit {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })?;
        Ok(records)
    }
}

/// Follows a session file like `tail -f`: reports matching records as they are appended, until
/// `f` breaks. Unterminated lines are awaited, not reported. When the file is replaced (by
/// `cchost session repair`) it is reopened and records already seen are skipped by sequence
/// number.
pub fn follow(
    path: &Path,
    mut filter: Filter,
    poll: Duration,
    mut f: impl FnMut(Entry<'_>) -> ControlFlow<()>,
) -> Result<()> {
    let mut reader = open_following(path, filter.clone())?;
    let mut identity = file_identity(path)?;
    loop {
        let mut stop = false;
        reader
            .for_each(|entry| {
                let flow = f(entry);
                stop = flow.is_break();
                flow
            })
            .with_context(|| format!("read {}", path.display()))?;
        if stop {
            return Ok(());
        }
        std::thread::sleep(poll);
        let now = match file_identity(path) {
            Ok(id) => id,
            // Briefly absent while being replaced: try again next round.
            Err(_) => continue,
        };
        let consumed = reader.lines.offset();
        if now.0 != identity.0 || now.1 < consumed {
            if let Some(last) = reader.stats.last_seq {
                filter.after_seq = Some(filter.after_seq.map_or(last, |a| a.max(last)));
            }
            reader = open_following(path, filter.clone())?;
            identity = now;
        } else {
            reader.lines.eof = false;
        }
    }
}

fn open_following(path: &Path, filter: Filter) -> Result<SessionReader<File>> {
    let mut reader = SessionReader::open(path)?.with_filter(filter);
    reader.lines.hold_incomplete = true;
    Ok(reader)
}

fn file_identity(path: &Path) -> Result<((u64, u64), u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).with_context(|| format!("stat {}", path.display()))?;
    Ok(((meta.dev(), meta.ino()), meta.len()))
}

/// The `*.jsonl` session files in `dir`, oldest id first.
pub fn list_sessions(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("list {}", dir.display())),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("list {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "jsonl") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(input: &[u8], max_line: usize) -> Vec<String> {
        let mut reader = LineReader::with_limit(input, max_line);
        let mut out = Vec::new();
        reader
            .for_each_line(|at| {
                out.push(match at.line {
                    RawLine::Complete(b) => {
                        format!("{}@{}:{}", at.number, at.offset, String::from_utf8_lossy(b))
                    }
                    RawLine::Incomplete(b) => format!(
                        "{}@{}:partial {}",
                        at.number,
                        at.offset,
                        String::from_utf8_lossy(b)
                    ),
                    RawLine::TooLong { bytes, .. } => {
                        format!("{}@{}:long {bytes}", at.number, at.offset)
                    }
                });
                ControlFlow::Continue(())
            })
            .unwrap();
        out
    }

    #[test]
    fn lines_numbers_offsets_and_partial_tail() {
        assert_eq!(lines_of(b"", 100), Vec::<String>::new());
        assert_eq!(
            lines_of(b"a\n\nbc\nd", 100),
            ["1@0:a", "2@2:", "3@3:bc", "4@6:partial d"]
        );
    }

    #[test]
    fn over_long_lines_are_skipped_not_buffered() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1000));
        input.extend_from_slice(b"\nafter\n");
        input.extend(std::iter::repeat_n(b'y', 500));
        assert_eq!(
            lines_of(&input, 100),
            ["1@0:ok", "2@3:long 1000", "3@1004:after", "4@1010:long 500"]
        );
    }
}
