//! Builds the first-party plugins (`plugins/*`) and the test plugins (`tests/plugins/*`) for
//! `wasm32-wasip2` and embeds the first-party ones in the `cchost` binary.
//!
//! The plugins are built by a nested `cargo` in its own target directory (`target/plugins`) so
//! it never waits on the outer build's lock, with the outer build's compiler wrappers and flags
//! removed: they are meant for the host target, not for wasm.

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::Command,
};

use sha2::{Digest, Sha256};

const PLUGIN_PROFILE: &str = "plugin";

fn main() {
    let host_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = host_dir.parent().unwrap().to_path_buf();
    for watched in [
        "plugins",
        "tests/plugins",
        "sdk",
        "wit",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=CCHOST_PLUGIN_TARGET_DIR");

    let first_party = plugin_crates(&root.join("plugins"));
    let test_plugins = plugin_crates(&root.join("tests/plugins"));
    let target_dir = env::var_os("CCHOST_PLUGIN_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/plugins"));
    build_plugins(&root, &target_dir, first_party.iter().chain(&test_plugins));
    let wasm_dir = target_dir.join("wasm32-wasip2").join(PLUGIN_PROFILE);
    // Each component gets its manifest beside it, the layout cchost loads plugin files from.
    for (name, crate_dir) in first_party.iter().chain(&test_plugins) {
        let manifest = wasm_dir.join(format!("{}.toml", name.replace('-', "_")));
        fs::copy(crate_dir.join("plugin.toml"), &manifest)
            .unwrap_or_else(|e| panic!("copy the manifest of plugin `{name}`: {e}"));
    }

    let mut out = String::from(
        "/// Plugins compiled into this binary.\npub static BUILTIN: &[BuiltinPlugin] = &[\n",
    );
    for (name, crate_dir) in &first_party {
        let wasm = wasm_dir.join(format!("{}.wasm", name.replace('-', "_")));
        let bytes = fs::read(&wasm).unwrap_or_else(|e| panic!("read {}: {e}", wasm.display()));
        let sha256 = hex::encode(Sha256::digest(&bytes));
        out.push_str(&format!(
            "    BuiltinPlugin {{ name: {name:?}, manifest: include_str!({manifest:?}), component: include_bytes!({wasm:?}), sha256: {sha256:?} }},\n",
            manifest = crate_dir.join("plugin.toml"),
        ));
    }
    out.push_str("];\n");
    out.push_str(&format!(
        "/// Where the build left every plugin component, test plugins included.\n#[allow(dead_code)]\npub const PLUGIN_BUILD_DIR: &str = {:?};\n",
        wasm_dir
    ));
    fs::write(
        PathBuf::from(env::var("OUT_DIR").unwrap()).join("builtin_plugins.rs"),
        out,
    )
    .expect("write builtin_plugins.rs");
}

/// `(package name, crate dir)` of every crate directly under `dir`, sorted by name.
fn plugin_crates(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut crates: Vec<(String, PathBuf)> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("Cargo.toml").is_file())
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .collect();
    crates.sort();
    crates
}

fn build_plugins<'a>(
    root: &Path,
    target_dir: &Path,
    crates: impl Iterator<Item = &'a (String, PathBuf)>,
) {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--target",
            "wasm32-wasip2",
            "--profile",
            PLUGIN_PROFILE,
        ])
        .arg("--target-dir")
        .arg(target_dir);
    for (name, _) in crates {
        command.args(["-p", name]);
    }
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
        "CARGO_LLVM_COV",
        "LLVM_PROFILE_FILE",
    ] {
        command.env_remove(var);
    }
    let output = command
        .output()
        .expect("run cargo to build the wasm plugins");
    if !output.status.success() {
        panic!(
            "building the wasm plugins failed (is the wasm32-wasip2 target installed? rust-toolchain.toml requests it):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
