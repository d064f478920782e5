//! `Client::call`, the call made from an endpoint's metadata (for `twill
//! api` and the MCP server), sends exactly what the typed method sends, and
//! refuses bad arguments before any I/O, naming the accepted ones.

use serde_json::json;
use twill_api::prelude::*;
use twill_api::{
    Arguments, Client, CreateScheduledTaskRequest, CreateTaskRequest, Endpoint, Error,
    InputProblem, ParamRole, SendMessageRequest, UpdateScheduledTaskRequest,
};
use twill_tests::{Canned, Recorded, Recorder};

/// Calls the typed method of `name` with fixed arguments.
async fn typed(client: &Client, name: &str) {
    let create_task = CreateTaskRequest::new("do it");
    let message = SendMessageRequest::new("hi");
    let schedule = CreateScheduledTaskRequest::new("Nightly", "Run the tests", "0 3 * * *");
    let update = UpdateScheduledTaskRequest::new().title("Nightly run");
    let _ = match name {
        "me" => client.me().await.map(drop),
        "list_repositories" => client.list_repositories().await.map(drop),
        "create_task" => client.create_task(&create_task).await.map(drop),
        "get_task" => client.get_task("task 1/ü").await.map(drop),
        "send_message" => client.send_message("task 1/ü", &message).await.map(drop),
        "list_tasks" => client.list_tasks(Some(7), Some("c+/=")).await.map(drop),
        "list_jobs" => client.list_jobs("task 1/ü", Some(7), None).await.map(drop),
        "approve_plan" => client.approve_plan("task 1/ü").await.map(drop),
        "cancel_task" => client.cancel_task("task 1/ü").await.map(drop),
        "archive_task" => client.archive_task("task 1/ü").await.map(drop),
        "teleport_claude" => client.teleport_claude("task 1/ü").await.map(drop),
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
        other => panic!("no typed call for `{other}`: add one"),
    };
}

/// The same arguments, by wire name, and the same body as JSON.
fn dynamic(endpoint: &Endpoint) -> Arguments {
    let mut arguments = Arguments::new();
    for param in endpoint.params() {
        arguments = match (param.role(), param.wire_name()) {
            (ParamRole::Path, Some("taskIdOrSlug")) => arguments.arg("taskIdOrSlug", "task 1/ü"),
            (ParamRole::Path, Some("jobId")) => arguments.arg("jobId", "job-1"),
            (ParamRole::Path, Some("scheduledTaskId")) => {
                arguments.arg("scheduledTaskId", "sched-1")
            }
            (ParamRole::Query, Some("limit")) => arguments.arg("limit", "7"),
            (ParamRole::Query, Some("cursor")) if endpoint.name() == "list_tasks" => {
                arguments.arg("cursor", "c+/=")
            }
            (ParamRole::Body, _) => arguments.body(match endpoint.name() {
                "create_task" => json!({ "command": "do it" }),
                "send_message" => json!({ "message": "hi" }),
                "create_scheduled_task" => json!({
                    "title": "Nightly", "message": "Run the tests", "cronExpression": "0 3 * * *"
                }),
                _ => json!({ "title": "Nightly run" }),
            }),
            _ => arguments,
        };
    }
    arguments
}

fn same_wire(name: &str, typed: &Recorded, dynamic: &Recorded) {
    assert_eq!(dynamic.method, typed.method, "{name}");
    assert_eq!(dynamic.target, typed.target, "{name}");
    // The same JSON; the keys of a body built from a `serde_json::Value`
    // come in another order.
    if typed.body.is_empty() || typed.body[..] == b"{}"[..] {
        assert_eq!(dynamic.body, typed.body, "{name}");
    } else {
        assert_eq!(dynamic.json(), typed.json(), "{name}");
    }
    for header in [
        "authorization",
        "user-agent",
        "content-type",
        "content-length",
    ] {
        assert_eq!(
            dynamic.headers.get(header),
            typed.headers.get(header),
            "{name}: {header}"
        );
    }
}

#[tokio::test]
async fn a_call_from_metadata_sends_what_the_typed_method_sends() {
    for endpoint in twill_api::all_endpoints() {
        let (first, second) = (
            Recorder::start(Canned::status(404)).await,
            Recorder::start(Canned::status(404)).await,
        );
        typed(&first.client(), endpoint.name()).await;
        let answer = second.client().call(endpoint, &dynamic(endpoint)).await;
        assert!(
            matches!(answer, Err(Error::UnexpectedResponse(_))),
            "{}",
            endpoint.name()
        );
        same_wire(
            endpoint.name(),
            &first.only_request(),
            &second.only_request(),
        );
        let accept = second.only_request().header("accept").to_owned();
        assert_eq!(
            accept == "text/event-stream",
            endpoint.is_streaming(),
            "{accept}"
        );
    }
}

#[tokio::test]
async fn bad_arguments_are_refused_before_any_io_naming_the_accepted_ones() {
    let server = Recorder::start(Canned::status(200)).await;
    let client = server.client();
    let list_jobs = twill_api::all_endpoints()
        .find(|endpoint| endpoint.name() == "list_jobs")
        .unwrap();
    let problem = |arguments: Arguments| {
        let client = client.clone();
        async move {
            match client.call(list_jobs, &arguments).await {
                Err(Error::InvalidInput(input)) => (input.parameter, input.problem),
                other => panic!("refused before sending, got {other:?}"),
            }
        }
    };
    let (_, unknown) = problem(Arguments::new().arg("taskIdOrSlug", "t").arg("page", "2")).await;
    assert!(
        matches!(&unknown, InputProblem::UnknownArgument { name, accepted }
            if name == "page" && accepted == &["taskIdOrSlug", "limit", "cursor"]),
        "{unknown:?}"
    );
    assert_eq!(
        unknown.to_string(),
        "no parameter `page`; this endpoint takes: taskIdOrSlug, limit, cursor"
    );
    let (parameter, missing) = problem(Arguments::new().arg("limit", "5")).await;
    assert_eq!(parameter, "taskIdOrSlug");
    assert!(matches!(missing, InputProblem::MissingArgument));
    let (_, body) = problem(Arguments::new().arg("taskIdOrSlug", "t").body(json!({}))).await;
    assert!(matches!(body, InputProblem::UnexpectedBody));
    // Rust names are accepted as well as wire names.
    client
        .call(list_jobs, &Arguments::new().arg("task_id_or_slug", "t"))
        .await
        .unwrap();
    assert_eq!(server.only_request().target, "/api/v1/tasks/t/jobs");
}
