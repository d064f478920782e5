//! The job log stream: server-sent events decoded into typed events.

use crate::untrusted::Secret;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use serde_json::Value;
use sse_stream::{Sse, SseByteStream};

use crate::enums::open_enum;
use crate::error::{Error, StreamError, TransportCause};
use crate::response::{FromResponse, RawResponse};
use crate::wire::excerpt;

open_enum! {
    /// How a job ended, as the log stream's `complete` event says it.
    pub enum JobOutcome {
        /// `completed`
        Completed = "completed",
        /// `failed`
        Failed = "failed",
        /// `cancelled`
        Cancelled = "cancelled",
    }
    other: Unknown
}

/// One event of a job's log stream: what kind it is, decoded, and the JSON
/// object it arrived as, whole, so that nothing a consumer prints or
/// forwards has been rebuilt (or lost fields) on the way.
///
/// ```
/// use twill_api::stream::{EventKind, JobLogEvent};
///
/// let event = JobLogEvent::from_json(serde_json::json!({
///     "type": "connected",
///     "jobId": "job-1",
/// }));
/// assert_eq!(event.kind(), &EventKind::Connected);
/// assert_eq!(event.json()["jobId"], "job-1");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct JobLogEvent {
    kind: EventKind,
    json: Value,
}

/// What a [`JobLogEvent`] is.
///
/// The stream sends `Connected` first; then the history: `TraceUrl` for a
/// finished job, or `TraceChunks` and `TraceRecords` for a running one;
/// then `HistoricalComplete`; then live events; and ends with `Complete` or
/// `Error`. Event types this version does not know arrive as `Unknown`.
/// Every field is also in the event's [`json`](JobLogEvent::json).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// The stream is open.
    Connected,
    /// Where the finished job's full trace can be downloaded.
    TraceUrl {
        /// The trace's URL.
        url: String,
        /// When the URL stops working (ISO 8601), if said.
        expires_at: Option<String>,
    },
    /// Trace chunks of a running job (`chunks` in the JSON).
    TraceChunks,
    /// Trace records of a running job (`records` in the JSON).
    TraceRecords,
    /// The history has been sent; what follows is live.
    HistoricalComplete,
    /// The job finished; the stream ends.
    Complete {
        /// How it finished.
        status: JobOutcome,
    },
    /// The server reported an error; the stream ends.
    Error {
        /// The error's message, if it has one.
        message: Option<String>,
    },
    /// An event type this version does not know.
    Unknown {
        /// The event's `type`.
        kind: String,
    },
}

impl JobLogEvent {
    /// The event a JSON object is: its `type` decides the kind.
    pub fn from_json(json: Value) -> Self {
        Self::decode(None, json)
    }

    /// What kind of event it is.
    pub fn kind(&self) -> &EventKind {
        &self.kind
    }

    /// The JSON object it arrived as, every field kept (with the API key
    /// scrubbed, should the server have echoed it).
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The JSON object it arrived as, by value.
    pub fn into_json(self) -> Value {
        self.json
    }

    /// The job status this event reports, if it reports one: a `status`
    /// event's `status`, or the last status record of a `trace_records`
    /// event (the names are the server's, such as `IN_PROGRESS`; a
    /// `complete` event's outcome is [`EventKind::Complete`]).
    ///
    /// ```
    /// use twill_api::stream::JobLogEvent;
    /// let event = JobLogEvent::from_json(serde_json::json!({
    ///     "type": "trace_records",
    ///     "records": [{"kind": "status", "status": "PENDING"}, {"kind": "status", "status": "IN_PROGRESS"}],
    /// }));
    /// assert_eq!(event.reported_status(), Some("IN_PROGRESS"));
    /// ```
    pub fn reported_status(&self) -> Option<&str> {
        match &self.kind {
            EventKind::Unknown { kind } if kind == "status" => {
                self.json.get("status").and_then(Value::as_str)
            }
            EventKind::TraceRecords => self
                .json
                .get("records")
                .and_then(Value::as_array)?
                .iter()
                .rev()
                .find(|record| record.get("kind").and_then(Value::as_str) == Some("status"))
                .and_then(|record| record.get("status").and_then(Value::as_str)),
            _ => None,
        }
    }

