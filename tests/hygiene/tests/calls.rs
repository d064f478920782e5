//! The hostile crate's endpoints work against `twill-mock`.

use twill_api::Client;
use twill_api::models::{CreateTaskRequest, SendMessageRequest};
use twill_api::prelude::*;
use twill_hygiene::Hostile;
use twill_mock::MockServer;

#[tokio::test]
async fn hostile_declarations_call_through() {
    let server = MockServer::start().await.unwrap();
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .build()
        .unwrap();
    let created = client
        .create_task(&CreateTaskRequest::new("x"))
        .await
        .unwrap();

    let sent = client
        .post_message(&created.task.id, &SendMessageRequest::new("hi"))
        .await
        .unwrap();
    assert_ne!(sent.job.id, created.job.id);
    let page = client.tasks_page(Some(10), None).await.unwrap();
    assert_eq!(page.tasks.len(), 1);
    let stopped = client.stop_job(&sent.job.id).await.unwrap();
    assert_eq!(stopped.success, Some(true));
}
