//! What generated endpoint methods call. Not public API: the macro and this
//! module change together.
//!
//! Each endpoint expands to a chain on [`Call`]: the path pieces, queries,
//! headers and body in declaration order, then [`Call::send`]. The chain
//! builds the whole request before the returned future is first polled, so a
//! refused argument is reported without any I/O, and only `send` (generic in
//! the decoded types alone) is instantiated per endpoint.

use std::future::Future;
use std::time::{Duration, Instant};

use tracing::Instrument;

use reqwest::Url;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue,
    USER_AGENT,
};
use serde::Serialize;

use crate::error::may_have_acted;
use crate::error::{
    EndpointError, Error, ErrorResponse, InputProblem, InvalidInput, ResponseTooLarge,
    TransportCause, TransportError,
};
use crate::hook::{AttemptEnd, AttemptRequest, HookError};
use crate::param::{OptionalParamValue, ParamValue, PercentEncoder};
use crate::response::{BodyFailure, FromResponse, Limits, RawResponse, read_body};
use crate::retry::retry_after;
use crate::retry::{Failure, is_retryable};
use crate::{Client, Endpoint};

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A request being built by a generated method.
#[must_use = "a call does nothing until `send` is awaited"]
pub struct Call<'a> {
    client: &'a Client,
    endpoint: &'static Endpoint,
    url: String,
    has_query: bool,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Vec<u8>>,
    /// The first argument refused; the rest of the chain does nothing.
    error: Option<InvalidInput>,
}

impl<'a> Call<'a> {
    pub fn new(client: &'a Client, endpoint: &'static Endpoint) -> Self {
        let base = client.base_url();
        let mut url = String::with_capacity(base.len() + endpoint.path().len() + 16);
        url.push_str(base);
        Call {
            client,
            endpoint,
            url,
            has_query: false,
            headers: Vec::new(),
            body: None,
            error: None,
        }
    }

    /// Appends literal path text from the template.
    pub fn literal(mut self, text: &str) -> Self {
        self.url.push_str(text);
        self
    }

    /// Appends one percent-encoded path segment.
    pub fn segment<V: ParamValue + ?Sized>(mut self, placeholder: &'static str, value: &V) -> Self {
        if self.error.is_some() {
            return self;
        }
        let start = self.url.len();
        if value
            .write_param(&mut PercentEncoder(&mut self.url))
            .is_err()
        {
            return self.refuse(placeholder, InputProblem::Format);
        }
        // `.` is unreserved, so the encoded text is `.` or `..` exactly when
        // the value was.
        match &self.url[start..] {
            "" => self.refuse(placeholder, InputProblem::EmptySegment),
            "." | ".." => self.refuse(placeholder, InputProblem::DotSegment),
            _ => self,
        }
    }

