//! The exact wire of the declared endpoints: method, raw request target,
//! headers and JSON body.

use serde_json::json;
use twill_api::Error;
use twill_api::error::InputProblem;
use twill_api::models::{
    CreateTaskRequest, FilePart, JobStatus, ReasoningEffort, SendMessageRequest, UserIntent,
};
use twill_api::prelude::*;
use twill_tests::{Canned, Recorded, Recorder, TEST_KEY};

fn job_reply() -> Canned {
    Canned::json(
        200,
        json!({ "job": { "id": "job-1", "status": "PENDING" } }),
    )
}

fn assert_common_headers(request: &Recorded) {
    assert_eq!(
        request.header("authorization"),
        format!("Bearer {TEST_KEY}")
    );
    assert_eq!(request.header("accept"), "application/json");
    assert_eq!(
        request.header("user-agent"),
        concat!("twill-api/", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn send_message_sends_the_seed_request() {
    let server = Recorder::start(job_reply()).await;
    let request = SendMessageRequest::new("Use CSS variables for the theme colors")
        .user_intent(UserIntent::Swe)
        .file(FilePart::new(
            "notes.txt",
            "text/plain",
            "data:text/plain;base64,aGk=",
        ));

    let response = server
        .client()
        .send_message("my-task", &request)
        .await
        .unwrap();

    assert_eq!(response.job.id, "job-1");
    assert_eq!(response.job.status, JobStatus::Pending);
    let sent = server.only_request();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/api/v1/tasks/my-task/messages");
    assert_common_headers(&sent);
    assert_eq!(sent.header("content-type"), "application/json");
    assert_eq!(
        sent.json(),
        json!({
            "message": "Use CSS variables for the theme colors",
            "userIntent": "SWE",
            "files": [{
                "filename": "notes.txt",
                "mediaType": "text/plain",
                "url": "data:text/plain;base64,aGk=",
            }],
        })
    );
}

#[tokio::test]
async fn unset_optional_fields_are_left_off_the_wire() {
    let server = Recorder::start(job_reply()).await;
    server
        .client()
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap();
    assert_eq!(&server.only_request().body[..], br#"{"message":"hi"}"#);
}

#[tokio::test]
async fn send_message_cookbook_fields_use_wire_names() {
    let server = Recorder::start(job_reply()).await;
    let request = SendMessageRequest::new("hi")
        .reasoning_effort(ReasoningEffort::XHigh)
        .agent("claude-code/opus")
        .user_intent(UserIntent::from("GOAL"));
    server.client().send_message("t", &request).await.unwrap();
    assert_eq!(
        server.only_request().json(),
        json!({
            "message": "hi",
            "reasoningEffort": "xhigh",
            "agent": "claude-code/opus",
            "userIntent": "GOAL",
        })
    );
}

#[tokio::test]
async fn create_task_posts_the_command_and_decodes_201() {
    let server = Recorder::start(Canned::json(
        201,
        json!({
            "task": { "id": "5b0c", "slug": "dark-mode", "title": "Dark mode", "url": "https://twill.ai/t/dark-mode" },
            "job": { "id": "job-9", "status": "IN_PROGRESS" },
        }),
    ))
    .await;
    let request = CreateTaskRequest::new("Add dark mode")
        .title("Dark mode")
        .user_intent(UserIntent::Plan)
        .parent_id("parent-1");

    let created = server.client().create_task(&request).await.unwrap();

    assert_eq!(created.task.slug, "dark-mode");
    assert_eq!(created.task.title.as_deref(), Some("Dark mode"));
    assert_eq!(created.job.status, JobStatus::InProgress);
    let sent = server.only_request();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/api/v1/tasks");
    assert_common_headers(&sent);
    assert_eq!(
        sent.json(),
        json!({
            "command": "Add dark mode",
            "title": "Dark mode",
            "userIntent": "PLAN",
            "parentId": "parent-1",
        })
    );
}

#[tokio::test]
async fn get_task_sends_no_body_and_accepts_a_null_latest_job() {
    let server = Recorder::start(Canned::json(
        200,
        json!({
            "task": {
                "id": "5b0c", "slug": "dark-mode", "title": null, "url": "u",
                "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-02T00:00:00Z",
                "prs": [{ "repoFullName": "o/r", "prNumber": 7, "prUrl": "p", "title": "t", "state": "open" }],
                "somethingNew": { "ignored": true },
            },
            "latestJob": null,
        }),
    ))
    .await;

    let task = server.client().get_task("dark-mode").await.unwrap();

    assert!(task.latest_job.is_none());
    assert_eq!(task.task.prs[0].pr_number, Some(7));
    let sent = server.only_request();
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.target, "/api/v1/tasks/dark-mode");
    assert_common_headers(&sent);
    assert!(sent.headers.get("content-type").is_none());
    assert!(sent.body.is_empty());
}

#[tokio::test]
async fn path_values_are_one_percent_encoded_segment() {
    let cases = [
        ("a/b", "a%2Fb"),
        ("x y", "x%20y"),
        ("ü", "%C3%BC"),
        ("%41", "%2541"),
        ("?q", "%3Fq"),
        ("#f", "%23f"),
        ("...", "..."),
        (".a", ".a"),
        ("a+b&c=d;e", "a%2Bb%26c%3Dd%3Be"),
        ("\r\n\t", "%0D%0A%09"),
        ("🦀", "%F0%9F%A6%80"),
    ];
    let server = Recorder::start(job_reply()).await;
    let client = server.client();
    for (id, _) in cases {
        client
            .send_message(id, &SendMessageRequest::new("hi"))
            .await
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
    }
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    let expected: Vec<String> = cases
        .iter()
        .map(|(_, encoded)| format!("/api/v1/tasks/{encoded}/messages"))
        .collect();
    assert_eq!(targets, expected);
}

#[tokio::test]
async fn empty_and_dot_segments_are_refused_before_any_io() {
    let server = Recorder::start(job_reply()).await;
    let client = server.client();
    for (id, problem) in [
        ("", InputProblem::EmptySegment),
        (".", InputProblem::DotSegment),
        ("..", InputProblem::DotSegment),
    ] {
        let error = client
            .send_message(id, &SendMessageRequest::new("hi"))
            .await
            .unwrap_err();
        let Error::InvalidInput(input) = error else {
            panic!("{id:?}: expected InvalidInput, got {error:?}");
        };
        assert_eq!(input.endpoint, "send_message");
        assert_eq!(input.parameter, "taskIdOrSlug");
        assert_eq!(
            std::mem::discriminant(&input.problem),
            std::mem::discriminant(&problem)
        );
        let error = client.get_task(id).await.unwrap_err();
        assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}
