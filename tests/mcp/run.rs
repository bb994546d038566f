//! `cchost run` as a process on real projects: waves of the `mcp-agent` test component calling
//! the Python MCP server, a failing agent that does not stop the others, retries, fail-fast,
//! a checkpoint gate that stops the run, Ctrl-C, and the story in the session log.

use std::{
    ops::ControlFlow,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use cchost::{
    plugins::builtin::PLUGIN_BUILD_DIR,
    session::{Entry, SessionReader},
};
use serde_json::Value;

use crate::servers;

/// A trusted-for-this-run project whose configuration is the common part plus `workflow`.
fn project(workflow: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".cchost")).unwrap();
    let plugins = Path::new(PLUGIN_BUILD_DIR);
    let config = format!(
        r#"
[plugins.mcp-agent]
path = {agent:?}
grant = {{ mcp = ["py"] }}

[plugins.fixme-gate]
path = {gate:?}

[mcp.servers.py]
command = {python:?}
args = [{script:?}]

[checkpoints.no-fixme]
gates = ["fixme-gate"]

{workflow}
"#,
        agent = plugins.join("mcp_agent.wasm").display().to_string(),
        gate = plugins.join("hostile_gate.wasm").display().to_string(),
        python = servers::python().display().to_string(),
        script = servers::python_server().display().to_string(),
    );
    std::fs::write(dir.path().join(".cchost/config.toml"), config).unwrap();
    dir
}

fn command(project: &Path, args: &[&str]) -> Command {
    let home = project.join("home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cchost"));
    command
        .arg("--trust-project")
        .args(args)
        .current_dir(project)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env(
            "XDG_CACHE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-cache"),
        )
        .env_remove("CCHOST_LOG");
    command
}

