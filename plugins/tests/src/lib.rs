//! tests: a validation gate that runs the project's test command through the host's `exec`
//! interface and reports each failing test, compile error and collection error as a finding at
//! its file and line.
//!
//! This module owns the settings and the gate glue: running the command, choosing the parser
//! (libtest text, pytest text, or a JUnit XML report the command wrote) and turning failures into
//! findings. The parsers are plain Rust over text — `libtest`, `pytest`, `junit` — sharing the
//! [`Failure`] shape and the location helpers in `location`.

pub mod junit;
pub mod libtest;
pub mod location;
pub mod pytest;

use std::path::Path;
use std::time::SystemTime;

use cchost_sdk::{
    Finding, Gate, GateInput, GateReport, GateStatus, Severity, exec, export_gate, settings,
};
use serde::Deserialize;

/// `[plugins.tests.settings]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The test command as argv, e.g. `["cargo", "test"]`; it must also be granted.
    pub command: Vec<String>,
    /// How to read the results; inferred when unset: `junit` when a report path is set, `pytest`
    /// for a pytest command, else `libtest`.
    pub format: Option<Format>,
    /// The JUnit XML file the command writes, relative to the project root.
    pub junit: Option<String>,
    /// Where the command runs, relative to the project root; the root by default.
    pub cwd: Option<String>,
    /// The command's wall time; the host's default (10 minutes) when unset.
    pub timeout_ms: Option<u32>,
    /// Most failures reported (a broken build can fail thousands of tests).
    pub max_findings: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Libtest,
    Pytest,
    Junit,
}

const DEFAULT_MAX_FINDINGS: usize = 50;
/// Lines of output quoted when a failing command gave nothing a parser recognised.
const TAIL_LINES: usize = 20;

impl Settings {
    pub fn format(&self) -> Format {
        if let Some(format) = self.format {
            return format;
        }
        if self.junit.is_some() {
            return Format::Junit;
        }
        let is_pytest = self.command.iter().any(|word| {
            Path::new(word)
                .file_name()
                .is_some_and(|name| name == "pytest" || name == "py.test")
        }) || self.command.windows(2).any(|w| w == ["-m", "pytest"]);
        if is_pytest {
            Format::Pytest
        } else {
            Format::Libtest
        }
    }
}

/// What went wrong, as a parser found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// The test's name, when the failure belongs to one test.
    pub name: Option<String>,
    pub message: String,
    pub location: Option<location::Location>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A test failed.
    Test,
    /// The code did not compile, so no test ran.
    Compile,
    /// A test file could not be collected (pytest: import or syntax error).
    Collection,
}

impl Failure {
    /// The finding for this failure; `root` decides whether its file can be pointed at.
    pub fn finding(&self, root: &Path, cwd: &str) -> Finding {
        let (rule, what) = match self.kind {
            FailureKind::Test => ("tests/failed", "test"),
            FailureKind::Compile => ("tests/compile-error", "compile error"),
            FailureKind::Collection => ("tests/collection-error", "collection error"),
        };
        let message = match &self.name {
            Some(name) => format!("{what} `{name}`: {}", self.message),
            None => format!("{what}: {}", self.message),
        };
        let mut finding = Finding::new(rule, Severity::Error, message);
        if let Some(at) = &self.location
            && let Some(file) = at.project_relative(root, cwd)
        {
            finding = finding.at(file, at.line, at.column.unwrap_or(1));
        }
        finding
    }
}

/// Failures found in a finished run's output (and report file).
pub fn failures(
    format: Format,
    stdout: &str,
    stderr: &str,
    junit_xml: Option<&str>,
) -> Vec<Failure> {
    match format {
        Format::Libtest => {
            // cargo prints compile errors on stderr and test results on stdout.
            let mut found = libtest::compile_errors(stderr);
            found.extend(libtest::failures(stdout));
            found
        }
        Format::Pytest => pytest::failures(stdout),
        Format::Junit => match junit_xml.map(junit::failures) {
            Some(Ok(found)) => found,
            Some(Err(error)) => vec![Failure {
                kind: FailureKind::Collection,
                name: None,
                message: format!("the JUnit report is not valid XML: {error}"),
                location: None,
            }],
            None => Vec::new(),
        },
    }
}

