//! Writers that die: SIGKILL at random moments, and a file-size limit hit mid-append.

use std::{
    collections::HashSet,
    io::{BufRead, BufReader},
    os::unix::process::CommandExt,
    process::{Child, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use cchost::session::{Durability, SessionOptions, SessionWriter, recover::sidecar_path};

use super::common::{cchost, read_all};

const KILL_ROUNDS: u64 = 120;

/// Starts `cchost session write-test` and collects the acknowledged `<seq> <token>` lines it
/// prints (only whole lines: a line cut by the kill was not fully reported).
/// Acknowledged `(seq, token)` pairs, as the writer reports them.
type Acks = Arc<Mutex<Vec<(u64, String)>>>;

fn spawn_writer(
    dir: &std::path::Path,
    args: &[&str],
) -> (Child, Acks, std::thread::JoinHandle<()>) {
    let mut child = cchost()
        .arg("session")
        .arg("--dir")
        .arg(dir)
        .arg("write-test")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the writer");
    let acks = Arc::new(Mutex::new(Vec::new()));
    let stdout = child.stdout.take().unwrap();
    let collector = std::thread::spawn({
        let acks = acks.clone();
        move || {
            let mut reader = BufReader::new(stdout);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                if line.ends_with(b"\n") {
                    let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                    if let Some((seq, token)) = text.split_once(' ') {
                        acks.lock()
                            .unwrap()
                            .push((seq.parse().unwrap(), token.to_string()));
                    }
                }
                line.clear();
            }
        }
    });
    (child, acks, collector)
}

#[test]
fn sigkilled_writers_lose_no_acknowledged_record_and_leave_no_torn_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.jsonl");
    let mut rng = fastrand::Rng::with_seed(0x5e55_10b5);
    let mut acked: Vec<(u64, String)> = Vec::new();
    let mut torn_tails: Vec<Vec<u8>> = Vec::new();
    for round in 0..KILL_ROUNDS {
        // `always` is the mode whose acknowledgements promise the disk; `none` rounds write far
        // more per second, so the kill lands inside write(2) more often (a process crash loses
        // nothing acknowledged in any mode: the kernel has the data).
        let durability = if round % 2 == 0 { "always" } else { "none" };
        let payload = if durability == "none" {
            "50-1000000"
        } else {
            "50-100000"
        };
        let tag = format!("r{round}");
        let args = [
            "--session",
            "crash",
            "--durability",
            durability,
            "--count",
            "1000000",
            "--threads",
            "3",
            "--payload",
            payload,
            "--tag",
            &tag,
        ];
        let (mut child, acks, collector) = spawn_writer(dir.path(), &args);
        // Kill while records flow: after the first acknowledgement (process start-up takes
        // longer than the window), or at a random point of start-up in every tenth round.
        if round % 10 != 5 {
            let started = std::time::Instant::now();
            while acks.lock().unwrap().is_empty() && started.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        std::thread::sleep(Duration::from_micros(rng.u64(0..15_000)));
        child.kill().expect("SIGKILL the writer");
        let status = child.wait().unwrap();
        collector.join().unwrap();
        assert!(
            !status.success(),
            "round {round}: the writer finished before it was killed"
        );
        acked.extend(acks.lock().unwrap().drain(..));
        if let Ok(bytes) = std::fs::read(&path)
            && !bytes.is_empty()
            && !bytes.ends_with(b"\n")
        {
            let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            torn_tails.push(bytes[start..].to_vec());
        }
    }
    // Recovery is what every writer does on open.
    drop(SessionWriter::open(&path, &SessionOptions::default()).unwrap());

    let contents = read_all(&path);
    assert!(
        contents.bad.is_empty(),
        "corrupt lines after recovery: {:?}",
        contents.bad
    );
    let seqs: Vec<u64> = contents.records.iter().map(|(seq, _)| *seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "sequence numbers must increase"
    );
    let tokens = contents.tokens();
    assert_eq!(
        tokens.len(),
        contents.records.len(),
        "a record is present twice"
    );
    for (seq, token) in &acked {
        assert_eq!(
            tokens.get(token.as_str()),
            Some(seq),
            "acknowledged record {token} (seq {seq}) is missing or moved"
        );
    }
    let sidecar = std::fs::read(sidecar_path(&path)).unwrap_or_default();
    let sidecar_lines: HashSet<&[u8]> = sidecar.split(|&b| b == b'\n').collect();
    for tail in &torn_tails {
        // A whole record cut only before its newline is completed in place instead.
        let kept = cchost::session::record::decode(tail).is_ok();
        assert!(
            kept || sidecar_lines.contains(tail.as_slice()),
            "a torn tail of {} bytes is not in the sidecar",
            tail.len()
        );
    }
    eprintln!(
        "{KILL_ROUNDS} kills: {} acknowledged records all present once, {} records in the file, {} torn tails recovered",
        acked.len(),
        contents.records.len(),
        torn_tails.len()
    );
    assert!(
        acked.len() as u64 > KILL_ROUNDS,
        "too few acknowledged records to mean anything"
    );
}

#[test]
fn a_file_size_limit_is_a_clear_error_and_damages_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("limited.jsonl");
    let writer = SessionWriter::open(
        &path,
        &SessionOptions {
            durability: Durability::Always,
            ..SessionOptions::default()
        },
    )
    .unwrap();
    for i in 0..20 {
        writer
            .append(
                "test",
                None,
                &serde_json::json!({"token": format!("before-{i}")}),
            )
            .unwrap();
    }
    drop(writer);
    let before = std::fs::read(&path).unwrap();
    let limit = before.len() as u64 + 50_000;

    let mut command = cchost();
    command.arg("session").arg("--dir").arg(dir.path()).args([
        "write-test",
        "--session",
        "limited",
        "--count",
        "1000",
        "--payload",
        "3000-7000",
    ]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            // Ignored SIGXFSZ turns the limit into an EFBIG error instead of a killed process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the writer should fail at the limit"
    );
    assert!(
        stderr.contains("limited.jsonl")
            && stderr.contains("File too large")
            && stderr.contains("the file is unchanged"),
        "unclear error: {stderr}"
    );
    let after = std::fs::read(&path).unwrap();
    assert!(
        after.starts_with(&before),
        "records written before the limit were damaged"
    );
    assert!(after.ends_with(b"\n"), "a torn line was left behind");
    assert!(after.len() as u64 <= limit);
    let contents = read_all(&path);
    assert!(contents.bad.is_empty(), "{:?}", contents.bad);
    let acked: Vec<&str> = std::str::from_utf8(&output.stdout)
        .unwrap()
        .lines()
        .collect();
    assert!(!acked.is_empty(), "some records fit under the limit");
    assert_eq!(contents.records.len(), 20 + acked.len());
    for line in acked {
        let (seq, token) = line.split_once(' ').unwrap();
        assert_eq!(contents.tokens()[token], seq.parse::<u64>().unwrap());
    }
}
