//! Timing helpers shared by the benchmarks: warm up, sample, report percentiles; run a process
//! with stdin; print a duration. Each bench includes this module and uses part of it.

use std::{
    io::Write,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

pub struct Stats {
    pub p50: Duration,
    pub p90: Duration,
    pub samples: usize,
}

pub fn measure(samples: usize, mut once: impl FnMut()) -> Stats {
    for _ in 0..(samples / 10).max(3) {
        once();
    }
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            once();
            start.elapsed()
        })
        .collect();
    times.sort();
    Stats {
        p50: times[times.len() / 2],
        p90: times[times.len() * 9 / 10],
        samples,
    }
}

/// Runs `program` with `stdin` written to it and returns its stdout (stderr discarded).
#[allow(dead_code)]
pub fn run_process(program: &str, args: &[&str], stdin: &str, envs: &[(&str, &Path)]) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, *v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("wait").stdout
}

/// A duration in µs, ms or s, whichever reads best.
#[allow(dead_code)]
pub fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.1} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1_000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}
