//! The client: where requests go, with which key, within what time.

use std::env;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::error::TransportCause;
use crate::hook::{Hook, Hooks};
use crate::response::Limits;
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

/// How long a job log stream may send nothing, not even a keep-alive,
/// before it ends with a timeout error, unless configured. An agent can
/// think silently for a while; a connection silent this long is most likely
/// dead behind a proxy.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The largest success body accepted unless configured: far above any JSON
/// answer, and room for a teleport archive.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// The longest request URL sent, in bytes: the HTTP stack's limit for a
/// request target (`http::Uri`, 65,534 bytes). A longer one is refused
/// before any I/O as [`InputProblem::UrlTooLong`](crate::InputProblem::UrlTooLong).
pub const MAX_URL_BYTES: usize = u16::MAX as usize - 1;

/// The default largest job log event, in bytes: far above any real event (a
/// trace chunk is a few KiB), low enough that an endless `data:` line ends
/// the stream instead of filling memory.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A Twill API client: a base URL, an API key and an HTTP connection pool.
///
/// Cloning is cheap (one reference count) and clones share the pool, so
/// clone it into tasks rather than wrapping it in an `Arc`.
///
/// Endpoints are methods of traits such as [`Tasks`](crate::Tasks), which
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
/// # Ok::<(), twill_api::BuildError>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

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

    /// A client configured from the environment, as in Twill's cookbook:
    ///
    /// - `TWILL_API_KEY` (required): the API key;
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
        if let Ok(key) = env::var("TWILL_API_KEY") {
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

    fn with(&self, change: impl FnOnce(&mut Inner)) -> Client {
        let mut inner = Inner {
            http: self.inner.http.clone(),
            base_url: self.inner.base_url.clone(),
            base: self.inner.base.clone(),
            authorization: self.inner.authorization.clone(),
            user_agent: self.inner.user_agent.clone(),
            timeout: self.inner.timeout,
            retry: self.inner.retry.clone(),
            limits: self.inner.limits,
            hooks: self.inner.hooks.clone(),
        };
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

/// Configures a [`Client`]; see [`Client::builder`].
#[must_use]
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Option<Option<Duration>>,
    http: Option<reqwest::Client>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<usize>,
    max_event_bytes: Option<usize>,
    stream_idle_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    follow_redirects: bool,
    allow_insecure_http: bool,
    hooks: Vec<Arc<dyn Hook>>,
}

impl ClientBuilder {
    /// The API key sent as `Authorization: Bearer <key>` (required).
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// The API root, such as `https://twill.ai/api/v1` (the default) or a
    /// `twill-mock` server's URL. Endpoint paths are appended to it.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// How failed calls are retried ([`RetryPolicy::default`] unless set:
    /// three attempts, and never a second send of a POST the server may
    /// have acted on).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest success body accepted, in bytes
    /// ([`DEFAULT_MAX_RESPONSE_BYTES`] unless set); a larger one is refused
    /// with [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// The largest job log event accepted, in bytes
    /// ([`DEFAULT_MAX_EVENT_BYTES`] unless set): the bytes of the event being
    /// assembled are counted as they arrive, and past the limit the stream
    /// ends with [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge).
    pub fn max_event_bytes(mut self, limit: usize) -> Self {
        self.max_event_bytes = Some(limit);
        self
    }

    /// The longest a job log stream may send nothing, not even a
    /// keep-alive ([`DEFAULT_STREAM_IDLE_TIMEOUT`] unless set): a silent
    /// stream then ends with a [`Transport`](crate::Error::Transport) error
    /// whose `is_timeout()` is true.
    pub fn stream_idle_timeout(mut self, idle: Duration) -> Self {
        self.stream_idle_timeout = Some(idle);
        self
    }

    /// The longest connecting (TCP and TLS) may take
    /// ([`DEFAULT_CONNECT_TIMEOUT`] unless set). Applies to the HTTP client
    /// `twill-api` builds, not to one passed to
    /// [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The longest one attempt of a call may take, from connecting to the
    /// last body byte ([`DEFAULT_TIMEOUT`] unless set). A timed-out GET is
    /// retried; a POST is not. For the job log stream it bounds connecting,
    /// the response head and a failure body; the events are bounded by
    /// [`stream_idle_timeout`](Self::stream_idle_timeout) instead.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Some(timeout));
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
        self.timeout = Some(None);
        self
    }

    /// Sends requests through this `reqwest::Client` (its pool, proxy and
    /// TLS settings) instead of one built by `twill-api`. Its own timeout
    /// applies where `twill-api` sets none (see [`no_timeout`](Self::no_timeout)),
    /// and its redirect policy replaces `twill-api`'s (which follows none).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Adds a [`Hook`] that runs around every attempt of every call, after
    /// the hooks added before it.
    pub fn hook(mut self, hook: impl Hook) -> Self {
        self.hooks.push(Arc::new(hook));
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
        self.follow_redirects = true;
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
    /// use twill_api::{BuildError, Client};
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
        self.allow_insecure_http = true;
        self
    }

    /// Checks the configuration and builds the client. No I/O happens
    /// here: the default HTTP client, and with it the platform's root
    /// certificates, is set up on the first call.
    pub fn build(self) -> Result<Client, BuildError> {
        let key = self.api_key.ok_or(BuildError::MissingApiKey)?;
        let authorization = authorization(&key)?;
        drop(key);
        let base = base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        if base.scheme() == "http" && !self.allow_insecure_http && !is_loopback(&base) {
            let host = base.host_str().unwrap_or_default().to_owned();
            return Err(BuildError::InsecureHttp(host));
        }
        let base_url = base.as_str().trim_end_matches('/').to_owned();
        let http = Arc::new(match self.http {
            Some(http) => Http::Given(http),
            None => Http::Default {
                plain: base.scheme() == "http",
                follow_redirects: self.follow_redirects,
                connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
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
                timeout: self.timeout.unwrap_or(Some(DEFAULT_TIMEOUT)),
                retry: self.retry.unwrap_or_default(),
                limits: Limits {
                    body: self
                        .max_response_bytes
                        .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                    event: self.max_event_bytes.unwrap_or(DEFAULT_MAX_EVENT_BYTES),
                    idle: self
                        .stream_idle_timeout
                        .unwrap_or(DEFAULT_STREAM_IDLE_TIMEOUT),
                },
                hooks: Hooks::new(self.hooks),
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("hooks", &self.hooks.len())
            .finish_non_exhaustive()
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

fn base_url(raw: &str) -> Result<Url, BuildError> {
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

/// The HTTP client: the one given, or the default, built on the first
/// call rather than with the [`Client`], once for the client and its clones.
///
/// For an `https://` base, building it loads the platform's root
/// certificates through rustls-platform-verifier (about 20 million
/// instructions, and file I/O; BENCHMARKS.md), which a program that never
/// sends a request (`twill --help`) should not pay. An `http://` base (a
/// local `twill-mock`) never needs them: its client is built with an empty
/// root store, so a machine without CA certificates works, and it does not
/// follow a redirect to `https://`.
enum Http {
    Given(reqwest::Client),
    Default {
        /// The base is `http://`: no TLS is ever needed.
        plain: bool,
        follow_redirects: bool,
        connect_timeout: Duration,
        /// The error is shared: every call reports it, not only the first.
        client: OnceLock<Result<reqwest::Client, Arc<reqwest::Error>>>,
    },
}

impl Http {
    fn get(&self) -> Result<&reqwest::Client, TransportCause> {
        match self {
            Http::Given(client) => Ok(client),
            Http::Default {
                plain,
                follow_redirects,
                connect_timeout,
                client,
            } => client
                .get_or_init(|| {
                    default_http(*plain, *follow_redirects, *connect_timeout).map_err(Arc::new)
                })
                .as_ref()
                .map_err(|error| TransportCause::Setup(error.clone())),
        }
    }
}

fn default_http(
    plain: bool,
    follow_redirects: bool,
    connect_timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    #[cfg(feature = "rustls-ring")]
    {
        // reqwest is built without a crypto provider of its own; *ring*
        // becomes the process default unless the application installed
        // another one first.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    }
    let redirects = match (follow_redirects, plain) {
        (false, _) => reqwest::redirect::Policy::none(),
        (true, false) => reqwest::redirect::Policy::limited(10),
        // The plain client has no roots: a redirect to https would fail
        // its handshake; say why instead.
        (true, true) => reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().scheme() != "http" {
                attempt.error("an http:// base URL does not follow a redirect to another scheme")
            } else if attempt.previous().len() > 10 {
                attempt.error("more than 10 redirects")
            } else {
                attempt.follow()
            }
        }),
    };
    let builder = reqwest::Client::builder()
        .redirect(redirects)
        .connect_timeout(connect_timeout);
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    let builder = if plain {
        // No roots to load: reqwest still builds a TLS configuration when
        // a TLS feature is on, but an empty root store costs nothing.
        builder.tls_certs_only(Vec::new())
    } else {
        builder
    };
    builder.build()
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

#[cfg(test)]
mod tests {
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
