//! The wire of every endpoint: method, raw target (path and query) and body,
//! as a recording server receives them.

use serde_json::{Value, json};
use twill_api::models::{
    CreateScheduledTaskRequest, CreateTaskRequest, SendMessageRequest, UpdateScheduledTaskRequest,
};
use twill_api::prelude::*;
use twill_tests::{Canned, Recorded, Recorder};

fn job() -> Value {
    json!({ "id": "job-1", "status": "PENDING" })
}

fn scheduled() -> Value {
    json!({ "scheduledTask": { "id": "s-1", "enabled": true } })
}

/// Method, target and body (`None` for no body) of each request, in order.
fn wire(requests: &[Recorded]) -> Vec<(String, String, Option<Value>)> {
    requests
        .iter()
        .map(|request| {
            let body = (!request.body.is_empty()).then(|| request.json());
            (request.method.clone(), request.target.clone(), body)
        })
        .collect()
}

fn expect(method: &str, target: &str, body: Option<Value>) -> (String, String, Option<Value>) {
    (method.to_owned(), format!("/api/v1{target}"), body)
}

#[tokio::test]
async fn account_and_tasks() {
    let server = Recorder::replying([
        Canned::json(200, json!({ "workspaceId": "w", "userId": "u" })),
        Canned::json(
            200,
            json!({ "repositories": [{ "fullName": "o/r", "defaultBranch": "main" }] }),
        ),
        Canned::json(
            201,
            json!({ "task": { "id": "t", "slug": "s", "title": null, "url": "u" }, "job": job() }),
        ),
        Canned::json(200, json!({ "tasks": [], "nextCursor": null })),
        Canned::json(
            200,
            json!({ "task": { "id": "t", "slug": "s", "url": "u" }, "latestJob": null }),
        ),
        Canned::json(200, json!({ "job": job() })),
        Canned::json(200, json!({ "jobs": [], "nextCursor": null })),
        Canned::json(200, json!({ "success": true, "job": job() })),
        // Twill's API reference's example, as documented.
        Canned::status(200)
            .header("content-type", "application/json")
            .body(include_str!(
                "../../fixtures/twill-examples/approve-criteria.response-200.docs.json"
            )),
        Canned::json(200, json!({ "success": true, "task": { "id": "t" } })),
        Canned::json(200, json!({ "success": true })),
        Canned::status(200)
            .header("content-type", "application/x-tar")
            .header("x-twill-session-id", "sess")
            .header("x-twill-job-id", "job-1")
            .header("x-twill-file-count", "2")
            .body(vec![0u8; 1024]),
    ])
    .await;
    let client = server.client();

    let me = client.me().await.unwrap();
    assert_eq!(me.workspace_id.as_deref(), Some("w"));
    let repos = client.list_repositories().await.unwrap();
    assert_eq!(repos.repositories[0].full_name, "o/r");
    client
        .create_task(&CreateTaskRequest::new("do it"))
        .await
        .unwrap();
    client.list_tasks(Some(5), Some("cur_a/b")).await.unwrap();
    client.get_task("a b").await.unwrap();
    client
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap();
    client.list_jobs("t", None, Some("c1")).await.unwrap();
    let approved = client.approve_plan("t").await.unwrap();
    assert!(approved.success);
    let criteria = client.approve_criteria("t").await.unwrap();
    assert!(criteria.success);
    assert_eq!(
        (criteria.job.id.as_str(), criteria.job.status.as_str()),
        ("<string>", "PENDING")
    );
    let cancelled = client.cancel_task("t").await.unwrap();
    assert_eq!(cancelled.task.id, "t");
    let archived = client.archive_task("t").await.unwrap();
    assert_eq!(archived.success, Some(true));
    let teleport = client.teleport_claude("t").await.unwrap();
    assert_eq!(teleport.tar.len(), 1024);
    assert_eq!(teleport.session_id.as_deref(), Some("sess"));
    assert_eq!(teleport.job_id.as_deref(), Some("job-1"));
    assert_eq!(teleport.file_count, Some(2));

    let requests = server.requests();
    assert_eq!(
        wire(&requests),
        vec![
            expect("GET", "/auth/me", None),
            expect("GET", "/repositories", None),
            expect("POST", "/tasks", Some(json!({ "command": "do it" }))),
            expect("GET", "/tasks?limit=5&cursor=cur_a%2Fb", None),
            expect("GET", "/tasks/a%20b", None),
            expect(
                "POST",
                "/tasks/t/messages",
                Some(json!({ "message": "hi" }))
            ),
            expect("GET", "/tasks/t/jobs?cursor=c1", None),
            expect("POST", "/tasks/t/approve-plan", None),
            expect("POST", "/tasks/t/approve-criteria", None),
            expect("POST", "/tasks/t/cancel", None),
            expect("POST", "/tasks/t/archive", Some(json!({}))),
            expect("GET", "/tasks/t/teleport/claude", None),
        ]
    );
    // Bodiless POSTs say so, and only JSON bodies are labelled JSON.
    for bodiless in [7, 8] {
        assert_eq!(requests[bodiless].header("content-length"), "0");
        assert!(requests[bodiless].headers.get("content-type").is_none());
    }
    assert_eq!(requests[10].header("content-type"), "application/json");
    assert!(requests[11].header("accept").contains("application/x-tar"));
}

