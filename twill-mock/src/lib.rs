//! A Twill-compatible API server on loopback, for tests and for trying the
//! client with no network and no API key.
//!
//! It speaks Twill's wire format on its own (JSON built by hand, not the
//! client's types), so a test against it catches the client's wire mistakes:
//! a wrong field name, a missing header, a body that the API would refuse.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = twill_mock::MockServer::start().await?;
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! assert!(server.url().ends_with("/api/v1"));
//! # Ok(())
//! # }
//! ```
//!
//! All 20 endpoints of the public v1 API are served, with state:
//!
//! - the bearer key is checked (401), then a per-key rate limit (100
//!   requests a minute by default; 429 with `Retry-After`);
//! - request bodies are validated like the API does (400 with
//!   `details.issues`), and more strictly: unknown fields are refused;
//! - a task's jobs move PENDING, IN_PROGRESS, COMPLETED on the server's
//!   clock, which is real time (with delays set by
//!   [`MockServerBuilder::job_timing`]) or a manual clock that only
//!   [`MockServer::advance`] moves; a message cancels the job in flight and
//!   starts another;
//! - lists are paginated with opaque cursors; scheduled tasks are created,
//!   read, updated (`null` clears a field), deleted, paused and resumed, with
//!   cron validation; the log stream replays the documented event sequence;
//!   teleport serves a small real tar archive;
//! - [`Faults`] switch on what a real deployment does on a bad day: jobs
//!   that fail or are cancelled, `error` events, stalled bodies and streams,
//!   slow streams, connections closed after every answer, cursors that need
//!   percent-encoding;
//! - [`MockServerBuilder::latency`] delays every answer, the log stream's
//!   head included, as a real API over TLS does: a loopback server that
//!   answers at once hides races a real network shows.

#![deny(missing_docs)]

mod api;
mod clock;
mod cron;
mod faults;
mod reply;
mod store;
mod tar;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::store::Timing;

pub use crate::faults::{Faults, JobEnd};

/// The API key a server accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "twill-mock-key";

/// The API's documented rate limit: requests per key per minute.
pub const DEFAULT_RATE_LIMIT: u32 = 100;

/// The largest request body the mock reads, in bytes: room for what the
/// CLI allows (a 10 MiB attachment inline is about 14 MiB of JSON); a
/// larger body is a 400 naming `body`.
pub const MAX_REQUEST_BYTES: usize = 32 * 1024 * 1024;

/// A running mock server. Dropping it stops it.
pub struct MockServer {
    addr: SocketAddr,
    api_key: String,
    state: Arc<api::State>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl std::fmt::Debug for api::State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on `127.0.0.1` on a free port, accepting
    /// [`DEFAULT_API_KEY`], on real time. Must be called within a Tokio
    /// runtime.
    pub async fn start() -> io::Result<MockServer> {
        MockServer::builder().start().await
    }

    /// Configures a server.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            api_key: DEFAULT_API_KEY.to_owned(),
            port: 0,
            manual_clock: false,
            timing: Timing {
                pending: Duration::from_millis(100),
                running: Duration::from_millis(400),
            },
            rate_limit: Some(RateWindow {
                requests: DEFAULT_RATE_LIMIT,
                period: Duration::from_secs(60),
            }),
            faults: Faults::none(),
            latency: Duration::ZERO,
        }
    }

    /// The API root to give a client, such as `http://127.0.0.1:41234/api/v1`.
    pub fn url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key the server accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Moves a manual clock forward (see [`MockServerBuilder::manual_clock`]):
    /// jobs progress and rate-limit windows pass. Returns `false`, changing
    /// nothing, on a server that runs on real time.
    pub fn advance(&self, by: Duration) -> bool {
        self.state.clock.advance(by)
    }

    /// What the server has answered so far.
    pub fn stats(&self) -> MockStats {
        self.state.stats.read()
    }

    /// Switches faults on or off from now on, for the next step of a
    /// scenario; see [`Faults`].
    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.stop();
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }

    fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Configures a [`MockServer`]; see [`MockServer::builder`].
