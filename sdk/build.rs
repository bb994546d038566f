//! Turns `wit/` into the export macros (`export_hook!`, `export_gate!`, `export_agent!`).
//!
//! Each macro expands to a `wit_bindgen::generate!` for exactly one world in the plugin's own
//! crate, so a component carries only the world it implements. The WIT is passed inline because
//! a macro expanded in another crate cannot name a path relative to this one; `wit/` stays the
//! one source of truth.

use std::{env, fs, path::PathBuf};

/// Macro, world, trait, and the interfaces that world imports beyond `types`, `log` and
/// `config` (wit-bindgen refuses a `with` mapping the world does not use).
const WORLDS: [(&str, &str, &str, &[&str]); 3] = [
    ("export_hook", "hook", "Hook", &[]),
    ("export_gate", "gate", "Gate", &["exec"]),
    (
        "export_agent",
        "agent",
        "Agent",
        &["session", "mcp", "model", "exec"],
    ),
];

fn main() {
    let wit_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../wit");
    println!("cargo:rerun-if-changed={}", wit_dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&wit_dir)
        .expect("read wit/")
        .map(|entry| entry.expect("read wit/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wit"))
        .collect();
    files.sort();
    let mut package_line = None;
    let mut body = String::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let text = fs::read_to_string(file).expect("read .wit file");
        for line in text.lines() {
            if line.trim_start().starts_with("package ") {
                package_line.get_or_insert_with(|| line.trim().to_string());
            } else {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    let inline = format!("{}\n{body}", package_line.expect("wit/ declares a package"));
    assert!(
        !inline.contains("\"###"),
        "WIT text would end the raw string"
    );

    let mut out = String::new();
    for (macro_name, world, trait_name, extra_imports) in WORLDS {
        let extra_with: String = extra_imports
            .iter()
            .map(|name| {
                format!(
                    "\n                    \"cchost:plugin/{name}@0.1.0\": ::cchost_sdk::bindings::cchost::plugin::{name},"
                )
            })
            .collect();
        out.push_str(&format!(
            r####"
/// Exports a type implementing [`{trait_name}`] as this component's `{world}` world.
#[macro_export]
macro_rules! {macro_name} {{
    ($plugin:ty) => {{
        #[doc(hidden)]
        type __CchostPlugin = $plugin;
        #[doc(hidden)]
        // The generated ABI glue flattens records into many parameters.
        #[allow(clippy::too_many_arguments)]
        mod __cchost_export {{
            ::cchost_sdk::wit_bindgen::generate!({{
                inline: r###"{inline}"###,
                world: "{world}",
                runtime_path: "::cchost_sdk::wit_bindgen::rt",
                with: {{
                    "cchost:plugin/types@0.1.0": ::cchost_sdk::bindings::cchost::plugin::types,
                    "cchost:plugin/log@0.1.0": ::cchost_sdk::bindings::cchost::plugin::log,
                    "cchost:plugin/config@0.1.0": ::cchost_sdk::bindings::cchost::plugin::config,{extra_with}
                }},
            }});
            ::cchost_sdk::__{world}_adapter!(super::__CchostPlugin);
            export!(Adapter);
        }}
    }};
}}
"####
        ));
    }
    let out_path = PathBuf::from(env::var("OUT_DIR").unwrap()).join("export_macros.rs");
    fs::write(out_path, out).expect("write export_macros.rs");
}
