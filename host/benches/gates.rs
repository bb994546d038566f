//! The `syntax` gate over 1,000 generated source files (Rust, Python, JSON, TOML, YAML; a few
//! with syntax errors), in the sandbox — the built-in component through `PluginRegistry`, one
//! fresh instance reading every file through WASI, as `cchost gate` runs it — and the same
//! parsing code (`syntax::run`) compiled natively, in the same run.
//!
//! Prints files per second for both, over every file and per language, and the sandbox's cost
//! as a ratio of the two medians.
//! Run with `cargo bench -p cchost --bench gates`.

use std::{path::Path, sync::Arc, time::Duration};

mod support;

use support::{Stats, measure};

use cchost::plugins::{
    PluginRegistry, PluginSource, PluginSpec,
    bindings::GateInput,
    builtin,
    grants::{Access, Capabilities, FileAccess, PathContext},
};
use cchost::runtime::{Allocation, ComponentCache};

const FILES: usize = 1_000;
const SAMPLES: usize = 15;
/// One file in this many has a syntax error, so the error paths are measured too.
const BROKEN_EVERY: usize = 50;

fn rust_file(i: usize) -> String {
    let mut text = format!("//! Module {i}.\n\nuse std::collections::HashMap;\n\n");
    for f in 0..12 {
        text += &format!(
            "/// Item {f}.\n#[derive(Debug, Clone, Default)]\npub struct Item{f} {{\n    \
             name: String,\n    values: Vec<u64>,\n    index: HashMap<String, usize>,\n}}\n\n\
             impl Item{f} {{\n    pub fn total(&self) -> u64 {{\n        \
             self.values.iter().filter(|v| **v % 2 == 0).map(|v| v * {f}).sum()\n    }}\n\n    \
             pub fn describe(&self, limit: usize) -> Result<String, String> {{\n        \
             match self.values.len() {{\n            0 => Err(format!(\"{{}} is empty\", self.name)),\n            \
             n if n > limit => Ok(format!(\"{{}}: {{n}} values\", self.name)),\n            \
             _ => Ok(self.name.clone()),\n        }}\n    }}\n}}\n\n"
        );
    }
    if i.is_multiple_of(BROKEN_EVERY) {
        text += "fn broken( {\n";
    }
    text
}

fn python_file(i: usize) -> String {
    let mut text = format!("\"\"\"Module {i}.\"\"\"\n\nfrom dataclasses import dataclass\n\n");
    for f in 0..12 {
        text += &format!(
            "@dataclass\nclass Item{f}:\n    name: str\n    values: list[int]\n\n    \
             def total(self) -> int:\n        return sum(v * {f} for v in self.values if v % 2 == 0)\n\n    \
             def describe(self, limit: int) -> str:\n        match len(self.values):\n            \
             case 0:\n                raise ValueError(f\"{{self.name}} is empty\")\n            \
             case n if n > limit:\n                return f\"{{self.name}}: {{n}} values\"\n            \
             case _:\n                return self.name\n\n\n"
        );
    }
    if i.is_multiple_of(BROKEN_EVERY) {
        text += "def broken(:\n    pass\n";
    }
    text
}

fn json_file(i: usize) -> String {
    let items: Vec<String> = (0..40)
        .map(|n| {
            format!(
                "    {{\"id\": {n}, \"name\": \"item-{i}-{n}\", \"tags\": [\"a\", \"b\"], \
                 \"limits\": {{\"cpu\": 0.5, \"memory\": 512}}, \"enabled\": true}}"
            )
        })
        .collect();
    let close = if i.is_multiple_of(BROKEN_EVERY) {
        ""
    } else {
        "]"
    };
    format!("[\n{}\n{close}\n", items.join(",\n"))
}

fn toml_file(i: usize) -> String {
    let mut text = format!("name = \"service-{i}\"\nversion = \"1.0.{i}\"\n\n");
    for n in 0..30 {
        text += &format!(
            "[server.s{n}]\nhost = \"10.0.0.{n}\"\nports = [80, 443, {}]\n\
             limits = {{ cpu = 0.5, memory = 512 }}\n\n",
            8000 + n
        );
    }
    if i.is_multiple_of(BROKEN_EVERY) {
        text += "[server\n";
    }
    text
}

fn yaml_file(i: usize) -> String {
    let mut text = format!("name: service-{i}\nservers:\n");
    for n in 0..30 {
        text += &format!(
            "  - host: 10.0.0.{n}\n    ports: [80, 443]\n    limits:\n      cpu: 0.5\n      \
             memory: 512\n    tags:\n      - a\n      - b\n"
        );
    }
    if i.is_multiple_of(BROKEN_EVERY) {
        text += "  - [unclosed\n";
    }
    text
}