    /// Whether the stream ends after this event.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.kind,
            EventKind::Complete { .. } | EventKind::Error { .. }
        )
    }

    /// Decodes one event's data (a JSON object with a `type`); the SSE
    /// `event:` field stands in for a missing `type`.
    fn parse(event_field: Option<&str>, data: &str) -> Result<Self, StreamError> {
        let json: Value =
            serde_json::from_str(data).map_err(|source| StreamError::InvalidEvent {
                excerpt: excerpt(data.as_bytes()),
                source,
            })?;
        Ok(Self::decode(event_field, json))
    }

    fn decode(event_field: Option<&str>, json: Value) -> Self {
        let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_owned);
        let kind = text("type")
            .or_else(|| event_field.map(str::to_owned))
            .unwrap_or_default();
        let kind = match kind.as_str() {
            "connected" => EventKind::Connected,
            "historical_complete" => EventKind::HistoricalComplete,
            "trace_url" => match text("url") {
                Some(url) => EventKind::TraceUrl {
                    url,
                    expires_at: text("expiresAt"),
                },
                None => EventKind::Unknown { kind },
            },
            "trace_chunks" => EventKind::TraceChunks,
            "trace_records" => EventKind::TraceRecords,
            "complete" => EventKind::Complete {
                status: JobOutcome::from(text("status").unwrap_or_default().as_str()),
            },
            "error" => EventKind::Error {
                message: text("message").or_else(|| text("error")),
            },
            _ => EventKind::Unknown { kind },
        };
        JobLogEvent { kind, json }
    }
}

/// A job's log events as they arrive, from
/// [`Jobs::stream_job_logs`](crate::api::Jobs::stream_job_logs).
///
/// It yields events until `Complete` or `Error` (included) and then ends. A
/// stream that closes before either yields
/// [`StreamError::EndedEarly`](crate::error::StreamError::EndedEarly); a malformed
/// event or a broken connection yields its error; in every case the stream
/// then ends. Comments and keep-alives are skipped, and an event split across
/// reads is decoded whole. The client's call timeout bounds only the opening
/// of the stream; a stream that sends nothing, not even a keep-alive, for
/// [`stream_idle_timeout`](crate::ClientBuilder::stream_idle_timeout) ends
/// with a timeout error.
#[must_use = "a stream does nothing until polled"]
pub struct JobLogStream {
    events: Pin<Box<dyn Stream<Item = Result<JobLogEvent, Error>> + Send>>,
}

impl JobLogStream {
    /// Decodes a stream of body bytes, cut anywhere, as a job log stream.
    /// Useful to replay a recorded stream.
    pub fn from_byte_stream<S, E>(bytes: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        Self::from_blocks(bytes, Secret::default())
    }

    /// [`from_byte_stream`](Self::from_byte_stream), with the key scrubbed
    /// from each event's data before it is decoded.
    fn from_blocks<S, E>(bytes: S, secret: Secret) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        let blocks = Box::pin(SseByteStream::new(bytes));
        let events = futures_util::stream::unfold(Some(blocks), move |blocks| {
            let secret = secret.clone();
            async move {
                let mut blocks = blocks?;
                loop {
                    let block = match blocks.next().await {
                        None => return Some((Err(Error::Stream(StreamError::EndedEarly)), None)),
                        Some(Err(error)) => return Some((Err(sse_error(error)), None)),
                        Some(Ok(block)) => block,
                    };
                    // Blocks with no data carry only an id or a retry delay.
                    let Sse {
                        event,
                        data: Some(data),
                        ..
                    } = block
                    else {
                        continue;
                    };
                    let data = secret.scrub_text(data);
                    return match JobLogEvent::parse(event.as_deref(), &data) {
                        Ok(event) if event.is_terminal() => Some((Ok(event), None)),
                        Ok(event) => Some((Ok(event), Some(blocks))),
                        Err(error) => Some((Err(Error::Stream(error)), None)),
                    };
                }
            }
        });
        JobLogStream {
            // Fused: polling after the end keeps answering `None`.
            events: Box::pin(events.fuse()),
        }
    }

    /// The next event, or `None` once the stream has ended.
    pub async fn next_event(&mut self) -> Option<Result<JobLogEvent, Error>> {
        std::future::poll_fn(|cx| self.events.as_mut().poll_next(cx)).await
    }
}

