//! The whole API against `twill-mock` on a manual clock: what a user's
//! program does, end to end, plus each endpoint's behaviour there.

use std::time::Duration;

use twill_api::error::ApiErrorCode;
use twill_api::models::{
    CreateScheduledTaskRequest, CreateTaskRequest, JobStatus, SendMessageRequest,
    UpdateScheduledTaskRequest, UserIntent,
};
use twill_api::prelude::*;
use twill_api::stream::EventKind;
use twill_api::stream::JobOutcome;
use twill_api::{Client, Error, RetryPolicy};
use twill_mock::MockServer;
use twill_tests::mock_client;

async fn manual_server() -> MockServer {
    MockServer::builder().manual_clock().start().await.unwrap()
}

/// Advances the clock a step at a time until the task's latest job has
/// finished; returns its status.
async fn wait_for_latest(server: &MockServer, client: &Client, task: &str) -> JobStatus {
    for _ in 0..50 {
        let latest = client
            .get_task(task)
            .await
            .unwrap()
            .latest_job
            .expect("a job");
        if latest.status.is_finished() {
            return latest.status;
        }
        server.advance(Duration::from_millis(100));
    }
    panic!("the job never finished");
}

#[tokio::test]
async fn create_message_poll_stream_page_cancel() {
    let server = manual_server().await;
    let client = mock_client(&server);

    let created = client
        .create_task(&CreateTaskRequest::new("Add dark mode"))
        .await
        .unwrap();
    assert_eq!(created.job.status, JobStatus::Pending);
    let sent = client
        .send_message(
            &created.task.slug,
            &SendMessageRequest::new("Use CSS variables"),
        )
        .await
        .unwrap();

    assert_eq!(
        wait_for_latest(&server, &client, &created.task.id).await,
        JobStatus::Completed
    );

    // The first job was cancelled by the message.
    let first = client
        .list_jobs(&created.task.id, Some(1), None)
        .await
        .unwrap();
    assert_eq!(first.jobs[0].id, sent.job.id);

    // A finished job's stream: history as a trace URL, then complete.
    let mut logs = client.stream_job_logs(&sent.job.id).await.unwrap();
    let mut events = Vec::new();
    while let Some(event) = logs.next_event().await {
        events.push(event.unwrap());
    }
    assert_eq!(events[0].kind(), &EventKind::Connected);
    assert!(
        matches!(events[1].kind(), EventKind::TraceUrl { .. }),
        "{events:?}"
    );
    assert_eq!(events[2].kind(), &EventKind::HistoricalComplete);
    assert_eq!(
        events.last().map(|event| event.kind()),
        Some(&EventKind::Complete {
            status: JobOutcome::Completed
        })
    );

    // Two more messages make four jobs; pages of one walk all of them.
    for message in ["Add a test", "Update the docs"] {
        client
            .send_message(&created.task.id, &SendMessageRequest::new(message))
            .await
            .unwrap();
    }
    let mut pages = client.jobs_stream(&created.task.id, Some(1));
    let mut inputs = Vec::new();
    while let Some(job) = pages.next().await {
        inputs.push(
            job.unwrap()
                .input
                .and_then(|v| v.as_str().map(str::to_owned)),
        );
    }
    assert_eq!(
        inputs,
        [
            "Update the docs",
            "Add a test",
            "Use CSS variables",
            "Add dark mode"
        ]
        .map(|s| Some(s.to_owned()))
    );

    let cancelled = client.cancel_task(&created.task.id).await.unwrap();
    assert!(cancelled.success);
    let latest = client
        .get_task(&created.task.id)
        .await
        .unwrap()
        .latest_job
        .unwrap();
    assert_eq!(latest.status, JobStatus::Cancelled);
}

