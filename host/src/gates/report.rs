//! Gate results for people and machines: a table, JSON, JUnit XML, SARIF 2.1.0, and GitHub
//! Actions annotations.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{CheckpointRun, worst};
use crate::plugins::bindings::{Finding, GateStatus, Severity};
use crate::session::Timestamp;

fn status_name(status: GateStatus) -> &'static str {
    match status {
        GateStatus::Pass => "pass",
        GateStatus::Warn => "warn",
        GateStatus::Fail => "fail",
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// The overall status of several checkpoints.
pub fn overall(runs: &[CheckpointRun]) -> GateStatus {
    worst(runs.iter().map(CheckpointRun::status))
}

fn location(finding: &Finding) -> String {
    match (&finding.file, finding.line, finding.column) {
        (Some(file), Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(file), Some(line), None) => format!("{file}:{line}"),
        (Some(file), None, _) => file.clone(),
        (None, ..) => "-".into(),
    }
}

/// A human summary: one row per gate, then each finding.
pub fn table(runs: &[CheckpointRun], files_in_scope: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<22} {:<18} {:<6} {:>8} {:>9}",
        "CHECKPOINT", "GATE", "STATUS", "FINDINGS", "TIME"
    );
    for run in runs {
        for gate in &run.gates {
            let _ = writeln!(
                out,
                "{:<22} {:<18} {:<6} {:>8} {:>7}ms",
                run.checkpoint,
                gate.gate,
                status_name(gate.status()),
                gate.findings().len(),
                gate.duration.as_millis()
            );
        }
    }
    for run in runs {
        for gate in &run.gates {
            for finding in gate.findings() {
                let _ = writeln!(
                    out,
                    "\n{}: {} [{}/{}] {}",
                    location(&finding),
                    severity_name(finding.severity),
                    gate.gate,
                    finding.rule,
                    finding.message
                );
                if let Some(hint) = &finding.fix_hint {
                    let _ = writeln!(out, "  fix: {hint}");
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} ({} file{} in scope)",
        status_name(overall(runs)).to_uppercase(),
        files_in_scope,
        if files_in_scope == 1 { "" } else { "s" }
    );
    out
}

fn finding_json(finding: &Finding) -> Value {
    json!({
        "rule": finding.rule,
        "severity": severity_name(finding.severity),
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "fix_hint": finding.fix_hint,
    })
}

pub fn json(runs: &[CheckpointRun], files: &[String]) -> Value {
    json!({
        "status": status_name(overall(runs)),
        "files": files,
        "checkpoints": runs.iter().map(|run| json!({
            "checkpoint": run.checkpoint,
            "status": status_name(run.status()),
            "gates": run.gates.iter().map(|gate| json!({
                "gate": gate.gate,
                "status": status_name(gate.status()),
                "duration_ms": gate.duration.as_secs_f64() * 1e3,
                "error": gate.outcome.as_ref().err().map(ToString::to_string),
                "findings": gate.findings().iter().map(finding_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters and U+FFFE/U+FFFF, even as references.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One line per finding, with its fix hint on the next; `gate` prefixes the rule when given.
fn finding_lines(findings: &[Finding], gate: Option<&str>) -> String {
    let mut out = String::new();
    for f in findings {
        let rule = match gate {
            Some(gate) => format!("{gate}/{}", f.rule),
            None => f.rule.clone(),
        };
        let _ = writeln!(
            out,
            "{}: {} [{rule}] {}",
            location(f),
            severity_name(f.severity),
            f.message
        );
        if let Some(hint) = &f.fix_hint {
            let _ = writeln!(out, "  fix: {hint}");
        }
    }
    out
}

/// JUnit XML: a suite per checkpoint, a test case per gate; a failed gate is a failed test case
/// whose findings are its failure's text, and the findings of the other gates (warnings, notes)
/// are the suite's `system-out`.
///
/// The document is valid against both published JUnit schemas: the Jenkins one
/// (`junit-4.xsd`) and the stricter Apache Ant one (`JUnit.xsd`), which wants a timestamp,
/// host, package and id on every suite, `properties`, `system-out` and `system-err` in each,
/// and nothing but a `failure` (or `error`) in a test case.
pub fn junit(runs: &[CheckpointRun]) -> String {
    junit_at(runs, std::time::SystemTime::now(), &hostname())
}

/// The machine's name, or `localhost` (what the Ant schema asks for when it is unknown).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// `time` in UTC as `YYYY-MM-DDTHH:MM:SS`: no fraction and no zone, as the Ant schema wants.
fn utc_timestamp(time: std::time::SystemTime) -> String {
    let micros = time
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    let mut text = Timestamp(micros).to_string();
    text.truncate("YYYY-MM-DDTHH:MM:SS".len());
    text
}

fn junit_at(runs: &[CheckpointRun], now: std::time::SystemTime, hostname: &str) -> String {
    let timestamp = utc_timestamp(now);
    let hostname = xml_escape(hostname);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (id, run) in runs.iter().enumerate() {
        let failures = run
            .gates
            .iter()
            .filter(|g| g.status() == GateStatus::Fail)
            .count();
        let time: f64 = run.gates.iter().map(|g| g.duration.as_secs_f64()).sum();
        let checkpoint = xml_escape(&run.checkpoint);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{checkpoint}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" \
             time=\"{time:.3}\" timestamp=\"{timestamp}\" hostname=\"{hostname}\" \
             package=\"{checkpoint}\" id=\"{id}\">",
            run.gates.len()
        );
        let _ = writeln!(
            out,
            "    <properties>\n      <property name=\"status\" value=\"{}\"/>\n    </properties>",
            status_name(run.status())
        );
        let mut system_out = String::new();
        for gate in &run.gates {
            let _ = write!(
                out,
                "    <testcase classname=\"{checkpoint}\" name=\"{}\" time=\"{:.3}\"",
                xml_escape(&gate.gate),
                gate.duration.as_secs_f64()
            );
            let findings = gate.findings();
            if gate.status() != GateStatus::Fail {
                system_out.push_str(&finding_lines(&findings, Some(&gate.gate)));
                out.push_str("/>\n");
                continue;
            }
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{errors} error finding(s)\" type=\"gate\">{}\
                 </failure>\n    </testcase>",
                xml_escape(&finding_lines(&findings, None))
            );
        }
        let _ = writeln!(
            out,
            "    <system-out>{}</system-out>\n    <system-err></system-err>\n  </testsuite>",
            xml_escape(&system_out)
        );
    }
    out.push_str("</testsuites>\n");
    out
}

/// SARIF 2.1.0: one run (tool `cchost`), rules named `<gate>/<rule>`.
pub fn sarif(runs: &[CheckpointRun]) -> Value {
    let mut rules: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for run in runs {
        for gate in &run.gates {
            for finding in gate.findings() {
                let rule_id = format!("{}/{}", gate.gate, finding.rule);
                let rule_index = match rules.iter().position(|r| *r == rule_id) {
                    Some(i) => i,
                    None => {
                        rules.push(rule_id.clone());
                        rules.len() - 1
                    }
                };
                let level = match finding.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "note",
                };
                let mut result = json!({
                    "ruleId": rule_id,
                    "ruleIndex": rule_index,
                    "level": level,
                    "message": { "text": finding.message },
                    "properties": { "checkpoint": run.checkpoint },
                });
                if let Some(file) = &finding.file {
                    let mut region = serde_json::Map::new();
                    if let Some(line) = finding.line.filter(|&l| l > 0) {
                        region.insert("startLine".into(), json!(line));
                        if let Some(column) = finding.column.filter(|&c| c > 0) {
                            region.insert("startColumn".into(), json!(column));
                        }
                    }
                    let mut physical = json!({
                        "artifactLocation": { "uri": uri_path(file), "uriBaseId": "%SRCROOT%" },
                    });
                    if !region.is_empty() {
                        physical["region"] = Value::Object(region);
                    }
                    result["locations"] = json!([{ "physicalLocation": physical }]);
                }
                if let Some(hint) = &finding.fix_hint {
                    result["properties"]["fixHint"] = json!(hint);
                }
                results.push(result);
            }
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cchost",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/cchost/cchost",
                "rules": rules.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}

/// A relative path as a URI reference: each segment percent-encoded.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// GitHub Actions workflow commands, one per finding.
pub fn github_annotations(runs: &[CheckpointRun]) -> String {
    fn data(text: &str) -> String {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn property(text: &str) -> String {
        data(text).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for run in runs {
        for gate in &run.gates {
            for finding in gate.findings() {
                let command = match finding.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "notice",
                };
                let mut properties = vec![format!(
                    "title={}",
                    property(&format!("{}/{}", gate.gate, finding.rule))
                )];
                if let Some(file) = &finding.file {
                    properties.push(format!("file={}", property(file)));
                }
                if let Some(line) = finding.line {
                    properties.push(format!("line={line}"));
                }
                if let Some(column) = finding.column {
                    properties.push(format!("col={column}"));
                }
                let _ = writeln!(
                    out,
                    "::{command} {}::{}",
                    properties.join(","),
                    data(&finding.message)
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{
        gates::GateRun,
        plugins::bindings::GateReport,
        runtime::{Failure, PluginError},
    };

    fn sample() -> Vec<CheckpointRun> {
        let finding = Finding {
            rule: "syntax/rust".into(),
            severity: Severity::Error,
            message: "expected `;`, found <eof> & more".into(),
            file: Some("src/my file.rs".into()),
            line: Some(3),
            column: Some(7),
            fix_hint: Some("add a semicolon".into()),
        };
        vec![CheckpointRun {
            checkpoint: "post-implementation".into(),
            gates: vec![
                GateRun {
                    gate: "syntax".into(),
                    duration: Duration::from_millis(12),
                    outcome: Ok(GateReport {
                        status: GateStatus::Fail,
                        findings: vec![finding],
                    }),
                },
                GateRun {
                    gate: "broken".into(),
                    duration: Duration::from_millis(1),
                    outcome: Err(PluginError::new("broken", Failure::Timeout { ms: 100 })),
                },
                GateRun {
                    gate: "clean".into(),
                    duration: Duration::from_millis(1),
                    outcome: Ok(GateReport {
                        status: GateStatus::Pass,
                        findings: vec![],
                    }),
                },
            ],
        }]
    }

    #[test]
    fn a_failed_gate_fails_the_checkpoint_with_its_cause() {
        let runs = sample();
        assert_eq!(overall(&runs), GateStatus::Fail);
        let report = json(&runs, &["src/my file.rs".into()]);
        assert_eq!(report["status"], "fail");
        let broken = &report["checkpoints"][0]["gates"][1];
        assert_eq!(broken["status"], "fail");
        assert!(
            broken["error"].as_str().unwrap().contains("100 ms"),
            "{broken}"
        );
    }

    #[test]
    fn table_lists_gates_then_findings_at_their_place() {
        let text = table(&sample(), 1);
        assert!(
            text.contains("src/my file.rs:3:7: error [syntax/syntax/rust]"),
            "{text}"
        );
        assert!(text.contains("fix: add a semicolon"));
        assert!(text.trim_end().ends_with("FAIL (1 file in scope)"));
    }

    #[test]
    fn junit_is_escaped_and_counts_failures() {
        let xml = junit(&sample());
        assert!(xml.contains("tests=\"3\" failures=\"2\""), "{xml}");
        assert!(xml.contains("&lt;eof&gt; &amp; more"));
        assert!(xml.contains(
            "<testcase classname=\"post-implementation\" name=\"clean\" time=\"0.001\"/>"
        ));
    }

    #[test]
    fn junit_suites_have_what_the_ant_schema_requires_and_warnings_in_system_out() {
        let mut runs = sample();
        runs[0].gates.push(GateRun {
            gate: "policy".into(),
            duration: Duration::from_millis(2),
            outcome: Ok(GateReport {
                status: GateStatus::Warn,
                findings: vec![Finding {
                    rule: "big".into(),
                    severity: Severity::Warning,
                    message: "too big".into(),
                    file: Some("a.rs".into()),
                    line: None,
                    column: None,
                    fix_hint: Some("split it".into()),
                }],
            }),
        });
        // 2000-02-29T01:02:03Z: a leap day, to check the calendar arithmetic.
        let time = std::time::UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_723);
        let xml = junit_at(&runs, time, "ci<1>");
        assert!(xml.contains("\n<testsuites>\n"), "{xml}");
        assert!(
            xml.contains(
                "time=\"0.016\" timestamp=\"2000-02-29T01:02:03\" hostname=\"ci&lt;1&gt;\" \
                 package=\"post-implementation\" id=\"0\">\n    <properties>\n      \
                 <property name=\"status\" value=\"fail\"/>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<testcase classname=\"post-implementation\" name=\"policy\" time=\"0.002\"/>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<system-out>a.rs: warning [policy/big] too big\n  fix: split it\n\
                 </system-out>\n    <system-err></system-err>\n  </testsuite>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                "[syntax/rust] expected `;`, found &lt;eof&gt; &amp; more\n  \
                 fix: add a semicolon\n</failure>"
            ),
            "{xml}"
        );
        assert_eq!(utc_timestamp(std::time::UNIX_EPOCH), "1970-01-01T00:00:00");
        assert_eq!(
            utc_timestamp(std::time::UNIX_EPOCH + Duration::from_secs(4_102_444_799)),
            "2099-12-31T23:59:59"
        );
    }

    #[test]
    fn xml_text_has_no_character_xml_forbids() {
        assert_eq!(
            xml_escape("a\u{1}b\tc\u{FFFE}d\u{FFFF}e\u{FFFD}\u{10000}"),
            "a\u{FFFD}b\tc\u{FFFD}d\u{FFFD}e\u{FFFD}\u{10000}"
        );
    }

    #[test]
    fn sarif_results_have_rules_levels_and_regions() {
        let log = sarif(&sample());
        assert_eq!(log["version"], "2.1.0");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "syntax/syntax/rust");
        assert_eq!(result["level"], "error");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "src/my%20file.rs");
        assert_eq!(location["region"]["startLine"], 3);
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn github_annotations_escape_their_properties_and_data() {
        let text = github_annotations(&sample());
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            "::error title=syntax/syntax/rust,file=src/my file.rs,line=3,col=7::expected `;`, found <eof> & more"
        );
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .starts_with("::error title=broken/gate/failed::")
        );
    }
}
