//! Timing helpers shared by the benchmarks: warm up, sample, report percentiles.

use std::time::{Duration, Instant};

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
