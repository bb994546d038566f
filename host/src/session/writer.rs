//! The append path: callers encode their record body on their own thread and queue it; one
//! writer thread per open session takes everything queued, stamps sequence numbers and time,
//! and writes the whole group with a single `write(2)` under the file lock (group commit), then
//! syncs as the durability mode asks and acknowledges.
//!
//! Crash safety rests on three rules: a record is acknowledged only after its group was fully
//! written (and, in `always` mode, synced); the writer repairs a torn tail left by a crashed
//! process before it appends (under the lock, so no line is ever glued to a fragment); and a
//! failed write is truncated away before the lock is released.

use std::{
    cell::RefCell,
    fs::{File, OpenOptions},
    io::Write,
    path::{Path, PathBuf},
    sync::{
        Arc, Condvar, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
        mpsc,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, anyhow};
use serde::Serialize;

use super::{
    Durability, SessionOptions,
    id::check_session_id,
    lock,
    record::{self, EncodeError, TIMESTAMP_LEN, Timestamp},
    recover,
};

/// Counters of one writer, for benchmarks and diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterStats {
    pub records: u64,
    /// Group writes (one `write(2)` each).
    pub groups: u64,
    pub fsyncs: u64,
    pub bytes: u64,
}

/// A handle to one session's writer thread; clones share it. The thread drains the queue,
/// syncs (except in `none` mode) and stops when the last handle is dropped.
#[derive(Clone)]
pub struct SessionWriter {
    inner: Arc<WriterInner>,
}

struct WriterInner {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    path: PathBuf,
    session_id: String,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when work is queued or the writer closes.
    work: Condvar,
    /// Signalled when the writer took the queue, making room.
    space: Condvar,
    max_queue_bytes: usize,
    records: AtomicU64,
    groups: AtomicU64,
    fsyncs: AtomicU64,
    bytes: AtomicU64,
}

#[derive(Default)]
struct Queue {
    /// Record bodies back to back.
    bytes: Vec<u8>,
    /// End of each body in `bytes`.
    ends: Vec<usize>,
    waiters: Vec<Waiter>,
    closed: bool,
    /// The writer sleeps on `work` and needs a wake-up (waking it otherwise costs a syscall).
    writer_waiting: bool,
    /// Failure of records nobody waited for (or of a background sync), reported by the next
    /// `flush` or `sync`.
    unreported: Option<String>,
}

struct Waiter {
    /// Index of the awaited record in its group; `None` for a flush or sync.
    record: Option<usize>,
    /// A barrier that also wants everything synced to disk.
    sync: bool,
    notify: Notify,
}

enum Notify {
    Blocking(mpsc::SyncSender<Result<u64, String>>),
    Async(tokio::sync::oneshot::Sender<Result<u64, String>>),
}

