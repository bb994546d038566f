//! `cchost plugin check` and `cchost plugin inspect` as processes on real components: the
//! first-party ones pass, a manifest that lies about its component fails with the reason, and
//! `inspect` answers whether a component would load in a given project.

use std::path::Path;

use crate::common::{cchost_in, plugin_file, project, stdout_json};

/// Copies the `from` component into `dir` as `name.wasm` with `manifest` beside it.
fn component_with_manifest(dir: &Path, from: &str, name: &str, manifest: &str) {
    std::fs::copy(plugin_file(from), dir.join(format!("{name}.wasm"))).unwrap();
    std::fs::write(dir.join(format!("{name}.toml")), manifest).unwrap();
}

#[test]
fn check_passes_the_built_plugins_and_names_what_a_lying_manifest_gets_wrong() {
    let home = tempfile::tempdir().unwrap();
    let built = plugin_file("hostile").parent().unwrap().to_path_buf();
    let output = cchost_in(&built, &["plugin", "check", ".", "--json"], home.path());
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let reports = stdout_json(&output);
    let reports = reports.as_array().unwrap();
    assert!(reports.len() >= 10, "{reports:?}");
    assert!(
        reports
            .iter()
            .all(|r| r["errors"].as_array().unwrap().is_empty())
    );

    let dir = tempfile::tempdir().unwrap();
    // A socket-using hook whose manifest forgets `network`.
    component_with_manifest(
        dir.path(),
        "hostile-net",
        "net",
        "[plugin]\nname = \"net\"\nkind = \"hook\"\nversion = \"0.1.0\"\n",
    );
    // A gate declared a hook, with a declaration it never uses.
    component_with_manifest(
        dir.path(),
        "hostile-gate",
        "gate",
        "[plugin]\nname = \"gate\"\nkind = \"hook\"\nversion = \"0.1.0\"\n\
         [capabilities]\nmodel = true\n",
    );
    let output = cchost_in(dir.path(), &["plugin", "check", "."], home.path());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("net.wasm: FAILED"), "{text}");
    assert!(
        text.contains("wasi:sockets") && text.contains("no network grant"),
        "{text}"
    );
    assert!(text.contains("gate.wasm: FAILED"), "{text}");
    assert!(text.contains("does not export `handle`"), "{text}");
    assert!(text.contains("imports `cchost:plugin/exec"), "{text}");
    assert!(text.contains("warning: `model` is declared"), "{text}");
}

#[test]
fn inspect_tells_whether_a_component_loads_with_this_projects_grants() {
    let home = tempfile::tempdir().unwrap();
    let wasm = plugin_file("hostile-net");
    let config = format!(
        "[plugins.net]\npath = \"{}\"\n[plugins.net.grant]\nnetwork = [\"127.0.0.1:9\"]\n",
        wasm.display()
    );
    let dir = project(&config);
    let wasm = wasm.display().to_string();

    let untrusted = cchost_in(
        dir.path(),
        &["plugin", "inspect", &wasm, "--json"],
        home.path(),
    );
    assert_eq!(untrusted.status.code(), Some(1), "{untrusted:?}");
    let report = stdout_json(&untrusted);
    assert_eq!(report["configured_as"], "net");
    assert!(
        report["load_error"]
            .as_str()
            .unwrap()
            .contains("no network grant"),
        "{report}"
    );

    let trusted = cchost_in(
        dir.path(),
        &["plugin", "inspect", &wasm, "--json", "--trust-project"],
        home.path(),
    );
    assert_eq!(trusted.status.code(), Some(0), "{trusted:?}");
    let report = stdout_json(&trusted);
    assert_eq!(report["kind"], "hook");
    assert_eq!(report["exports"], serde_json::json!(["handle"]));
    assert_eq!(
        report["effective"]["network"],
        serde_json::json!(["127.0.0.1:9"])
    );
    assert!(
        report["imports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i.as_str().unwrap().starts_with("wasi:sockets/"))
    );

    let builtin = cchost_in(dir.path(), &["plugin", "inspect", "syntax"], home.path());
    assert_eq!(builtin.status.code(), Some(0), "{builtin:?}");
    assert!(String::from_utf8_lossy(&builtin.stdout).contains("syntax 0.1.0 (gate)"));
    let missing = cchost_in(dir.path(), &["plugin", "inspect", "nope"], home.path());
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
}
