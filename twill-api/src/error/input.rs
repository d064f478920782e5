//! Arguments refused before anything is sent.

use std::fmt;

use super::list;

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

/// Written by hand: the problem's own `Display` is the tail of the line,
/// and its source is left to the chain (see below).
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
    /// here ([`MAX_URL_BYTES`](crate::client::MAX_URL_BYTES)); the parameter named
    /// is the longest value in it.
    #[error("the URL would be {length} bytes, over the {limit}-byte limit")]
    UrlTooLong {
        /// The URL's length, encoded.
        length: usize,
        /// The limit.
        limit: usize,
    },
}
