//! [`ClientBuilder`]: one [`Config`] whose defaults are written once, in
//! [`ClientBuilder::new`]; [`build`](ClientBuilder::build) only checks and
//! converts.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use super::http::Http;
use super::{
    Client, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_STREAM_IDLE_TIMEOUT, DEFAULT_TIMEOUT, Inner, Limits,
    USER_AGENT,
};
use crate::hook::{Hook, Hooks};
use crate::limit::{Limiter, RateLimit};
use crate::retry::RetryPolicy;

/// Configures a [`Client`]; see [`Client::builder`].
#[must_use]
pub struct ClientBuilder {
    config: Config,
}

/// What a builder has been told: every setting with its value, defaults
/// included, so that `build` only checks and converts.
struct Config {
    api_key: Option<String>,
    base_url: String,
    timeout: Option<Duration>,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    limits: Limits,
    connect_timeout: Duration,
    follow_redirects: bool,
    allow_insecure_http: bool,
    hooks: Vec<Arc<dyn Hook>>,
    rate_limits: Vec<RateLimit>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// A builder with every default: the one place they are written.
    pub fn new() -> Self {
        ClientBuilder {
            config: Config {
                api_key: None,
                base_url: DEFAULT_BASE_URL.to_owned(),
                timeout: Some(DEFAULT_TIMEOUT),
                http: None,
                retry: RetryPolicy::default(),
                limits: Limits {
                    body: DEFAULT_MAX_RESPONSE_BYTES,
                    event: DEFAULT_MAX_EVENT_BYTES,
                    idle: DEFAULT_STREAM_IDLE_TIMEOUT,
                },
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                follow_redirects: false,
                allow_insecure_http: false,
                hooks: Vec::new(),
                rate_limits: Vec::new(),
            },
        }
    }

