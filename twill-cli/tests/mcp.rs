//! `twill mcp` as an agent uses it: an rmcp client spawns the server,
//! which talks to `twill mock` in another child process.

mod common;

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

use common::Mock;

type Client = RunningService<RoleClient, ()>;

async fn connect(mock: &Mock, options: &[&str]) -> Client {
    connect_to(&mock.url, &mock.key, options).await
}

async fn connect_to(url: &str, key: &str, options: &[&str]) -> Client {
    let mut command = tokio::process::Command::new(assert_cmd::cargo::cargo_bin!("twill"));
    command
        .arg("mcp")
        .args(options)
        .env("TWILL_BASE_URL", url)
        .env("TWILL_API_KEY", key);
    ().serve(TokioChildProcess::new(command).expect("twill mcp starts"))
        .await
        .expect("the MCP handshake")
}

async fn call(client: &Client, tool: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments are an object");
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
        .expect("a tool result, never a protocol error")
}

/// A success's structured content, or a failure's details (in `_meta`,
/// since `structuredContent` must match the tool's output schema).
fn structured(result: &CallToolResult) -> &Value {
    match &result.structured_content {
        Some(content) => content,
        None => result
            .meta
            .as_ref()
            .and_then(|meta| meta.0.get("ai.twill/error"))
            .expect("structured content or details"),
    }
}

fn is_error(result: &CallToolResult) -> bool {
    result.is_error == Some(true)
}

fn text(result: &CallToolResult) -> String {
    serde_json::to_value(&result.content).unwrap().to_string()
}

/// The parts of JSON Schema the tools use, checked for shape: an object
/// with properties, every required name a property, every nested schema an
/// object with a known `type` or a combinator, no dangling `$ref`.
fn assert_valid_schema(tool: &Tool) {
    let schema = Value::Object((*tool.input_schema).clone());
    assert_eq!(schema["type"], "object", "{}", tool.name);
    let properties = schema["properties"].as_object().expect("properties");
    for required in schema["required"].as_array().expect("required") {
        assert!(
            properties.contains_key(required.as_str().unwrap()),
            "{}: {required} is required but not a property",
            tool.name
        );
    }
    fn walk(name: &str, value: &Value) {
        match value {
            Value::Object(object) => {
                assert!(!object.contains_key("$ref"), "{name}: a $ref left: {value}");
                if let Some(kind) = object.get("type") {
                    let kinds: Vec<&Value> = match kind {
                        Value::Array(kinds) => kinds.iter().collect(),
                        other => vec![other],
                    };
                    for kind in kinds {
                        assert!(
                            [
                                "object", "array", "string", "integer", "number", "boolean", "null"
                            ]
                            .contains(&kind.as_str().unwrap_or_default()),
                            "{name}: type {kind}"
                        );
                    }
                }
                object.values().for_each(|child| walk(name, child));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(name, child)),
            _ => {}
        }
    }
    walk(&tool.name, &schema);
}

