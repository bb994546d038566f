//! `cchost gate` as a process on temporary git repositories, with a real gate component
//! (`tests/plugins/hostile-gate`) judging real files, and the same gate attacking its sandbox.

use std::path::Path;

use crate::common::{
    cchost_in, cchost_with_env, committed_project, git, plugin_file, stdout_json, toolchain_env,
};

/// A committed project whose `post-implementation` checkpoint runs the test gate in `mode`.
fn repo(mode: &str, extra_settings: &str) -> tempfile::TempDir {
    committed_project(&format!(
        r#"
[checkpoints.post-implementation]
gates = ["fixme"]

[plugins.fixme]
path = "{wasm}"
settings = {{ mode = "{mode}"{extra_settings} }}
"#,
        wasm = plugin_file("hostile-gate").display()
    ))
}

#[test]
fn changed_files_are_judged_and_findings_point_at_their_line() {
    let home = tempfile::tempdir().unwrap();
    let dir = repo("fixme", "");
    let root = dir.path();

    let clean = cchost_in(root, &["gate"], home.path());
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    assert!(String::from_utf8_lossy(&clean.stdout).contains("PASS (0 files in scope)"));

    std::fs::write(
        root.join("new.rs"),
        "fn new() {}\nlet x = 1; // FIXME later\n",
    )
    .unwrap();
    let output = cchost_in(root, &["gate", "post-implementation"], home.path());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("new.rs:2:15: error [fixme/test/fixme]"),
        "{table}"
    );
    assert!(
        !table.contains("old.rs"),
        "only changes are judged by default: {table}"
    );

    let output = cchost_in(root, &["gate", "--all", "--format", "json"], home.path());
    assert_eq!(output.status.code(), Some(1));
    let report = stdout_json(&output);
    assert_eq!(report["status"], "fail");
    let findings = report["checkpoints"][0]["gates"][0]["findings"]
        .as_array()
        .unwrap();
    let mut places: Vec<_> = findings
        .iter()
        .map(|f| format!("{}:{}", f["file"].as_str().unwrap(), f["line"]))
        .collect();
    places.sort();
    assert_eq!(places, ["new.rs:2", "old.rs:2"]);

    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "new"]);
    let output = cchost_in(
        root,
        &["gate", "--base", "HEAD~1", "--format", "sarif"],
        home.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let sarif = stdout_json(&output);
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "new.rs"
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );

    let report = root.join("junit.xml");
    let output = cchost_in(
        root,
        &[
            "gate",
            "--all",
            "--format",
            "junit",
            "--output",
            report.to_str().unwrap(),
        ],
        home.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(
        xml.contains("<testsuite name=\"post-implementation\" tests=\"1\" failures=\"1\""),
        "{xml}"
    );

    let output = cchost_with_env(
        root,
        &["gate", "--all"],
        home.path(),
        &[("GITHUB_ACTIONS", "true")],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("::error title=fixme/test/fixme,file=new.rs,line=2,col=15::"),
        "{stdout}"
    );
}

#[test]
fn a_gate_can_read_the_project_but_not_write_it_nor_read_outside() {
    let home = tempfile::tempdir().unwrap();
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(outside.path(), "secret").unwrap();

    let dir = repo("write", "");
    let output = cchost_in(
        dir.path(),
        &["gate", "--all", "--format", "json"],
        home.path(),
    );
    let message =
        stdout_json(&output)["checkpoints"][0]["gates"][0]["findings"][0]["message"].clone();
    assert!(message.as_str().unwrap().starts_with("ERR"), "{message}");
    assert!(!dir.path().join("pwned.txt").exists());

    let dir = repo(
        "read-outside",
        &format!(", path = \"{}\"", outside.path().display()),
    );
    let output = cchost_in(
        dir.path(),
        &["gate", "--all", "--format", "json"],
        home.path(),
    );
    let message =
        stdout_json(&output)["checkpoints"][0]["gates"][0]["findings"][0]["message"].clone();
    assert!(message.as_str().unwrap().starts_with("ERR"), "{message}");
}

