//! 10,000 send-message calls, 64 in flight, against `twill-mock`: every call
//! answered, every answer matched to its own request, no error.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;
use twill_api::prelude::*;
use twill_api::{CreateTaskRequest, SendMessageRequest};
use twill_mock::MockServer;
use twill_tests::mock_client;

const CALLS: usize = 10_000;
const IN_FLIGHT: usize = 64;
const TASKS: usize = 64;

/// The process's peak resident memory (VmHWM), in KiB, where Linux says it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_messages_sixty_four_in_flight() {
    let server = MockServer::builder().no_rate_limit().start().await.unwrap();
    let client = mock_client(&server);
    let mut tasks = Vec::new();
    for i in 0..TASKS {
        let created = client
            .create_task(&CreateTaskRequest::new(format!("load task {i}")))
            .await
            .unwrap();
        tasks.push(created.task.id);
    }
    let before = peak_rss_kib();

    let answers: Vec<(usize, String)> = futures_util::stream::iter(0..CALLS)
        .map(|i| {
            let client = client.clone();
            let task = tasks[i % TASKS].clone();
            async move {
                let request = SendMessageRequest::new(format!("message {i}"));
                let sent = client.send_message(&task, &request).await;
                (
                    i,
                    sent.unwrap_or_else(|e| panic!("call {i} failed: {e}"))
                        .job
                        .id,
                )
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;

    assert_eq!(answers.len(), CALLS, "every call answered");
    let unique: HashSet<&String> = answers.iter().map(|(_, job)| job).collect();
    assert_eq!(unique.len(), CALLS, "every answer is a different job");

    // Each answer names the job its own message started.
    let mut inputs: HashMap<String, String> = HashMap::new();
    for task in &tasks {
        let mut jobs = client.jobs_stream(task, Some(100));
        while let Some(job) = jobs.next().await {
            let job = job.unwrap();
            let input = job
                .input
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            inputs.insert(job.id, input);
        }
    }
    for (i, job) in &answers {
        assert_eq!(
            inputs.get(job).map(String::as_str),
            Some(format!("message {i}").as_str()),
            "job {job}"
        );
    }

    if let (Some(before), Some(after)) = (before, peak_rss_kib()) {
        eprintln!(
            "load: {CALLS} calls, {IN_FLIGHT} in flight; peak RSS of the test process \
             (client and in-process mock) {after} KiB, {before} KiB before the calls"
        );
    }
}
