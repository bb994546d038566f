//! The legacy HTTP+SSE transport (protocol 2024-11-05): a GET event stream that first names the
//! endpoint to POST messages to, then carries the server's messages.
//!
//! The session lives exactly as long as that GET stream: the protocol has no resumption, so
//! when the stream ends the transport reports the end of input and its owner reconnects. A
//! POSTed message is answered `202 Accepted`; its reply arrives on the stream. rmcp has no
//! client for this transport, so [`SseTransport`] implements its [`Transport`] trait directly;
//! the event-stream framing (`\n`, `\r\n` or `\r` line endings, multi-line `data:`) is
//! `sse-stream`'s.

use std::{borrow::Cow, fmt, time::Duration};

use futures::{StreamExt, stream::BoxStream};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use rmcp::{
    RoleClient,
    model::{ClientJsonRpcMessage, ServerJsonRpcMessage},
    transport::Transport,
};
use sse_stream::{Sse, SseStream};
use tokio::time::Instant;
use url::Url;

/// The parsed events of the GET stream.
type Events = BoxStream<'static, Result<Sse, sse_stream::Error>>;

/// A client connection to an MCP server over the legacy HTTP+SSE transport.
pub struct SseTransport {
    http: reqwest::Client,
    /// The GET URL, as configured; named in log lines.
    stream_url: Url,
    /// Where messages are POSTed (the `endpoint` event resolved against `stream_url`).
    endpoint: Url,
    /// The configured headers plus `Content-Type: application/json`.
    post_headers: HeaderMap,
    request_timeout: Duration,
    /// `None` once the stream has ended or the transport was closed: the session is gone then.
    events: Option<Events>,
}

impl SseTransport {
    /// GETs `url` (Accept: text/event-stream, plus `headers`), waits (bounded by
    /// `request_timeout`) for the `endpoint` event, resolves it against `url` (refusing an
    /// endpoint on a different origin), then returns the transport. `request_timeout` also
    /// bounds every POST.
    pub async fn connect(
        url: &str,
        headers: &HeaderMap,
        request_timeout: Duration,
    ) -> Result<SseTransport, SseError> {
        let stream_url = Url::parse(url).map_err(|reason| SseError::InvalidUrl {
            url: url.to_owned(),
            reason,
        })?;
        let http = reqwest::Client::builder()
            .connect_timeout(request_timeout)
            .build()
            .map_err(|e| SseError::Client(describe_reqwest(e)))?;

        let mut stream_headers = headers.clone();
        stream_headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/event-stream"),
        );
        let mut post_headers = headers.clone();
        post_headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );

        // One deadline for the whole handshake: the caller's budget is for getting a usable
        // connection, however the time splits between the response and the endpoint event.
        let deadline = Instant::now() + request_timeout;
        let timed_out = |waiting_for| SseError::Timeout {
            url: stream_url.to_string(),
            timeout: request_timeout,
            waiting_for,
        };
        let response = tokio::time::timeout_at(
            deadline,
            http.get(stream_url.clone()).headers(stream_headers).send(),
        )
        .await
        .map_err(|_| timed_out("the response to GET"))?
        .map_err(|e| SseError::Connect {
            url: stream_url.to_string(),
            cause: describe_reqwest(e),
        })?;

        let status = response.status();
        if !status.is_success() {
            let body = tokio::time::timeout_at(deadline, response.text())
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            return Err(SseError::HttpStatus {
                method: "GET",
                url: stream_url.into(),
                status,
                body,
            });
        }
        // A streamable-HTTP-only server may answer the GET with JSON or HTML; saying so beats
        // waiting out the timeout for an endpoint event that cannot come. A missing
        // Content-Type is given the benefit of the doubt.
        if let Some(content_type) = response.headers().get(header::CONTENT_TYPE) {
            let content_type = String::from_utf8_lossy(content_type.as_bytes()).into_owned();
            if !content_type
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
            {
                return Err(SseError::NotEventStream {
                    url: stream_url.into(),
                    content_type,
                });
            }
        }

        let mut events: Events = SseStream::from_bytes_stream(response.bytes_stream()).boxed();
        let announced = tokio::time::timeout_at(deadline, wait_for_endpoint(&mut events))
            .await
            .map_err(|_| timed_out("the endpoint event from"))?
            .map_err(|cause| SseError::EndedBeforeEndpoint {
                url: stream_url.to_string(),
                cause,
            })?;
        let endpoint = resolve_endpoint(&stream_url, &announced)?;
        tracing::debug!(url = %stream_url, %endpoint, "SSE session established");

        Ok(SseTransport {
            http,
            stream_url,
            endpoint,
            post_headers,
            request_timeout,
            events: Some(events),
        })
    }

    /// The URL messages are POSTed to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }
}

