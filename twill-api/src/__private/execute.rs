//! Stages 2 to 4 of a call: send with retries, classify, read.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use tracing::{Instrument, Span};

use crate::error::{
    Error, ErrorResponse, ResponseTooLarge, TransportCause, TransportError, may_have_acted,
};
use crate::hook::{AttemptEnd, AttemptRequest, HookError};
use crate::response::{BodyFailure, Limits, RawResponse, read_body};
use crate::retry::{Failure, is_retryable, retry_after};
use crate::{Client, Endpoint};

/// A request ready to send, kept in parts so that each attempt gets a copy.
///
/// The body is copied rather than shared between attempts: holding a
/// second reference to the body while hyper sent it cost 13% more client
/// CPU per call in the benchmarks (BENCHMARKS.md), far more than copying a
/// JSON body.
pub(super) struct Prepared {
    pub(super) method: reqwest::Method,
    pub(super) url: Url,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Vec<u8>>,
    /// The HTTP client's timeout for each attempt, body included.
    pub(super) timeout: Option<Duration>,
    /// A streaming call's timeout for each attempt's head and failure body.
    pub(super) head_timeout: Option<Duration>,
    pub(super) limits: Limits,
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

pub(super) enum Outcome {
    /// A success, its body read unless the call streams.
    Success(RawResponse),
    Failure(ErrorResponse),
}

/// The part of a call that does not depend on the decoded types, so that it
/// is compiled once rather than once per endpoint: attempts, retries and
/// their trace.
pub(super) async fn execute(
    client: &Client,
    endpoint: &'static Endpoint,
    request: &Prepared,
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
    send_with_retries(client, endpoint, request, &span)
        .instrument(span.clone())
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

/// Stage 2: attempts until one is final, waiting between them as the
/// retry policy says.
async fn send_with_retries(
    client: &Client,
    endpoint: &'static Endpoint,
    prepared: &Prepared,
    span: &Span,
) -> Result<Outcome, Error> {
    let policy = client.retry_policy();
    let started = Instant::now();
    let mut attempt = 1;
    // Whether an attempt retried so far may have been acted on, for a hook
    // that stops the next.
    let mut acted = false;
    loop {
        let ended = match send_once(client, endpoint, prepared, attempt).await {
            Ended::Stopped(error) => Ended::Stopped(error.after(attempt - 1, acted)),
            ended => ended,
        };
        let verdict = classify(&ended, endpoint, &prepared.method);
        let delay = verdict
            .retryable
            .then(|| policy.delay(attempt, started.elapsed(), verdict.retry_after))
            .flatten();
        if let Some(delay) = delay {
            tracing::info!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
            acted |= verdict.may_have_acted;
            drop(ended);
            // Boxed: a wait happens only on a retry, and the call's future
            // should not carry a timer's room on every call.
            Box::pin(tokio::time::sleep(delay)).await;
            attempt += 1;
            continue;
        }
        let (method, record) = (&prepared.method, Record { span, started });
        return match finish(ended, attempt, &record) {
            Final::Done(outcome) => outcome,
            // Boxed: reading a refusal's body is the rare path, and its
            // state would otherwise make every call's future larger.
            Final::ReadBody(response, deadline) => {
                Box::pin(read_failure(response, deadline, method, attempt)).await
            }
        };
    }
}

/// What the retry loop needs to know of an attempt's end.
struct Verdict {
    retryable: bool,
    retry_after: Option<Duration>,
    may_have_acted: bool,
}

/// Stage 3: whether an attempt may be retried (the rules are retry.rs's),
/// the wait the server asked for, and whether it may have been acted on.
fn classify(ended: &Ended, endpoint: &'static Endpoint, method: &reqwest::Method) -> Verdict {
    let idempotent = endpoint.is_idempotent();
    match ended {
        Ended::Done(_) | Ended::Stopped(_) => Verdict {
            retryable: false,
            retry_after: None,
            may_have_acted: false,
        },
        Ended::Refused(response, _) => Verdict {
            retryable: is_retryable(Failure::Status(response.status()), idempotent),
            retry_after: retry_after(response.headers()),
            may_have_acted: may_have_acted(method, Some(response.status()), true),
        },
        Ended::Failed(error) => Verdict {
            retryable: is_retryable(Failure::Transport(error), idempotent),
            retry_after: None,
            may_have_acted: error.may_have_acted(),
        },
    }
}

/// Stage 2a: sends one attempt (hooks around it) and, for a success that
/// does not stream, reads its body, so that a body cut short is retried
/// like a lost connection.
async fn send_once(
    client: &Client,
    endpoint: &'static Endpoint,
    prepared: &Prepared,
    attempt: u32,
) -> Ended {
    let mut request = prepared.attempt();
    let hooks = client.hooks().get();
    if let Some(hooks) = hooks {
        // Out of the hooks' sight, and back over whatever they set: the
        // prepared headers keep it so that a call without hooks pays
        // nothing for this.
        request.headers_mut().remove(AUTHORIZATION);
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
        request
            .headers_mut()
            .insert(AUTHORIZATION, client.authorization().clone());
    }
    // Header values marked sensitive (the key) print as `Sensitive`.
    tracing::trace!(attempt, ?request, "sending");
    let sent = Instant::now();
    let deadline = prepared.head_timeout.map(|timeout| Deadline {
        at: tokio::time::Instant::now() + timeout,
        timeout,
    });
    let result = match (client.http(), deadline) {
        (Ok(http), None) => http.execute(request).await.map_err(TransportCause::Http),
        // Boxed: only streaming calls have a deadline here, and its timer
        // would otherwise take room in every call's future.
        (Ok(http), deadline) => Box::pin(within(deadline, http.execute(request))).await,
        (Err(cause), _) => Err(cause),
    };
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

/// Stage 4: the call's result from its last attempt, or the refusal whose
/// body is still to be read (only here, so retried failures are dropped
/// unread).
fn finish(ended: Ended, attempts: u32, record: &Record<'_>) -> Final {
    Final::Done(match ended {
        Ended::Done(result) => {
            let status = match &result {
                Ok(response) => response.status(),
                Err(error) => error.status().unwrap_or_default(),
            };
            record.done(attempts, Some(status.as_u16()));
            result.map(Outcome::Success)
        }
        Ended::Failed(error) => {
            record.done(attempts, error.status().map(|status| status.as_u16()));
            Err(Error::Transport(error))
        }
        Ended::Stopped(error) => {
            record.done(attempts - 1, None);
            Err(Error::Hook(Box::new(error)))
        }
        Ended::Refused(response, deadline) => {
            record.done(attempts, Some(response.status().as_u16()));
            return Final::ReadBody(response, deadline);
        }
    })
}

/// What the last attempt leaves to do.
enum Final {
    /// Nothing: the call's result.
    Done(Result<Outcome, Error>),
    /// Read the refusal's body.
    ReadBody(reqwest::Response, Option<Deadline>),
}

/// Reads a refusal's body, up to [`ERROR_BODY_LIMIT`], for its error.
async fn read_failure(
    mut response: reqwest::Response,
    deadline: Option<Deadline>,
    method: &reqwest::Method,
    attempts: u32,
) -> Result<Outcome, Error> {
    let status = response.status();
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

/// The call's span, to complete when the call ends.
struct Record<'a> {
    span: &'a Span,
    started: Instant,
}

impl Record<'_> {
    /// Completes the call's span (its own, never the caller's).
    fn done(&self, attempts: u32, status: Option<u16>) {
        self.span.record("attempts", attempts);
        if let Some(status) = status {
            self.span.record("status", status);
        }
        let latency_ms = self.started.elapsed().as_millis() as u64;
        self.span.record("latency_ms", latency_ms);
    }
}
