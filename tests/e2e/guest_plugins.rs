//! The Python, JavaScript and C plugins of `examples/plugins/` as users run them: `cchost hook`
//! and `cchost gate` processes, judged against their Rust equivalents — the first-party
//! `guard-commands` hook and the `hostile-gate` test gate in mode `fixme` — on the same inputs,
//! and limited by the sandbox like any plugin.

use std::{
    path::{Path, PathBuf},
    process::Output,
    sync::OnceLock,
    time::Instant,
};

use cchost::{
    plugins::{PluginRegistry, PluginSource, PluginSpec, grants::PathContext},
    runtime::{Allocation, ComponentCache},
};
use serde_json::{Value, json};

use crate::{
    common::{
        bash_payload, cache_dir, cchost, cchost_in, committed_project, plugin_file, project,
        stdout_json,
    },
    guests::{self, JS_HOOK_ON_QUICKJS, Language, PLUGINS, PYTHON_HOOK_WITH_SOCKETS},
};

/// The guest component of `plugin`, built and compiled into the cache that the tests' `cchost`
/// processes share, so that no test compiles a large component while others time their calls.
fn guest(language: Language, plugin: &str) -> PathBuf {
    static WARM: OnceLock<()> = OnceLock::new();
    WARM.get_or_init(warm_cache);
    guests::component(language, plugin)
}

/// Loads every guest component twice, through the cache `cchost` uses (`$XDG_CACHE_HOME/cchost`)
/// and in fresh registries, and prints how long each load took: the first compiles unless an
/// earlier run left the component in the cache, the second always loads the cached one.
fn warm_cache() {
    let project = tempfile::tempdir().unwrap();
    let mut components: Vec<(String, PathBuf)> = Vec::new();
    for language in Language::ALL {
        for plugin in PLUGINS {
            let name = format!("{}-{plugin}", language.name());
            components.push((name, guests::component(language, plugin)));
        }
    }
    for (language, plugin) in [
        (Language::Python, PYTHON_HOOK_WITH_SOCKETS),
        (Language::Js, JS_HOOK_ON_QUICKJS),
    ] {
        components.push((plugin.into(), guests::component(language, plugin)));
    }
    let registry = || {
        let specs = components.iter().map(|(name, path)| PluginSpec {
            name: name.clone(),
            source: PluginSource::File(path.clone()),
            grant: Default::default(),
            limits: Default::default(),
            settings: Default::default(),
        });
        PluginRegistry::new(
            Allocation::OnDemand,
            ComponentCache::at(cache_dir().join("xdg/cchost")),
            specs,
            PathContext::from_env(Some(project.path().to_path_buf())),
        )
        .expect("create registry")
    };
    let (first, cached) = (registry(), registry());
    for (name, path) in &components {
        let size = path.metadata().unwrap().len() as f64 / (1 << 20) as f64;
        let started = Instant::now();
        // The Python component that still imports sockets is compiled, then refused.
        let _ = first.get(name);
        let first_load = started.elapsed();
        let started = Instant::now();
        let _ = cached.get(name);
        eprintln!(
            "{name} ({size:.1} MiB): first load {first_load:.2?}, cached load {:.2?}",
            started.elapsed()
        );
    }
}

