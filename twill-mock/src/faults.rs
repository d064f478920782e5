//! Misbehaviours a server can be switched into, so that tests meet the
//! failures a real deployment has without a raw socket of their own.

use std::time::Duration;

/// How the jobs a server starts end, once their time is up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobEnd {
    /// `COMPLETED`, with a final answer (the default).
    #[default]
    Completed,
    /// `FAILED`; the log stream ends with `complete` and status `failed`.
    Failed,
    /// `CANCELLED`, as if cancelled on Twill's side.
    Cancelled,
}

/// Fault switches of a [`MockServer`](crate::MockServer): set them with
/// [`MockServerBuilder::faults`](crate::MockServerBuilder::faults) or, for
/// one step of a scenario, [`MockServer::set_faults`](crate::MockServer::set_faults).
/// None is on by default.
///
/// ```
/// use std::time::Duration;
/// use twill_mock::{Faults, JobEnd};
///
/// let faults = Faults::none()
///     .jobs_end(JobEnd::Failed)
///     .slow_stream(Duration::from_secs(2))
///     .opaque_cursors();
/// # let _ = faults;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Faults {
    pub(crate) jobs_end: JobEnd,
    pub(crate) stream_error: Option<String>,
    pub(crate) stall_streams: bool,
    pub(crate) slow_stream: Option<Duration>,
    pub(crate) stall_bodies: bool,
    pub(crate) opaque_cursors: bool,
    pub(crate) close_connections: bool,
    pub(crate) cut_streams: u32,
    pub(crate) repeat_events: bool,
    pub(crate) empty_pages: bool,
    pub(crate) cursor_padding: usize,
    pub(crate) stall_create: Option<u64>,
}

impl Faults {
    /// A server that behaves.
    pub fn none() -> Self {
        Faults::default()
    }

    /// Jobs started from now on end this way (jobs already started keep
    /// their end).
    pub fn jobs_end(mut self, end: JobEnd) -> Self {
        self.jobs_end = end;
        self
    }

    /// Log streams end with an `error` event carrying `message` where they
    /// would send `complete`.
    pub fn stream_error(mut self, message: impl Into<String>) -> Self {
        self.stream_error = Some(message.into());
        self
    }

    /// Log streams send their history, then nothing at all, not even
    /// keep-alives, with the connection left open.
    pub fn stall_streams(mut self) -> Self {
        self.stall_streams = true;
        self
    }

    /// Log streams wait `delay` before each event and keep-alive.
    pub fn slow_stream(mut self, delay: Duration) -> Self {
        self.slow_stream = Some(delay);
        self
    }

    /// JSON success answers send their head (with the full
    /// `Content-Length`) and half their body, then nothing, with the
    /// connection left open.
    pub fn stall_bodies(mut self) -> Self {
        self.stall_bodies = true;
        self
    }

    /// List cursors are base64 with `+`, `/` and `=` in them, as opaque
    /// cursors can be: a client that does not percent-encode them sends a
    /// `+` that decodes as a space, and the next page is refused.
    pub fn opaque_cursors(mut self) -> Self {
        self.opaque_cursors = true;
        self
    }

    /// The next `count` log streams end right after their history, as a
    /// proxy that drops a long response would, before the live events and
    /// the `complete`; a client must reopen the stream.
    pub fn cut_streams(mut self, count: u32) -> Self {
        self.cut_streams = count;
        self
    }

    /// Log streams send each event of their history twice in a row, as
    /// a job that really logged the same thing twice: a client must show
    /// both, not take the second for a replay.
    pub fn repeat_events(mut self) -> Self {
        self.repeat_events = true;
        self
    }

    /// List endpoints answer every page empty, each with a cursor never
    /// sent before, as a server that filters without end: a client walking
    /// pages must stop rather than send requests for ever.
    pub fn empty_pages(mut self) -> Self {
        self.empty_pages = true;
        self
    }

    /// The `n`-th task created (from 1) is created, and its answer never
    /// sent: a client that dies waiting, or times out, does not know it
    /// exists (a batch's rerun must find it, not create it again).
    pub fn stall_create(mut self, n: u64) -> Self {
        self.stall_create = Some(n);
        self
    }

    /// List cursors are padded to at least `bytes` bytes (with `~`, which
    /// needs no encoding): a client that keeps every cursor it followed,
    /// whole, grows with them.
    pub fn huge_cursors(mut self, bytes: usize) -> Self {
        self.cursor_padding = bytes;
        self
    }

    /// Every answer closes its connection (`Connection: close`), as a
    /// proxy that keeps none alive: a client must not reuse it.
    pub fn close_connections(mut self) -> Self {
        self.close_connections = true;
        self
    }
}
