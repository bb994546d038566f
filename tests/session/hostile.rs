//! Input nobody should write: garbage, invalid UTF-8, a 100 MB line, empty and missing files.
//! Each is a clear error or a counted skip, never a panic.

use std::{io::Write, ops::ControlFlow};

use cchost::session::{
    Entry, LineError, SessionOptions, SessionReader, SessionWriter, record::MAX_LINE_BYTES,
    recover::sidecar_path,
};

use super::common::{read_all, session_cli, stderr, stdout};

fn good_file(path: &std::path::Path, tokens: &[&str]) {
    let writer = SessionWriter::open(path, &SessionOptions::default()).unwrap();
    for token in tokens {
        writer
            .append("test", None, &serde_json::json!({"token": token}))
            .unwrap();
    }
}

#[test]
fn random_garbage_is_counted_and_reported_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.jsonl");
    let mut rng = fastrand::Rng::with_seed(7);
    let garbage: Vec<u8> = (0..1 << 20).map(|_| rng.u8(..)).collect();
    std::fs::write(&path, &garbage).unwrap();
    let contents = read_all(&path);
    assert!(contents.records.is_empty());
    let newlines = garbage.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(
        contents.bad.len(),
        newlines + 1,
        "every line, and the unterminated tail"
    );

    let verify = session_cli(dir.path(), &["verify", "garbage"]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        stdout(&verify).contains("garbage.jsonl: line 1: "),
        "{}",
        stdout(&verify)
    );
    let show = session_cli(dir.path(), &["show", "garbage"]);
    assert_eq!(show.status.code(), Some(0), "{}", stderr(&show));
    assert!(stderr(&show).contains("bad line(s) skipped"));
}

#[test]
fn invalid_utf8_and_altered_bytes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utf8.jsonl");
    good_file(&path, &["a", "b", "c"]);
    let mut bytes = std::fs::read(&path).unwrap();
    // Break the second record's token: a lone continuation byte, checksum recomputed so only
    // the UTF-8 check can catch it.
    let second = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let end = second + bytes[second..].iter().position(|&b| b == b'\n').unwrap();
    let token_at = second + find(&bytes[second..end], b"\"b\"").unwrap() + 1;
    bytes[token_at] = 0x80;
    let body_end = end - 18;
    let crc = crc32fast::hash(&bytes[second..body_end]);
    bytes[body_end + 8..body_end + 16].copy_from_slice(format!("{crc:08x}").as_bytes());
    std::fs::write(&path, &bytes).unwrap();

    let mut reader = SessionReader::open(&path).unwrap();
    let mut errors = Vec::new();
    let mut records = 0;
    reader
        .for_each(|entry| {
            match entry {
                Entry::Record(..) => records += 1,
                Entry::Bad(bad) => errors.push((bad.number, bad.error)),
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(records, 2);
    assert!(
        matches!(errors.as_slice(), [(2, LineError::InvalidUtf8 { .. })]),
        "{errors:?}"
    );

    // Bit rot: one flipped bit in the third line.
    let third = end + 1 + 10;
    bytes[third] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let verify = session_cli(dir.path(), &["verify", "utf8"]);
    assert_eq!(verify.status.code(), Some(1));
    let text = stdout(&verify);
    assert!(text.contains("line 2: invalid UTF-8"), "{text}");
    assert!(text.contains("line 3: checksum mismatch"), "{text}");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_100_mb_line_is_skipped_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.jsonl");
    good_file(&path, &["first"]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let block = vec![b'a'; 1 << 20];
    for _ in 0..100 {
        file.write_all(&block).unwrap();
    }
    file.write_all(b"\n").unwrap();
    drop(file);
    good_file(&path, &["last"]);

    let contents = read_all(&path);
    let tokens: Vec<&str> = contents.records.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tokens, ["first", "last"]);
    assert_eq!(contents.bad.len(), 1);
    assert!(
        contents.bad[0].starts_with("line 2: line of 104857600 bytes is longer than the"),
        "{}",
        contents.bad[0]
    );
    const { assert!(100 << 20 > MAX_LINE_BYTES) };
}

#[test]
fn a_100_mb_torn_tail_moves_to_the_sidecar_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("torn.jsonl");
    good_file(&path, &["kept"]);
    let good_len = std::fs::metadata(&path).unwrap().len();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let block = vec![b'z'; 1 << 20];
    for _ in 0..100 {
        file.write_all(&block).unwrap();
    }
    drop(file);
    let writer = SessionWriter::open(&path, &SessionOptions::default()).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().len(), good_len);
    assert_eq!(
        writer
            .append("test", None, &serde_json::json!({"token": "next"}))
            .unwrap(),
        2
    );
    drop(writer);
    let sidecar = std::fs::metadata(sidecar_path(&path)).unwrap().len();
    assert_eq!(sidecar, (100 << 20) + 1, "the fragment and its newline");
    assert!(read_all(&path).bad.is_empty());
}

#[test]
fn empty_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, b"").unwrap();
    let contents = read_all(&empty);
    assert!(contents.records.is_empty() && contents.bad.is_empty());
    let verify = session_cli(dir.path(), &["verify", "empty"]);
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
    assert!(stdout(&verify).contains("ok, 0 records"));
    let writer = SessionWriter::open(&empty, &SessionOptions::default()).unwrap();
    assert_eq!(writer.append("test", None, &1).unwrap(), 1);

    let missing = dir.path().join("missing.jsonl");
    let error = SessionReader::open(&missing).err().unwrap();
    assert!(format!("{error:#}").contains("missing.jsonl"), "{error:#}");
    let show = session_cli(dir.path(), &["show", "missing"]);
    assert_eq!(show.status.code(), Some(2));
    assert!(
        stderr(&show).contains("no session `missing` in"),
        "{}",
        stderr(&show)
    );
    let bad_id = session_cli(dir.path(), &["show", "../etc"]);
    assert_eq!(bad_id.status.code(), Some(2));
}

#[test]
fn blank_lines_and_foreign_json_are_bad_lines_that_repair_removes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.jsonl");
    good_file(&path, &["a"]);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(b"\n{\"hello\":1}\n").unwrap();
    drop(file);
    good_file(&path, &["b"]);
    let original = std::fs::read(&path).unwrap();

    let repair = session_cli(dir.path(), &["repair", "mixed", "--json"]);
    assert_eq!(repair.status.code(), Some(0), "{}", stderr(&repair));
    let report: serde_json::Value = serde_json::from_slice(&repair.stdout).unwrap();
    assert_eq!(report["records"], 2);
    assert_eq!(report["removed"].as_array().unwrap().len(), 2);
    let backup = report["backup"].as_str().unwrap();
    assert_eq!(
        std::fs::read(backup).unwrap(),
        original,
        "the original is kept unchanged"
    );
    let sidecar = std::fs::read(sidecar_path(&path)).unwrap();
    assert_eq!(sidecar, b"\n{\"hello\":1}\n");
    let contents = read_all(&path);
    assert!(contents.bad.is_empty());
    assert_eq!(
        contents.records,
        [(1, "a".to_string()), (2, "b".to_string())]
    );
    assert_eq!(session_cli(dir.path(), &["verify"]).status.code(), Some(0));
}
