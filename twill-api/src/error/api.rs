//! The API's own error format, `{"error": {"code", "message", "details"}}`,
//! and how a failure response becomes an [`Error`](super::Error).

use std::fmt;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::{Answer, Error, UnexpectedResponse};
use crate::enums::open_enum;
use crate::untrusted::escape_line;
use crate::wire::{excerpt, retry_after};

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
    /// The status, the request's method and the attempts made.
    pub answer: Answer,
    /// The machine-readable code.
    pub code: ApiErrorCode,
    /// The human-readable message.
    pub message: String,
    /// Whatever the API put in `details`, as sent.
    pub details: Option<serde_json::Value>,
    /// The `Retry-After` delay, on 429 and 503 responses that carry one.
    pub retry_after: Option<Duration>,
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

/// Written by hand, not with `#[error(..)]`: the validation issues are a
/// list, each part of which is the server's text, escaped.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The server's text is escaped: a newline or an ANSI escape in it
        // must not forge log lines or drive a terminal.
        write!(
            f,
            "Twill API error {} ({}): {}",
            self.answer.status.as_u16(),
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

/// A failure response, as received: what [`EndpointError::from_response`](super::EndpointError::from_response)
/// decodes.
///
/// ```
/// use twill_api::error::ErrorResponse;
/// use twill_api::{Error, Method, StatusCode};
///
/// let body = r#"{"error":{"code":"not_found","message":"Task not found"}}"#;
/// let response = ErrorResponse::new(Method::GET, StatusCode::NOT_FOUND, Default::default(), body.into());
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

impl ErrorResponse {
    /// A response from its parts, as received in the first attempt of a
    /// `method` request.
    pub fn new(method: Method, status: StatusCode, headers: HeaderMap, body: bytes::Bytes) -> Self {
        ErrorResponse {
            status,
            headers,
            body,
            method,
            attempts: 1,
        }
    }

    fn answer(&self) -> Answer {
        Answer {
            status: self.status,
            method: self.method.clone(),
            attempts: self.attempts,
        }
    }
}

/// Decodes a failure response; see [`Error::from_response`](super::Error::from_response).
pub(super) fn decode(response: ErrorResponse) -> Error {
    let retry_after = retry_after(&response.headers);
    match serde_json::from_slice::<Envelope>(&response.body) {
        Ok(Envelope { error }) => Error::Api(Box::new(ApiError {
            answer: response.answer(),
            code: error.code,
            message: excerpt(error.message.as_bytes()),
            details: error.details,
            retry_after,
        })),
        Err(_) => Error::UnexpectedResponse(Box::new(UnexpectedResponse {
            answer: response.answer(),
            content_type: response
                .headers
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            body_len: response.body.len(),
            excerpt: excerpt(&response.body),
            retry_after,
            location: response
                .status
                .is_redirection()
                .then(|| response.headers.get(LOCATION))
                .flatten()
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
        })),
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeError,
}

#[derive(Deserialize)]
struct EnvelopeError {
    code: ApiErrorCode,
    message: String,
    #[serde(default)]
    details: Option<serde_json::Value>,
}
