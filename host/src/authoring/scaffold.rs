//! `cchost plugin new`: a working plugin project for a kind (hook, gate, agent) in a language —
//! source, manifest, build instructions, unit tests where the language runs them natively, and a
//! `.cchost/config.toml` that makes the directory a project running the plugin, with sample
//! inputs under `tests/` to try it on.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::Language;
use crate::plugins::manifest::PluginKind;

/// What to create.
#[derive(Debug, Clone)]
pub struct Request {
    pub name: String,
    pub kind: PluginKind,
    pub language: Language,
    /// The project directory to create (it must not exist, or be empty).
    pub dir: PathBuf,
    /// The `cchost-sdk` crate a Rust plugin depends on (its directory).
    pub sdk: Option<PathBuf>,
}

/// The SDK next to the sources this binary was built from, when they are still there.
pub fn default_sdk() -> Option<PathBuf> {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
    if !sdk.join("Cargo.toml").is_file() {
        return None;
    }
    sdk.canonicalize().ok()
}

/// A plugin name becomes a crate name, a file name and part of rule ids: kebab-case only.
pub fn check_name(name: &str) -> Result<()> {
    let valid = name.split('-').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }) && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !valid {
        bail!(
            "`{name}` is not a valid plugin name: use lowercase letters, digits and single \
             hyphens, starting with a letter (e.g. `no-shutdown`)"
        );
    }
    Ok(())
}

/// Writes the project and returns the files it created, relative to `request.dir`.
pub fn create(request: &Request) -> Result<Vec<String>> {
    check_name(&request.name)?;
    let dir = &request.dir;
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("read {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} already exists and is not empty: choose another name or --dir",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    // The sample events name the project as their `cwd`, which is how `cchost hook` finds it.
    let request = &Request {
        dir: dir.canonicalize()?,
        ..request.clone()
    };
    let files = files(request)?;
    for (path, text) in &files {
        let dir = &request.dir;
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("create {}", parent.display()))?;
        }
        std::fs::write(&target, text).with_context(|| format!("write {}", target.display()))?;
    }
    Ok(files.into_iter().map(|(path, _)| path).collect())
}

/// Every file of the project with its contents.
fn files(request: &Request) -> Result<Vec<(String, String)>> {
    let (kind, language) = (request.kind, request.language);
    let limits = match (kind, language) {
        (PluginKind::Hook, Language::Rust) => ("16", "500"),
        (PluginKind::Hook, _) => ("32", "1000"),
        (PluginKind::Gate, _) => ("64", "10000"),
        (PluginKind::Agent, _) => ("64", "60000"),
    };
    let sdk = match (&request.sdk, language) {
        (Some(sdk), _) => format!("{{ path = {:?} }}", sdk.display().to_string()),
        (None, Language::Rust) => bail!(
            "cchost-sdk is not published: pass --sdk DIR, the `sdk/` directory of a cchost \
             checkout"
        ),
        (None, _) => String::new(),
    };
    let dir_json = serde_json::to_string(&request.dir.display().to_string())?;
    let fill = |template: &str| {
        template
            .replace("\"{{dir}}\"", &dir_json)
            .replace("{{name}}", &request.name)
            .replace("{{kind}}", kind.as_str())
            .replace("{{sdk}}", &sdk)
            .replace("{{memory_mib}}", limits.0)
            .replace("{{timeout_ms}}", limits.1)
    };
    let mut files = vec![
        ("plugin.toml".to_string(), fill(manifest(kind))),
        (".cchost/config.toml".into(), fill(project_config(kind))),
        (".gitignore".into(), GITIGNORE.into()),
        ("README.md".into(), readme(request)),
    ];
    files.extend(
        samples(kind)
            .iter()
            .map(|(path, text)| (path.to_string(), fill(text))),
    );
    let source = match language {
        Language::Rust => {
            files.push(("Cargo.toml".into(), fill(RUST_CARGO)));
            ("src/lib.rs", by_kind(kind, RUST_SOURCES))
        }
        Language::Python => {
            files.push(("requirements.txt".into(), PYTHON_REQUIREMENTS.into()));
            ("app.py", by_kind(kind, PYTHON_SOURCES))
        }
        Language::Js => {
            files.push(("package.json".into(), fill(JS_PACKAGE)));
            files.push(("world.wit".into(), by_kind(kind, JS_WORLDS).into()));
            ("index.js", by_kind(kind, JS_SOURCES))
        }
    };
    files.push((source.0.into(), fill(source.1)));
    Ok(files)
}

