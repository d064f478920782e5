//! A hook that adds a header to every request and records latency by path
//! template (one series per endpoint, not one per task).
//!
//! ```sh
//! cargo run -p twill-api --example hooks
//! ```
//!
//! Runs against a `twill-mock` server in this process: no network, no key.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use twill_api::Client;
use twill_api::hook::{AttemptEnd, AttemptRequest, Hook, HookError};
use twill_api::models::CreateTaskRequest;
use twill_api::prelude::*;
use twill_mock::MockServer;

/// Tags requests with a tenant and times them per endpoint.
#[derive(Default)]
struct Telemetry {
    latencies: Mutex<BTreeMap<String, Vec<Duration>>>,
}

impl Hook for Telemetry {
    fn before_attempt(&self, request: &mut AttemptRequest<'_>) -> Result<(), HookError> {
        request
            .headers_mut()
            .insert("x-tenant", "acme".parse().expect("a valid header value"));
        Ok(())
    }

    fn after_attempt(&self, end: &AttemptEnd<'_>) {
        let series = format!("{} {}", end.endpoint().method(), end.endpoint().path());
        let mut latencies = self.latencies.lock().unwrap_or_else(|e| e.into_inner());
        latencies.entry(series).or_default().push(end.latency());
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start().await?;
    let telemetry = Arc::new(Telemetry::default());
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.url())
        .hook(telemetry.clone())
        .build()?;

    for title in ["Fix the login bug", "Bump the MSRV", "Tidy the README"] {
        let created = client.create_task(&CreateTaskRequest::new(title)).await?;
        client.get_task(&created.task.slug).await?;
    }

    let latencies = telemetry
        .latencies
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    for (series, samples) in latencies.iter() {
        let total: Duration = samples.iter().sum();
        println!(
            "{series}: {} calls, mean {:?}",
            samples.len(),
            total / samples.len() as u32
        );
    }
    Ok(())
}
