//! Your own endpoints, declared with the same attribute as the built-in
//! ones, with an error type of your own.
//!
//! ```sh
//! cargo run -p twill-api --example own_endpoints
//! ```
//!
//! Runs against a `twill-mock` server in this process: no network, no key.

use serde::Deserialize;
use twill_api::error::ErrorResponse;
use twill_api::{Client, EndpointError, Error, twill_endpoint};
use twill_mock::MockServer;

/// Errors as this application wants to handle them.
#[derive(Debug)]
enum AppError {
    /// The thing asked for does not exist.
    Missing,
    /// Anything else, as the client reported it.
    Twill(Error),
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        AppError::Twill(error)
    }
}

impl EndpointError for AppError {
    fn from_response(response: ErrorResponse) -> Self {
        if response.status.as_u16() == 404 {
            AppError::Missing
        } else {
            AppError::Twill(Error::from_response(response))
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Workspace {
    workspace_name: String,
    workspace_slug: String,
}

#[derive(Debug, Deserialize)]
struct Task {
    task: serde_json::Value,
}

trait MyTwill {
    /// Who the key belongs to.
    #[twill_endpoint(GET "/auth/me")]
    async fn workspace(&self) -> Result<Workspace, AppError>;

    /// A task as raw JSON.
    #[twill_endpoint(GET "/tasks/<taskIdOrSlug>")]
    async fn raw_task(&self, task_id_or_slug: &str) -> Result<Task, AppError>;
}

impl MyTwill for Client {}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start().await?;
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.url())
        .build()?;

    let workspace = client.workspace().await.map_err(|e| format!("{e:?}"))?;
    println!(
        "{} ({})",
        workspace.workspace_name, workspace.workspace_slug
    );

    match client.raw_task("no-such-task").await {
        Err(AppError::Missing) => println!("no-such-task: missing, as expected"),
        Ok(task) => println!("unexpected: {}", task.task),
        Err(AppError::Twill(error)) => return Err(error.into()),
    }
    Ok(())
}
