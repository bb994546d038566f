//! `cchost session`: list, show, tail, verify, repair and export session files (cchost's own and,
//! for reading, Claude Code transcripts), and append to them.

use std::{
    collections::VecDeque,
    fs::File,
    io::{BufWriter, Read, Write},
    ops::ControlFlow,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::session::{
    self, Durability, Entry, Filter, SessionOptions, SessionReader, SessionStore, SessionWriter,
    Timestamp, claude,
    reader::{LineReader, RawLine},
    recover,
};

#[derive(Debug, Args)]
pub struct SessionArgs {
    /// Sessions directory; default `.cchost/sessions` in the project (the nearest directory
    /// upwards holding `.cchost/`, else the current one).
    #[arg(long, global = true, env = "CCHOST_SESSIONS_DIR", value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: SessionCommand,
}

#[derive(Debug, Subcommand)]
enum SessionCommand {
    /// List the sessions, oldest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Print a session's records readably (also Claude Code transcripts).
    Show(ShowArgs),
    /// Print the last records, and with -f the new ones as they come.
    Tail(TailArgs),
    /// Check every line; report each bad one by number. Exit 1 if any is bad.
    Verify {
        /// Session ids or files; default: every session in the directory.
        sessions: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Rewrite a session without its bad lines (atomically; the original is kept as a backup,
    /// the removed lines go to `<id>.jsonl.corrupt`).
    Repair {
        session: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the records as plain JSON lines (without checksums), or with --json as one array.
    Export(ExportArgs),
    /// Append one record; prints its sequence number.
    Append(AppendArgs),
    /// Stress writer for the crash tests: appends and prints `<seq> <token>` per acknowledged
    /// record.
    #[command(hide = true)]
    WriteTest(WriteTestArgs),
}

#[derive(Debug, Args)]
struct SessionRef {
    /// Session id (in the sessions directory, else a Claude Code transcript id), `latest`, or a
    /// file path.
    session: String,
}

#[derive(Debug, Args, Default)]
struct FilterArgs {
    /// Only records of this kind (repeatable).
    #[arg(long = "kind", value_name = "KIND")]
    kinds: Vec<String>,
    /// Only records of this agent (repeatable).
    #[arg(long = "agent", value_name = "AGENT")]
    agents: Vec<String>,
    /// At or after this time: RFC 3339, a date, or an age such as 30s, 10m, 2h, 3d.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
}

#[derive(Debug, Args)]
struct ShowArgs {
    #[command(flatten)]
    session: SessionRef,
    #[command(flatten)]
    filter: FilterArgs,
    /// Print records as JSON lines.
    #[arg(long)]
    json: bool,
    /// Do not shorten long data.
    #[arg(long)]
    full: bool,
    /// At most this many records.
    #[arg(long)]
    limit: Option<u64>,
}

#[derive(Debug, Args)]
struct TailArgs {
    #[command(flatten)]
    session: SessionRef,
    #[command(flatten)]
    filter: FilterArgs,
    /// How many of the last records to print first.
    #[arg(short = 'n', long, default_value_t = 10)]
    lines: usize,
    /// Keep printing records as they are appended.
    #[arg(short, long)]
    follow: bool,
    #[arg(long)]
    json: bool,
    #[arg(long)]
    full: bool,
}

#[derive(Debug, Args)]
struct ExportArgs {
    #[command(flatten)]
    session: SessionRef,
    #[command(flatten)]
    filter: FilterArgs,
    /// One JSON array instead of JSON lines.
    #[arg(long)]
    json: bool,
    /// Write to this file instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct AppendArgs {
    /// Session id (created if it does not exist); `new` starts a new session.
    session: String,
    #[arg(long)]
    kind: String,
    #[arg(long)]
    agent: Option<String>,
    /// The record's data as JSON text; `-` or absent reads it from stdin.
    data: Option<String>,
    #[arg(long, default_value = "always")]
    durability: Durability,
}

#[derive(Debug, Args)]
struct WriteTestArgs {
    #[arg(long)]
    session: String,
    #[arg(long, default_value = "always")]
    durability: Durability,
    /// Records per thread.
    #[arg(long, default_value_t = 1000)]
    count: u64,
    #[arg(long, default_value_t = 1)]
    threads: u64,
    /// Padding per record; `MIN-MAX` picks a random size per record.
    #[arg(long, default_value = "100")]
    payload: String,
    /// Prefix of each record's token.
    #[arg(long, default_value = "w")]
    tag: String,
    /// Queue everything without waiting, then flush once (prints `flushed <n>`).
    #[arg(long)]
    nowait: bool,
}

pub fn run(args: SessionArgs, config: &super::ConfigArgs) -> ExitCode {
    let options = match options(args.dir, config) {
        Ok(options) => options,
        Err(e) => return fail(e),
    };
    let result = match args.command {
        SessionCommand::List { json } => list(&options, json),
        SessionCommand::Show(a) => show(&options, a),
        SessionCommand::Tail(a) => tail(&options, a),
        SessionCommand::Verify { sessions, json } => return verify(&options, &sessions, json),
        SessionCommand::Repair { session, json } => repair(&options, &session, json),
        SessionCommand::Export(a) => export(&options, a),
        SessionCommand::Append(a) => append(&options, a),
        SessionCommand::WriteTest(a) => write_test(&options, a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(e: anyhow::Error) -> ExitCode {
    // A closed pipe (`| head`) is the reader's choice, not an error.
    if e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {e:#}");
    ExitCode::from(super::exit::USAGE)
}

/// The `[session]` configuration, with `--dir` (or `CCHOST_SESSIONS_DIR`) taking precedence.
fn options(dir: Option<PathBuf>, config: &super::ConfigArgs) -> Result<SessionOptions> {
    let cwd = std::env::current_dir().context("determine the working directory")?;
    let session = config.load(&cwd)?.config.session;
    let mut options = SessionOptions {
        dir: session.dir,
        durability: session.durability,
        batch_interval: std::time::Duration::from_millis(session.batch_interval_ms),
        batch_records: usize::try_from(session.batch_records).unwrap_or(usize::MAX),
        ..SessionOptions::default()
    };
    if let Some(dir) = dir {
        options.dir = cwd.join(dir);
    }
    Ok(options)
}

/// A file to read and what it holds.
struct Source {
    path: PathBuf,
    transcript: bool,
}

fn resolve(options: &SessionOptions, reference: &str) -> Result<Source> {
    let store = SessionStore::new(options.clone());
    let path = if reference.contains('/') || reference.ends_with(".jsonl") {
        PathBuf::from(reference)
    } else if reference == "latest" {
        store
            .list()?
            .pop()
            .with_context(|| format!("no sessions in {}", options.dir.display()))?
    } else {
        let own = store.path(reference)?;
        if own.exists() {
            own
        } else if let Some(transcript) = claude::find_transcript(reference) {
            transcript
        } else {
            bail!(
                "no session `{reference}` in {} (nor a Claude Code transcript of that id in ~/.claude/projects)",
                options.dir.display()
            );
        }
    };
    let mut file = File::open(&path).with_context(|| format!("open session {}", path.display()))?;
    let mut head = vec![0u8; 64 << 10];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_context(|| format!("read {}", path.display())),
        }
    }
    let first_line = head[..filled].split(|&b| b == b'\n').next().unwrap_or(&[]);
    Ok(Source {
        transcript: claude::looks_like_transcript(first_line),
        path,
    })
}

impl FilterArgs {
    fn to_filter(&self) -> Result<Filter> {
        Ok(Filter {
            kinds: self.kinds.clone(),
            agents: self.agents.clone(),
            since: self.since.as_deref().map(parse_time).transpose()?,
            until: self.until.as_deref().map(parse_time).transpose()?,
            after_seq: None,
        })
    }
}

/// RFC 3339, a date, or an age (`90s`, `10m`, `2h`, `3d`) before now.
fn parse_time(text: &str) -> Result<Timestamp> {
    if let Some(ts) = Timestamp::parse_rfc3339(text) {
        return Ok(ts);
    }
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match number.parse::<i64>() {
        Ok(n) if seconds > 0 && n >= 0 => Ok(Timestamp(
            Timestamp::now().0 - n.saturating_mul(seconds * 1_000_000),
        )),
        _ => bail!(
            "`{text}` is not a time: use RFC 3339 (2025-06-01T12:00:00Z), a date (2025-06-01) or an age (30s, 10m, 2h, 3d)"
        ),
    }
}

/// Every record of `source` passing `filter`, cchost sessions and transcripts alike; bad lines
/// are reported on stderr and counted.
fn for_each_record(
    source: &Source,
    filter: &Filter,
    mut f: impl FnMut(&session::RecordRef<'_>) -> Result<ControlFlow<()>>,
) -> Result<u64> {
    let file = File::open(&source.path)
        .with_context(|| format!("open session {}", source.path.display()))?;
    let mut failure = None;
    let mut bad_lines = 0;
    let mut step = |record: &session::RecordRef<'_>| match f(record) {
        Ok(flow) => flow,
        Err(e) => {
            failure = Some(e);
            ControlFlow::Break(())
        }
    };
    if source.transcript {
        let mut lines = LineReader::new(file);
        lines
            .for_each_line(|at| {
                let RawLine::Complete(bytes) = at.line else {
                    return ControlFlow::Continue(());
                };
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    return ControlFlow::Continue(());
                }
                match claude::to_record(at.number, bytes) {
                    Some(record) => {
                        let record = record.as_ref();
                        if filter.matches(&record) {
                            return step(&record);
                        }
                    }
                    None => {
                        bad_lines += 1;
                        eprintln!(
                            "warning: {}: line {}: not a JSON object, skipped",
                            source.path.display(),
                            at.number
                        );
                    }
                }
                ControlFlow::Continue(())
            })
            .with_context(|| format!("read {}", source.path.display()))?;
    } else {
        let mut reader = SessionReader::new(file).with_filter(filter.clone());
        reader
            .for_each(|entry| match entry {
                Entry::Record(record, _) => step(&record),
                Entry::Bad(bad) => {
                    bad_lines += 1;
                    eprintln!("warning: {}: {bad}, skipped", source.path.display());
                    ControlFlow::Continue(())
                }
            })
            .with_context(|| format!("read {}", source.path.display()))?;
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if bad_lines > 0 && !source.transcript {
        eprintln!(
            "warning: {}: {bad_lines} bad line(s) skipped; `cchost session verify` lists them",
            source.path.display()
        );
    }
    Ok(bad_lines)
}

fn list(options: &SessionOptions, json: bool) -> Result<()> {
    let store = SessionStore::new(options.clone());
    let mut rows = Vec::new();
    for path in store.list()? {
        let meta = std::fs::metadata(&path).with_context(|| format!("stat {}", path.display()))?;
        let (lines, first) = count_lines(&path)?;
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| Timestamp(d.as_micros() as i64));
        rows.push((id, lines, meta.len(), first, modified));
    }
    let mut out = std::io::stdout().lock();
    if json {
        let items: Vec<_> = rows
            .iter()
            .map(|(id, lines, bytes, first, modified)| {
                json!({"id": id, "records": lines, "bytes": bytes,
                       "started": first.map(|t| t.to_string()),
                       "modified": modified.map(|t| t.to_string())})
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?;
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(out, "no sessions in {}", options.dir.display())?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<32} {:>9} {:>10}  {:<19}  {:<19}",
        "SESSION", "RECORDS", "SIZE", "STARTED", "MODIFIED"
    )?;
    for (id, lines, bytes, first, modified) in rows {
        writeln!(
            out,
            "{id:<32} {lines:>9} {:>10}  {:<19}  {:<19}",
            human_bytes(bytes),
            first.map_or("-".into(), short_time),
            modified.map_or("-".into(), short_time)
        )?;
    }
    Ok(())
}

/// Lines in the file (records, give or take bad ones) and the first record's time.
fn count_lines(path: &Path) -> Result<(u64, Option<Timestamp>)> {
    let mut file = File::open(path).with_context(|| format!("open {}", path.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    let mut first = None;
    let mut head = Vec::new();
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("read {}", path.display())),
        };
        if lines == 0 && head.len() < session::record::MAX_LINE_BYTES {
            head.extend_from_slice(&buf[..n]);
            if let Some(end) = memchr::memchr(b'\n', &head) {
                first = session::record::decode(&head[..end])
                    .ok()
                    .map(|r| r.ts)
                    .or_else(|| claude::to_record(1, &head[..end]).map(|r| r.ts));
                head = Vec::new();
            }
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
    Ok((lines, first))
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// `2025-06-01 12:00:00` (UTC).
fn short_time(ts: Timestamp) -> String {
    ts.to_string()[..19].replace('T', " ")
}

/// One record for people: `#seq time kind [agent] data`.
fn render(record: &session::RecordRef<'_>, transcript: bool, full: bool, out: &mut Vec<u8>) {
    let max = if full { usize::MAX } else { 200 };
    let time = &record.ts.to_string()[..23];
    let agent = record
        .agent
        .as_deref()
        .map(|a| format!(" [{a}]"))
        .unwrap_or_default();
    if transcript {
        let max = if full {
            usize::MAX
        } else {
            claude::PREVIEW_CHARS
        };
        for (i, text) in claude::render(record.data, max).into_iter().enumerate() {
            let lead = if i == 0 {
                format!("#{:<5} {}{agent}", record.seq, time.replace('T', " "))
            } else {
                " ".repeat(6 + 24)
            };
            let _ = writeln!(out, "{lead}  {text}");
        }
        return;
    }
    let _ = writeln!(
        out,
        "#{:<5} {} {}{agent}  {}",
        record.seq,
        time.replace('T', " "),
        record.kind,
        claude::clip(record.data, max)
    );
}

fn show(options: &SessionOptions, args: ShowArgs) -> Result<()> {
    let source = resolve(options, &args.session.session)?;
    let filter = args.filter.to_filter()?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut shown = 0u64;
    let mut line = Vec::new();
    for_each_record(&source, &filter, |record| {
        if args.limit.is_some_and(|limit| shown >= limit) {
            return Ok(ControlFlow::Break(()));
        }
        shown += 1;
        line.clear();
        if args.json {
            record.write_json(&mut line);
            line.push(b'\n');
        } else {
            render(record, source.transcript, args.full, &mut line);
        }
        out.write_all(&line)?;
        Ok(ControlFlow::Continue(()))
    })?;
    out.flush()?;
    Ok(())
}

fn tail(options: &SessionOptions, args: TailArgs) -> Result<()> {
    let source = resolve(options, &args.session.session)?;
    let mut filter = args.filter.to_filter()?;
    let format = |record: &session::RecordRef<'_>| {
        let mut line = Vec::new();
        if args.json {
            record.write_json(&mut line);
            line.push(b'\n');
        } else {
            render(record, source.transcript, args.full, &mut line);
        }
        line
    };
    let mut last: VecDeque<Vec<u8>> = VecDeque::with_capacity(args.lines.min(10_000));
    let mut last_seq = None;
    for_each_record(&source, &filter, |record| {
        last_seq = Some(record.seq);
        if args.lines > 0 {
            if last.len() == args.lines {
                last.pop_front();
            }
            last.push_back(format(record));
        }
        Ok(ControlFlow::Continue(()))
    })?;
    {
        let mut out = std::io::stdout().lock();
        for line in &last {
            out.write_all(line)?;
        }
        out.flush()?;
    }
    if !args.follow {
        return Ok(());
    }
    if source.transcript {
        bail!("--follow reads cchost sessions only, not Claude Code transcripts");
    }
    filter.after_seq = last_seq;
    let mut failure = None;
    session::reader::follow(&source.path, filter, Duration::from_millis(200), |entry| {
        let result = match entry {
            Entry::Record(record, _) => {
                let mut out = std::io::stdout().lock();
                out.write_all(&format(&record)).and_then(|()| out.flush())
            }
            Entry::Bad(bad) => {
                eprintln!("warning: {}: {bad}, skipped", source.path.display());
                Ok(())
            }
        };
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failure = Some(e);
                ControlFlow::Break(())
            }
        }
    })?;
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

fn verify(options: &SessionOptions, sessions: &[String], json: bool) -> ExitCode {
    let paths: Result<Vec<PathBuf>> = if sessions.is_empty() {
        SessionStore::new(options.clone()).list()
    } else {
        sessions
            .iter()
            .map(|s| resolve(options, s).map(|source| source.path))
            .collect()
    };
    let paths = match paths {
        Ok(paths) => paths,
        Err(e) => return fail(e),
    };
    let mut reports = Vec::new();
    for path in &paths {
        match recover::verify(path) {
            Ok(report) => reports.push(report),
            Err(e) => return fail(e),
        }
    }
    let clean = reports.iter().all(recover::Verification::is_clean);
    let mut out = std::io::stdout().lock();
    let printed = if json {
        serde_json::to_string_pretty(&reports)
            .map_err(anyhow::Error::from)
            .and_then(|text| writeln!(out, "{text}").map_err(Into::into))
    } else {
        (|| -> Result<()> {
            if reports.is_empty() {
                writeln!(out, "no sessions in {}", options.dir.display())?;
            }
            for report in &reports {
                let path = report.path.display();
                for bad in &report.bad_lines {
                    writeln!(out, "{path}: line {}: {}", bad.line, bad.error)?;
                }
                if report.is_clean() {
                    writeln!(out, "{path}: ok, {} records", report.records)?;
                } else {
                    writeln!(
                        out,
                        "{path}: {} bad line(s), {} good records; `cchost session repair` removes them",
                        report.bad_lines.len(),
                        report.records
                    )?;
                }
            }
            Ok(())
        })()
    };
    if let Err(e) = printed {
        return fail(e);
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::exit::FAILED)
    }
}

fn repair(options: &SessionOptions, session: &str, json: bool) -> Result<()> {
    let source = resolve(options, session)?;
    if source.transcript {
        bail!(
            "{} is a Claude Code transcript; cchost repairs its own sessions only",
            source.path.display()
        );
    }
    let report = recover::repair(&source.path)?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    let path = report.path.display();
    match (&report.backup, &report.sidecar) {
        (Some(backup), Some(sidecar)) => {
            for bad in &report.removed {
                writeln!(out, "{path}: removed line {}: {}", bad.line, bad.error)?;
            }
            writeln!(
                out,
                "{path}: kept {} records, removed {} line(s) (appended to {}); original kept as {}",
                report.records,
                report.removed.len(),
                sidecar.display(),
                backup.display()
            )?;
        }
        _ => writeln!(
            out,
            "{path}: clean ({} records), nothing to repair",
            report.records
        )?,
    }
    Ok(())
}

fn export(options: &SessionOptions, args: ExportArgs) -> Result<()> {
    let source = resolve(options, &args.session.session)?;
    let filter = args.filter.to_filter()?;
    let (target, target_name): (Box<dyn Write>, String) = match &args.output {
        Some(path) => (
            Box::new(File::create(path).with_context(|| format!("create {}", path.display()))?),
            path.display().to_string(),
        ),
        None => (Box::new(std::io::stdout().lock()), "stdout".into()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, target);
    let mut line = Vec::new();
    let mut first = true;
    if args.json {
        out.write_all(b"[")?;
    }
    for_each_record(&source, &filter, |record| {
        line.clear();
        if args.json && !first {
            line.extend_from_slice(b",\n");
        } else if args.json {
            line.push(b'\n');
        }
        first = false;
        record.write_json(&mut line);
        if !args.json {
            line.push(b'\n');
        }
        out.write_all(&line)
            .with_context(|| format!("write {target_name}"))?;
        Ok(ControlFlow::Continue(()))
    })?;
    if args.json {
        out.write_all(b"\n]\n")?;
    }
    out.flush()
        .with_context(|| format!("write {target_name}"))?;
    Ok(())
}

fn append(options: &SessionOptions, args: AppendArgs) -> Result<()> {
    let data = match args.data.as_deref() {
        Some(text) if text != "-" => text.to_string(),
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("read the record's data from stdin")?;
            text
        }
    };
    let mut options = options.clone();
    options.durability = args.durability;
    let store = SessionStore::new(options);
    let writer = if args.session == "new" {
        store.create()?
    } else {
        store.open_writer(&args.session)?
    };
    let seq = writer.append_json(&args.kind, args.agent.as_deref(), &data)?;
    println!("{} {seq}", writer.session_id());
    Ok(())
}

fn write_test(options: &SessionOptions, args: WriteTestArgs) -> Result<()> {
    let (min, max) = match args.payload.split_once('-') {
        Some((a, b)) => (a.parse::<usize>()?, b.parse::<usize>()?),
        None => {
            let n = args.payload.parse::<usize>()?;
            (n, n)
        }
    };
    let mut options = options.clone();
    options.durability = args.durability;
    let store = SessionStore::new(options);
    let writer = SessionWriter::open(&store.path(&args.session)?, store.options())?;
    std::thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = (0..args.threads)
            .map(|thread| {
                let writer = writer.clone();
                let args = &args;
                scope.spawn(move || -> Result<()> {
                    let mut rng =
                        fastrand::Rng::with_seed(u64::from(std::process::id()) << 8 | thread);
                    let pad = "x".repeat(max);
                    for i in 0..args.count {
                        let token = format!("{}-{thread}-{i}", args.tag);
                        let size = if max > min { rng.usize(min..=max) } else { max };
                        let data = json!({"token": token, "pad": &pad[..size]});
                        if args.nowait {
                            writer.append_nowait("test", None, &data)?;
                        } else {
                            let seq = writer.append("test", None, &data)?;
                            let mut out = std::io::stdout().lock();
                            writeln!(out, "{seq} {token}")?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("a writer thread panicked"))??;
        }
        Ok(())
    })?;
    if args.nowait {
        writer.flush()?;
        println!("flushed {}", args.count * args.threads);
    }
    Ok(())
}
