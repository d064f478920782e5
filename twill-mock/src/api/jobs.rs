//! `/jobs/<jobId>`: the log stream (server-sent events) and cancel.

use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::AppState;
use super::fields::EmptyObject;
use crate::clock::timestamp;
use crate::reply::{ApiError, Reply};
use crate::store::Status;

/// How often a live stream looks at its job.
const POLL: Duration = Duration::from_millis(20);
/// Polls between two keep-alive comments.
const KEEP_ALIVE_EVERY: u32 = 25;

pub(crate) async fn cancel(state: AppState, Path(job): Path<String>, _: EmptyObject) -> Reply {
    let now = state.clock.now();
    let mut store = state.store();
    let key = store.find_job(&job).ok_or(NOT_FOUND)?;
    let timing = store.timing();
    let job = store.job_mut(key);
    if !job.status(now, timing).is_finished() {
        job.cancelled_at = Some(now);
    }
    Ok(Json(
        json!({ "success": true, "job": job.summary(now, timing) }),
    ))
}

const NOT_FOUND: ApiError = ApiError::NotFound("Job");

fn event(data: &Value) -> Bytes {
    Bytes::from(format!("data: {data}\n\n"))
}

/// The documented sequence: `connected`; the history (`trace_url` for a
/// finished job, `trace_chunks` and `trace_records` for a running one);
/// `historical_complete`; live `status` events as the job moves, with
/// keep-alive comments; `complete`. [`Faults`](crate::Faults) change it:
/// an `error` event in place of `complete`, silence after the history, or
/// a wait before every event.
pub(crate) async fn logs(state: AppState, Path(job): Path<String>) -> Reply<Response> {
    let faults = state.faults();
    let (key, head, last) = {
        let now = state.clock.now();
        let store = state.store();
        let key = store.find_job(&job).ok_or(NOT_FOUND)?;
        let timing = store.timing();
        let job = &store.task(key.0).jobs[key.1];
        let status = job.status(now, timing);
        let mut head = vec![
            Bytes::from_static(b": twill-mock log stream\n\n"),
            event(&json!({ "type": "connected", "jobId": job.id })),
        ];
        if status.is_finished() {
            head.push(event(&json!({
                "type": "trace_url",
                "url": format!("https://twill.ai/traces/{}.jsonl", job.id),
                "expiresAt": timestamp(now + Duration::from_secs(3600)),
            })));
        } else {
            head.push(event(&json!({
                "type": "trace_chunks",
                "chunks": [{ "index": 0, "text": format!("Working on: {}", job.input) }],
            })));
            head.push(event(&json!({
                "type": "trace_records",
                "records": [{ "kind": "status", "status": status.as_str() }],
            })));
        }
        if faults.repeat_events {
            // Each history event twice in a row (after `connected`).
            let history = head.split_off(2);
            for event in history {
                head.push(event.clone());
                head.push(event);
            }
        }
        head.push(event(&json!({ "type": "historical_complete" })));
        (key, head, status)
    };

    let shared = state.0.clone();
    let error = faults.stream_error.clone();
    let live = futures_util::stream::unfold((Some(last), 0u32), move |(last, ticks)| {
        let state = shared.clone();
        let error = error.clone();
        async move {
            let mut last = last?;
            let mut ticks = ticks;
            loop {
                let status = {
                    let store = state.store();
                    store.task(key.0).jobs[key.1].status(state.clock.now(), store.timing())
                };
                if status.is_finished() {
                    let done = match error {
                        Some(message) => event(&json!({ "type": "error", "message": message })),
                        None => event(&json!({ "type": "complete", "status": outcome(status) })),
                    };
                    return Some((done, (None, 0)));
                }
                if status != last {
                    last = status;
                    let live = event(&json!({ "type": "status", "status": status.as_str() }));
                    return Some((live, (Some(last), ticks)));
                }
                ticks += 1;
                if ticks % KEEP_ALIVE_EVERY == 0 {
                    return Some((Bytes::from_static(b": keep-alive\n\n"), (Some(last), ticks)));
                }
                tokio::time::sleep(POLL).await;
            }
        }
    });
    let live = if faults.stall_streams {
        futures_util::stream::pending().boxed()
    } else if state.0.cut_this_stream(&faults) {
        futures_util::stream::empty().boxed()
    } else {
        live.boxed()
    };
    let events = futures_util::stream::iter(head).chain(live);
    let events = match faults.slow_stream {
        Some(delay) => events
            .then(move |bytes| async move {
                tokio::time::sleep(delay).await;
                bytes
            })
            .boxed(),
        None => events.boxed(),
    };
    let mut response = Response::new(Body::from_stream(
        events.map(Ok::<_, std::convert::Infallible>),
    ));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The `status` of the `complete` event for a finished job.
fn outcome(status: Status) -> &'static str {
    match status {
        Status::Cancelled => "cancelled",
        Status::Failed => "failed",
        _ => "completed",
    }
}
