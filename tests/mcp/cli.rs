//! `cchost mcp list | tools | call` as a process, on a project whose `.mcp.json` and
//! `.cchost/config.toml` name real servers.

use std::{path::Path, process::Command};

use serde_json::Value;

use crate::servers;

fn cchost(project: &Path, args: &[&str]) -> (i32, String, String) {
    let home = project.join("home");
    let output = Command::new(env!("CARGO_BIN_EXE_cchost"))
        .args(args)
        .current_dir(project)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("CCHOST_LOG")
        .output()
        .expect("run cchost");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A project with the Python server in `.mcp.json` (Claude Code's format) and server-everything
/// plus a broken server in cchost's own configuration.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let python = servers::python();
    let script = servers::python_server();
    let mcp_json = serde_json::json!({"mcpServers": {
        "py": {"command": python, "args": [script]}
    }});
    std::fs::write(dir.path().join(".mcp.json"), mcp_json.to_string()).unwrap();
    std::fs::create_dir(dir.path().join(".cchost")).unwrap();
    let everything = servers::npm_bin("mcp-server-everything");
    std::fs::write(
        dir.path().join(".cchost/config.toml"),
        format!(
            "[mcp.servers.everything]\ncommand = {:?}\n\n[mcp.servers.broken]\ncommand = \"no-such-server-here\"\n",
            everything.display().to_string()
        ),
    )
    .unwrap();
    dir
}

#[test]
fn list_tools_and_call_through_the_cli() {
    let project = project();
    let dir = project.path();

    let (code, stdout, stderr) = cchost(dir, &["--trust-project", "mcp", "list", "--json"]);
    assert_eq!(code, 1, "a failed server makes `list` exit 1: {stderr}");
    let servers: Value = serde_json::from_str(&stdout).unwrap();
    let state = |name: &str| {
        let server = servers
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap();
        server["state"]["state"].as_str().unwrap().to_string()
    };
    assert_eq!(state("py"), "connected", "{stdout}");
    assert_eq!(state("everything"), "connected", "{stdout}");
    assert_eq!(state("broken"), "failed", "{stdout}");
    assert!(stdout.contains("no-such-server-here"), "{stdout}");

    let (code, stdout, _) = cchost(dir, &["--trust-project", "mcp", "tools", "py"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("mcp__py__echo") && stdout.contains("mcp__py__add"),
        "{stdout}"
    );

    let (code, stdout, stderr) = cchost(
        dir,
        &[
            "--trust-project",
            "mcp",
            "call",
            "py",
            "add",
            "--args",
            r#"{"a": 40, "b": 2}"#,
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let result: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(result["content"][0]["text"], "42", "{stdout}");

    let (code, stdout, _) = cchost(
        dir,
        &[
            "--trust-project",
            "mcp",
            "call",
            "everything",
            "get-tiny-image",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        stdout.contains("[image: image/png"),
        "non-text content is summarised: {stdout}"
    );

    let (code, _, stderr) = cchost(
        dir,
        &[
            "--trust-project",
            "mcp",
            "call",
            "py",
            "add",
            "--args",
            "[1]",
        ],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("--args must be a JSON object"), "{stderr}");
    let (code, _, stderr) = cchost(dir, &["--trust-project", "mcp", "tools", "nope"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("`nope` is not configured"), "{stderr}");
}

#[test]
fn an_untrusted_project_starts_no_servers() {
    let project = project();
    let (code, stdout, stderr) = cchost(project.path(), &["mcp", "list", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        "[]",
        "untrusted .mcp.json and [mcp] are ignored: {stdout}"
    );
    assert!(
        stderr.contains("cchost trust"),
        "the warning says how to trust: {stderr}"
    );
}
