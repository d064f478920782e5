//! No drift between what an endpoint says it is and what it does: for every
//! endpoint in `twill_api::all_endpoints()`, and a downstream trait with a
//! header, the request its method sends is checked against its metadata
//! (method, path, each parameter's role and wire name, body, `Accept`), and
//! its idempotency against its retries on a 503, on a recording server.

use std::collections::HashMap;
use std::time::Duration;

use twill_api::endpoint::ParamRole;
use twill_api::models::{
    CreateScheduledTaskRequest, CreateTaskRequest, SendMessageRequest, UpdateScheduledTaskRequest,
};
use twill_api::prelude::*;
use twill_api::{Client, Endpoint, Error, RetryPolicy, endpoints, twill_endpoint};
use twill_tests::{Canned, Recorded, Recorder};

/// The value each argument is given, by its Rust name, as it reads on the
/// wire once encoded.
pub(super) fn values() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("task_id_or_slug", "task-1"),
        ("job_id", "job-1"),
        ("scheduled_task_id", "sched-1"),
        ("limit", "7"),
        ("cursor", "cursor-1"),
        ("request_id", "req-1"),
    ])
}

#[endpoints]
trait Downstream {
    /// Tags a job, with a header and a query.
    #[twill_endpoint(PUT "/jobs/<jobId>/tags")]
    async fn tag_job(
        &self,
        job_id: &str,
        #[header("X-Request-Id")] request_id: &str,
        #[query] limit: Option<u32>,
        #[body] tags: &[&str],
    ) -> Result<(), Error>;
}

impl Downstream for Client {}

/// Calls the endpoint named `name` with the arguments of [`values`].
pub(super) async fn call(client: &Client, name: &str) -> Result<(), Error> {
    let create_task = CreateTaskRequest::new("do it");
    let message = SendMessageRequest::new("hi");
    let schedule = CreateScheduledTaskRequest::new("Nightly", "Run the tests", "0 3 * * *");
    let update = UpdateScheduledTaskRequest::new().title("Nightly run");
    match name {
        "me" => client.me().await.map(drop),
        "list_repositories" => client.list_repositories().await.map(drop),
        "create_task" => client.create_task(&create_task).await.map(drop),
        "get_task" => client.get_task("task-1").await.map(drop),
        "send_message" => client.send_message("task-1", &message).await.map(drop),
        "list_tasks" => client.list_tasks(Some(7), Some("cursor-1")).await.map(drop),
        "list_jobs" => client
            .list_jobs("task-1", Some(7), Some("cursor-1"))
            .await
            .map(drop),
        "approve_plan" => client.approve_plan("task-1").await.map(drop),
        "approve_criteria" => client.approve_criteria("task-1").await.map(drop),
        "cancel_task" => client.cancel_task("task-1").await.map(drop),
        "archive_task" => client.archive_task("task-1").await.map(drop),
        "teleport_claude" => client.teleport_claude("task-1").await.map(drop),
        "stream_job_logs" => client.stream_job_logs("job-1").await.map(drop),
        "cancel_job" => client.cancel_job("job-1").await.map(drop),
        "list_scheduled_tasks" => client.list_scheduled_tasks().await.map(drop),
        "create_scheduled_task" => client.create_scheduled_task(&schedule).await.map(drop),
        "get_scheduled_task" => client.get_scheduled_task("sched-1").await.map(drop),
        "update_scheduled_task" => client
            .update_scheduled_task("sched-1", &update)
            .await
            .map(drop),
        "delete_scheduled_task" => client.delete_scheduled_task("sched-1").await.map(drop),
        "pause_scheduled_task" => client.pause_scheduled_task("sched-1").await.map(drop),
        "resume_scheduled_task" => client.resume_scheduled_task("sched-1").await.map(drop),
        "tag_job" => client
            .tag_job("job-1", "req-1", Some(7), &["a", "b"])
            .await
            .map(drop),
        other => panic!("no call for the endpoint `{other}`: add one to this table"),
    }
}