    /// Keeps to `limit`, on top of any set before: a request waits until
    /// it fits, and one that cannot within the call's timeout fails before
    /// it is sent ([`Error::Throttled`](crate::Error::Throttled)). Shared
    /// by every clone; a 429's `Retry-After` pauses them all. Off unless
    /// set (see [`limit`](crate::limit)).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.config.rate_limits.push(limit);
        self
    }

    /// Keeps to Twill's documented limits, 100 requests a minute and 1,000
    /// an hour ([`RateLimit::TWILL_PER_MINUTE`], [`RateLimit::TWILL_PER_HOUR`]).
    pub fn twill_rate_limits(self) -> Self {
        self.rate_limit(RateLimit::TWILL_PER_MINUTE)
            .rate_limit(RateLimit::TWILL_PER_HOUR)
    }

    /// The API key sent as `Authorization: Bearer <key>` (required).
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.config.api_key = Some(api_key.into());
        self
    }

    /// The API root, such as `https://twill.ai/api/v1` (the default) or a
    /// `twill-mock` server's URL. Endpoint paths are appended to it.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.config.base_url = base_url.into();
        self
    }

    /// How failed calls are retried ([`RetryPolicy::default`] unless set:
    /// three attempts, and never a second send of a POST the server may
    /// have acted on).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// The largest success body accepted, in bytes
    /// ([`DEFAULT_MAX_RESPONSE_BYTES`] unless set); a larger one is refused
    /// with [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.config.limits.body = limit;
        self
    }

    /// The largest job log event accepted, in bytes
    /// ([`DEFAULT_MAX_EVENT_BYTES`] unless set): the bytes of the event being
    /// assembled are counted as they arrive, and past the limit the stream
    /// ends with [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
    pub fn max_event_bytes(mut self, limit: usize) -> Self {
        self.config.limits.event = limit;
        self
    }

    /// The longest a job log stream may send nothing, not even a
    /// keep-alive ([`DEFAULT_STREAM_IDLE_TIMEOUT`] unless set): a silent
    /// stream then ends with a [`Transport`](crate::Error::Transport) error
    /// whose `is_timeout()` is true.
    pub fn stream_idle_timeout(mut self, idle: Duration) -> Self {
        self.config.limits.idle = idle;
        self
    }

    /// The longest connecting (TCP and TLS) may take
    /// ([`DEFAULT_CONNECT_TIMEOUT`] unless set). Applies to the HTTP client
    /// `twill-api` builds, not to one passed to
    /// [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// The longest one attempt of a call may take, from connecting to the
    /// last body byte ([`DEFAULT_TIMEOUT`] unless set). A timed-out GET is
    /// retried; a POST is not. For the job log stream it bounds connecting,
    /// the response head and a failure body; the events are bounded by
    /// [`stream_idle_timeout`](Self::stream_idle_timeout) instead.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = Some(timeout);
        self
    }

    /// Calls wait as long as the server takes.
    ///
    /// `twill-api` sets its timeout on each request, which overrides the
    /// HTTP client's own; with none set, a `reqwest::Client` given to
    /// [`http_client`](Self::http_client) applies its own timeout, if it was
    /// built with one, to every call, the job log stream included. Build
    /// that client without a timeout to let calls and streams run
    /// unbounded.
    pub fn no_timeout(mut self) -> Self {
        self.config.timeout = None;
        self
    }

    /// Sends requests through this `reqwest::Client` (its pool, proxy and
    /// TLS settings) instead of one built by `twill-api`. Its own timeout
    /// applies where `twill-api` sets none (see [`no_timeout`](Self::no_timeout)),
    /// and its redirect policy replaces `twill-api`'s (which follows none).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.config.http = Some(http);
        self
    }

    /// Adds a [`Hook`] that runs around every attempt of every call, after
    /// the hooks added before it.
    pub fn hook(mut self, hook: impl Hook) -> Self {
        self.config.hooks.push(Arc::new(hook));
        self
    }

    /// Follows up to 10 redirects. Off by default: the API never redirects,
    /// and following one re-sends a POST and its body to another URL (307,
    /// 308) or turns it into a GET whose answer is decoded as the POST's
    /// (301, 302, 303). Without it, a redirect ends the call with
    /// [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse),
    /// whose `location` says where it pointed. Applies to the HTTP client
    /// `twill-api` builds, not to one passed to [`http_client`](Self::http_client).
    pub fn follow_redirects(mut self) -> Self {
        self.config.follow_redirects = true;
        self
    }

    /// Sends the key over plain `http://` to a host that is not loopback.
    ///
    /// Without it, [`build`](Self::build) refuses such a base URL with
    /// [`BuildError::InsecureHttp`]: anyone on the path would read the key.
    /// Loopback (`127.0.0.0/8`, `::1`, `localhost`, `*.localhost`, decided
    /// from the URL alone, without a DNS lookup) needs no opt-in, so
    /// `twill-mock` works as is.
    ///
    /// ```
    /// use twill_api::Client;
    /// use twill_api::client::BuildError;
    ///
    /// let refused = Client::builder().api_key("twill_sk_x").base_url("http://10.0.0.5/api/v1").build();
    /// assert!(matches!(refused, Err(BuildError::InsecureHttp(host)) if host == "10.0.0.5"));
    /// let local = Client::builder().api_key("twill_sk_x").base_url("http://localhost:8080/api/v1").build();
    /// assert!(local.is_ok());
    /// let allowed = Client::builder()
    ///     .api_key("twill_sk_x")
    ///     .base_url("http://10.0.0.5/api/v1")
    ///     .allow_insecure_http()
    ///     .build();
    /// assert!(allowed.is_ok());
    /// ```
    pub fn allow_insecure_http(mut self) -> Self {
        self.config.allow_insecure_http = true;
        self
    }

    /// Checks the configuration and builds the client. No I/O happens
    /// here: the default HTTP client, and with it the platform's root
    /// certificates, is set up on the first call.
    pub fn build(self) -> Result<Client, BuildError> {
        let config = self.config;
        let key = config.api_key.ok_or(BuildError::MissingApiKey)?;
        let authorization = authorization(&key)?;
        drop(key);
        let base = base_url(&config.base_url)?;
        if base.scheme() == "http" && !config.allow_insecure_http && !is_loopback(&base) {
            let host = base.host_str().unwrap_or_default().to_owned();
            return Err(BuildError::InsecureHttp(host));
        }
        let base_url = base.as_str().trim_end_matches('/').to_owned();
        let http = Arc::new(match config.http {
            Some(http) => Http::Given(http),
            None => Http::Default {
                plain: base.scheme() == "http",
                follow_redirects: config.follow_redirects,
                connect_timeout: config.connect_timeout,
                client: OnceLock::new(),
            },
        });
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                base,
                authorization,
                user_agent: HeaderValue::from_static(USER_AGENT),
                timeout: config.timeout,
                retry: config.retry,
                limits: config.limits,
                hooks: Hooks::new(config.hooks),
                limiter: Limiter::of(&config.rate_limits).map(Arc::new),
                deadline: None,
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.config;
        f.debug_struct("ClientBuilder")
            .field("api_key", &config.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &config.base_url)
            .field("timeout", &config.timeout)
            .field("connect_timeout", &config.connect_timeout)
            .field("retry", &config.retry)
            .field("limits", &config.limits)
            .field("rate_limits", &config.rate_limits)
            .field("http_client", &config.http.is_some())
            .field("follow_redirects", &config.follow_redirects)
            .field("allow_insecure_http", &config.allow_insecure_http)
            .field("hooks", &config.hooks.len())
            .finish()
    }
}

