//! How a success response becomes the value an endpoint returns.

use crate::untrusted::Secret;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Answer, DecodeError, Error, ResponseTooLarge, TransportCause, TransportError};
use crate::wire::excerpt;

/// A type an endpoint can return on success.
///
/// Every `T: DeserializeOwned` is one: the body is read and decoded as JSON
/// (an empty body as `null`, so `()` fits an empty response). Types that read
/// the response another way implement it themselves, such as
/// [`TeleportArchive`](crate::models::TeleportArchive) (raw bytes and headers) and
/// [`JobLogStream`](crate::stream::JobLogStream) (server-sent events).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a response",
    label = "the success type of an endpoint",
    note = "derive `serde::Deserialize` for `{Self}`, or implement `twill_api::FromResponse`"
)]
pub trait FromResponse: Sized {
    /// The `Accept` header of the request.
    const ACCEPT: &'static str = "application/json";

    /// Whether the body is consumed as it arrives, for as long as it lasts.
    /// The call timeout then bounds only the opening (connecting, the head,
    /// a refusal's body), and the body reaches
    /// [`from_response`](Self::from_response) unread. Otherwise the body is
    /// read whole before `from_response`, within the call timeout and its
    /// retries.
    const STREAMING: bool = false;

    /// Builds the value from a success (2xx) response.
    fn from_response(response: RawResponse) -> impl Future<Output = Result<Self, Error>> + Send;
}

impl<T: DeserializeOwned> FromResponse for T {
    // A block rather than an `async fn`, which would keep a second copy of
    // the response in its future.
    #[allow(clippy::manual_async_fn)]
    fn from_response(
        mut response: RawResponse,
    ) -> impl Future<Output = Result<Self, Error>> + Send {
        async move {
            let body = response.take_bytes().await?;
            response.decode_json(&body)
        }
    }
}

/// A decoded success with its response's metadata: the status, the
/// headers, the server's request id and the attempts it took.
///
/// Declare an endpoint returning `Result<Response<T>, E>` for any `T` it
/// could return, and it keeps the metadata beside the value:
///
/// ```
/// use twill_api::{Client, Error, Response, twill_endpoint};
/// use twill_api::models::GetTaskResponse;
///
/// trait TasksWithMetadata {
///     /// A task, with the response's metadata.
///     #[twill_endpoint(GET "/tasks/<taskIdOrSlug>")]
///     async fn get_task_with_metadata(
///         &self,
///         task_id_or_slug: &str,
///     ) -> Result<Response<GetTaskResponse>, Error>;
/// }
///
/// impl TasksWithMetadata for Client {}
///
/// # async fn run(client: Client) -> Result<(), Error> {
/// let task = client.get_task_with_metadata("my-task").await?;
/// println!("{} ({:?}, {} attempts)", task.task.url, task.request_id(), task.attempts());
/// # Ok(())
/// # }
/// ```
///
/// It dereferences to the value; [`into_inner`](Response::into_inner)
/// takes it out. For the built-in endpoints, a [`Hook`](crate::hook::Hook) sees
/// the same metadata in [`AttemptEnd`](crate::hook::AttemptEnd).
#[derive(Debug, Clone)]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
}

impl<T> Response<T> {
    /// A response made by hand, as one attempt answered it: what a test
    /// double returns for an endpoint declared `-> Result<Response<T>, E>`.
    ///
    /// ```
    /// use twill_api::Response;
    /// use twill_api::StatusCode;
    /// use twill_api::reqwest::header::{HeaderMap, HeaderValue};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-request-id", HeaderValue::from_static("req-1"));
    /// let response = Response::new(7_u64, StatusCode::CREATED, headers);
    /// assert_eq!((*response, response.request_id()), (7, Some("req-1")));
    /// assert_eq!(response.attempts(), 1);
    /// ```
    pub fn new(value: T, status: StatusCode, headers: HeaderMap) -> Self {
        Response {
            value,
            status,
            headers,
            attempts: 1,
        }
    }

    /// The decoded value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The HTTP status (a success).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The server's request id (`x-request-id` or `request-id`), if it sent
    /// one: quote it when reporting a problem.
    pub fn request_id(&self) -> Option<&str> {
        crate::wire::request_id(&self.headers)
    }

    /// How many attempts the call took, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: FromResponse + Send> FromResponse for Response<T> {
    const ACCEPT: &'static str = T::ACCEPT;
    const STREAMING: bool = T::STREAMING;

    async fn from_response(response: RawResponse) -> Result<Self, Error> {
        let (status, headers, attempts) =
            (response.status, response.headers.clone(), response.attempts);
        Ok(Response {
            value: T::from_response(response).await?,
            status,
            headers,
            attempts,
        })
    }
}

/// A success response before it is decoded, for [`FromResponse`]
/// implementations.
///
/// The body of a call that does not stream has already been read, within
/// the call's timeout and retries; a streaming call's arrives as it is
/// read.
pub struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    method: Method,
    attempts: u32,
    limits: Limits,
    /// The key, scrubbed from a body read here and from stream events.
    secret: Secret,
}

enum Body {
    /// Read whole; `None` once handed out.
    Read(Option<Bytes>),
    /// Still arriving.
    Unread(reqwest::Response),
}

impl RawResponse {
    /// A response whose body is still to be read.
    pub(crate) fn unread(
        mut inner: reqwest::Response,
        method: Method,
        attempts: u32,
        limits: Limits,
        secret: Secret,
    ) -> Self {
        RawResponse {
            status: inner.status(),
            headers: std::mem::take(inner.headers_mut()),
            body: Body::Unread(inner),
            method,
            attempts,
            limits,
            secret,
        }
    }

