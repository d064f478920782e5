//! The client against `twill-mock`'s fault switches: the failures of a bad
//! day on a real deployment, without a raw socket.

use std::time::Duration;

use futures_util::StreamExt;
use twill_api::models::{CreateTaskRequest, JobStatus};
use twill_api::prelude::*;
use twill_api::stream::EventKind;
use twill_api::stream::{JobLogEvent, JobLogStream, JobOutcome};
use twill_api::{Client, Error};
use twill_mock::{Faults, JobEnd, MockServer};

async fn server(faults: Faults) -> MockServer {
    MockServer::builder()
        .manual_clock()
        .faults(faults)
        .start()
        .await
        .unwrap()
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .timeout(Duration::from_secs(5))
        .stream_idle_timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Creates a task, lets its job finish, and returns the job's log events.
async fn finished_job_events(server: &MockServer) -> (JobStatus, Vec<Result<JobLogEvent, Error>>) {
    let client = client(server);
    let created = client
        .create_task(&CreateTaskRequest::new("Fix the flaky test"))
        .await
        .unwrap();
    let mut logs = client.stream_job_logs(&created.job.id).await.unwrap();
    let first = logs.next_event().await;
    server.advance(Duration::from_secs(3600));
    let mut events: Vec<_> = first.into_iter().collect();
    while let Some(event) = logs.next_event().await {
        events.push(event);
    }
    let latest = client.get_task(&created.task.id).await.unwrap().latest_job;
    (latest.expect("a job").status, events)
}

fn last_event(events: &[Result<JobLogEvent, Error>]) -> &JobLogEvent {
    events.last().unwrap().as_ref().unwrap()
}

#[tokio::test]
async fn jobs_can_end_failed() {
    let server = server(Faults::none().jobs_end(JobEnd::Failed)).await;
    let (status, events) = finished_job_events(&server).await;
    assert_eq!(status, JobStatus::Failed);
    assert_eq!(
        last_event(&events).kind(),
        &EventKind::Complete {
            status: JobOutcome::Failed
        }
    );
}

#[tokio::test]
async fn jobs_can_end_cancelled() {
    let server = server(Faults::none().jobs_end(JobEnd::Cancelled)).await;
    let (status, events) = finished_job_events(&server).await;
    assert_eq!(status, JobStatus::Cancelled);
    assert_eq!(
        last_event(&events).kind(),
        &EventKind::Complete {
            status: JobOutcome::Cancelled
        }
    );
}

#[tokio::test]
async fn streams_can_end_with_an_error_event() {
    let server = server(Faults::none().stream_error("sandbox lost")).await;
    let (_, events) = finished_job_events(&server).await;
    let EventKind::Error { message } = last_event(&events).kind() else {
        panic!("{events:?}");
    };
    assert_eq!(message.as_deref(), Some("sandbox lost"));
}

#[tokio::test(start_paused = true)]
async fn a_stalled_success_body_times_out_after_every_attempt() {
    let server = server(Faults::none()).await;
    let client = client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("x"))
        .await
        .unwrap();
    server.set_faults(Faults::none().stall_bodies());
    let error = client.get_task(&created.task.id).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.status(), Some(twill_api::StatusCode::OK));
    assert_eq!(error.attempts(), 3);
    server.set_faults(Faults::none());
    client.get_task(&created.task.id).await.unwrap();
}

async fn logs_of_a_new_job(server: &MockServer, client: &Client) -> JobLogStream {
    let created = client
        .create_task(&CreateTaskRequest::new("x"))
        .await
        .unwrap();
    let logs = client.stream_job_logs(&created.job.id).await.unwrap();
    server.advance(Duration::from_secs(3600));
    logs
}

#[tokio::test(start_paused = true)]
async fn a_stalled_stream_ends_at_the_idle_timeout() {
    let server = server(Faults::none().stall_streams()).await;
    let client = client(&server);
    let mut logs = logs_of_a_new_job(&server, &client).await;
    let mut events = Vec::new();
    while let Some(event) = logs.next_event().await {
        events.push(event);
    }
    assert_eq!(
        events.first().unwrap().as_ref().unwrap().kind(),
        &EventKind::Connected
    );
    assert!(events.last().unwrap().as_ref().unwrap_err().is_timeout());
}

