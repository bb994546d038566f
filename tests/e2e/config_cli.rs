//! `cchost config` and `cchost trust` as processes, and trust deciding what a real plugin may
//! read through `cchost hook`.

use serde_json::Value;

use crate::common::{bash_payload, cchost, cchost_in, plugin_file, project, stdout_json};

/// A project whose hostile hook reports `$HOME`, which the project grants it.
fn env_reading_project() -> tempfile::TempDir {
    project(&format!(
        r#"
[[hooks.PreToolUse]]
plugin = "hostile"

[plugins.hostile]
path = "{wasm}"
settings = {{ mode = "env", name = "HOME" }}
grant = {{ env = ["HOME"] }}
"#,
        wasm = plugin_file("hostile").display()
    ))
}

fn system_message(output: &std::process::Output) -> String {
    stdout_json(output)["systemMessage"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_project_grant_applies_only_once_the_project_is_trusted() {
    let home = tempfile::tempdir().unwrap();
    let dir = env_reading_project();
    let payload = bash_payload(dir.path(), "ls");

    let output = cchost(&["hook"], &payload, home.path());
    assert!(system_message(&output).starts_with("ERR"), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not trusted") && stderr.contains("cchost trust"),
        "{stderr}"
    );

    let output = cchost(&["--trust-project", "hook"], &payload, home.path());
    assert_eq!(
        system_message(&output),
        format!("OK {}", home.path().display())
    );

    let trust = cchost_in(dir.path(), &["trust"], home.path());
    assert!(trust.status.success(), "{trust:?}");
    let global = std::fs::read_to_string(home.path().join(".config/cchost/config.toml")).unwrap();
    assert!(
        global.contains(dir.path().canonicalize().unwrap().to_str().unwrap()),
        "{global}"
    );
    let output = cchost(&["hook"], &payload, home.path());
    assert_eq!(
        system_message(&output),
        format!("OK {}", home.path().display())
    );

    let path = cchost_in(dir.path(), &["config", "path", "--json"], home.path());
    assert_eq!(stdout_json(&path)["project_trusted"], Value::Bool(true));

    let untrust = cchost_in(dir.path(), &["trust", "--remove"], home.path());
    assert!(untrust.status.success());
    let output = cchost(&["hook"], &payload, home.path());
    assert!(system_message(&output).starts_with("ERR"), "{output:?}");
}

#[test]
fn config_check_reports_errors_with_file_and_line_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    let dir = project("[session]\ndurability = \"sometimes\"\n");
    let output = cchost_in(dir.path(), &["config", "check"], home.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(".cchost/config.toml:2:14"), "{stderr}");
    assert!(stderr.contains("unknown value `sometimes`"), "{stderr}");

    let output = cchost_in(dir.path(), &["config", "check", "--json"], home.path());
    assert_eq!(output.status.code(), Some(2));
    let report = stdout_json(&output);
    assert_eq!(report["ok"], Value::Bool(false));
    assert_eq!(report["errors"][0]["origin"]["line"], 2);

    let good = project("[session]\ndurability = \"always\"\n");
    let output = cchost_in(good.path(), &["config", "check"], home.path());
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn config_show_tells_where_each_value_came_from() {
    let home = tempfile::tempdir().unwrap();
    let dir = project("[session]\nbatch_records = 10\n");
    let output = cchost_in(
        dir.path(),
        &[
            "-c",
            "session.durability=\"none\"",
            "config",
            "show",
            "--origin",
            "--json",
            "session",
        ],
        home.path(),
    );
    assert!(output.status.success(), "{output:?}");
    let leaves = stdout_json(&output);
    let find = |key: &str| {
        leaves
            .as_array()
            .unwrap()
            .iter()
            .find(|leaf| leaf["key"] == key)
            .unwrap_or_else(|| panic!("{key} in {leaves}"))
            .clone()
    };
    assert_eq!(find("session.batch_records")["origin"]["tier"], "project");
    assert_eq!(find("session.batch_records")["origin"]["line"], 2);
    assert_eq!(find("session.durability")["value"], "none");
    assert_eq!(find("session.durability")["origin"]["tier"], "command line");
    assert_eq!(
        find("session.batch_interval_ms")["origin"]["tier"],
        "default"
    );

    let output = cchost_in(
        dir.path(),
        &["config", "show", "session.batch_records"],
        home.path(),
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "10\n");
    let output = cchost_in(dir.path(), &["config", "show", "session.nope"], home.path());
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_broken_config_makes_permission_hooks_fail_closed() {
    let home = tempfile::tempdir().unwrap();
    let dir = project("[[hooks.PreToolUse]]\nplugin = \"guard-commands\"\nmatchr = \"Bash\"\n");
    let output = cchost(&["hook"], &bash_payload(dir.path(), "ls"), home.path());
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `matcher`?"), "{stderr}");
}
