//! Everything a call can fail with. How failure bodies become these errors
//! is in `decode.rs`; when to try again, in `retry.rs`.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::Deserialize;

use crate::enums::open_enum;
use crate::hook::HookError;
use crate::untrusted::escape_line;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a call failed.
///
/// Match on the variant to handle a case; the accessors answer the common
/// questions ([`status`](Error::status), [`retry_after`](Error::retry_after),
/// [`api_code`](Error::api_code)) whatever the variant. No variant ever holds
/// the API key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API refused the call with its JSON error body.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A failure response that is not the API's error format: an HTML page
    /// from a proxy, an empty body, or garbled JSON.
    #[error(transparent)]
    UnexpectedResponse(Box<UnexpectedResponse>),
    /// A success response whose body does not decode into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request did not complete: connection, TLS, timeout or I/O.
    #[error(transparent)]
    Transport(TransportError),
    /// An argument was refused before anything was sent.
    #[error(transparent)]
    InvalidInput(InvalidInput),
    /// A stream (job logs, pages) broke or ended too early.
    #[error(transparent)]
    Stream(StreamError),
    /// A success body larger than the client accepts.
    #[error(transparent)]
    ResponseTooLarge(ResponseTooLarge),
    /// A [`Hook`](crate::Hook) stopped the call before an attempt was sent.
    #[error(transparent)]
    Hook(Box<HookError>),
}

/// A success body over [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes),
/// refused rather than held in memory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the HTTP {} response body is larger than the {limit} bytes this client accepts", status.as_u16())]
#[non_exhaustive]
pub struct ResponseTooLarge {
    /// The HTTP status (a success).
    pub status: StatusCode,
    /// The limit that was exceeded, in bytes.
    pub limit: usize,
    /// The method of the request answered.
    pub method: Method,
    /// How many attempts the call made; this answer came to the last.
    pub attempts: u32,
}