#[tokio::test]
async fn jobs_and_scheduled_tasks() {
    let server = Recorder::replying([
        Canned::status(200)
            .header("content-type", "text/event-stream")
            .body("data: {\"type\":\"complete\",\"status\":\"completed\"}\n\n"),
        Canned::json(200, json!({ "success": true })),
        Canned::json(200, json!({ "scheduledTasks": [{ "id": "s-1" }] })),
        Canned::json(201, scheduled()),
        Canned::json(200, scheduled()),
        Canned::json(200, scheduled()),
        Canned::json(200, json!({ "success": true })),
        Canned::json(200, json!({ "success": true })),
        Canned::json(200, json!({})),
    ])
    .await;
    let client = server.client();

    let mut logs = client.stream_job_logs("job/1").await.unwrap();
    assert!(logs.next_event().await.unwrap().unwrap().is_terminal());
    client.cancel_job("job-1").await.unwrap();
    let list = client.list_scheduled_tasks().await.unwrap();
    assert_eq!(list.scheduled_tasks[0].id, "s-1");
    let create = CreateScheduledTaskRequest::new("Nightly", "Run the tests", "0 3 * * *")
        .timezone("Europe/Paris");
    client.create_scheduled_task(&create).await.unwrap();
    client.get_scheduled_task("s-1").await.unwrap();
    let update = UpdateScheduledTaskRequest::new()
        .title("Nightly run")
        .clear_agent_provider_id();
    client.update_scheduled_task("s-1", &update).await.unwrap();
    client.delete_scheduled_task("s-1").await.unwrap();
    client.pause_scheduled_task("s-1").await.unwrap();
    let resumed = client.resume_scheduled_task("s-1").await.unwrap();
    assert_eq!(resumed.success, None);

    let requests = server.requests();
    assert_eq!(
        wire(&requests),
        vec![
            expect("GET", "/jobs/job%2F1/logs/stream", None),
            expect("POST", "/jobs/job-1/cancel", Some(json!({}))),
            expect("GET", "/scheduled-tasks", None),
            expect(
                "POST",
                "/scheduled-tasks",
                Some(json!({
                    "title": "Nightly",
                    "message": "Run the tests",
                    "cronExpression": "0 3 * * *",
                    "timezone": "Europe/Paris",
                }))
            ),
            expect("GET", "/scheduled-tasks/s-1", None),
            expect(
                "PATCH",
                "/scheduled-tasks/s-1",
                Some(json!({ "title": "Nightly run", "agentProviderId": null }))
            ),
            expect("DELETE", "/scheduled-tasks/s-1", None),
            expect("POST", "/scheduled-tasks/s-1/pause", Some(json!({}))),
            expect("POST", "/scheduled-tasks/s-1/resume", Some(json!({}))),
        ]
    );
    assert_eq!(requests[0].header("accept"), "text/event-stream");
}