fn run_json(project: &Path) -> (Output, Value) {
    let output = command(project, &["run", "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output, report)
}

fn agent<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["waves"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|w| w["agents"].as_array().unwrap())
        .find(|a| a["agent"] == name)
        .unwrap_or_else(|| panic!("no agent {name} in {report}"))
}

/// `(kind, agent)` of every record of the run's session.
fn session_story(report: &Value) -> Vec<(String, Option<String>, Value)> {
    let mut story = Vec::new();
    let path = PathBuf::from(report["session_file"].as_str().unwrap());
    SessionReader::open(&path)
        .unwrap()
        .for_each(|entry| {
            if let Entry::Record(record, _) = entry {
                story.push((
                    record.kind.to_string(),
                    record.agent.as_deref().map(str::to_string),
                    record.data_as::<Value>().unwrap(),
                ));
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    story
}

const CALL_ECHO: &str = r#"{ calls = [{ server = "py", tool = "echo", args = { text = "hi" } }] }"#;

#[test]
fn waves_run_in_order_a_failing_agent_does_not_stop_the_others_and_the_session_tells_it() {
    let workflow = format!(
        r#"
[workflow]
name = "story"

[workflow.agents.echo]
plugin = "mcp-agent"
parameters = {CALL_ECHO}

[workflow.agents.sleepy]
plugin = "mcp-agent"
parameters = {{ calls = [{{ server = "py", tool = "slow", args = {{ ms = 20000 }} }}] }}
limits = {{ timeout_ms = 1500 }}

[workflow.agents.nosy]
plugin = "mcp-agent"
parameters = {{ calls = [{{ server = "elsewhere", tool = "x", args = {{}} }}] }}

[workflow.agents.after]
plugin = "mcp-agent"
parameters = {CALL_ECHO}

[[workflow.waves]]
name = "first"
agents = ["echo", "sleepy", "nosy"]
retries = 1

[[workflow.waves]]
name = "second"
agents = ["after"]
"#
    );
    let project = project(&workflow);
    let (output, report) = run_json(project.path());
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failed agent fails the run: {report}"
    );
    assert_eq!(agent(&report, "echo")["status"], "passed");
    assert_eq!(
        agent(&report, "echo")["data"]["calls"][0]["text"],
        "Echo: hi"
    );
    assert_eq!(agent(&report, "echo")["tool_calls"], 1);
    let sleepy = agent(&report, "sleepy");
    assert_eq!(sleepy["status"], "failed", "{report}");
    assert!(
        sleepy["cause"].as_str().unwrap().contains("1500 ms"),
        "{sleepy}"
    );
    assert_eq!(sleepy["attempts"], 2, "retries = 1 runs it twice: {sleepy}");
    assert_eq!(agent(&report, "nosy")["denials"], 1);
    // `continue` (the default policy) goes on to the next wave.
    assert_eq!(agent(&report, "after")["status"], "passed");

    let story = session_story(&report);
    let kinds: Vec<&str> = story.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"workflow-start"));
    assert_eq!(kinds.last(), Some(&"workflow-end"));
    let first_after = story
        .iter()
        .position(|(k, a, _)| k == "agent-start" && a.as_deref() == Some("after"));
    let last_first_wave_end = story
        .iter()
        .rposition(|(k, a, _)| k == "agent-end" && a.as_deref() != Some("after"));
    assert!(
        first_after > last_first_wave_end,
        "wave 2 starts after wave 1 ended: {kinds:?}"
    );
    let sleepy_ends: Vec<&Value> = story
        .iter()
        .filter(|(k, a, _)| k == "agent-end" && a.as_deref() == Some("sleepy"))
        .map(|(_, _, d)| d)
        .collect();
    assert_eq!(sleepy_ends.len(), 2);
    assert!(
        sleepy_ends[1]["cause"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{sleepy_ends:?}"
    );
    let refused = story
        .iter()
        .find(|(k, a, _)| k == "tool-call" && a.as_deref() == Some("nosy"))
        .unwrap();
    assert_eq!(refused.2["outcome"], "refused");
}

#[test]
fn fail_fast_cancels_the_wave_and_skips_the_rest() {
    let workflow = format!(
        r#"
[workflow.agents.broken]
plugin = "mcp-agent"
parameters = "not used"
[workflow.agents.slow]
plugin = "mcp-agent"
parameters = {{ calls = [{{ server = "py", tool = "slow", args = {{ ms = 30000 }} }}] }}
[workflow.agents.later]
plugin = "mcp-agent"
parameters = {CALL_ECHO}

[[workflow.waves]]
agents = ["broken", "slow"]
policy = "fail_fast"
[[workflow.waves]]
agents = ["later"]
"#
    )
    .replace(
        "parameters = \"not used\"",
        "task = \"fail\"\nlimits = { memory_mib = 1 }",
    );
    let project = project(&workflow);
    let started = Instant::now();
    let (output, report) = run_json(project.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(agent(&report, "broken")["status"], "failed", "{report}");
    assert_eq!(agent(&report, "slow")["status"], "cancelled", "{report}");
    assert_eq!(agent(&report, "later")["status"], "skipped", "{report}");
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the slow agent was not waited for"
    );
}

#[test]
fn a_failing_checkpoint_stops_the_run() {
    let workflow = format!(
        r#"
[workflow.agents.first]
plugin = "mcp-agent"
parameters = {CALL_ECHO}
[workflow.agents.second]
plugin = "mcp-agent"
parameters = {CALL_ECHO}

[[workflow.waves]]
agents = ["first"]
checkpoint = "no-fixme"
[[workflow.waves]]
agents = ["second"]
"#
    );
    let project = project(&workflow);
    std::fs::write(project.path().join("notes.txt"), "ok\nFIXME: finish this\n").unwrap();
    let (output, report) = run_json(project.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(agent(&report, "first")["status"], "passed");
    let checkpoint = &report["waves"][0]["checkpoint"];
    assert_eq!(checkpoint["status"], "fail", "{report}");
    let finding = &checkpoint["gates"][0]["findings"][0];
    assert_eq!(finding["file"], "notes.txt");
    assert_eq!(finding["line"], 2);
    assert_eq!(agent(&report, "second")["status"], "skipped");
    let story = session_story(&report);
    assert!(
        story
            .iter()
            .any(|(k, _, d)| k == "gate" && d["status"] == "fail")
    );

    // Without the FIXME the same workflow passes, and the table says so.
    std::fs::write(project.path().join("notes.txt"), "ok\n").unwrap();
    let output = command(project.path(), &["run"]).output().unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{table}");
    assert!(
        table.contains("checkpoint no-fixme after wave wave-1: pass"),
        "{table}"
    );
    assert!(table.contains("passed in"), "{table}");
}

#[test]
fn ctrl_c_stops_the_agents_records_the_interruption_and_exits_130() {
    let workflow = r#"
[workflow.agents.sleeper]
plugin = "mcp-agent"
parameters = { calls = [{ server = "py", tool = "slow", args = { ms = 60000 } }] }
[[workflow.waves]]
agents = ["sleeper"]
"#;
    let project = project(workflow);
    let child = command(project.path(), &["run", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the agent has started, then give it time to be inside its tool call.
    let sessions = project.path().join(".cchost/sessions");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let started = std::fs::read_dir(&sessions)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .is_some_and(|text| text.contains("agent-start"));
        if started {
            break;
        }
        assert!(Instant::now() < deadline, "the agent never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["interrupted"], true);
    assert_eq!(agent(&report, "sleeper")["status"], "cancelled");
    let story = session_story(&report);
    let kinds: Vec<&str> = story.iter().map(|(k, _, _)| k.as_str()).collect();
    assert!(
        kinds.ends_with(&["interrupted", "workflow-end"]),
        "{kinds:?}"
    );
}

#[test]
fn configuration_errors_name_the_file_line_and_agent() {
    let project = project(
        r#"
[workflow.agents.lonely]
plugin = "no-such-agent-plugin"
[workflow.agents.protect-paths]
plugin = "mcp-agent"
[[workflow.waves]]
agents = ["lonely", "ghost", "protect-paths"]
"#,
    );
    let output = command(project.path(), &["run"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("agent `lonely`: plugin `no-such-agent-plugin`"),
        "{stderr}"
    );
    assert!(stderr.contains("agent `ghost` is not defined"), "{stderr}");
    assert!(stderr.contains("config.toml:"), "{stderr}");
    assert!(
        stderr.contains("agent `protect-paths` has the name of another plugin"),
        "{stderr}"
    );
}

/// The llm-agent against a scripted Messages API gateway: it offers the granted tools, runs the
/// one the model asks for through MCP, returns the result, and finishes on `end_turn`.
#[test]
fn llm_agent_runs_a_tool_use_loop_over_the_configured_model() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let script = servers::dir().join("fake_anthropic.py");
    let gateway = servers::HttpServer::start(
        &servers::python(),
        &[script.to_str().unwrap(), log.path().to_str().unwrap()],
        false,
    );
    let port = gateway.port;
    let workflow = format!(
        r#"
[model]
model = "claude-test"
api_key_env = "CCHOST_TEST_MODEL_KEY"
base_url = "http://127.0.0.1:{port}"

[workflow.agents.thinker]
plugin = "llm-agent"
task = "What is 2 + 3? Use the tools."
grant = {{ mcp = ["py"], model = true }}

[workflow.agents.ungranted]
plugin = "llm-agent"
task = "Try without the model grant."
grant = {{ mcp = ["py"] }}

[[workflow.waves]]
agents = ["thinker", "ungranted"]
"#
    );
    let project = project(&workflow);
    let output = command(project.path(), &["run", "--json"])
        .env("CCHOST_TEST_MODEL_KEY", "test-key")
        .output()
        .unwrap();
    drop(gateway);
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let thinker = agent(&report, "thinker");
    assert_eq!(thinker["status"], "passed", "{report}");
    assert_eq!(thinker["data"]["text"], "The answer is 5.", "{thinker}");
    assert_eq!(thinker["data"]["turns"], 2);
    assert_eq!(thinker["tool_calls"], 1);
    let ungranted = agent(&report, "ungranted");
    assert_eq!(ungranted["status"], "failed", "{report}");
    assert!(
        ungranted["cause"]
            .as_str()
            .unwrap()
            .contains("no `model` grant"),
        "{ungranted}"
    );

    let requests: Vec<Value> = std::fs::read_to_string(log.path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0]["headers"]["x-api-key"], "test-key");
    assert_eq!(requests[0]["headers"]["anthropic-version"], "2023-06-01");
    assert_eq!(requests[0]["body"]["model"], "claude-test");
    let offered: Vec<&str> = requests[0]["body"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(offered.contains(&"mcp__py__add"), "{offered:?}");
    let tool_result = &requests[1]["body"]["messages"][2]["content"][0];
    assert_eq!(tool_result["type"], "tool_result");
    assert_eq!(tool_result["content"], "5");
    let story = session_story(&report);
    let model_calls = story
        .iter()
        .filter(|(k, a, _)| k == "model-call" && a.as_deref() == Some("thinker"))
        .count();
    assert_eq!(model_calls, 2);
}

#[test]
fn a_configured_model_without_its_key_is_a_setup_error() {
    let project = project(
        r#"
[model]
model = "claude-test"
api_key_env = "CCHOST_TEST_UNSET_KEY"
[workflow.agents.thinker]
plugin = "llm-agent"
[[workflow.waves]]
agents = ["thinker"]
"#,
    );
    let output = command(project.path(), &["run"])
        .env_remove("CCHOST_TEST_UNSET_KEY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`CCHOST_TEST_UNSET_KEY` is not set"),
        "{stderr}"
    );
}

/// The README's first command, on a copy of `examples/quickstart` with the npm servers of
/// `.mcp.json` (fetched by `npx`) replaced by the locally installed ones.
#[test]
fn the_quickstart_example_runs_and_tells_its_story() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart");
    let project = tempfile::tempdir().unwrap();
    copy_tree(&source, project.path());
    let root = project.path().canonicalize().unwrap();
    let fs_server = format!(
        "mcp.servers.fs={{command={:?}, args=[{:?}]}}",
        servers::npm_bin("mcp-server-filesystem")
            .display()
            .to_string(),
        root.display().to_string()
    );
    let memory_server = format!(
        "mcp.servers.memory={{command={:?}, env={{MEMORY_FILE_PATH={:?}}}}}",
        servers::npm_bin("mcp-server-memory").display().to_string(),
        root.join(".cchost/memory.jsonl").display().to_string()
    );
    let output = command(
        &root,
        &["run", "--json", "-c", &fs_server, "-c", &memory_server],
    )
    .output()
    .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(output.status.code(), Some(0), "{report}");
    let survey = agent(&report, "survey");
    assert_eq!(survey["data"]["todo"], 3, "{survey}");
    assert_eq!(survey["data"]["fixme"], 1, "{survey}");
    assert!(
        survey["data"]["languages"]["Rust"]["files"] == 2,
        "{survey}"
    );
    // protect-paths kept the survey out of `.env`: the batch read naming it, then the file
    // alone when the agent retried file by file.
    assert_eq!(survey["denials"], 2, "{survey}");
    let graph = agent(&report, "graph");
    assert_eq!(graph["data"]["documents"], 3, "{graph}");
    assert_eq!(graph["data"]["links"], 4, "{graph}");
    assert_eq!(report["waves"][0]["checkpoint"]["status"], "pass");
    assert_eq!(agent(&report, "docs-survey")["status"], "passed");
    let memory = std::fs::read_to_string(root.join(".cchost/memory.jsonl")).unwrap();
    assert!(
        memory.contains("overview.md"),
        "the graph reached the memory server"
    );
    let story = session_story(&report);
    let denied = story
        .iter()
        .find(|(k, _, d)| k == "tool-call" && d["outcome"] == "denied")
        .expect("the denial is in the session");
    assert!(
        denied.2["error"].as_str().unwrap().contains(".env"),
        "{:?}",
        denied.2
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() == "sessions" {
                continue;
            }
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else if entry.file_name() != "memory.jsonl" {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
