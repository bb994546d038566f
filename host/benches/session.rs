//! Session store throughput with ~200-byte records, printed beside the seed's figures
//! (Python: 178,571 msg/s written, 1,851,851 msg/s read).
//!
//! `cargo bench -p cchost --bench session`. `CCHOST_BENCH_RECORDS` sets the records per run
//! (default 2,000,000); `CCHOST_BENCH_LARGE_MB` the size of the file read for the memory
//! measurement (default 1024; 0 skips it).

use std::{
    ops::ControlFlow,
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use cchost::session::{Durability, Entry, SessionOptions, SessionReader, SessionWriter};

const SEED_WRITE: f64 = 178_571.0;
const SEED_READ: f64 = 1_851_851.0;
const RUNS: usize = 3;
const RSS_CHILD: &str = "CCHOST_BENCH_RSS_CHILD";

fn main() {
    if let Ok(path) = std::env::var(RSS_CHILD) {
        return rss_child(Path::new(&path));
    }
    let records: u64 = env_number("CCHOST_BENCH_RECORDS", 2_000_000);
    let large_mb: u64 = env_number("CCHOST_BENCH_LARGE_MB", 1024);
    let dir = tempfile::tempdir().expect("temporary directory");
    println!("session store, {records} records per run, median of {RUNS} runs\n");

    let sample = dir.path().join("sample.jsonl");
    write_nowait(&sample, Durability::None, 1, 1000);
    let line_bytes = std::fs::metadata(&sample).unwrap().len() / 1000;
    println!("record line: {line_bytes} bytes (envelope + data + checksum)\n");
    println!(
        "{:<52} {:>14} {:>10} {:>12}",
        "", "records/s", "MB/s", "vs seed"
    );

    for (durability, producers) in [
        (Durability::None, 1),
        (Durability::Batch, 1),
        (Durability::Batch, 4),
    ] {
        let rate = median(|run| {
            let path = dir
                .path()
                .join(format!("w-{durability}-{producers}-{run}.jsonl"));
            let elapsed = write_nowait(&path, durability, producers, records);
            std::fs::remove_file(&path).ok();
            records as f64 / elapsed.as_secs_f64()
        });
        row(
            &format!("write {durability}, {producers} producer(s), group commit"),
            rate,
            line_bytes,
            Some(SEED_WRITE),
        );
    }
    let acked = records / 10;
    let rate = median(|run| {
        let path = dir.path().join(format!("w-sync-{run}.jsonl"));
        let writer = SessionWriter::open(&path, &options(Durability::Batch)).unwrap();
        let start = Instant::now();
        for i in 0..acked {
            writer.append("message", Some("planner"), &data(i)).unwrap();
        }
        let elapsed = start.elapsed();
        drop(writer);
        std::fs::remove_file(&path).ok();
        acked as f64 / elapsed.as_secs_f64()
    });
    row(
        "write batch, 1 thread waiting for each append",
        rate,
        line_bytes,
        Some(SEED_WRITE),
    );

    let read_file = dir.path().join("read.jsonl");
    write_nowait(&read_file, Durability::None, 1, records);
    let rate = median(|_| {
        let (count, elapsed) = read_envelopes(&read_file);
        assert_eq!(count, records);
        count as f64 / elapsed.as_secs_f64()
    });
    row(
        "read + verify + decode envelope (data as raw JSON)",
        rate,
        line_bytes,
        Some(SEED_READ),
    );
    let rate = median(|_| {
        let start = Instant::now();
        let mut reader = SessionReader::open(&read_file).unwrap();
        let mut count = 0u64;
        reader
            .for_each(|entry| {
                if let Entry::Record(record, _) = entry {
                    let value: serde_json::Value = record.data_as().unwrap();
                    count += u64::from(value.is_object());
                }
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(count, records);
        count as f64 / start.elapsed().as_secs_f64()
    });
    row(
        "read + decode + parse data into serde_json::Value",
        rate,
        line_bytes,
        Some(SEED_READ),
    );
    std::fs::remove_file(&read_file).ok();

    println!();
    always_mode(dir.path(), 8, Duration::from_secs(3));

    if large_mb > 0 {
        println!();
        large_file(dir.path(), large_mb, line_bytes);
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn options(durability: Durability) -> SessionOptions {
    SessionOptions {
        durability,
        ..SessionOptions::default()
    }
}

/// An agent's message as a caller would append it: a typed struct, ~70 bytes of JSON, which
/// makes a ~200-byte line with the envelope and checksum.
#[derive(serde::Serialize)]
struct Message {
    role: &'static str,
    text: &'static str,
    tokens: u64,
}

fn data(i: u64) -> Message {
    Message {
        role: "assistant",
        text: "Reading the config loader first.",
        tokens: 1200 + i % 97,
    }
}

fn median(mut run: impl FnMut(usize) -> f64) -> f64 {
    let mut rates: Vec<f64> = (0..RUNS).map(&mut run).collect();
    rates.sort_by(f64::total_cmp);
    rates[RUNS / 2]
}

fn row(name: &str, rate: f64, line_bytes: u64, seed: Option<f64>) {
    let vs = seed.map_or(String::new(), |s| format!("{:.1}x", rate / s));
    println!(
        "{name:<52} {:>14} {:>10.0} {:>12}",
        thousands(rate),
        rate * line_bytes as f64 / 1e6,
        vs
    );
}

fn thousands(rate: f64) -> String {
    let digits = format!("{:.0}", rate);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Appends `records` without waiting for each (the writer groups them), then flushes: the time
/// until everything is written to the file (in `batch` mode the periodic syncs run meanwhile).
fn write_nowait(path: &Path, durability: Durability, producers: u64, records: u64) -> Duration {
    let writer = SessionWriter::open(path, &options(durability)).unwrap();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for p in 0..producers {
            let writer = writer.clone();
            scope.spawn(move || {
                for i in (p..records).step_by(producers as usize) {
                    writer
                        .append_nowait("message", Some("planner"), &data(i))
                        .unwrap();
                }
            });
        }
    });
    writer.flush().unwrap();
    start.elapsed()
}

fn read_envelopes(path: &Path) -> (u64, Duration) {
    let start = Instant::now();
    let mut reader = SessionReader::open(path).unwrap();
    let mut checksum = 0u64;
    reader
        .for_each(|entry| {
            if let Entry::Record(record, _) = entry {
                checksum = checksum.wrapping_add(record.seq ^ record.data.len() as u64);
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    std::hint::black_box(checksum);
    (reader.stats().records, start.elapsed())
}

/// `threads` threads appending in `always` mode, each waiting for its record to be on disk.
fn always_mode(dir: &Path, threads: u64, duration: Duration) {
    let path = dir.join("always.jsonl");
    let writer = SessionWriter::open(&path, &options(Durability::Always)).unwrap();
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let writer = writer.clone();
            scope.spawn(move || {
                let mut i = 0;
                while start.elapsed() < duration {
                    writer.append("message", Some("planner"), &data(i)).unwrap();
                    i += 1;
                }
            });
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    let stats = writer.stats();
    println!(
        "always, {threads} concurrent writers: {} records/s, {} fsyncs/s, {:.1} records per fsync (group commit)",
        thousands(stats.records as f64 / elapsed),
        thousands(stats.fsyncs as f64 / elapsed),
        stats.records as f64 / stats.fsyncs.max(1) as f64
    );
    drop(writer);
    std::fs::remove_file(&path).ok();
}

/// Writes a file of `mb` MiB and reads it in a fresh child process that reports its peak RSS.
fn large_file(dir: &Path, mb: u64, line_bytes: u64) {
    let path = dir.join("large.jsonl");
    let records = (mb << 20) / line_bytes;
    let elapsed = write_nowait(&path, Durability::None, 1, records);
    let bytes = std::fs::metadata(&path).unwrap().len();
    println!(
        "large file: {} records, {:.2} GiB written in {:.1} s",
        thousands(records as f64),
        bytes as f64 / (1u64 << 30) as f64,
        elapsed.as_secs_f64()
    );
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(exe)
        .env(RSS_CHILD, &path)
        .output()
        .expect("run the reader child");
    print!("{}", String::from_utf8_lossy(&output.stdout));
    std::fs::remove_file(&path).ok();
}

fn rss_child(path: &Path) {
    let before = peak_rss_kib();
    let (count, elapsed) = read_envelopes(path);
    let after = peak_rss_kib();
    println!(
        "read it in a fresh process: {} records/s; peak RSS {} MiB before reading, {} MiB after (flat: the reader holds one buffer)",
        thousands(count as f64 / elapsed.as_secs_f64()),
        before / 1024,
        after / 1024
    );
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
