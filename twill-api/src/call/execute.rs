//! Stages 2 to 4 of a call: send with retries, classify, read.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::TryFutureExt;
use futures_util::future::Either;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use tracing::{Instrument, Span};

use crate::error::{
    Answer, Error, ErrorResponse, ResponseTooLarge, Throttled, TransportCause, TransportError,
    may_have_acted,
};
use crate::hook::{AttemptEnd, AttemptRequest, Hook, HookError, RetryWait};
use crate::response::{BodyFailure, RawResponse, read_body};
use crate::retry::{Failure, is_retryable};
use crate::untrusted::Secret;
use crate::wire::retry_after;
use crate::{BoxFuture, Client, Endpoint};

/// A request ready to send, kept in parts so that each attempt gets a copy.
///
/// The body is copied rather than shared between attempts: sharing it
/// (`Bytes`) saves about 200 instructions of a call's 94,000 but costs an
/// allocation and puts the call's future over glibc's per-thread cache
/// (BENCHMARKS.md). What the client's settings say (timeouts, limits) is
/// read from the client where it is used, which keeps this, and so every
/// call's future, smaller.
pub(super) struct Prepared {
    pub(super) method: reqwest::Method,
    pub(super) url: Url,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Vec<u8>>,
}

impl Prepared {
    /// The request of one attempt, whose HTTP client bounds it, body
    /// included, by `timeout`.
    fn attempt(&self, timeout: Option<Duration>) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        *request.headers_mut() = self.headers.clone();
        *request.body_mut() = self.body.clone().map(Into::into);
        *request.timeout_mut() = timeout;
        request
    }
}

/// How an attempt is bounded in time: by the HTTP client's timeout, which
/// covers the whole body, or, for a streaming call, by a deadline on its
/// head alone. A stream lasts as long as the job it follows, so the HTTP
/// client's timeout would cut it short; its reader bounds the silence
/// between events instead.
struct Bounds {
    /// The HTTP client's timeout, body included.
    whole: Option<Duration>,
    /// The deadline's timeout, for the head and a refusal's body.
    head: Option<Duration>,
}

