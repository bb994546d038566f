//! pytest's terminal output: the short test summary (`FAILED tests/test_x.py::test_y - msg`,
//! `ERROR tests/test_z.py`) names each failure, and its section above (`____ test_y ____`) ends
//! with the place it happened (`tests/test_x.py:8: AssertionError`).

use crate::location::{Location, python_location};
use crate::{Failure, FailureKind};

pub fn failures(stdout: &str) -> Vec<Failure> {
    let lines: Vec<&str> = stdout.lines().collect();
    let Some(summary) = lines
        .iter()
        .rposition(|l| is_banner(l) && l.contains(" short test summary info "))
    else {
        return Vec::new();
    };
    lines[summary + 1..]
        .iter()
        .take_while(|l| !is_banner(l) && !l.starts_with("!!!"))
        .filter_map(|line| {
            let (kind, rest) = if let Some(rest) = line.strip_prefix("FAILED ") {
                (FailureKind::Test, rest)
            } else if let Some(rest) = line.strip_prefix("ERROR ") {
                (FailureKind::Collection, rest)
            } else {
                return None;
            };
            let (node_id, message) = match rest.split_once(" - ") {
                Some((node_id, message)) => (node_id, message.to_string()),
                None => (rest, "failed".to_string()),
            };
            let location = location_of(&lines[..summary], node_id);
            Some(Failure {
                // An error in a test's setup is the test's failure, not its file's.
                kind: if node_id.contains("::") {
                    FailureKind::Test
                } else {
                    kind
                },
                name: node_id.contains("::").then(|| node_id.to_string()),
                message,
                location,
            })
        })
        .collect()
}

/// `===== title =====` lines that separate pytest's report parts.
fn is_banner(line: &str) -> bool {
    line.starts_with("====") && line.ends_with("====")
}

/// The last traceback place in the section of `node_id` (`____ Class.test[param] ____` for a
/// test, `____ ERROR collecting path ____` for a file), preferring one in the test's own file
/// over one in a helper it called.
fn location_of(lines: &[&str], node_id: &str) -> Option<Location> {
    let (file, title) = match node_id.split_once("::") {
        Some((file, test)) => (file, test.replace("::", ".")),
        None => (node_id, format!("ERROR collecting {node_id}")),
    };
    let start = lines.iter().position(|line| {
        line.starts_with("___") && line.trim_matches(|c| c == '_' || c == ' ') == title
    })? + 1;
    let places: Vec<Location> = lines[start..]
        .iter()
        .take_while(|l| !l.starts_with("___") && !is_banner(l) && !l.starts_with("---"))
        .filter_map(|l| python_location(l))
        .collect();
    let in_own_file = places.iter().rev().find(|at| at.file == file);
    in_own_file.or(places.last()).cloned()
}