fn by_kind(kind: PluginKind, [hook, gate, agent]: [&'static str; 3]) -> &'static str {
    match kind {
        PluginKind::Hook => hook,
        PluginKind::Gate => gate,
        PluginKind::Agent => agent,
    }
}

fn manifest(kind: PluginKind) -> &'static str {
    by_kind(
        kind,
        [
            include_str!("../../templates/common/plugin-hook.toml"),
            include_str!("../../templates/common/plugin-gate.toml"),
            include_str!("../../templates/common/plugin-agent.toml"),
        ],
    )
}

fn project_config(kind: PluginKind) -> &'static str {
    by_kind(
        kind,
        [
            include_str!("../../templates/common/config-hook.toml"),
            include_str!("../../templates/common/config-gate.toml"),
            include_str!("../../templates/common/config-agent.toml"),
        ],
    )
}

fn samples(kind: PluginKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        PluginKind::Hook => &[
            (
                "tests/deny.json",
                include_str!("../../templates/common/deny.json"),
            ),
            (
                "tests/allow.json",
                include_str!("../../templates/common/allow.json"),
            ),
        ],
        PluginKind::Gate => &[(
            "tests/conflict.txt",
            include_str!("../../templates/common/conflict.txt"),
        )],
        PluginKind::Agent => &[],
    }
}

const GITIGNORE: &str = include_str!("../../templates/common/gitignore");
const RUST_CARGO: &str = include_str!("../../templates/rust/Cargo.toml");
const RUST_SOURCES: [&str; 3] = [
    include_str!("../../templates/rust/hook.rs"),
    include_str!("../../templates/rust/gate.rs"),
    include_str!("../../templates/rust/agent.rs"),
];
const PYTHON_REQUIREMENTS: &str = include_str!("../../templates/python/requirements.txt");
const PYTHON_SOURCES: [&str; 3] = [
    include_str!("../../templates/python/hook.py"),
    include_str!("../../templates/python/gate.py"),
    include_str!("../../templates/python/agent.py"),
];
const JS_PACKAGE: &str = include_str!("../../templates/js/package.json");
const JS_WORLDS: [&str; 3] = [
    include_str!("../../templates/js/world-hook.wit"),
    include_str!("../../templates/js/world-gate.wit"),
    include_str!("../../templates/js/world-agent.wit"),
];
const JS_SOURCES: [&str; 3] = [
    include_str!("../../templates/js/hook.js"),
    include_str!("../../templates/js/gate.js"),
    include_str!("../../templates/js/agent.js"),
];

