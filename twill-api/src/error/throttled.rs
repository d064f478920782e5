//! A call the client's own rate limit kept from being sent.

use std::time::Duration;

use crate::limit::RateLimit;

/// The client's rate limit ([`ClientBuilder::rate_limit`]) had no room for
/// the call before its timeout or its deadline
/// ([`Client::with_deadline`](crate::Client::with_deadline)), or a 429
/// paused the client for longer than its policy's
/// [`retry_after_cap`](crate::RetryPolicy::retry_after_cap): nothing was
/// sent, so sending it later is safe.
///
/// [`ClientBuilder::rate_limit`]: crate::ClientBuilder::rate_limit
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "not sent: {} has room only in {} s, past what the call waits (its timeout, deadline or Retry-After cap)",
    holder(self),
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
)]
#[non_exhaustive]
pub struct Throttled {
    /// How long the call would have had to wait for room.
    pub wait: Duration,
    /// The limits it keeps to.
    pub limits: Vec<RateLimit>,
    /// The attempts sent before this one (a retry can be throttled too).
    pub attempts_sent: u32,
    /// Whether one of those may have been acted on.
    pub acted: bool,
    /// Whether the wait is the server's: a 429's `Retry-After` paused the
    /// client's requests, rather than its own limits being full.
    pub server_asked: bool,
}

/// What holds the call back, in words.
fn holder(throttled: &Throttled) -> String {
    if throttled.server_asked {
        return "the server asked to wait (429), and the client".to_owned();
    }
    let limits: Vec<String> = throttled.limits.iter().map(ToString::to_string).collect();
    format!("the client's rate limit ({})", limits.join(", "))
}
