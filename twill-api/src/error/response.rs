//! Failures of calls that were answered: the facts they share, and the
//! answers that are not what the endpoint declares.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::untrusted::escape_line;

/// What every answered failure knows of its answer: the status, the method
/// of the request answered, and how many attempts the call made (this
/// answer came to the last).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The method of the request answered.
    pub method: Method,
    /// How many attempts the call made.
    pub attempts: u32,
}

impl Answer {
    /// The facts of an answer.
    pub fn new(status: StatusCode, method: Method, attempts: u32) -> Self {
        Answer {
            status,
            method,
            attempts,
        }
    }

    /// See [`Error::may_have_acted`](super::Error::may_have_acted): an
    /// answered request was written.
    pub fn may_have_acted(&self) -> bool {
        super::may_have_acted(&self.method, Some(self.status), true)
    }
}

/// A failure response that is not in the API's error format.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// The status, the request's method and the attempts made.
    pub answer: Answer,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body's length in bytes as read.
    pub body_len: usize,
    /// The start of the body, at most [`EXCERPT_LIMIT`](super::EXCERPT_LIMIT)
    /// bytes, lossily UTF-8.
    pub excerpt: String,
    /// The `Retry-After` delay, if the response had one.
    pub retry_after: Option<Duration>,
    /// Where a redirect (3xx) pointed, from its `Location` header: redirects
    /// are not followed unless
    /// [`ClientBuilder::follow_redirects`](crate::ClientBuilder::follow_redirects)
    /// asks.
    pub location: Option<String>,
}

/// Written by hand, not with `#[error(..)]`: which parts are said depends
/// on the response (an empty body, a redirect, retries), and each of the
/// server's parts is escaped.
impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unexpected response from Twill: HTTP {}, {}, ",
            self.answer.status.as_u16(),
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
        write_attempts(f, self.answer.attempts)
    }
}

impl std::error::Error for UnexpectedResponse {}

/// A success response whose body is not what the endpoint declares.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot decode the HTTP {} response body: {source}; body: \"{}\"",
    answer.status.as_u16(),
    escape_line(excerpt)
)]
#[non_exhaustive]
pub struct DecodeError {
    /// The status (a success), the request's method and the attempts made.
    pub answer: Answer,
    /// The start of the body, at most [`EXCERPT_LIMIT`](super::EXCERPT_LIMIT)
    /// bytes, lossily UTF-8.
    pub excerpt: String,
    /// What serde found wrong.
    #[source]
    pub source: serde_json::Error,
}

/// A success body over [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes),
/// refused rather than held in memory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the HTTP {} response body is larger than the {limit} bytes this client accepts", answer.status.as_u16())]
#[non_exhaustive]
pub struct ResponseTooLarge {
    /// The status (a success), the request's method and the attempts made.
    pub answer: Answer,
    /// The limit that was exceeded, in bytes.
    pub limit: usize,
}

/// ` (after N attempts)`, when there was more than one.
pub(super) fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 {
        write!(f, " (after {attempts} attempts)")?;
    }
    Ok(())
}