#[tokio::test]
async fn a_live_stream_follows_the_job_to_complete() {
    let server = manual_server().await;
    let client = mock_client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("x"))
        .await
        .unwrap();

    let mut logs = client.stream_job_logs(&created.job.id).await.unwrap();
    assert_eq!(
        logs.next_event().await.unwrap().unwrap().kind(),
        &EventKind::Connected
    );
    assert!(matches!(
        logs.next_event().await.unwrap().unwrap().kind(),
        EventKind::TraceChunks
    ));
    assert!(matches!(
        logs.next_event().await.unwrap().unwrap().kind(),
        EventKind::TraceRecords
    ));
    assert_eq!(
        logs.next_event().await.unwrap().unwrap().kind(),
        &EventKind::HistoricalComplete
    );

    // Live: the job moves only when the test moves the clock.
    server.advance(Duration::from_millis(150));
    let event = logs.next_event().await.unwrap().unwrap();
    let data = event.json();
    let EventKind::Unknown { kind } = event.kind() else {
        panic!("expected the mock's live status event");
    };
    assert_eq!(kind, "status");
    assert_eq!(data["status"], "IN_PROGRESS");
    server.advance(Duration::from_secs(1));
    assert_eq!(
        logs.next_event().await.unwrap().unwrap().kind(),
        &EventKind::Complete {
            status: JobOutcome::Completed
        }
    );
    assert!(logs.next_event().await.is_none());
}

#[tokio::test]
async fn tasks_page_with_cursors_and_archive_hides_them() {
    let server = manual_server().await;
    let client = mock_client(&server);
    for i in 0..5 {
        client
            .create_task(&CreateTaskRequest::new(format!("task {i}")))
            .await
            .unwrap();
    }
    let page = client.list_tasks(Some(2), None).await.unwrap();
    assert_eq!(page.tasks.len(), 2);
    assert_eq!(
        page.tasks[0].title.as_deref(),
        Some("task 4"),
        "newest first"
    );
    assert!(page.next_cursor.is_some());

    let mut all = Vec::new();
    let mut stream = client.tasks_stream(Some(2));
    while let Some(task) = stream.next().await {
        all.push(task.unwrap());
    }
    assert_eq!(all.len(), 5);

    client.archive_task(&all[0].id).await.unwrap();
    let page = client.list_tasks(Some(100), None).await.unwrap();
    assert_eq!(page.tasks.len(), 4);
    assert!(page.next_cursor.is_none());

    let error = client.list_tasks(Some(0), None).await.unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::ValidationError));
    let error = client.list_tasks(None, Some("garbage")).await.unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::ValidationError));
}

#[tokio::test]
async fn plans_are_approved_once_ready() {
    let server = manual_server().await;
    let client = mock_client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("Plan a refactor").user_intent(UserIntent::Plan))
        .await
        .unwrap();
    let error = client.approve_plan(&created.task.id).await.unwrap_err();
    assert_eq!(
        error.status().map(|s| s.as_u16()),
        Some(400),
        "not ready yet"
    );

    wait_for_latest(&server, &client, &created.task.id).await;
    let latest = client
        .get_task(&created.task.id)
        .await
        .unwrap()
        .latest_job
        .unwrap();
    assert_eq!(latest.plan_outcome.as_deref(), Some("READY"));
    let approved = client.approve_plan(&created.task.id).await.unwrap();
    assert!(approved.success);
    assert_ne!(approved.job.id, created.job.id);
}

#[tokio::test]
async fn ralph_loop_criteria_are_approved_once_ready_and_once() {
    let server = manual_server().await;
    let client = mock_client(&server);
    let created = client
        .create_task(
            &CreateTaskRequest::new("Make the tests pass").user_intent(UserIntent::RalphLoop),
        )
        .await
        .unwrap();
    let status = |error: twill_api::Error| error.status().map(|s| s.as_u16());
    let early = client
        .approve_criteria(&created.task.slug)
        .await
        .unwrap_err();
    assert_eq!(status(early), Some(400), "not ready yet");

    wait_for_latest(&server, &client, &created.task.id).await;
    // Criteria are not a plan.
    let wrong = client.approve_plan(&created.task.id).await.unwrap_err();
    assert_eq!(status(wrong), Some(400));
    let approved = client.approve_criteria(&created.task.slug).await.unwrap();
    assert!(approved.success);
    assert_ne!(approved.job.id, created.job.id);
    let jobs = client
        .list_jobs(&created.task.id, None, None)
        .await
        .unwrap();
    assert_eq!(
        jobs.jobs.last().unwrap().kind.as_deref(),
        Some("RALPH_LOOP")
    );
    let twice = client
        .approve_criteria(&created.task.slug)
        .await
        .unwrap_err();
    assert_eq!(status(twice), Some(400), "approved once");
}

