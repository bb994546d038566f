//! `cchost-hook`, the slim hook executable: it answers from the compiled-component cache alone
//! and hands whatever is not compiled yet to `cchost hook`.

use std::{
    path::Path,
    process::Output,
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::{
    common::{bash_payload, cchost_in, project, run_with_stdin, stdout_json},
    hook_cli::hostile_project,
};

const CCHOST: &str = env!("CARGO_BIN_EXE_cchost");
/// A handoff target that cannot run: proves an answer came from the cache alone.
const NO_CCHOST: &str = "/nonexistent/cchost";

fn example_dir() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/claude-code"
    ))
}

/// Runs `cchost-hook <args>` on `stdin` with its own home and `$XDG_CACHE_HOME`, handing cache
/// misses to `handoff`.
fn cchost_hook(args: &[&str], stdin: &str, home: &Path, handoff: &str) -> Output {
    run_with_stdin(
        env!("CARGO_BIN_EXE_cchost-hook"),
        args,
        stdin,
        home,
        &home.join("cache"),
        &[("CCHOST_EXE", handoff)],
    )
}

fn decision(output: &Output) -> Value {
    stdout_json(output)["hookSpecificOutput"]["permissionDecision"].clone()
}

/// Every `.cwasm` entry under the cache of `home`.
fn cache_entries(home: &Path) -> Vec<std::path::PathBuf> {
    let mut entries = Vec::new();
    let Ok(engines) = std::fs::read_dir(home.join("cache/cchost")) else {
        return entries;
    };
    for engine in engines {
        for entry in std::fs::read_dir(engine.unwrap().path()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "cwasm") {
                entries.push(path);
            }
        }
    }
    entries
}

#[test]
fn a_cold_cache_is_handed_to_cchost_and_later_calls_answer_from_the_cache_alone() {
    let home = tempfile::tempdir().unwrap();
    let rm_root = bash_payload(example_dir(), "rm -rf /");

    // Unable to hand over, a cold cache cannot decide: the permission event fails closed.
    let refused = cchost_hook(&[], &rm_root, home.path(), NO_CCHOST);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("not compiled yet") && stderr.contains(NO_CCHOST),
        "{stderr}"
    );
    assert!(cache_entries(home.path()).is_empty());

    // `cchost hook` compiles guard-commands into the cache and decides.
    let handed_over = cchost_hook(&[], &rm_root, home.path(), CCHOST);
    assert_eq!(handed_over.status.code(), Some(0), "{handed_over:?}");
    assert_eq!(decision(&handed_over), "deny");
    assert_eq!(cache_entries(home.path()).len(), 1);

    // From now on no `cchost` is needed.
    let denied = cchost_hook(&[], &rm_root, home.path(), NO_CCHOST);
    assert_eq!(denied.status.code(), Some(0), "{denied:?}");
    assert_eq!(stdout_json(&denied), stdout_json(&handed_over));
    let allowed = cchost_hook(
        &[],
        &bash_payload(example_dir(), "ls -la"),
        home.path(),
        NO_CCHOST,
    );
    assert_eq!(allowed.status.code(), Some(0), "{allowed:?}");
    assert_eq!(stdout_json(&allowed), Value::Null);
}

#[test]
fn an_unreadable_cache_entry_is_left_to_cchost_which_rebuilds_it() {
    let home = tempfile::tempdir().unwrap();
    let rm_root = bash_payload(example_dir(), "rm -rf ~");
    cchost_hook(&[], &rm_root, home.path(), CCHOST);
    let [entry] = cache_entries(home.path()).try_into().unwrap();
    std::fs::write(&entry, b"not a compiled component").unwrap();

    // cchost-hook neither trusts nor deletes it...
    let refused = cchost_hook(&[], &rm_root, home.path(), NO_CCHOST);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert_eq!(std::fs::read(&entry).unwrap(), b"not a compiled component");
    // ...and `cchost hook`, which can compile, replaces it.
    let denied = cchost_hook(&[], &rm_root, home.path(), CCHOST);
    assert_eq!(decision(&denied), "deny", "{denied:?}");
    assert_ne!(std::fs::read(&entry).unwrap(), b"not a compiled component");
    let denied = cchost_hook(&[], &rm_root, home.path(), NO_CCHOST);
    assert_eq!(decision(&denied), "deny", "{denied:?}");
}

#[test]
fn limits_hold_when_answering_from_the_cache() {
    let home = tempfile::tempdir().unwrap();
    let dir = hostile_project("loop", "timeout_ms = 100");
    let payload = bash_payload(dir.path(), "ls");
    cchost_hook(&[], &payload, home.path(), CCHOST);
    let started = Instant::now();
    let output = cchost_hook(&[], &payload, home.path(), NO_CCHOST);
    assert_eq!(decision(&output), "deny", "{output:?}");
    let reason = stdout_json(&output)["hookSpecificOutput"]["permissionDecisionReason"].to_string();
    assert!(reason.contains("timed out after 100 ms"), "{reason}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn events_without_hooks_need_no_cache_and_bad_input_fails_closed() {
    let home = tempfile::tempdir().unwrap();
    let notification = json!({"session_id": "x", "cwd": example_dir(), "hook_event_name": "Notification", "message": "hi"});
    let output = cchost_hook(&[], &notification.to_string(), home.path(), NO_CCHOST);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout_json(&output), Value::Null);

    let output = cchost_hook(&["PreToolUse"], "{not json", home.path(), NO_CCHOST);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

#[test]
fn usage_is_explained() {
    let home = tempfile::tempdir().unwrap();
    let help = cchost_hook(&["--help"], "", home.path(), NO_CCHOST);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("cchost hook"));
    let wrong = cchost_hook(&["PreToolUse", "extra"], "", home.path(), NO_CCHOST);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).starts_with("usage: cchost-hook"));
}

#[test]
fn install_writes_cchost_hook_when_it_is_beside_cchost() {
    let home = tempfile::tempdir().unwrap();
    let dir = project("[[hooks.PreToolUse]]\nmatcher = \"Bash\"\nplugin = \"guard-commands\"\n");
    let output = cchost_in(
        dir.path(),
        &["hook", "install", "--project", "--dry-run"],
        home.path(),
    );
    assert!(output.status.success(), "{output:?}");
    let settings = stdout_json(&output);
    assert_eq!(
        settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        env!("CARGO_BIN_EXE_cchost-hook"),
        "{settings}"
    );
}
