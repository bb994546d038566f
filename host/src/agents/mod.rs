//! Workflows: agents run as sandboxed components in waves — the agents of a wave concurrently,
//! each in its own store with its own limits — with the wave's checkpoint gates judging the
//! project before the next wave starts, and every step recorded in one JSONL session.

mod progress;
mod report;
mod run;

pub use progress::Progress;
pub use report::{AgentReport, AgentStatus, RunReport, WaveReport};
pub use run::{Runner, WorkflowSetup};

/// Session record kinds written by a run (tool calls are `mcp::TOOL_CALL_RECORD`).
pub mod records {
    pub const WORKFLOW_START: &str = "workflow-start";
    pub const WORKFLOW_END: &str = "workflow-end";
    pub const AGENT_START: &str = "agent-start";
    pub const AGENT_END: &str = "agent-end";
    pub const GATE: &str = "gate";
    pub const INTERRUPTED: &str = "interrupted";
}
