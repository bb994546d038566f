//! Hook dispatch cost, with baselines measured in the same run:
//!
//! - in process: one hook (`guard-commands`) in a fresh instance, pooled and on-demand
//!   allocators, versus spawning `/bin/true` and a Python hook making the same decision;
//! - `cchost hook` as a whole process versus the same two, and `cchost-hook`, the slim hook
//!   executable (what `cchost hook install` writes when it is installed), built here as users
//!   install it: alone, without the compilers (`--no-default-features`), both linked against
//!   glibc and for musl as a static-pie (what `just install` builds on Linux).
//!
//! Prints p50/p90 per case and the ratios. Run with `cargo bench -p cchost --bench hooks`;
//! `cargo bench -p cchost --bench hooks -- pooling` runs only the cases whose name contains
//! `pooling` (for profiling one of them).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

mod support;

use support::{Stats, fmt, measure, run_process};

use cchost::{
    hooks::{HookInput, dispatch::wit_event},
    plugins::{
        PluginRegistry, PluginSource, PluginSpec, bindings::Decision, builtin::PLUGIN_BUILD_DIR,
        grants::PathContext,
    },
    runtime::{Allocation, ComponentCache},
};

const PAYLOAD: &str = r#"{"session_id":"bench","transcript_path":"/tmp/t.jsonl","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"},"tool_use_id":"t1"}"#;

fn in_process(allocation: Allocation, cache: &Path, plugin: &str) -> Stats {
    let trivial = PluginSpec {
        name: "trivial".into(),
        source: PluginSource::File(Path::new(PLUGIN_BUILD_DIR).join("hostile.wasm")),
        grant: Default::default(),
        limits: Default::default(),
        settings: serde_json::json!({"mode": "deny"})
            .as_object()
            .unwrap()
            .clone(),
    };
    let registry = PluginRegistry::new(
        allocation,
        ComponentCache::at(cache),
        vec![trivial],
        PathContext::default(),
    )
    .expect("registry");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let input = HookInput::parse(PAYLOAD.as_bytes(), None).unwrap();
    let event = wit_event(&input);
    measure(5_000, || {
        let response = runtime
            .block_on(registry.call_hook(plugin, &event, None))
            .expect("hook call");
        assert!(matches!(response.decision, Decision::Deny(_)));
    })
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters the cases by name.
    let filter = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .unwrap_or_default();
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    let project = work.path().join("project");
    std::fs::create_dir_all(project.join(".cchost")).unwrap();
    std::fs::write(
        project.join(".cchost/config.toml"),
        "[[hooks.PreToolUse]]\nmatcher = \"Bash\"\nplugin = \"guard-commands\"\n",
    )
    .unwrap();
    let payload = PAYLOAD.replace("\"/tmp\"", &format!("{:?}", project.display().to_string()));
    let python_hook = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/bench/python_hook.py");
    let cchost = env!("CARGO_BIN_EXE_cchost");
    let envs = [("XDG_CACHE_HOME", cache.as_path()), ("HOME", work.path())];

    let mut rows: Vec<(&str, Stats)> = Vec::new();
    let mut case = |name: &'static str, run: &dyn Fn() -> Stats| {
        if name.contains(filter.as_str()) {
            rows.push((name, run()));
        }
    };
    case("in-process, trivial hook, pooling", &|| {
        in_process(Allocation::Pooling, &cache.join("cchost"), "trivial")
    });
    case("in-process, pooling allocator", &|| {
        in_process(Allocation::Pooling, &cache.join("cchost"), "guard-commands")
    });
    case("in-process, on-demand allocator", &|| {
        in_process(
            Allocation::OnDemand,
            &cache.join("cchost"),
            "guard-commands",
        )
    });
    case("cchost hook (whole process)", &|| {
        measure(300, || {
            let out = run_process(cchost, &["hook"], &payload, &envs);
            assert!(
                out.starts_with(b"{\"hookSpecificOutput\""),
                "{}",
                String::from_utf8_lossy(&out)
            );
        })
    });
    for flavor in [SlimFlavor::Dynamic, SlimFlavor::Musl] {
        let build = match flavor.build() {
            Ok(build) => build,
            Err(why) => {
                eprintln!("{}: skipped ({why})", flavor.case());
                continue;
            }
        };
        case(flavor.case(), &|| {
            let slim = slim_hook_executable(&build);
            let slim = slim.to_str().unwrap();
            // Cache misses go to `cchost hook`; after the warm-up every call answers alone.
            let envs = [
                ("XDG_CACHE_HOME", cache.as_path()),
                ("HOME", work.path()),
                ("CCHOST_EXE", Path::new(cchost)),
            ];
            measure(300, || {
                let out = run_process(slim, &[], &payload, &envs);
                assert!(
                    out.starts_with(b"{\"hookSpecificOutput\""),
                    "{}",
                    String::from_utf8_lossy(&out)
                );
            })
        });
    }
    case("spawn /bin/true", &|| {
        measure(300, || {
            run_process("/bin/true", &[], "", &[]);
        })
    });
    case("Python hook (same decision)", &|| {
        let python = which_python();
        measure(60, || {
            let out = run_process(&python, &[python_hook], &payload, &[]);
            assert!(out.starts_with(b"{\"hookSpecificOutput\""));
        })
    });

    println!(
        "\n{:<36} {:>10} {:>10} {:>8}",
        "case", "p50", "p90", "samples"
    );
    for (name, stats) in &rows {
        println!(
            "{name:<36} {:>10} {:>10} {:>8}",
            fmt(stats.p50),
            fmt(stats.p90),
            stats.samples
        );
    }
    let p50 = |name: &str| {
        rows.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, stats)| stats.p50.as_secs_f64())
    };
    let (Some(pooled), Some(process), Some(slim), Some(bin_true), Some(python)) = (
        p50("in-process, pooling allocator"),
        p50("cchost hook (whole process)"),
        p50("cchost-hook (slim process)"),
        p50("spawn /bin/true"),
        p50("Python hook (same decision)"),
    ) else {
        return; // a filtered run: no ratios
    };
    println!("\nratios (p50):");
    println!(
        "  spawn /bin/true / in-process (pooling)   = {:>8.1}x",
        bin_true / pooled
    );
    println!(
        "  Python hook     / in-process (pooling)   = {:>8.1}x",
        python / pooled
    );
    println!(
        "  spawn /bin/true / cchost hook process    = {:>8.2}x",
        bin_true / process
    );
    println!(
        "  Python hook     / cchost hook process    = {:>8.1}x",
        python / process
    );
    println!(
        "  spawn /bin/true / cchost-hook process    = {:>8.2}x",
        bin_true / slim
    );
    println!(
        "  Python hook     / cchost-hook process    = {:>8.1}x",
        python / slim
    );
    println!(
        "  cchost hook     / cchost-hook process    = {:>8.2}x",
        process / slim
    );
    if let Some(musl) = p50(SlimFlavor::Musl.case()) {
        println!(
            "  spawn /bin/true / cchost-hook musl       = {:>8.2}x",
            bin_true / musl
        );
        println!(
            "  Python hook     / cchost-hook musl       = {:>8.1}x",
            python / musl
        );
        println!(
            "  cchost hook     / cchost-hook musl       = {:>8.2}x",
            process / musl
        );
        println!(
            "  cchost-hook     / cchost-hook musl       = {:>8.2}x",
            slim / musl
        );
    }
}