impl Bounds {
    fn of(client: &Client, endpoint: &Endpoint) -> Bounds {
        // A deadline ([`Client::with_deadline`]) shortens the timeout to
        // what is left of it.
        let timeout = match (client.timeout(), client.deadline()) {
            (timeout, None) => timeout,
            (timeout, Some(deadline)) => {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                Some(timeout.map_or(left, |timeout| timeout.min(left)))
            }
        };
        match timeout {
            Some(timeout) if endpoint.is_streaming() => Bounds {
                whole: None,
                head: Some(timeout),
            },
            timeout => Bounds {
                whole: timeout,
                head: None,
            },
        }
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
        // A transport failure names where it could not get to.
        .map_err(|error| match error {
            Error::Transport(transport) => Error::Transport(transport.at(client.base())),
            other => other,
        })
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
    // tokio's clock, so that the policy's time budget is what a paused
    // test clock says, as every other wait here.
    let started = tokio::time::Instant::now();
    let mut attempt = 1;
    // Whether an attempt retried so far may have been acted on, for a hook
    // that stops the next.
    let mut acted = false;
    loop {
        // A block, so that the attempt's end is gone before the next await:
        // a local moved from still keeps its room in an async fn's state
        // until its scope ends, and this one would sit in every call's
        // future for the sake of the rare retry and failure paths.
        if let Some(limiter) = client.limiter() {
            // The wait for room counts against the call's timeout. Boxed:
            // most clients set no limit.
            let deadline = client.timeout().map(|timeout| {
                tokio::time::Instant::now() + timeout.saturating_sub(started.elapsed())
            });
            let deadline = match (deadline, client.deadline()) {
                (Some(timeout), Some(deadline)) => Some(timeout.min(deadline)),
                (timeout, deadline) => timeout.or(deadline),
            };
            if let Err(wait) = Box::pin(limiter.acquire(
                deadline,
                client.retry_policy().retry_after_cap(),
                |wait| {
                    for hook in client.hooks().get().unwrap_or_default() {
                        hook.before_rate_wait(&crate::hook::RateWait { endpoint, wait });
                    }
                },
            ))
            .await
            {
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                tracing::info!(
                    attempt,
                    wait_ms,
                    "not sent: the rate limit has no room in time"
                );
                return Err(Error::Throttled(Throttled {
                    wait,
                    limits: limiter.limits(),
                    attempts_sent: attempt - 1,
                    acted,
                    server_asked: limiter.paused_by_server(),
                }));
            }
        }
        let next = {
            let ended = match send_once(client, endpoint, prepared, attempt).await {
                Ended::Stopped(error) => Ended::Stopped(error.after(attempt - 1, acted)),
                ended => ended,
            };
            let verdict = classify(&ended, endpoint, &prepared.method);
            // A 429 holds every clone back until its Retry-After.
            if let (Some(limiter), Ended::Refused(response, _), Some(wait)) =
                (client.limiter(), &ended, verdict.retry_after)
                && response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS
            {
                limiter.pause(wait);
            }
            // A wait that would end past the client's deadline is not
            // waited: the call ends with what it has.
            let delay = verdict
                .retryable
                .then(|| policy.delay(attempt, started.elapsed(), verdict.retry_after))
                .flatten()
                .filter(|delay| {
                    client
                        .deadline()
                        .is_none_or(|deadline| tokio::time::Instant::now() + *delay <= deadline)
                });
            if let Some(delay) = delay {
                tracing::info!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
                if let Some(hooks) = client.hooks().get() {
                    let wait = RetryWait {
                        endpoint,
                        attempt,
                        status: match &ended {
                            Ended::Refused(response, _) => Some(response.status()),
                            _ => None,
                        },
                        wait: delay,
                    };
                    hooks.iter().for_each(|hook| hook.before_retry(&wait));
                }
                acted |= verdict.may_have_acted;
                Next::Wait(delay)
            } else {
                let record = Record { span, started };
                match finish(ended, attempt, &record) {
                    Final::Done(outcome) => return outcome,
                    // Boxed: reading a refusal's body is the rare path.
                    Final::ReadBody(response, deadline) => Next::ReadFailure(Box::pin(
                        read_failure(response, deadline, &prepared.method, attempt, client),
                    )),
                }
            }
        };
        match next {
            Next::Wait(delay) => {
                // Boxed: a wait happens only on a retry.
                Box::pin(tokio::time::sleep(delay)).await;
                attempt += 1;
            }
            Next::ReadFailure(reading) => return reading.await,
        }
    }
}

/// What the retry loop does after an attempt that did not end the call.
enum Next<'a> {
    /// Waits, then tries again.
    Wait(Duration),
    /// Reads the last attempt's refusal.
    ReadFailure(BoxFuture<'a, Result<Outcome, Error>>),
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
///
/// Each step hands its result straight to the next rather than keeping it
/// in a local: in an async fn, a local moved from keeps its room in the
/// future until its scope ends, and the request and the HTTP client's
/// answer would then both sit in every call's future while its body is
/// read.
async fn send_once(
    client: &Client,
    endpoint: &'static Endpoint,
    prepared: &Prepared,
    attempt: u32,
) -> Ended {
    let hooks = client.hooks().get();
    let deadline = Bounds::of(client, endpoint).head.map(|timeout| Deadline {
        at: tokio::time::Instant::now() + timeout,
        timeout,
    });
    let (sending, sent) = match start(client, endpoint, prepared, attempt, hooks, deadline) {
        Ok(started) => started,
        Err(error) => return Ended::Stopped(error),
    };
    let head = Head {
        endpoint,
        hooks,
        method: &prepared.method,
        attempt,
        deadline,
    };
    let mut response = match head.answered(sending.await, sent.elapsed()) {
        Answered::Success(response) => response,
        Answered::Ended(ended) => return ended,
    };
    let (method, limits) = (&prepared.method, client.limits());
    if endpoint.is_streaming() {
        return Ended::Done(Ok(RawResponse::unread(
            response,
            method.clone(),
            attempt,
            limits,
            Secret::new(client.authorization()),
        )));
    }
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    match read_body(&mut response, limits.body).await {
        Ok(body) => Ended::Done(Ok(RawResponse::read(
            status,
            headers,
            Secret::new(client.authorization()).scrub(body),
            method.clone(),
            attempt,
            limits,
        ))),
        Err(BodyFailure::TooLarge) => Ended::Done(Err(Error::ResponseTooLarge(ResponseTooLarge {
            answer: Answer::new(status, method.clone(), attempt),
            limit: limits.body,
        }))),
        Err(BodyFailure::Http(error)) => {
            let error =
                TransportError::new(TransportCause::Http(error), method, Some(status), attempt);
            tracing::debug!(attempt, status = status.as_u16(), %error, "body failed");
            Ended::Failed(error)
        }
    }
}

/// Makes the attempt's request, lets the hooks see it (or stop it), and
/// hands it to the HTTP client; returns the answer to await and when it
/// was sent.
///
/// Most calls have no deadline of their own; those that do carry a timer,
/// boxed so that the others have no room for it.
fn start<'a>(
    client: &'a Client,
    endpoint: &'static Endpoint,
    prepared: &Prepared,
    attempt: u32,
    hooks: Option<&[Arc<dyn Hook>]>,
    deadline: Option<Deadline>,
) -> Result<
    (
        impl Future<Output = Result<reqwest::Response, TransportCause>> + Send + use<'a>,
        Instant,
    ),
    HookError,
> {
    let mut request = prepared.attempt(Bounds::of(client, endpoint).whole);
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
                return Err(error);
            }
        }
        request
            .headers_mut()
            .insert(AUTHORIZATION, client.authorization().clone());
    }
    // Header values marked sensitive (the key) print as `Sensitive`.
    tracing::trace!(attempt, ?request, "sending");
    let sent = Instant::now();
    let sending = match (client.http(), deadline) {
        (Ok(http), None) => Either::Left(http.execute(request).map_err(TransportCause::Http)),
        (Ok(http), deadline) => {
            let boxed: BoxFuture<'a, _> = Box::pin(within(deadline, http.execute(request)));
            Either::Right(boxed)
        }
        (Err(cause), _) => {
            let boxed: BoxFuture<'a, _> = Box::pin(std::future::ready(Err(cause)));
            Either::Right(boxed)
        }
    };
    Ok((sending, sent))
}

