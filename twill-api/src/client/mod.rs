//! The client: where requests go, with which key, within what time.

use std::env;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

mod builder;
mod http;

// Defined beside what they bound (the response's limits), named here
// where every other default is.
pub(crate) use crate::response::Limits;
pub use crate::response::{DEFAULT_MAX_EVENT_BYTES, DEFAULT_STREAM_IDLE_TIMEOUT};

pub use builder::{BuildError, ClientBuilder};
use http::Http;

use crate::error::TransportCause;
use crate::hook::Hooks;
use crate::retry::RetryPolicy;

use reqwest::Url;
use reqwest::header::HeaderValue;

/// The public Twill API.
pub const DEFAULT_BASE_URL: &str = "https://twill.ai/api/v1";

/// How long a call may take, connection to last body byte, unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long connecting (TCP and TLS) may take, unless configured: part of
/// the call timeout, and shorter, so that an unreachable host fails fast
/// and a GET is retried within the call's budget.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest success body accepted unless configured: far above any JSON
/// answer, and room for a teleport archive.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// The longest request URL sent, in bytes: the HTTP stack's limit for a
/// request target (`http::Uri`, 65,534 bytes). A longer one is refused
/// before any I/O as [`InputProblem::UrlTooLong`](crate::error::InputProblem::UrlTooLong).
pub const MAX_URL_BYTES: usize = u16::MAX as usize - 1;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A Twill API client: a base URL, an API key and an HTTP connection pool.
///
/// Cloning is cheap (one reference count) and clones share the pool, so
/// clone it into tasks rather than wrapping it in an `Arc`.
///
/// Endpoints are methods of traits such as [`Tasks`](crate::api::Tasks), which
/// `Client` implements; bring them into scope with `use twill_api::prelude::*`.
///
/// ```
/// use std::time::Duration;
///
/// let client = twill_api::Client::builder()
///     .api_key("twill_sk_example")
///     .base_url("http://127.0.0.1:8080/api/v1")
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:8080/api/v1");
/// // The key never shows in debug output.
/// assert!(!format!("{client:?}").contains("twill_sk_example"));
/// # Ok::<(), twill_api::client::BuildError>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    /// Shared by the clones of `with_*`, so they share its pool.
    http: Arc<Http>,
    /// Without a trailing slash: endpoint paths start with one.
    base_url: String,
    /// `base_url` parsed once: a call's URL is this with its own path and
    /// query, so that no call parses a scheme and host again.
    base: Url,
    /// `Bearer <key>`, marked sensitive so that `http` never prints it.
    authorization: HeaderValue,
    user_agent: HeaderValue,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    limits: Limits,
    hooks: Hooks,
    /// The rate limits set, shared by every clone and `with_*` client.
    limiter: Option<Arc<crate::limit::Limiter>>,
    /// When every call must have ended ([`Client::with_deadline`]).
    deadline: Option<tokio::time::Instant>,
}

impl Client {
    /// A client for the public API with `api_key` and the default settings.
    pub fn new(api_key: impl Into<String>) -> Result<Self, BuildError> {
        Self::builder().api_key(api_key).build()
    }

    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client that sends nothing: every call fails before any I/O with
    /// [`Error::Hook`](crate::Error::Hook), naming the endpoint.
    ///
    /// It is a test double's [`AsClient`]: a declared
    /// method the fake does not implement keeps its default body, which
    /// calls through the fake's client, so with this one it fails at once
    /// instead of reaching the real API.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use twill_api::prelude::*;
    /// use twill_api::{Client, Error};
    ///
    /// let error = Client::offline().get_task("t").await.unwrap_err();
    /// assert!(matches!(error, Error::Hook(_)));
    /// assert!(error.to_string().contains("`get_task`"));
    /// # }
    /// ```
    pub fn offline() -> Client {
        // A key and the default base URL, both valid, and a hook: nothing
        // here can be refused (the HTTP client is set up on the first
        // call, which the hook stops first).
        Self::builder()
            .api_key("offline")
            .hook(Offline)
            .build()
            .expect("an offline client's settings are constants")
    }

