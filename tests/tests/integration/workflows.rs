//! The workflows, against hostile loopback servers on tokio's paused clock:
//! a follower that reopens a dropped stream shows each event once, keeps a
//! legitimately repeated one, and gives up on a stream that only ever
//! replays its history; a wait ends at its deadline with a typed outcome; a
//! page walk stops on empty pages with fresh cursors.

use std::time::Duration;

use tokio::time::Instant;
use twill_api::prelude::*;
use twill_api::workflow::{DEFAULT_QUIET_REOPENINGS, FollowStep, JobEnd, WaitOutcome};
use twill_api::{Arguments, Client, Error};
use twill_tests::{RawServer, Step, client_at, closed_port_url};

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
            // The follower waits itself before reopening.
            FollowStep::Reopening { .. } => reopenings += 1,
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
    // The chunk; the stream's own markers are not counted.
    assert_eq!(wait.events, 1);
    assert_eq!(wait.position.to_string(), "1:trace_chunks");

    // Resumed: the chunk is not delivered again.
    let again = client
        .wait_for_job("job-1", Duration::from_secs(45), Some(wait.position))
        .await
        .unwrap();
    assert_eq!(again.events, 0, "connected and historical_complete only");
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

/// A 429 asking for a minute.
fn a_minute_later() -> &'static str {
    let body = r#"{"error":{"code":"rate_limited","message":"Slow down"}}"#;
    Box::leak(
        format!(
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 60\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    )
}