impl Notify {
    fn send(self, result: Result<u64, String>) {
        // A waiter that went away no longer needs the answer.
        match self {
            Notify::Blocking(tx) => {
                let _ = tx.send(result);
            }
            Notify::Async(tx) => {
                let _ = tx.send(result);
            }
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl SessionWriter {
    /// Opens (creating if needed) the session file `path` for appending, repairing a torn last
    /// line first. The session id is the file name without `.jsonl`.
    pub fn open(path: &Path, options: &SessionOptions) -> Result<Self> {
        let session_id = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".jsonl"))
            .with_context(|| format!("{}: a session file is named <id>.jsonl", path.display()))?
            .to_string();
        check_session_id(&session_id)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("create the sessions directory {}", dir.display()))?;
        }
        let existed = path.exists();
        let file = open_append(path).with_context(|| format!("open session {}", path.display()))?;
        if !existed {
            sync_parent(path)?;
        }
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            work: Condvar::new(),
            space: Condvar::new(),
            max_queue_bytes: options.max_queue_bytes.max(1),
            records: AtomicU64::new(0),
            groups: AtomicU64::new(0),
            fsyncs: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        });
        let mut appender = Appender {
            path: path.to_path_buf(),
            file: Some(file),
            session: session_id.clone(),
            known_len: None,
            next_seq: 1,
            durability: options.durability,
            batch_interval: options.batch_interval,
            batch_records: options.batch_records.max(1),
            unsynced: 0,
            last_sync: Instant::now(),
            out: Vec::new(),
            shared: shared.clone(),
            syncer: None,
        };
        // Recover now, so that a damaged file is reported by `open` and not by a later append.
        appender.lock()?;
        appender.unlock();
        let thread = std::thread::Builder::new()
            .name(format!("session-writer {session_id}"))
            .spawn({
                let shared = shared.clone();
                move || writer_loop(&shared, appender)
            })
            .context("start the session writer thread")?;
        Ok(SessionWriter {
            inner: Arc::new(WriterInner {
                shared,
                thread: Mutex::new(Some(thread)),
                path: path.to_path_buf(),
                session_id,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn session_id(&self) -> &str {
        &self.inner.session_id
    }

    /// Appends a record and returns its sequence number once it is written (`none`, `batch`)
    /// or on disk (`always`).
    pub fn append<T: Serialize + ?Sized>(
        &self,
        kind: &str,
        agent: Option<&str>,
        data: &T,
    ) -> Result<u64> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.enqueue(
            |out| record::encode_body(kind, agent, data, out),
            Some(Notify::Blocking(tx)),
        )?;
        self.wait(rx)
    }

    /// Like [`Self::append`] with data that is JSON text (validated, kept byte for byte apart
    /// from insignificant whitespace).
    pub fn append_json(&self, kind: &str, agent: Option<&str>, json: &str) -> Result<u64> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.enqueue(
            |out| record::encode_body_json(kind, agent, json, out),
            Some(Notify::Blocking(tx)),
        )?;
        self.wait(rx)
    }

    /// [`Self::append`] for async callers: waits without blocking the executor.
    pub async fn append_async<T: Serialize + ?Sized>(
        &self,
        kind: &str,
        agent: Option<&str>,
        data: &T,
    ) -> Result<u64> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.enqueue(
            |out| record::encode_body(kind, agent, data, out),
            Some(Notify::Async(tx)),
        )?;
        match rx.await {
            Ok(result) => result.map_err(|e| anyhow!(e)),
            Err(_) => Err(self.stopped()),
        }
    }

    /// Queues a record without waiting for it (it still waits while the queue is full). Its
    /// sequence number is not reported; a failure to write it is reported by the next
    /// [`Self::flush`] or [`Self::sync`].
    pub fn append_nowait<T: Serialize + ?Sized>(
        &self,
        kind: &str,
        agent: Option<&str>,
        data: &T,
    ) -> Result<()> {
        self.enqueue(|out| record::encode_body(kind, agent, data, out), None)
    }

    /// Returns once every record queued before is written to the file (visible to readers and
    /// safe from a crash of this process), or with the first failure of a record nobody waited
    /// for.
    pub fn flush(&self) -> Result<()> {
        self.barrier(false)
    }

    /// Like [`Self::flush`], and the file is synced to disk, whatever the durability mode.
    pub fn sync(&self) -> Result<()> {
        self.barrier(true)
    }

    fn barrier(&self, sync: bool) -> Result<()> {
        let (tx, rx) = mpsc::sync_channel(1);
        {
            let mut queue = self.lock_queue();
            if queue.closed {
                return Err(self.stopped());
            }
            queue.waiters.push(Waiter {
                record: None,
                sync,
                notify: Notify::Blocking(tx),
            });
        }
        self.lock_queue().writer_waiting = false;
        self.inner.shared.work.notify_one();
        self.wait(rx).map(|_| ())
    }

    pub fn stats(&self) -> WriterStats {
        let s = &self.inner.shared;
        WriterStats {
            records: s.records.load(Ordering::Relaxed),
            groups: s.groups.load(Ordering::Relaxed),
            fsyncs: s.fsyncs.load(Ordering::Relaxed),
            bytes: s.bytes.load(Ordering::Relaxed),
        }
    }

    fn enqueue(
        &self,
        encode: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
        notify: Option<Notify>,
    ) -> Result<()> {
        SCRATCH.with(|scratch| {
            let mut body = scratch.borrow_mut();
            body.clear();
            encode(&mut body).map_err(|e| anyhow!("{}: {e}", self.inner.path.display()))?;
            let shared = &self.inner.shared;
            let mut queue = self.lock_queue();
            while !queue.closed
                && !queue.bytes.is_empty()
                && queue.bytes.len() + body.len() > shared.max_queue_bytes
            {
                queue = shared.space.wait(queue).unwrap_or_else(|p| p.into_inner());
            }
            if queue.closed {
                return Err(self.stopped());
            }
            queue.bytes.extend_from_slice(&body);
            let end = queue.bytes.len();
            queue.ends.push(end);
            if let Some(notify) = notify {
                let record = Some(queue.ends.len() - 1);
                queue.waiters.push(Waiter {
                    record,
                    sync: false,
                    notify,
                });
            }
            let wake = queue.writer_waiting;
            queue.writer_waiting = false;
            drop(queue);
            if wake {
                shared.work.notify_one();
            }
            Ok(())
        })
    }

    fn wait(&self, rx: mpsc::Receiver<Result<u64, String>>) -> Result<u64> {
        match rx.recv() {
            Ok(result) => result.map_err(|e| anyhow!(e)),
            Err(_) => Err(self.stopped()),
        }
    }

    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        self.inner
            .shared
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn stopped(&self) -> anyhow::Error {
        anyhow!(
            "{}: the session writer has stopped",
            self.inner.path.display()
        )
    }
}

