//! Code that runs around every attempt of every call, knowing which declared
//! endpoint it runs for.
//!
//! A [`Hook`] is registered on the [`ClientBuilder`](crate::ClientBuilder)
//! rather than wrapped around the transport as a tower `Layer`: a layer sees
//! a bare HTTP request, so the endpoint it belongs to would have to travel in
//! request extensions, the key would be readable in its headers, and every
//! call would pay for a boxed service. A hook is handed the
//! [`Endpoint`] itself, sees the headers before the key is added, and costs
//! one check of an empty list when none is set.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};

use crate::Endpoint;
pub use crate::error::HookError;
use crate::error::TransportError;

/// Runs before each attempt of every call and after each attempt ends.
///
/// Several hooks run in the order they were added, `before_attempt` and
/// `after_attempt` alike. A hook never sees the API key: `Authorization` is
/// added after `before_attempt`, over any value a hook set.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use twill_api::Client;
/// use twill_api::hook::{Hook, AttemptRequest, AttemptEnd, HookError};
///
/// /// Adds the tenant header and counts attempts.
/// struct Tenant(&'static str, AtomicU64);
///
/// impl Hook for Tenant {
///     fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), HookError> {
///         request.headers_mut().insert("x-tenant", self.0.parse().unwrap());
///         Ok(())
///     }
///
///     fn after_attempt(&self, end: &AttemptEnd<'_>) {
///         self.1.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let client = Client::builder()
///     .api_key("twill_sk_example")
///     .hook(Tenant("acme", AtomicU64::new(0)))
///     .build()?;
/// # Ok::<(), twill_api::client::BuildError>(())
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Before an attempt is sent: add or change headers, or fail the call
    /// without sending it (the call returns
    /// [`Error::Hook`](crate::Error::Hook) with this error).
    fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), HookError> {
        let _ = request;
        Ok(())
    }

    /// After an attempt ends: with its response head, or with the failure
    /// that left it without one. Runs for every attempt, retried or not.
    fn after_attempt(&self, end: &AttemptEnd<'_>) {
        let _ = end;
    }

    /// Before the wait for a retry: the attempt that failed, its status
    /// and how long the call now waits (a 429's `Retry-After`, or the
    /// backoff). For a program that should say why it is silent.
    fn before_retry(&self, retry: &RetryWait) {
        let _ = retry;
    }

    /// Before a call waits for room in the client's rate limit (its own
    /// limits, or a 429's pause that another call drew): how long it
    /// waits. Nothing has been sent for it yet. For a program that shows
    /// why it is slow ("waiting 3 s for the rate limit").
    fn before_rate_wait(&self, wait: &RateWait) {
        let _ = wait;
    }
}

/// A call about to wait for room in the rate limit; see
/// [`Hook::before_rate_wait`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RateWait {
    /// The declared endpoint the call is for.
    pub endpoint: &'static Endpoint,
    /// How long until it may go.
    pub wait: Duration,
}

/// A retry about to wait; see [`Hook::before_retry`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryWait {
    /// The declared endpoint the call is for.
    pub endpoint: &'static Endpoint,
    /// The number of the attempt that failed, 1 for the first.
    pub attempt: u32,
    /// Its status, when a response came (429, 503, ...).
    pub status: Option<StatusCode>,
    /// How long until the next attempt.
    pub wait: Duration,
}

/// An attempt about to be sent, as a [`Hook`] sees it.
pub struct AttemptRequest<'a> {
    pub(crate) endpoint: &'static Endpoint,
    pub(crate) attempt: u32,
    pub(crate) method: &'a Method,
    pub(crate) url: &'a Url,
    pub(crate) headers: &'a mut HeaderMap,
}

impl AttemptRequest<'_> {
    /// The declared endpoint the call is for: name, template, idempotency,
    /// parameters.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }

    /// The attempt's number, 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The full URL, placeholders filled in and query added.
    pub fn url(&self) -> &Url {
        self.url
    }

    /// The headers so far, without `Authorization`.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The headers, to add or change one. `Authorization` is set after the
    /// hooks run, whatever they put there.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.headers
    }
}

impl fmt::Debug for AttemptRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptRequest")
            .field("endpoint", &self.endpoint.name())
            .field("attempt", &self.attempt)
            .field("method", self.method)
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// How an attempt ended, as a [`Hook`] sees it.
pub struct AttemptEnd<'a> {
    pub(crate) endpoint: &'static Endpoint,
    pub(crate) attempt: u32,
    pub(crate) latency: Duration,
    pub(crate) outcome: Result<(StatusCode, &'a HeaderMap), &'a TransportError>,
}

impl AttemptEnd<'_> {
    /// The declared endpoint the call is for.
    pub fn endpoint(&self) -> &'static Endpoint {
        self.endpoint
    }

    /// The attempt's number, 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// From sending to the response head (or the failure).
    pub fn latency(&self) -> Duration {
        self.latency
    }

    /// The response's status, if a response head arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.outcome.as_ref().ok().map(|(status, _)| *status)
    }

    /// The response's headers, if a response head arrived.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.outcome.as_ref().ok().map(|(_, headers)| *headers)
    }

    /// The server's request id (`x-request-id` or `request-id`), if it sent
    /// one.
    pub fn request_id(&self) -> Option<&str> {
        self.headers().and_then(crate::wire::request_id)
    }

    /// Why no response head arrived, if none did.
    pub fn error(&self) -> Option<&TransportError> {
        self.outcome.as_ref().err().copied()
    }
}

impl fmt::Debug for AttemptEnd<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptEnd")
            .field("endpoint", &self.endpoint.name())
            .field("attempt", &self.attempt)
            .field("latency", &self.latency)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// The hooks of a client, in the order added; cheap to clone with it.
#[derive(Clone, Default)]
pub(crate) struct Hooks(Option<Arc<[Arc<dyn Hook>]>>);

impl Hooks {
    pub(crate) fn new(hooks: Vec<Arc<dyn Hook>>) -> Self {
        if hooks.is_empty() {
            Hooks(None)
        } else {
            Hooks(Some(hooks.into()))
        }
    }

    /// The hooks, or `None` when there are none, so the caller skips the
    /// work of building their views.
    pub(crate) fn get(&self) -> Option<&[Arc<dyn Hook>]> {
        self.0.as_deref()
    }

    /// These hooks and then `hook`.
    pub(crate) fn and(&self, hook: Arc<dyn Hook>) -> Self {
        let mut hooks: Vec<Arc<dyn Hook>> = self.get().map(<[_]>::to_vec).unwrap_or_default();
        hooks.push(hook);
        Hooks::new(hooks)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |hooks| hooks.len())
    }
}

/// A shared hook, so that the caller keeps a handle on it (to read the
/// metrics it gathered, say).
impl<H: Hook> Hook for Arc<H> {
    fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), HookError> {
        (**self).before_attempt(request)
    }

    fn after_attempt(&self, end: &AttemptEnd<'_>) {
        (**self).after_attempt(end);
    }

    fn before_retry(&self, retry: &RetryWait) {
        (**self).before_retry(retry);
    }

    fn before_rate_wait(&self, wait: &RateWait) {
        (**self).before_rate_wait(wait);
    }
}