    /// A client configured from the environment, as in Twill's cookbook:
    ///
    /// - `TWILL_API_KEY` (required): the API key (set but empty counts as
    ///   unset);
    /// - `TWILL_BASE_URL` (optional): the Twill origin, such as
    ///   `https://twill.ai`; `/api/v1` is appended unless the URL already
    ///   ends with it. Unset or empty means [`DEFAULT_BASE_URL`].
    pub fn from_env() -> Result<Self, BuildError> {
        Self::builder_from_env().build()
    }

    /// A builder set up from the environment as [`from_env`](Self::from_env)
    /// reads it (the key if `TWILL_API_KEY` is set, the base URL if
    /// `TWILL_BASE_URL` is), for programs that may take the key from
    /// elsewhere, such as a file.
    pub fn builder_from_env() -> ClientBuilder {
        let mut builder = Self::builder();
        // Set but empty (`export TWILL_API_KEY=`) is unset: the error is
        // then the missing key's, which says where a key comes from.
        if let Ok(key) = env::var("TWILL_API_KEY")
            && !key.trim().is_empty()
        {
            builder = builder.api_key(key);
        }
        if let Ok(origin) = env::var("TWILL_BASE_URL")
            && !origin.trim().is_empty()
        {
            builder = builder.base_url(api_root(origin.trim()));
        }
        builder
    }

