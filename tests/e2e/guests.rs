//! The guest-language plugins of `examples/plugins/` — Python (componentize-py), JavaScript
//! (ComponentizeJS, and the hook also on QuickJS) and C (wit-bindgen, Zig's clang and wasi-libc)
//! — built from source on first use into `<cargo target tmp>/guest-plugins`.
//! The toolchains are the pinned npm and PyPI packages of `tests/mcp/servers`, which
//! `servers::dir()` installs, and for C `wit-bindgen-cli` from crates.io, installed beside the
//! components; the build runs under an exclusive file lock and is skipped while its stamp is
//! newer than every plugin source, the contract (`wit/`) and the toolchain pins.
//! The e2e tests and the `languages` benchmark both include this file.

use std::{
    fs::{self, File},
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
    time::{Instant, SystemTime},
};

/// A guest language of `examples/plugins/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    Js,
    C,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Python, Language::Js, Language::C];

    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "Python",
            Language::Js => "JavaScript",
            Language::C => "C",
        }
    }

    /// Its directory under `examples/plugins/`.
    fn dir(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Js => "js",
            Language::C => "c",
        }
    }
}

/// The plugins every guest language has: a hook and a gate.
pub const PLUGINS: [&str; 2] = ["guard-rm", "fixme-gate"];

/// The Python hook as componentize-py leaves it, still importing `wasi:sockets`.
pub const PYTHON_HOOK_WITH_SOCKETS: &str = "guard-rm-sockets";

/// The JavaScript hook built with QuickJS (componentize-qjs) instead of StarlingMonkey.
pub const JS_HOOK_ON_QUICKJS: &str = "guard-rm-quickjs";

/// The `wit-bindgen` that writes the C bindings (a crates.io release: `wit-bindgen-cli`).
const WIT_BINDGEN_VERSION: &str = "0.61.1";

/// The built component of `plugin` in `language`, its manifest beside it (`x.wasm`, `x.toml`).
pub fn component(language: Language, plugin: &str) -> PathBuf {
    built().join(language.dir()).join(format!("{plugin}.wasm"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository root")
}

/// The build directory, every component in it up to date.
fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let toolchains = crate::servers::dir();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guest-plugins");
        fs::create_dir_all(&out).expect("create the guest build directory");
        // Test binaries and benchmarks may build concurrently: one builds, the others wait.
        let lock = File::create(out.join(".lock")).expect("create the guest build lock");
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).expect("lock");
        let stamp = out.join(".built");
        if !is_fresh(&stamp, &sources(toolchains)) {
            let started = Instant::now();
            eprintln!("building the Python, JavaScript and C guest plugins (a few minutes)…");
            // One after the other: each toolchain keeps one core busy, and the other core is
            // left to the tests running meanwhile, some of which time their plugins.
            build_python(toolchains, &out);
            build_js(toolchains, &out);
            build_c(toolchains, &out);
            fs::write(&stamp, b"").expect("write the guest build stamp");
            eprintln!("guest plugins built in {:.1?}", started.elapsed());
        }
        out
    })
}

fn build_python(toolchains: &Path, out: &Path) {
    let examples = repo().join("examples/plugins/python");
    let build = |plugin: &str, output: &str, extra: &[&str]| {
        run(Command::new(toolchains.join(".venv/bin/python"))
            .arg(examples.join("build.py"))
            .arg(examples.join(plugin))
            .arg(out.join("python").join(format!("{output}.wasm")))
            .args(extra)
            .env("CCHOST_WIT", repo().join("wit")));
    };
    for plugin in PLUGINS {
        build(plugin, plugin, &[]);
    }
    build("guard-rm", PYTHON_HOOK_WITH_SOCKETS, &["--keep-sockets"]);
}

fn build_js(toolchains: &Path, out: &Path) {
    // `build.mjs` imports ComponentizeJS, which Node resolves from the script's own directory:
    // run a copy beside a link to the installed packages.
    let script_dir = out.join("js-build");
    fs::create_dir_all(&script_dir).expect("create the JS build directory");
    let script = script_dir.join("build.mjs");
    fs::copy(repo().join("examples/plugins/js/build.mjs"), &script).expect("copy build.mjs");
    let modules = script_dir.join("node_modules");
    let _ = fs::remove_file(&modules);
    std::os::unix::fs::symlink(toolchains.join("node_modules"), &modules)
        .expect("link node_modules");
    let build = |plugin: &str, output: &str, extra: &[&str]| {
        run(Command::new("node")
            .arg(&script)
            .arg(repo().join("examples/plugins/js").join(plugin))
            .arg(out.join("js").join(format!("{output}.wasm")))
            .args(extra)
            .env("CCHOST_WIT", repo().join("wit")));
    };
    for plugin in PLUGINS {
        build(plugin, plugin, &[]);
    }
    build("guard-rm", JS_HOOK_ON_QUICKJS, &["--quickjs"]);
}

fn build_c(toolchains: &Path, out: &Path) {
    // The C generator alone, into a target directory of its own: the first build takes a few
    // minutes, later ones find it installed.
    let tools = out.join("c-toolchain");
    run(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "install",
                "--locked",
                "--quiet",
                "--version",
                WIT_BINDGEN_VERSION,
            ])
            .args(["--no-default-features", "--features", "c", "--root"])
            .arg(&tools)
            .arg("--target-dir")
            .arg(tools.join("build"))
            .arg("wit-bindgen-cli")
            .current_dir(repo()),
    );
    let examples = repo().join("examples/plugins/c");
    for plugin in PLUGINS {
        // `python -m ziglang` (PyPI `ziglang`) of the venv compiles; Zig caches its build of
        // wasi-libc in the target directory rather than the user's home.
        run(Command::new(toolchains.join(".venv/bin/python"))
            .arg(examples.join("build.py"))
            .arg(examples.join(plugin))
            .arg(out.join("c").join(format!("{plugin}.wasm")))
            .env("CCHOST_WIT", repo().join("wit"))
            .env("WIT_BINDGEN", tools.join("bin/wit-bindgen"))
            .env("ZIG_GLOBAL_CACHE_DIR", tools.join("zig-cache")));
    }
}

/// What the components are built from: their sources, the contract and the toolchain pins
/// (this file pins `wit-bindgen`).
fn sources(toolchains: &Path) -> Vec<PathBuf> {
    let mut files = vec![
        toolchains.join("package-lock.json"),
        toolchains.join("requirements.txt"),
        repo().join("tests/e2e/guests.rs"),
    ];
    let mut dirs = vec![repo().join("examples/plugins"), repo().join("wit")];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("read a source directory") {
            let path = entry.expect("read a directory entry").path();
            if path.ends_with("__pycache__") {
                // CPython writes it while componentize-py snapshots the app.
                continue;
            } else if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

fn is_fresh(stamp: &Path, sources: &[PathBuf]) -> bool {
    let modified = |path: &Path| -> Option<SystemTime> { path.metadata().ok()?.modified().ok() };
    let Some(built) = modified(stamp) else {
        return false;
    };
    sources
        .iter()
        .all(|source| modified(source).is_some_and(|m| m <= built))
}

fn run(command: &mut Command) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed: {status}");
}