#[test]
fn a_crashing_or_looping_gate_fails_its_checkpoint_with_the_cause() {
    let home = tempfile::tempdir().unwrap();
    for (mode, cause) in [
        ("panic", "panicked"),
        ("loop", "timed out"),
        ("error", "reported an error"),
    ] {
        let dir = repo(mode, "");
        let output = cchost_in(
            dir.path(),
            &["gate", "--all", "--format", "json"],
            home.path(),
        );
        assert_eq!(output.status.code(), Some(1), "{mode}: {output:?}");
        let gate = &stdout_json(&output)["checkpoints"][0]["gates"][0];
        assert_eq!(gate["status"], "fail", "{mode}");
        let error = gate["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(cause) && error.contains("fixme"),
            "{mode}: {error}"
        );
    }
}

#[test]
fn configuration_mistakes_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let dir = repo("fixme", "");
    let output = cchost_in(dir.path(), &["gate", "pre-implementation"], home.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("configured: post-implementation"));
    let output = cchost_in(dir.path(), &["gate", "--base", "nope"], home.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`nope` is not a revision"));

    let empty = tempfile::tempdir().unwrap();
    let output = cchost_in(empty.path(), &["gate"], home.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no checkpoints are configured"));
}

#[test]
fn the_built_in_syntax_gate_finds_a_broken_file_at_its_line() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".cchost")).unwrap();
    std::fs::write(
        root.join(".cchost/config.toml"),
        "[checkpoints.post-implementation]\ngates = [\"syntax\", \"diff-policy\"]\n",
    )
    .unwrap();
    std::fs::write(root.join("good.rs"), "fn main() {}\n").unwrap();
    std::fs::write(root.join("data.json"), "{\"a\": 1}\n").unwrap();
    let clean = cchost_in(root, &["gate", "--all"], home.path());
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");

    std::fs::write(root.join("broken.rs"), "fn main() {\n    let x = ;\n}\n").unwrap();
    std::fs::write(root.join("bad.json"), "{\n  \"a\": 1,\n}\n").unwrap();
    let output = cchost_in(root, &["gate", "--all", "--format", "json"], home.path());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = stdout_json(&output);
    let syntax = &report["checkpoints"][0]["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["gate"] == "syntax")
        .unwrap()["findings"];
    let places: Vec<String> = syntax
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        places.contains(&"broken.rs:2 syntax/rust".to_string()),
        "{places:?}"
    );
    assert!(
        places.contains(&"bad.json:3 syntax/json".to_string()),
        "{places:?}"
    );
}

/// `examples/ci` as shipped passes every gate, its `cargo test` included; copying its broken Rust
/// file into `src/` makes `cchost gate --all` fail with a finding at that file and line.
#[test]
fn the_ci_example_passes_until_a_broken_file_is_copied_in() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ci");
    copy_tree(&example, root);
    let env = toolchain_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let gate = |args: &[&str]| {
        let mut args = args.to_vec();
        args.push("--trust-project");
        cchost_with_env(root, &args, home.path(), &env)
    };

    let clean = gate(&["gate", "--all", "--format", "json"]);
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    let report = stdout_json(&clean);
    let gates: Vec<&str> = report["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|checkpoint| checkpoint["gates"].as_array().unwrap())
        .map(|g| g["gate"].as_str().unwrap())
        .collect();
    assert_eq!(
        gates,
        // Checkpoints in name order: post-implementation, pre-merge.
        ["tests", "syntax", "json-schema", "diff-policy"],
        "{report}"
    );

    std::fs::copy(
        root.join("broken/syntax-error.rs.txt"),
        root.join("src/syntax-error.rs"),
    )
    .unwrap();
    let broken = gate(&["gate", "--all"]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    let table = String::from_utf8_lossy(&broken.stdout);
    assert!(table.contains("src/syntax-error.rs:4"), "{table}");
    assert!(table.contains("syntax/rust"), "{table}");
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
