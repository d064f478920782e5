//! Starts a task and follows its job's log stream until the job ends.
//!
//! ```sh
//! cargo run -p twill-api --example follow_logs
//! ```
//!
//! Runs against a `twill-mock` server in this process: no network, no key.

use twill_api::Client;
use twill_api::models::CreateTaskRequest;
use twill_api::prelude::*;
use twill_api::stream::EventKind;
use twill_mock::MockServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start().await?;
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.url())
        .build()?;

    let created = client
        .create_task(&CreateTaskRequest::new("Explain the build scripts"))
        .await?;
    println!("{} started job {}", created.task.url, created.job.id);

    let mut logs = client.stream_job_logs(&created.job.id).await?;
    while let Some(event) = logs.next_event().await {
        let event = event?;
        match event.kind() {
            EventKind::Complete { status } => println!("job ended: {status}"),
            EventKind::Error { message } => {
                println!("job failed: {}", message.as_deref().unwrap_or("no message"));
            }
            // Every event keeps the JSON it arrived as.
            _ => println!("{}", event.json()),
        }
    }
    Ok(())
}
