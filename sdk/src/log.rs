//! The host log: messages land in the host's tracing output with the plugin's name (and, for
//! agents running in a session, as `log` records of the session). cchost shows warnings and
//! errors by default, `info` with `-v`, `debug` with `-vv`, `trace` with `-vvv`; `CCHOST_LOG`
//! takes a tracing filter. Messages over 16 KiB are cut.

use crate::bindings::cchost::plugin::log::{Level, log};

/// Logs `message` at level `trace`.
pub fn trace(message: &str) {
    log(Level::Trace, message);
}
/// Logs `message` at level `debug`.
pub fn debug(message: &str) {
    log(Level::Debug, message);
}
/// Logs `message` at level `info`.
pub fn info(message: &str) {
    log(Level::Info, message);
}
/// Logs `message` at level `warn`.
pub fn warn(message: &str) {
    log(Level::Warn, message);
}
/// Logs `message` at level `error`.
pub fn error(message: &str) {
    log(Level::Error, message);
}