fn sse_error(error: sse_stream::Error) -> Error {
    match error {
        sse_stream::Error::Body(body) => match body.downcast::<Error>() {
            Ok(error) => *error,
            Err(other) => Error::Stream(StreamError::Malformed(other)),
        },
        other => Error::Stream(StreamError::Malformed(Box::new(other))),
    }
}

impl Stream for JobLogStream {
    type Item = Result<JobLogEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for JobLogStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobLogStream").finish_non_exhaustive()
    }
}

impl FromResponse for JobLogStream {
    const ACCEPT: &'static str = "text/event-stream";
    const STREAMING: bool = true;

    async fn from_response(response: RawResponse) -> Result<Self, Error> {
        let secret = response.secret();
        let too_large = response.too_large(response.event_limit());
        let mut event_size = EventSize::new(response.event_limit());
        let idle = response.idle_timeout();
        let bytes = futures_util::stream::unfold(Some(response), move |response| async move {
            let mut response = response?;
            // Keep-alives count: silence is measured in bytes, not events.
            match tokio::time::timeout(idle, response.chunk()).await {
                Ok(Ok(Some(chunk))) => Some((Ok(chunk), Some(response))),
                Ok(Ok(None)) => None,
                Ok(Err(error)) => Some((Err(error), None)),
                Err(_) => Some((Err(response.transport(TransportCause::Silent(idle))), None)),
            }
        })
        .flat_map(move |chunk| {
            // The bytes before the overflow still reach the parser, so the
            // events complete before it are not lost.
            let items = match chunk {
                Ok(chunk) => match event_size.overflow_at(&chunk) {
                    Some(at) => vec![
                        Ok(chunk.slice(..at)),
                        Err(Error::ResponseTooLarge(too_large.clone())),
                    ],
                    None => vec![Ok(chunk)],
                },
                Err(error) => vec![Err(error)],
            };
            futures_util::stream::iter(items)
        });
        Ok(JobLogStream::from_blocks(bytes, secret))
    }
}

/// Counts the bytes of the server-sent event being assembled, across
/// chunks: an event ends at an empty line (`\n`, `\r\n` or `\r` line ends).
/// Without it, one endless `data:` line would be buffered whole.
struct EventSize {
    limit: usize,
    event: usize,
    line: usize,
    after_cr: bool,
}

impl EventSize {
    fn new(limit: usize) -> Self {
        EventSize {
            limit,
            event: 0,
            line: 0,
            after_cr: false,
        }
    }

