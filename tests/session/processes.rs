//! Several processes appending to one session at once.

use std::process::Stdio;

use super::common::{cchost, read_all};

#[test]
fn four_processes_append_ten_thousand_records_each_without_interleaving() {
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..4)
        .map(|p| {
            let tag = format!("p{p}");
            let mut command = cchost();
            command
                .arg("session")
                .arg("--dir")
                .arg(dir.path())
                .args([
                    "write-test",
                    "--session",
                    "shared",
                    "--durability",
                    "none",
                    "--count",
                    "10000",
                ])
                .args(["--payload", "10-400", "--tag", &tag])
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            // Two wait for each record, two queue everything: small and large groups interleave.
            if p >= 2 {
                command.arg("--nowait");
            }
            command.spawn().unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let contents = read_all(&dir.path().join("shared.jsonl"));
    assert!(
        contents.bad.is_empty(),
        "{:?}",
        &contents.bad[..contents.bad.len().min(5)]
    );
    assert_eq!(contents.records.len(), 40_000);
    let seqs: Vec<u64> = contents.records.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, (1..=40_000).collect::<Vec<u64>>());
    // Each process's records are all there, in the order it appended them.
    for p in 0..4 {
        let prefix = format!("p{p}-0-");
        let order: Vec<u64> = contents
            .records
            .iter()
            .filter_map(|(_, token)| token.strip_prefix(&prefix))
            .map(|i| i.parse().unwrap())
            .collect();
        assert_eq!(order, (0..10_000).collect::<Vec<u64>>(), "process {p}");
    }
}