/// The project's README: what it is, how to build it, how to try it.
fn readme(request: &Request) -> String {
    let name = &request.name;
    let kind = request.kind.as_str();
    let (source, toolchain, unit_tests) = match request.language {
        Language::Rust => (
            "`src/lib.rs`",
            "Rust with the `cchost-sdk` crate; the build needs the `wasm32-wasip2` target \
             (`rustup target add wasm32-wasip2`).",
            "\nUnit tests of the plugin's logic run natively: `cargo test`.\n",
        ),
        Language::Python => (
            "`app.py`",
            "Python, componentized with componentize-py. The first build creates `.venv` and \
             installs the pinned toolchain of `requirements.txt` into it (needs `python3` with \
             `venv`). CPython's libc imports `wasi:sockets`; the build plugs those imports \
             with stubs that trap, so the plugin needs no network grant.",
            "",
        ),
        Language::Js => (
            "`index.js` (its world: `world.wit`)",
            "JavaScript, componentized with ComponentizeJS (StarlingMonkey). The first build \
             runs `npm install` for the pinned toolchain of `package.json` (needs `node` and \
             `npm`).",
            "",
        ),
    };
    let try_it = match request.kind {
        PluginKind::Hook => format!(
            "```sh\ncchost hook < tests/deny.json    # denies: `shutdown` is not allowed here\n\
             cchost hook < tests/allow.json   # no opinion: prints nothing\n```\n\n\
             (The samples' `cwd` is this directory: that is how `cchost hook` finds the \
             project.) \
             `.cchost/config.toml` runs it on every Bash PreToolUse event of this directory; \
             in another project, add the same `[plugins.{name}]` (with the path to \
             `dist/{name}.wasm`) and `[[hooks.PreToolUse]]` entries, and Claude Code runs it \
             through `cchost hook install --project`.\n"
        ),
        PluginKind::Gate => format!(
            "```sh\ncchost gate --all              # fails: tests/conflict.txt has conflict markers at lines 2, 4 and 6\n\
             cchost gate --all --format sarif\n```\n\n\
             `.cchost/config.toml` runs it at the `check` checkpoint; delete \
             `tests/conflict.txt` and the gate passes. In another project, add \
             `[plugins.{name}]` (with the path to `dist/{name}.wasm`) and name it in a \
             checkpoint's `gates`.\n"
        ),
        PluginKind::Agent => format!(
            "```sh\ncchost run --json              # the workflow of .cchost/config.toml: this agent alone\n\
             cchost session show latest --kind task-seen   # what it recorded\n```\n\n\
             Give it more as it grows: declare capabilities (`mcp`, `model`, `exec`, `files`) \
             in `plugin.toml` and grant them in `[workflow.agents.{name}.grant]`.\n"
        ),
    };
    format!(
        "# {name}\n\n\
         A cchost {kind} plugin in {toolchain}\n\n\
         - {source}: the plugin;\n\
         - `plugin.toml`: its manifest — what it is, the capabilities it declares, its limits;\n\
         - `.cchost/config.toml`: this directory as a cchost project that runs it;\n\
         - `tests/`: sample inputs to try it on.\n\n\
         ## Build\n\n\
         ```sh\ncchost plugin build     # leaves dist/{name}.wasm and its manifest dist/{name}.toml, then checks them\n```\n\
         {unit_tests}\n\
         ## Try it\n\n\
         {try_it}\n\
         `cchost plugin inspect dist/{name}.wasm` shows its imports, exports and what this \
         project grants it. The guide to writing plugins is `docs/writing-plugins.md` in the \
         cchost repository.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kebab_case() {
        for good in ["a", "no-shutdown", "gate2", "x-1-y"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "no_shutdown",
            "1a",
            "a b",
            "../x",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_template_placeholder_is_filled() {
        for kind in [PluginKind::Hook, PluginKind::Gate, PluginKind::Agent] {
            for language in [Language::Rust, Language::Python, Language::Js] {
                let request = Request {
                    name: "p".into(),
                    kind,
                    language,
                    dir: PathBuf::from("/nonexistent"),
                    sdk: Some(PathBuf::from("/sdk")),
                };
                for (path, text) in files(&request).unwrap() {
                    assert!(!text.contains("{{"), "{kind:?} {language}: {path}");
                }
            }
        }
    }

    #[test]
    fn a_rust_plugin_needs_an_sdk() {
        let request = Request {
            name: "p".into(),
            kind: PluginKind::Hook,
            language: Language::Rust,
            dir: PathBuf::from("/nonexistent"),
            sdk: None,
        };
        let error = files(&request).unwrap_err().to_string();
        assert!(error.contains("--sdk"), "{error}");
    }

    #[test]
    fn an_existing_project_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
        let request = Request {
            name: "p".into(),
            kind: PluginKind::Gate,
            language: Language::Python,
            dir: dir.path().to_path_buf(),
            sdk: None,
        };
        let error = create(&request).unwrap_err().to_string();
        assert!(error.contains("not empty"), "{error}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "mine"
        );
    }
}
