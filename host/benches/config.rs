//! Loading and merging the three configuration tiers (~50 keys, env expansion in a third of the
//! strings) plus a `-c` override, from real files, as every cchost command does on start.
//! Printed beside the seed's 6.6 ms. Run with `cargo bench -p cchost --bench config`.

mod support;

use cchost::config::{LoadOptions, Loaded};
use support::measure;

const SEED_MS: f64 = 6.6;
const TARGET_MS: f64 = 0.3;

const GLOBAL: &str = r#"
# Global: built-in hooks everywhere, with settings.
[plugins.guard-commands]
settings = { protected_branches = ["main", "master", "release/*"], allow_sudo = false }
[plugins.guard-commands.limits]
timeout_ms = 500
memory_mib = 32

[plugins.protect-paths.settings]
deny = [".env*", "**/secrets/**", "~/.ssh/**", "${HOME}/.aws/**"]
allow_outside_project = false

[plugins.secret-scan.settings]
mode = "block"
min_entropy = 4.0
min_length = 20
redact = true
allow = ["AKIAIOSFODNN7EXAMPLE", "${BENCH_ALLOW:-none}"]
report_file = "${HOME}/.cache/cchost/secrets.log"
kinds = ["aws", "github", "slack", "private-key", "generic"]
context_chars = 8
warn_only_paths = ["docs/**", "tests/fixtures/**"]

[plugins.secret-scan.limits]
timeout_ms = 300
memory_mib = 48
fuel = 100000000
output_kib = 64

[[hooks.PreToolUse]]
matcher = "Bash"
plugin = "guard-commands"

[[hooks.PreToolUse]]
matcher = "Read|Write|Edit|MultiEdit"
plugin = "protect-paths"

[session]
durability = "batch"
batch_interval_ms = 50

[mcp.servers.memory]
command = "mcp-server-memory"
env = { MEMORY_FILE_PATH = "${HOME}/.cache/memory.json" }

[trust]
projects = ["${BENCH_PROJECT}"]
"#;

const PROJECT: &str = r#"
plugin_dirs = ["${PROJECT}/plugins"]

[plugins.secret-scan.grant]
env = ["HOME"]

[[hooks.PostToolUse]]
plugin = "secret-scan"

[[hooks.PostToolUse]]
matcher = "mcp__.*"
plugin = "guard-commands"
on_error = "allow"

[[hooks.UserPromptSubmit]]
plugin = "secret-scan"

[session]
dir = "${PROJECT}/.cchost/sessions"
batch_records = 500

[mcp.servers.fs]
command = "mcp-server-filesystem"
args = ["${PROJECT}", "${BENCH_TMP:-/tmp}"]
timeout_ms = 10000

[mcp.servers.everything]
type = "http"
url = "http://127.0.0.1:${BENCH_PORT:-3001}/mcp"
headers = { Authorization = "Bearer ${BENCH_TOKEN:-none}" }
"#;

const SESSION: &str = r#"
[session]
durability = "always"

[[hooks.Stop]]
plugin = "secret-scan"
on_error = "allow"
timeout_ms = 200
"#;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join(".cchost")).unwrap();
    std::fs::create_dir_all(project.join("src/app")).unwrap();
    let global = dir.path().join("xdg/cchost/config.toml");
    std::fs::create_dir_all(global.parent().unwrap()).unwrap();
    std::fs::write(
        &global,
        GLOBAL.replace("${BENCH_PROJECT}", project.to_str().unwrap()),
    )
    .unwrap();
    std::fs::write(project.join(".cchost/config.toml"), PROJECT).unwrap();
    let session = dir.path().join("session-config.toml");
    std::fs::write(&session, SESSION).unwrap();

    let options = LoadOptions {
        cwd: project.join("src/app"),
        global_file: Some(global),
        session_file: Some(session),
        overrides: vec!["plugins.guard-commands.limits.timeout_ms=800".into()],
        trust_project: false,
    };
    let loaded = Loaded::load(&options).expect("the bench configuration loads");
    let keys = loaded.tree.leaves().len();
    assert!(loaded.project_trusted && loaded.warnings.is_empty());

    let stats = measure(5_000, || {
        std::hint::black_box(Loaded::load(&options).unwrap());
    });
    let p50_ms = stats.p50.as_secs_f64() * 1e3;
    println!(
        "config load: 3 tiers + -c, {keys} resolved keys, env expansion, {} samples",
        stats.samples
    );
    println!(
        "  p50 {:.3} ms   p90 {:.3} ms   seed {SEED_MS} ms   {:.0}x faster than the seed   target p50 <= {TARGET_MS} ms: {}",
        p50_ms,
        stats.p90.as_secs_f64() * 1e3,
        SEED_MS / p50_ms,
        if p50_ms <= TARGET_MS {
            "met"
        } else {
            "NOT met"
        }
    );
}
