//! `cchost-sdk`: write cchost plugins — hooks, validation gates and agents — in Rust.
//!
//! A plugin is a WebAssembly component built for `wasm32-wasip2` plus a manifest (TOML) that
//! says what it is and which capabilities it may ever ask for; the user's configuration grants
//! them, and the plugin gets what is both declared and granted. This crate owns the typed view
//! of the `cchost:plugin` contract (the bindings generated from `wit/`), ergonomic event and
//! response types, the plugin's own settings, the host log, the host interfaces of each world
//! ([`exec`], [`session`], [`mcp`], [`model`]), and the `export_*!` macros that turn a Rust
//! type into a component export.
//!
//! The guide for plugin authors — manifests, grants, limits, failure behaviour, the other
//! guest languages, testing and debugging — is `docs/writing-plugins.md` in the cchost
//! repository.
//!
//! | kind | implement | export with | host interfaces it may import |
//! |---|---|---|---|
//! | hook | [`Hook`] | [`export_hook!`] | [`log`], [`settings`] |
//! | gate | [`Gate`] | [`export_gate!`] | [`log`], [`settings`], [`exec`] |
//! | agent | [`Agent`] | [`export_agent!`] | [`log`], [`settings`], [`exec`], [`session`], [`mcp`], [`model`] |
//!
//! A crate exports exactly one world. Calling a host function of another world (say
//! [`session::append`] from a hook) builds, but into a component the host refuses at load: a
//! hook may not import `exec`, and only agents may import `session`, `mcp` and `model`.
//!
//! # Building
//!
//! ```toml
//! # Cargo.toml
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! cchost-sdk = { path = "…/cchost/sdk" }
//! serde = { version = "1", features = ["derive"] }   # for typed settings and parameters
//! ```
//!
//! `cargo build --release --target wasm32-wasip2` leaves the component in
//! `target/wasm32-wasip2/release/<crate>.wasm`; ship it with its manifest beside it under the
//! same stem (`my_hook.wasm` + `my_hook.toml`).
//!
//! The host functions exist only inside cchost: the crate also compiles for the build machine
//! (so a plugin's own logic can be unit-tested with a plain `cargo test`, as the first-party
//! plugins do with `crate-type = ["cdylib", "rlib"]`), but calling a host function there
//! panics.
//!
//! # A complete hook
//!
//! A hook judges one Claude Code event and answers with a [`Response`]. This one denies
//! force-pushes, with the branches it protects taken from its settings:
//!
//! ```no_run
//! use cchost_sdk::{export_hook, log, settings, Event, Hook, Response};
//! use serde::Deserialize;
//!
//! /// `[plugins.no-force-push.settings]`.
//! #[derive(Deserialize)]
//! #[serde(default)]
//! struct Settings {
//!     branches: Vec<String>,
//! }
//!
//! impl Default for Settings {
//!     fn default() -> Self {
//!         Settings { branches: vec!["main".into()] }
//!     }
//! }
//!
//! struct NoForcePush;
//!
//! impl Hook for NoForcePush {
//!     fn handle(event: Event) -> Result<Response, String> {
//!         let Some(command) = event.bash_command() else {
//!             return Ok(Response::none());
//!         };
//!         if !command.contains("push --force") && !command.contains("push -f") {
//!             return Ok(Response::none());
//!         }
//!         let settings: Settings = settings::all()?;
//!         for branch in &settings.branches {
//!             if command.contains(branch.as_str()) {
//!                 let reason = format!("force-pushing `{branch}` is not allowed here");
//!                 log::info(&reason);
//!                 return Ok(Response::deny(reason));
//!             }
//!         }
//!         Ok(Response::ask("force-push: are you sure?"))
//!     }
//! }
//!
//! export_hook!(NoForcePush);
//! # fn main() {}
//! ```
//!
//! # A complete gate
//!
//! A gate gets the checkpoint, the project root (preopened read-only at the same path, so
//! `std::fs` reads the files), the files in scope and their changes, and answers with a
//! [`GateReport`] of [`Finding`]s:
//!
//! ```no_run
//! use std::path::Path;
//!
//! use cchost_sdk::{export_gate, Finding, Gate, GateInput, GateReport, Severity};
//!
//! struct NoTodo;
//!
//! impl Gate for NoTodo {
//!     fn check(input: GateInput) -> Result<GateReport, String> {
//!         let root = Path::new(&input.root);
//!         let mut findings = Vec::new();
//!         for file in input.files.iter().filter(|f| f.ends_with(".rs")) {
//!             // A file deleted since the base revision is in scope but no longer readable.
//!             let Ok(text) = std::fs::read_to_string(root.join(file)) else {
//!                 continue;
//!             };
//!             for (index, line) in text.lines().enumerate() {
//!                 if let Some(column) = line.find("TODO") {
//!                     findings.push(
//!                         Finding::new("no-todo/todo", Severity::Warning, line.trim())
//!                             .at(file.as_str(), index as u32 + 1, column as u32 + 1)
//!                             .with_fix_hint("finish it or open an issue"),
//!                     );
//!                 }
//!             }
//!         }
//!         Ok(GateReport::from_findings(findings))
//!     }
//! }
//!
//! export_gate!(NoTodo);
//! # fn main() {}
//! ```
//!
//! Its manifest declares `files = [{ path = "${PROJECT}", access = "read" }]`: cchost grants
//! every gate read access to the project it judges, but only what the manifest declares is
//! given.
//!
//! # A complete agent
//!
//! An agent takes a [`Task`] (its workflow id, the task text and JSON parameters) and returns an
//! [`AgentOutput`]; on the way it may call granted MCP tools, the configured model, granted
//! programs, and append to its session:
//!
//! ```no_run
//! use cchost_sdk::{export_agent, log, mcp, serde_json, session, Agent, AgentOutput, Task};
//! use serde::Deserialize;
//!
//! /// `parameters = { … }` of `[workflow.agents.X]`.
//! #[derive(Deserialize)]
//! struct Params {
//!     /// A directory the filesystem server may read.
//!     root: String,
//! }
//!
//! struct ListDir;
//!
//! impl Agent for ListDir {
//!     fn run(task: Task) -> Result<AgentOutput, String> {
//!         let params: Params = serde_json::from_str(&task.parameters)
//!             .map_err(|e| format!("parameters: {e}"))?;
//!         // Every call passes the PreToolUse and PostToolUse hooks and lands in the session.
//!         let listing = mcp::call("fs", "list_directory", &serde_json::json!({"path": params.root}))?;
//!         if listing.is_error {
//!             return Err(format!("list_directory failed: {}", listing.text));
//!         }
//!         let entries = listing.text.lines().count();
//!         session::append("listing", &serde_json::json!({"root": params.root, "entries": entries}))?;
//!         log::info(&format!("{}: {entries} entries", task.agent));
//!         Ok(AgentOutput {
//!             summary: format!("{} holds {entries} entries", params.root),
//!             data: serde_json::json!({"entries": entries}).to_string(),
//!         })
//!     }
//! }
//!
//! export_agent!(ListDir);
//! # fn main() {}
//! ```
//!
//! Its manifest declares `mcp = ["fs:list_directory"]`, and the workflow grants it:
//! `grant = { mcp = ["fs"] }`. A model conversation is one [`model::Conversation`]; a program
//! runs with [`exec::run`].