/// Why a stream stopped before it was done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The job log stream closed before its `complete` or `error` event.
    #[error("the job log stream ended before its `complete` or `error` event")]
    EndedEarly,
    /// A job log event's data is not JSON.
    #[error(
        "a job log event is not valid JSON ({source}): \"{}\"",
        crate::escape_line(excerpt)
    )]
    InvalidEvent {
        /// The start of the event's data.
        excerpt: String,
        /// What serde found wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The event stream could not be read: it is malformed (invalid UTF-8
    /// in a field, for one), or the byte stream given to
    /// [`JobLogStream::from_byte_stream`](crate::JobLogStream::from_byte_stream)
    /// failed. The source says which.
    #[error("the event stream could not be read")]
    Malformed(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A list endpoint returned a cursor already followed in this walk
    /// (the one it was given, or an earlier one): following it would loop
    /// forever.
    #[error("the server returned the cursor {0:?} again; stopping rather than looping")]
    RepeatedCursor(String),
    /// A list endpoint returned this many empty pages in a row, each with a
    /// new cursor: a walk that finds nothing for so long is stopped rather
    /// than left to send requests without end.
    #[error("{0} empty pages in a row; stopping rather than following cursors without end")]
    EmptyPages(u32),
}

impl Error {
    /// The HTTP status of the response, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(error) => Some(error.status),
            Error::UnexpectedResponse(error) => Some(error.status),
            Error::Decode(error) => Some(error.status),
            Error::Transport(error) => error.status,
            Error::ResponseTooLarge(error) => Some(error.status),
            Error::InvalidInput(_) | Error::Stream(_) | Error::Hook(_) => None,
        }
    }

    /// How long the server asked to wait before trying again (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(error) => error.retry_after,
            Error::UnexpectedResponse(error) => error.retry_after,
            _ => None,
        }
    }

    /// The API's error code, when the API answered with one.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Error::Api(error) => Some(&error.code),
            _ => None,
        }
    }

    /// Whether the call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(error) if error.is_timeout())
    }

    /// How many attempts the call made, retries included; 0 for
    /// [`Error::InvalidInput`], refused before sending, and 1 for
    /// [`Error::Stream`], which concerns the events or pages of a stream
    /// rather than one request.
    ///
    /// A retried call's final answer may reflect what a lost attempt did:
    /// a DELETE retried after its connection dropped can find its target
    /// already gone, and returns that `404` with `attempts() > 1`. Treat
    /// such a 404 as done if the deletion is what you wanted.
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(error) => error.attempts,
            Error::UnexpectedResponse(error) => error.attempts,
            Error::Transport(error) => error.attempts,
            Error::Decode(error) => error.attempts,
            Error::ResponseTooLarge(error) => error.attempts,
            Error::InvalidInput(_) => 0,
            Error::Hook(error) => error.attempts_sent(),
            Error::Stream(_) => 1,
        }
    }

    /// Whether the server may have acted on the request, so that sending it
    /// again could act twice: ask before retrying a failed call yourself.
    ///
    /// False when nothing was sent (an invalid argument, a connection that
    /// could not be made, a [`Hook`](crate::Hook) that stopped the first
    /// attempt), when the server refused with a 4xx, and for GET requests,
    /// which do not act. True for any other method whose request
    /// was written: its answer was lost or cut short, was a 5xx or a
    /// redirect, or was a success whose body then failed or did not decode.
    /// [`Error::Stream`] is false: the streams read here (job logs, pages)
    /// come from GET requests.
    ///
    /// For a POST or PATCH (`send_message`, `create_task`) true means "check
    /// before sending again"; for PUT and DELETE a second send is harmless.
    ///
    /// ```
    /// use twill_api::{Error, ErrorResponse, Method, StatusCode};
    ///
    /// let mut refused = ErrorResponse::new(StatusCode::TOO_MANY_REQUESTS, Default::default(), "".into());
    /// refused.method = Method::POST;
    /// assert!(!Error::from_response(refused).may_have_acted());
    ///
    /// let mut failed = ErrorResponse::new(StatusCode::BAD_GATEWAY, Default::default(), "".into());
    /// failed.method = Method::POST;
    /// assert!(Error::from_response(failed).may_have_acted());
    /// ```
    pub fn may_have_acted(&self) -> bool {
        match self {
            Error::Api(error) => may_have_acted(&error.method, Some(error.status), true),
            Error::UnexpectedResponse(error) => {
                may_have_acted(&error.method, Some(error.status), true)
            }
            Error::Decode(error) => may_have_acted(&error.method, Some(error.status), true),
            Error::ResponseTooLarge(error) => {
                may_have_acted(&error.method, Some(error.status), true)
            }
            Error::Transport(error) => error.may_have_acted,
            // An earlier attempt, if the hook stopped a retry.
            Error::Hook(error) => error.acted,
            Error::InvalidInput(_) | Error::Stream(_) => false,
        }
    }

    /// Decodes a failure response: Twill's error body when there is one,
    /// otherwise an [`UnexpectedResponse`] with an excerpt of what came.
    pub fn from_response(response: ErrorResponse) -> Self {
        crate::decode::failure(response)
    }
}

open_enum! {
    /// The `error.code` of an API error. Codes this version does not know
    /// are kept in [`ApiErrorCode::Other`].
    pub enum ApiErrorCode {
        /// `validation_error` (400): the request was malformed; see
        /// [`ApiError::validation_issues`].
        ValidationError = "validation_error",
        /// `unauthorized` (401): the API key is missing or invalid.
        Unauthorized = "unauthorized",
        /// `not_found` (404): no such task, job or resource.
        NotFound = "not_found",
        /// `rate_limited` (429): see [`ApiError::retry_after`].
        RateLimited = "rate_limited",
        /// `internal_error` (500).
        InternalError = "internal_error",
    }
    other: Other
}

/// The API's own error response: `{"error": {"code", "message", "details"}}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The machine-readable code.
    pub code: ApiErrorCode,
    /// The human-readable message.
    pub message: String,
    /// Whatever the API put in `details`, as sent.
    pub details: Option<serde_json::Value>,
    /// The `Retry-After` delay, on 429 and 503 responses that carry one.
    pub retry_after: Option<Duration>,
    /// The method of the request answered.
    pub method: Method,
    /// How many attempts the call made; this answer came to the last.
    pub attempts: u32,
}

