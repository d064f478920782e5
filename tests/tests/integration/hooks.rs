//! Hooks around every attempt, and `Response<T>`: the endpoint and the
//! response's metadata, seen from outside the generated code.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use twill_api::hook::{AttemptEnd, AttemptRequest, Hook, HookError};
use twill_api::models::GetTaskResponse;
use twill_api::prelude::*;
use twill_api::{Client, Error, Response, RetryPolicy, twill_endpoint};
use twill_tests::{Canned, Recorder, TEST_KEY};

fn task_reply() -> Canned {
    Canned::json(
        200,
        json!({ "task": { "id": "t", "slug": "t", "url": "u" }, "latestJob": null }),
    )
    .header("x-request-id", "req-42")
}

/// A client for `server` that retries at once.
fn builder(server: &Recorder) -> twill_api::ClientBuilder {
    Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.url())
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2)))
}

/// Writes what it sees to a shared log, under its name.
struct Logger {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Hook for Logger {
    fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), HookError> {
        let seen: Vec<&str> = request.headers().keys().map(|name| name.as_str()).collect();
        self.log.lock().unwrap().push(format!(
            "{} before {} #{} {}",
            self.name,
            request.endpoint().name(),
            request.attempt(),
            seen.contains(&"x-hooked")
        ));
        request
            .headers_mut()
            .append("x-hooked", self.name.parse().unwrap());
        Ok(())
    }

    fn after_attempt(&self, end: &AttemptEnd<'_>) {
        self.log.lock().unwrap().push(format!(
            "{} after #{} {:?} {:?}",
            self.name,
            end.attempt(),
            end.status().map(|status| status.as_u16()),
            end.request_id()
        ));
    }
}

#[tokio::test]
async fn hooks_run_in_order_around_every_attempt_and_add_headers() {
    let server = Recorder::replying([Canned::status(503), task_reply()]).await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (log.clone(), log.clone());
    let client = builder(&server)
        .hook(Logger { name: "a", log: a })
        .hook(Logger { name: "b", log: b })
        .build()
        .unwrap();
    client.get_task("t").await.unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "a before get_task #1 false",
            "b before get_task #1 true",
            "a after #1 Some(503) None",
            "b after #1 Some(503) None",
            "a before get_task #2 false",
            "b before get_task #2 true",
            "a after #2 Some(200) Some(\"req-42\")",
            "b after #2 Some(200) Some(\"req-42\")",
        ]
    );
    for request in server.requests() {
        let hooked: Vec<_> = request.headers.get_all("x-hooked").iter().collect();
        assert_eq!(
            hooked,
            ["a", "b"],
            "each attempt carries both headers, in order"
        );
    }
}

/// Refuses every call, as a test double or a circuit breaker would.
struct Refuse;

impl Hook for Refuse {
    fn before_attempt(&self, _: &mut AttemptRequest<'_>) -> Result<(), HookError> {
        Err(HookError::new("offline mode"))
    }
}

#[tokio::test]
async fn a_hook_fails_a_call_without_any_io() {
    let server = Recorder::start(task_reply()).await;
    let client = builder(&server).hook(Refuse).build().unwrap();
    let error = client.get_task("t").await.unwrap_err();
    let Error::Hook(hook) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(hook.message(), "offline mode");
    assert_eq!(error.to_string(), "a hook stopped the call: offline mode");
    assert_eq!(error.attempts(), 0);
    assert!(!error.may_have_acted());
    assert!(server.requests().is_empty(), "nothing was sent");
}

/// Latency per path template, as a metrics hook would name its series.
#[derive(Default)]
struct Metrics(Mutex<BTreeMap<String, Vec<u16>>>);

impl Hook for Metrics {
    fn after_attempt(&self, end: &AttemptEnd<'_>) {
        let name = format!("{} {}", end.endpoint().method(), end.endpoint().path());
        let status = end.status().map_or(0, |status| status.as_u16());
        self.0.lock().unwrap().entry(name).or_default().push(status);
    }
}

#[tokio::test]
async fn metrics_are_named_by_path_template_not_by_url() {
    let server = Recorder::start(task_reply()).await;
    let metrics = Arc::new(Metrics::default());
    let hook = metrics.clone();
    let client = builder(&server).hook(hook).build().unwrap();
    for task in ["a", "b", "c/d"] {
        client.get_task(task).await.unwrap();
    }
    assert_eq!(
        *metrics.0.lock().unwrap(),
        BTreeMap::from([("GET /tasks/<taskIdOrSlug>".to_owned(), vec![200, 200, 200])])
    );
}

/// Tries to read the key, and to replace it.
struct Snoop(Arc<Mutex<Vec<String>>>);

impl Hook for Snoop {
    fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), HookError> {
        let mut seen = self.0.lock().unwrap();
        for (name, value) in request.headers() {
            seen.push(format!(
                "{name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        seen.push(format!("{request:?}"));
        request
            .headers_mut()
            .insert("authorization", "Bearer stolen".parse().unwrap());
        Ok(())
    }
}

#[tokio::test]
async fn a_hook_can_neither_read_nor_replace_the_key() {
    let server = Recorder::start(task_reply()).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook = Snoop(seen.clone());
    let client = builder(&server).hook(hook).build().unwrap();
    client.get_task("t").await.unwrap();
    let seen = seen.lock().unwrap().join("\n");
    assert!(!seen.contains(TEST_KEY), "{seen}");
    assert!(!seen.to_lowercase().contains("authorization"), "{seen}");
    assert!(seen.contains("user-agent: twill-api/"), "{seen}");
    assert_eq!(
        server.only_request().header("authorization"),
        format!("Bearer {TEST_KEY}")
    );
}

trait TasksWithMetadata {
    #[twill_endpoint(GET "/tasks/<taskIdOrSlug>")]
    async fn get_task_with_metadata(
        &self,
        task_id_or_slug: &str,
    ) -> Result<Response<GetTaskResponse>, Error>;
}

impl TasksWithMetadata for Client {}

#[tokio::test]
async fn a_response_carries_status_headers_request_id_and_attempts() {
    let server = Recorder::replying([Canned::status(503), task_reply()]).await;
    let client = builder(&server).build().unwrap();
    let task = client.get_task_with_metadata("t").await.unwrap();
    assert_eq!(task.task.id, "t", "derefs to the value");
    assert_eq!(task.status().as_u16(), 200);
    assert_eq!(task.request_id(), Some("req-42"));
    assert_eq!(task.headers()["content-type"], "application/json");
    assert_eq!(task.attempts(), 2);
    assert_eq!(task.into_inner().task.slug, "t");
}
