//! The client against `twill-mock`: the same calls a user makes, checked
//! against a server that validates like the API.

use twill_api::error::ApiErrorCode;
use twill_api::models::{CreateTaskRequest, FilePart, JobStatus, SendMessageRequest, UserIntent};
use twill_api::prelude::*;
use twill_api::{Client, Error};
use twill_mock::MockServer;
use twill_tests::mock_client;

fn api_error(error: Error) -> twill_api::error::ApiError {
    match error {
        Error::Api(api) => *api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn create_message_and_read_back() {
    let server = MockServer::start().await.unwrap();
    let client = mock_client(&server);

    let created = client
        .create_task(&CreateTaskRequest::new("Add dark mode").user_intent(UserIntent::Plan))
        .await
        .unwrap();
    assert_eq!(created.job.status, JobStatus::Pending);

    let request = SendMessageRequest::new("Use CSS variables")
        .user_intent(UserIntent::Swe)
        .file(FilePart::new(
            "a.txt",
            "text/plain",
            "data:text/plain;base64,aGk=",
        ));
    let sent = client
        .send_message(&created.task.id, &request)
        .await
        .unwrap();
    assert_ne!(sent.job.id, created.job.id);

    // By slug as well as by id.
    for key in [&created.task.slug, &created.task.id] {
        let task = client.get_task(key).await.unwrap();
        assert_eq!(task.task.id, created.task.id);
        let latest = task.latest_job.expect("a latest job");
        assert_eq!(latest.id, sent.job.id);
        assert_eq!(latest.input, Some(serde_json::json!("Use CSS variables")));
    }
}

#[tokio::test]
async fn the_mock_validates_like_the_api() {
    let server = MockServer::start().await.unwrap();
    let client = mock_client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("x"))
        .await
        .unwrap();

    let error = client
        .send_message(&created.task.id, &SendMessageRequest::new("  "))
        .await
        .unwrap_err();
    let api = api_error(error);
    assert_eq!(api.answer.status.as_u16(), 400);
    assert_eq!(api.code, ApiErrorCode::ValidationError);
    let issues = api.validation_issues();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].field, "message");

    let error = client
        .send_message(
            &created.task.id,
            &SendMessageRequest::new("hi").user_intent(UserIntent::from("GOAL")),
        )
        .await
        .unwrap_err();
    assert_eq!(api_error(error).validation_issues()[0].field, "userIntent");

    let long_title = "t".repeat(201);
    let error = client
        .create_task(&CreateTaskRequest::new("x").title(long_title))
        .await
        .unwrap_err();
    assert_eq!(api_error(error).validation_issues()[0].field, "title");
}

#[tokio::test]
async fn unknown_tasks_are_404_and_bad_keys_401() {
    let server = MockServer::start().await.unwrap();
    let client = mock_client(&server);
    let error = client
        .send_message("no-such-task", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::NotFound));
    let error = client.get_task("a/b").await.unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::NotFound));

    let wrong_key = Client::builder()
        .api_key("not-the-key")
        .base_url(server.url())
        .build()
        .unwrap();
    let error = wrong_key.get_task("anything").await.unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::Unauthorized));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn a_ten_mib_attachment_sent_inline_is_accepted() {
    use twill_api::models::{CreateTaskRequest, FilePart};
    let server = twill_mock::MockServer::start().await.unwrap();
    let client = twill_tests::mock_client(&server);
    // 10 MiB of data as base64: about 13.4 MiB of JSON.
    let data = "A".repeat(10 * 1024 * 1024 / 3 * 4);
    let request = CreateTaskRequest::new("Read the attached log").file(FilePart::new(
        "log.bin",
        "application/octet-stream",
        format!("data:application/octet-stream;base64,{data}"),
    ));
    let created = client.create_task(&request).await.unwrap();
    assert!(!created.task.id.is_empty());
}

#[tokio::test]
async fn a_job_cancelled_while_pending_never_started() {
    let server = MockServer::builder().manual_clock().start().await.unwrap();
    let client = mock_client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("never runs"))
        .await
        .unwrap();
    client.cancel_task(&created.task.id).await.unwrap();
    let shown = client.get_task(&created.task.id).await.unwrap();
    let job = shown.latest_job.unwrap();
    assert_eq!(job.status, JobStatus::Cancelled);
    assert!(job.started_at.is_none(), "{:?}", job.started_at);
    assert!(job.completed_at.is_some());
}
