//! Knowing when a streamable HTTP session's standalone GET stream is open.
//!
//! rmcp opens the GET stream in the background once `initialize` returns, so the first request
//! can reach the server before it. A server that sends its own requests (elicitation, sampling,
//! roots) on that stream while it is not yet open loses them, and the client's call waits for
//! an answer that never comes. [`StreamWatch`] wraps the HTTP client and reports when the first
//! GET has been answered — with a stream or with a refusal — so `connect` can hold the first
//! request back until then.

use std::{collections::HashMap, sync::Arc, time::Duration};

use futures::stream::BoxStream;
use http::{HeaderName, HeaderValue};
use rmcp::{
    model::ClientJsonRpcMessage,
    transport::streamable_http_client::{
        StreamableHttpClient, StreamableHttpError, StreamableHttpPostResponse,
        StreamableHttpResponseLimits,
    },
};
use sse_stream::{Error as SseError, Sse};
use tokio::sync::watch;

/// An HTTP client that tells when the session's standalone GET stream has been answered.
#[derive(Clone)]
pub struct StreamWatch<C> {
    inner: C,
    answered: Arc<watch::Sender<bool>>,
}

/// The receiving side of [`StreamWatch`].
pub struct StreamAnswered(watch::Receiver<bool>);

impl<C> StreamWatch<C> {
    pub fn new(inner: C) -> (StreamWatch<C>, StreamAnswered) {
        let (answered, receiver) = watch::channel(false);
        let watch = StreamWatch {
            inner,
            answered: Arc::new(answered),
        };
        (watch, StreamAnswered(receiver))
    }
}

impl StreamAnswered {
    /// Waits until the GET stream has been answered, at most `limit`; whether it was.
    ///
    /// The limit matters for servers that hold the GET's response headers back until they have
    /// something to send: those cannot be told apart from slow ones.
    pub async fn wait(mut self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.0.wait_for(|answered| *answered))
            .await
            .is_ok_and(|changed| changed.is_ok())
    }
}

impl<C: StreamableHttpClient + Sync> StreamableHttpClient for StreamWatch<C> {
    type Error = C::Error;

    async fn post_message(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<StreamableHttpPostResponse, StreamableHttpError<Self::Error>> {
        self.inner
            .post_message(uri, message, session_id, auth_header, custom_headers)
            .await
    }

    async fn post_message_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Result<StreamableHttpPostResponse, StreamableHttpError<Self::Error>> {
        self.inner
            .post_message_with_max_sse_event_size(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await
    }

    async fn post_message_with_response_limits(
        &self,
        uri: Arc<str>,
        message: ClientJsonRpcMessage,
        session_id: Option<Arc<str>>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        limits: StreamableHttpResponseLimits,
    ) -> Result<StreamableHttpPostResponse, StreamableHttpError<Self::Error>> {
        self.inner
            .post_message_with_response_limits(
                uri,
                message,
                session_id,
                auth_header,
                custom_headers,
                limits,
            )
            .await
    }

    async fn delete_session(
        &self,
        uri: Arc<str>,
        session_id: Arc<str>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<(), StreamableHttpError<Self::Error>> {
        self.inner
            .delete_session(uri, session_id, auth_header, custom_headers)
            .await
    }

    async fn get_stream(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
    ) -> Result<BoxStream<'static, Result<Sse, SseError>>, StreamableHttpError<Self::Error>> {
        let is_standalone = session_id.is_some() && last_event_id.is_none();
        let answer = self
            .inner
            .get_stream(uri, session_id, last_event_id, auth_header, custom_headers)
            .await;
        if is_standalone {
            self.answered.send_replace(true);
        }
        answer
    }

    async fn get_stream_with_max_sse_event_size(
        &self,
        uri: Arc<str>,
        session_id: Option<Arc<str>>,
        last_event_id: Option<String>,
        auth_header: Option<String>,
        custom_headers: HashMap<HeaderName, HeaderValue>,
        max_sse_event_size: usize,
    ) -> Result<BoxStream<'static, Result<Sse, SseError>>, StreamableHttpError<Self::Error>> {
        let is_standalone = session_id.is_some() && last_event_id.is_none();
        let answer = self
            .inner
            .get_stream_with_max_sse_event_size(
                uri,
                session_id,
                last_event_id,
                auth_header,
                custom_headers,
                max_sse_event_size,
            )
            .await;
        if is_standalone {
            self.answered.send_replace(true);
        }
        answer
    }
}