mod event;
pub mod exec;
pub mod log;
pub mod mcp;
pub mod model;
pub mod pattern;
pub mod session;
pub mod settings;

pub use event::{Event, Response};
pub use serde_json;
#[doc(hidden)]
pub use wit_bindgen;

/// Bindings generated from `wit/`: the contract's types and the host functions.
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        inline: "
            package cchost:sdk;
            world imports {
                import cchost:plugin/types@0.1.0;
                import cchost:plugin/log@0.1.0;
                import cchost:plugin/config@0.1.0;
                import cchost:plugin/session@0.1.0;
                import cchost:plugin/mcp@0.1.0;
                import cchost:plugin/model@0.1.0;
                import cchost:plugin/exec@0.1.0;
            }
        ",
        world: "cchost:sdk/imports",
        generate_unused_types: true,
        generate_all,
    });
}

pub use bindings::cchost::plugin::types::{
    AgentOutput, ChangeKind, FileChange, Finding, GateInput, GateReport, GateStatus, HookEvent,
    HookResponse, Severity, Task,
};

/// A hook: judges one Claude Code event. Each event gets a fresh instance, so nothing survives
/// from one event to the next.
pub trait Hook {
    /// Decide about `event`. An `Err` is a hook failure: the host applies the hook's `on_error`
    /// policy (by default a PreToolUse failure denies the call).
    fn handle(event: Event) -> Result<Response, String>;
}