impl Drop for WriterInner {
    fn drop(&mut self) {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .closed = true;
        self.shared.work.notify_all();
        self.shared.space.notify_all();
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
}

fn sync_parent(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("sync directory {}", dir.display()))
}

/// How long records nobody waits for may gather before they are written: long enough that a
/// fast producer fills a group, short enough that readers see them promptly.
const GATHER: Duration = Duration::from_micros(200);
/// A gathered group this large is written at once.
const GATHER_BYTES: usize = 1 << 20;

fn writer_loop(shared: &Shared, mut appender: Appender) {
    let mut group = Queue::default();
    loop {
        {
            let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
            if queue.waiters.is_empty() && !queue.closed && queue.bytes.len() < GATHER_BYTES {
                drop(queue);
                std::thread::sleep(GATHER);
                queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
            }
            while queue.ends.is_empty() && queue.waiters.is_empty() && !queue.closed {
                queue.writer_waiting = true;
                match appender.sync_deadline() {
                    None => queue = shared.work.wait(queue).unwrap_or_else(|p| p.into_inner()),
                    Some(deadline) => {
                        let now = Instant::now();
                        if deadline <= now {
                            drop(queue);
                            appender.sync_in_background();
                            queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
                            continue;
                        }
                        queue = shared
                            .work
                            .wait_timeout(queue, deadline - now)
                            .unwrap_or_else(|p| p.into_inner())
                            .0;
                    }
                }
            }
            if queue.ends.is_empty() && queue.waiters.is_empty() {
                drop(queue);
                if appender.durability != Durability::None {
                    let _ = appender.sync();
                }
                return;
            }
            std::mem::swap(&mut queue.bytes, &mut group.bytes);
            std::mem::swap(&mut queue.ends, &mut group.ends);
            std::mem::swap(&mut queue.waiters, &mut group.waiters);
            group.unreported = queue.unreported.take();
        }
        shared.space.notify_all();

        let sync_requested = group.waiters.iter().any(|w| w.sync);
        let result = appender.commit(&group.bytes, &group.ends, sync_requested);
        let unwaited_failure = match &result {
            Err(e)
                if group.ends.len()
                    > group.waiters.iter().filter(|w| w.record.is_some()).count() =>
            {
                Some(e.clone())
            }
            _ => None,
        };
        let mut unreported = group.unreported.take().or(unwaited_failure);
        for waiter in group.waiters.drain(..) {
            let answer = match (&result, waiter.record) {
                (Ok(first), Some(i)) => Ok(first + i as u64),
                (Err(e), Some(_)) => Err(e.clone()),
                (Ok(_), None) => unreported.take().map_or(Ok(0), Err),
                (Err(e), None) => Err(unreported.take().unwrap_or_else(|| e.clone())),
            };
            waiter.notify.send(answer);
        }
        if let Some(failure) = unreported {
            let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.unreported.get_or_insert(failure);
        }
        group.bytes.clear();
        group.ends.clear();
    }
}