impl fmt::Debug for SseTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseTransport")
            .field("stream_url", &self.stream_url.as_str())
            .field("endpoint", &self.endpoint.as_str())
            .field("request_timeout", &self.request_timeout)
            .field("open", &self.events.is_some())
            .finish_non_exhaustive()
    }
}

impl Transport<RoleClient> for SseTransport {
    type Error = SseError;

    fn send(
        &mut self,
        message: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<(), SseError>> + Send + 'static {
        // The future must not borrow `self` (rmcp runs sends concurrently): it gets its own
        // handles, all cheap clones.
        let session_alive = self.events.is_some();
        let http = self.http.clone();
        let endpoint = self.endpoint.clone();
        let headers = self.post_headers.clone();
        let timeout = self.request_timeout;
        async move {
            if !session_alive {
                // The server dropped the session with the stream; a POST could only fail,
                // and a reply could not reach us anyway.
                return Err(SseError::Closed {
                    url: endpoint.into(),
                });
            }
            let body = serde_json::to_vec(&message).map_err(SseError::Serialize)?;
            // Some servers never answer a POST for an unknown session: the timeout is what
            // turns that into an error instead of a call that hangs forever.
            tokio::time::timeout(timeout, post(&http, &endpoint, headers, body))
                .await
                .map_err(|_| SseError::Timeout {
                    url: endpoint.to_string(),
                    timeout,
                    waiting_for: "the response to POST",
                })?
        }
    }