impl ApiError {
    /// The per-field problems of a validation error (`details.issues`);
    /// empty when there are none. Entries that are not objects are skipped.
    pub fn validation_issues(&self) -> Vec<ValidationIssue> {
        let Some(issues) = self
            .details
            .as_ref()
            .and_then(|details| details.get("issues"))
            .and_then(|issues| issues.as_array())
        else {
            return Vec::new();
        };
        issues
            .iter()
            .filter_map(|issue| ValidationIssue::deserialize(issue).ok())
            .collect()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The server's text is escaped: a newline or an ANSI escape in it
        // must not forge log lines or drive a terminal.
        write!(
            f,
            "Twill API error {} ({}): {}",
            self.status.as_u16(),
            escape_line(self.code.as_str()),
            escape_line(&self.message)
        )?;
        for issue in self.validation_issues() {
            write!(
                f,
                "; {}: {}",
                escape_line(&issue.field),
                escape_line(&issue.message)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One problem in a validation error.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ValidationIssue {
    /// The request field at fault, such as `"message"`.
    #[serde(default)]
    pub field: String,
    /// What is wrong with it.
    #[serde(default)]
    pub message: String,
}

/// A failure response that is not in the API's error format.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body's length in bytes as read.
    pub body_len: usize,
    /// The start of the body, at most [`EXCERPT_LIMIT`](crate::EXCERPT_LIMIT)
    /// bytes, lossily UTF-8.
    pub excerpt: String,
    /// The `Retry-After` delay, if the response had one.
    pub retry_after: Option<Duration>,
    /// Where a redirect (3xx) pointed, from its `Location` header: redirects
    /// are not followed unless
    /// [`ClientBuilder::follow_redirects`](crate::ClientBuilder::follow_redirects)
    /// asks.
    pub location: Option<String>,
    /// The method of the request answered.
    pub method: Method,
    /// How many attempts the call made; this answer came to the last.
    pub attempts: u32,
}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unexpected response from Twill: HTTP {}, {}, ",
            self.status.as_u16(),
            self.content_type.as_deref().unwrap_or("no content type")
        )?;
        if self.body_len == 0 {
            f.write_str("empty body")?;
        } else {
            write!(
                f,
                "{} bytes: \"{}\"",
                self.body_len,
                escape_line(&self.excerpt)
            )?;
        }
        if let Some(location) = &self.location {
            // Quoted and escaped: the header is the server's text.
            let location = escape_line(location);
            write!(f, ", redirect to \"{location}\" (not followed)")?;
        }
        write_attempts(f, self.attempts)
    }
}

impl std::error::Error for UnexpectedResponse {}

/// A success response whose body is not what the endpoint declares.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot decode the HTTP {} response body: {source}; body: \"{}\"",
    status.as_u16(),
    crate::escape_line(excerpt)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status (a success).
    pub status: StatusCode,
    /// The start of the body, at most [`EXCERPT_LIMIT`](crate::EXCERPT_LIMIT)
    /// bytes, lossily UTF-8.
    pub excerpt: String,
    /// What serde found wrong.
    #[source]
    pub source: serde_json::Error,
    /// The method of the request answered.
    pub method: Method,
    /// How many attempts the call made; this answer came to the last.
    pub attempts: u32,
}

/// The request did not complete, or its answer was cut short.
#[derive(Debug)]
pub struct TransportError {
    cause: TransportCause,
    /// The status of the response whose body failed, if the head arrived.
    status: Option<StatusCode>,
    attempts: u32,
    may_have_acted: bool,
}

#[derive(Debug)]
pub(crate) enum TransportCause {
    /// What the HTTP client reported.
    Http(reqwest::Error),
    /// No response head (or failure body) within the call timeout: a
    /// streaming call, which the HTTP client's own timeout would cut short.
    NoAnswer(Duration),
    /// A stream sent nothing, not even a keep-alive, for this long.
    Silent(Duration),
    /// The HTTP client could not be set up (its TLS backend failed to
    /// initialise, or the proxy settings in the environment are invalid).
    Setup(std::sync::Arc<reqwest::Error>),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.is_timeout() {
            "timed out"
        } else {
            "failed"
        };
        match self.status {
            None => write!(f, "request to Twill {verb}")?,
            Some(status) => write!(
                f,
                "reading the HTTP {} response from Twill {verb}",
                status.as_u16()
            )?,
        }
        match &self.cause {
            TransportCause::Http(source) => write!(f, ": {source}")?,
            TransportCause::NoAnswer(limit) => write!(f, ": no answer within {limit:?}")?,
            TransportCause::Silent(limit) => write!(f, ": nothing arrived for {limit:?}")?,
            TransportCause::Setup(_) => f.write_str(": the HTTP client could not be set up")?,
        }
        write_attempts(f, self.attempts)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            TransportCause::Http(source) => Some(source),
            TransportCause::Setup(source) => Some(&**source),
            TransportCause::NoAnswer(_) | TransportCause::Silent(_) => None,
        }
    }
}

