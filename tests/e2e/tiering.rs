//! Tiered compilation: a large component's first load runs on Winch's baseline code while
//! Cranelift fills the cache in the background — and baseline code is held to every limit the
//! optimised code is.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use cchost::{
    plugins::{
        PluginRegistry, PluginSpec,
        bindings::{Decision, HookEvent},
        grants::{Capabilities, PathContext},
        manifest::LimitSettings,
    },
    runtime::{
        Allocation, ComponentCache, EngineKind, Failure, Metering, Optimizer, Tier, Tiering,
    },
};
use serde_json::json;
use sha2::Digest;

use crate::{
    common::{cchost_with_cache, plugin_file, spec},
    guests::{self, Language},
};

fn event() -> HookEvent {
    HookEvent {
        name: "PreToolUse".into(),
        session_id: Some("s".into()),
        cwd: Some("/".into()),
        tool_name: Some("Bash".into()),
        tool_input: Some(r#"{"command":"rm -rf /"}"#.into()),
        tool_response: None,
        prompt: None,
        raw: "{}".into(),
    }
}

/// A registry over an empty cache that puts every component, however small, on baseline code
/// first.
fn baseline_first(cache: &Path, specs: Vec<PluginSpec>) -> PluginRegistry {
    PluginRegistry::new(
        Allocation::OnDemand,
        ComponentCache::at(cache),
        specs,
        PathContext::default(),
    )
    .unwrap()
    .with_tiering(Tiering {
        baseline_from: Some(0),
        optimizer: Optimizer::Thread,
    })
}

fn hostile(
    mode: &str,
    memory_mib: Option<u64>,
    timeout_ms: Option<u64>,
    fuel: Option<u64>,
) -> PluginSpec {
    let limits = LimitSettings {
        memory_mib,
        timeout_ms,
        fuel,
        output_kib: None,
    };
    spec(
        mode,
        "hostile",
        Capabilities::default(),
        limits,
        json!({ "mode": mode }),
    )
}

/// Calls hostile plugin `mode`, loaded on baseline code, and returns how it failed.
async fn failure_on_baseline(spec: PluginSpec) -> Failure {
    let cache = tempfile::tempdir().unwrap();
    let name = spec.name.clone();
    let registry = baseline_first(cache.path(), vec![spec]);
    assert_eq!(registry.get(&name).unwrap().tier, Tier::Baseline);
    let error = registry
        .call_hook(&name, &event(), None)
        .await
        .expect_err("the hostile call must fail");
    assert!(error.to_string().contains(&format!("`{name}`")), "{error}");
    error.failure
}

#[tokio::test(flavor = "current_thread")]
async fn baseline_code_is_stopped_at_its_time_limit() {
    let started = Instant::now();
    let failure = failure_on_baseline(hostile("loop", None, Some(200), None)).await;
    assert_eq!(failure, Failure::Timeout { ms: 200 });
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test(flavor = "current_thread")]
async fn baseline_code_hits_its_memory_limit() {
    let failure = failure_on_baseline(hostile("memory-bomb", Some(32), None, None)).await;
    assert_eq!(failure, Failure::MemoryLimit { mib: 32 });
}

#[tokio::test(flavor = "current_thread")]
async fn baseline_code_runs_out_of_fuel() {
    let failure = failure_on_baseline(hostile("spin", None, None, Some(100_000))).await;
    assert_eq!(failure, Failure::FuelExhausted { fuel: 100_000 });
}

#[tokio::test(flavor = "current_thread")]
async fn baseline_code_traps_with_the_panic_message() {
    match failure_on_baseline(hostile("panic", None, None, None)).await {
        Failure::Trap { message, stderr } => {
            assert!(message.contains("unreachable"), "{message}");
            assert!(stderr.contains("panics on purpose"), "{stderr}");
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// Waits until the optimising engine's cache entry for `component` appears.
fn wait_for_optimised_entry(cache: &Path, component: &[u8], limit: Duration) -> Duration {
    let kind = EngineKind::optimizing(Allocation::OnDemand, Metering::Off);
    let sha256 = hex::encode(sha2::Sha256::digest(component));
    let started = Instant::now();
    while !ComponentCache::at(cache).contains(kind, &sha256) {
        assert!(
            started.elapsed() < limit,
            "no optimised cache entry after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    started.elapsed()
}

#[tokio::test(flavor = "current_thread")]
async fn the_first_load_runs_on_baseline_code_and_later_loads_on_optimised_code() {
    let cache = tempfile::tempdir().unwrap();
    let guard = || {
        vec![spec(
            "guard",
            "guard-commands",
            Default::default(),
            Default::default(),
            json!({}),
        )]
    };
    let denies = |registry: PluginRegistry| async move {
        let response = registry.call_hook("guard", &event(), None).await.unwrap();
        assert!(
            matches!(response.decision, Decision::Deny(_)),
            "{response:?}"
        );
    };

    let first = baseline_first(cache.path(), guard());
    assert_eq!(first.get("guard").unwrap().tier, Tier::Baseline);
    denies(first).await;
    let bytes = std::fs::read(plugin_file("guard-commands")).unwrap();
    wait_for_optimised_entry(cache.path(), &bytes, Duration::from_secs(120));

    let later = baseline_first(cache.path(), guard());
    assert_eq!(later.get("guard").unwrap().tier, Tier::Optimized);
    denies(later).await;
}

#[test]
fn cchost_hook_answers_from_baseline_code_and_a_detached_process_optimises() {
    let python_hook = guests::component(Language::Python, "guard-rm");
    let home = tempfile::tempdir().unwrap();
    let xdg_cache = tempfile::tempdir().unwrap();
    let project = home.path().join("project");
    std::fs::create_dir_all(project.join(".cchost")).unwrap();
    std::fs::write(
        project.join(".cchost/config.toml"),
        format!(
            "[plugins.py-guard]\npath = {:?}\n\n[[hooks.PreToolUse]]\nmatcher = \"Bash\"\nplugin = \"py-guard\"\n",
            python_hook.to_str().unwrap()
        ),
    )
    .unwrap();
    let payload = json!({
        "session_id": "s", "transcript_path": "/tmp/t.jsonl", "cwd": project,
        "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": "rm -rf /"}
    })
    .to_string();
    let run_hook = || {
        let output = cchost_with_cache(&["hook"], &payload, home.path(), xdg_cache.path());
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{output:?}");
        assert!(
            stdout.contains(r#""permissionDecision":"deny""#),
            "{stdout}"
        );
    };

    let started = Instant::now();
    run_hook();
    let first_call = started.elapsed();
    let bytes = std::fs::read(&python_hook).unwrap();
    let cache = xdg_cache.path().join("cchost");
    // The hook process has exited; only the detached optimizer can still write the entry.
    let optimised_after = wait_for_optimised_entry(&cache, &bytes, Duration::from_secs(300));
    eprintln!(
        "Python hook (18 MB): first `cchost hook` {first_call:.2?} on baseline code; \
         optimised entry {optimised_after:.2?} later"
    );
    let started = Instant::now();
    run_hook();
    eprintln!(
        "Python hook: `cchost hook` on the optimised entry {:.2?}",
        started.elapsed()
    );
}