/// The request target the metadata predicts for the arguments of [`values`].
fn predicted_target(endpoint: &Endpoint) -> String {
    let values = values();
    let mut path = endpoint.path().to_owned();
    let mut query = Vec::new();
    for param in endpoint.params() {
        let value = || {
            *values
                .get(param.name())
                .unwrap_or_else(|| panic!("no value for `{}`", param.name()))
        };
        match param.role() {
            ParamRole::Path => {
                let wire = param.wire_name().expect("a placeholder name");
                path = path.replace(&format!("<{wire}>"), value());
            }
            ParamRole::Query => {
                query.push(format!(
                    "{}={}",
                    param.wire_name().expect("a name"),
                    value()
                ));
            }
            ParamRole::Header | ParamRole::Body => {}
        }
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    format!("/api/v1{path}{query}")
}

fn check_request(endpoint: &Endpoint, request: &Recorded) {
    let name = endpoint.name();
    assert_eq!(request.method, endpoint.method().as_str(), "{name}");
    assert_eq!(request.target, predicted_target(endpoint), "{name}");
    for param in endpoint.params() {
        if param.role() == ParamRole::Header {
            let wire = param.wire_name().expect("a header name");
            assert_eq!(request.header(wire), values()[param.name()], "{name}");
        }
    }
    match (endpoint.body_type(), endpoint.sends_empty_object()) {
        (Some(_), false) => {
            assert_eq!(request.header("content-type"), "application/json", "{name}");
            assert!(
                request.json().is_object() || request.json().is_array(),
                "{name}"
            );
        }
        (None, true) => assert_eq!(&request.body[..], b"{}", "{name}"),
        (None, false) => assert!(request.body.is_empty(), "{name}"),
        (Some(_), true) => panic!("{name}: two bodies in the metadata"),
    }
    let accept = request.header("accept");
    assert_eq!(
        accept == "text/event-stream",
        endpoint.is_streaming(),
        "{name}: Accept {accept}"
    );
}

#[tokio::test]
async fn every_endpoint_sends_what_its_metadata_says() {
    let endpoints: Vec<&Endpoint> = twill_api::all_endpoints()
        .chain(<Client as Downstream>::ENDPOINTS)
        .collect();
    assert_eq!(endpoints.len(), 22);
    for endpoint in endpoints {
        // Always 503: retried by idempotent endpoints only.
        let server = Recorder::start(Canned::status(503)).await;
        let client = server.client().with_retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .backoff(Duration::from_millis(1), Duration::from_millis(1)),
        );
        let error = call(&client, endpoint.name()).await.unwrap_err();
        assert_eq!(
            error.status().map(|s| s.as_u16()),
            Some(503),
            "{}",
            endpoint.name()
        );

        let requests = server.requests();
        let expected_attempts = if endpoint.is_idempotent() { 2 } else { 1 };
        assert_eq!(requests.len(), expected_attempts, "{}", endpoint.name());
        for request in &requests {
            check_request(endpoint, request);
        }
    }
}

#[test]
fn every_endpoint_names_its_trait_and_summary() {
    for endpoint in twill_api::all_endpoints() {
        assert!(endpoint.trait_name().is_some(), "{}", endpoint.name());
        assert!(!endpoint.summary().is_empty(), "{}", endpoint.name());
        assert!(!endpoint.success_type().is_empty(), "{}", endpoint.name());
        // The pieces the path is built from spell the template shown.
        let spelled: String = endpoint
            .path_pieces()
            .map(|piece| match piece {
                twill_api::endpoint::PathPiece::Segment(name) => format!("<{name}>"),
                twill_api::endpoint::PathPiece::Literal(text) => text.to_owned(),
                other => panic!("a piece this version does not declare: {other:?}"),
            })
            .collect();
        assert_eq!(spelled, endpoint.path());
    }
    let [tag] = <Client as Downstream>::ENDPOINTS else {
        panic!("one endpoint");
    };
    assert_eq!(tag.trait_name(), Some("Downstream"));
    assert_eq!(tag.summary(), "Tags a job, with a header and a query.");
    assert_eq!(tag.body_type(), Some("&[&str]"));
    let roles: Vec<_> = tag
        .params()
        .iter()
        .map(|p| {
            (
                p.name(),
                p.wire_name(),
                p.role(),
                p.is_optional(),
                p.rust_type(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("job_id", Some("jobId"), ParamRole::Path, false, "&str"),
            (
                "request_id",
                Some("x-request-id"),
                ParamRole::Header,
                false,
                "&str"
            ),
            (
                "limit",
                Some("limit"),
                ParamRole::Query,
                true,
                "Option<u32>"
            ),
            ("tags", None, ParamRole::Body, false, "&[&str]"),
        ]
    );
}
