//! Everything a call can fail with: [`Error`], and the error of each kind of
//! failure in a module of its own. The facts every answered failure shares
//! (status, method, attempts) are one [`Answer`], held by each, so the
//! questions asked of any error ([`Error::status`], [`Error::attempts`],
//! [`Error::may_have_acted`]) read it rather than matching every variant.

mod api;
mod hook;
mod input;
mod response;
mod stream;
mod throttled;
mod transport;

use std::time::Duration;

use reqwest::{Method, StatusCode};

pub use api::{ApiError, ApiErrorCode, ErrorResponse, ValidationIssue};
pub use hook::HookError;
pub use input::{InputProblem, InvalidInput};
pub use response::{Answer, DecodeError, ResponseTooLarge, UnexpectedResponse};
pub use stream::{PageError, StreamError};
pub use throttled::Throttled;
pub(crate) use transport::TransportCause;
pub use transport::TransportError;

pub use crate::wire::EXCERPT_LIMIT;

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
    /// The job log stream broke or ended too early.
    #[error(transparent)]
    Stream(StreamError),
    /// A walk over pages was stopped: the server sent it in a loop.
    #[error(transparent)]
    Pages(PageError),
    /// A success body larger than the client accepts.
    #[error(transparent)]
    ResponseTooLarge(ResponseTooLarge),
    /// A [`Hook`](crate::hook::Hook) stopped the call before an attempt was
    /// sent.
    #[error(transparent)]
    Hook(Box<HookError>),
    /// The client's own rate limit had no room before the call's timeout:
    /// nothing was sent.
    #[error(transparent)]
    Throttled(Throttled),
}

impl Error {
    /// The facts of the answer, when a whole response arrived: its status,
    /// the request's method, the attempts made.
    pub fn answer(&self) -> Option<&Answer> {
        match self {
            Error::Api(error) => Some(&error.answer),
            Error::UnexpectedResponse(error) => Some(&error.answer),
            Error::Decode(error) => Some(&error.answer),
            Error::ResponseTooLarge(error) => Some(&error.answer),
            _ => None,
        }
    }

