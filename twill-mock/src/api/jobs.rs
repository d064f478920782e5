//! `/jobs/<jobId>`: the log stream (server-sent events) and cancel.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::AppState;
use super::fields::Fields;
use crate::clock::timestamp;
use crate::reply;
use crate::store::Status;

/// How often a live stream looks at its job.
const POLL: Duration = Duration::from_millis(20);
/// Polls between two keep-alive comments.
const KEEP_ALIVE_EVERY: u32 = 25;

pub(crate) async fn cancel(
    state: AppState,
    Path(job): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(issues) = Fields::empty_object(&headers, &body) {
        return reply::validation(&issues);
    }
    let now = state.clock.now();
    let mut store = state.store();
    let Some(key) = store.find_job(&job) else {
        return reply::not_found("Job");
    };
    let timing = store.timing();
    let job = store.job_mut(key);
    if !job.status(now, timing).is_finished() {
        job.cancelled_at = Some(now);
    }
    reply::json(
        StatusCode::OK,
        &json!({ "success": true, "job": job.summary(now, timing) }),
    )
}

fn event(data: &Value) -> String {
    format!("data: {data}\n\n")
}

/// The documented sequence: `connected`; the history (`trace_url` for a
/// finished job, `trace_chunks` and `trace_records` for a running one);
/// `historical_complete`; live `status` events as the job moves, with
/// keep-alive comments; `complete`.
pub(crate) async fn logs(state: AppState, Path(job): Path<String>) -> Response {
    let (key, head, last) = {
        let now = state.clock.now();
        let store = state.store();
        let Some(key) = store.find_job(&job) else {
            return reply::not_found("Job");
        };
        let timing = store.timing();
        let job = &store.task(key.0).jobs[key.1];
        let status = job.status(now, timing);
        let mut head = String::from(": twill-mock log stream\n\n");
        head += &event(&json!({ "type": "connected", "jobId": job.id }));
        if status.is_finished() {
            head += &event(&json!({
                "type": "trace_url",
                "url": format!("https://twill.ai/traces/{}.jsonl", job.id),
                "expiresAt": timestamp(now + Duration::from_secs(3600)),
            }));
        } else {
            head += &event(&json!({
                "type": "trace_chunks",
                "chunks": [{ "index": 0, "text": format!("Working on: {}", job.input) }],
            }));
            head += &event(&json!({
                "type": "trace_records",
                "records": [{ "kind": "status", "status": status.as_str() }],
            }));
        }
        head += &event(&json!({ "type": "historical_complete" }));
        (key, head, status)
    };

    let state = state.0;
    let live = futures_util::stream::unfold((Some(last), 0u32), move |(last, ticks)| {
        let state = state.clone();
        async move {
            let mut last = last?;
            let mut ticks = ticks;
            loop {
                let status = {
                    let store = state.store();
                    store.task(key.0).jobs[key.1].status(state.clock.now(), store.timing())
                };
                if status.is_finished() {
                    let outcome = match status {
                        Status::Cancelled => "cancelled",
                        _ => "completed",
                    };
                    let done = event(&json!({ "type": "complete", "status": outcome }));
                    return Some((
                        Ok::<_, std::convert::Infallible>(Bytes::from(done)),
                        (None, 0),
                    ));
                }
                if status != last {
                    last = status;
                    let live = event(&json!({ "type": "status", "status": status.as_str() }));
                    return Some((Ok(Bytes::from(live)), (Some(last), ticks)));
                }
                ticks += 1;
                if ticks % KEEP_ALIVE_EVERY == 0 {
                    return Some((
                        Ok(Bytes::from_static(b": keep-alive\n\n")),
                        (Some(last), ticks),
                    ));
                }
                tokio::time::sleep(POLL).await;
            }
        }
    });
    let head = futures_util::stream::iter([Ok(Bytes::from(head))]);
    let mut response = Response::new(Body::from_stream(futures_util::StreamExt::chain(
        head, live,
    )));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
