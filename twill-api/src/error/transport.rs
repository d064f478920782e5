//! Requests that did not complete, or whose answer was cut short.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};

use super::may_have_acted;
use super::response::write_attempts;

/// The request did not complete, or its answer was cut short.
#[derive(Debug)]
pub struct TransportError {
    cause: TransportCause,
    /// The status of the response whose body failed, if the head arrived.
    status: Option<StatusCode>,
    attempts: u32,
    may_have_acted: bool,
    /// `host:port` of the server, to name in the message.
    host: Option<String>,
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

/// Written by hand, not with `#[error(..)]`: the words depend on whether
/// the head had arrived and on the cause.
impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.is_timeout() {
            "timed out"
        } else {
            "failed"
        };
        let at = match &self.host {
            Some(host) => format!(" at {host}"),
            None => String::new(),
        };
        match self.status {
            None => write!(f, "request to Twill{at} {verb}")?,
            Some(status) => write!(
                f,
                "reading the HTTP {} response from Twill{at} {verb}",
                status.as_u16()
            )?,
        }
        match &self.cause {
            // The cause a person acts on: the system's own words when the
            // chain ends in one (`connection refused`), not the layers of
            // the HTTP stack above it.
            TransportCause::Http(source) if innermost_io(source).is_some() => {
                let io = innermost_io(source).map(plain_io).unwrap_or_default();
                write!(f, ": {io}")?;
            }
            TransportCause::Http(source) => {
                // The whole chain on one line: reqwest's own text alone
                // ("error sending request") leaves out the cause.
                write!(f, ": {source}")?;
                let mut said = source.to_string();
                let mut next = std::error::Error::source(source);
                while let Some(cause) = next {
                    let text = cause.to_string();
                    if !said.contains(&text) {
                        write!(f, ": {text}")?;
                        said = text;
                    }
                    next = cause.source();
                }
            }
            TransportCause::NoAnswer(limit) => write!(f, ": no answer within {limit:?}")?,
            TransportCause::Silent(limit) => write!(f, ": nothing arrived for {limit:?}")?,
            TransportCause::Setup(_) => f.write_str(": the HTTP client could not be set up")?,
        }
        write_attempts(f, self.attempts)
    }
}

/// The last `io::Error` in `error`'s chain of sources.
fn innermost_io<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut found = None;
    let mut next = Some(error);
    while let Some(cause) = next {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            found = Some(io);
        }
        next = cause.source();
    }
    found
}

/// An I/O error as a sentence's end: `connection refused`, without the
/// `(os error 111)` a person cannot act on.
fn plain_io(error: &std::io::Error) -> String {
    let text = error.to_string();
    let text = match text.find(" (os error") {
        Some(at) => &text[..at],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text.to_owned(),
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
            host: None,
        }
    }

    /// The same failure, naming the server `base` points at.
    pub(crate) fn at(mut self, base: &reqwest::Url) -> Self {
        if let Some(host) = base.host_str() {
            self.host = Some(match base.port_or_known_default() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            });
        }
        self
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

    /// Whether trying later could fare otherwise: yes for a connection
    /// refused or lost, a body cut off, a timeout; not when the HTTP client
    /// could not be set up, refused to build the request, or was sent round
    /// redirects (the same settings and the same server do it again).
    pub fn is_transient(&self) -> bool {
        match &self.cause {
            TransportCause::Http(source) => !(source.is_builder() || source.is_redirect()),
            TransportCause::NoAnswer(_) | TransportCause::Silent(_) => true,
            TransportCause::Setup(_) => false,
        }
    }

    /// How many attempts the call made; this failure ended the last.
    pub fn attempts(&self) -> u32 {
        self.attempts
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

    /// See [`Error::may_have_acted`](super::Error::may_have_acted).
    pub fn may_have_acted(&self) -> bool {
        self.may_have_acted
    }

    /// Whether the HTTP client failed while sending the request.
    pub(crate) fn is_request(&self) -> bool {
        matches!(&self.cause, TransportCause::Http(source) if source.is_request())
    }
}
