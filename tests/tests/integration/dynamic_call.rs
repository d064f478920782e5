//! `Client::call`, the call made from an endpoint's metadata (for `twill
//! api` and the MCP server), sends exactly what the typed method sends, and
//! refuses bad arguments before any I/O, naming the accepted ones.

use serde_json::json;
use twill_api::endpoint::ParamRole;
use twill_api::error::InputProblem;
use twill_api::{Arguments, Endpoint, Error};
use twill_tests::{Canned, Recorded, Recorder};

use super::metadata_matches_wire::{call as typed, values};

/// The arguments [`values`] gives the typed methods, by wire name, and the
/// same bodies as JSON.
fn dynamic(endpoint: &Endpoint) -> Arguments {
    let values = values();
    let mut arguments = Arguments::new();
    for param in endpoint.params() {
        arguments = match (param.role(), param.wire_name()) {
            (ParamRole::Body, _) => arguments.body(match endpoint.name() {
                "create_task" => json!({ "command": "do it" }),
                "send_message" => json!({ "message": "hi" }),
                "create_scheduled_task" => json!({
                    "title": "Nightly", "message": "Run the tests", "cronExpression": "0 3 * * *"
                }),
                _ => json!({ "title": "Nightly run" }),
            }),
            (_, Some(wire)) => arguments.arg(wire, values[param.name()]),
            (_, None) => arguments,
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
        "accept",
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
        let _ = typed(&first.client(), endpoint.name()).await;
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
