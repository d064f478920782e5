//! Testing your own code against `twill-mock`, including on a bad day:
//! the function under test reports a job's outcome, and is checked against a
//! server whose jobs succeed and one whose jobs fail.
//!
//! ```sh
//! cargo run -p twill-api --example testing_with_mock
//! ```
//!
//! In a real project the checks in `main` are `#[tokio::test]`s.

use std::time::Duration;

use twill_api::Client;
use twill_api::models::CreateTaskRequest;
use twill_api::prelude::*;
use twill_api::stream::{EventKind, JobOutcome};
use twill_mock::{Faults, JobEnd, MockServer};

/// The code under test: runs a command as a task and says how it went.
async fn run_and_report(client: &Client, command: &str) -> Result<String, twill_api::Error> {
    let created = client.create_task(&CreateTaskRequest::new(command)).await?;
    let mut logs = client.stream_job_logs(&created.job.id).await?;
    while let Some(event) = logs.next_event().await {
        if let EventKind::Complete { status } = event?.kind() {
            return Ok(match status {
                JobOutcome::Completed => format!("{command}: done"),
                other => format!("{command}: {other}, see {}", created.task.url),
            });
        }
    }
    Ok(format!("{command}: no outcome"))
}

/// A client for a mock whose jobs end after a short while, as `faults` say.
async fn mock(faults: Faults) -> Result<(MockServer, Client), Box<dyn std::error::Error>> {
    let server = MockServer::builder()
        .job_timing(Duration::from_millis(20), Duration::from_millis(50))
        .faults(faults)
        .start()
        .await?;
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .build()?;
    Ok((server, client))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_server, client) = mock(Faults::none()).await?;
    let report = run_and_report(&client, "Fix the build").await?;
    assert_eq!(report, "Fix the build: done");
    println!("{report}");

    let (_server, client) = mock(Faults::none().jobs_end(JobEnd::Failed)).await?;
    let report = run_and_report(&client, "Fix the build").await?;
    assert!(
        report.starts_with("Fix the build: failed, see https://"),
        "{report}"
    );
    println!("{report}");
    Ok(())
}