    async fn receive(&mut self) -> Option<ServerJsonRpcMessage> {
        // Cancel-safe, as rmcp's select loop needs: an event is only taken out of the stream
        // once it is complete, and `StreamExt::next` loses nothing when dropped.
        loop {
            let event = self.events.as_mut()?.next().await;
            match event {
                Some(Ok(event)) => {
                    if let Some(message) = incoming_message(event, &self.stream_url) {
                        return Some(message);
                    }
                }
                Some(Err(sse_stream::Error::Body(cause))) => {
                    tracing::warn!(
                        url = %self.stream_url,
                        "MCP SSE stream failed: {}",
                        describe(cause.as_ref())
                    );
                    self.events = None;
                    return None;
                }
                Some(Err(malformed)) => {
                    // sse-stream rejects lines the SSE spec says to ignore (unknown fields, a
                    // bare field name) and drops the rest of that network chunk with them; one
                    // odd line must not end the whole session, though.
                    tracing::warn!(url = %self.stream_url, "skipping malformed SSE line: {malformed}");
                }
                None => {
                    tracing::warn!(url = %self.stream_url, "MCP server closed the SSE stream");
                    self.events = None;
                    return None;
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), SseError> {
        // Dropping the response body closes the GET connection, which ends the session on the
        // server.
        self.events = None;
        Ok(())
    }
}

/// Reads events until the `endpoint` one and returns its data; `Err` carries why the stream
/// ended first (`None` for a plain end of stream).
async fn wait_for_endpoint(events: &mut Events) -> Result<String, Option<String>> {
    while let Some(event) = events.next().await {
        match event {
            Ok(event) if event.event.as_deref() == Some("endpoint") => {
                return Ok(event.data.unwrap_or_default());
            }
            Ok(event) => {
                tracing::debug!(?event, "ignoring SSE event before the endpoint event");
            }
            Err(sse_stream::Error::Body(cause)) => return Err(Some(describe(cause.as_ref()))),
            Err(malformed) => tracing::warn!("skipping malformed SSE line: {malformed}"),
        }
    }
    Err(None)
}

/// The endpoint the server announced, resolved against the stream URL. It is usually relative
/// (`/messages/?session_id=…`); one on another origin is refused, since the configured headers
/// (credentials, often) would go to a server the user never named.
fn resolve_endpoint(stream_url: &Url, announced: &str) -> Result<Url, SseError> {
    let invalid = |reason: &str| SseError::InvalidEndpoint {
        url: stream_url.to_string(),
        endpoint: announced.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = announced.trim();
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    let endpoint = stream_url
        .join(trimmed)
        .map_err(|e| invalid(&e.to_string()))?;
    if endpoint.origin() != stream_url.origin() {
        return Err(invalid("it is on a different origin"));
    }
    Ok(endpoint)
}

/// The JSON-RPC message an event carries, if any. An event without a name is a `message`
/// event (the SSE default); empty data is a priming or keep-alive event; other event names
/// (a repeated `endpoint`, extensions) carry nothing for us. Unparsable data is logged and
/// skipped: one bad message must not end the session.
fn incoming_message(event: Sse, stream_url: &Url) -> Option<ServerJsonRpcMessage> {
    match event.event.as_deref() {
        None | Some("message") => {}
        Some(name) => {
            tracing::debug!(url = %stream_url, event = name, "ignoring SSE event");
            return None;
        }
    }
    let data = event.data?;
    if data.trim().is_empty() {
        return None;
    }
    match serde_json::from_str(&data) {
        Ok(message) => Some(message),
        Err(e) => {
            tracing::warn!(
                url = %stream_url,
                "skipping unparsable MCP message ({e}): {}",
                truncated(&data, 200)
            );
            None
        }
    }
}

/// POSTs one message; the reply, if any, comes on the event stream.
async fn post(
    http: &reqwest::Client,
    endpoint: &Url,
    headers: HeaderMap,
    body: Vec<u8>,
) -> Result<(), SseError> {
    let response = http
        .post(endpoint.clone())
        .headers(headers)
        .body(body)
        .send()
        .await
        .map_err(|e| SseError::Post {
            url: endpoint.to_string(),
            cause: describe_reqwest(e),
        })?;
    let status = response.status();
    // Read the body either way: it explains a failure, and a drained response lets the
    // connection be reused.
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(SseError::HttpStatus {
            method: "POST",
            url: endpoint.to_string(),
            status,
            body,
        });
    }
    Ok(())
}

/// Why an SSE connection or a message failed. Variants about a request name its URL as a
/// string: a `Url` is large, and the error only ever gets displayed.
#[derive(Debug)]
pub enum SseError {
    InvalidUrl {
        url: String,
        reason: url::ParseError,
    },
    /// The HTTP client could not be built (e.g. no TLS roots).
    Client(String),
    /// The GET request failed before any response: refused, unresolvable, TLS…
    Connect {
        url: String,
        cause: String,
    },
    HttpStatus {
        method: &'static str,
        url: String,
        status: StatusCode,
        body: String,
    },
    NotEventStream {
        url: String,
        content_type: String,
    },
    Timeout {
        url: String,
        timeout: Duration,
        /// What was awaited, phrased to precede the URL ("the response to POST").
        waiting_for: &'static str,
    },
    EndedBeforeEndpoint {
        url: String,
        cause: Option<String>,
    },
    InvalidEndpoint {
        url: String,
        endpoint: String,
        reason: String,
    },
    /// The POST request failed before any response.
    Post {
        url: String,
        cause: String,
    },
    Serialize(serde_json::Error),
    /// A send after the event stream ended (or the transport was closed).
    Closed {
        url: String,
    },
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SseError::InvalidUrl { url, reason } => {
                write!(f, "invalid MCP SSE URL `{url}`: {reason}")
            }
            SseError::Client(cause) => write!(f, "cannot create an HTTP client: {cause}"),
            SseError::Connect { url, cause } => {
                write!(f, "cannot connect to the MCP SSE server at {url}: {cause}")
            }
            SseError::HttpStatus {
                method,
                url,
                status,
                body,
            } => {
                write!(f, "{method} {url} failed with HTTP status {status}")?;
                let body = body.trim();
                if !body.is_empty() {
                    write!(f, ": {}", truncated(body, 200))?;
                }
                Ok(())
            }
            SseError::NotEventStream { url, content_type } => write!(
                f,
                "GET {url} did not answer with an event stream (Content-Type: {content_type}); \
                 is it an MCP SSE endpoint?"
            ),
            SseError::Timeout {
                url,
                timeout,
                waiting_for,
            } => write!(
                f,
                "timed out after {timeout:?} waiting for {waiting_for} {url}"
            ),
            SseError::EndedBeforeEndpoint { url, cause } => {
                write!(
                    f,
                    "the SSE stream from {url} ended before the endpoint event"
                )?;
                if let Some(cause) = cause {
                    write!(f, ": {cause}")?;
                }
                Ok(())
            }
            SseError::InvalidEndpoint {
                url,
                endpoint,
                reason,
            } => write!(
                f,
                "the MCP SSE server at {url} announced the endpoint `{endpoint}`, which is \
                 unusable: {reason}"
            ),
            SseError::Post { url, cause } => write!(f, "cannot POST to {url}: {cause}"),
            SseError::Serialize(e) => write!(f, "cannot serialize an MCP message: {e}"),
            SseError::Closed { url } => write!(
                f,
                "the MCP SSE session of {url} is over: its event stream has ended"
            ),
        }
    }
}

// No `source()`: every Display already spells out its cause, and rmcp shows only the Display.
impl std::error::Error for SseError {}

/// A reqwest error with its causes ("connection refused" is three levels down), without the
/// URL, which our messages name already.
fn describe_reqwest(error: reqwest::Error) -> String {
    describe(&error.without_url())
}

/// An error followed by its chain of causes, skipping a cause its parent already quotes.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// At most `max` characters of `text`, with an ellipsis if cut.
fn truncated(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_url() -> Url {
        Url::parse("http://127.0.0.1:8080/sse").unwrap()
    }

    #[test]
    fn relative_endpoints_resolve_against_the_stream_url() {
        let resolve = |announced| {
            resolve_endpoint(&stream_url(), announced)
                .unwrap()
                .to_string()
        };
        // The Python SDK's and the TypeScript SDK's forms.
        assert_eq!(
            resolve("/messages/?session_id=abc"),
            "http://127.0.0.1:8080/messages/?session_id=abc"
        );
        assert_eq!(
            resolve("/message?sessionId=abc"),
            "http://127.0.0.1:8080/message?sessionId=abc"
        );
        assert_eq!(resolve("message?x=1"), "http://127.0.0.1:8080/message?x=1");
        assert_eq!(
            resolve(" http://127.0.0.1:8080/m?s=1\n"),
            "http://127.0.0.1:8080/m?s=1"
        );
    }

    #[test]
    fn endpoints_under_a_path_prefix_keep_it_when_relative() {
        let base = Url::parse("https://example.com/mcp/sse").unwrap();
        assert_eq!(
            resolve_endpoint(&base, "messages?s=1").unwrap().as_str(),
            "https://example.com/mcp/messages?s=1"
        );
        assert_eq!(
            resolve_endpoint(&base, "/messages?s=1").unwrap().as_str(),
            "https://example.com/messages?s=1"
        );
    }

    #[test]
    fn endpoints_on_another_origin_are_refused() {
        for announced in [
            "http://evil.example/messages",
            "//evil.example/messages",
            "http://127.0.0.1:9999/messages",
            "https://127.0.0.1:8080/messages",
            "http://localhost:8080/messages",
        ] {
            let error = resolve_endpoint(&stream_url(), announced).unwrap_err();
            assert!(
                matches!(error, SseError::InvalidEndpoint { .. }),
                "{announced}: {error}"
            );
            assert!(error.to_string().contains("different origin"), "{error}");
        }
    }

    #[test]
    fn an_empty_endpoint_is_refused() {
        let error = resolve_endpoint(&stream_url(), "  ").unwrap_err();
        assert!(error.to_string().contains("empty"), "{error}");
    }

    /// The events `sse-stream` parses from `chunks`.
    fn parse(chunks: &[&'static str]) -> Vec<Sse> {
        let chunks = chunks
            .iter()
            .map(|chunk| Ok::<_, std::io::Error>(bytes::Bytes::from_static(chunk.as_bytes())));
        let stream = SseStream::from_bytes_stream(futures::stream::iter(chunks));
        futures::executor::block_on(stream.map(Result::unwrap).collect())
    }

    #[test]
    fn crlf_and_lf_line_endings_frame_the_same_events() {
        let lf = parse(&["event: endpoint\ndata: /m?s=1\n\n: ping\n\ndata: {\"a\":\ndata: 1}\n\n"]);
        // The Python SDK ends lines with CRLF; a chunk may split a CR from its LF.
        let crlf = parse(&[
            "event: endpoint\r\ndata: /m?s=1\r\n\r",
            "\n: ping\r\n\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n",
        ]);
        assert_eq!(lf, crlf);
        assert_eq!(lf.len(), 2, "{lf:?}");
        assert_eq!(lf[0].event.as_deref(), Some("endpoint"));
        assert_eq!(lf[0].data.as_deref(), Some("/m?s=1"));
        assert_eq!(lf[1].event, None);
        assert_eq!(lf[1].data.as_deref(), Some("{\"a\":\n1}"));
    }

    #[test]
    fn only_message_events_with_json_data_are_messages() {
        let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
        let event = |name: Option<&str>, data: &str| Sse {
            event: name.map(str::to_owned),
            data: Some(data.to_owned()),
            ..Sse::default()
        };
        let url = stream_url();
        assert!(incoming_message(event(None, ping), &url).is_some());
        assert!(incoming_message(event(Some("message"), ping), &url).is_some());
        assert!(incoming_message(event(Some("endpoint"), ping), &url).is_none());
        assert!(incoming_message(event(None, ""), &url).is_none());
        assert!(incoming_message(event(None, "not json"), &url).is_none());
        assert!(incoming_message(Sse::default(), &url).is_none());
    }

    #[test]
    fn errors_name_the_url_and_the_status() {
        let error = SseError::HttpStatus {
            method: "POST",
            url: "http://127.0.0.1:1/messages/?session_id=x".to_owned(),
            status: StatusCode::NOT_FOUND,
            body: "Could not find session\n".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "POST http://127.0.0.1:1/messages/?session_id=x failed with HTTP status 404 Not \
             Found: Could not find session"
        );
    }
}
