//! The mock's notion of time: real time by default, or a manual clock that
//! only tests move, so that job progress and rate limits are deterministic.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) struct Clock {
    start: Instant,
    manual: Option<Mutex<Duration>>,
}

impl Clock {
    pub(crate) fn real() -> Self {
        Clock {
            start: Instant::now(),
            manual: None,
        }
    }

    pub(crate) fn manual() -> Self {
        Clock {
            start: Instant::now(),
            manual: Some(Mutex::new(Duration::ZERO)),
        }
    }

    /// Time since the server started.
    pub(crate) fn now(&self) -> Duration {
        match &self.manual {
            Some(now) => *now.lock().unwrap_or_else(|e| e.into_inner()),
            None => self.start.elapsed(),
        }
    }

    /// Moves a manual clock forward; returns false for a real clock.
    pub(crate) fn advance(&self, by: Duration) -> bool {
        match &self.manual {
            Some(now) => {
                *now.lock().unwrap_or_else(|e| e.into_inner()) += by;
                true
            }
            None => false,
        }
    }
}

/// An ISO 8601 timestamp for a moment on the clock, counted from a fixed
/// epoch so that responses are reproducible.
pub(crate) fn timestamp(at: Duration) -> String {
    // 2026-01-01T00:00:00Z plus `at`, within the first day of 2026 for the
    // first 24 hours and rolling into days after.
    let total = at.as_millis();
    let millis = total % 1000;
    let seconds = (total / 1000) % 60;
    let minutes = (total / 60_000) % 60;
    let hours = (total / 3_600_000) % 24;
    let days = total / 86_400_000;
    format!(
        "2026-01-{:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z",
        (days % 31) + 1
    )
}
