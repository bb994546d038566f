//! Rust's test output: libtest's human format on stdout (`test x ... FAILED`, the
//! `---- x stdout ----` sections with the panic location and message, the final `failures:`
//! list) and rustc's diagnostics on stderr (`error[E0308]: …` then ` --> src/lib.rs:3:5`).

use crate::location::Location;
use crate::{Failure, FailureKind};

/// Lines of a panic message kept in a finding.
const MESSAGE_LINES: usize = 6;

/// One failing test per name, in the order libtest first mentions it, with the location and
/// message of its panic when its output section has one.
pub fn failures(stdout: &str) -> Vec<Failure> {
    let lines: Vec<&str> = stdout.lines().collect();
    let mut names: Vec<String> = Vec::new();
    let mut note = |name: &str| {
        let name = name.trim();
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    };
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.strip_suffix(" ... FAILED"))
        {
            note(name);
        } else if let Some(name) = line.strip_suffix(" --- FAILED") {
            // `cargo test --quiet` since Rust 1.80.
            note(name);
        } else if line == "failures:" {
            // The closing list: indented names up to a blank line (the first `failures:`
            // header is followed by sections, which this skips over).
            let mut next = index + 1;
            while let Some(item) = lines.get(next).and_then(|l| l.strip_prefix("    ")) {
                note(item);
                next += 1;
            }
        }
        index += 1;
    }
    names
        .into_iter()
        .map(|name| {
            let section = section_of(&lines, &name);
            let (location, message) = section.map(panic_of).unwrap_or_default();
            Failure {
                kind: FailureKind::Test,
                message: message.unwrap_or_else(|| "failed".to_string()),
                name: Some(name),
                location,
            }
        })
        .collect()
}

/// The lines of `---- NAME stdout ----`, up to the next section or the closing list.
fn section_of<'a>(lines: &'a [&'a str], name: &str) -> Option<&'a [&'a str]> {
    let header = format!("---- {name} stdout ----");
    let start = lines.iter().position(|l| *l == header)? + 1;
    let end = lines[start..]
        .iter()
        .position(|l| l.starts_with("---- ") || *l == "failures:" || l.starts_with("test result:"))
        .map_or(lines.len(), |offset| start + offset);
    Some(&lines[start..end])
}

/// The panic's location and message in a test's section.
fn panic_of(section: &[&str]) -> (Option<Location>, Option<String>) {
    for (index, line) in section.iter().enumerate() {
        if !line.starts_with("thread '") {
            continue;
        }
        let Some((_, after)) = line.split_once(" panicked at ") else {
            continue;
        };
        if let Some(old_style) = after.strip_prefix('\'') {
            // Before Rust 1.73: `panicked at 'message', src/lib.rs:9:18`.
            let (message, place) = old_style.rsplit_once("', ").unwrap_or((old_style, ""));
            return (Location::parse(place), Some(message.to_string()));
        }
        // Since Rust 1.73: `panicked at src/lib.rs:9:18:` and the message on the next lines.
        let location = Location::parse(after.trim_end().trim_end_matches(':'));
        let message: Vec<&str> = section[index + 1..]
            .iter()
            .take_while(|l| {
                !l.starts_with("note: ") && !l.starts_with("stack backtrace:") && !l.is_empty()
            })
            .take(MESSAGE_LINES)
            .copied()
            .collect();
        let message = (!message.is_empty()).then(|| message.join("\n"));
        return (location, message);
    }
    // No panic: e.g. `note: test did not panic as expected`, or a test returning `Err`.
    let first = section
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .map(str::to_string);
    (None, first)
}

/// rustc's errors (not warnings) on cargo's stderr, each at its first ` --> ` location; cargo's
/// own closing lines (`could not compile`, `test failed`) are not errors of the code.
pub fn compile_errors(stderr: &str) -> Vec<Failure> {
    let mut found: Vec<Failure> = Vec::new();
    let mut current: Option<Failure> = None;
    let flush = |failure: Option<Failure>, found: &mut Vec<Failure>| {
        // A crate compiled twice (lib and lib test) reports its errors twice.
        if let Some(failure) = failure
            && !found.contains(&failure)
        {
            found.push(failure);
        }
    };
    for line in stderr.lines() {
        if line.starts_with("error") || line.starts_with("warning") {
            flush(current.take(), &mut found);
            current = error_header(line).map(|message| Failure {
                kind: FailureKind::Compile,
                name: None,
                message: message.to_string(),
                location: None,
            });
        } else if let Some(place) = line.trim_start().strip_prefix("--> ")
            && let Some(failure) = current.as_mut()
            && failure.location.is_none()
        {
            failure.location = Location::parse(place);
        }
    }
    flush(current, &mut found);
    found
}

/// The message of a rustc error header, `error[E0308]: …` or `error: …`.
fn error_header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("error")?;
    let message = match rest.strip_prefix('[') {
        Some(coded) => coded.split_once("]: ")?.1,
        None => rest.strip_prefix(": ")?,
    };
    let cargo_own = [
        "could not compile",
        "test failed",
        "aborting due to",
        "failed to run",
    ];
    (!cargo_own.iter().any(|own| message.starts_with(own))).then_some(message)
}
