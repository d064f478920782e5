//! 10,000 send-message calls, 64 in flight, against `twill-mock`: every call
//! answered, every answer matched to its own request, no error.
//!
//! The mock runs in a child process (this test binary again, told by an
//! environment variable to serve), so that the peak memory reported is the
//! client's alone.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use futures_util::StreamExt;
use twill_api::Client;
use twill_api::models::{CreateTaskRequest, SendMessageRequest};
use twill_api::prelude::*;
use twill_mock::MockServer;

const CALLS: usize = 10_000;
const IN_FLIGHT: usize = 64;
const TASKS: usize = 64;

/// The process's peak resident memory (VmHWM), in KiB, where Linux says it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const SERVE: &str = "TWILL_LOAD_TEST_SERVE";
const TEST: &str = "ten_thousand_messages_sixty_four_in_flight";

/// The child process; killed when dropped.
struct MockProcess(Child);

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the mock in a child process; its API root and key.
fn spawn_mock() -> (MockProcess, String, String) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(SERVE, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let process = MockProcess(child);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // The harness prints `test <name> ... ` on the same line first.
        if let Some(rest) = line.split_once("twill-mock ").map(|(_, rest)| rest) {
            let (url, key) = rest.split_once(' ').unwrap();
            return (process, url.to_owned(), key.to_owned());
        }
    }
    panic!("the mock process ended without serving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_messages_sixty_four_in_flight() {
    if std::env::var_os(SERVE).is_some() {
        let server = MockServer::builder().no_rate_limit().start().await.unwrap();
        println!("twill-mock {} {}", server.url(), server.api_key());
        // Serves until the parent kills this process.
        std::future::pending::<()>().await;
    }
    let (_mock, url, key) = spawn_mock();
    let client = Client::builder()
        .api_key(key)
        .base_url(url)
        .build()
        .unwrap();
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
            "load: {CALLS} calls, {IN_FLIGHT} in flight; the client's peak RSS {after} KiB \
             ({before} KiB before the calls; the mock runs in another process)"
        );
    }
}
