//! Following a job's log to its end across dropped streams.
//!
//! # What it assumes about the replay
//!
//! Each connection to a job's log stream sends `connected`, then the job's
//! history up to `historical_complete`, then live events. The follower
//! assumes that the history a reconnection replays begins with everything
//! delivered before, in the same order: so the first N events of the
//! replayed history, N being how many it has delivered, are the ones it
//! has shown, and it suppresses exactly those, by position, never by
//! content (two identical events are two events). A history of another
//! shape (its first event of another type, such as the single `trace_url`
//! of a job that finished meanwhile) does not extend what was delivered:
//! the count starts again from it, and its events are delivered.
//! `connected`, `historical_complete`, `complete` and `error` are never
//! suppressed. When the assumption breaks the other way (a replay that
//! drops events it sent before), the events it adds at positions already
//! counted are not shown; nothing is ever shown twice.
//!
//! It keeps counts, not events: its memory does not grow with the log.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use tokio::time::Instant;

use crate::BoxFuture;
use crate::api::Jobs;
use crate::client::Client;
use crate::error::{Error, StreamError};
use crate::stream::{EventKind, JobLogEvent, JobLogStream, JobOutcome};

/// How many reopenings in a row that brought nothing new a follower makes
/// before it gives up, unless told otherwise: with the backoff (0.5 s
/// doubling to 8 s), about a minute against a server that does not answer.
pub const DEFAULT_QUIET_REOPENINGS: u32 = 10;

/// The longest a follower waits before reopening, whatever the backoff or
/// a `Retry-After` says.
pub const MAX_REOPEN_WAIT: Duration = Duration::from_secs(60);

/// How long a follower goes on trying to open a stream that no attempt
/// could open (a server that accepts and never answers takes the call
/// timeout, 60 s, each time) before it gives up.
pub const MAX_UNANSWERED: Duration = Duration::from_secs(90);

/// How a followed job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobEnd {
    /// `complete` with `completed`.
    Completed,
    /// `complete` with `cancelled`.
    Cancelled,
    /// `complete` with `failed` (its `reason`, if it gave one), any other
    /// status (named in the reason), or an `error` event (its message).
    Failed {
        /// Why, as the server said it.
        reason: Option<String>,
    },
}

impl JobEnd {
    /// The end an event says, if it is terminal.
    fn of(event: &JobLogEvent) -> Option<JobEnd> {
        let text = |key: &str| {
            event
                .json()
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        match event.kind() {
            EventKind::Complete { status } => Some(match status {
                JobOutcome::Completed => JobEnd::Completed,
                JobOutcome::Cancelled => JobEnd::Cancelled,
                JobOutcome::Failed => JobEnd::Failed {
                    reason: text("reason").or_else(|| text("message")),
                },
                other => JobEnd::Failed {
                    reason: Some(format!("the job ended {other}")),
                },
            }),
            EventKind::Error { message } => Some(JobEnd::Failed {
                reason: message.clone(),
            }),
            _ => None,
        }
    }
}

impl fmt::Display for JobEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobEnd::Completed => f.write_str("completed"),
            JobEnd::Cancelled => f.write_str("cancelled"),
            JobEnd::Failed { reason: None } => f.write_str("failed"),
            JobEnd::Failed {
                reason: Some(reason),
            } => write!(f, "failed: {}", crate::untrusted::escape_line(reason)),
        }
    }
}

/// Where a follower is in a job's log: how many events of the history it
/// has delivered, and the history's shape. Save it (as text, with
/// `to_string`) and hand it to [`JobFollower::resume_from`] to go on
/// without showing those events again.
///
/// ```
/// use twill_api::workflow::FollowPosition;
///
/// let position: FollowPosition = "3:trace_chunks".parse().unwrap();
/// assert_eq!(position.delivered(), 3);
/// assert_eq!(position.to_string(), "3:trace_chunks");
/// assert!("three".parse::<FollowPosition>().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowPosition {
    delivered: u64,
    /// The `type` of the history's first event, once one arrived.
    shape: Option<String>,
}

impl FollowPosition {
    /// How many events (other than `connected` and `historical_complete`)
    /// have been delivered.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }
}

impl fmt::Display for FollowPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.delivered,
            self.shape.as_deref().unwrap_or("")
        )
    }
}

/// Text that is not a [`FollowPosition`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a follow position (COUNT:TYPE, as a follower wrote it)")]
pub struct InvalidPosition;

