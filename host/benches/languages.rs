//! What the plugin language costs: the Rust hook `guard-commands` and its Python, JavaScript and
//! C twins `guard-rm` (`examples/plugins/`; the JavaScript one also on QuickJS) judging the same
//! `rm -rf /` payload, and the Rust FIXME gate (`tests/plugins/hostile-gate`) and its twins
//! `fixme-gate` judging the same files.
//!
//! Prints, per language: the component's size; its first load (baseline code for a large
//! component), how long the background optimisation took, the cached load of the optimised code,
//! and the first load without tiering (Cranelift before the first call); a call on baseline
//! versus optimised code; the cost of one hook call in a fresh instance (pooling and
//! on-demand allocators) and of one gate call, p50/p90 and the ratio to Rust; and `cchost hook`
//! as a whole process. The guest plugins are built from source on first use
//! (`tests/e2e/guests.rs`). Run with `cargo bench -p cchost --bench languages`.

use std::{
    path::Path,
    time::{Duration, Instant},
};

mod support;

// The toolchains (`servers::dir`) and the build of the guest plugins, shared with the e2e tests.
#[allow(dead_code)]
#[path = "../../tests/mcp/servers.rs"]
mod servers;

#[allow(dead_code)]
#[path = "../../tests/e2e/guests.rs"]
mod guests;

use cchost::{
    hooks::{HookInput, dispatch::wit_event},
    plugins::{
        PluginRegistry, PluginSource, PluginSpec,
        bindings::{Decision, GateInput, GateStatus},
        builtin::{self, PLUGIN_BUILD_DIR},
        grants::{Access, Capabilities, FileAccess, PathContext},
    },
    runtime::{Allocation, ComponentCache, EngineKind, Metering, Optimizer, Tier, Tiering},
};
use guests::Language;
use support::{Stats, fmt, measure, run_process};

const PAYLOAD: &str = r#"{"session_id":"bench","transcript_path":"/tmp/t.jsonl","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"},"tool_use_id":"t1"}"#;

/// One language's equivalent hook and gate.
struct Entry {
    language: &'static str,
    hook: PluginSource,
    gate: Option<PluginSource>,
}

impl Entry {
    fn hook_name(&self) -> String {
        format!("{}-hook", self.language)
    }

    fn gate_name(&self) -> String {
        format!("{}-gate", self.language)
    }

    fn specs(&self, root: &Path) -> Vec<PluginSpec> {
        let spec = |name: String, source: &PluginSource, grant: Capabilities| PluginSpec {
            name,
            source: source.clone(),
            grant,
            limits: Default::default(),
            settings: Default::default(),
        };
        // A gate reads the project, which `cchost gate` grants it read-only.
        let project = Capabilities {
            files: vec![FileAccess {
                path: root.display().to_string(),
                access: Access::Read,
            }],
            ..Capabilities::default()
        };
        let mut specs = vec![spec(self.hook_name(), &self.hook, Capabilities::default())];
        if let Some(gate) = &self.gate {
            specs.push(spec(self.gate_name(), gate, project));
        }
        specs
    }
}

fn entries() -> Vec<Entry> {
    let mut entries = vec![Entry {
        language: "Rust",
        hook: PluginSource::Builtin(builtin::find("guard-commands").expect("guard-commands")),
        gate: Some(PluginSource::File(
            Path::new(PLUGIN_BUILD_DIR).join("hostile_gate.wasm"),
        )),
    }];
    for language in Language::ALL {
        entries.push(Entry {
            language: language.name(),
            hook: PluginSource::File(guests::component(language, "guard-rm")),
            gate: Some(PluginSource::File(guests::component(
                language,
                "fixme-gate",
            ))),
        });
    }
    entries.push(Entry {
        language: "JavaScript (QuickJS)",
        hook: PluginSource::File(guests::component(Language::Js, guests::JS_HOOK_ON_QUICKJS)),
        gate: None,
    });
    entries
}

fn sha256_of(source: &PluginSource) -> String {
    use sha2::Digest;
    match source {
        PluginSource::Builtin(builtin) => builtin.sha256.to_string(),
        PluginSource::File(path) => hex::encode(sha2::Sha256::digest(
            std::fs::read(path).expect("component"),
        )),
    }
}

fn size(source: &PluginSource) -> f64 {
    let bytes = match source {
        PluginSource::Builtin(builtin) => builtin.component.len() as u64,
        PluginSource::File(path) => path.metadata().expect("component").len(),
    };
    bytes as f64 / 1e6
}

