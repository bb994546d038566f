//! `cchost plugin new` then `cchost plugin build`, as a plugin author runs them, for every kind
//! in every language: each scaffold builds unchanged into a component that passes `plugin check`,
//! and runs in its own directory — the hook denies its sample event and has no opinion on the
//! other, the gate fails on its sample conflict at lines 2, 4 and 6, the agent's workflow passes
//! and its session holds what it recorded. A Rust scaffold's unit tests pass natively.
//! The Python and JavaScript toolchains are the test setup's pinned ones (`servers::dir()`),
//! linked into each project where `plugin build` would otherwise install them.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;

use crate::{
    common::{cchost, cchost_with_env, stdout_json, toolchain_env},
    servers,
};

const KINDS: [&str; 3] = ["hook", "gate", "agent"];

/// Scaffolds `name`, builds it and checks the build's report; returns the project directory.
fn new_and_build(parent: &Path, home: &Path, name: &str, kind: &str, lang: &str) -> PathBuf {
    let output = cchost_with_env(
        parent,
        &["plugin", "new", name, "--kind", kind, "--lang", lang],
        home,
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let dir = parent.join(name);
    assert!(dir.join("plugin.toml").is_file() && dir.join("README.md").is_file());
    let toolchains = servers::dir();
    match lang {
        "python" => std::os::unix::fs::symlink(toolchains.join(".venv"), dir.join(".venv")),
        "js" => {
            std::os::unix::fs::symlink(toolchains.join("node_modules"), dir.join("node_modules"))
        }
        _ => Ok(()),
    }
    .unwrap();

    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scaffold-target");
    let mut env = toolchain_env();
    env.push(("CARGO_TARGET_DIR", target.display().to_string()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = cchost_with_env(&dir, &["plugin", "build", "--json"], home, &env);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["name"], name);
    assert_eq!(report["kind"], kind);
    assert_eq!(report["language"], lang);
    assert_eq!(report["check"]["errors"], Value::Array(vec![]), "{report}");
    let component = dir.join(format!("dist/{name}.wasm"));
    assert_eq!(Path::new(report["component"].as_str().unwrap()), component);
    assert!(dir.join(format!("dist/{name}.toml")).is_file());
    dir
}

/// Runs the scaffold the way its README says to try it.
fn try_it(dir: &Path, home: &Path, name: &str, kind: &str) {
    match kind {
        "hook" => {
            let event = |sample: &str| std::fs::read_to_string(dir.join(sample)).unwrap();
            let denied = cchost(&["hook"], &event("tests/deny.json"), home);
            assert_eq!(denied.status.code(), Some(0), "{denied:?}");
            let decision = &stdout_json(&denied)["hookSpecificOutput"];
            assert_eq!(decision["permissionDecision"], "deny", "{denied:?}");
            assert_eq!(
                decision["permissionDecisionReason"],
                format!("[{name}] `shutdown` is not allowed here")
            );
            let allowed = cchost(&["hook"], &event("tests/allow.json"), home);
            assert_eq!(allowed.status.code(), Some(0), "{allowed:?}");
            assert_eq!(stdout_json(&allowed), Value::Null, "{allowed:?}");
        }
        "gate" => {
            let output = cchost_with_env(dir, &["gate", "--all", "--format", "json"], home, &[]);
            assert_eq!(output.status.code(), Some(1), "{output:?}");
            let report = stdout_json(&output);
            let places: Vec<String> = report["checkpoints"][0]["gates"][0]["findings"]
                .as_array()
                .unwrap_or_else(|| panic!("{report}"))
                .iter()
                .map(|f| format!("{} {}:{}", f["rule"], f["file"], f["line"]))
                .collect();
            let expected: Vec<String> = [2, 4, 6]
                .iter()
                .map(|line| format!("\"conflict-marker\" \"tests/conflict.txt\":{line}"))
                .collect();
            assert_eq!(places, expected, "{report}");
            std::fs::remove_file(dir.join("tests/conflict.txt")).unwrap();
            let output = cchost_with_env(dir, &["gate", "--all"], home, &[]);
            assert_eq!(output.status.code(), Some(0), "{output:?}");
        }
        "agent" => {
            let output = cchost_with_env(dir, &["run", "--json", "--no-progress"], home, &[]);
            assert_eq!(output.status.code(), Some(0), "{output:?}");
            let run = stdout_json(&output);
            let text = run.to_string();
            assert!(
                text.contains("asked to: Say what you were asked to do. (1 parameters)"),
                "{run}"
            );
            let output = cchost_with_env(
                dir,
                &["session", "show", "latest", "--kind", "task-seen", "--json"],
                home,
                &[],
            );
            assert_eq!(output.status.code(), Some(0), "{output:?}");
            let record = stdout_json(&output);
            assert_eq!(record["agent"], name, "{record}");
            assert_eq!(record["data"]["text"], "Say what you were asked to do.");
        }
        _ => unreachable!(),
    }
}

fn scaffold_build_and_try(lang: &str) {
    let parent = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    for kind in KINDS {
        let name = format!("{lang}-{kind}");
        let dir = new_and_build(parent.path(), home.path(), &name, kind, lang);
        try_it(&dir, home.path(), &name, kind);
    }
}

#[test]
fn rust_scaffolds_build_test_and_run_unchanged() {
    scaffold_build_and_try("rust");
    // The unit tests of a scaffold run natively with plain `cargo test`.
    let parent = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = cchost_with_env(
        parent.path(),
        &["plugin", "new", "unit", "--kind", "gate", "--lang", "rust"],
        home.path(),
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scaffold-native");
    let output = Command::new(env!("CARGO"))
        .arg("test")
        .current_dir(parent.path().join("unit"))
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("test result: ok. 2 passed"), "{stdout}");
}

#[test]
fn python_scaffolds_build_and_run_unchanged() {
    scaffold_build_and_try("python");
}

#[test]
fn javascript_scaffolds_build_and_run_unchanged() {
    scaffold_build_and_try("js");
}

#[test]
fn new_refuses_bad_names_and_existing_projects_and_build_names_what_is_missing() {
    let parent = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let new = |name: &str| {
        cchost_with_env(
            parent.path(),
            &["plugin", "new", name, "--kind", "hook", "--lang", "python"],
            home.path(),
            &[],
        )
    };
    let output = new("No_Good");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a valid plugin name"));
    assert_eq!(new("fine").status.code(), Some(0));
    let again = new("fine");
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    let empty = tempfile::tempdir().unwrap();
    let output = cchost_with_env(empty.path(), &["plugin", "build"], home.path(), &[]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("plugin.toml"));
}
