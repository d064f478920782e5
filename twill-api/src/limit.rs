//! A client-side rate limit: at most N requests in any interval of length
//! P, for each limit set, shared by every clone of a [`Client`]; a 429's
//! `Retry-After` pauses them all until then.
//!
//! Twill allows 100 requests a minute and 1,000 an hour per key. A token
//! bucket refilled at that rate lets about twice its size through one of
//! the server's windows (a full bucket, then a refill's worth) and draws
//! 429s; a sliding log of send times cannot: a request goes when the N-th
//! most recent one is at least P old. Off unless set
//! ([`ClientBuilder::rate_limit`], [`ClientBuilder::twill_rate_limits`]);
//! the command line and the MCP server set Twill's.
//!
//! [`Client`]: crate::Client
//! [`ClientBuilder::rate_limit`]: crate::ClientBuilder::rate_limit
//! [`ClientBuilder::twill_rate_limits`]: crate::ClientBuilder::twill_rate_limits

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// At most `requests` in any interval of `period`, such as `20/5s`,
/// `100/min` or `1000/h`.
///
/// ```
/// use std::time::Duration;
/// use twill_api::limit::RateLimit;
///
/// let limit: RateLimit = "20/5s".parse().unwrap();
/// assert_eq!((limit.requests(), limit.period()), (20, Duration::from_secs(5)));
/// assert_eq!("100/min".parse::<RateLimit>().unwrap(), RateLimit::TWILL_PER_MINUTE);
/// assert!("0/5s".parse::<RateLimit>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    requests: u32,
    period: Duration,
}

impl RateLimit {
    /// Twill's documented limit per minute: 100 requests.
    pub const TWILL_PER_MINUTE: RateLimit = RateLimit {
        requests: 100,
        period: Duration::from_secs(60),
    };
    /// Twill's documented limit per hour: 1,000 requests.
    pub const TWILL_PER_HOUR: RateLimit = RateLimit {
        requests: 1000,
        period: Duration::from_secs(3600),
    };

    /// At most `requests` (at least 1) in any interval of `period` (more
    /// than zero).
    pub fn new(requests: u32, period: Duration) -> Result<Self, InvalidRateLimit> {
        if requests == 0 || period.is_zero() {
            return Err(InvalidRateLimit(format!(
                "{requests}/{period:?}: a limit needs at least one request in a period longer than zero"
            )));
        }
        Ok(RateLimit { requests, period })
    }

    /// How many requests the period allows.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = self.period;
        match (period.as_secs(), period.subsec_millis()) {
            (3600, 0) => write!(f, "{}/h", self.requests),
            (60, 0) => write!(f, "{}/min", self.requests),
            (seconds, 0) => write!(f, "{}/{seconds}s", self.requests),
            _ => write!(f, "{}/{}ms", self.requests, period.as_millis()),
        }
    }
}

/// A rate limit that does not read as `N/PERIOD`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rate limit {0}; write N/PERIOD, such as 20/5s, 100/min or 1000/h")]
pub struct InvalidRateLimit(String);

impl FromStr for RateLimit {
    type Err = InvalidRateLimit;

    /// `N/PERIOD`: a period is a number (1 unless written) and a unit,
    /// `ms`, `s`, `m` or `min`, `h`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidRateLimit(format!("{text:?}"));
        let (requests, period) = text.trim().split_once('/').ok_or_else(invalid)?;
        let requests: u32 = requests.trim().parse().map_err(|_| invalid())?;
        let period = period.trim();
        let split = period
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(period.len());
        let (count, unit) = period.split_at(split);
        let count: u64 = if count.is_empty() {
            1
        } else {
            count.parse().map_err(|_| invalid())?
        };
        let unit = match unit {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" | "min" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            _ => return Err(invalid()),
        };
        let period = unit
            .checked_mul(u32::try_from(count).map_err(|_| invalid())?)
            .ok_or_else(invalid)?;
        RateLimit::new(requests, period).map_err(|_| invalid())
    }
}

/// How much later than its window a request goes: one sent just after the
/// window ends must also arrive after it at the server, whatever the
/// network did to the one it follows.
const SLACK: Duration = Duration::from_millis(25);

/// The limits of a client and its clones, and the times of the requests
/// they let through.
#[derive(Debug)]
pub(crate) struct Limiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    windows: Vec<Window>,
    /// Set by a 429's `Retry-After`: nothing goes before it.
    paused_until: Option<Instant>,
}

/// One limit and the send times within its last period (at most as many
/// as it allows: the oldest is the one that decides the next).
#[derive(Debug)]
struct Window {
    limit: RateLimit,
    sent: VecDeque<Instant>,
}