/// The writer thread's side: the open file and what it knows about it.
struct Appender {
    path: PathBuf,
    /// `None` only after a failed reopen (reported by every later commit).
    file: Option<File>,
    session: String,
    /// The file length after our last write; anything else means another process appended
    /// (or crashed) in between.
    known_len: Option<u64>,
    next_seq: u64,
    durability: Durability,
    batch_interval: Duration,
    batch_records: usize,
    /// Records written since the last sync.
    unsynced: usize,
    last_sync: Instant,
    out: Vec<u8>,
    shared: Arc<Shared>,
    /// `batch` mode's background syncer, started on first use.
    syncer: Option<(mpsc::Sender<File>, JoinHandle<()>)>,
}

impl Drop for Appender {
    fn drop(&mut self) {
        if let Some((tx, thread)) = self.syncer.take() {
            drop(tx);
            let _ = thread.join();
        }
    }
}

/// Syncs the files it is sent, skipping requests that queued up meanwhile (one sync covers
/// them all).
fn syncer_loop(requests: &mpsc::Receiver<File>, shared: &Shared, path: &Path) {
    while let Ok(mut file) = requests.recv() {
        while let Ok(newer) = requests.try_recv() {
            file = newer;
        }
        shared.fsyncs.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = file.sync_data() {
            let message = format!("sync {}: {e}", path.display());
            tracing::warn!("{message}");
            let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.unreported.get_or_insert(message);
        }
    }
}

impl Appender {
    /// Takes the file lock and brings our view of the file up to date.
    fn lock(&mut self) -> Result<()> {
        let path = self.path.clone();
        let file = match self.file.take() {
            Some(file) => file,
            None => {
                open_append(&path).with_context(|| format!("open session {}", path.display()))?
            }
        };
        let file = &*self
            .file
            .insert(lock::lock_current(&path, file, || open_append(&path))?);
        let refreshed = (|| -> Result<()> {
            let len = file
                .metadata()
                .with_context(|| format!("stat {}", path.display()))?
                .len();
            if self.known_len != Some(len) {
                let healed = recover::heal_tail(file, &path, len)?;
                let last = recover::last_seq(file, healed.len)
                    .with_context(|| format!("read {}", path.display()))?;
                self.next_seq = self.next_seq.max(last.map_or(1, |s| s + 1));
                self.known_len = Some(healed.len);
            }
            Ok(())
        })();
        if refreshed.is_err() {
            let _ = lock::unlock(file);
        }
        refreshed
    }

    fn unlock(&self) {
        if let Some(file) = &self.file {
            let _ = lock::unlock(file);
        }
    }

    /// Writes one group and syncs as the mode asks (or `sync_now`); returns the first
    /// sequence number.
    fn commit(&mut self, bodies: &[u8], ends: &[usize], sync_now: bool) -> Result<u64, String> {
        let first = if ends.is_empty() {
            self.next_seq
        } else {
            self.write_group(bodies, ends)?
        };
        if sync_now || (self.durability == Durability::Always && self.unsynced > 0) {
            self.sync()?;
        } else if self.durability == Durability::Batch
            && (self.unsynced >= self.batch_records
                || (self.unsynced > 0 && self.last_sync.elapsed() >= self.batch_interval))
        {
            self.sync_in_background();
        }
        Ok(first)
    }