    /// The API root that endpoint paths are appended to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The per-attempt timeout, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// A client like this one (same key, URL and connection pool) whose
    /// calls time out after `timeout`: the per-call override.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use twill_api::prelude::*;
    /// # async fn run(client: twill_api::Client) -> Result<(), twill_api::Error> {
    /// let task = client.with_timeout(Duration::from_secs(5)).get_task("my-task").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        self.with(|inner| inner.timeout = Some(timeout))
    }

    /// A client like this one whose calls have no timeout of `twill-api`'s
    /// (see [`ClientBuilder::no_timeout`] for a client given with
    /// [`ClientBuilder::http_client`]).
    pub fn with_no_timeout(&self) -> Client {
        self.with(|inner| inner.timeout = None)
    }

    /// A client like this one whose calls follow `policy`; for example
    /// [`RetryPolicy::none`] for one call that must not wait.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Client {
        self.with(|inner| inner.retry = policy)
    }

    /// A client like this one that keeps to `limits` instead, with a
    /// limiter of its own (shared by its clones, not with this client's):
    /// a batch paced more tightly than the rest.
    pub fn with_rate_limits(&self, limits: &[crate::limit::RateLimit]) -> Client {
        self.with(|inner| inner.limiter = crate::limit::Limiter::of(limits).map(Arc::new))
    }

    /// A client like this one whose calls all end by `deadline`: the time
    /// budget of a wait, kept by everything that would sleep inside it.
    ///
    /// A call whose wait for the rate limit's room, for a `Retry-After` or
    /// for a backoff would end past `deadline` does not wait: it ends with
    /// the error it has ([`Error::Throttled`](crate::Error::Throttled) when
    /// nothing was sent, otherwise the last attempt's), whose
    /// [`is_transient`](crate::Error::is_transient) says it may fare
    /// otherwise later. An attempt still under way at `deadline` ends then,
    /// as a timeout. A deadline set already is kept when it comes sooner.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use twill_api::prelude::*;
    /// # async fn run(client: twill_api::Client) -> Result<(), twill_api::Error> {
    /// let by = tokio::time::Instant::now() + Duration::from_secs(20);
    /// // Within 20 s, whatever a 429's Retry-After says.
    /// let task = client.with_deadline(by).get_task("my-task").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_deadline(&self, deadline: tokio::time::Instant) -> Client {
        self.with(|inner| {
            inner.deadline = Some(inner.deadline.map_or(deadline, |set| set.min(deadline)));
        })
    }

    /// A client like this one (the same limits, shared) that also runs
    /// `hook`, after the hooks it has: for one part of a program that wants
    /// to hear of its own calls (a batch showing its rate-limit waits).
    pub fn with_hook(&self, hook: impl crate::hook::Hook) -> Client {
        let hook: Arc<dyn crate::hook::Hook> = Arc::new(hook);
        self.with(|inner| inner.hooks = inner.hooks.and(hook))
    }

    /// When every call must have ended, if [`with_deadline`](Self::with_deadline)
    /// set it.
    pub fn deadline(&self) -> Option<tokio::time::Instant> {
        self.inner.deadline
    }

    /// A client like this one but for `change`: every field copied, so that
    /// a field added to `Inner` is carried without a word here.
    fn with(&self, change: impl FnOnce(&mut Inner)) -> Client {
        let mut inner = Inner::clone(&self.inner);
        change(&mut inner);
        Client {
            inner: Arc::new(inner),
        }
    }

    pub(crate) fn hooks(&self) -> &Hooks {
        &self.inner.hooks
    }

    pub(crate) fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// The rate limits requests wait for, if any were set.
    pub(crate) fn limiter(&self) -> Option<&crate::limit::Limiter> {
        self.inner.limiter.as_deref()
    }

    /// Counts, in this client's rate limits, requests sent with the key
    /// before it existed, `ago` each: a batch resumed after a crash seeds
    /// its limits with what the dead process sent, and so draws no 429. A
    /// client without limits ignores them.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = twill_api::Client::builder()
    ///     .api_key("twill_sk_example")
    ///     .rate_limit("2/min".parse().unwrap())
    ///     .build()?;
    /// // Two sent 10 s ago by the process that died: the next waits 50 s.
    /// client.count_sent_before([Duration::from_secs(10), Duration::from_secs(10)]);
    /// # Ok::<(), twill_api::client::BuildError>(())
    /// ```
    pub fn count_sent_before(&self, ago: impl IntoIterator<Item = Duration>) {
        if let Some(limiter) = self.limiter() {
            limiter.count_sent(ago);
        }
    }

    /// The rate limits this client and its clones keep to (none unless
    /// [`ClientBuilder::rate_limit`] set some).
    pub fn rate_limits(&self) -> Vec<crate::limit::RateLimit> {
        self.limiter()
            .map(crate::limit::Limiter::limits)
            .unwrap_or_default()
    }

    /// The HTTP client, set up on first use (see [`Http`]).
    pub(crate) fn http(&self) -> Result<&reqwest::Client, TransportCause> {
        self.inner.http.get()
    }

    /// The parsed base URL (see [`Inner::base`]).
    pub(crate) fn base(&self) -> &Url {
        &self.inner.base
    }

    pub(crate) fn authorization(&self) -> &HeaderValue {
        &self.inner.authorization
    }

    pub(crate) fn user_agent(&self) -> &HeaderValue {
        &self.inner.user_agent
    }
}

fn api_root(origin: &str) -> String {
    let origin = origin.trim_end_matches('/');
    if origin.ends_with("/api/v1") {
        origin.to_owned()
    } else {
        format!("{origin}/api/v1")
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"<redacted>")
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("limits", &self.inner.limits)
            .field("hooks", &self.inner.hooks.len())
            .field("rate_limits", &self.rate_limits())
            .field("deadline", &self.inner.deadline)
            .finish_non_exhaustive()
    }
}

/// Gives generated endpoint methods the [`Client`] to call through.
///
/// `Client` implements it; implement it for your own type (a struct that
/// holds a `Client` beside other state) to call endpoints on that type.
///
/// ```
/// use twill_api::{AsClient, Client};
///
/// struct App {
///     twill: Client,
///     name: String,
/// }
///
/// impl AsClient for App {
///     fn as_client(&self) -> &Client {
///         &self.twill
///     }
/// }
/// ```
pub trait AsClient {
    /// The client that requests go through.
    fn as_client(&self) -> &Client;
}