fn authorization(key: &str) -> Result<HeaderValue, BuildError> {
    if key.is_empty() {
        return Err(BuildError::InvalidApiKey("it is empty"));
    }
    // Visible ASCII only: a CR or LF could split the header, and a stray
    // space or control character is a copy-paste accident, not a key.
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(BuildError::InvalidApiKey(
            "it contains whitespace, control or non-ASCII characters",
        ));
    }
    let mut value = HeaderValue::try_from(format!("Bearer {key}"))
        .map_err(|_| BuildError::InvalidApiKey("it is not a valid header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Whether `url`'s host is this machine, by its spelling alone.
fn is_loopback(url: &Url) -> bool {
    // The URL parser has normalised the host: `127.1` is `127.0.0.1`, an
    // IPv6 address is bracketed, a name is lower case.
    let Some(host) = url.host_str() else {
        return false;
    };
    if let Some(ipv6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return ipv6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    }
    if let Ok(ipv4) = host.parse::<std::net::Ipv4Addr>() {
        return ipv4.is_loopback();
    }
    let name = host.trim_end_matches('.');
    name == "localhost" || name.ends_with(".localhost")
}

pub(super) fn base_url(raw: &str) -> Result<Url, BuildError> {
    let invalid = |reason| BuildError::InvalidBaseUrl(reason);
    let url = Url::parse(raw).map_err(|_| invalid("it is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("its scheme is not http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it carries credentials; pass the API key with `api_key`",
        ));
    }
    Ok(url)
}

/// Why a [`Client`] could not be built. No variant shows the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No API key was given (or `TWILL_API_KEY` is unset).
    #[error("no Twill API key: set TWILL_API_KEY or call ClientBuilder::api_key")]
    MissingApiKey,
    /// The API key cannot be sent as given.
    #[error("invalid Twill API key: {0}")]
    InvalidApiKey(&'static str),
    /// The base URL cannot be used.
    #[error("invalid Twill base URL: {0}")]
    InvalidBaseUrl(&'static str),
    /// The base URL is plain `http://` to a host that is not loopback, and
    /// [`ClientBuilder::allow_insecure_http`] was not called.
    #[error(
        "refusing to send the API key over plain http to {0}: use https, or opt in with ClientBuilder::allow_insecure_http"
    )]
    InsecureHttp(String),
}