#[tokio::test]
async fn tools_come_from_the_declarations() {
    let mock = Mock::start(&[]);
    let client = connect(&mock, &[]).await;
    let tools = client.list_all_tools().await.unwrap();
    for tool in &tools {
        assert_valid_schema(tool);
        assert!(tool.description.as_ref().is_some_and(|d| !d.is_empty()));
    }
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    for endpoint in twill_api::all_endpoints() {
        let excluded = ["stream_job_logs", "teleport_claude"].contains(&endpoint.name());
        assert_eq!(
            names.contains(&endpoint.name()),
            !excluded,
            "{}: a tool unless deliberately excluded",
            endpoint.name()
        );
    }
    assert!(names.contains(&"wait_for_job") && names.contains(&"start_task_and_wait"));

    let annotations = |name: &str| {
        tools
            .iter()
            .find(|tool| tool.name == name)
            .and_then(|tool| tool.annotations.clone())
            .unwrap()
    };
    assert_eq!(annotations("get_task").read_only_hint, Some(true));
    for destructive in [
        "cancel_task",
        "archive_task",
        "cancel_job",
        "delete_scheduled_task",
    ] {
        assert_eq!(
            annotations(destructive).destructive_hint,
            Some(true),
            "{destructive}"
        );
    }
    // Declared `interrupts`: it cancels the job in progress, which a host
    // should ask about as it asks about a cancel.
    assert_eq!(annotations("send_message").destructive_hint, Some(true));
    assert_eq!(annotations("create_task").destructive_hint, Some(false));

    let create = tools
        .iter()
        .find(|tool| tool.name == "create_task")
        .unwrap();
    let body = &create.input_schema["properties"]["body"];
    assert_eq!(body["properties"]["command"]["type"], "string", "{body}");
    assert!(
        body["required"]
            .as_array()
            .unwrap()
            .contains(&json!("command"))
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn create_send_and_wait_end_to_end() {
    let mock = Mock::start(&["--job-time", "0.3"]);
    let client = connect(&mock, &[]).await;

    let created = call(
        &client,
        "create_task",
        json!({ "body": { "command": "Add a dark mode toggle" } }),
    )
    .await;
    assert!(!is_error(&created), "{}", text(&created));
    let task = structured(&created)["task"]["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        structured(&created)["task"]["url"],
        format!("https://twill.ai/tasks/{task}")
    );

    let sent = call(
        &client,
        "send_message",
        json!({ "taskIdOrSlug": task, "body": { "message": "Use CSS variables" } }),
    )
    .await;
    let job = structured(&sent)["job"]["id"].as_str().unwrap().to_owned();

    let waited = call(
        &client,
        "wait_for_job",
        json!({ "jobId": job, "taskIdOrSlug": task }),
    )
    .await;
    assert!(!is_error(&waited), "{}", text(&waited));
    let waited = structured(&waited);
    assert_eq!(waited["state"], "completed");
    assert_eq!(waited["finalAnswer"], "Done: Use CSS variables");
    assert!(waited["latestEvents"].as_array().unwrap().len() <= 20);

    let started = call(
        &client,
        "start_task_and_wait",
        json!({ "task": { "command": "Bump the MSRV" }, "timeoutSeconds": 30 }),
    )
    .await;
    assert!(!is_error(&started), "{}", text(&started));
    assert_eq!(structured(&started)["state"], "completed");
    assert_eq!(structured(&started)["finalAnswer"], "Done: Bump the MSRV");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn errors_are_tool_results_naming_what_is_wrong() {
    let mock = Mock::start(&["--rate-limit", "6"]);
    let client = connect(&mock, &[]).await;

    let invalid = call(&client, "create_task", json!({ "body": { "command": "" } })).await;
    assert!(is_error(&invalid));
    let detail = structured(&invalid);
    assert_eq!(detail["status"], 400);
    assert_eq!(detail["issues"][0]["field"], "command", "{detail}");

    let missing = call(
        &client,
        "get_task",
        json!({ "taskIdOrSlug": "no-such-task" }),
    )
    .await;
    assert!(is_error(&missing));
    assert_eq!(structured(&missing)["status"], 404);
    assert_eq!(structured(&missing)["code"], "not_found");

    let unknown = call(&client, "get_task", json!({ "task": "x" })).await;
    assert!(is_error(&unknown));
    assert!(text(&unknown).contains("`task`"), "{}", text(&unknown));

    let without = call(&client, "get_task", json!({})).await;
    assert!(is_error(&without));
    assert!(
        text(&without).contains("taskIdOrSlug"),
        "{}",
        text(&without)
    );

    // The limit is 6 a minute, and 2 calls were counted above (the two
    // refused locally sent nothing): the 5th call after those is refused,
    // with the wait, not waited out inside the tool call.
    let mut limited = None;
    for _ in 0..6 {
        let result = call(&client, "list_tasks", json!({})).await;
        if is_error(&result) {
            limited = Some(result);
            break;
        }
    }
    let limited = limited.expect("a 429");
    assert_eq!(structured(&limited)["status"], 429);
    assert!(structured(&limited)["retryAfterSeconds"].as_u64().unwrap() > 5);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn read_only_serves_only_the_tools_that_read() {
    let mock = Mock::start(&[]);
    let client = connect(&mock, &["--read-only"]).await;
    let tools = client.list_all_tools().await.unwrap();
    assert!(!tools.is_empty());
    for tool in &tools {
        assert_eq!(
            tool.annotations.as_ref().and_then(|a| a.read_only_hint),
            Some(true),
            "{}",
            tool.name
        );
    }
    assert!(tools.iter().any(|tool| tool.name == "wait_for_job"));
    // A tool it does not serve is an unknown tool (the protocol's -32602),
    // saying why.
    let arguments = json!({ "body": { "command": "x" } })
        .as_object()
        .unwrap()
        .clone();
    let refused = client
        .call_tool(CallToolRequestParams::new("create_task").with_arguments(arguments))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("-32602"), "{refused}");
    assert!(
        refused.to_string().contains("this server is read-only"),
        "{refused}"
    );
    let listed = call(&client, "list_tasks", json!({})).await;
    assert!(!is_error(&listed));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_key_is_in_no_tool_result() {
    let mock = Mock::start(&[]);
    let client = connect(&mock, &[]).await;
    let mut seen = String::new();
    for (tool, arguments) in [
        ("me", json!({})),
        ("get_task", json!({ "taskIdOrSlug": "nope" })),
        ("create_task", json!({ "body": {} })),
    ] {
        let result = call(&client, tool, arguments).await;
        seen.push_str(&serde_json::to_string(&result).unwrap());
    }
    assert!(!seen.contains(&mock.key), "{seen}");
    client.cancel().await.unwrap();
}

/// A proxy that reflects the `Authorization` header into its error page:
/// the tool result shows the page with the key redacted.
#[tokio::test]
async fn a_reflected_key_never_reaches_a_tool_result() {
    const KEY: &str = "twill_sk_reflected_k3y_value";
    let page = format!("<pre>Authorization: Bearer {KEY}</pre>");
    let url = common::answering(format!(
        "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
        page.len()
    ));
    let mut command = tokio::process::Command::new(assert_cmd::cargo::cargo_bin!("twill"));
    command
        .arg("mcp")
        .env("TWILL_BASE_URL", &url)
        .env("TWILL_API_KEY", KEY);
    let client = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();
    let result = call(&client, "get_task", json!({ "taskIdOrSlug": "t" })).await;
    assert!(is_error(&result));
    let shown = format!("{} {:?}", text(&result), result.structured_content);
    assert!(!shown.contains(KEY), "the key reached the agent: {shown}");
    assert!(shown.contains("Bearer [redacted]"), "{shown}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_wait_survives_a_cut_stream_and_refuses_a_forged_resume() {
    let mock = Mock::start(&["--job-time", "1", "--cut-streams", "1"]);
    let client = connect(&mock, &[]).await;
    let created = call(
        &client,
        "create_task",
        json!({ "body": { "command": "Fix the flaky test" } }),
    )
    .await;
    let job = structured(&created)["job"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The first stream is cut after its history; the wait reopens it.
    let waited = call(&client, "wait_for_job", json!({ "jobId": job })).await;
    assert!(!is_error(&waited), "{}", text(&waited));
    assert_eq!(structured(&waited)["state"], "completed");
    assert!(structured(&waited).get("resume").is_none());

    // A position that was not written by a wait is refused, by name.
    let refused = call(
        &client,
        "wait_for_job",
        json!({ "jobId": job, "resume": "\u{1b}[2J" }),
    )
    .await;
    assert!(is_error(&refused));
    assert!(text(&refused).contains("`resume`"), "{}", text(&refused));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_created_task_whose_wait_fails_is_named_so_that_it_is_not_created_twice() {
    // The create succeeds; every later request (the log stream) is a 404.
    let (url, _) = common::scripted(|n| match n {
        0 => common::json_response(
            201,
            &json!({
                "task": { "id": "t-1", "slug": "fix-login", "url": "https://twill.ai/tasks/fix-login" },
                "job": { "id": "job-9", "status": "PENDING" }
            }),
        ),
        _ => common::json_response(
            404,
            &json!({ "error": { "code": "not_found", "message": "Job not found" } }),
        ),
    });
    let client = connect_to(&url, "twill_sk_test", &[]).await;
    let started = call(
        &client,
        "start_task_and_wait",
        json!({ "task": { "command": "Fix the login" } }),
    )
    .await;
    assert!(is_error(&started));
    let text = text(&started);
    assert!(text.contains("the task was created (fix-login"), "{text}");
    assert!(text.contains("Do not create it again"), "{text}");
    assert_eq!(structured(&started)["task"]["slug"], "fix-login");
    assert_eq!(structured(&started)["jobId"], "job-9");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn arguments_the_schema_does_not_allow_are_refused_by_name() {
    let mock = Mock::start(&[]);
    let client = connect(&mock, &[]).await;
    // `timeout` for `timeoutSeconds`: refused, not a 45 s wait.
    let refused = call(
        &client,
        "wait_for_job",
        json!({ "jobId": "job-1", "timeout": 1 }),
    )
    .await;
    assert!(is_error(&refused));
    assert!(
        text(&refused).contains("no argument `timeout`; wait_for_job takes jobId,"),
        "{}",
        text(&refused)
    );
    let refused = call(
        &client,
        "start_task_and_wait",
        json!({ "body": { "command": "x" } }),
    )
    .await;
    assert!(
        text(&refused)
            .contains("no argument `body`; start_task_and_wait takes task, timeoutSeconds"),
        "{}",
        text(&refused)
    );
    // A number where the parameter is a string is not turned into text.
    let refused = call(&client, "get_task", json!({ "taskIdOrSlug": 12345 })).await;
    assert!(is_error(&refused));
    assert!(
        text(&refused).contains("`taskIdOrSlug` must be a JSON string"),
        "{}",
        text(&refused)
    );
    // Nothing above reached the API: the mock has no task.
    let listed = call(&client, "list_tasks", json!({})).await;
    assert_eq!(structured(&listed)["tasks"], json!([]));
    client.cancel().await.unwrap();
}

/// The wait contract through the binary, scaled down: a 2 s bound and
/// 3 s jobs. The first wait answers at the bound with `resume`; the next
/// one, from there, sees the end; progress arrived on the way.
#[tokio::test]
async fn twill_mcp_waits_within_its_bound_and_resumes() {
    let mock = Mock::start(&["--job-time", "3"]);
    let client = connect(&mock, &["--max-wait", "2"]).await;
    let first = call(
        &client,
        "start_task_and_wait",
        json!({ "task": { "command": "a three-second job" } }),
    )
    .await;
    assert!(!is_error(&first), "{}", text(&first));
    let first = structured(&first).clone();
    // The bound came first: the job runs 3 s from its creation.
    // The bound came first: the job goes on, and resume is set.
    assert_eq!(first["state"], "running", "{first}");
    let (job, mut resume) = (first["jobId"].clone(), first["resume"].clone());
    assert!(resume.is_string(), "{first}");
    let mut outcome = Value::Null;
    for _ in 0..3 {
        let next = call(
            &client,
            "wait_for_job",
            json!({ "jobId": job, "resume": resume }),
        )
        .await;
        outcome = structured(&next)["state"].clone();
        if structured(&next).get("resume").is_none() {
            break;
        }
        resume = structured(&next)["resume"].clone();
    }
    assert_eq!(outcome, "completed");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_servers_standard_error_carries_no_notice_meant_for_a_person() {
    use tokio::io::AsyncReadExt;
    // A 429 asking for 2 s (which the server waits out), then the task.
    let (url, _) = common::scripted(|n| {
        if n == 0 {
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 2\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                .to_owned()
        } else {
            common::json_response(
                200,
                &json!({ "task": { "id": "t", "slug": "t", "url": "https://twill.ai/tasks/t" }, "latestJob": null }),
            )
        }
    });
    let mut command = tokio::process::Command::new(assert_cmd::cargo::cargo_bin!("twill"));
    command
        .arg("mcp")
        .env("TWILL_BASE_URL", &url)
        .env("TWILL_API_KEY", "k");
    let (transport, stderr) = TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = ().serve(transport).await.unwrap();
    let shown = call(&client, "get_task", json!({ "taskIdOrSlug": "t" })).await;
    assert!(!is_error(&shown), "{shown:?}");
    client.cancel().await.unwrap();
    let mut said = String::new();
    stderr.unwrap().read_to_string(&mut said).await.unwrap();
    assert!(!said.contains("retrying"), "{said}");
}

#[test]
fn an_unknown_toolset_is_refused_naming_the_toolsets() {
    let output = common::twill()
        .env("TWILL_API_KEY", "k")
        .args(["mcp", "--toolsets", "tasks,bogus"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(
            "no toolset `bogus`; the toolsets are account, tasks, jobs, schedules, workflows"
        ),
        "{said}"
    );
}
