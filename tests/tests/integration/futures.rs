//! Endpoint futures are `Send`: they can be spawned on a multi-threaded
//! runtime, including from code generic over the client type.

use serde_json::json;
use twill_api::models::{SendMessageRequest, SendMessageResponse};
use twill_api::prelude::*;
use twill_api::{AsClient, Client, Error};
use twill_tests::{Canned, Recorder};

fn assert_send<T: Send>(_: &T) {}

/// Generic code needs no `Send` bound of its own on the future.
fn spawn_send<C>(
    client: C,
    task: String,
) -> tokio::task::JoinHandle<Result<SendMessageResponse, Error>>
where
    C: Tasks + AsClient + Send + Sync + 'static,
{
    tokio::spawn(async move {
        client
            .send_message(&task, &SendMessageRequest::new("hi"))
            .await
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_can_be_spawned() {
    let server = Recorder::start(Canned::json(
        200,
        json!({ "job": { "id": "j", "status": "PENDING" } }),
    ))
    .await;
    let client: Client = server.client();
    let request = SendMessageRequest::new("hi");
    assert_send(&client.send_message("t", &request));
    assert_send(&client.get_task("t"));

    let handles: Vec<_> = (0..8)
        .map(|i| spawn_send(client.clone(), format!("task-{i}")))
        .collect();
    for handle in handles {
        handle.await.unwrap().unwrap();
    }
    let mut targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    targets.sort();
    let expected: Vec<String> = (0..8)
        .map(|i| format!("/api/v1/tasks/task-{i}/messages"))
        .collect();
    assert_eq!(targets, expected);
}
