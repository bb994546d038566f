//! Hostile plugins, each contained — and the host keeps serving afterwards.

use std::{
    net::TcpListener,
    time::{Duration, Instant},
};

use cchost::{
    plugins::{
        PluginRegistry, PluginSpec,
        bindings::{Decision, HookEvent, HookResponse},
        grants::{Access, Capabilities, FileAccess},
        manifest::LimitSettings,
    },
    runtime::{ComponentCache, Failure, Metering, PluginError, Tier},
};
use serde_json::json;

use crate::common::{cache_dir, plugin_file, registry, spec};

fn event() -> HookEvent {
    HookEvent {
        name: "PreToolUse".into(),
        session_id: Some("s".into()),
        cwd: Some("/".into()),
        tool_name: Some("Bash".into()),
        tool_input: Some(r#"{"command":"ls"}"#.into()),
        tool_response: None,
        prompt: None,
        raw: "{}".into(),
    }
}

fn hostile(mode: &str) -> PluginSpec {
    hostile_with(
        mode,
        json!({}),
        Capabilities::default(),
        LimitSettings::default(),
    )
}

fn hostile_with(
    mode: &str,
    mut settings: serde_json::Value,
    grant: Capabilities,
    limits: LimitSettings,
) -> PluginSpec {
    settings["mode"] = json!(mode);
    spec(mode, "hostile", grant, limits, settings)
}

async fn call(registry: &PluginRegistry, name: &str) -> Result<HookResponse, PluginError> {
    registry.call_hook(name, &event(), None).await
}

/// The host still answers a well-behaved call after the hostile one.
async fn still_serving(registry: &PluginRegistry) {
    let response = call(registry, "ok")
        .await
        .expect("well-behaved call after an attack");
    assert_eq!(response.decision, Decision::Allow(None));
}

/// The `OK …`/`ERR …` report of an attack.
fn report(response: HookResponse) -> String {
    response
        .system_message
        .expect("hostile plugin reports in system_message")
}

fn failure(result: Result<HookResponse, PluginError>) -> Failure {
    match result {
        Ok(response) => panic!("expected a failure, got {response:?}"),
        Err(error) => {
            assert!(error.to_string().starts_with("plugin `"), "{error}");
            error.failure
        }
    }
}

fn limits(memory_mib: Option<u64>, timeout_ms: Option<u64>, fuel: Option<u64>) -> LimitSettings {
    LimitSettings {
        memory_mib,
        timeout_ms,
        fuel,
        output_kib: None,
    }
}

fn read_grant(path: &std::path::Path, access: Access) -> Capabilities {
    Capabilities {
        files: vec![FileAccess {
            path: path.to_string_lossy().into_owned(),
            access,
        }],
        ..Default::default()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn infinite_loop_is_stopped_at_its_time_limit() {
    let registry = registry(
        vec![
            hostile_with(
                "loop",
                json!({}),
                Capabilities::default(),
                limits(None, Some(200), None),
            ),
            hostile("ok"),
        ],
        None,
    );
    registry.get("loop").unwrap(); // compile outside the timed window
    let started = Instant::now();
    let failure = failure(call(&registry, "loop").await);
    let elapsed = started.elapsed();
    assert_eq!(failure, Failure::Timeout { ms: 200 });
    assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
    // Generous margin: CI machines are shared and noisy.
    assert!(
        elapsed < Duration::from_millis(700),
        "stopped only after {elapsed:?}"
    );
    still_serving(&registry).await;
}

#[tokio::test(flavor = "current_thread")]
async fn memory_bomb_hits_its_memory_limit() {
    let registry = registry(
        vec![
            hostile_with(
                "memory-bomb",
                json!({}),
                Capabilities::default(),
                limits(Some(32), None, None),
            ),
            hostile("ok"),
        ],
        None,
    );
    assert_eq!(
        failure(call(&registry, "memory-bomb").await),
        Failure::MemoryLimit { mib: 32 }
    );
    still_serving(&registry).await;
}

#[tokio::test(flavor = "current_thread")]
async fn fuel_budget_stops_a_long_computation() {
    let registry = registry(
        vec![
            hostile_with(
                "spin",
                json!({}),
                Capabilities::default(),
                limits(None, None, Some(100_000)),
            ),
            hostile("ok"),
        ],
        None,
    );
    assert_eq!(
        failure(call(&registry, "spin").await),
        Failure::FuelExhausted { fuel: 100_000 }
    );
    still_serving(&registry).await;
}

#[tokio::test(flavor = "current_thread")]
async fn panic_is_a_trap_that_carries_the_panic_message() {
    let registry = registry(vec![hostile("panic"), hostile("ok")], None);
    match failure(call(&registry, "panic").await) {
        Failure::Trap { message, stderr } => {
            assert!(message.contains("unreachable"), "{message}");
            assert!(stderr.contains("panics on purpose"), "{stderr}");
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    still_serving(&registry).await;
}

#[tokio::test(flavor = "current_thread")]
async fn hundred_megabyte_answer_is_refused() {
    let registry = registry(
        vec![
            hostile_with(
                "huge-output",
                json!({}),
                Capabilities::default(),
                limits(Some(512), Some(10_000), None),
            ),
            hostile("ok"),
        ],
        None,
    );
    match failure(call(&registry, "huge-output").await) {
        Failure::OutputTooLarge { bytes, limit } => {
            assert!(bytes >= 100 << 20, "{bytes}");
            assert_eq!(limit, 1 << 20);
        }
        other => panic!("expected an output failure, got {other:?}"),
    }
    still_serving(&registry).await;
}

#[tokio::test(flavor = "current_thread")]
async fn plugin_error_is_reported_as_such() {
    let registry = registry(vec![hostile("error")], None);
    assert_eq!(
        failure(call(&registry, "error").await),
        Failure::Plugin("hostile plugin reports an error".into())
    );
}

#[tokio::test(flavor = "current_thread")]
async fn stderr_flood_is_capped_and_harmless() {
    let registry = registry(vec![hostile("stderr-flood")], None);
    let response = call(&registry, "stderr-flood").await.unwrap();
    assert_eq!(response.decision, Decision::Allow(None));
}

#[tokio::test(flavor = "current_thread")]
async fn files_outside_the_grant_do_not_exist_for_the_plugin() {
    let granted = tempfile::tempdir().unwrap();
    let granted_path = granted.path().canonicalize().unwrap();
    std::fs::write(granted_path.join("inside.txt"), "hello").unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let grant = read_grant(&granted_path, Access::Read);
    let reader = |name: &str, path: std::path::PathBuf| {
        let mut spec = hostile_with(
            "read-file",
            json!({"path": path}),
            grant.clone(),
            LimitSettings::default(),
        );
        spec.name = name.into();
        spec
    };
    let registry = registry(
        vec![
            reader("inside", granted_path.join("inside.txt")),
            reader("outside", outside.path().join("secret.txt")),
            reader("passwd", "/etc/passwd".into()),
            reader("escape", granted_path.join("../..").join("etc/passwd")),
            hostile("ok"),
        ],
        None,
    );
    assert_eq!(
        report(call(&registry, "inside").await.unwrap()),
        "OK 5 bytes"
    );
    for attack in ["outside", "passwd", "escape"] {
        let result = report(call(&registry, attack).await.unwrap());
        assert!(result.starts_with("ERR"), "{attack}: {result}");
    }
    still_serving(&registry).await;
}

#[tokio::test(flavor = "current_thread")]
async fn without_a_grant_no_directory_is_visible() {
    let mut spec = hostile_with(
        "list-dir",
        json!({"path": "/"}),
        Capabilities::default(),
        LimitSettings::default(),
    );
    spec.name = "list".into();
    let registry = registry(vec![spec], None);
    let result = report(call(&registry, "list").await.unwrap());
    assert!(result.starts_with("ERR"), "{result}");
}

#[tokio::test(flavor = "current_thread")]
async fn read_only_grant_refuses_writes() {
    let granted = tempfile::tempdir().unwrap();
    let granted_path = granted.path().canonicalize().unwrap();
    let target = granted_path.join("pwned.txt");
    let registry = registry(
        vec![hostile_with(
            "write-file",
            json!({"path": target}),
            read_grant(&granted_path, Access::Read),
            LimitSettings::default(),
        )],
        None,
    );
    let result = report(call(&registry, "write-file").await.unwrap());
    assert!(result.starts_with("ERR"), "{result}");
    assert!(
        !target.exists(),
        "the plugin wrote through a read-only grant"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn read_write_grant_allows_writes() {
    let granted = tempfile::tempdir().unwrap();
    let granted_path = granted.path().canonicalize().unwrap();
    let target = granted_path.join("written.txt");
    let registry = registry(
        vec![hostile_with(
            "write-file",
            json!({"path": target}),
            read_grant(&granted_path, Access::ReadWrite),
            LimitSettings::default(),
        )],
        None,
    );
    assert_eq!(
        report(call(&registry, "write-file").await.unwrap()),
        "OK written"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "pwned");
}

fn env_reader(name: &str, variable: &str, grant: &[&str]) -> PluginSpec {
    let grant = Capabilities {
        env: grant.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let mut spec = hostile_with(
        "env",
        json!({"name": variable}),
        grant,
        LimitSettings::default(),
    );
    spec.name = name.into();
    spec
}

#[tokio::test(flavor = "current_thread")]
async fn environment_holds_only_declared_and_granted_names() {
    // The hostile manifest declares HOME and PATH; both are set in every test process.
    let mut all = hostile("env-all");
    all.name = "all".into();
    let registry = registry(
        vec![
            all,
            env_reader("home-ungranted", "HOME", &[]),
            env_reader("home-granted", "HOME", &["HOME"]),
            env_reader("path-ungranted", "PATH", &["HOME"]),
        ],
        None,
    );
    assert_eq!(report(call(&registry, "all").await.unwrap()), "OK ");
    let result = report(call(&registry, "home-ungranted").await.unwrap());
    assert!(result.starts_with("ERR"), "{result}");
    let home = std::env::var("HOME").unwrap();
    assert_eq!(
        report(call(&registry, "home-granted").await.unwrap()),
        format!("OK {home}")
    );
    let result = report(call(&registry, "path-ungranted").await.unwrap());
    assert!(result.starts_with("ERR"), "{result}");
}

#[tokio::test(flavor = "current_thread")]
async fn socket_plugin_without_network_grant_is_refused_at_load() {
    let registry = registry(
        vec![spec(
            "net",
            "hostile-net",
            Capabilities::default(),
            LimitSettings::default(),
            json!({"addr": "127.0.0.1:1"}),
        )],
        None,
    );
    match failure(call(&registry, "net").await) {
        Failure::Load(message) => {
            assert!(message.contains("wasi:sockets"), "{message}");
            assert!(message.contains("network grant"), "{message}");
        }
        other => panic!("expected a load refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn network_grant_reaches_only_the_granted_address() {
    let granted = TcpListener::bind("127.0.0.1:0").unwrap();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let granted_addr = granted.local_addr().unwrap().to_string();
    let other_addr = other.local_addr().unwrap().to_string();
    let grant = Capabilities {
        network: vec![granted_addr.clone()],
        ..Default::default()
    };
    let net = |name: &str, addr: &str| {
        spec(
            name,
            "hostile-net",
            grant.clone(),
            LimitSettings::default(),
            json!({"addr": addr}),
        )
    };
    let registry = registry(
        vec![net("granted", &granted_addr), net("other", &other_addr)],
        None,
    );
    let result = report(call(&registry, "granted").await.unwrap());
    assert!(result.starts_with("OK"), "{result}");
    let result = report(call(&registry, "other").await.unwrap());
    assert!(result.starts_with("ERR"), "{result}");
}

#[tokio::test(flavor = "current_thread")]
async fn corrupt_cache_entry_heals_itself() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(plugin_file("hostile")).unwrap();
    let fresh = || {
        PluginRegistry::new(
            cchost::runtime::Allocation::OnDemand,
            ComponentCache::at(dir.path()),
            vec![hostile("ok")],
            Default::default(),
        )
        .unwrap()
    };
    let registry = fresh();
    still_serving(&registry).await;
    let plain = registry
        .runtime()
        .flavor(Metering::Off, Tier::Optimized)
        .unwrap();
    let engine_dir = ComponentCache::at(dir.path())
        .engine_dir(plain.kind)
        .unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let entry = engine_dir.join(format!("{sha}.cwasm"));
    assert!(entry.is_file(), "first load stores a precompiled entry");
    std::fs::write(&entry, b"definitely not a compiled component").unwrap();
    still_serving(&fresh()).await;
    assert!(
        std::fs::metadata(&entry).unwrap().len() > 1_000,
        "entry was rebuilt"
    );
    assert_ne!(cache_dir(), dir.path());
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_world_is_refused_with_the_plugin_named() {
    // A hook component configured where a gate is expected.
    let registry = registry(vec![hostile("ok")], None);
    let input = cchost::plugins::bindings::GateInput {
        checkpoint: "pre".into(),
        root: "/".into(),
        files: vec![],
        changes: vec![],
    };
    let error = registry.call_gate("ok", &input).await.unwrap_err();
    assert!(
        error.to_string().contains("`ok`") && error.to_string().contains("not a gate"),
        "{error}"
    );
}

#[test]
fn concurrent_cache_writers_all_get_a_working_component() {
    // Several processes' worth of registries compiling the same component into one empty cache
    // at once: every one must end with a loadable entry, none with a torn file.
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let registry = PluginRegistry::new(
                    cchost::runtime::Allocation::OnDemand,
                    ComponentCache::at(path),
                    vec![hostile("ok")],
                    Default::default(),
                )
                .unwrap();
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build()
                    .unwrap();
                runtime.block_on(still_serving(&registry));
            })
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .expect("a registry failed on the shared cache");
    }
    let leftovers: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tmp-")
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