/// The two ways `cchost-hook` is installed (README, "Use it from Claude Code").
#[derive(Clone, Copy)]
enum SlimFlavor {
    /// `cargo install --path host --no-default-features --bin cchost-hook`, linked against the
    /// system's glibc.
    Dynamic,
    /// What `just install` builds on Linux: the same for the host's `-linux-musl` target, a
    /// static-pie (still position independent) with no shared libraries to load and none of
    /// glibc's start-up CPU probing.
    Musl,
}

/// How one flavor is built: its `--target`, the C compiler for that target and where.
struct SlimBuild {
    target: Option<String>,
    c_compiler: Option<(String, &'static str)>,
    dir: &'static str,
}

impl SlimFlavor {
    fn case(self) -> &'static str {
        match self {
            SlimFlavor::Dynamic => "cchost-hook (slim process)",
            SlimFlavor::Musl => "cchost-hook (musl static-pie)",
        }
    }

    fn build(self) -> Result<SlimBuild, String> {
        match self {
            SlimFlavor::Dynamic => Ok(SlimBuild {
                target: None,
                c_compiler: None,
                dir: "slim-hook",
            }),
            SlimFlavor::Musl => {
                let host = host_triple().ok_or("cannot run `rustc -vV`")?;
                let musl = host
                    .strip_suffix("-linux-gnu")
                    .map(|arch| format!("{arch}-linux-musl"))
                    .ok_or_else(|| format!("host {host} is not linux-gnu"))?;
                let installed = Command::new("rustup")
                    .args(["target", "list", "--installed"])
                    .output()
                    .map_err(|e| format!("cannot run rustup: {e}"))?;
                if !String::from_utf8_lossy(&installed.stdout)
                    .lines()
                    .any(|line| line == musl)
                {
                    return Err(format!("`rustup target add {musl}` first"));
                }
                if Command::new("musl-gcc").arg("--version").output().is_err() {
                    return Err("musl-gcc is missing (Debian: apt install musl-tools)".into());
                }
                Ok(SlimBuild {
                    c_compiler: Some((format!("CC_{}", musl.replace('-', "_")), "musl-gcc")),
                    target: Some(musl),
                    dir: "slim-hook-musl",
                })
            }
        }
    }
}

fn host_triple() -> Option<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = Command::new(rustc).arg("-vV").output().ok()?;
    String::from_utf8(output.stdout)
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_string))
}

/// Builds `cchost-hook` as users install it — alone, release, without the compilers — in a
/// target directory of its own (a build with the other targets would unify the features and
/// link the compilers in). The first build takes minutes; later ones are incremental.
fn slim_hook_executable(build: &SlimBuild) -> PathBuf {
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join(build.dir);
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .args([
            "build",
            "--release",
            "--quiet",
            "--package",
            "cchost",
            "--no-default-features",
            "--bin",
            "cchost-hook",
            "--target-dir",
        ])
        .arg(&target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some((variable, compiler)) = &build.c_compiler {
        cargo.env(variable, compiler);
    }
    let mut output_dir = target_dir;
    if let Some(triple) = &build.target {
        cargo.args(["--target", triple]);
        output_dir = output_dir.join(triple);
    }
    let status = cargo.status().expect("run cargo to build cchost-hook");
    assert!(status.success(), "building the slim cchost-hook failed");
    output_dir.join("release/cchost-hook")
}

fn which_python() -> String {
    for candidate in ["python3", "python"] {
        if Command::new(candidate)
            .arg("-c")
            .arg("0")
            .status()
            .is_ok_and(|s| s.success())
        {
            return candidate.to_string();
        }
    }
    panic!("the benchmark needs python3 for its Python-hook baseline");
}