/// Where an attempt's answer is judged: the hooks that see it and what the
/// trace says of it.
struct Head<'a> {
    endpoint: &'static Endpoint,
    hooks: Option<&'a [Arc<dyn Hook>]>,
    method: &'a reqwest::Method,
    attempt: u32,
    deadline: Option<Deadline>,
}

impl Head<'_> {
    /// The response if it is a success; otherwise how the attempt ended.
    fn answered(
        &self,
        result: Result<reqwest::Response, TransportCause>,
        latency: Duration,
    ) -> Answered {
        let Head {
            endpoint,
            hooks,
            method,
            attempt,
            deadline,
        } = *self;
        let latency_ms = latency.as_millis() as u64;
        let response = match result {
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
                return Answered::Ended(Ended::Failed(error));
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
            return Answered::Ended(Ended::Refused(response, deadline));
        }
        tracing::debug!(attempt, status = status.as_u16(), latency_ms, "answered");
        Answered::Success(response)
    }
}

/// An attempt's answer, judged.
enum Answered {
    /// A success, its body still to read.
    Success(reqwest::Response),
    Ended(Ended),
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
    client: &Client,
) -> Result<Outcome, Error> {
    let status = response.status();
    let mut headers = std::mem::take(response.headers_mut());
    let secret = Secret::new(client.authorization());
    // The headers an error shows (a redirect's target).
    if let Some(location) = headers.get_mut(reqwest::header::LOCATION) {
        secret.scrub_header(location);
    }
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
        body: secret.scrub(body.into()),
        method: method.clone(),
        attempts,
    }))
}

/// The call's span, to complete when the call ends.
struct Record<'a> {
    span: &'a Span,
    started: tokio::time::Instant,
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