/// Names for a message: `a, b, c`, or `nothing` when there are none.
fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        names.join(", ")
    }
}

/// ` (after N attempts)`, when there was more than one.
fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 {
        write!(f, " (after {attempts} attempts)")?;
    }
    Ok(())
}

/// Whether a request may have been acted on: it was written, is not a GET
/// or HEAD, and was not refused with a 4xx.
pub(crate) fn may_have_acted(method: &Method, status: Option<StatusCode>, written: bool) -> bool {
    let refused = status.is_some_and(|status| status.is_client_error());
    written && !refused && !matches!(*method, Method::GET | Method::HEAD)
}

impl TransportError {
    /// A failure of attempt number `attempts` of a `method` request;
    /// `status` is the response's, when its head had arrived.
    pub(crate) fn new(
        cause: TransportCause,
        method: &Method,
        status: Option<StatusCode>,
        attempts: u32,
    ) -> Self {
        let cause = match cause {
            // The URL holds nothing secret, but callers log errors; keep
            // them short and free of query values.
            TransportCause::Http(source) => TransportCause::Http(source.without_url()),
            other => other,
        };
        // Nothing was written when the client could not be set up, the
        // connection was not made, or reqwest refused to build the request.
        let written = status.is_some()
            || !matches!(&cause, TransportCause::Setup(_))
                && !matches!(&cause, TransportCause::Http(source)
                    if source.is_connect() || source.is_builder());
        TransportError {
            may_have_acted: may_have_acted(method, status, written),
            cause,
            status,
            attempts,
        }
    }

    /// Whether the call ran out of time: the call timeout, or a stream's
    /// idle timeout.
    pub fn is_timeout(&self) -> bool {
        match &self.cause {
            TransportCause::Http(source) => source.is_timeout(),
            TransportCause::NoAnswer(_) | TransportCause::Silent(_) => true,
            TransportCause::Setup(_) => false,
        }
    }

    /// The status of the response whose body failed, if its head arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// Whether the connection could not be made, so nothing was sent.
    pub fn is_connect(&self) -> bool {
        matches!(&self.cause, TransportCause::Http(source) if source.is_connect())
    }

    /// Whether the response head had arrived: the failure cut its body short.
    pub(crate) fn after_head(&self) -> bool {
        self.status.is_some()
    }

    /// See [`Error::may_have_acted`].
    pub fn may_have_acted(&self) -> bool {
        self.may_have_acted
    }

    /// Whether the HTTP client failed while sending the request.
    pub(crate) fn is_request(&self) -> bool {
        matches!(&self.cause, TransportCause::Http(source) if source.is_request())
    }
}

/// An argument that cannot be sent, refused before any I/O.
#[derive(Debug)]
#[non_exhaustive]
pub struct InvalidInput {
    /// The endpoint's method name.
    pub endpoint: &'static str,
    /// The placeholder, query, header or `body` at fault.
    pub parameter: &'static str,
    /// What is wrong.
    pub problem: InputProblem,
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid `{}` for {}: {}",
            self.parameter, self.endpoint, self.problem
        )
    }
}

/// The problem is part of the message; its own cause (serde's error for a
/// body) is the source, so a report that walks the chain says each once.
impl std::error::Error for InvalidInput {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.problem)
    }
}