    /// Appends `name=value` to the query, unless the value is `None`.
    pub fn query<V: OptionalParamValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        let Some(value) = value.param_value() else {
            return self;
        };
        if self.error.is_some() {
            return self;
        }
        self.url.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        self.url.push_str(name);
        self.url.push('=');
        if value
            .write_param(&mut PercentEncoder(&mut self.url))
            .is_err()
        {
            return self.refuse(name, InputProblem::Format);
        }
        self
    }

    /// Adds a header, unless the value is `None`. `name` is a lower-case
    /// token, checked by the macro.
    pub fn header<V: OptionalParamValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        let Some(value) = value.param_value() else {
            return self;
        };
        if self.error.is_some() {
            return self;
        }
        let mut text = String::new();
        if value.write_param(&mut text).is_err() {
            return self.refuse(name, InputProblem::Format);
        }
        match HeaderValue::try_from(text) {
            Ok(mut value) => {
                // A declared header may carry a credential of its own: keep
                // it out of traces, as the key is.
                value.set_sensitive(true);
                self.headers.push((HeaderName::from_static(name), value));
                self
            }
            Err(_) => self.refuse(name, InputProblem::InvalidHeaderValue),
        }
    }

    /// Serializes the JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        if self.error.is_some() {
            return self;
        }
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(bytes);
                self
            }
            Err(error) => self.refuse("body", InputProblem::Body(error)),
        }
    }

    fn refuse(mut self, parameter: &'static str, problem: InputProblem) -> Self {
        self.error = Some(InvalidInput {
            endpoint: self.endpoint.name(),
            parameter,
            problem,
        });
        self
    }

    /// Sends the request and decodes the response into `T`, or the failure
    /// into `E`.
    pub fn send<T, E>(self) -> impl Future<Output = Result<T, E>> + Send + 'a
    where
        T: FromResponse,
        E: EndpointError,
    {
        let client = self.client;
        let endpoint = self.endpoint;
        let request = self.into_request(T::ACCEPT);
        async move {
            match execute(client, endpoint, request?).await? {
                Outcome::Success(response) => T::from_response(response).await.map_err(E::from),
                Outcome::Failure(response) => Err(E::from_response(response)),
            }
        }
    }

    /// Sends `{}` as the body, for the endpoints that want an empty object.
    pub fn empty_object(mut self) -> Self {
        self.body = Some(b"{}".to_vec());
        self
    }

    fn into_request(self, accept: &'static str) -> Result<Prepared, Error> {
        if let Some(error) = self.error {
            return Err(Error::InvalidInput(error));
        }
        let url = Url::parse(&self.url).map_err(|_| {
            Error::InvalidInput(InvalidInput {
                endpoint: self.endpoint.name(),
                parameter: "url",
                problem: InputProblem::InvalidUrl,
            })
        })?;
        let client = self.client;
        // `Authorization` is added to each attempt after the hooks run, so
        // that none of them can read the key.
        let mut headers = HeaderMap::with_capacity(5 + self.headers.len());
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        headers.insert(USER_AGENT, client.user_agent().clone());
        if self.body.is_some() {
            headers.insert(CONTENT_TYPE, APPLICATION_JSON);
        }
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        if self.body.is_none() && self.endpoint.method().takes_body() {
            // Some proxies refuse a POST without a length (411).
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        // A stream lasts as long as the job it follows, so the HTTP
        // client's timeout, which covers the whole body, would cut it
        // short: the call timeout bounds its head here instead, and its
        // reader the silence between events.
        let streaming = self.endpoint.is_streaming();
        Ok(Prepared {
            method: self.endpoint.method().to_reqwest(),
            url,
            headers,
            body: self.body,
            timeout: client.timeout().filter(|_| !streaming),
            head_timeout: client.timeout().filter(|_| streaming),
            limits: client.limits(),
        })
    }
}

/// A request ready to send, kept in parts so that each attempt gets a copy.
///
/// The body is copied rather than shared between attempts: holding a
/// second reference to the body while hyper sent it cost 13% more client
/// CPU per call in the benchmarks (BENCHMARKS.md), far more than copying a
/// JSON body.
struct Prepared {
    method: reqwest::Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    /// The HTTP client's timeout for each attempt, body included.
    timeout: Option<Duration>,
    /// A streaming call's timeout for each attempt's head and failure body.
    head_timeout: Option<Duration>,
    limits: Limits,
}

impl Prepared {
    fn attempt(&self) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        *request.headers_mut() = self.headers.clone();
        *request.body_mut() = self.body.clone().map(Into::into);
        *request.timeout_mut() = self.timeout;
        request
    }
}

/// The most of a failure body kept: enough for any error JSON, bounded
/// against a server that streams an endless error page.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

enum Outcome {
    /// A success, its body read unless the call streams.
    Success(RawResponse),
    Failure(ErrorResponse),
}

