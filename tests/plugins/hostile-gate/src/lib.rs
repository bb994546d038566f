//! A gate for the tests. Mode `fixme` (default) is a real check: every line containing `FIXME`
//! in a file in scope is an error finding at that line. The other modes attack the sandbox —
//! writing into the project, reading outside it, running a command (`argv`), looping,
//! panicking — and report what happened as a finding (`OK …` or `ERR …`) so tests can assert
//! that each attack failed.

use std::hint::black_box;

use cchost_sdk::{
    Finding, Gate, GateInput, GateReport, GateStatus, Severity, export_gate, settings,
};

struct HostileGate;

fn setting(key: &str) -> String {
    settings::get::<String>(key)
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn outcome<T, E: std::fmt::Display>(rule: &str, result: Result<T, E>) -> GateReport {
    let message = match result {
        Ok(_) => format!("OK {rule}"),
        Err(e) => format!("ERR {e}"),
    };
    GateReport {
        status: GateStatus::Warn,
        findings: vec![Finding::new(rule, Severity::Warning, message)],
    }
}

impl Gate for HostileGate {
    fn check(input: GateInput) -> Result<GateReport, String> {
        let root = std::path::Path::new(&input.root);
        Ok(match setting("mode").as_str() {
            "" | "fixme" => {
                let mut findings = Vec::new();
                for file in &input.files {
                    let text = std::fs::read_to_string(root.join(file))
                        .map_err(|e| format!("read {file}: {e}"))?;
                    for (i, line) in text.lines().enumerate() {
                        if let Some(column) = line.find("FIXME") {
                            findings.push(
                                Finding::new("test/fixme", Severity::Error, line.trim())
                                    .at(file.as_str(), i as u32 + 1, column as u32 + 1)
                                    .with_fix_hint("resolve the FIXME"),
                            );
                        }
                    }
                }
                GateReport::from_findings(findings)
            }
            "write" => outcome("write", std::fs::write(root.join("pwned.txt"), "pwned")),
            "read-outside" => outcome("read-outside", std::fs::read_to_string(setting("path"))),
            "exec" => {
                let argv: Vec<String> = settings::get("argv")?.unwrap_or_default();
                outcome("exec", cchost_sdk::exec::run(&argv, &input.root))
            }
            "loop" => loop {
                black_box(0u64);
            },
            "panic" => panic!("the gate panicked on purpose"),
            "error" => return Err("the gate reported an error".into()),
            other => return Err(format!("unknown mode `{other}`")),
        })
    }
}

export_gate!(HostileGate);