/// The guest twins of `guard-commands`: the Python, JavaScript and C `guard-rm`, and the
/// JavaScript one also on QuickJS.
fn guest_hooks() -> [(&'static str, PathBuf); 4] {
    [
        ("Python", guest(Language::Python, "guard-rm")),
        ("JavaScript", guest(Language::Js, "guard-rm")),
        (
            "JavaScript on QuickJS",
            guest(Language::Js, JS_HOOK_ON_QUICKJS),
        ),
        ("C", guest(Language::C, "guard-rm")),
    ]
}

/// Bash commands and whether `guard-commands` denies them: the Rust hook and its guest twins
/// must give the same answer, reason included, to every one.
const COMMANDS: [(&str, bool); 29] = [
    ("rm -rf /", true),
    ("rm -fr /*", true),
    ("rm -r -f ~", true),
    ("rm -rf ~/", true),
    ("rm -rf $HOME", true),
    ("rm -rf ${HOME}/*", true),
    ("rm --recursive --force .", true),
    ("rm -rf ..", true),
    ("rm -rf *", true),
    ("rm -rf src/../..", true),
    ("rm -R /usr", true),
    ("rm -rf /home/alice", true),
    ("rm -rf /root", true),
    ("ls && rm -rf -- /", true),
    ("rm / -rf", true),
    ("/bin/rm -rf /etc", true),
    ("rm -rf / ~", true),
    ("true; rm -r ~/.. &", true),
    ("rm -rf '/'", true),
    ("rm -rf \"/\"", true),
    ("ls -la", false),
    ("git status", false),
    ("rm -rf build", false),
    ("rm -rf ./target", false),
    ("rm -rf ~/.cache/x", false),
    ("rm -rf /tmp/scratch", false),
    ("rm -f /etc/hosts", false),
    ("echo rm -rf /", false),
    ("grep -r FIXME /", false),
];

/// A project whose PreToolUse hook (every tool) is the plugin file at `wasm`, or `guard-commands`.
fn hook_project(wasm: Option<&Path>) -> tempfile::TempDir {
    match wasm {
        None => project("[[hooks.PreToolUse]]\nplugin = \"guard-commands\"\n"),
        Some(wasm) => project(&format!(
            "[[hooks.PreToolUse]]\nplugin = \"guard-rm\"\n\n[plugins.guard-rm]\npath = {:?}\n",
            wasm.display().to_string()
        )),
    }
}

/// The decision and its reason without the plugin's name; `None` when the hook had no opinion.
fn answer(output: &Output, project: &Path) -> Option<(String, String)> {
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let reply = stdout_json(output);
    if reply.is_null() {
        return None;
    }
    let specific = &reply["hookSpecificOutput"];
    let reason = specific["permissionDecisionReason"].as_str().unwrap();
    let (_name, reason) = reason.split_once("] ").unwrap();
    Some((
        specific["permissionDecision"].as_str().unwrap().to_string(),
        reason.replace(&project.display().to_string(), "<project>"),
    ))
}

#[test]
fn guest_hooks_decide_like_guard_commands() {
    let home = tempfile::tempdir().unwrap();
    let mut projects = vec![("Rust", hook_project(None))];
    for (language, wasm) in guest_hooks() {
        projects.push((language, hook_project(Some(&wasm))));
    }
    let read_env = |cwd: &Path| {
        json!({"session_id": "e2e", "cwd": cwd, "hook_event_name": "PreToolUse",
               "tool_name": "Read", "tool_input": {"file_path": "/etc/passwd"}})
        .to_string()
    };
    // One thread per language: every answer is a `cchost hook` process.
    let answers: Vec<Vec<Option<(String, String)>>> = std::thread::scope(|scope| {
        let threads: Vec<_> = projects
            .iter()
            .map(|(_, dir)| {
                let home = home.path();
                scope.spawn(move || {
                    let mut payloads: Vec<String> = COMMANDS
                        .iter()
                        .map(|(command, _)| bash_payload(dir.path(), command))
                        .collect();
                    payloads.push(read_env(dir.path()));
                    payloads
                        .iter()
                        .map(|payload| answer(&cchost(&["hook"], payload, home), dir.path()))
                        .collect()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });

    let mut mismatches = Vec::new();
    for (i, (command, denied)) in COMMANDS.iter().enumerate() {
        let rust = &answers[0][i];
        assert_eq!(
            rust.as_ref().map(|(decision, _)| decision.as_str()),
            denied.then_some("deny"),
            "guard-commands on `{command}`: {rust:?}"
        );
        for (language, guest) in projects.iter().zip(&answers).skip(1) {
            if guest[i] != *rust {
                mismatches.push(format!(
                    "{} on `{command}`:\n  Rust: {rust:?}\n  guest: {:?}",
                    language.0, guest[i]
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // Other tools get no opinion from any of them.
    for answers in &answers {
        assert_eq!(answers.last().unwrap(), &None);
    }
    let (_, reason) = answers[1][0].as_ref().unwrap();
    assert_eq!(
        reason,
        "[rm-recursive] `rm -rf /` would recursively delete `/` (the filesystem root). If this is \
         really intended, ask the user to run it themselves."
    );
}

/// A committed project whose `post-implementation` checkpoint runs the Rust FIXME gate and its
/// Python, JavaScript and C twins side by side.
fn gate_repo() -> tempfile::TempDir {
    committed_project(&format!(
        r#"
[checkpoints.post-implementation]
gates = ["rust", "python", "js", "c"]

[plugins.rust]
path = {rust:?}
settings = {{ mode = "fixme" }}

[plugins.python]
path = {python:?}

[plugins.js]
path = {js:?}

[plugins.c]
path = {c:?}
"#,
        rust = plugin_file("hostile-gate").display().to_string(),
        python = guest(Language::Python, "fixme-gate").display().to_string(),
        js = guest(Language::Js, "fixme-gate").display().to_string(),
        c = guest(Language::C, "fixme-gate").display().to_string(),
    ))
}

/// Each gate's status and findings (sorted), by gate name, from a JSON report.
fn gate_results(report: &Value) -> Vec<(String, Value, Vec<Value>)> {
    report["checkpoints"][0]["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gate| {
            assert!(gate["error"].is_null(), "{gate}");
            let mut findings = gate["findings"].as_array().unwrap().clone();
            findings.sort_by_key(|f| (f["file"].to_string(), f["line"].as_u64()));
            let name = gate["gate"].as_str().unwrap().to_string();
            (name, gate["status"].clone(), findings)
        })
        .collect()
}

/// Asserts that the four gates agree and returns the Rust gate's status and findings.
fn agreed(output: &Output) -> (Value, Vec<Value>) {
    let results = gate_results(&stdout_json(output));
    let names: Vec<&str> = results.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(names, ["rust", "python", "js", "c"], "{output:?}");
    let (_, status, findings) = &results[0];
    for (name, guest_status, guest_findings) in &results[1..] {
        assert_eq!(guest_status, status, "{name}");
        assert_eq!(
            guest_findings, findings,
            "{name} disagrees with the Rust gate"
        );
    }
    (status.clone(), findings.clone())
}

#[test]
fn guest_gates_find_the_same_fixmes_as_the_rust_gate() {
    let home = tempfile::tempdir().unwrap();
    let dir = gate_repo();
    let root = dir.path();
    let gate = |args: &[&str]| cchost_in(root, args, home.path());

    let unchanged = gate(&["gate"]);
    assert_eq!(unchanged.status.code(), Some(0), "{unchanged:?}");

    std::fs::write(root.join("clean.txt"), "nothing to fix\n").unwrap();
    let clean = gate(&["gate", "--format", "json"]);
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    assert_eq!(agreed(&clean), (json!("pass"), vec![]));

    std::fs::write(
        root.join("new.rs"),
        "fn new() {}\nlet x = 1; // FIXME later\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("docs")).unwrap();
    // Columns count bytes (`é` is two), and CRLF line ends are not part of the message.
    std::fs::write(
        root.join("docs/notes.md"),
        "é, ü // FIXME: ça\r\n\tFIXME tabs  \nno marker\n",
    )
    .unwrap();
    let changed = gate(&["gate", "post-implementation", "--format", "json"]);
    assert_eq!(changed.status.code(), Some(1), "{changed:?}");
    let (status, findings) = agreed(&changed);
    assert_eq!(status, "fail");
    let summary: Vec<String> = findings
        .iter()
        .map(|f| {
            assert_eq!(f["rule"], "test/fixme");
            assert_eq!(f["severity"], "error");
            assert_eq!(f["fix_hint"], "resolve the FIXME");
            format!(
                "{}:{}:{} {}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "docs/notes.md:1:11 é, ü // FIXME: ça",
            "docs/notes.md:2:2 FIXME tabs",
            "new.rs:2:15 let x = 1; // FIXME later",
        ]
    );

    let all = gate(&["gate", "--all", "--format", "json"]);
    let (_, findings) = agreed(&all);
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == "old.rs" && f["line"] == 2 && f["column"] == 4),
        "{findings:?}"
    );

    let table = gate(&["gate"]);
    let table = String::from_utf8_lossy(&table.stdout);
    for name in ["rust", "python", "js", "c"] {
        assert!(
            table.contains(&format!("new.rs:2:15: error [{name}/test/fixme]")),
            "{table}"
        );
    }
}

#[test]
fn guest_plugins_are_limited_like_any_plugin() {
    let home = tempfile::tempdir().unwrap();
    // A hook over its memory or instruction budget fails, and a failed PreToolUse hook denies.
    for (language, wasm) in guest_hooks() {
        let dir = hook_project(Some(&wasm));
        let payload = bash_payload(dir.path(), "ls");
        // The interpreters spend far more than 100,000 units on `ls`; the C hook needs a few
        // thousand.
        let fuel = if language == "C" { 1_000 } else { 100_000 };
        for (limit, cause) in [
            (
                "memory_mib=1".to_string(),
                "exceeded its memory limit of 1 MiB".to_string(),
            ),
            (
                format!("fuel={fuel}"),
                format!("ran out of fuel ({fuel} units)"),
            ),
        ] {
            let setting = format!("plugins.guard-rm.limits.{limit}");
            let output = cchost(&["-c", &setting, "hook"], &payload, home.path());
            let (decision, reason) = answer(&output, dir.path()).unwrap();
            assert_eq!(decision, "deny", "{language} {limit}");
            assert!(
                reason.contains(&cause) && reason.contains("on_error = deny"),
                "{language} {limit}: {reason}"
            );
        }
        // Within its limits the same hook lets `ls` through.
        let output = cchost(&["hook"], &payload, home.path());
        assert_eq!(answer(&output, dir.path()), None, "{language}");
    }

    // componentize-py's own output imports `wasi:sockets` (CPython's libc does): without a
    // network grant it is refused at load, which is why `build.py` plugs those imports.
    let dir = hook_project(Some(&guest(Language::Python, PYTHON_HOOK_WITH_SOCKETS)));
    let output = cchost(&["hook"], &bash_payload(dir.path(), "ls"), home.path());
    let (decision, reason) = answer(&output, dir.path()).unwrap();
    assert_eq!(decision, "deny");
    assert!(
        reason.contains("could not load")
            && reason.contains("wasi:sockets/")
            && reason.contains("no network grant"),
        "{reason}"
    );

    // A gate over its limits fails its checkpoint with the cause.
    let dir = gate_repo();
    let output = cchost_in(
        dir.path(),
        &[
            "-c",
            "plugins.python.limits.memory_mib=4",
            "-c",
            "plugins.js.limits.fuel=100000",
            "-c",
            "plugins.c.limits.fuel=1000",
            "gate",
            "--all",
            "--format",
            "json",
        ],
        home.path(),
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = stdout_json(&output);
    let gates = report["checkpoints"][0]["gates"].as_array().unwrap();
    for (gate, cause) in [
        ("python", "exceeded its memory limit of 4 MiB"),
        ("js", "ran out of fuel (100000 units)"),
        ("c", "ran out of fuel (1000 units)"),
    ] {
        let gate = gates.iter().find(|g| g["gate"] == gate).unwrap();
        assert_eq!(gate["status"], "fail", "{gate}");
        let error = gate["error"].as_str().unwrap_or_default();
        assert!(error.contains(cause), "{gate}");
    }
}
