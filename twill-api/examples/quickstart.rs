//! Creates a task, sends it a message, follows the job it starts as it
//! runs, then says where the job stands and what it answered: the
//! library's own workflow (`wait_for_job_observed`, `report_job`), with no
//! polling loop of its own.
//!
//! ```sh
//! cargo run -p twill-api --example quickstart
//! ```
//!
//! With `TWILL_API_KEY` set it talks to the real API (or `TWILL_BASE_URL`);
//! without it, to a `twill-mock` server started in this process, so it runs
//! with no network and no key. A test compares what it prints with the
//! README.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use twill_api::Client;
use twill_api::models::{CreateTaskRequest, SendMessageRequest, UserIntent};
use twill_api::prelude::*;
use twill_api::stream::{EventKind, JobLogEvent};
use twill_api::workflow::WaitOutcome;
use twill_mock::MockServer;

/// The longest the quickstart waits for its job; it goes on after that.
const WAIT: Duration = Duration::from_secs(30 * 60);

#[tokio::main]
async fn main() -> ExitCode {
    let key = std::env::var("TWILL_API_KEY").ok();
    match run(key, &mut std::io::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The quickstart, against the real API when `key` is set and not empty
/// (from the environment, as `Client::from_env` reads it), otherwise
/// against a mock of its own; what it prints goes to `out`.
pub async fn run(
    key: Option<String>,
    out: &mut impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    // Keep the mock alive for the whole run: dropping it stops it.
    let (client, _mock) = match key {
        Some(key) if !key.trim().is_empty() => (Client::from_env()?, None),
        _ => {
            // A job pending for a second, then running for one: time to
            // see it move.
            let mock = MockServer::builder()
                .job_timing(Duration::from_secs(1), Duration::from_secs(1))
                .start()
                .await?;
            let client = Client::builder()
                .api_key(mock.api_key())
                .base_url(mock.url())
                .build()?;
            writeln!(
                out,
                "TWILL_API_KEY is not set: using twill-mock at {}",
                mock.url()
            )?;
            (client, Some(mock))
        }
    };

    let created = client
        .create_task(&CreateTaskRequest::new(
            "Add a dark mode toggle to the settings page",
        ))
        .await?;
    writeln!(
        out,
        "created task {} ({})\n  {}\n  first job {} is {}",
        created.task.slug, created.task.id, created.task.url, created.job.id, created.job.status
    )?;

    // A message cancels the job in flight and starts another.
    let message =
        SendMessageRequest::new("Use CSS variables for the theme colors instead of inline styles")
            .user_intent(UserIntent::Swe);
    let sent = client.send_message(&created.task.id, &message).await?;
    writeln!(
        out,
        "sent a message: job {} is {}",
        sent.job.id, sent.job.status
    )?;

    // Its log as it runs: reopened if it drops, each event once, within
    // a deadline that every request inside keeps.
    let mut lines = Vec::new();
    let wait = client
        .wait_for_job_observed(&sent.job.id, WAIT, None, |event| lines.push(line(event)))
        .await?;
    for line in lines.into_iter().flatten() {
        writeln!(out, "  {line}")?;
    }
    if wait.outcome == WaitOutcome::DeadlineReached {
        writeln!(
            out,
            "job {} goes on; resume from {}",
            sent.job.id, wait.position
        )?;
        return Ok(());
    }

    // Where it stands as the task says (a plan waiting for approval is
    // "needs-you"), and its answer.
    let report = client
        .report_job(&created.task.slug, &sent.job.id, wait.standing)
        .await?;
    writeln!(out, "job {}: {}", sent.job.id, report.standing)?;
    if let Some(answer) = report.job.and_then(|job| job.final_answer) {
        writeln!(out, "  final answer: {answer}")?;
    }
    Ok(())
}

/// An event in a few words: the agent's text, a status, the end.
fn line(event: &JobLogEvent) -> Option<String> {
    if let Some(status) = event.reported_status() {
        return Some(format!("status: {status}"));
    }
    match event.kind() {
        EventKind::TraceChunks => {
            let chunks = event.json().get("chunks")?.as_array()?;
            let text: Vec<&str> = chunks
                .iter()
                .filter_map(|chunk| chunk.get("text")?.as_str())
                .collect();
            Some(format!("agent: {}", text.join(" ")))
        }
        EventKind::TraceUrl { url, .. } => Some(format!("trace: {url}")),
        EventKind::Complete { status } => Some(format!("log: complete ({status})")),
        _ => None,
    }
}