#[tokio::test]
async fn jobs_cancel_and_teleport() {
    let server = manual_server().await;
    let client = mock_client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("x"))
        .await
        .unwrap();

    let teleport = client.teleport_claude(&created.task.slug).await.unwrap();
    assert_eq!(&teleport.tar[257..262], b"ustar");
    assert_eq!(teleport.file_count, Some(2));
    assert_eq!(teleport.job_id.as_deref(), Some(created.job.id.as_str()));

    let ack = client.cancel_job(&created.job.id).await.unwrap();
    assert_eq!(ack.success, Some(true));
    assert_eq!(ack.fields["job"]["status"], "CANCELLED");

    client.cancel_task(&created.task.id).await.unwrap();
    let error = client.teleport_claude(&created.task.id).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(409));

    let error = client.cancel_job("job-missing").await.unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::NotFound));
    let error = client.stream_job_logs("job-missing").await.unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::NotFound));
}

#[tokio::test]
async fn scheduled_tasks_lifecycle() {
    let server = manual_server().await;
    let client = mock_client(&server);
    let created = client
        .create_scheduled_task(
            &CreateScheduledTaskRequest::new("Nightly", "Run the tests", "0 3 * * *")
                .agent_provider_id("claude-code/sonnet"),
        )
        .await
        .unwrap()
        .scheduled_task;
    assert_eq!(created.timezone.as_deref(), Some("UTC"));
    assert_eq!(
        created.agent_provider_id.as_deref(),
        Some("claude-code/sonnet")
    );
    assert_eq!(created.enabled, Some(true));

    let updated = client
        .update_scheduled_task(
            &created.id,
            &UpdateScheduledTaskRequest::new()
                .cron_expression("*/30 9-17 * * MON-FRI")
                .clear_agent_provider_id(),
        )
        .await
        .unwrap()
        .scheduled_task;
    assert_eq!(updated.agent_provider_id, None);
    assert_eq!(
        updated.cron_expression.as_deref(),
        Some("*/30 9-17 * * MON-FRI")
    );
    assert_eq!(updated.title.as_deref(), Some("Nightly"));

    client.pause_scheduled_task(&created.id).await.unwrap();
    let paused = client
        .get_scheduled_task(&created.id)
        .await
        .unwrap()
        .scheduled_task;
    assert_eq!(paused.enabled, Some(false));
    client.resume_scheduled_task(&created.id).await.unwrap();
    assert_eq!(
        client
            .list_scheduled_tasks()
            .await
            .unwrap()
            .scheduled_tasks
            .len(),
        1
    );

    let error = client
        .create_scheduled_task(&CreateScheduledTaskRequest::new("Bad", "x", "61 * * * *"))
        .await
        .unwrap_err();
    let Error::Api(api) = error else {
        panic!("expected an API error");
    };
    assert_eq!(api.validation_issues()[0].field, "cronExpression");

    let deleted = client.delete_scheduled_task(&created.id).await.unwrap();
    assert_eq!(deleted.success, Some(true));
    let error = client.get_scheduled_task(&created.id).await.unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::NotFound));
}

#[tokio::test]
async fn account_endpoints() {
    let server = manual_server().await;
    let client = mock_client(&server);
    assert_eq!(
        client.me().await.unwrap().workspace_slug.as_deref(),
        Some("mock")
    );
    assert!(
        !client
            .list_repositories()
            .await
            .unwrap()
            .repositories
            .is_empty()
    );
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let server = MockServer::builder()
        .manual_clock()
        .rate_limit(3)
        .start()
        .await
        .unwrap();
    // The 429 itself is under test, so no retry waits it out.
    let client = mock_client(&server).with_retry_policy(RetryPolicy::none());
    for _ in 0..3 {
        client.me().await.unwrap();
    }
    let error = client.me().await.unwrap_err();
    assert_eq!(error.api_code(), Some(&ApiErrorCode::RateLimited));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));

    server.advance(Duration::from_secs(45));
    assert_eq!(
        client.me().await.unwrap_err().retry_after(),
        Some(Duration::from_secs(15))
    );
    server.advance(Duration::from_secs(15));
    client.me().await.unwrap();
}
