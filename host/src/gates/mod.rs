//! Validation gates: the files in scope of a checkpoint are judged by its gate components, all in
//! parallel, each with read-only access to the project and nothing else. A gate that crashes,
//! times out or errs fails its checkpoint with a finding that says why.

pub mod report;
pub mod scope;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Result;
use futures::future::join_all;

pub use self::scope::{Scope, ScopeSpec};
use crate::{
    config::Config,
    plugins::{
        PluginRegistry, PluginSpec,
        bindings::{Finding, GateInput, GateReport, GateStatus, Severity},
        grants::{Access, FileAccess},
    },
    runtime::PluginError,
};

/// One gate's verdict.
#[derive(Debug, Clone)]
pub struct GateRun {
    pub gate: String,
    pub duration: Duration,
    pub outcome: Result<GateReport, PluginError>,
}

impl GateRun {
    pub fn status(&self) -> GateStatus {
        match &self.outcome {
            Ok(report) => report.status,
            Err(_) => GateStatus::Fail,
        }
    }

    /// The gate's findings; a failed gate has one error finding naming the failure.
    pub fn findings(&self) -> Vec<Finding> {
        match &self.outcome {
            Ok(report) => report.findings.clone(),
            Err(error) => vec![Finding {
                rule: "gate/failed".into(),
                severity: Severity::Error,
                message: error.to_string(),
                file: None,
                line: None,
                column: None,
                fix_hint: None,
            }],
        }
    }
}

/// All gates of one checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointRun {
    pub checkpoint: String,
    pub gates: Vec<GateRun>,
}

impl CheckpointRun {
    pub fn status(&self) -> GateStatus {
        worst(self.gates.iter().map(GateRun::status))
    }
}

/// Fail beats warn beats pass.
pub fn worst(statuses: impl IntoIterator<Item = GateStatus>) -> GateStatus {
    statuses
        .into_iter()
        .max_by_key(|status| match status {
            GateStatus::Pass => 0,
            GateStatus::Warn => 1,
            GateStatus::Fail => 2,
        })
        .unwrap_or(GateStatus::Pass)
}

/// The registry specs of `gates`: as configured, plus read-only access to the project root,
/// which is what a gate exists to read (and all it gets: declared ∩ granted still applies).
pub fn gate_specs<'a>(
    config: &Config,
    gates: impl IntoIterator<Item = &'a String>,
    root: &std::path::Path,
) -> Result<Vec<PluginSpec>> {
    let mut specs: Vec<PluginSpec> = Vec::new();
    for gate in gates {
        if specs.iter().any(|spec| &spec.name == gate) {
            continue;
        }
        let mut spec = config.spec_of(gate)?;
        spec.grant.files.push(FileAccess {
            path: root.display().to_string(),
            access: Access::Read,
        });
        specs.push(spec);
    }
    Ok(specs)
}

/// Runs every gate of `checkpoint` on `scope` concurrently.
pub async fn run_checkpoint(
    registry: &Arc<PluginRegistry>,
    checkpoint: &str,
    gates: &[String],
    scope: &Scope,
) -> CheckpointRun {
    let input = Arc::new(GateInput {
        checkpoint: checkpoint.to_string(),
        root: scope.root.display().to_string(),
        files: scope.files.clone(),
        changes: scope.changes.clone(),
    });
    let runs = gates.iter().map(|gate| {
        let registry = registry.clone();
        let input = input.clone();
        let gate = gate.clone();
        async move {
            let started = Instant::now();
            let task = tokio::spawn({
                let gate = gate.clone();
                async move { registry.call_gate(&gate, &input).await }
            });
            let outcome = match task.await {
                Ok(outcome) => outcome,
                Err(join_error) => Err(PluginError::new(
                    gate.clone(),
                    crate::runtime::Failure::Trap {
                        message: format!("the gate's task failed: {join_error}"),
                        stderr: String::new(),
                    },
                )),
            };
            GateRun {
                gate,
                duration: started.elapsed(),
                outcome,
            }
        }
    });
    CheckpointRun {
        checkpoint: checkpoint.to_string(),
        gates: join_all(runs).await,
    }
}