    /// `batch` mode: nobody waits for these syncs, so the writer goes on writing meanwhile.
    fn sync_in_background(&mut self) {
        let Some(file) = self.file.as_ref().and_then(|f| f.try_clone().ok()) else {
            let _ = self.sync();
            return;
        };
        self.unsynced = 0;
        self.last_sync = Instant::now();
        if self.syncer.is_none() {
            let (tx, rx) = mpsc::channel::<File>();
            let shared = self.shared.clone();
            let path = self.path.clone();
            let thread = std::thread::Builder::new()
                .name("session-syncer".into())
                .spawn(move || syncer_loop(&rx, &shared, &path));
            match thread {
                Ok(thread) => self.syncer = Some((tx, thread)),
                Err(_) => {
                    let _ = self.sync();
                    return;
                }
            }
        }
        if let Some((tx, _)) = &self.syncer {
            let _ = tx.send(file);
        }
    }

    fn write_group(&mut self, bodies: &[u8], ends: &[usize]) -> Result<u64, String> {
        let mut out = std::mem::take(&mut self.out);
        let result = self.write_group_with(bodies, ends, &mut out);
        out.clear();
        if out.capacity() > 64 << 20 {
            out.shrink_to(1 << 20);
        }
        self.out = out;
        result
    }

    fn write_group_with(
        &mut self,
        bodies: &[u8],
        ends: &[usize],
        out: &mut Vec<u8>,
    ) -> Result<u64, String> {
        let path = self.path.clone();
        self.lock().map_err(|e| format!("{e:#}"))?;
        let Some(file) = self.file.as_ref() else {
            return Err(format!("{}: the session file is not open", path.display()));
        };
        let len = self.known_len.unwrap_or(0);
        let first = self.next_seq;
        let mut ts = [0u8; TIMESTAMP_LEN];
        Timestamp::now().format_into(&mut ts);
        out.reserve(bodies.len() + ends.len() * (100 + self.session.len()));
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            record::encode_line(
                first + i as u64,
                &ts,
                &self.session,
                &bodies[start..end],
                out,
            );
            start = end;
        }
        if let Err(e) = (&*file).write_all(out) {
            // Take back whatever part of the group reached the file, so no torn line is left
            // behind and nothing written before is touched.
            let restored = file.set_len(len);
            let _ = lock::unlock(file);
            self.known_len = None;
            let records = ends.len();
            return Err(match restored {
                Ok(()) => format!(
                    "append {records} record(s) to {}: {e}; the file is unchanged",
                    path.display()
                ),
                Err(undo) => format!(
                    "append {records} record(s) to {}: {e}; removing the partial write also failed ({undo}): the next writer will move it to the sidecar",
                    path.display()
                ),
            });
        }
        let _ = lock::unlock(file);
        self.known_len = Some(len + out.len() as u64);
        self.next_seq = first + ends.len() as u64;
        self.unsynced += ends.len();
        let shared = &self.shared;
        shared
            .records
            .fetch_add(ends.len() as u64, Ordering::Relaxed);
        shared.groups.fetch_add(1, Ordering::Relaxed);
        shared.bytes.fetch_add(out.len() as u64, Ordering::Relaxed);
        Ok(first)
    }

    fn sync(&mut self) -> Result<(), String> {
        self.unsynced = 0;
        self.last_sync = Instant::now();
        let Some(file) = &self.file else {
            return Ok(());
        };
        self.shared.fsyncs.fetch_add(1, Ordering::Relaxed);
        file.sync_data()
            .map_err(|e| format!("sync {}: {e}", self.path.display()))
    }

    /// When the pending records must be synced in `batch` mode.
    fn sync_deadline(&self) -> Option<Instant> {
        (self.durability == Durability::Batch && self.unsynced > 0)
            .then(|| self.last_sync + self.batch_interval)
    }
}
