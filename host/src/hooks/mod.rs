//! The hook engine: Claude Code events in, the configured WASM hooks run in parallel with their
//! limits, decisions merged, Claude Code's wire format out.

pub mod dispatch;
pub mod event;
pub mod matcher;
pub mod merge;
pub mod wire;

pub use dispatch::{HookSet, PreparedBinding, dispatch};
pub use event::HookInput;
pub use merge::{Merged, Verdict};
pub use wire::ClaudeReply;