    /// The HTTP status of the response, if one arrived (for a transport
    /// failure, if its head arrived before the body failed).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Transport(error) => error.status(),
            other => other.answer().map(|answer| answer.status),
        }
    }

    /// How long to wait before trying again: what the server asked
    /// (`Retry-After`), or for [`Error::Throttled`] when the client's own
    /// limit (or a 429's pause of it) has room.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(error) => error.retry_after,
            Error::UnexpectedResponse(error) => error.retry_after,
            Error::Throttled(error) => Some(error.wait),
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
    /// [`Error::Stream`] and [`Error::Pages`], which concern the events or
    /// pages of a stream rather than one request.
    ///
    /// A retried call's final answer may reflect what a lost attempt did:
    /// a DELETE retried after its connection dropped can find its target
    /// already gone, and returns that `404` with `attempts() > 1`. Treat
    /// such a 404 as done if the deletion is what you wanted.
    pub fn attempts(&self) -> u32 {
        if let Some(answer) = self.answer() {
            return answer.attempts;
        }
        match self {
            Error::Transport(error) => error.attempts(),
            Error::Hook(error) => error.attempts_sent(),
            Error::Throttled(error) => error.attempts_sent,
            Error::InvalidInput(_) => 0,
            _ => 1,
        }
    }

    /// Whether the server may have acted on the request, so that sending it
    /// again could act twice: ask before retrying a failed call yourself.
    ///
    /// False when nothing was sent (an invalid argument, a connection that
    /// could not be made, a [`Hook`](crate::hook::Hook) that stopped the
    /// first attempt), when the server refused with a 4xx, and for GET
    /// requests, which do not act. True for any other method whose request
    /// was written: its answer was lost or cut short, was a 5xx or a
    /// redirect, or was a success whose body then failed or did not decode.
    /// [`Error::Stream`] and [`Error::Pages`] are false: the streams read
    /// here (job logs, pages) come from GET requests.
    ///
    /// For a POST or PATCH (`send_message`, `create_task`) true means "check
    /// before sending again"; for PUT and DELETE a second send is harmless.
    ///
    /// ```
    /// use twill_api::error::ErrorResponse;
    /// use twill_api::{Error, Method, StatusCode};
    ///
    /// let refused = ErrorResponse::new(Method::POST, StatusCode::TOO_MANY_REQUESTS, Default::default(), "".into());
    /// assert!(!Error::from_response(refused).may_have_acted());
    ///
    /// let failed = ErrorResponse::new(Method::POST, StatusCode::BAD_GATEWAY, Default::default(), "".into());
    /// assert!(Error::from_response(failed).may_have_acted());
    /// ```
    pub fn may_have_acted(&self) -> bool {
        if let Some(answer) = self.answer() {
            return answer.may_have_acted();
        }
        match self {
            Error::Transport(error) => error.may_have_acted(),
            // An earlier attempt, if the hook stopped a retry.
            Error::Hook(error) => error.acted,
            Error::Throttled(error) => error.acted,
            _ => false,
        }
    }

    /// Whether the same request could fare otherwise if tried later: the one
    /// rule every loop asks (a follow's reopening, a wait, a walk, a batch)
    /// before trying again.
    ///
    /// Never for what is settled: an argument refused before sending, a
    /// whole answer of the wrong shape or size, a 4xx other than 408, 409
    /// (teleport's "not now") and 429, a redirect, a stream whose event is
    /// not JSON (a replay sends it again), a server that sends pages in a
    /// loop, a [`Hook`](crate::hook::Hook) that stopped the call, an HTTP
    /// client that could not be set up. Yes for a connection refused or
    /// lost, a body cut off, a timeout, 408, 409, 429, a 5xx, a stream that
    /// ended early, and the client's own rate limit.
    ///
    /// Whether to *send* it again is this and, for a request that may have
    /// been acted on, an idempotent endpoint: see
    /// [`Endpoint::can_send_again`](crate::Endpoint::can_send_again). The
    /// client's own retries try a subset of these at once.
    ///
    /// ```
    /// use twill_api::error::ErrorResponse;
    /// use twill_api::{Error, Method, StatusCode};
    ///
    /// let answer = |status| {
    ///     let response = ErrorResponse::new(Method::GET, status, Default::default(), "".into());
    ///     Error::from_response(response)
    /// };
    /// assert!(answer(StatusCode::SERVICE_UNAVAILABLE).is_transient());
    /// assert!(answer(StatusCode::TOO_MANY_REQUESTS).is_transient());
    /// assert!(!answer(StatusCode::NOT_FOUND).is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Api(_) | Error::UnexpectedResponse(_) => {
                self.status().is_some_and(is_transient_status)
            }
            Error::Transport(error) => error.is_transient(),
            Error::Stream(StreamError::EndedEarly | StreamError::Malformed(_))
            | Error::Throttled(_) => true,
            Error::Stream(StreamError::InvalidEvent { .. })
            | Error::Decode(_)
            | Error::ResponseTooLarge(_)
            | Error::InvalidInput(_)
            | Error::Pages(_)
            | Error::Hook(_) => false,
        }
    }

    /// Decodes a failure response: Twill's error body when there is one,
    /// otherwise an [`UnexpectedResponse`] with an excerpt of what came.
    pub fn from_response(response: ErrorResponse) -> Self {
        api::decode(response)
    }
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
/// use twill_api::error::ErrorResponse;
/// use twill_api::{EndpointError, Error};
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
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error type of an endpoint",
    label = "the error type an endpoint returns",
    note = "an endpoint returns `twill_api::Error`, or an error type of yours with `impl From<twill_api::Error> for {Self}` and `impl twill_api::error::EndpointError for {Self} {{}}` (its `from_response` may read failure bodies itself)"
)]
pub trait EndpointError: From<Error> {
    /// Builds the error for a non-success response.
    fn from_response(response: ErrorResponse) -> Self {
        Self::from(Error::from_response(response))
    }
}

impl EndpointError for Error {}

/// Names for a message: `a, b, c`, or `nothing` when there are none.
fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        names.join(", ")
    }
}

/// Whether a request may have been acted on: it was written, is not a GET
/// or HEAD, and was not refused with a 4xx.
pub(crate) fn may_have_acted(method: &Method, status: Option<StatusCode>, written: bool) -> bool {
    let refused = status.is_some_and(|status| status.is_client_error());
    written && !refused && !matches!(*method, Method::GET | Method::HEAD)
}

/// Whether a failure status may be otherwise later: 408, 409 (teleport's
/// "not now"), 429 and every 5xx. The one table behind
/// [`Error::is_transient`]; the client's own retries take a subset of it.
pub(crate) fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}