#[tokio::test(start_paused = true)]
async fn a_follower_dropped_every_100_ms_while_its_stream_opens_opens_one_connection() {
    // The stream's head comes after 300 ms, as over a real network; a
    // status line's tick drops `next` every 100 ms meanwhile.
    let server = RawServer::start(vec![vec![
        Step::Wait(Duration::from_millis(300)),
        Step::Write(stream(&[CONNECTED, CHUNK, HISTORY_DONE, COMPLETE])),
    ]])
    .await;
    let client = client_at(server.url());
    let mut follower = client.follow_job("job-1");
    let (mut events, mut ticks) = (Vec::new(), 0);
    while follower.end().is_none() {
        tokio::select! {
            step = follower.next() => match step {
                Some(Ok(FollowStep::Event(event))) => events.push(event.json().to_string()),
                other => panic!("{other:?}"),
            },
            () = tokio::time::sleep(Duration::from_millis(100)) => ticks += 1,
        }
    }
    assert!(ticks >= 2, "{ticks}");
    assert_eq!(events, [CONNECTED, CHUNK, HISTORY_DONE, COMPLETE].map(json));
    assert_eq!(server.connections(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_id_refused_before_sending_is_the_first_step_never_a_reopening() {
    let server = RawServer::start(vec![vec![Step::Write(stream(&[CONNECTED]))]]).await;
    let client = client_at(server.url());
    let started = Instant::now();
    for id in [String::new(), "..".to_owned(), "x".repeat(1 << 20)] {
        let mut follower = client.follow_job(&id);
        let error = follower
            .next()
            .await
            .expect("a step")
            .expect_err("the input error");
        assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
        assert!(!error.is_transient());
        assert!(follower.next().await.is_none());
        let error = client
            .wait_for_job(&id, Duration::from_secs(45), None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
        let error = client
            .wait_for_task(&id, Duration::from_secs(45), None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    }
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(server.connections(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_wait_answers_at_its_deadline_behind_a_longer_retry_after() {
    let server = RawServer::start(vec![vec![Step::Write(a_minute_later())]]).await;
    let client = client_at(server.url());
    let started = Instant::now();
    let wait = client
        .wait_for_job("job-1", Duration::from_secs(20), None)
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(21),
        "{took:?}"
    );
    assert_eq!(wait.outcome, WaitOutcome::DeadlineReached);
    assert_eq!(wait.events, 0);
    let down = wait
        .reconnecting
        .expect("the stream was down at the deadline");
    assert!(down.contains("429"), "{down}");
    // The minute was not waited out, and the request not sent again.
    assert_eq!(server.connections(), 1);

    // A task's wait cannot read the task in time: it says so at once, with
    // when to come back, rather than at 120 s.
    let started = Instant::now();
    let error = client
        .wait_for_task("task-1", Duration::from_secs(20), None)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));
    assert!(error.is_transient());
    assert_eq!(server.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_follower_gives_up_on_a_server_that_stays_away_after_about_a_minute() {
    let client = client_at(closed_port_url().await);
    let started = Instant::now();
    let mut follower = client.follow_job("job-1");
    let mut reopenings = 0;
    let error = loop {
        match follower.next().await.expect("it ends with an error") {
            Ok(FollowStep::Reopening { cause, .. }) => {
                assert!(cause.is_transient(), "{cause}");
                reopenings += 1;
            }
            Ok(other) => panic!("{other:?}"),
            Err(error) => break error,
        }
    };
    assert!(follower.next().await.is_none());
    assert_eq!(reopenings, DEFAULT_QUIET_REOPENINGS);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(55) && took <= Duration::from_secs(65),
        "{took:?}"
    );
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.to_string().contains("connection refused"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn errors_that_cannot_change_are_sorted_from_those_that_can() {
    use twill_api::error::ErrorResponse;
    use twill_api::{Method, StatusCode};
    let answered = |method: Method, status: u16| {
        let status = StatusCode::from_u16(status).unwrap();
        Error::from_response(ErrorResponse::new(
            method,
            status,
            Default::default(),
            "".into(),
        ))
    };
    for (status, transient) in [
        (400, false),
        (401, false),
        (403, false),
        (404, false),
        (408, true),
        (409, true),
        (422, false),
        (429, true),
        (500, true),
        (502, true),
        (503, true),
        (301, false),
    ] {
        let error = answered(Method::GET, status);
        assert_eq!(error.is_transient(), transient, "{status}");
    }
    // A create answered 5xx may have acted: looked up, never resent; a
    // 429 was refused before acting.
    let create = <Client as Tasks>::CREATE_TASK;
    assert!(!create.can_send_again(&answered(Method::POST, 502)));
    assert!(create.can_send_again(&answered(Method::POST, 429)));
    assert!(!create.can_send_again(&answered(Method::POST, 400)));
    let read = <Client as Tasks>::GET_TASK;
    assert!(read.can_send_again(&answered(Method::GET, 503)));
    // A refused connection sent nothing.
    let refused = client_at(closed_port_url().await)
        .with_retry_policy(twill_api::RetryPolicy::none())
        .create_task(&twill_api::models::CreateTaskRequest::new("x"))
        .await
        .unwrap_err();
    assert!(refused.is_transient() && create.can_send_again(&refused));
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_longer_than_the_policy_waits_ends_the_follow_at_once() {
    // `twill --no-wait`: a client that waits out no Retry-After.
    let server = RawServer::start(vec![vec![Step::Write(a_minute_later())]]).await;
    let client = client_at(server.url())
        .with_retry_policy(twill_api::RetryPolicy::default().max_retry_after(Duration::ZERO));
    let started = Instant::now();
    let error = client
        .follow_job("job-1")
        .next()
        .await
        .expect("a step")
        .expect_err("the 429, not a reopening");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(server.connections(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_accepts_and_never_answers_is_given_up_on_too() {
    let server = RawServer::start(vec![vec![Step::Stall]]).await;
    let client = client_at(server.url());
    let started = Instant::now();
    let mut follower = client.follow_job("job-1");
    let error = loop {
        match follower.next().await.expect("it ends with an error") {
            Ok(FollowStep::Reopening { .. }) => {}
            Ok(other) => panic!("{other:?}"),
            Err(error) => break error,
        }
    };
    // Each try takes the call timeout (60 s): the second one that opens
    // nothing is past the 90 s bound.
    let took = started.elapsed();
    assert!(took <= Duration::from_secs(125), "{took:?}");
    assert!(error.is_timeout(), "{error}");
    assert_eq!(server.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn latest_job_id_reads_a_jobless_task_again_until_its_job_comes_or_the_deadline() {
    use twill_tests::{Canned, Recorder};
    let jobless =
        serde_json::json!({ "task": { "id": "t", "slug": "t", "url": "u" }, "latestJob": null });
    let with_job = serde_json::json!({
        "task": { "id": "t", "slug": "t", "url": "u" },
        "latestJob": { "id": "job-7", "status": "PENDING" }
    });
    let server = Recorder::replying([
        Canned::json(200, jobless.clone()),
        Canned::json(200, jobless.clone()),
        Canned::json(200, with_job),
    ])
    .await;
    let started = Instant::now();
    let job = server.client().latest_job_id("t").await.unwrap();
    assert_eq!(job.as_deref(), Some("job-7"));
    assert_eq!(server.requests().len(), 3);
    assert!(started.elapsed() >= 2 * twill_api::workflow::NEXT_JOB_EVERY);
    // A task that never gets one: `None` before the deadline would pass.
    let never = Recorder::start(Canned::json(200, jobless)).await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(12);
    let job = never
        .client()
        .with_deadline(deadline)
        .latest_job_id("t")
        .await
        .unwrap();
    assert_eq!(job, None);
    assert!(Instant::now() <= deadline);
    assert_eq!(never.requests().len(), 3, "at 0, 5 and 10 s");
}
