//! What a run produced: per agent, per wave, and overall — rendered as the summary table or as
//! JSON for machines.

use std::{fmt::Write, time::Duration};

use serde::Serialize;
use serde_json::Value;

/// How one agent ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "cause")]
pub enum AgentStatus {
    Passed,
    /// The cause: a trap, a timeout, a memory limit, or the agent's own error.
    Failed(String),
    /// Stopped by fail_fast or Ctrl-C.
    Cancelled,
    /// Never started: an earlier wave stopped the run.
    Skipped,
}

impl AgentStatus {
    pub fn label(&self) -> &'static str {
        match self {
            AgentStatus::Passed => "passed",
            AgentStatus::Failed(_) => "failed",
            AgentStatus::Cancelled => "cancelled",
            AgentStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentReport {
    pub agent: String,
    pub plugin: String,
    pub wave: String,
    #[serde(flatten)]
    pub status: AgentStatus,
    pub attempts: u32,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
    pub tool_calls: u64,
    pub denials: u64,
    pub summary: Option<String>,
    /// The agent's structured result (its `data`, parsed when it is JSON).
    pub data: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaveReport {
    pub name: String,
    pub agents: Vec<AgentReport>,
    /// The checkpoint judged after the wave: name, status and findings per gate.
    pub checkpoint: Option<Value>,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub workflow: String,
    pub session_id: String,
    pub session_file: String,
    pub passed: bool,
    pub interrupted: bool,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
    pub waves: Vec<WaveReport>,
}

fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(duration.as_millis() as u64)
}

impl RunReport {
    /// The summary table: one row per agent, then checkpoints, then the verdict.
    pub fn table(&self) -> String {
        let rows: Vec<&AgentReport> = self.waves.iter().flat_map(|w| &w.agents).collect();
        let width = rows
            .iter()
            .map(|r| r.agent.len())
            .chain([5])
            .max()
            .unwrap_or(5);
        let wave_width = self
            .waves
            .iter()
            .map(|w| w.name.len())
            .chain([4])
            .max()
            .unwrap_or(4);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<width$}  {:<wave_width$}  {:<9}  {:>9}  {:>10}  {:>7}",
            "agent", "wave", "status", "duration", "tool calls", "denials"
        );
        for row in &rows {
            let _ = writeln!(
                out,
                "{:<width$}  {:<wave_width$}  {:<9}  {:>9}  {:>10}  {:>7}",
                row.agent,
                row.wave,
                row.status.label(),
                format_duration(row.duration),
                row.tool_calls,
                row.denials
            );
        }
        for row in &rows {
            match &row.status {
                AgentStatus::Failed(cause) => {
                    let _ = writeln!(out, "\n{} failed: {cause}", row.agent);
                }
                AgentStatus::Passed => {
                    if let Some(summary) = row.summary.as_deref().filter(|s| !s.is_empty()) {
                        let _ = writeln!(out, "\n{}: {summary}", row.agent);
                    }
                }
                _ => {}
            }
        }
        for wave in &self.waves {
            if let Some(checkpoint) = &wave.checkpoint {
                let _ = writeln!(
                    out,
                    "\ncheckpoint {} after wave {}: {}",
                    checkpoint["checkpoint"].as_str().unwrap_or("?"),
                    wave.name,
                    checkpoint["status"].as_str().unwrap_or("?")
                );
                for gate in checkpoint["gates"].as_array().into_iter().flatten() {
                    let _ = writeln!(
                        out,
                        "  {:<16} {:<5} {} finding(s)",
                        gate["gate"].as_str().unwrap_or("?"),
                        gate["status"].as_str().unwrap_or("?"),
                        gate["findings"].as_array().map_or(0, Vec::len)
                    );
                }
            }
        }
        let verdict = if self.interrupted {
            "interrupted"
        } else if self.passed {
            "passed"
        } else {
            "failed"
        };
        let _ = writeln!(
            out,
            "\nworkflow {} {verdict} in {} — session {} ({})",
            self.workflow,
            format_duration(self.duration),
            self.session_id,
            self.session_file
        );
        out
    }
}

fn format_duration(duration: Duration) -> String {
    if duration.as_secs() >= 60 {
        format!(
            "{}m{:02}s",
            duration.as_secs() / 60,
            duration.as_secs() % 60
        )
    } else {
        format!("{:.2}s", duration.as_secs_f64())
    }
}