/// What is wrong with an [`InvalidInput`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputProblem {
    /// A path value is empty: the request would go to another endpoint.
    #[error("a path segment cannot be empty")]
    EmptySegment,
    /// A path value is `.` or `..`, which URL normalisation would remove.
    #[error("a path segment cannot be `.` or `..`")]
    DotSegment,
    /// A header value holds a character headers cannot carry (CR, LF, ...).
    #[error("the value cannot be sent in a header")]
    InvalidHeaderValue,
    /// The value's `ParamValue` or `Display` implementation failed.
    #[error("the value could not be formatted")]
    Format,
    /// A [`Client::call`](crate::Client::call) argument that names no
    /// parameter of the endpoint.
    #[error("no parameter `{name}`; this endpoint takes: {}", list(accepted))]
    UnknownArgument {
        /// The name given.
        name: String,
        /// The names it accepts.
        accepted: Vec<&'static str>,
    },
    /// A required argument of a [`Client::call`](crate::Client::call) is
    /// missing.
    #[error("it is required")]
    MissingArgument,
    /// A [`Client::call`](crate::Client::call) argument given more than
    /// once for a parameter that takes one value.
    #[error("it is given more than once; it takes one value")]
    RepeatedArgument,
    /// A [`Client::call`](crate::Client::call) gave a body to an endpoint
    /// that takes none.
    #[error("this endpoint takes no body")]
    UnexpectedBody,
    /// The body could not be serialized to JSON (a map with non-string
    /// keys, a `Serialize` implementation that failed).
    #[error("the body cannot be serialized to JSON")]
    Body(#[source] serde_json::Error),
    /// The request's URL would be longer than an HTTP request line may be
    /// here ([`MAX_URL_BYTES`](crate::MAX_URL_BYTES)); the parameter named
    /// is the longest value in it.
    #[error("the URL would be {length} bytes, over the {limit}-byte limit")]
    UrlTooLong {
        /// The URL's length, encoded.
        length: usize,
        /// The limit.
        limit: usize,
    },
}

/// A failure response, as received: what [`EndpointError::from_response`]
/// decodes.
///
/// ```
/// use twill_api::{Error, ErrorResponse, StatusCode};
///
/// let body = r#"{"error":{"code":"not_found","message":"Task not found"}}"#;
/// let response = ErrorResponse::new(StatusCode::NOT_FOUND, Default::default(), body.into());
/// assert_eq!(Error::from_response(response).to_string(), "Twill API error 404 (not_found): Task not found");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ErrorResponse {
    /// The HTTP status (not a success).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body (at most 64 KiB of it).
    pub body: bytes::Bytes,
    /// The method of the request answered.
    pub method: Method,
    /// How many attempts the call made; this answer came to the last.
    pub attempts: u32,
}

/// The error type of an endpoint: [`Error`], or your own.
///
/// A declared endpoint returns `Result<T, E>` for any `E: EndpointError`.
/// Client-side failures reach `E` through `From<Error>`; failure responses
/// through [`from_response`](EndpointError::from_response), which by default
/// decodes Twill's error body into an [`Error`] first. Override it when your
/// endpoint speaks another error format.
///
/// ```
/// use twill_api::{EndpointError, Error, ErrorResponse};
///
/// #[derive(Debug)]
/// enum MyError {
///     Twill(Error),
///     Teapot,
/// }
///
/// impl From<Error> for MyError {
///     fn from(error: Error) -> Self {
///         MyError::Twill(error)
///     }
/// }
///
/// impl EndpointError for MyError {
///     fn from_response(response: ErrorResponse) -> Self {
///         if response.status.as_u16() == 418 {
///             MyError::Teapot
///         } else {
///             MyError::Twill(Error::from_response(response))
///         }
///     }
/// }
/// ```
pub trait EndpointError: From<Error> {
    /// Builds the error for a non-success response.
    fn from_response(response: ErrorResponse) -> Self {
        Self::from(Error::from_response(response))
    }
}

impl EndpointError for Error {}

impl ErrorResponse {
    /// A response from its parts, as received in one attempt of a POST:
    /// the method that makes [`Error::may_have_acted`] most careful. Set
    /// `method` if the request was another.
    pub fn new(status: StatusCode, headers: HeaderMap, body: bytes::Bytes) -> Self {
        ErrorResponse {
            status,
            headers,
            body,
            method: Method::POST,
            attempts: 1,
        }
    }
}