/// The part of a call that does not depend on the decoded types, so that it
/// is compiled once rather than once per endpoint: attempts, retries and
/// their trace.
async fn execute(
    client: &Client,
    endpoint: &'static Endpoint,
    request: Prepared,
) -> Result<Outcome, Error> {
    let span = tracing::debug_span!(
        "twill_api::call",
        endpoint = endpoint.name(),
        method = endpoint.method().as_str(),
        path = endpoint.path(),
        status = tracing::field::Empty,
        attempts = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    with_retries(client, endpoint, request)
        .instrument(span)
        .await
}

/// How one attempt ended.
enum Ended {
    /// Done, whatever the retry policy: a success (read), or a success too
    /// large to read.
    Done(Result<RawResponse, Error>),
    /// A failure status; its body is read only if it is the last attempt.
    Refused(reqwest::Response, Option<Deadline>),
    /// No answer, or a success whose body failed partway.
    Failed(TransportError),
    /// A hook refused to send it.
    Stopped(HookError),
}

/// When a streaming call's attempt must have its head, and the timeout
/// that set it (for the error).
#[derive(Clone, Copy)]
struct Deadline {
    at: tokio::time::Instant,
    timeout: Duration,
}

async fn with_retries(
    client: &Client,
    endpoint: &'static Endpoint,
    prepared: Prepared,
) -> Result<Outcome, Error> {
    let policy = client.retry_policy();
    let started = Instant::now();
    let mut attempt = 1;
    // Whether an attempt retried so far may have been acted on, for a hook
    // that stops the next.
    let mut acted = false;
    loop {
        let ended = match try_once(client, endpoint, &prepared, attempt).await {
            Ended::Stopped(error) => Ended::Stopped(error.after(attempt - 1, acted)),
            ended => ended,
        };
        let (retryable, retry_after) = match &ended {
            Ended::Done(_) | Ended::Stopped(_) => (false, None),
            Ended::Refused(response, _) => (
                is_retryable(Failure::Status(response.status()), endpoint.is_idempotent()),
                retry_after(response.headers()),
            ),
            Ended::Failed(error) => (
                is_retryable(Failure::Transport(error), endpoint.is_idempotent()),
                None,
            ),
        };
        if retryable && let Some(delay) = policy.delay(attempt, started.elapsed(), retry_after) {
            tracing::info!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
            acted |= match &ended {
                Ended::Refused(response, _) => {
                    may_have_acted(&prepared.method, Some(response.status()), true)
                }
                Ended::Failed(error) => error.may_have_acted(),
                Ended::Done(_) | Ended::Stopped(_) => false,
            };
            drop(ended);
            tokio::time::sleep(delay).await;
            attempt += 1;
            continue;
        }
        return finish(ended, &prepared.method, attempt, started).await;
    }
}

/// Sends one attempt and, for a success that does not stream, reads its
/// body, so that a body cut short is retried like a lost connection.
async fn try_once(
    client: &Client,
    endpoint: &'static Endpoint,
    prepared: &Prepared,
    attempt: u32,
) -> Ended {
    let mut request = prepared.attempt();
    let hooks = client.hooks().get();
    if let Some(hooks) = hooks {
        let mut view = AttemptRequest {
            endpoint,
            attempt,
            method: &prepared.method,
            url: &prepared.url,
            headers: request.headers_mut(),
        };
        for hook in hooks {
            if let Err(error) = hook.before_attempt(&mut view) {
                tracing::debug!(attempt, %error, "stopped by a hook");
                return Ended::Stopped(error);
            }
        }
    }
    request
        .headers_mut()
        .insert(AUTHORIZATION, client.authorization().clone());
    // Header values marked sensitive (the key) print as `Sensitive`.
    tracing::trace!(attempt, ?request, "sending");
    let sent = Instant::now();
    let deadline = prepared.head_timeout.map(|timeout| Deadline {
        at: tokio::time::Instant::now() + timeout,
        timeout,
    });
    let result = within(deadline, client.http().execute(request)).await;
    let latency = sent.elapsed();
    let latency_ms = latency.as_millis() as u64;
    let method = &prepared.method;
    let mut response = match result {
        Ok(response) => response,
        Err(cause) => {
            let error = TransportError::new(cause, method, None, attempt);
            tracing::debug!(attempt, latency_ms, %error, "failed");
            if let Some(hooks) = hooks {
                let end = AttemptEnd {
                    endpoint,
                    attempt,
                    latency,
                    outcome: Err(&error),
                };
                hooks.iter().for_each(|hook| hook.after_attempt(&end));
            }
            return Ended::Failed(error);
        }
    };
    let status = response.status();
    if let Some(hooks) = hooks {
        let end = AttemptEnd {
            endpoint,
            attempt,
            latency,
            outcome: Ok((status, response.headers())),
        };
        hooks.iter().for_each(|hook| hook.after_attempt(&end));
    }
    if !status.is_success() {
        tracing::debug!(attempt, status = status.as_u16(), latency_ms, "failed");
        return Ended::Refused(response, deadline);
    }
    tracing::debug!(attempt, status = status.as_u16(), latency_ms, "answered");
    let limits = prepared.limits;
    if endpoint.is_streaming() {
        return Ended::Done(Ok(RawResponse::unread(
            response,
            method.clone(),
            attempt,
            limits,
        )));
    }
    let headers = std::mem::take(response.headers_mut());
    let read = match read_body(&mut response, limits.body).await {
        Ok(body) => RawResponse::read(status, headers, body, method.clone(), attempt, limits),
        Err(BodyFailure::TooLarge) => {
            return Ended::Done(Err(Error::ResponseTooLarge(ResponseTooLarge {
                status,
                limit: limits.body,
                method: method.clone(),
                attempts: attempt,
            })));
        }
        Err(BodyFailure::Http(error)) => {
            let error =
                TransportError::new(TransportCause::Http(error), method, Some(status), attempt);
            tracing::debug!(attempt, status = status.as_u16(), %error, "body failed");
            return Ended::Failed(error);
        }
    };
    Ended::Done(Ok(read))
}

/// Awaits `future` until `deadline`, if there is one.
async fn within<T>(
    deadline: Option<Deadline>,
    future: impl Future<Output = Result<T, reqwest::Error>>,
) -> Result<T, TransportCause> {
    match deadline {
        None => future.await.map_err(TransportCause::Http),
        Some(Deadline { at, timeout }) => match tokio::time::timeout_at(at, future).await {
            Ok(result) => result.map_err(TransportCause::Http),
            Err(_) => Err(TransportCause::NoAnswer(timeout)),
        },
    }
}

/// The call's result from its last attempt: a failure body is read here.
async fn finish(
    ended: Ended,
    method: &reqwest::Method,
    attempts: u32,
    started: Instant,
) -> Result<Outcome, Error> {
    let (mut response, deadline) = match ended {
        Ended::Done(result) => {
            let status = match &result {
                Ok(response) => response.status(),
                Err(error) => error.status().unwrap_or_default(),
            };
            record(attempts, Some(status.as_u16()), started);
            return result.map(Outcome::Success);
        }
        Ended::Failed(error) => {
            record(
                attempts,
                error.status().map(|status| status.as_u16()),
                started,
            );
            return Err(Error::Transport(error));
        }
        Ended::Stopped(error) => {
            record(attempts - 1, None, started);
            return Err(Error::Hook(Box::new(error)));
        }
        Ended::Refused(response, deadline) => (response, deadline),
    };
    let status = response.status();
    record(attempts, Some(status.as_u16()), started);
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_LIMIT {
        match within(deadline, response.chunk()).await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(cause) => {
                let error = TransportError::new(cause, method, Some(status), attempts);
                return Err(Error::Transport(error));
            }
        }
    }
    body.truncate(ERROR_BODY_LIMIT);
    Ok(Outcome::Failure(ErrorResponse {
        status,
        headers,
        body: body.into(),
        method: method.clone(),
        attempts,
    }))
}
/// Completes the call's span.
fn record(attempts: u32, status: Option<u16>, started: Instant) {
    let span = tracing::Span::current();
    span.record("attempts", attempts);
    if let Some(status) = status {
        span.record("status", status);
    }
    span.record("latency_ms", started.elapsed().as_millis() as u64);
}
