//! The `exec` interface end to end: the first-party `tests` gate running a real `cargo test` on a
//! temporary crate through `cchost gate`, and the hostile gate trying commands it was not
//! granted — refused by the host, reported as error findings, never run.

use std::path::Path;

use serde_json::Value;

use crate::common::{cchost_with_env, plugin_file, project, stdout_json, toolchain_env};

/// A crate with one passing and one failing test at `src/lib.rs:7`, judged by the `tests` gate.
fn failing_crate() -> tempfile::TempDir {
    let dir = project(
        r#"
[checkpoints.ci]
gates = ["tests"]

[plugins.tests.settings]
command = ["cargo", "test", "--quiet"]

[plugins.tests.grant]
exec = [["cargo", "test"]]
env = ["PATH", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"]
"#,
    );
    let root = dir.path();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "pub fn add(a: i32, b: i32) -> i32 { a + b }\n\n#[cfg(test)]\nmod tests {\n    \
         #[test]\n    fn adds() { assert_eq!(super::add(1, 2), 3); }\n    \
         #[test] fn wrong() { assert_eq!(super::add(1, 1), 3, \"one and one\"); }\n}\n",
    )
    .unwrap();
    dir
}

fn gate_json(root: &Path, home: &Path) -> (Option<i32>, Value) {
    let env = toolchain_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = cchost_with_env(
        root,
        &["gate", "ci", "--all", "--format", "json", "--trust-project"],
        home,
        &env,
    );
    (output.status.code(), stdout_json(&output))
}

fn findings_of(report: &Value) -> Vec<Value> {
    report["checkpoints"][0]["gates"][0]["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_failing_cargo_test_is_a_finding_at_the_assertion() {
    let home = tempfile::tempdir().unwrap();
    let dir = failing_crate();
    let (code, report) = gate_json(dir.path(), home.path());
    assert_eq!(code, Some(1), "{report:#}");
    let findings = findings_of(&report);
    let failed: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "tests/failed")
        .collect();
    assert_eq!(failed.len(), 1, "{findings:#?}");
    assert_eq!(failed[0]["file"], "src/lib.rs");
    assert_eq!(failed[0]["line"], 7);
    let message = failed[0]["message"].as_str().unwrap();
    assert!(
        message.contains("tests::wrong") && message.contains("one and one"),
        "{message}"
    );
    // The host's own account of the command the gate ran.
    let ran = findings.iter().find(|f| f["rule"] == "exec/run").unwrap();
    assert!(
        ran["message"]
            .as_str()
            .unwrap()
            .contains("ran `cargo test --quiet`: exit code 101"),
        "{ran}"
    );

    let lib = dir.path().join("src/lib.rs");
    let fixed = std::fs::read_to_string(&lib)
        .unwrap()
        .replace("1, 1), 3", "1, 2), 3");
    std::fs::write(&lib, fixed).unwrap();
    let (code, report) = gate_json(dir.path(), home.path());
    assert_eq!(code, Some(0), "{report:#}");

    std::fs::write(&lib, "pub fn broken() -> i32 { \"no\" }\n").unwrap();
    let (code, report) = gate_json(dir.path(), home.path());
    assert_eq!(code, Some(1), "{report:#}");
    let compile = findings_of(&report)
        .into_iter()
        .find(|f| f["rule"] == "tests/compile-error")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(
        (compile["file"].as_str(), compile["line"].as_u64()),
        (Some("src/lib.rs"), Some(1))
    );
}

#[test]
fn an_ungranted_test_command_is_refused_and_fails_the_gate() {
    let home = tempfile::tempdir().unwrap();
    let dir = failing_crate();
    // The project asks for `cargo build` but grants only `cargo test`.
    let config = dir.path().join(".cchost/config.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(r#"["cargo", "test", "--quiet"]"#, r#"["cargo", "build"]"#);
    std::fs::write(&config, text).unwrap();
    let (code, report) = gate_json(dir.path(), home.path());
    assert_eq!(code, Some(1), "{report:#}");
    let rules: Vec<String> = findings_of(&report)
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        rules.iter().any(|r| r == "tests/not-run") && rules.iter().any(|r| r == "exec/denied"),
        "{report:#}"
    );
    assert!(
        !dir.path().join("target").exists(),
        "cargo build must not have run"
    );
}

/// The hostile gate trying `argv` in a project that grants `grant`.
fn hostile_exec(argv: &str, grant: &str) -> (tempfile::TempDir, Option<i32>, Vec<Value>) {
    let home = tempfile::tempdir().unwrap();
    let dir = project(&format!(
        r#"
[checkpoints.ci]
gates = ["hostile"]

[plugins.hostile]
path = "{wasm}"
settings = {{ mode = "exec", argv = {argv} }}
grant = {{ exec = {grant}, env = ["PATH"] }}
"#,
        wasm = plugin_file("hostile-gate").display()
    ));
    let (code, report) = gate_json(dir.path(), home.path());
    let found = findings_of(&report);
    (dir, code, found)
}