/// A validation gate: judges the files in scope at a checkpoint. Each run gets a fresh instance.
pub trait Gate {
    /// Judge `input`: the project root (preopened read-only at the same path), the files in
    /// scope relative to it, and their changes since the base revision (empty when every file
    /// is judged). An `Err` fails the gate with a `gate/failed` finding naming the message.
    fn check(input: GateInput) -> Result<GateReport, String>;
}

/// An agent behaviour: one task in, one result out. Each run gets a fresh instance.
pub trait Agent {
    /// Carry out `task`. An `Err` marks the agent failed with the message as its cause (the
    /// workflow's `retries` and `policy` decide what happens next).
    fn run(task: Task) -> Result<AgentOutput, String>;
}

impl Finding {
    /// A finding of `severity` for `rule`, not yet tied to a place.
    pub fn new(rule: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            file: None,
            line: None,
            column: None,
            fix_hint: None,
        }
    }

    /// Ties the finding to `file` (relative to the project root), 1-based `line` and `column`.
    pub fn at(mut self, file: impl Into<String>, line: u32, column: u32) -> Self {
        self.file = Some(file.into());
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Adds how to fix it, shown with the finding in every report format.
    pub fn with_fix_hint(mut self, hint: impl Into<String>) -> Self {
        self.fix_hint = Some(hint.into());
        self
    }
}

impl GateReport {
    /// A report whose status follows its worst finding: any error fails, any warning warns.
    pub fn from_findings(findings: Vec<Finding>) -> Self {
        let status = if findings.iter().any(|f| f.severity == Severity::Error) {
            GateStatus::Fail
        } else if findings.iter().any(|f| f.severity == Severity::Warning) {
            GateStatus::Warn
        } else {
            GateStatus::Pass
        };
        GateReport { status, findings }
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __hook_adapter {
    ($plugin:path) => {
        struct Adapter;
        impl Guest for Adapter {
            fn handle(
                event: ::cchost_sdk::HookEvent,
            ) -> ::core::result::Result<::cchost_sdk::HookResponse, ::std::string::String> {
                <$plugin as ::cchost_sdk::Hook>::handle(::cchost_sdk::Event::new(event))
                    .map(::core::convert::Into::into)
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __gate_adapter {
    ($plugin:path) => {
        struct Adapter;
        impl Guest for Adapter {
            fn check(
                input: ::cchost_sdk::GateInput,
            ) -> ::core::result::Result<::cchost_sdk::GateReport, ::std::string::String> {
                <$plugin as ::cchost_sdk::Gate>::check(input)
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __agent_adapter {
    ($plugin:path) => {
        struct Adapter;
        impl Guest for Adapter {
            fn run(
                task: ::cchost_sdk::Task,
            ) -> ::core::result::Result<::cchost_sdk::AgentOutput, ::std::string::String> {
                <$plugin as ::cchost_sdk::Agent>::run(task)
            }
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/export_macros.rs"));
