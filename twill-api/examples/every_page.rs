//! Walks every page of the task list, fetching each page only when the
//! previous one is used up.
//!
//! ```sh
//! cargo run -p twill-api --example every_page
//! ```
//!
//! Runs against a `twill-mock` server in this process: no network, no key.

use twill_api::Client;
use twill_api::models::CreateTaskRequest;
use twill_api::prelude::*;
use twill_mock::MockServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::builder().no_rate_limit().start().await?;
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.url())
        .build()?;
    for i in 1..=45 {
        client
            .create_task(&CreateTaskRequest::new(format!("Chore #{i}")))
            .await?;
    }

    // Pages of 20: three requests, made as the stream is read.
    let mut tasks = client.tasks_stream(Some(20));
    let mut count = 0;
    while let Some(task) = tasks.next().await {
        let task = task?;
        count += 1;
        println!(
            "{count:>3}  {}  {}",
            task.slug,
            task.title.unwrap_or_default()
        );
    }
    println!("{count} tasks");
    Ok(())
}