/// 1,000 files: 40 % Rust, 30 % Python, 10 % each JSON, TOML and YAML. Returns their paths
/// relative to `root` and the total size in bytes.
fn generate(root: &Path) -> (Vec<String>, usize) {
    let mut files = Vec::with_capacity(FILES);
    let mut bytes = 0;
    for i in 0..FILES {
        let (dir, name, text) = match i % 10 {
            0..=3 => ("src", format!("m{i}.rs"), rust_file(i)),
            4..=6 => ("py", format!("m{i}.py"), python_file(i)),
            7 => ("data", format!("d{i}.json"), json_file(i)),
            8 => ("conf", format!("c{i}.toml"), toml_file(i)),
            _ => ("deploy", format!("k{i}.yaml"), yaml_file(i)),
        };
        std::fs::create_dir_all(root.join(dir)).unwrap();
        let path = format!("{dir}/{name}");
        std::fs::write(root.join(&path), &text).unwrap();
        bytes += text.len();
        files.push(path);
    }
    (files, bytes)
}

fn rate(count: usize, stats: &Stats) -> f64 {
    count as f64 / stats.p50.as_secs_f64()
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

fn pair(stats: &Stats) -> String {
    format!("{} ({})", ms(stats.p50), ms(stats.p90))
}

fn main() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path().canonicalize().unwrap();
    let (files, bytes) = generate(&root);
    let cache = tempfile::tempdir().unwrap();

    let spec = PluginSpec {
        name: "syntax".into(),
        source: PluginSource::Builtin(builtin::find("syntax").expect("built-in syntax gate")),
        grant: Capabilities {
            files: vec![FileAccess {
                path: root.display().to_string(),
                access: Access::Read,
            }],
            ..Capabilities::default()
        },
        limits: Default::default(),
        settings: Default::default(),
    };
    let registry = Arc::new(
        PluginRegistry::new(
            // As `cchost gate` runs it.
            Allocation::OnDemand,
            ComponentCache::at(cache.path()),
            vec![spec],
            PathContext::from_env(Some(root.clone())),
        )
        .expect("registry"),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let expected_errors = FILES.div_ceil(BROKEN_EVERY);
    let settings = syntax::Settings::default();

    // Every file, then each language alone, in the sandbox and natively.
    let mut groups: Vec<(String, Vec<String>)> = vec![("all".into(), files.clone())];
    for extension in ["rs", "py", "json", "toml", "yaml"] {
        let subset: Vec<String> = files
            .iter()
            .filter(|f| f.ends_with(&format!(".{extension}")))
            .cloned()
            .collect();
        groups.push((format!(".{extension}"), subset));
    }
    let megabytes = bytes as f64 / 1e6;
    println!(
        "syntax gate over {FILES} files ({megabytes:.1} MB: Rust, Python, JSON, TOML, YAML; \
         {expected_errors} with an error)"
    );
    println!(
        "| files | count | sandbox p50 (p90) | native p50 (p90) | sandbox files/s | native files/s | sandbox / native |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut samples = 0;
    for (label, subset) in &groups {
        let input = GateInput {
            checkpoint: "bench".into(),
            root: root.display().to_string(),
            files: subset.clone(),
            changes: Vec::new(),
        };
        let native_input = cchost_sdk::GateInput {
            checkpoint: input.checkpoint.clone(),
            root: input.root.clone(),
            files: subset.clone(),
            changes: Vec::new(),
        };
        let mut sandbox_findings = 0;
        let sandboxed = measure(SAMPLES, || {
            let report = runtime
                .block_on(registry.call_gate("syntax", &input))
                .expect("gate call");
            sandbox_findings = report.findings.len();
        });
        let mut native_findings = 0;
        let native = measure(SAMPLES, || {
            native_findings = syntax::run(&native_input, &settings).len();
        });
        assert_eq!(
            sandbox_findings, native_findings,
            "{label}: same code, same findings"
        );
        samples = sandboxed.samples;
        if label == "all" {
            assert_eq!(native_findings, expected_errors);
        }
        println!(
            "| {label} | {} | {} | {} | {:.0} | {:.0} | {:.2}× |",
            subset.len(),
            pair(&sandboxed),
            pair(&native),
            rate(subset.len(), &sandboxed),
            rate(subset.len(), &native),
            sandboxed.p50.as_secs_f64() / native.p50.as_secs_f64()
        );
    }
    println!("({samples} samples per case)");
}