impl FromStr for FollowPosition {
    type Err = InvalidPosition;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (count, shape) = text.split_once(':').ok_or(InvalidPosition)?;
        let delivered = count.parse().map_err(|_| InvalidPosition)?;
        let valid = shape.len() <= 64
            && shape
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
        if !valid {
            return Err(InvalidPosition);
        }
        Ok(FollowPosition {
            delivered,
            shape: (!shape.is_empty()).then(|| shape.to_owned()),
        })
    }
}

/// What a follower did next.
#[derive(Debug)]
#[non_exhaustive]
pub enum FollowStep {
    /// An event not delivered before, with the JSON it arrived as.
    Event(JobLogEvent),
    /// The stream dropped (or could not be opened) with `cause`: the
    /// follower waits `wait`, then reopens it, in its next
    /// [`next`](JobFollower::next). Nothing for the caller to do but say
    /// so ("reconnecting").
    Reopening {
        /// Why the stream ended.
        cause: Error,
        /// How long until it is reopened.
        wait: Duration,
    },
}

/// Follows a job's log stream to its end: reopens a dropped stream with
/// backoff (a 429's `Retry-After` honoured), shows every event once (see
/// the module's notes on the replay), and ends with the job's [`JobEnd`].
/// Built by [`Client::follow_job`].
///
/// It gives up, yielding the error, at once on a failure that cannot change
/// by trying again ([`Error::is_transient`]: no such job, an id refused
/// before sending, an event that is not JSON), and after
/// [`DEFAULT_QUIET_REOPENINGS`] reopenings in a row that brought nothing
/// new (settable).
///
/// [`next`](Self::next) is cancel-safe: a `select!` that drops its future
/// (to redraw a status line, say) loses nothing, not even a stream still
/// being opened or a reopening's wait under way; the next call goes on
/// from there. A deadline is the caller's: wrap `next` in
/// [`tokio::time::timeout_at`], and build the follower from a
/// [`Client::with_deadline`] so that no request inside it waits past it.
pub struct JobFollower {
    client: Client,
    job: String,
    position: FollowPosition,
    phase: Phase,
    connection: Connection,
    quiet_reopenings: u32,
    max_quiet_reopenings: u32,
    end: Option<JobEnd>,
    failed: bool,
    /// Since when no stream could be opened, while none could.
    unanswered_since: Option<Instant>,
    /// When the current (or last) opening began.
    opening_since: Instant,
}

/// Where the follower is between two events: what [`JobFollower::next`]
/// goes on with, whether or not the last call ran to its end.
enum Phase {
    /// No stream: the next step opens one.
    Closed,
    /// A reopening's wait, until then.
    Waiting(Instant),
    /// The request opening the stream, in flight.
    Opening(BoxFuture<'static, Result<JobLogStream, Error>>),
    /// A stream to read events from.
    Open(JobLogStream),
}

/// What one connection has sent so far.
#[derive(Default)]
struct Connection {
    /// History events seen on it (delivered or suppressed).
    history_seen: u64,
    /// After `historical_complete`: every event is live, and new.
    live: bool,
    /// Whether it delivered an event that was not delivered before.
    brought_news: bool,
}

impl Client {
    /// A follower of job `job_id`'s log, from its start.
    ///
    /// ```no_run
    /// use twill_api::Client;
    /// use twill_api::workflow::FollowStep;
    ///
    /// # async fn run(client: Client) -> Result<(), twill_api::Error> {
    /// let mut follower = client.follow_job("job-123");
    /// while let Some(step) = follower.next().await {
    ///     if let FollowStep::Event(event) = step? {
    ///         println!("{}", event.json());
    ///     }
    /// }
    /// println!("the job {}", follower.end().expect("it ended"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn follow_job(&self, job_id: &str) -> JobFollower {
        JobFollower {
            client: self.clone(),
            job: job_id.to_owned(),
            position: FollowPosition::default(),
            phase: Phase::Closed,
            connection: Connection::default(),
            quiet_reopenings: 0,
            max_quiet_reopenings: DEFAULT_QUIET_REOPENINGS,
            end: None,
            failed: false,
            unanswered_since: None,
            opening_since: Instant::now(),
        }
    }
}

impl JobFollower {
    /// Goes on from a position saved before (by this follower or another),
    /// without delivering the events it counts again.
    #[must_use]
    pub fn resume_from(mut self, position: FollowPosition) -> Self {
        self.position = position;
        self
    }

    /// How many reopenings in a row that bring nothing new it makes before
    /// giving up ([`DEFAULT_QUIET_REOPENINGS`] unless set).
    #[must_use]
    pub fn max_quiet_reopenings(mut self, count: u32) -> Self {
        self.max_quiet_reopenings = count;
        self
    }

