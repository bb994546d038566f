//! The legacy HTTP+SSE transport (protocol 2024-11-05): a GET event stream that first names the
//! endpoint to POST messages to, then carries the server's messages.

// Placeholder until the transport lands.
use std::time::Duration;

#[derive(Debug)]
pub struct SseError(String);
impl std::fmt::Display for SseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SseError {}
pub struct SseTransport;
impl SseTransport {
    pub async fn connect(
        _url: &str,
        _headers: &http::HeaderMap,
        _timeout: Duration,
    ) -> Result<rmcp::transport::TokioChildProcess, SseError> {
        Err(SseError("not yet".into()))
    }
}
