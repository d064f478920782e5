//! How a success response becomes the value an endpoint returns.

use std::future::Future;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, Error, ResponseTooLarge, TransportError, excerpt};

/// A type an endpoint can return on success.
///
/// Every `T: DeserializeOwned` is one: the body is read and decoded as JSON
/// (an empty body as `null`, so `()` fits an empty response). Types that read
/// the response another way implement it themselves, such as
/// [`TeleportArchive`](crate::TeleportArchive) (raw bytes and headers) and
/// [`JobLogStream`](crate::JobLogStream) (server-sent events).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a response",
    label = "the success type of an endpoint",
    note = "derive `serde::Deserialize` for `{Self}`, or implement `twill_api::FromResponse`"
)]
pub trait FromResponse: Sized {
    /// The `Accept` header of the request.
    const ACCEPT: &'static str = "application/json";

    /// Whether the body is consumed as it arrives, for as long as it lasts:
    /// the client's call timeout does not apply to such a call.
    const STREAMING: bool = false;

    /// Builds the value from a success (2xx) response.
    fn from_response(response: RawResponse) -> impl Future<Output = Result<Self, Error>> + Send;
}

impl<T: DeserializeOwned> FromResponse for T {
    async fn from_response(response: RawResponse) -> Result<Self, Error> {
        let status = response.status();
        let body = response.bytes().await?;
        decode_json(status, &body)
    }
}

/// A success response before it is decoded, for [`FromResponse`]
/// implementations.
#[derive(Debug)]
pub struct RawResponse {
    inner: reqwest::Response,
    limit: usize,
    event_limit: usize,
}

impl RawResponse {
    pub(crate) fn new(inner: reqwest::Response, limit: usize) -> Self {
        RawResponse {
            inner,
            limit,
            event_limit: crate::DEFAULT_MAX_EVENT_BYTES,
        }
    }

    /// Sets the largest server-sent event accepted, in bytes.
    pub(crate) fn with_event_limit(mut self, event_limit: usize) -> Self {
        self.event_limit = event_limit;
        self
    }

    /// The largest server-sent event accepted, in bytes.
    pub(crate) fn event_limit(&self) -> usize {
        self.event_limit
    }

    /// A response with a size limit, for testing [`FromResponse`]
    /// implementations without a server (`reqwest::Response` converts from
    /// an `http::Response`).
    pub fn from_parts(response: reqwest::Response, limit: usize) -> Self {
        RawResponse::new(response, limit)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The whole body; [`Error::ResponseTooLarge`] beyond the client's
    /// [`max_response_bytes`](crate::ClientBuilder::max_response_bytes),
    /// checked against `Content-Length` before reading and while reading.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        let (status, limit) = (self.status(), self.limit);
        let too_large = || Error::ResponseTooLarge(ResponseTooLarge { status, limit });
        if self
            .inner
            .content_length()
            .is_some_and(|length| length > self.limit as u64)
        {
            return Err(too_large());
        }
        // Most bodies arrive as one chunk: keep it as is, without a copy.
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut total = 0;
        while let Some(chunk) = self.chunk().await? {
            total += chunk.len();
            if total > limit {
                return Err(too_large());
            }
            chunks.push(chunk);
        }
        Ok(match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.swap_remove(0),
            _ => {
                let mut body = BytesMut::with_capacity(total);
                for chunk in chunks {
                    body.extend_from_slice(&chunk);
                }
                body.freeze()
            }
        })
    }

    /// The next piece of the body as it arrives, or `None` at its end. Not
    /// bounded by the size limit: for streams, which hold one event at a
    /// time.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        self.inner
            .chunk()
            .await
            .map_err(|error| Error::Transport(TransportError::new(error, 1)))
    }
}

/// Decodes a JSON success body; an empty body decodes as `null`, so `()`
/// and `Option<T>` accept it.
pub(crate) fn decode_json<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<T, Error> {
    let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(json).map_err(|source| {
        Error::Decode(Box::new(DecodeError {
            status,
            excerpt: excerpt(body),
            source,
        }))
    })
}