struct TestsGate;

impl Gate for TestsGate {
    fn check(input: GateInput) -> Result<GateReport, String> {
        let settings: Settings = settings::all()?;
        if settings.command.is_empty() {
            return Err(
                "set the test command: [plugins.tests.settings] command = [\"cargo\", \"test\"] \
                 (and grant it: [plugins.tests.grant] exec = [[\"cargo\", \"test\"]])"
                    .into(),
            );
        }
        let root = Path::new(&input.root);
        let cwd = settings.cwd.clone().unwrap_or_default();
        let cwd_abs = root.join(&cwd);
        let started = SystemTime::now();
        let output = match exec::run_with_timeout(
            &settings.command,
            &cwd_abs.to_string_lossy(),
            settings.timeout_ms,
        ) {
            Ok(output) => output,
            Err(error) => {
                return Ok(GateReport::from_findings(vec![
                    Finding::new(
                        "tests/not-run",
                        Severity::Error,
                        format!("`{}` did not run: {error}", settings.command.join(" ")),
                    )
                    .with_fix_hint("grant the command: [plugins.tests.grant] exec = [[…]]"),
                ]));
            }
        };
        let command = settings.command.join(" ");
        if output.timed_out {
            return Ok(GateReport::from_findings(vec![Finding::new(
                "tests/timeout",
                Severity::Error,
                format!(
                    "`{command}` was killed after {} ms{}",
                    output.duration_ms,
                    tail_of(&output.stdout, &output.stderr)
                ),
            )]));
        }
        let format = settings.format();
        let junit_xml = match (&settings.junit, format) {
            (Some(path), Format::Junit) => Some(read_fresh_report(root, path, started)?),
            (None, Format::Junit) => {
                return Err("format `junit` needs the report's path: junit = \"…\"".into());
            }
            _ => None,
        };
        let mut found = failures(format, &output.stdout, &output.stderr, junit_xml.as_deref());
        let max = settings.max_findings.unwrap_or(DEFAULT_MAX_FINDINGS);
        let total = found.len();
        found.truncate(max);
        let mut findings: Vec<Finding> = found.iter().map(|f| f.finding(root, &cwd)).collect();
        if total > max {
            findings.push(Finding::new(
                "tests/truncated",
                Severity::Warning,
                format!(
                    "{} more failures not reported (max_findings = {max})",
                    total - max
                ),
            ));
        }
        if !output.success() && total == 0 {
            findings.push(Finding::new(
                "tests/command-failed",
                Severity::Error,
                format!(
                    "`{command}` failed ({}) and no failing test was recognised{}",
                    output
                        .exit_code
                        .map_or("ended by a signal".to_string(), |c| format!(
                            "exit code {c}"
                        )),
                    tail_of(&output.stdout, &output.stderr)
                ),
            ));
        }
        let mut report = GateReport::from_findings(findings);
        if output.success() && report.status == GateStatus::Fail {
            // A runner that exits 0 has passed by its own account (e.g. expected failures in a
            // JUnit report); the findings stand, as warnings of a passing run would.
            report.status = GateStatus::Warn;
        }
        Ok(report)
    }
}

/// The JUnit report at `path`, refusing one left over from an earlier run.
fn read_fresh_report(root: &Path, path: &str, started: SystemTime) -> Result<String, String> {
    let file = root.join(path);
    let metadata = std::fs::metadata(&file)
        .map_err(|e| format!("the test command wrote no JUnit report at {path}: {e}"))?;
    // File times may be a little behind the clock; a report from before this run is stale.
    let slack = std::time::Duration::from_secs(2);
    if let Ok(modified) = metadata.modified()
        && modified + slack < started
    {
        return Err(format!(
            "the JUnit report {path} is older than this run: the command did not write it"
        ));
    }
    std::fs::read_to_string(&file).map_err(|e| format!("read the JUnit report {path}: {e}"))
}

/// The last lines of the output, quoted for a message.
fn tail_of(stdout: &str, stderr: &str) -> String {
    let text = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(TAIL_LINES)..];
    format!(":\n{}", tail.join("\n"))
}

export_gate!(TestsGate);

#[cfg(test)]
mod tests;
