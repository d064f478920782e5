//! Each call is traced (endpoint, method, path template, status, attempts,
//! latency), retries show, and nothing at any level shows the key.
//!
//! A test binary of its own: `tracing` caches per call site whether anyone
//! listens, so a subscriber must be the global one, with no other test
//! running beside it, for the capture to be complete.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use twill_api::RetryPolicy;
use twill_api::models::SendMessageRequest;
use twill_api::prelude::*;
use twill_tests::{Canned, Recorder, TEST_KEY};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const HEADER_SECRET: &str = "upstream-t0ken-value";

trait WithToken {
    #[twill_api::twill_endpoint(GET "/tasks/<taskIdOrSlug>")]
    async fn tokened(
        &self,
        task_id_or_slug: &str,
        #[header("X-Upstream-Token")] token: &str,
    ) -> twill_api::Result<()>;
}

impl WithToken for twill_api::Client {}

#[tokio::test]
async fn calls_and_retries_are_traced_without_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = Recorder::replying([
        Canned::status(503),
        Canned::json(
            200,
            json!({ "task": { "id": "t", "slug": "t", "url": "u" }, "latestJob": null }),
        ),
    ])
    .await;
    let client = server.client().with_retry_policy(
        RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(10)),
    );
    client.get_task("t").await.unwrap();
    client
        .with_retry_policy(RetryPolicy::none())
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();

    client
        .with_retry_policy(RetryPolicy::none())
        .tokened("t", HEADER_SECRET)
        .await
        .unwrap_err();

    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // A declared header may carry a token of its own: its value is marked
    // sensitive too.
    assert!(output.contains("x-upstream-token"), "{output}");
    assert!(
        !output.contains(HEADER_SECRET),
        "a header argument leaked into the trace:\n{output}"
    );
    assert!(output.contains("twill_api::call"), "{output}");
    assert!(output.contains("endpoint=\"get_task\""), "{output}");
    assert!(output.contains("method=\"GET\""), "{output}");
    assert!(
        output.contains("path=\"/tasks/<taskIdOrSlug>\""),
        "{output}"
    );
    assert!(output.contains("retrying"), "{output}");
    assert!(output.contains("status=503"), "{output}");
    assert!(output.contains("attempt=2"), "{output}");
    assert!(output.contains("latency_ms="), "{output}");
    assert!(output.contains("endpoint=\"send_message\""), "{output}");
    // The built request is traced in full, with the key marked sensitive.
    assert!(output.contains("authorization"), "{output}");
    assert!(output.contains("Sensitive"), "{output}");
    assert!(
        !output.contains(TEST_KEY),
        "the key leaked into the trace:\n{output}"
    );
    assert!(
        !output.contains("5up3r"),
        "part of the key leaked into the trace:\n{output}"
    );
}
