//! Streams that stopped before they were done.

use crate::untrusted::escape_line;

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
        escape_line(excerpt)
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
    /// [`JobLogStream::from_byte_stream`](crate::stream::JobLogStream::from_byte_stream)
    /// failed. The source says which.
    #[error("the event stream could not be read")]
    Malformed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why a walk over pages ([`Paginated`](crate::stream::Paginated)) was
/// stopped: the server sent it in a loop, and following would send
/// requests without end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// A list endpoint returned a cursor already followed in this walk
    /// (the one it was given, or an earlier one).
    #[error("the server returned the cursor \"{}\" again; stopping rather than looping", escape_line(.0))]
    RepeatedCursor(String),
    /// A list endpoint returned this many empty pages in a row, each with a
    /// new cursor.
    #[error("{0} empty pages in a row; stopping rather than following cursors without end")]
    EmptyPages(u32),
}