    /// The job followed.
    pub fn job_id(&self) -> &str {
        &self.job
    }

    /// Where it is: save it to resume later.
    pub fn position(&self) -> &FollowPosition {
        &self.position
    }

    /// How the job ended, once its terminal event was delivered.
    pub fn end(&self) -> Option<&JobEnd> {
        self.end.as_ref()
    }

    /// The next step, or `None` once the job's end was delivered or the
    /// follower gave up (after yielding the error). Cancel-safe (see
    /// [`JobFollower`]).
    pub async fn next(&mut self) -> Option<Result<FollowStep, Error>> {
        loop {
            if self.end.is_some() || self.failed {
                return None;
            }
            // Each arm awaits a future kept in `self.phase`, or none: a
            // call dropped at any await leaves the follower where it was.
            match &mut self.phase {
                Phase::Waiting(until) => {
                    tokio::time::sleep_until(*until).await;
                    self.phase = Phase::Closed;
                }
                Phase::Closed => {
                    self.opening_since = Instant::now();
                    let (client, job) = (self.client.clone(), self.job.clone());
                    self.phase =
                        Phase::Opening(Box::pin(async move { client.stream_job_logs(&job).await }));
                }
                Phase::Opening(opening) => match opening.await {
                    Ok(stream) => {
                        self.connection = Connection::default();
                        self.phase = Phase::Open(stream);
                    }
                    Err(error) => return Some(self.dropped(error, true)),
                },
                Phase::Open(stream) => {
                    let event = match stream.next_event().await {
                        Some(Ok(event)) => event,
                        Some(Err(error)) => return Some(self.dropped(error, false)),
                        None => {
                            let ended = Error::Stream(StreamError::EndedEarly);
                            return Some(self.dropped(ended, false));
                        }
                    };
                    if let Some(event) = self.admit(event) {
                        if let Some(end) = JobEnd::of(&event) {
                            self.end = Some(end);
                            self.phase = Phase::Closed;
                        }
                        return Some(Ok(FollowStep::Event(event)));
                    }
                }
            }
        }
    }

    /// The next event, reopenings passed over.
    pub async fn next_event(&mut self) -> Option<Result<JobLogEvent, Error>> {
        loop {
            match self.next().await? {
                Ok(FollowStep::Event(event)) => return Some(Ok(event)),
                Ok(FollowStep::Reopening { .. }) => {}
                Err(error) => return Some(Err(error)),
            }
        }
    }

    /// The event, if it is to be delivered: the position rule.
    fn admit(&mut self, event: JobLogEvent) -> Option<JobLogEvent> {
        let kind = event.kind();
        if matches!(kind, EventKind::Connected) {
            return Some(event);
        }
        if matches!(kind, EventKind::HistoricalComplete) {
            self.connection.live = true;
            return Some(event);
        }
        let terminal = event.is_terminal();
        if !self.connection.live && !terminal {
            let index = self.connection.history_seen;
            self.connection.history_seen += 1;
            if index == 0 {
                let shape = event
                    .json()
                    .get("type")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                if self.position.shape.as_deref() != Some(shape) {
                    // Another history: it does not extend what was shown.
                    self.position = FollowPosition {
                        delivered: 0,
                        shape: Some(shape.to_owned()),
                    };
                }
            }
            if index < self.position.delivered {
                return None;
            }
        }
        self.position.delivered += 1;
        self.connection.brought_news = true;
        self.quiet_reopenings = 0;
        Some(event)
    }

    /// The stream ended (or was not opened) with `cause`: a reopening, or
    /// the error when it cannot change, when the server asks for a wait
    /// longer than the client's retry policy waits out (`--no-wait` is
    /// zero), or when the server stayed away too long: too many quiet
    /// reopenings, or [`MAX_UNANSWERED`] without a stream opening.
    fn dropped(&mut self, cause: Error, opening: bool) -> Result<FollowStep, Error> {
        self.phase = Phase::Closed;
        if !self.connection.brought_news {
            self.quiet_reopenings += 1;
        }
        self.connection = Connection::default();
        if !opening {
            self.unanswered_since = None;
        }
        let unanswered = *self.unanswered_since.get_or_insert(self.opening_since);
        let asked = cause.retry_after();
        let too_long =
            asked.is_some_and(|wait| wait > self.client.retry_policy().retry_after_cap());
        let away = opening && unanswered.elapsed() > MAX_UNANSWERED;
        if !cause.is_transient()
            || too_long
            || away
            || self.quiet_reopenings > self.max_quiet_reopenings
        {
            self.failed = true;
            return Err(cause);
        }
        let backoff = Duration::from_millis(250) * (1 << self.quiet_reopenings.min(5));
        let wait = asked.unwrap_or(backoff).min(MAX_REOPEN_WAIT);
        tracing::debug!(job = %self.job, %cause, ?wait, "the log stream dropped; reopening");
        self.phase = Phase::Waiting(Instant::now() + wait);
        Ok(FollowStep::Reopening { cause, wait })
    }
}