    /// A response whose body was read whole.
    pub(crate) fn read(
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        method: Method,
        attempts: u32,
        limits: Limits,
    ) -> Self {
        RawResponse {
            status,
            headers,
            body: Body::Read(Some(body)),
            method,
            attempts,
            limits,
            secret: Secret::default(),
        }
    }

    /// A response with a size limit, for testing [`FromResponse`]
    /// implementations without a server (`reqwest::Response` converts from
    /// an `http::Response`). It stands for the answer to a GET's first
    /// attempt.
    pub fn from_parts(response: reqwest::Response, limit: usize) -> Self {
        RawResponse::unread(
            response,
            Method::GET,
            1,
            Limits::with_body(limit),
            Secret::default(),
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// How many attempts the call took to get this response.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The whole body; [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge) beyond the client's
    /// [`max_response_bytes`](crate::ClientBuilder::max_response_bytes),
    /// checked against `Content-Length` before reading and while reading.
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        self.take_bytes().await
    }

    /// The body and its JSON; a body that is not JSON is
    /// [`Error::Decode`](crate::Error::Decode) with this response's facts.
    pub(crate) async fn body_and_json(mut self) -> Result<(Bytes, serde_json::Value), Error> {
        let body = self.take_bytes().await?;
        let json = self.decode_json(&body)?;
        Ok((body, json))
    }

    /// [`bytes`](Self::bytes), keeping the head for the errors of decoding.
    async fn take_bytes(&mut self) -> Result<Bytes, Error> {
        match &mut self.body {
            Body::Read(body) => Ok(body.take().unwrap_or_default()),
            // Boxed: a body is read here only for streams and hand-built
            // responses; the usual call has read it already.
            Body::Unread(inner) => match Box::pin(read_body(inner, self.limits.body)).await {
                Ok(body) => Ok(self.secret.scrub(body)),
                Err(BodyFailure::TooLarge) => {
                    Err(Error::ResponseTooLarge(self.too_large(self.limits.body)))
                }
                Err(BodyFailure::Http(error)) => Err(self.transport(TransportCause::Http(error))),
            },
        }
    }

    /// The next piece of the body as it arrives, or `None` at its end. Not
    /// bounded by the size limit: for streams, which hold one event at a
    /// time.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        match &mut self.body {
            Body::Read(body) => Ok(body.take().filter(|body| !body.is_empty())),
            Body::Unread(inner) => match inner.chunk().await {
                Ok(chunk) => Ok(chunk),
                Err(error) => Err(self.transport(TransportCause::Http(error))),
            },
        }
    }

    /// The key, to scrub from stream events.
    pub(crate) fn secret(&self) -> Secret {
        self.secret.clone()
    }

    /// The largest server-sent event accepted, in bytes.
    pub(crate) fn event_limit(&self) -> usize {
        self.limits.event
    }

    /// The longest a stream may send nothing.
    pub(crate) fn idle_timeout(&self) -> Duration {
        self.limits.idle
    }

    pub(crate) fn answer(&self) -> Answer {
        Answer::new(self.status, self.method.clone(), self.attempts)
    }

    /// The error for a body or event over `limit` bytes.
    pub(crate) fn too_large(&self, limit: usize) -> ResponseTooLarge {
        ResponseTooLarge {
            answer: self.answer(),
            limit,
        }
    }

    /// The error for a body that failed or stalled partway.
    pub(crate) fn transport(&self, cause: TransportCause) -> Error {
        Error::Transport(TransportError::new(
            cause,
            &self.method,
            Some(self.status),
            self.attempts,
        ))
    }

    /// Decodes a JSON body read from this response; an empty body decodes
    /// as `null`, so `()` and `Option<T>` accept it.
    pub(crate) fn decode_json<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, Error> {
        let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            body
        };
        serde_json::from_slice(json).map_err(|source| {
            Error::Decode(Box::new(DecodeError {
                answer: self.answer(),
                excerpt: excerpt(body),
                source,
            }))
        })
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            Body::Read(Some(body)) => format!("{} bytes read", body.len()),
            Body::Read(None) => "taken".to_owned(),
            Body::Unread(_) => "unread".to_owned(),
        };
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &body)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// Why a body could not be read whole.
pub(crate) enum BodyFailure {
    /// Over the limit, by its `Content-Length` or as it arrived.
    TooLarge,
    /// The connection failed or timed out partway.
    Http(reqwest::Error),
}

/// Reads a whole body of at most `limit` bytes.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Bytes, BodyFailure> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyFailure::TooLarge);
    }
    // Most bodies arrive as one chunk: keep it as is, without a copy.
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total = 0;
    while let Some(chunk) = response.chunk().await.map_err(BodyFailure::Http)? {
        total += chunk.len();
        if total > limit {
            return Err(BodyFailure::TooLarge);
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

/// How long a job log stream may send nothing, not even a keep-alive,
/// before it ends with a timeout error, unless configured. An agent can
/// think silently for a while; a connection silent this long is most likely
/// dead behind a proxy.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The default largest job log event, in bytes: far above any real event (a
/// trace chunk is a few KiB), low enough that an endless `data:` line ends
/// the stream instead of filling memory.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

/// What a client accepts of a success response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The largest body read whole, in bytes.
    pub(crate) body: usize,
    /// The largest server-sent event, in bytes.
    pub(crate) event: usize,
    /// The longest a stream may send nothing.
    pub(crate) idle: Duration,
}

impl Limits {
    pub(crate) fn with_body(body: usize) -> Self {
        Limits {
            body,
            event: DEFAULT_MAX_EVENT_BYTES,
            idle: DEFAULT_STREAM_IDLE_TIMEOUT,
        }
    }
}