    /// Where in `chunk` the event being assembled goes over the limit, if
    /// it does.
    fn overflow_at(&mut self, chunk: &[u8]) -> Option<usize> {
        for (at, &byte) in chunk.iter().enumerate() {
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    if self.line == 0 {
                        self.event = 0;
                    }
                    self.line = 0;
                    self.after_cr = byte == b'\r';
                }
                _ => {
                    self.after_cr = false;
                    self.line += 1;
                    self.event += 1;
                    if self.event > self.limit {
                        return Some(at);
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events_of(chunks: Vec<&'static [u8]>) -> Vec<Result<JobLogEvent, String>> {
        let bytes = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|chunk| Ok::<_, std::io::Error>(Bytes::from_static(chunk))),
        );
        let stream = JobLogStream::from_byte_stream(bytes);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(stream.map(|r| r.map_err(|e| e.to_string())).collect())
    }

    const SESSION: &[u8] = b": welcome\n\
        data: {\"type\":\"connected\"}\n\n\
        data: {\"type\":\"trace_url\",\"url\":\"https://t/x\",\"expiresAt\":\"2026-01-01T00:00:00Z\"}\n\n\
        :keep-alive\n\n\
        id: 7\n\n\
        data: {\"type\":\"historical_complete\"}\n\n\
        event: log\ndata: {\"type\":\"agent_message\",\"text\":\"hi\"}\n\n\
        data: {\"type\":\"complete\",\"status\":\"completed\"}\n\n\
        data: {\"type\":\"connected\"}\n\n";

    fn event(kind: EventKind, json: Value) -> Result<JobLogEvent, String> {
        Ok(JobLogEvent { kind, json })
    }

    fn session_events() -> Vec<Result<JobLogEvent, String>> {
        use serde_json::json;
        vec![
            event(EventKind::Connected, json!({ "type": "connected" })),
            event(
                EventKind::TraceUrl {
                    url: "https://t/x".to_owned(),
                    expires_at: Some("2026-01-01T00:00:00Z".to_owned()),
                },
                json!({ "type": "trace_url", "url": "https://t/x", "expiresAt": "2026-01-01T00:00:00Z" }),
            ),
            event(
                EventKind::HistoricalComplete,
                json!({ "type": "historical_complete" }),
            ),
            event(
                EventKind::Unknown {
                    kind: "agent_message".to_owned(),
                },
                json!({ "type": "agent_message", "text": "hi" }),
            ),
            event(
                EventKind::Complete {
                    status: JobOutcome::Completed,
                },
                json!({ "type": "complete", "status": "completed" }),
            ),
        ]
    }

    #[test]
    fn decodes_a_session_and_stops_after_complete() {
        assert_eq!(events_of(vec![SESSION]), session_events());
    }

    #[test]
    fn an_event_split_byte_by_byte_parses_whole() {
        let bytes: Vec<&'static [u8]> = SESSION.chunks(1).collect();
        assert_eq!(events_of(bytes), session_events());
    }

    #[test]
    fn crlf_line_endings() {
        let crlf: &'static [u8] = Box::leak(
            String::from_utf8_lossy(SESSION)
                .replace('\n', "\r\n")
                .into_bytes()
                .into_boxed_slice(),
        );
        assert_eq!(events_of(vec![crlf]), session_events());
        let split: Vec<&'static [u8]> = crlf.chunks(3).collect();
        assert_eq!(events_of(split), session_events());
    }

    #[test]
    fn eof_before_complete_is_an_error() {
        let events = events_of(vec![
            b"data: {\"type\":\"connected\"}\n\ndata: {\"type\":\"trace_chu",
        ]);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].as_ref().unwrap().kind(), &EventKind::Connected);
        assert_eq!(
            events[1],
            Err("the job log stream ended before its `complete` or `error` event".to_owned())
        );
    }

    #[test]
    fn an_error_event_ends_the_stream() {
        let events = events_of(vec![
            b"data: {\"type\":\"error\",\"message\":\"sandbox lost\"}\n\ndata: {\"type\":\"connected\"}\n\n",
        ]);
        assert_eq!(events.len(), 1);
        let Ok(EventKind::Error { message }) = events[0].as_ref().map(JobLogEvent::kind) else {
            panic!("{events:?}");
        };
        assert_eq!(message.as_deref(), Some("sandbox lost"));
    }

    #[test]
    fn data_that_is_not_json_is_a_typed_error() {
        let events = events_of(vec![b"data: not json\n\n"]);
        assert_eq!(events.len(), 1);
        assert!(
            events[0].as_ref().unwrap_err().contains("not valid JSON"),
            "{events:?}"
        );
    }

    #[test]
    fn event_size_counts_across_chunks_and_resets_at_blank_lines() {
        let mut size = EventSize::new(10);
        assert_eq!(size.overflow_at(b"data: 1234"), None);
        assert_eq!(size.overflow_at(b"56"), Some(0), "11 bytes in one event");
        for ending in ["\n\n", "\r\n\r\n", "\r\r"] {
            let mut size = EventSize::new(10);
            assert_eq!(size.overflow_at(b"data: 12"), None);
            assert_eq!(size.overflow_at(ending.as_bytes()), None);
            assert_eq!(
                size.overflow_at(b"data: 1234"),
                None,
                "{ending:?} ends the event"
            );
        }
        // A line end alone does not end the event.
        let mut size = EventSize::new(10);
        assert_eq!(size.overflow_at(b"data: 12\r\ndata:"), Some(12));
    }

    #[test]
    fn unknown_completion_status_is_kept() {
        let events = events_of(vec![
            b"data: {\"type\":\"complete\",\"status\":\"timed_out\"}\n\n",
        ]);
        assert_eq!(
            events[0].as_ref().unwrap().kind(),
            &EventKind::Complete {
                status: JobOutcome::Unknown("timed_out".to_owned())
            }
        );
    }
}
