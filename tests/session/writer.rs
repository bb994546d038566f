//! The writer in one process: many threads, durability modes, reopening, repair under a live
//! writer, follow mode.

use std::{ops::ControlFlow, sync::mpsc, time::Duration};

use cchost::session::{
    Durability, Entry, Filter, SessionOptions, SessionReader, SessionStore, SessionWriter,
    reader::follow,
};
use serde_json::json;

use super::common::{read_all, session_cli, stdout};

fn options(durability: Durability) -> SessionOptions {
    SessionOptions {
        durability,
        ..SessionOptions::default()
    }
}

#[test]
fn many_threads_get_unique_sequence_numbers_matching_the_file() {
    for durability in [Durability::None, Durability::Batch, Durability::Always] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("threads.jsonl");
        let writer = SessionWriter::open(&path, &options(durability)).unwrap();
        let count = if durability == Durability::Always {
            100
        } else {
            1000
        };
        let acked: Vec<(u64, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    let writer = writer.clone();
                    scope.spawn(move || {
                        (0..count)
                            .map(|i| {
                                let token = format!("{t}-{i}");
                                let seq = writer
                                    .append("test", Some("agent-x"), &json!({"token": token}))
                                    .unwrap();
                                (seq, token)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let stats = writer.stats();
        drop(writer);
        let contents = read_all(&path);
        assert!(contents.bad.is_empty());
        assert_eq!(contents.records.len(), 8 * count);
        let tokens = contents.tokens();
        for (seq, token) in &acked {
            assert_eq!(tokens[token.as_str()], *seq, "{durability}");
        }
        assert_eq!(stats.records, 8 * count as u64);
        match durability {
            // Group commit: concurrent appends share writes and syncs.
            Durability::Always => assert!(stats.fsyncs >= 1 && stats.fsyncs <= stats.groups),
            Durability::None => assert_eq!(stats.fsyncs, 0),
            Durability::Batch => {}
        }
    }
}

#[test]
fn reopening_continues_the_sequence_and_flush_reports_success() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(SessionOptions {
        dir: dir.path().join("nested/sessions"),
        ..options(Durability::Batch)
    });
    let writer = store.create().unwrap();
    let id = writer.session_id().to_string();
    for i in 0..500 {
        writer
            .append_nowait("test", None, &json!({"token": i}))
            .unwrap();
    }
    writer.flush().unwrap();
    assert_eq!(
        read_all(&store.path(&id).unwrap()).records.len(),
        500,
        "flushed means written"
    );
    writer.sync().unwrap();
    assert!(writer.stats().fsyncs >= 1, "sync syncs");
    drop(writer);
    let writer = store.open_writer(&id).unwrap();
    assert_eq!(
        writer
            .append("test", None, &json!({"token": "after"}))
            .unwrap(),
        501
    );
    assert!(writer.append("bad kind!", None, &1).is_err());
    assert!(writer.append_json("test", None, "{not json").is_err());
    assert_eq!(
        writer
            .append_json("test", None, "{\"token\": \"json\"}")
            .unwrap(),
        502
    );
    assert_eq!(store.list().unwrap(), [store.path(&id).unwrap()]);
}

#[test]
fn async_appends_do_not_block_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SessionWriter::open(
        &dir.path().join("async.jsonl"),
        &options(Durability::Always),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let seqs = runtime.block_on(async {
        let tasks = (0..20).map(|i| {
            let writer = writer.clone();
            async move {
                writer
                    .append_async("test", None, &json!({"token": i}))
                    .await
                    .unwrap()
            }
        });
        futures::future::join_all(tasks).await
    });
    let mut sorted = seqs.clone();
    sorted.sort();
    assert_eq!(sorted, (1..=20).collect::<Vec<u64>>());
}

#[test]
fn repair_under_a_live_writer_keeps_both_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.jsonl");
    let writer = SessionWriter::open(&path, &options(Durability::None)).unwrap();
    for i in 0..10 {
        writer
            .append("test", None, &json!({"token": format!("a{i}")}))
            .unwrap();
    }
    // Rot one byte in the middle of line 5.
    let mut bytes = std::fs::read(&path).unwrap();
    let line5 = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(3)
        .unwrap()
        .0
        + 20;
    bytes[line5] ^= 0x20;
    std::fs::write(&path, &bytes).unwrap();
    let repair = session_cli(dir.path(), &["repair", "live"]);
    assert!(repair.status.success());
    assert!(
        stdout(&repair).contains("removed line 5: checksum mismatch"),
        "{}",
        stdout(&repair)
    );
    // The writer notices the file was replaced and appends to the new one.
    assert_eq!(
        writer
            .append("test", None, &json!({"token": "after"}))
            .unwrap(),
        11
    );
    drop(writer);
    let contents = read_all(&path);
    assert!(contents.bad.is_empty());
    assert_eq!(contents.records.len(), 10);
    assert_eq!(contents.records.last().unwrap(), &(11, "after".to_string()));
}

#[test]
fn follow_sees_records_as_they_are_appended() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("follow.jsonl");
    let writer = SessionWriter::open(&path, &options(Durability::None)).unwrap();
    writer
        .append("note", None, &json!({"token": "old"}))
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let follower = std::thread::spawn({
        let path = path.clone();
        move || {
            let filter = Filter {
                kinds: vec!["test".into()],
                ..Filter::default()
            };
            let mut seen = 0;
            follow(&path, filter, Duration::from_millis(10), |entry| {
                if let Entry::Record(record, _) = entry {
                    tx.send(record.seq).unwrap();
                    seen += 1;
                }
                if seen == 30 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
        }
    });
    for i in 0..30 {
        writer.append("test", None, &json!({"token": i})).unwrap();
        writer.append("noise", None, &json!({})).unwrap();
        if i % 10 == 0 {
            std::thread::sleep(Duration::from_millis(15));
        }
    }
    follower.join().unwrap();
    let seen: Vec<u64> = rx.try_iter().collect();
    assert_eq!(seen, (0..30).map(|i| 2 + 2 * i).collect::<Vec<u64>>());
}

#[test]
fn filters_select_by_kind_agent_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("filters.jsonl");
    let writer = SessionWriter::open(&path, &options(Durability::None)).unwrap();
    writer.append("plan", Some("planner"), &json!({})).unwrap();
    writer.append("tool", Some("coder"), &json!({})).unwrap();
    std::thread::sleep(Duration::from_millis(5));
    let middle = cchost::session::Timestamp::now();
    writer.append("tool", Some("planner"), &json!({})).unwrap();
    drop(writer);
    let seqs = |filter: Filter| {
        let mut reader = SessionReader::open(&path).unwrap().with_filter(filter);
        reader
            .collect_records(usize::MAX)
            .unwrap()
            .iter()
            .map(|r| r.seq)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        seqs(Filter {
            kinds: vec!["tool".into()],
            ..Filter::default()
        }),
        [2, 3]
    );
    assert_eq!(
        seqs(Filter {
            agents: vec!["planner".into()],
            ..Filter::default()
        }),
        [1, 3]
    );
    assert_eq!(
        seqs(Filter {
            since: Some(middle),
            ..Filter::default()
        }),
        [3]
    );
    assert_eq!(
        seqs(Filter {
            until: Some(middle),
            ..Filter::default()
        }),
        [1, 2]
    );

    let show = session_cli(
        dir.path(),
        &[
            "show", "filters", "--kind", "tool", "--agent", "planner", "--json",
        ],
    );
    let line: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(
        (line["seq"].as_u64(), line["kind"].as_str()),
        (Some(3), Some("tool"))
    );
    let export = session_cli(
        dir.path(),
        &["export", "filters", "--json", "--since", "1h"],
    );
    let all: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);
}

#[test]
fn claude_code_transcripts_are_shown_readably() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("4f35e220.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"type":"summary","summary":"Config work","leafUuid":"x"}"#, "\n",
            r#"{"parentUuid":null,"isSidechain":false,"type":"user","message":{"role":"user","content":"Add a config file"},"uuid":"u1","timestamp":"2025-05-26T07:27:40.079Z","sessionId":"4f35e220"}"#, "\n",
            r#"{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"Sure."},{"type":"tool_use","id":"t1","name":"Write","input":{"file_path":"a.toml"}}]},"timestamp":"2025-05-26T07:27:42Z","sessionId":"4f35e220"}"#, "\n",
            "not json at all\n",
            r#"{"type":"some-future-type","timestamp":"2025-05-26T07:27:43Z"}"#, "\n",
        ),
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let show = session_cli(dir.path(), &["show", file]);
    assert!(show.status.success());
    let text = stdout(&show);
    for expected in [
        "summary: Config work",
        "user: Add a config file",
        "assistant: Sure.",
        "assistant → tool Write {\"file_path\":\"a.toml\"}",
        "[some-future-type]",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(super::common::stderr(&show).contains("line 4: not a JSON object"));
    let users = session_cli(dir.path(), &["show", file, "--kind", "user", "--json"]);
    let line: serde_json::Value = serde_json::from_slice(&users.stdout).unwrap();
    assert_eq!(line["data"]["message"]["content"], "Add a config file");
    assert_eq!(line["session"], "4f35e220");
}
