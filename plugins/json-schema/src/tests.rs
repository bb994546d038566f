//! The gate over a real project directory: good and broken files, a `$ref` to another schema
//! file, missing and invalid schemas.

use super::*;

const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["name", "servers"],
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "servers": {"type": "array", "items": {"$ref": "server.schema.json"}}
  },
  "additionalProperties": false
}"#;

const SERVER: &str = r#"{
  "type": "object",
  "required": ["host"],
  "properties": {"host": {"type": "string"}, "port": {"type": "integer", "maximum": 65535}}
}"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    };
    write("schemas/config.schema.json", SCHEMA);
    write("schemas/server.schema.json", SERVER);
    write("schemas/broken.schema.json", r#"{"type": 12}"#);
    write(
        "config/good.json",
        r#"{"name": "x", "servers": [{"host": "a", "port": 80}]}"#,
    );
    write(
        "config/bad.json",
        "{\n  \"name\": \"\",\n  \"servers\": [\n    {\"host\": \"a\"},\n    {\"port\": 99999}\n  ],\n  \"extra\": 1\n}\n",
    );
    write("config/syntax.json", "{\"name\": ");
    write("other/x.json", r#"{"whatever": true}"#);
    write("data/y.json", "{}");
    write("data/z.json", "{}");
    dir
}

fn settings(json: &str) -> Settings {
    serde_json::from_str(json).unwrap()
}

fn files(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn files_are_validated_against_their_schema() {
    let dir = project();
    let s = settings(
        r#"{"schemas": [{"files": "config/*.json", "schema": "schemas/config.schema.json"}]}"#,
    );
    let scope = files(&[
        "config/good.json",
        "config/bad.json",
        "config/syntax.json",
        "other/x.json",
    ]);
    let findings = run(dir.path(), &scope, &[], &s);
    let got: Vec<(&str, &str, u32, &str)> = findings
        .iter()
        .map(|f| {
            (
                f.rule.as_str(),
                f.file.as_deref().unwrap(),
                f.line.unwrap(),
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(got.len(), 5, "{got:#?}");
    assert!(
        got.iter()
            .all(|g| g.1 != "config/good.json" && g.1 != "other/x.json")
    );
    let bad: Vec<_> = got.iter().filter(|g| g.1 == "config/bad.json").collect();
    assert_eq!(bad.len(), 4, "{bad:#?}");
    assert!(bad.iter().all(|g| g.0 == "json-schema/invalid"));
    // Each error names the JSON pointer and sits on the line of the offending value.
    let line_of = |needle: &str| bad.iter().find(|g| g.3.starts_with(needle)).map(|g| g.2);
    assert_eq!(line_of("/name:"), Some(2));
    assert_eq!(line_of("/servers/1:"), Some(5), "{bad:#?}");
    assert_eq!(line_of("/servers/1/port:"), Some(5));
    assert_eq!(line_of("/:"), Some(1));
    let syntax = got.iter().find(|g| g.1 == "config/syntax.json").unwrap();
    assert_eq!(syntax.0, "json-schema/parse");

    assert_eq!(
        GateReport::from_findings(findings).status,
        cchost_sdk::GateStatus::Fail
    );
}

#[test]
fn missing_and_invalid_schemas_are_findings_naming_the_schema() {
    let dir = project();
    let s = settings(
        r#"{"schemas": [
            {"files": "data/y.json", "schema": "schemas/nope.schema.json"},
            {"files": "data/*.json", "schema": "schemas/broken.schema.json"}
        ]}"#,
    );
    let findings = run(dir.path(), &files(&["data/y.json", "data/z.json"]), &[], &s);
    let got: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.file.as_deref().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("json-schema/schema", "schemas/nope.schema.json"),
            ("json-schema/schema", "schemas/broken.schema.json"),
        ]
    );
    assert!(findings[0].message.contains("schemas/nope.schema.json"));
}

#[test]
fn deleted_unmatched_and_unreadable_files() {
    let dir = project();
    let s = settings(
        r#"{"schemas": [{"files": "config/*.json", "schema": "schemas/config.schema.json"}]}"#,
    );
    let changes = [cchost_sdk::FileChange {
        path: "config/bad.json".into(),
        kind: ChangeKind::Deleted,
        lines_added: 0,
        lines_removed: 8,
    }];
    let findings = run(
        dir.path(),
        &files(&["config/bad.json", "config/missing.json", "README.md"]),
        &changes,
        &s,
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "json-schema/unreadable");
    assert_eq!(findings[0].severity, Severity::Warning);
    assert!(
        run(
            dir.path(),
            &files(&["config/bad.json"]),
            &[],
            &Settings::default()
        )
        .is_empty()
    );
}

#[test]
fn refs_may_not_leave_the_project() {
    let dir = project();
    std::fs::write(
        dir.path().join("schemas/escape.schema.json"),
        r#"{"$ref": "../../../../etc/passwd"}"#,
    )
    .unwrap();
    let s = settings(
        r#"{"schemas": [{"files": "data/*.json", "schema": "schemas/escape.schema.json"}]}"#,
    );
    let findings = run(dir.path(), &files(&["data/y.json"]), &[], &s);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "json-schema/schema");
}

#[test]
fn settings_are_validated() {
    assert!(serde_json::from_str::<Settings>(r#"{"schema": []}"#).is_err());
    assert!(serde_json::from_str::<Settings>(r#"{"schemas": [{"files": "x"}]}"#).is_err());
}
