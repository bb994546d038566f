//! Host bindings generated from `wit/` (the one source of truth), one module per world; the
//! shared interfaces are generated once, in `hook`, and reused by the other worlds (`session`,
//! which only agents import, is generated in `agent`; `exec`, for gates and agents, in `gate`).

pub mod hook {
    wasmtime::component::bindgen!({
        world: "hook",
        path: "../wit",
        exports: { default: async },
        additional_derives: [PartialEq],
    });
}

pub mod gate {
    wasmtime::component::bindgen!({
        world: "gate",
        path: "../wit",
        exports: { default: async },
        // A command runs for seconds or minutes; it must not block the executor.
        imports: { "cchost:plugin/exec.run": async },
        with: {
            "cchost:plugin/types": super::hook::cchost::plugin::types,
            "cchost:plugin/log": super::hook::cchost::plugin::log,
            "cchost:plugin/config": super::hook::cchost::plugin::config,
        },
    });
}

pub mod agent {
    wasmtime::component::bindgen!({
        world: "agent",
        path: "../wit",
        exports: { default: async },
        // MCP calls wait on servers and hooks; they must not block the executor.
        imports: {
            "cchost:plugin/mcp.list-tools": async,
            "cchost:plugin/mcp.call-tool": async,
            "cchost:plugin/mcp.read-resource": async,
            "cchost:plugin/mcp.get-prompt": async,
            "cchost:plugin/model.complete": async,
        },
        with: {
            "cchost:plugin/exec": super::gate::cchost::plugin::exec,
            "cchost:plugin/types": super::hook::cchost::plugin::types,
            "cchost:plugin/log": super::hook::cchost::plugin::log,
            "cchost:plugin/config": super::hook::cchost::plugin::config,
        },
    });
}

pub use agent::cchost::plugin::mcp::{CallResult as McpCallResult, Tool as McpTool};
pub use agent::cchost::plugin::session::Entry as SessionEntry;
pub use hook::cchost::plugin::types::{
    AgentOutput, ChangeKind, Decision, FileChange, Finding, GateInput, GateReport, GateStatus,
    HookEvent, HookResponse, Severity, Task,
};
