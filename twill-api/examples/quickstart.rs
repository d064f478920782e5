//! Creates a task, sends it a message and prints the job.
//!
//! ```sh
//! cargo run -p twill-api --example quickstart
//! ```
//!
//! With `TWILL_API_KEY` set it talks to the real API (or `TWILL_BASE_URL`);
//! without it, to a `twill-mock` server started in this process, so it runs
//! with no network and no key.

use std::process::ExitCode;

use twill_api::prelude::*;
use twill_api::{Client, CreateTaskRequest, SendMessageRequest, UserIntent};
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
    let (client, _mock) = match std::env::var("TWILL_API_KEY") {
        Ok(key) if !key.is_empty() => (Client::from_env()?, None),
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
            (client, Some(mock))
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

    let task = client.get_task(&created.task.slug).await?;
    match task.latest_job {
        Some(job) => println!(
            "latest job of {}: {} ({})",
            task.task.slug, job.id, job.status
        ),
        None => println!("{} has no job yet", task.task.slug),
    }
    Ok(())
}
