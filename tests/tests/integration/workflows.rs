//! The workflows, against hostile loopback servers on tokio's paused clock:
//! a follower that reopens a dropped stream shows each event once, keeps a
//! legitimately repeated one, and gives up on a stream that only ever
//! replays its history; a wait ends at its deadline with a typed outcome; a
//! page walk stops on empty pages with fresh cursors.

use std::time::Duration;

use twill_api::prelude::*;
use twill_api::workflow::{FollowStep, JobEnd, WaitOutcome};
use twill_api::{Arguments, Client};
use twill_tests::{RawServer, Step, client_at};

/// An event stream's response head and `events`, each a JSON object.
fn stream(events: &[&str]) -> &'static str {
    let body: String = events
        .iter()
        .map(|event| format!("data: {event}\n\n"))
        .collect();
    Box::leak(
        format!("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n{body}")
            .into_boxed_str(),
    )
}

const CONNECTED: &str = r#"{"type":"connected","jobId":"job-1"}"#;
const CHUNK: &str = r#"{"type":"trace_chunks","chunks":[{"text":"same"}]}"#;
const NEW_CHUNK: &str = r#"{"type":"trace_chunks","chunks":[{"text":"new"}]}"#;
const HISTORY_DONE: &str = r#"{"type":"historical_complete"}"#;
const COMPLETE: &str = r#"{"type":"complete","status":"completed"}"#;

async fn events_of(client: &Client) -> (Vec<String>, u32, Option<JobEnd>) {
    let mut follower = client.follow_job("job-1");
    let mut events = Vec::new();
    let mut reopenings = 0;
    while let Some(step) = follower.next().await {
        match step.unwrap() {
            FollowStep::Event(event) => events.push(event.json().to_string()),
            FollowStep::Reopening { wait, .. } => {
                reopenings += 1;
                tokio::time::sleep(wait).await;
            }
            _ => {}
        }
    }
    (events, reopenings, follower.end().cloned())
}

fn json(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .unwrap()
        .to_string()
}

#[tokio::test(start_paused = true)]
async fn a_reopened_stream_shows_its_history_once_and_a_repeated_event_twice() {
    let server = RawServer::start(vec![
        // Two identical events, then the connection drops.
        vec![Step::Write(stream(&[CONNECTED, CHUNK, CHUNK]))],
        // The replay: the same two, one new, then live and the end.
        vec![Step::Write(stream(&[
            CONNECTED,
            CHUNK,
            CHUNK,
            NEW_CHUNK,
            HISTORY_DONE,
            COMPLETE,
        ]))],
    ])
    .await;
    let (events, reopenings, end) = events_of(&client_at(server.url())).await;
    assert_eq!(
        events,
        [
            CONNECTED,
            CHUNK,
            CHUNK,
            CONNECTED,
            NEW_CHUNK,
            HISTORY_DONE,
            COMPLETE
        ]
        .map(json)
    );
    assert_eq!(reopenings, 1);
    assert_eq!(end, Some(JobEnd::Completed));
    assert_eq!(server.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_only_replays_its_history_is_given_up_after_bounded_reopenings() {
    // Every connection: the history, then the connection closes for ever.
    let server = RawServer::start(vec![vec![Step::Write(stream(&[
        CONNECTED,
        CHUNK,
        HISTORY_DONE,
    ]))]])
    .await;
    let client = client_at(server.url());
    let mut follower = client.follow_job("job-1").max_quiet_reopenings(3);
    let mut chunks = 0;
    let error = loop {
        match follower.next().await.expect("it ends with an error") {
            Ok(FollowStep::Event(event)) if event.json()["type"] == "trace_chunks" => chunks += 1,
            Ok(FollowStep::Reopening { wait, .. }) => tokio::time::sleep(wait).await,
            Ok(_) => {}
            Err(error) => break error,
        }
    };
    assert!(follower.next().await.is_none());
    assert_eq!(chunks, 1, "the replayed history is not shown again");
    // The first connection brought the chunk; then 3 quiet reopenings are
    // allowed and the 4th quiet end gives up.
    assert_eq!(server.connections(), 5);
    assert!(error.to_string().contains("ended before"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_missing_job_is_not_waited_for() {
    let not_found = r#"{"error":{"code":"not_found","message":"Job not found"}}"#;
    let reply: &'static str = Box::leak(
        format!(
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{not_found}",
            not_found.len()
        )
        .into_boxed_str(),
    );
    let server = RawServer::start(vec![vec![Step::Write(reply)]]).await;
    let client = client_at(server.url());
    let mut follower = client.follow_job("job-1");
    let error = follower.next().await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|status| status.as_u16()), Some(404));
    assert!(follower.next().await.is_none());
    assert_eq!(server.connections(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_wait_reaches_its_deadline_as_an_outcome_and_resumes_from_its_position() {
    // History, then silence (kept open) until the deadline.
    let server = RawServer::start(vec![vec![
        Step::Write(stream(&[CONNECTED, CHUNK, HISTORY_DONE])),
        Step::Stall,
    ]])
    .await;
    let client = client_at(server.url());
    let wait = client
        .wait_for_job("job-1", Duration::from_secs(45), None)
        .await
        .unwrap();
    assert_eq!(wait.outcome, WaitOutcome::DeadlineReached);
    assert_eq!(wait.events, 3);
    assert_eq!(wait.position.to_string(), "1:trace_chunks");

    // Resumed: the chunk is not delivered again.
    let again = client
        .wait_for_job("job-1", Duration::from_secs(45), Some(wait.position))
        .await
        .unwrap();
    assert_eq!(again.events, 2, "connected and historical_complete only");
}

#[tokio::test(start_paused = true)]
async fn a_wait_survives_a_cut_stream_and_ends_with_the_outcome() {
    let server = RawServer::start(vec![
        vec![Step::Write(stream(&[CONNECTED, CHUNK]))],
        vec![Step::Write(stream(&[
            CONNECTED,
            CHUNK,
            HISTORY_DONE,
            r#"{"type":"complete","status":"failed","reason":"tests failed"}"#,
        ]))],
    ])
    .await;
    let wait = client_at(server.url())
        .wait_for_job("job-1", Duration::from_secs(45), None)
        .await
        .unwrap();
    assert_eq!(
        wait.outcome,
        WaitOutcome::Ended(JobEnd::Failed {
            reason: Some("tests failed".to_owned())
        })
    );
}

#[tokio::test(start_paused = true)]
async fn a_raw_page_walk_stops_on_empty_pages_with_fresh_cursors() {
    // Every page empty, each with a cursor never seen before.
    let mut replies = Vec::new();
    for i in 0..50 {
        let body = format!(r#"{{"tasks":[],"nextCursor":"c{i}"}}"#);
        let reply: &'static str = Box::leak(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_boxed_str(),
        );
        replies.push(vec![Step::Write(reply)]);
    }
    let server = RawServer::start(replies).await;
    let client = client_at(server.url());
    let mut pages = client.walk_pages(<Client as Tasks>::LIST_TASKS, Arguments::new(), "tasks");
    let mut seen = 0;
    let error = loop {
        match pages.next().await.expect("it ends with an error") {
            Ok(_) => seen += 1,
            Err(error) => break error,
        }
    };
    assert_eq!(seen, 10);
    assert_eq!(server.connections(), 10);
    assert!(matches!(error, twill_api::Error::Pages(_)), "{error:?}");
}