#[derive(Clone)]
#[must_use]
pub struct MockServerBuilder {
    api_key: String,
    port: u16,
    manual_clock: bool,
    timing: Timing,
    rate_limit: Option<RateWindow>,
    faults: Faults,
    latency: Duration,
}

/// A rate limit: `requests` per key in any window of `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RateWindow {
    pub(crate) requests: u32,
    pub(crate) period: Duration,
}

/// What a server has answered so far ([`MockServer::stats`], and
/// `GET /__mock/stats` as JSON: `{"requests", "rateLimited",
/// "tasksCreated", "connections", "byEndpoint"}`): what a batch cost.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MockStats {
    /// Requests to the API, every one counted.
    pub requests: u64,
    /// Of those, the ones answered 429.
    pub rate_limited: u64,
    /// Tasks created.
    pub tasks_created: u64,
    /// TCP connections accepted (a client that reuses its connection
    /// opens one; a follower that reopens a stream, one each time).
    #[serde(default)]
    pub connections: u64,
    /// Requests per endpoint, by its method name (`list_tasks`,
    /// `get_task`, ...), 429s included: to tell list requests from reads.
    #[serde(default)]
    pub by_endpoint: std::collections::BTreeMap<String, u64>,
}

impl MockServerBuilder {
    /// The API key the server accepts.
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// The port to listen on (0, the default, picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Time stands still until [`MockServer::advance`] moves it, so tests
    /// decide when jobs progress.
    pub fn manual_clock(mut self) -> Self {
        self.manual_clock = true;
        self
    }

    /// How long a job stays PENDING, then IN_PROGRESS, before it is
    /// COMPLETED (100 ms and 400 ms unless set).
    pub fn job_timing(mut self, pending: Duration, running: Duration) -> Self {
        self.timing = Timing { pending, running };
        self
    }

    /// Requests allowed per key per minute before 429 ([`DEFAULT_RATE_LIMIT`]
    /// unless set).
    pub fn rate_limit(self, per_minute: u32) -> Self {
        self.rate_limit_per(per_minute, Duration::from_secs(60))
    }

    /// Requests allowed per key in any window of `period` before 429, such
    /// as 20 per 5 s, to try how a batch keeps under a limit.
    pub fn rate_limit_per(mut self, requests: u32, period: Duration) -> Self {
        self.rate_limit = Some(RateWindow { requests, period });
        self
    }

    /// No rate limit, for load tests.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Delays every answer by `latency` before it is made (the log
    /// stream's response head included), as a remote API does: try what a
    /// real network does to a client. None unless set.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Starts with these faults switched on; see [`Faults`].
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Binds `127.0.0.1` and starts serving in the background.
    pub async fn start(self) -> io::Result<MockServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(api::State::new(api::Config {
            api_key: self.api_key.clone(),
            clock: if self.manual_clock {
                Clock::manual()
            } else {
                Clock::real()
            },
            timing: self.timing,
            rate_limit: self.rate_limit,
            faults: self.faults.clone(),
            latency: self.latency,
        }));
        let app = api::router(state.clone());
        let counted = Arc::clone(&state);
        let listener = axum::serve::ListenerExt::tap_io(listener, move |_| {
            api::Stats::bump(&counted.stats.connections);
        });
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(MockServer {
            addr,
            api_key: self.api_key,
            state,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// The key is left out: tests print their fixtures, and a key in the logs of
/// a CI run is a key anyone can read, even a mock's (users may pass their
/// real one to run the same tests against both).
impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("api_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The key is left out, as in [`MockServer`]'s `Debug`.
impl std::fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("api_key", &"<redacted>")
            .field("port", &self.port)
            .field("manual_clock", &self.manual_clock)
            .field("timing", &self.timing)
            .field("rate_limit", &self.rate_limit)
            .field("faults", &self.faults)
            .field("latency", &self.latency)
            .finish()
    }
}