impl Limiter {
    /// A limiter of `limits`; none when there are none.
    pub(crate) fn of(limits: &[RateLimit]) -> Option<Limiter> {
        if limits.is_empty() {
            return None;
        }
        let windows = limits
            .iter()
            .map(|limit| Window {
                limit: *limit,
                sent: VecDeque::with_capacity(limit.requests.min(1024) as usize),
            })
            .collect();
        Some(Limiter {
            state: Mutex::new(State {
                windows,
                paused_until: None,
            }),
        })
    }

    /// Waits for room and takes it; `Err` with the wait it would need when
    /// that wait would end past `deadline`, or when a 429's pause is longer
    /// than `pause_cap` (the call's policy would not wait out that
    /// `Retry-After` itself): nothing is taken then.
    /// `on_wait` hears of each wait before it starts.
    pub(crate) async fn acquire(
        &self,
        deadline: Option<Instant>,
        pause_cap: Duration,
        mut on_wait: impl FnMut(Duration),
    ) -> Result<(), Duration> {
        loop {
            let now = Instant::now();
            let (wait, paused_for) = {
                let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
                match state.wait(now) {
                    None => {
                        state.take(now);
                        return Ok(());
                    }
                    Some(wait) => (
                        wait,
                        state
                            .paused_until
                            .map_or(Duration::ZERO, |until| until.saturating_duration_since(now)),
                    ),
                }
            };
            if deadline.is_some_and(|deadline| now + wait > deadline) || paused_for > pause_cap {
                return Err(wait);
            }
            on_wait(wait);
            tokio::time::sleep(wait).await;
        }
    }

    /// Counts requests sent `ago` before now by another client of the key
    /// (a process that died mid-batch), so that the limits keep counting
    /// them.
    pub(crate) fn count_sent(&self, ago: impl IntoIterator<Item = Duration>) {
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for ago in ago {
            let at = now.checked_sub(ago).unwrap_or(now);
            for window in &mut state.windows {
                let place = window.sent.partition_point(|sent| *sent <= at);
                window.sent.insert(place, at);
                // Only the newest `requests` decide the next wait.
                while window.sent.len() > window.limit.requests as usize {
                    window.sent.pop_front();
                }
            }
        }
    }

    /// Whether what holds requests back now is a 429's pause (the server
    /// asked), not the limits' own windows: for the error's words.
    pub(crate) fn paused_by_server(&self) -> bool {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state
            .paused_until
            .is_some_and(|until| until > Instant::now())
    }

    /// Nothing goes for `wait` (a 429's `Retry-After`), whichever clone
    /// asks.
    pub(crate) fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.paused_until = Some(state.paused_until.map_or(until, |paused| paused.max(until)));
    }

    /// The limits, for `Debug` and messages.
    pub(crate) fn limits(&self) -> Vec<RateLimit> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.windows.iter().map(|window| window.limit).collect()
    }
}

impl State {
    /// How long until a request may go at `now`; `None` when it may now.
    fn wait(&mut self, now: Instant) -> Option<Duration> {
        let mut wait = self
            .paused_until
            .map_or(Duration::ZERO, |until| until.saturating_duration_since(now));
        for window in &mut self.windows {
            let period = window.limit.period;
            while window
                .sent
                .front()
                .is_some_and(|sent| now.saturating_duration_since(*sent) >= period + SLACK)
            {
                window.sent.pop_front();
            }
            if window.sent.len() >= window.limit.requests as usize
                && let Some(oldest) = window.sent.front()
            {
                wait = wait.max((*oldest + period + SLACK).saturating_duration_since(now));
            }
        }
        (!wait.is_zero()).then_some(wait)
    }

    /// Records a request sent at `now`.
    fn take(&mut self, now: Instant) {
        for window in &mut self.windows {
            if window.sent.len() >= window.limit.requests as usize {
                window.sent.pop_front();
            }
            window.sent.push_back(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_and_print_as_n_per_period() {
        for (text, requests, period) in [
            ("20/5s", 20, Duration::from_secs(5)),
            ("100/min", 100, Duration::from_secs(60)),
            ("100/m", 100, Duration::from_secs(60)),
            ("1000/h", 1000, Duration::from_secs(3600)),
            ("5/250ms", 5, Duration::from_millis(250)),
            (" 3 / 2m ", 3, Duration::from_secs(120)),
        ] {
            let limit: RateLimit = text.parse().unwrap();
            assert_eq!(
                (limit.requests(), limit.period()),
                (requests, period),
                "{text}"
            );
            assert_eq!(limit.to_string().parse::<RateLimit>().unwrap(), limit);
        }
        for bad in [
            "20",
            "20/",
            "/5s",
            "0/5s",
            "20/0s",
            "20/5x",
            "-1/s",
            "20/99999999999h",
        ] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }
}