fn registry(
    allocation: Allocation,
    cache: &Path,
    specs: Vec<PluginSpec>,
    root: &Path,
) -> PluginRegistry {
    PluginRegistry::new(
        allocation,
        ComponentCache::at(cache),
        specs,
        PathContext::from_env(Some(root.to_path_buf())),
    )
    .expect("registry")
}

/// How long `registry.get(name)` takes.
fn load(registry: &PluginRegistry, name: &str) -> Duration {
    let started = Instant::now();
    registry
        .get(name)
        .unwrap_or_else(|e| panic!("load {name}: {e}"));
    started.elapsed()
}

/// A project with three source files holding four FIXMEs among 300 lines.
fn project(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for (i, name) in ["a.rs", "b.py", "c.js"].iter().enumerate() {
        let mut text = String::new();
        for line in 0..100 {
            if line == 40 || (i == 0 && line == 90) {
                text += "    // FIXME: handle the empty case\n";
            } else {
                text += &format!("    let value_{line} = compute({line}, \"é\"); // line {line}\n");
            }
        }
        std::fs::write(root.join(name), text).unwrap();
        files.push(name.to_string());
    }
    files
}

fn table(title: &str, rows: &[(String, Stats)]) {
    println!("\n{title}");
    println!(
        "{:<34} {:>10} {:>10} {:>8} {:>12}",
        "language", "p50", "p90", "samples", "p50 vs Rust"
    );
    let rust = rows[0].1.p50.as_secs_f64();
    for (name, stats) in rows {
        println!(
            "{name:<34} {:>10} {:>10} {:>8} {:>11.1}x",
            fmt(stats.p50),
            fmt(stats.p90),
            stats.samples,
            stats.p50.as_secs_f64() / rust
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("project");
    std::fs::create_dir_all(&root).unwrap();
    let root = root.canonicalize().unwrap();
    let files = project(&root);
    let entries = entries();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let input = HookInput::parse(PAYLOAD.as_bytes(), None).unwrap();
    let event = wit_event(&input);
    let gate_input = GateInput {
        checkpoint: "bench".into(),
        root: root.display().to_string(),
        files: files.clone(),
        changes: Vec::new(),
    };

    // Loading. Tiered (what cchost does): a large component's first load compiles baseline
    // code while Cranelift fills the cache in the background; the bench waits for it, then a new
    // registry loads the optimised entry. Untiered: Cranelift before the first call, into an
    // empty cache of its own.
    println!(
        "\n{:<22} {:<5} {:>9} {:>11} {:>13} {:>11} {:>14}",
        "language", "kind", "size", "first load", "optimised in", "cached load", "untiered first"
    );
    // Where `cchost hook` processes look too (`$XDG_CACHE_HOME/cchost`), for the last table.
    let xdg = work.path().join("xdg");
    let cache = xdg.join("cchost");
    let untiered_cache = work.path().join("untiered");
    let untiered = Tiering {
        baseline_from: None,
        optimizer: Optimizer::Never,
    };
    for entry in &entries {
        let specs = || entry.specs(&root);
        let mut plugins = vec![(entry.hook_name(), &entry.hook)];
        plugins.extend(entry.gate.as_ref().map(|gate| (entry.gate_name(), gate)));
        for (name, source) in plugins {
            let first = registry(Allocation::OnDemand, &cache, specs(), &root);
            let first_load = load(&first, &name);
            let optimised_in = match first.get(&name).unwrap().tier {
                Tier::Baseline => {
                    let started = Instant::now();
                    let kind = EngineKind::optimizing(Allocation::OnDemand, Metering::Off);
                    let sha256 = sha256_of(source);
                    while !ComponentCache::at(&cache).contains(kind, &sha256) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    fmt(started.elapsed())
                }
                Tier::Optimized => "—".to_string(),
            };
            let cached = registry(Allocation::OnDemand, &cache, specs(), &root);
            let cached_load = load(&cached, &name);
            assert_eq!(cached.get(&name).unwrap().tier, Tier::Optimized);
            let cold = registry(Allocation::OnDemand, &untiered_cache, specs(), &root)
                .with_tiering(untiered.clone());
            let untiered_load = load(&cold, &name);
            println!(
                "{:<22} {:<5} {:>6.2} MB {:>11} {:>13} {:>11} {:>14}",
                entry.language,
                if name.ends_with("hook") {
                    "hook"
                } else {
                    "gate"
                },
                size(source),
                fmt(first_load),
                optimised_in,
                fmt(cached_load),
                fmt(untiered_load)
            );
        }
    }

    // What the first load's baseline code costs per call, for the large components.
    let mut baseline_calls = Vec::new();
    for entry in &entries {
        let baseline_cache = work.path().join(format!("baseline-{}", entry.hook_name()));
        let on_baseline = Tiering {
            baseline_from: Some(0),
            optimizer: Optimizer::Never,
        };
        for (tiering, cache, label) in [
            (untiered.clone(), &cache, "optimised"),
            (on_baseline, &baseline_cache, "baseline"),
        ] {
            let registry = registry(Allocation::Pooling, cache, entry.specs(&root), &root)
                .with_tiering(tiering);
            let name = entry.hook_name();
            registry.get(&name).unwrap();
            let stats = measure(500, || {
                let response = runtime
                    .block_on(registry.call_hook(&name, &event, None))
                    .expect("hook call");
                assert!(matches!(response.decision, Decision::Deny(_)));
            });
            baseline_calls.push((format!("{} ({label})", entry.language), stats));
        }
    }
    println!(
        "\nhook call, fresh instance, pooling: optimised (Cranelift) vs baseline (Winch) code"
    );
    println!(
        "{:<40} {:>10} {:>10} {:>8} {:>16}",
        "language", "p50", "p90", "samples", "p50 vs optimised"
    );
    for pair in baseline_calls.chunks(2) {
        for (name, stats) in pair {
            println!(
                "{name:<40} {:>10} {:>10} {:>8} {:>15.1}x",
                fmt(stats.p50),
                fmt(stats.p90),
                stats.samples,
                stats.p50.as_secs_f64() / pair[0].1.p50.as_secs_f64()
            );
        }
    }

    // One call in a fresh instance, components already loaded.
    let mut hooks = Vec::new();
    for (allocation, label) in [
        (Allocation::Pooling, "pooling"),
        (Allocation::OnDemand, "on-demand"),
    ] {
        for entry in &entries {
            let registry = registry(allocation, &cache, entry.specs(&root), &root);
            let name = entry.hook_name();
            let stats = measure(2_000, || {
                let response = runtime
                    .block_on(registry.call_hook(&name, &event, None))
                    .expect("hook call");
                assert!(matches!(response.decision, Decision::Deny(_)));
            });
            hooks.push((format!("{} ({label})", entry.language), stats));
        }
    }
    let pooled: Vec<_> = hooks.drain(..entries.len()).collect();
    table(
        "hook call, fresh instance, pooling allocator (`cchost run`)",
        &pooled,
    );
    table(
        "hook call, fresh instance, on-demand allocator (`cchost hook`, `cchost gate`)",
        &hooks,
    );

    let mut gates = Vec::new();
    for entry in entries.iter().filter(|entry| entry.gate.is_some()) {
        let registry = registry(Allocation::OnDemand, &cache, entry.specs(&root), &root);
        let name = entry.gate_name();
        let stats = measure(500, || {
            let report = runtime
                .block_on(registry.call_gate(&name, &gate_input))
                .expect("gate call");
            assert_eq!(report.status, GateStatus::Fail);
            assert_eq!(report.findings.len(), 4);
        });
        gates.push((entry.language.to_string(), stats));
    }
    table(
        "gate call over 3 files (300 lines, 4 FIXMEs), fresh instance, on-demand allocator",
        &gates,
    );

    // `cchost hook` as Claude Code runs it, the component in the user's cache.
    let mut processes = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let project = work.path().join(format!("hook-{i}"));
        std::fs::create_dir_all(project.join(".cchost")).unwrap();
        let plugin = match &entry.hook {
            PluginSource::Builtin(_) => String::new(),
            PluginSource::File(path) => format!(
                "\n[plugins.guard]\npath = {:?}\n",
                path.display().to_string()
            ),
        };
        let name = if plugin.is_empty() {
            "guard-commands"
        } else {
            "guard"
        };
        std::fs::write(
            project.join(".cchost/config.toml"),
            format!("[[hooks.PreToolUse]]\nmatcher = \"Bash\"\nplugin = \"{name}\"\n{plugin}"),
        )
        .unwrap();
        let payload = PAYLOAD.replace("\"/tmp\"", &format!("{:?}", project.display().to_string()));
        let envs = [("XDG_CACHE_HOME", xdg.as_path()), ("HOME", work.path())];
        let cchost = env!("CARGO_BIN_EXE_cchost");
        let once = || {
            let out = run_process(cchost, &["hook"], &payload, &envs);
            assert!(
                out.starts_with(b"{\"hookSpecificOutput\""),
                "{}",
                String::from_utf8_lossy(&out)
            );
        };
        once(); // in the cache already, from the first table
        processes.push((entry.language.to_string(), measure(100, once)));
    }
    table("`cchost hook` process, component cached", &processes);
}
