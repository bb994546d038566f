//! Running granted programs (gates and agents): argv in, exit code and output back. The host runs
//! only commands that start with a prefix the user granted (`exec = [["cargo", "test"]]`), with
//! no shell, in a granted directory, with a clean environment; anything else comes back as
//! [`ExecError::Denied`] and, for a gate, as an error finding the host adds to its report.
//! Hooks cannot use it: a hook that imports `exec` is refused at load.
//!
//! ```no_run
//! use cchost_sdk::{exec, Finding, GateInput, GateReport, Severity};
//!
//! fn run_tests(input: &GateInput) -> Result<GateReport, String> {
//!     // `input.root` is a granted directory for every gate.
//!     let output = match exec::run(&["cargo", "test", "--quiet"], &input.root) {
//!         Ok(output) => output,
//!         Err(exec::ExecError::Denied(why) | exec::ExecError::Failed(why)) => return Err(why),
//!     };
//!     let findings = if output.success() {
//!         Vec::new()
//!     } else {
//!         vec![Finding::new("tests/failed", Severity::Error, output.stderr)]
//!     };
//!     Ok(GateReport::from_findings(findings))
//! }
//! ```

use crate::bindings::cchost::plugin::exec as host;
pub use crate::bindings::cchost::plugin::exec::{Command, ExecError, Output};

/// Runs `argv` in `cwd` (an absolute directory the plugin was granted, e.g. a gate's `root`)
/// with the host's default timeout.
pub fn run<S: AsRef<str>>(argv: &[S], cwd: &str) -> Result<Output, ExecError> {
    run_with_timeout(argv, cwd, None)
}

/// Runs `argv` in `cwd`, killing it (and everything it started) after `timeout_ms`.
pub fn run_with_timeout<S: AsRef<str>>(
    argv: &[S],
    cwd: &str,
    timeout_ms: Option<u32>,
) -> Result<Output, ExecError> {
    host::run(&Command {
        argv: argv.iter().map(|s| s.as_ref().to_string()).collect(),
        cwd: cwd.to_string(),
        timeout_ms,
    })
}

impl Output {
    /// Whether the program exited with code 0.
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }
}