impl fmt::Debug for JobFollower {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobFollower")
            .field("job", &self.job)
            .field("position", &self.position)
            .field("quiet_reopenings", &self.quiet_reopenings)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn follower() -> JobFollower {
        Client::new("twill_sk_test").unwrap().follow_job("job-1")
    }

    fn event(value: serde_json::Value) -> JobLogEvent {
        JobLogEvent::from_json(value)
    }

    /// The kinds delivered from one connection's events.
    fn deliver(follower: &mut JobFollower, events: &[serde_json::Value]) -> Vec<String> {
        follower.connection = Connection::default();
        events
            .iter()
            .filter_map(|value| follower.admit(event(value.clone())))
            .map(|event| event.json().to_string())
            .collect()
    }

    #[test]
    fn a_replayed_history_is_shown_once_and_a_repeated_event_twice() {
        let chunk = json!({ "type": "trace_chunks", "chunks": [{ "text": "same" }] });
        let mut follower = follower();
        let first = deliver(
            &mut follower,
            &[json!({"type": "connected"}), chunk.clone(), chunk.clone()],
        );
        assert_eq!(first.len(), 3, "two identical events are two events");
        // The stream drops; the replay has the two, then a third.
        let third = json!({ "type": "trace_chunks", "chunks": [{ "text": "new" }] });
        let second = deliver(
            &mut follower,
            &[
                json!({"type": "connected"}),
                chunk.clone(),
                chunk.clone(),
                third.clone(),
                json!({"type": "historical_complete"}),
                json!({"type": "complete", "status": "completed"}),
            ],
        );
        assert_eq!(
            second,
            [
                json!({"type": "connected"}).to_string(),
                third.to_string(),
                json!({"type": "historical_complete"}).to_string(),
                json!({"type": "complete", "status": "completed"}).to_string(),
            ]
        );
        assert_eq!(follower.position().to_string(), "4:trace_chunks");
    }

    #[test]
    fn a_history_of_another_shape_starts_the_count_again() {
        let mut follower = follower();
        deliver(
            &mut follower,
            &[
                json!({"type": "trace_chunks", "chunks": []}),
                json!({"type": "trace_records", "records": []}),
            ],
        );
        let url = json!({"type": "trace_url", "url": "https://t/x"});
        let replay = deliver(&mut follower, std::slice::from_ref(&url));
        assert_eq!(replay, [url.to_string()]);
        assert_eq!(follower.position().to_string(), "1:trace_url");
    }

    #[test]
    fn a_resumed_follower_skips_what_was_delivered() {
        let mut follower = follower().resume_from("1:trace_chunks".parse().unwrap());
        let delivered = deliver(
            &mut follower,
            &[
                json!({"type": "trace_chunks", "n": 1}),
                json!({"type": "trace_chunks", "n": 2}),
            ],
        );
        assert_eq!(
            delivered,
            [json!({"type": "trace_chunks", "n": 2}).to_string()]
        );
    }

    #[test]
    fn ends_are_typed() {
        let end = |value| JobEnd::of(&event(value));
        assert_eq!(
            end(json!({"type": "complete", "status": "completed"})),
            Some(JobEnd::Completed)
        );
        assert_eq!(
            end(json!({"type": "complete", "status": "failed", "reason": "tests failed"})),
            Some(JobEnd::Failed {
                reason: Some("tests failed".into())
            })
        );
        assert_eq!(
            end(json!({"type": "error", "message": "sandbox lost"})),
            Some(JobEnd::Failed {
                reason: Some("sandbox lost".into())
            })
        );
        assert_eq!(end(json!({"type": "trace_url", "url": "u"})), None);
    }

    #[test]
    fn positions_refuse_what_a_follower_did_not_write() {
        for text in ["", "x:y", "-1:a", "1:a b", "1:\u{1b}[2J"] {
            assert!(text.parse::<FollowPosition>().is_err(), "{text:?}");
        }
        assert_eq!(
            "0:".parse::<FollowPosition>().unwrap(),
            FollowPosition::default()
        );
    }
}