/// On real time, in fractions of a second: tokio's paused clock starves a
/// hyper server's body stream of I/O while its timers keep firing.
#[tokio::test]
async fn a_slow_stream_within_the_idle_timeout_completes_and_beyond_it_times_out() {
    let server = server(Faults::none().slow_stream(Duration::from_millis(60))).await;
    let idle_after = |idle| {
        Client::builder()
            .api_key(server.api_key())
            .base_url(server.url())
            .stream_idle_timeout(idle)
            .build()
            .unwrap()
    };
    let mut logs = logs_of_a_new_job(&server, &idle_after(Duration::from_secs(5))).await;
    let mut last = None;
    while let Some(event) = logs.next_event().await {
        last = Some(event.unwrap());
    }
    assert!(last.unwrap().is_terminal());

    let mut logs = logs_of_a_new_job(&server, &idle_after(Duration::from_millis(20))).await;
    let error = logs.next_event().await.unwrap().unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn opaque_cursors_with_plus_slash_and_equals_walk_every_page() {
    let server = MockServer::builder()
        .no_rate_limit()
        .faults(Faults::none().opaque_cursors())
        .start()
        .await
        .unwrap();
    let client = client(&server);
    for i in 0..45 {
        client
            .create_task(&CreateTaskRequest::new(format!("task {i}")))
            .await
            .unwrap();
    }
    let first = client.list_tasks(Some(20), None).await.unwrap();
    let cursor = first.next_cursor.expect("a second page");
    assert!(
        cursor.starts_with("+/+/") && cursor.ends_with('='),
        "{cursor}"
    );

    let walked: Vec<_> = client
        .tasks_stream(Some(20))
        .map(|task| task.unwrap().id)
        .collect()
        .await;
    // Each cursor was sent percent-encoded: the mock decodes the query, and
    // a bare `+` would arrive as a space and be refused.
    assert_eq!(walked.len(), 45);
}

#[tokio::test]
async fn connections_closed_after_every_answer_are_not_reused() {
    let server = server(Faults::none().close_connections()).await;
    let client = client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("x"))
        .await
        .unwrap();
    for _ in 0..20 {
        client
            .send_message(
                &created.task.id,
                &twill_api::models::SendMessageRequest::new("again"),
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn repeated_events_are_both_delivered_by_a_follower() {
    let server = server(Faults::none().repeat_events()).await;
    let client = client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("Log twice"))
        .await
        .unwrap();
    let mut follower = client.follow_job(&created.job.id);
    let mut chunks = 0;
    while let Some(event) = follower.next_event().await {
        let event = event.unwrap();
        if matches!(event.kind(), EventKind::TraceChunks) {
            chunks += 1;
        }
        if matches!(event.kind(), EventKind::HistoricalComplete) {
            break;
        }
    }
    assert_eq!(chunks, 2, "the same event logged twice is shown twice");
}

#[tokio::test(start_paused = true)]
async fn a_replay_only_stream_ends_a_follower_with_an_error() {
    let server = MockServer::builder()
        .faults(Faults::none().cut_streams(u32::MAX))
        .start()
        .await
        .unwrap();
    let client = client(&server);
    let created = client
        .create_task(&CreateTaskRequest::new("Never finishes here"))
        .await
        .unwrap();
    let mut follower = client.follow_job(&created.job.id).max_quiet_reopenings(2);
    let mut last = None;
    while let Some(event) = follower.next_event().await {
        last = Some(event);
    }
    assert!(matches!(last, Some(Err(Error::Stream(_)))), "{last:?}");
    assert!(follower.end().is_none());
}

#[tokio::test]
async fn empty_pages_with_fresh_cursors_stop_a_walk() {
    let server = server(Faults::none().empty_pages()).await;
    let client = client(&server);
    let walked: Vec<_> = client.tasks_stream(Some(5)).collect().await;
    assert!(
        matches!(walked.last(), Some(Err(Error::Pages(_)))),
        "{walked:?}"
    );
    assert_eq!(walked.len(), 1, "no items, then the guard's error");
}

#[tokio::test]
async fn huge_cursors_are_followed_to_the_end() {
    let server = server(Faults::none().huge_cursors(60_000)).await;
    let client = client(&server);
    for i in 0..7 {
        client
            .create_task(&CreateTaskRequest::new(format!("chore {i}")))
            .await
            .unwrap();
    }
    let walked: Vec<_> = client.tasks_stream(Some(2)).collect().await;
    assert_eq!(walked.len(), 7);
    assert!(walked.iter().all(Result::is_ok));
}