impl AsClient for Client {
    fn as_client(&self) -> &Client {
        self
    }
}

/// The hook of [`Client::offline`]: it refuses every attempt.
struct Offline;

impl crate::hook::Hook for Offline {
    fn before_attempt(
        &self,
        request: &mut crate::hook::AttemptRequest<'_>,
    ) -> Result<(), crate::error::HookError> {
        Err(crate::error::HookError::new(format!(
            "`{}` was called on `Client::offline()`, which sends nothing \
             (a test double that does not implement it?)",
            request.endpoint().name()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::builder::base_url;
    use super::*;

    #[test]
    fn plain_http_is_for_loopback_unless_allowed() {
        let build = |url: &str| {
            Client::builder()
                .api_key("twill_sk_x")
                .base_url(url)
                .build()
        };
        for local in [
            "http://127.0.0.1:9/api/v1",
            "http://127.9.8.7/api/v1",
            "http://127.1/api/v1",
            "http://[::1]:9/api/v1",
            "http://localhost/api/v1",
            "http://LOCALHOST./api/v1",
            "http://mock.localhost:9/api/v1",
            "https://10.0.0.5/api/v1",
        ] {
            assert!(build(local).is_ok(), "{local}");
        }
        for remote in [
            ("http://10.0.0.5/api/v1", "10.0.0.5"),
            ("http://twill.ai/api/v1", "twill.ai"),
            ("http://localhost.evil.com/api/v1", "localhost.evil.com"),
            ("http://[::2]/api/v1", "[::2]"),
            ("http://0.0.0.0/api/v1", "0.0.0.0"),
        ] {
            let error = build(remote.0).unwrap_err();
            assert_eq!(error, BuildError::InsecureHttp(remote.1.to_owned()));
            assert!(error.to_string().contains(remote.1), "{error}");
        }
        let allowed = Client::builder()
            .api_key("twill_sk_x")
            .base_url("http://10.0.0.5/api/v1")
            .allow_insecure_http()
            .build();
        assert!(allowed.is_ok());
    }

    #[test]
    fn api_root_appends_the_version_once() {
        assert_eq!(api_root("https://twill.ai"), "https://twill.ai/api/v1");
        assert_eq!(api_root("https://twill.ai/"), "https://twill.ai/api/v1");
        assert_eq!(
            api_root("http://127.0.0.1:9/api/v1/"),
            "http://127.0.0.1:9/api/v1"
        );
    }

    #[test]
    fn base_url_is_checked() {
        let client = Client::builder()
            .api_key("twill_sk_test")
            .base_url("https://twill.ai/api/v1/")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://twill.ai/api/v1");
        assert_eq!(client.base().path(), "/api/v1/");
        assert!(matches!(
            base_url("twill.ai"),
            Err(BuildError::InvalidBaseUrl(_))
        ));
        assert!(matches!(
            base_url("ftp://twill.ai"),
            Err(BuildError::InvalidBaseUrl(_))
        ));
        assert!(matches!(
            base_url("https://twill.ai/?x=1"),
            Err(BuildError::InvalidBaseUrl(_))
        ));
        assert!(matches!(
            base_url("https://u:p@twill.ai/"),
            Err(BuildError::InvalidBaseUrl(_))
        ));
    }

    #[test]
    fn bad_keys_are_refused_without_echo() {
        for key in ["", "abc\r\nX-Evil: 1", "abc def", "ключ", "abc\u{7f}"] {
            let error = Client::builder().api_key(key).build().unwrap_err();
            assert!(matches!(error, BuildError::InvalidApiKey(_)), "{key:?}");
            if !key.is_empty() {
                assert!(!error.to_string().contains(key));
            }
        }
    }
}
