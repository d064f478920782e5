//! Creates a task, sends it a message, waits for the job to finish and
//! prints its log events.
//!
//! ```sh
//! cargo run -p twill-api --example quickstart
//! ```
//!
//! With `TWILL_API_KEY` set it talks to the real API (or `TWILL_BASE_URL`);
//! without it, to a `twill-mock` server started in this process, so it runs
//! with no network and no key.

use std::process::ExitCode;
use std::time::Duration;

use twill_api::Client;
use twill_api::models::{CreateTaskRequest, SendMessageRequest, UserIntent};
use twill_api::prelude::*;
use twill_api::stream::EventKind;
use twill_mock::MockServer;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the mock alive for the whole run: dropping it stops it.
    let (client, _mock, poll_every) = match std::env::var("TWILL_API_KEY") {
        Ok(key) if !key.is_empty() => (Client::from_env()?, None, Duration::from_secs(5)),
        _ => {
            let mock = MockServer::start().await?;
            let client = Client::builder()
                .api_key(mock.api_key())
                .base_url(mock.url())
                .build()?;
            println!(
                "TWILL_API_KEY is not set: using twill-mock at {}",
                mock.url()
            );
            (client, Some(mock), Duration::from_millis(150))
        }
    };

    let created = client
        .create_task(&CreateTaskRequest::new(
            "Add a dark mode toggle to the settings page",
        ))
        .await?;
    println!(
        "created task {} ({})\n  {}\n  first job {} is {}",
        created.task.slug, created.task.id, created.task.url, created.job.id, created.job.status
    );

    let message =
        SendMessageRequest::new("Use CSS variables for the theme colors instead of inline styles")
            .user_intent(UserIntent::Swe);
    let sent = client.send_message(&created.task.id, &message).await?;
    println!("sent a message: job {} is {}", sent.job.id, sent.job.status);

    // Poll until the job finishes.
    let mut last = None;
    let job = loop {
        let task = client.get_task(&created.task.slug).await?;
        let job = task.latest_job.ok_or("the task has no job")?;
        if last.as_ref() != Some(&job.status) {
            println!("  job {} is {}", job.id, job.status);
            last = Some(job.status.clone());
        }
        if job.status.is_finished() {
            break job;
        }
        tokio::time::sleep(poll_every).await;
    };
    if let Some(answer) = &job.final_answer {
        println!("  final answer: {answer}");
    }

    // Its log events, history first, up to `complete`.
    let mut logs = client.stream_job_logs(&job.id).await?;
    while let Some(event) = logs.next_event().await {
        let event = event?;
        match event.kind() {
            EventKind::TraceUrl { url, .. } => println!("  log: trace at {url}"),
            EventKind::Complete { status } => println!("  log: complete ({status})"),
            _ => println!("  log: {}", event.json()),
        }
    }
    Ok(())
}
