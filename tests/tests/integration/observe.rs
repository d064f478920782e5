//! The fleet observer against `twill-mock` on a manual clock and tokio's
//! paused one: what a wait over many tasks costs, counted per endpoint by
//! the mock, and the walking rule (order broken, a task archived, a job
//! replaced).

use std::time::Duration;

use serde_json::json;
use twill_api::prelude::*;
use twill_api::workflow::{Change, Observer, Standing};
use twill_api::{Arguments, Client};
use twill_mock::MockServer;
use twill_tests::{Canned, Recorder, mock_client};

/// A mock on a manual clock with no rate limit: the counts are the cost.
async fn mock() -> MockServer {
    MockServer::builder()
        .manual_clock()
        .no_rate_limit()
        .start()
        .await
        .unwrap()
}

/// Runs rounds until every task settled (at most `rounds`), advancing the
/// mock's clock `step` before each; the changes seen.
async fn settle(observer: &mut Observer, mock: &MockServer, step: Duration) -> Vec<Change> {
    let mut changes = Vec::new();
    for _ in 0..50 {
        changes.extend(observer.round().await.unwrap());
        if observer.is_settled() {
            return changes;
        }
        mock.advance(step);
    }
    panic!("not settled: {observer:?}");
}

fn count(mock: &MockServer, endpoint: &str) -> u64 {
    mock.stats().by_endpoint.get(endpoint).copied().unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn a_hundred_and_fifty_tasks_cost_two_list_pages_a_round_and_a_read_each_at_their_end() {
    let mock = mock().await;
    let client = mock_client(&mock);
    let mut slugs = Vec::new();
    for i in 0..150 {
        let created = client
            .create_task(&twill_api::models::CreateTaskRequest::new(format!(
                "chore {i}"
            )))
            .await
            .unwrap();
        slugs.push(created.task.slug);
    }
    // Newer tasks nobody watches, on top of the list.
    for i in 0..30 {
        client
            .create_task(&twill_api::models::CreateTaskRequest::new(format!(
                "other {i}"
            )))
            .await
            .unwrap();
    }
    let before = mock.stats();
    let mut observer = client.observe(slugs.clone()).share(1.0);
    // Jobs are pending 100 ms, then run 400 ms: rounds every 100 ms.
    let changes = settle(&mut observer, &mock, Duration::from_millis(100)).await;
    let lists =
        count(&mock, "list_tasks") - before.by_endpoint.get("list_tasks").copied().unwrap_or(0);
    let reads = count(&mock, "get_task") - before.by_endpoint.get("get_task").copied().unwrap_or(0);
    // Every task ended completed: one read each to see no plan waits.
    assert_eq!(reads, 150, "{changes:?}");
    let rounds = 6;
    assert!(lists <= 2 * rounds, "{lists} list pages");
    assert_eq!(observer.requests(), lists + reads);
    assert!(
        !mock.stats().by_endpoint.contains_key("stream_job_logs"),
        "no log stream"
    );
    let ended: Vec<&Change> = changes
        .iter()
        .filter(|change| {
            matches!(
                change,
                Change::Standing {
                    to: Standing::Completed,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(ended.len(), 150);
    for (task, standing) in observer.standings() {
        assert_eq!(standing, Some(&Standing::Completed), "{task}");
    }
}

#[tokio::test(start_paused = true)]
async fn tasks_created_with_an_intent_that_proposes_nothing_are_not_read_at_their_end() {
    let mock = mock().await;
    let client = mock_client(&mock);
    let mut observer = client.observe(Vec::<String>::new());
    for (command, intent) in [("a", "SWE"), ("b", "ASK"), ("c", "PLAN")] {
        let mut request = twill_api::models::CreateTaskRequest::new(command);
        request.user_intent = Some(intent.into());
        let created = client.create_task(&request).await.unwrap();
        observer.watch_created(
            &created.task.slug,
            &created.job.id,
            request.user_intent.as_ref(),
        );
    }
    let before = count(&mock, "get_task");
    settle(&mut observer, &mock, Duration::from_millis(200)).await;
    // Only the plan is read, and it waits for approval.
    assert_eq!(count(&mock, "get_task") - before, 1);
    let standings: Vec<Option<&Standing>> = observer.standings().map(|(_, s)| s).collect();
    assert_eq!(standings[0], Some(&Standing::Completed));
    assert_eq!(standings[2].map(Standing::word), Some("needs-you"));
}

#[tokio::test(start_paused = true)]
async fn an_archived_task_is_read_once_then_every_fifth_round() {
    let mock = mock().await;
    let client = mock_client(&mock);
    let watched = client
        .create_task(&twill_api::models::CreateTaskRequest::new("gone"))
        .await
        .unwrap();
    client
        .create_task(&twill_api::models::CreateTaskRequest::new("newer"))
        .await
        .unwrap();
    let mut observer = client.observe([watched.task.slug.clone()]);
    observer.round().await.unwrap();
    client
        .call(
            <Client as Tasks>::ARCHIVE_TASK,
            &Arguments::new().arg("taskIdOrSlug", watched.task.slug.as_str()),
        )
        .await
        .unwrap();
    // Archiving cancels its job; a message starts another, which runs
    // while the task is out of the list.
    client
        .send_message(
            &watched.task.slug,
            &twill_api::models::SendMessageRequest::new("on"),
        )
        .await
        .unwrap();
    let before = count(&mock, "get_task");
    for _ in 0..10 {
        observer.round().await.unwrap();
    }
    // Rounds 2 to 11: read when first missed (round 2), then in rounds 6 and 11.
    assert_eq!(count(&mock, "get_task") - before, 3);
}

#[tokio::test(start_paused = true)]
async fn a_list_out_of_order_is_not_trusted_and_each_task_is_read() {
    let item = |slug: &str, at: &str| json!({"id": slug, "slug": slug, "url": "u", "createdAt": at, "latestJobStatus": "IN_PROGRESS", "prs": []});
    let page = json!({
        "tasks": [item("a", "2026-01-01T00:00:01Z"), item("b", "2026-01-01T00:00:09Z")],
        "nextCursor": null
    });
    let task = |slug: &str| {
        json!({"task": {"id": slug, "slug": slug, "url": "u", "prs": []},
               "latestJob": {"id": format!("{slug}-job"), "status": "IN_PROGRESS"}})
    };
    let server = Recorder::replying([
        Canned::json(200, page),
        Canned::json(200, task("a")),
        Canned::json(200, task("b")),
    ])
    .await;
    let mut observer = server.client().observe(["a", "b"]);
    observer.round().await.unwrap();
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    // What came before the break stands; the rest is read.
    assert_eq!(targets, ["/api/v1/tasks?limit=100", "/api/v1/tasks/b"]);
    // From then on, each task is read, and no list.
    observer.round().await.unwrap();
    let targets: Vec<String> = server.requests()[2..]
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(targets, ["/api/v1/tasks/a", "/api/v1/tasks/b"]);
}

#[tokio::test(start_paused = true)]
async fn a_job_replaced_by_a_message_is_said_once_seen() {
    let mock = mock().await;
    let client = mock_client(&mock);
    let created = client
        .create_task(&twill_api::models::CreateTaskRequest::new("x"))
        .await
        .unwrap();
    let mut observer = client.observe(Vec::<String>::new());
    observer.watch_created(&created.task.slug, &created.job.id, None);
    observer.round().await.unwrap();
    let sent = client
        .send_message(
            &created.task.slug,
            &twill_api::models::SendMessageRequest::new("more"),
        )
        .await
        .unwrap();
    let changes = settle(&mut observer, &mock, Duration::from_millis(200)).await;
    assert!(
        changes.contains(&Change::JobReplaced {
            task: created.task.slug.clone(),
            old: created.job.id.clone(),
            new: sent.job.id.clone(),
        }),
        "{changes:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_read_that_failed_is_made_again_next_round() {
    let page = |status: &str| {
        let item = json!({"id": "a", "slug": "a", "url": "u", "createdAt": "2026-01-01T00:00:01Z",
                          "latestJobStatus": status, "prs": []});
        json!({ "tasks": [item], "nextCursor": null })
    };
    let task = json!({"task": {"id": "a", "slug": "a", "url": "u", "prs": []},
                      "latestJob": {"id": "a-job", "status": "COMPLETED"}});
    // Running; then completed, its read answered 503 (three attempts);
    // then, next round, the read is made again and answered.
    let server = Recorder::replying([
        Canned::json(200, page("IN_PROGRESS")),
        Canned::json(200, page("COMPLETED")),
        Canned::status(503),
        Canned::status(503),
        Canned::status(503),
        Canned::json(200, page("COMPLETED")),
        Canned::json(200, task),
    ])
    .await;
    let mut observer = server.client().observe(["a"]);
    observer.round().await.unwrap();
    assert!(observer.round().await.is_err());
    let changes = observer.round().await.unwrap();
    assert!(
        matches!(
            &changes[..],
            [Change::Standing {
                to: Standing::Completed,
                ..
            }]
        ),
        "{changes:?}"
    );
    assert!(observer.is_settled());
}

#[tokio::test(start_paused = true)]
async fn next_round_pauses_between_rounds_and_ends_at_the_deadline() {
    let mock = mock().await;
    let client = mock_client(&mock);
    let created = client
        .create_task(&twill_api::models::CreateTaskRequest::new("slow"))
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let deadline = started + Duration::from_secs(20);
    let within = client.with_deadline(deadline);
    let mut observer = within.observe([created.task.slug.as_str()]);
    // The first round at once; the next after its pause.
    assert!(observer.next_round().await.unwrap().is_ok());
    assert!(started.elapsed() < Duration::from_millis(100));
    let pause = observer.next_pause();
    assert!(observer.next_round().await.unwrap().is_ok());
    assert!(started.elapsed() >= pause, "{:?}", started.elapsed());
    // The job never ends on the mock's clock: rounds until the deadline,
    // then `None`, at the deadline and not before.
    let mut rounds = 2;
    while observer.next_round().await.is_some() {
        rounds += 1;
    }
    assert_eq!(tokio::time::Instant::now(), deadline);
    assert!(rounds >= 4, "{rounds}");
    assert!(!observer.is_settled());
}
