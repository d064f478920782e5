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

use crate::error::retry_after;
use crate::error::{
    EndpointError, Error, ErrorResponse, InputProblem, InvalidInput, TransportError,
};
use crate::param::{OptionalParamValue, ParamValue, PercentEncoder};
use crate::response::{FromResponse, RawResponse};
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
            Err(error) => self.refuse("body", InputProblem::Body(error.to_string())),
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
                Outcome::Success(response) => {
                    let response = RawResponse::new(response, client.max_response_bytes())
                        .with_event_limit(client.max_event_bytes());
                    T::from_response(response).await.map_err(E::from)
                }
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
        let mut headers = HeaderMap::with_capacity(5 + self.headers.len());
        headers.insert(AUTHORIZATION, client.authorization().clone());
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
        Ok(Prepared {
            method: self.endpoint.method().to_reqwest(),
            url,
            headers,
            body: self.body,
            // A stream lasts as long as the job it follows, so the call
            // timeout would cut it short; its reader bounds the wait
            // between events.
            timeout: if self.endpoint.is_streaming() {
                None
            } else {
                client.timeout()
            },
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
    timeout: Option<Duration>,
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
    Success(reqwest::Response),
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
    attempt(client, endpoint, request).instrument(span).await
}

async fn attempt(
    client: &Client,
    endpoint: &'static Endpoint,
    prepared: Prepared,
) -> Result<Outcome, Error> {
    let policy = client.retry_policy();
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let request = prepared.attempt();
        // Header values marked sensitive (the key) print as `Sensitive`.
        tracing::trace!(attempt, ?request, "sending");
        let sent = Instant::now();
        let result = client.http().execute(request).await;
        let latency_ms = sent.elapsed().as_millis() as u64;

        let (retryable, retry_after) = match &result {
            Ok(response) if response.status().is_success() => {
                let status = response.status().as_u16();
                tracing::debug!(attempt, status, latency_ms, "answered");
                record(attempt, Some(status), started);
                return result
                    .map(Outcome::Success)
                    .map_err(|error| Error::Transport(TransportError::new(error, attempt)));
            }
            Ok(response) => {
                let status = response.status();
                tracing::debug!(attempt, status = status.as_u16(), latency_ms, "failed");
                (
                    is_retryable(Failure::Status(status), endpoint.is_idempotent()),
                    retry_after(response.headers()),
                )
            }
            Err(error) => {
                tracing::debug!(attempt, latency_ms, error = %error, "failed");
                (
                    is_retryable(Failure::Transport(error), endpoint.is_idempotent()),
                    None,
                )
            }
        };
        let delay = retryable
            .then(|| policy.delay(attempt, started.elapsed(), retry_after))
            .flatten();
        if let Some(delay) = delay {
            tracing::info!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
            drop(result);
            tokio::time::sleep(delay).await;
            attempt += 1;
            continue;
        }

        let transport = |error| Error::Transport(TransportError::new(error, attempt));
        let mut response = match result {
            Ok(response) => response,
            Err(error) => {
                record(attempt, None, started);
                return Err(transport(error));
            }
        };
        let status = response.status();
        record(attempt, Some(status.as_u16()), started);
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        while body.len() < ERROR_BODY_LIMIT {
            match response.chunk().await.map_err(transport)? {
                Some(chunk) => body.extend_from_slice(&chunk),
                None => break,
            }
        }
        body.truncate(ERROR_BODY_LIMIT);
        return Ok(Outcome::Failure(ErrorResponse {
            status,
            headers,
            body: body.into(),
            attempts: attempt,
        }));
    }
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