#[test]
fn a_gate_runs_nothing_outside_its_grant_and_every_attempt_is_reported() {
    let cases = [
        // No grant at all.
        (r#"["touch", "pwned"]"#, "[]", "no `exec` grant"),
        // Granted `true`; tries another program, and `true` smuggling a shell.
        (
            r#"["touch", "pwned"]"#,
            r#"[["true"]]"#,
            "may run only commands starting with `true`",
        ),
        (
            r#"["sh", "-c", "touch pwned"]"#,
            r#"[["true"]]"#,
            "may run only",
        ),
        // Granted `touch`, which the gate's manifest never declared: not given.
        (r#"["touch", "pwned"]"#, r#"[["touch"]]"#, "no `exec` grant"),
    ];
    for (argv, grant, why) in cases {
        let (dir, code, found) = hostile_exec(argv, grant);
        assert_eq!(code, Some(1), "{argv} with {grant}: {found:#?}");
        let denied = found
            .iter()
            .find(|f| f["rule"] == "exec/denied")
            .unwrap_or_else(|| panic!("{argv} with {grant}: {found:#?}"));
        assert_eq!(denied["severity"], "error");
        assert!(
            denied["message"].as_str().unwrap().contains(why),
            "{denied}"
        );
        // The gate itself saw a refusal, not a crash.
        let own = found.iter().find(|f| f["rule"] == "exec").unwrap();
        assert!(own["message"].as_str().unwrap().starts_with("ERR"), "{own}");
        assert!(!dir.path().join("pwned").exists(), "{argv} ran");
    }

    let (_dir, code, found) = hostile_exec(r#"["true"]"#, r#"[["true"]]"#);
    assert_eq!(code, Some(0), "{found:#?}");
    assert!(
        found
            .iter()
            .any(|f| f["rule"] == "exec/run" && f["severity"] == "info")
    );
}

/// A Python project with a failing test at `tests/test_calc.py:8`, judged by the `tests` gate
/// running the test venv's real pytest; `junit` also has it write and read a JUnit report.
fn pytest_project(junit: bool) -> tempfile::TempDir {
    let python = crate::servers::python();
    let python = python.display();
    let (args, junit_setting) = if junit {
        (
            r#", "--junitxml=build/report.xml""#,
            r#"junit = "build/report.xml""#,
        )
    } else {
        ("", "")
    };
    let dir = project(&format!(
        r#"
[checkpoints.ci]
gates = ["tests"]

[plugins.tests.settings]
command = ["{python}", "-m", "pytest", "-p", "no:cacheprovider"{args}]
{junit_setting}

[plugins.tests.grant]
exec = [["{python}", "-m", "pytest"]]
env = ["PATH"]
"#
    ));
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(
        dir.path().join("tests/test_calc.py"),
        "def add(a, b):\n    return a + b\n\ndef test_adds():\n    assert add(1, 2) == 3\n\n\
         def test_fails():\n    assert add(1, 1) == 3\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_failing_pytest_is_a_finding_at_its_line_from_text_or_junit() {
    let home = tempfile::tempdir().unwrap();
    for junit in [false, true] {
        let dir = pytest_project(junit);
        let (code, report) = gate_json(dir.path(), home.path());
        assert_eq!(code, Some(1), "junit {junit}: {report:#}");
        let failed: Vec<Value> = findings_of(&report)
            .into_iter()
            .filter(|f| f["rule"] == "tests/failed")
            .collect();
        assert_eq!(failed.len(), 1, "junit {junit}: {report:#}");
        assert_eq!(failed[0]["file"], "tests/test_calc.py");
        assert_eq!(failed[0]["line"], 8);
        assert!(
            failed[0]["message"]
                .as_str()
                .unwrap()
                .contains("assert 2 == 3"),
            "{}",
            failed[0]
        );
        if junit {
            // A report left from this run is read; one from an earlier run is refused.
            let stale = dir.path().join("build/report.xml");
            assert!(stale.exists());
            let config = dir.path().join(".cchost/config.toml");
            let text = std::fs::read_to_string(&config)
                .unwrap()
                .replace(r#", "--junitxml=build/report.xml""#, "");
            std::fs::write(&config, text).unwrap();
            let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
            std::fs::File::options()
                .write(true)
                .open(&stale)
                .unwrap()
                .set_modified(old)
                .unwrap();
            let output = cchost_with_env(
                dir.path(),
                &["gate", "ci", "--all", "--format", "json", "--trust-project"],
                home.path(),
                &[("PATH", &std::env::var("PATH").unwrap())],
            );
            assert_eq!(output.status.code(), Some(1), "{output:?}");
            let error = stdout_json(&output)["checkpoints"][0]["gates"][0]["error"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            assert!(error.contains("older than this run"), "{error}");
        }
    }
}
