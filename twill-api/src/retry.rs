//! When a failed attempt is tried again, and after how long.
//!
//! A retry must never make the server act twice. Methods that are
//! idempotent by definition (GET, PUT, DELETE), and endpoints declared
//! `idempotent`, are retried on connection failures, timeouts, 429, 502,
//! 503 and 504. POST and PATCH are retried only where the server certainly
//! did not act: on 429, and when the connection could not be made, so the
//! request was never written.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use reqwest::StatusCode;

use crate::error::TransportError;

/// How a client retries failed calls; see [`ClientBuilder::retry`](crate::ClientBuilder::retry).
///
/// ```
/// use std::time::Duration;
/// use twill_api::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(5)
///     .max_elapsed(Duration::from_secs(120))
///     .max_retry_after(Duration::from_secs(90));
/// let never = RetryPolicy::none();
/// # let _ = (patient, never);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    max_elapsed: Duration,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, backing off from 250 ms up to 5 s within 30 s, and
    /// waiting out a `Retry-After` of up to 60 s (the API's limit is per
    /// minute) whatever that budget.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn none() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The time budget of the client's own backoff: no backoff wait starts
    /// or would end past this much time since the first attempt. A wait the
    /// server asks for with `Retry-After` is bounded by
    /// [`max_retry_after`](Self::max_retry_after) instead, since the server
    /// said when to come back (a per-minute limit answers up to 60 s).
    #[must_use]
    pub fn max_elapsed(mut self, budget: Duration) -> Self {
        self.max_elapsed = budget;
        self
    }

    /// The first backoff; each next one doubles, up to `max`. The actual wait
    /// is drawn between half of it and all of it.
    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The longest `Retry-After` waited out, whatever the time budget; a
    /// longer one ends the call with its error, whose
    /// [`retry_after`](crate::Error::retry_after) says when to come back.
    #[must_use]
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// The longest `Retry-After` waited out (see
    /// [`max_retry_after`](Self::max_retry_after)): loops that try again
    /// (a follow's reopening) keep to it too.
    pub fn retry_after_cap(&self) -> Duration {
        self.max_retry_after
    }

    /// The wait before attempt `attempt + 1`, or `None` to stop. `elapsed`
    /// is the time since the first attempt started.
    pub(crate) fn delay(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let doubled = self
            .initial_backoff
            .saturating_mul(1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX));
        let ceiling = doubled.min(self.max_backoff);
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            // The server's wait, whatever the budget; never shorter than the
            // backoff's floor, so that a repeated `Retry-After: 0` does not
            // hammer it.
            Some(wait) => Some(wait.max(ceiling / 2)),
            None => {
                let delay = ceiling / 2 + ceiling.mul_f64(jitter() / 2.0);
                (elapsed.saturating_add(delay) <= self.max_elapsed).then_some(delay)
            }
        }
    }
}

/// What went wrong with one attempt, as far as retrying is concerned.
pub(crate) enum Failure<'a> {
    /// A failure status.
    Status(StatusCode),
    /// No answer, or a success whose body failed partway.
    Transport(&'a TransportError),
}

/// Whether the failure may be retried without risking a second action.
pub(crate) fn is_retryable(failure: Failure<'_>, idempotent: bool) -> bool {
    match failure {
        // The server refused before acting.
        Failure::Status(StatusCode::TOO_MANY_REQUESTS) => true,
        Failure::Status(status) => {
            idempotent
                && matches!(
                    status,
                    StatusCode::BAD_GATEWAY
                        | StatusCode::SERVICE_UNAVAILABLE
                        | StatusCode::GATEWAY_TIMEOUT
                )
        }
        // No connection, so nothing was written.
        Failure::Transport(error) if error.is_connect() => true,
        // Lost after the request was written: the server may have acted.
        Failure::Transport(error) => {
            idempotent && (error.is_timeout() || error.is_request() || error.after_head())
        }
    }
}

/// A number in `[0, 1)`, different on every call: enough to spread retries
/// of many clients apart, without a random-number dependency.
fn jitter() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_within_bounds_and_stops() {
        let policy = RetryPolicy::default()
            .max_attempts(10)
            .max_elapsed(Duration::from_secs(3600))
            .backoff(Duration::from_millis(100), Duration::from_millis(800));
        for (attempt, ceiling) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 800), (9, 800)] {
            let delay = policy.delay(attempt, Duration::ZERO, None).unwrap();
            let ceiling = Duration::from_millis(ceiling);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{attempt}: {delay:?}"
            );
        }
        assert_eq!(
            policy.delay(10, Duration::ZERO, None),
            None,
            "out of attempts"
        );
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(10));
        assert_eq!(
            policy.delay(1, Duration::ZERO, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            policy.delay(1, Duration::ZERO, Some(Duration::from_secs(11))),
            None
        );
    }

    #[test]
    fn the_time_budget_bounds_backoff_not_retry_after() {
        let policy = RetryPolicy::default()
            .max_elapsed(Duration::from_secs(10))
            .backoff(Duration::from_secs(2), Duration::from_secs(2));
        assert_eq!(policy.delay(1, Duration::from_secs(9), None), None);
        assert!(policy.delay(1, Duration::from_secs(7), None).is_some());
        // The server asked: 31 s is waited out past a 10 s budget.
        assert_eq!(
            policy.delay(1, Duration::from_secs(8), Some(Duration::from_secs(31))),
            Some(Duration::from_secs(31))
        );
    }

    #[test]
    fn a_zero_retry_after_still_waits_the_backoff_floor() {
        let policy = RetryPolicy::default()
            .max_attempts(10)
            .backoff(Duration::from_millis(200), Duration::from_secs(5));
        for (attempt, floor) in [(1, 100), (2, 200), (3, 400)] {
            assert_eq!(
                policy.delay(attempt, Duration::ZERO, Some(Duration::ZERO)),
                Some(Duration::from_millis(floor))
            );
        }
    }

    #[test]
    fn none_never_retries() {
        assert_eq!(RetryPolicy::none().delay(1, Duration::ZERO, None), None);
        assert_eq!(
            RetryPolicy::default().max_attempts(0),
            RetryPolicy::default().max_attempts(1)
        );
    }

    #[test]
    fn what_a_call_retries_is_transient() {
        use crate::error::is_transient_status;
        for code in 100..600 {
            let status = StatusCode::from_u16(code).unwrap();
            for idempotent in [true, false] {
                if is_retryable(Failure::Status(status), idempotent) {
                    assert!(is_transient_status(status), "{status} retried but settled");
                }
            }
        }
        for (code, transient) in [(400, false), (401, false), (404, false), (408, true)] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(is_transient_status(status), transient, "{status}");
        }
    }

    #[test]
    fn only_safe_statuses_are_retried() {
        use Failure::Status;
        for idempotent in [true, false] {
            assert!(is_retryable(
                Status(StatusCode::TOO_MANY_REQUESTS),
                idempotent
            ));
            assert!(!is_retryable(
                Status(StatusCode::INTERNAL_SERVER_ERROR),
                idempotent
            ));
            assert!(!is_retryable(Status(StatusCode::NOT_FOUND), idempotent));
        }
        for status in [502, 503, 504] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(is_retryable(Status(status), true));
            assert!(!is_retryable(Status(status), false), "{status} on a POST");
        }
    }
}
