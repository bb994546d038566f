//! `cchost-sdk`: write cchost plugins — hooks, validation gates and agents — in Rust.
//!
//! A plugin is a WebAssembly component built for `wasm32-wasip2`. This crate owns the typed view
//! of the `cchost:plugin` contract (the generated bindings of `wit/`), ergonomic event and
//! response types, access to the plugin's own settings and to the host log, and the
//! `export_*!` macros that turn a Rust type into a component export.
//!
//! # A complete hook
//!
//! ```no_run
//! use cchost_sdk::{export_hook, Event, Hook, Response};
//!
//! struct NoForcePush;
//!
//! impl Hook for NoForcePush {
//!     fn handle(event: Event) -> Result<Response, String> {
//!         let Some(command) = event.bash_command() else {
//!             return Ok(Response::none());
//!         };
//!         if command.contains("push --force") {
//!             return Ok(Response::deny("force-push is not allowed here"));
//!         }
//!         Ok(Response::none())
//!     }
//! }
//!
//! export_hook!(NoForcePush);
//! # fn main() {}
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2 --release` (crate type `cdylib`) and ship the
//! `.wasm` with a manifest `<name>.toml` that declares the capabilities it needs; the user's
//! configuration grants them.

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

/// A hook: judges one Claude Code event. Each event gets a fresh instance.
pub trait Hook {
    /// Decide about `event`. An `Err` is a hook failure: the host applies the hook's `on_error`
    /// policy (by default a PreToolUse failure denies the call).
    fn handle(event: Event) -> Result<Response, String>;
}

/// A validation gate: judges the files in scope at a checkpoint.
pub trait Gate {
    fn check(input: GateInput) -> Result<GateReport, String>;
}

/// An agent behaviour: one task in, one result out.
pub trait Agent {
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
