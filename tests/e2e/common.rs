//! Shared helpers: where the built plugins are, registries over them, and running `cchost`.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use cchost::{
    plugins::{
        PluginRegistry, PluginSource, PluginSpec, builtin::PLUGIN_BUILD_DIR, grants::Capabilities,
        grants::PathContext, manifest::LimitSettings,
    },
    runtime::{Allocation, ComponentCache},
};
use serde_json::{Value, json};

/// The component file of a plugin built by `host/build.rs`.
pub fn plugin_file(name: &str) -> PathBuf {
    Path::new(PLUGIN_BUILD_DIR).join(format!("{}.wasm", name.replace('-', "_")))
}

/// A cache shared by all tests of this run, so each component is compiled once.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cchost-cache")
}

/// A spec for a plugin file with the given grant, limits and settings.
pub fn spec(
    name: &str,
    file: &str,
    grant: Capabilities,
    limits: LimitSettings,
    settings: Value,
) -> PluginSpec {
    let Value::Object(settings) = settings else {
        panic!("settings must be an object");
    };
    PluginSpec {
        name: name.to_string(),
        source: PluginSource::File(plugin_file(file)),
        grant,
        limits,
        settings,
    }
}

pub fn registry(specs: Vec<PluginSpec>, project: Option<&Path>) -> PluginRegistry {
    PluginRegistry::new(
        Allocation::OnDemand,
        ComponentCache::at(cache_dir()),
        specs,
        PathContext::from_env(project.map(Path::to_path_buf)),
    )
    .expect("create registry")
}

/// Runs `cchost <args>` with `stdin`, a private cache and no user configuration.
pub fn cchost(args: &[&str], stdin: &str, home: &Path) -> Output {
    cchost_with_cache(args, stdin, home, &cache_dir().join("xdg"))
}

/// [`cchost`] with its own `$XDG_CACHE_HOME`, for tests that need a cache nobody filled.
pub fn cchost_with_cache(args: &[&str], stdin: &str, home: &Path, xdg_cache: &Path) -> Output {
    run_with_stdin(
        env!("CARGO_BIN_EXE_cchost"),
        args,
        stdin,
        home,
        xdg_cache,
        &[],
    )
}

/// Runs `exe <args>` on `stdin` with a private home, `$XDG_CACHE_HOME` and no user
/// configuration, plus `envs`.
pub fn run_with_stdin(
    exe: &str,
    args: &[&str],
    stdin: &str,
    home: &Path,
    xdg_cache: &Path,
    envs: &[(&str, &str)],
) -> Output {
    let mut child = Command::new(exe)
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", xdg_cache)
        .env_remove("CCHOST_LOG")
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {exe}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait for {exe}: {e}"))
}

/// A Claude Code PreToolUse payload for a Bash command run in `cwd`.
pub fn bash_payload(cwd: &Path, command: &str) -> String {
    json!({
        "session_id": "e2e",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": cwd,
        "hook_event_name": "PreToolUse",
        "permission_mode": "default",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_use_id": "toolu_1"
    })
    .to_string()
}

/// stdout parsed as JSON (`Value::Null` when empty).
pub fn stdout_json(output: &Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    if text.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {text}"))
}

/// A temporary project whose `.cchost/config.toml` is `config`.
pub fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".cchost")).unwrap();
    std::fs::write(dir.path().join(".cchost/config.toml"), config).unwrap();
    dir
}

/// Runs `cchost <args>` in `cwd` with a private home, cache and no user configuration.
pub fn cchost_in(cwd: &Path, args: &[&str], home: &Path) -> Output {
    cchost_with_env(cwd, args, home, &[])
}

/// [`cchost_in`] with extra environment variables.
pub fn cchost_with_env(cwd: &Path, args: &[&str], home: &Path, envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cchost"))
        .args(args)
        .current_dir(cwd)
        .env_remove("GITHUB_ACTIONS")
        .envs(envs.iter().copied())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", cache_dir().join("xdg"))
        .env_remove("CCHOST_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("run cchost")
}

/// The environment a `cargo test` needs to find its toolchain, for the tests' private HOME.
pub fn toolchain_env() -> Vec<(&'static str, String)> {
    let home = std::path::PathBuf::from(std::env::var("HOME").expect("HOME"));
    let var_or = |name: &str, default: PathBuf| {
        std::env::var(name).unwrap_or_else(|_| default.display().to_string())
    };
    let mut env = vec![
        ("PATH", std::env::var("PATH").expect("PATH")),
        ("CARGO_HOME", var_or("CARGO_HOME", home.join(".cargo"))),
        ("RUSTUP_HOME", var_or("RUSTUP_HOME", home.join(".rustup"))),
    ];
    if let Ok(toolchain) = std::env::var("RUSTUP_TOOLCHAIN") {
        env.push(("RUSTUP_TOOLCHAIN", toolchain));
    }
    env
}

/// Runs `git` in `dir` with a fixed author, asserting it succeeds.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// A git repository with one commit: `.cchost/config.toml` = `config` and `old.rs`, whose line 2
/// holds a FIXME committed long ago (so judging changes since `HEAD` does not see it).
pub fn committed_project(config: &str) -> tempfile::TempDir {
    let dir = project(config);
    std::fs::write(
        dir.path().join("old.rs"),
        "fn old() {}\n// FIXME: committed long ago\n",
    )
    .unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "base"]);
    dir
}
