//! The server in process, as an MCP client sees it: rmcp's client over a
//! `tokio::io::duplex` pipe, against `twill-mock` or a scripted loopback
//! server, on tokio's paused clock where time matters.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult, ProgressNotificationParam};
use rmcp::service::{NotificationContext, RoleClient, RunningService};
use rmcp::{ClientHandler, ServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use twill_api::{Client, Endpoint, Error, endpoints, twill_endpoint};
use twill_mcp::{Options, TwillMcp, TwillTools};

/// A client that keeps the progress notifications it receives.
#[derive(Clone, Default)]
struct Recorder {
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
}

impl ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().unwrap().push(params);
    }
}

type Connected = RunningService<RoleClient, Recorder>;

/// An MCP client connected to a server of `tools` through a pipe.
async fn connect(tools: TwillTools) -> (Connected, Recorder) {
    let (client_side, server_side) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(running) = TwillMcp::new(tools).serve(server_side).await {
            let _ = running.waiting().await;
        }
    });
    let recorder = Recorder::default();
    let client = recorder
        .clone()
        .serve(client_side)
        .await
        .expect("the handshake");
    (client, recorder)
}

fn params(tool: &str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(arguments) = arguments else {
        panic!("arguments are an object");
    };
    CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments)
}

async fn call(client: &Connected, tool: &str, arguments: Value) -> CallToolResult {
    client
        .call_tool(params(tool, arguments))
        .await
        .expect("a tool result, never a protocol error")
}

/// A success's structured content, or a failure's details (in `_meta`,
/// since `structuredContent` must match the tool's output schema).
fn structured(result: &CallToolResult) -> &Value {
    match &result.structured_content {
        Some(content) => content,
        None => twill_mcp::result::error_detail(result).expect("structured content or details"),
    }
}

/// A mock on a manual clock with `faults`, and a client of a server of
/// Twill's tools that calls it.
async fn on_a_manual_mock(faults: twill_mock::Faults) -> (twill_mock::MockServer, Connected) {
    let mock = twill_mock::MockServer::builder()
        .manual_clock()
        .faults(faults)
        .start()
        .await
        .unwrap();
    let tools = TwillTools::new(client_of(&mock.url(), mock.api_key()), Options::default());
    let (client, _) = connect(tools).await;
    (mock, client)
}

/// A task created with `body` through the `create_task` tool, its job run
/// to its end on `mock`'s manual clock: the job's id.
async fn ended_job(client: &Connected, mock: &twill_mock::MockServer, body: Value) -> String {
    let created = call(client, "create_task", json!({ "body": body })).await;
    let job = structured(&created)["job"]["id"]
        .as_str()
        .expect("a job")
        .to_owned();
    mock.advance(Duration::from_secs(3600));
    job
}

/// `wait_for_job` for `job` of task-1: its structured answer.
async fn waited_on_task_1(client: &Connected, job: &str) -> Value {
    let waited = call(
        client,
        "wait_for_job",
        json!({ "jobId": job, "taskIdOrSlug": "task-1" }),
    )
    .await;
    assert_eq!(waited.is_error, Some(false), "{waited:?}");
    structured(&waited).clone()
}

fn client_of(url: &str, key: &str) -> Client {
    Client::builder()
        .api_key(key)
        .base_url(url)
        .build()
        .unwrap()
}

#[endpoints]
trait Extras {
    /// Reads one extra.
    #[twill_endpoint(GET "/extras/<extraId>")]
    async fn get_extra(
        &self,
        extra_id: &str,
        #[query] verbose: Option<bool>,
    ) -> Result<Value, Error>;
}

impl Extras for Client {}

/// A loopback server answering `{"extra": true}` to every request, and the
/// request lines it received.
async fn extras_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let head = read_head(&mut stream).await;
            record
                .lock()
                .unwrap()
                .push(head.lines().next().unwrap_or_default().to_owned());
            let body = r#"{"extra":true}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (url, seen)
}

async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[tokio::test]
async fn a_downstream_endpoint_list_is_served_and_called() {
    let (url, seen) = extras_server().await;
    let endpoints: Vec<&'static Endpoint> = vec![<Client as Extras>::GET_EXTRA];
    let tools = TwillTools::of(client_of(&url, "k"), &endpoints, Options::default());
    let (client, _) = connect(tools).await;
    let listed = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|tool| tool.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "get_extra",
            "start_task_and_wait",
            "start_tasks",
            "wait_for_job"
        ]
    );
    let tool = &listed[0];
    assert_eq!(tool.title.as_deref(), Some("Get extra"));
    assert_eq!(
        Value::Object((*tool.input_schema).clone())["properties"]["verbose"],
        json!({ "type": "boolean", "description": "The verbose (a query parameter)." })
    );
    // A downstream type has no schema here: no output schema is claimed.
    assert!(tool.output_schema.is_none());

    let result = call(
        &client,
        "get_extra",
        json!({ "extraId": "x/y", "verbose": false }),
    )
    .await;
    assert_eq!(result.is_error, Some(false));
    assert_eq!(result.structured_content, Some(json!({ "extra": true })));
    assert_eq!(
        *seen.lock().unwrap(),
        ["GET /api/v1/extras/x%2Fy?verbose=false HTTP/1.1"]
    );

    // Refused before anything is sent, naming the argument.
    for (arguments, expected) in [
        (json!({ "extraId": 7 }), "`extraId` must be a JSON string"),
        (
            json!({ "extraId": "x", "verbos": true }),
            "no argument `verbos`; get_extra takes extraId, verbose",
        ),
    ] {
        let result = call(&client, "get_extra", arguments).await;
        assert_eq!(result.is_error, Some(true));
        assert_eq!(structured(&result)["message"], expected);
    }
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn workflow_arguments_are_typed_and_unknown_ones_refused() {
    let (client, _) = connect(TwillTools::new(
        client_of("http://127.0.0.1:1/api/v1", "k"),
        Options::default(),
    ))
    .await;
    let result = call(
        &client,
        "wait_for_job",
        json!({ "jobId": "j", "timeout": 1 }),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let message = structured(&result)["message"].as_str().unwrap().to_owned();
    // The same words as an endpoint tool's, and no Rust type names.
    assert_eq!(
        message,
        "no argument `timeout`; wait_for_job takes jobId, taskIdOrSlug, timeoutSeconds, resume"
    );
    // No error result carries structuredContent: it must match the
    // output schema, and some clients check it even then.
    assert!(result.structured_content.is_none());
    for (arguments, expected) in [
        (json!({ "jobId": 12 }), "`jobId` must be a JSON string"),
        (
            json!({ "jobId": "j", "timeoutSeconds": 0 }),
            "`timeoutSeconds` must be at least 1",
        ),
        (
            json!({ "jobId": "j", "timeoutSeconds": 1.5 }),
            "`timeoutSeconds` must be a JSON whole number",
        ),
        (
            json!({ "jobId": "j", "timeoutSeconds": -1 }),
            "`timeoutSeconds` must be at least 1",
        ),
    ] {
        let result = call(&client, "wait_for_job", arguments.clone()).await;
        assert_eq!(structured(&result)["message"], expected, "{arguments}");
    }
    let result = call(
        &client,
        "wait_for_job",
        json!({ "jobId": "j", "resume": "forged" }),
    )
    .await;
    assert!(
        structured(&result)["message"]
            .as_str()
            .unwrap()
            .starts_with("`resume`:")
    );
}

#[tokio::test]
async fn read_only_mode_disables_the_routes_that_write() {
    let options = Options::default().read_only(true);
    let (client, _) = connect(TwillTools::new(
        client_of("http://127.0.0.1:1/api/v1", "k"),
        options,
    ))
    .await;
    let listed = client.list_all_tools().await.unwrap();
    assert!(
        listed
            .iter()
            .all(|tool| tool.annotations.as_ref().unwrap().read_only_hint == Some(true))
    );
    assert!(listed.iter().any(|tool| tool.name == "wait_for_job"));
    // A disabled route is an unknown tool: the protocol's -32602.
    let error = client
        .call_tool(params("create_task", json!({ "body": { "command": "x" } })))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("-32602: no tool `create_task`: this server is read-only"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_long_job_is_waited_for_within_the_bound_then_resumed_with_progress_on_the_way() {
    let mock = twill_mock::MockServer::builder()
        .manual_clock()
        .job_timing(Duration::from_secs(10), Duration::from_secs(80))
        .start()
        .await
        .unwrap();
    let tools = TwillTools::new(client_of(&mock.url(), mock.api_key()), Options::default());
    let (client, recorder) = connect(tools).await;

    // A 90 s job, and a client that gives up after 60 s: the answer comes
    // at the 45 s bound, with what to resume from.
    let started = tokio::time::Instant::now();
    let first = tokio::time::timeout(
        Duration::from_secs(60),
        call(
            &client,
            "start_task_and_wait",
            json!({ "task": { "command": "a long job" } }),
        ),
    )
    .await
    .expect("answered before the client gives up");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(45) && waited < Duration::from_secs(46),
        "{waited:?}"
    );
    let first = structured(&first).clone();
    assert!(first["resume"].is_string(), "the bound came first: {first}");
    assert!(
        ["pending", "running"].contains(&first["state"].as_str().unwrap()),
        "{first}"
    );
    assert_eq!(first["task"]["slug"], "task-1");
    let resume = first["resume"].as_str().expect("a resume value").to_owned();
    let job = first["jobId"].as_str().unwrap().to_owned();
    // A notification at least every 10 s of the wait.
    let notes = recorder.progress.lock().unwrap().clone();
    assert!(notes.len() >= 4, "{notes:?}");
    assert!(
        notes
            .windows(2)
            .all(|pair| pair[0].progress < pair[1].progress)
    );
    assert!(
        notes[0]
            .message
            .as_deref()
            .unwrap()
            .starts_with(&format!("job {job}: ")),
        "{notes:?}"
    );

    mock.advance(Duration::from_secs(90));
    let second = call(
        &client,
        "wait_for_job",
        json!({ "jobId": job, "resume": resume, "taskIdOrSlug": "task-1" }),
    )
    .await;
    let second = structured(&second).clone();
    assert_eq!(second["state"], "completed", "{second}");
    assert!(second.get("resume").is_none(), "{second}");
    assert_eq!(second["taskUrl"], "https://twill.ai/tasks/task-1");
    // The end was reported as a status change.
    let notes = recorder.progress.lock().unwrap().clone();
    assert!(
        notes
            .iter()
            .any(|note| note.message.as_deref().unwrap().contains("completed")),
        "{notes:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_wait_closes_its_log_stream_at_once() {
    // A log stream that never ends; the server notes when the client
    // closes it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let (opened_tx, opened) = tokio::sync::oneshot::channel();
    let (closed_tx, closed) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        read_head(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n\
                    data: {\"type\":\"connected\",\"jobId\":\"j\"}\n\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        let _ = opened_tx.send(());
        let mut rest = [0u8; 64];
        while !matches!(stream.read(&mut rest).await, Ok(0) | Err(_)) {}
        let _ = closed_tx.send(());
    });
    let (client, _) = connect(TwillTools::new(client_of(&url, "k"), Options::default())).await;
    let waiting = client.call_tool(params("wait_for_job", json!({ "jobId": "j" })));
    tokio::select! {
        _ = waiting => panic!("the wait answered before its stream opened"),
        _ = opened => {}
    }
    // Dropping the call sends `notifications/cancelled`.
    tokio::time::timeout(Duration::from_secs(1), closed)
        .await
        .expect("the stream closed within a second of the cancellation")
        .unwrap();
}

/// Whether `result`'s structured content is what `tool`'s output schema
/// describes.
fn assert_matches_schema(tool: &rmcp::model::Tool, result: &CallToolResult) {
    let schema = Value::Object((**tool.output_schema.as_ref().expect("an output schema")).clone());
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let content = structured(result);
    let problems: Vec<String> = validator
        .iter_errors(content)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "{}: {problems:?}\n{content}",
        tool.name
    );
}

#[tokio::test(start_paused = true)]
async fn every_answer_matches_its_output_schema() {
    let (_mock, client) = on_a_manual_mock(twill_mock::Faults::none()).await;
    let listed = client.list_all_tools().await.unwrap();
    let tool = |name: &str| {
        listed
            .iter()
            .find(|tool| tool.name == name)
            .unwrap()
            .clone()
    };
    let schedule = json!({ "title": "t", "message": "m", "cronExpression": "0 3 * * *" });
    let calls = [
        ("me", json!({})),
        ("list_repositories", json!({})),
        ("create_task", json!({ "body": { "command": "one" } })),
        ("get_task", json!({ "taskIdOrSlug": "task-1" })),
        ("list_tasks", json!({ "limit": 5 })),
        ("list_jobs", json!({ "taskIdOrSlug": "task-1" })),
        (
            "send_message",
            json!({ "taskIdOrSlug": "task-1", "body": { "message": "again" } }),
        ),
        (
            "wait_for_job",
            json!({ "jobId": "job-3", "taskIdOrSlug": "task-1", "timeoutSeconds": 1 }),
        ),
        (
            "start_task_and_wait",
            json!({ "task": { "command": "two" }, "timeoutSeconds": 1 }),
        ),
        ("create_scheduled_task", json!({ "body": schedule })),
        ("list_scheduled_tasks", json!({})),
        (
            "pause_scheduled_task",
            json!({ "scheduledTaskId": "sched-6" }),
        ),
        (
            "resume_scheduled_task",
            json!({ "scheduledTaskId": "sched-6" }),
        ),
        (
            "update_scheduled_task",
            json!({ "scheduledTaskId": "sched-6", "body": { "title": "u" } }),
        ),
        (
            "get_scheduled_task",
            json!({ "scheduledTaskId": "sched-6" }),
        ),
        (
            "delete_scheduled_task",
            json!({ "scheduledTaskId": "sched-6" }),
        ),
        ("cancel_job", json!({ "jobId": "job-3" })),
        ("cancel_task", json!({ "taskIdOrSlug": "task-1" })),
        ("archive_task", json!({ "taskIdOrSlug": "task-1" })),
    ];
    for (name, arguments) in calls {
        let result = call(&client, name, arguments).await;
        assert_eq!(result.is_error, Some(false), "{name}: {:?}", result.content);
        assert_matches_schema(&tool(name), &result);
    }
    // The check can fail: a task that is a number is no get_task answer.
    let schema = tool("get_task").output_schema.unwrap();
    let validator = jsonschema::validator_for(&Value::Object((*schema).clone())).unwrap();
    assert!(!validator.is_valid(&json!({ "task": 5 })));
}

/// A client that declares the tasks extension (SEP-2663).
#[derive(Clone)]
struct TaskClient;

impl ClientHandler for TaskClient {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        let mut info = rmcp::model::ClientConfig::default();
        info.capabilities = rmcp::model::ClientCapabilities::builder()
            .enable_tasks()
            .build();
        info
    }
}

#[tokio::test(start_paused = true)]
async fn a_client_with_the_tasks_extension_gets_a_task_to_poll_and_cancel() {
    use rmcp::model::{CallToolResponse, CancelTaskParams, GetTaskParams, TaskPayload, TaskStatus};
    let mock = twill_mock::MockServer::builder()
        .manual_clock()
        .job_timing(Duration::from_secs(10), Duration::from_secs(80))
        .start()
        .await
        .unwrap();
    let tools = TwillTools::new(client_of(&mock.url(), mock.api_key()), Options::default());
    let (client_side, server_side) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(running) = TwillMcp::new(tools).serve(server_side).await {
            let _ = running.waiting().await;
        }
    });
    let client = TaskClient.serve(client_side).await.unwrap();
    assert!(
        client
            .peer_info()
            .unwrap()
            .capabilities
            .extensions
            .is_some()
    );

    // Answered at once with a task, which goes on past the 45 s a call
    // would have been bound to.
    let started = client
        .call_tool_once(params(
            "start_task_and_wait",
            json!({ "task": { "command": "long" } }),
        ))
        .await
        .unwrap();
    let CallToolResponse::Task(created) = started else {
        panic!("a task: {started:?}");
    };
    let id = created.task.task_id.clone();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let polled = client
        .get_task(GetTaskParams::new(id.clone()))
        .await
        .unwrap();
    assert_eq!(polled.task.task.status, TaskStatus::Working);
    let message = polled.task.task.status_message.clone().unwrap_or_default();
    assert!(message.starts_with("job job-2: "), "{message}");
    mock.advance(Duration::from_secs(90));
    let done = loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let polled = client
            .get_task(GetTaskParams::new(id.clone()))
            .await
            .unwrap();
        if polled.task.task.status != TaskStatus::Working {
            break polled;
        }
    };
    let TaskPayload::Completed { result } = done.task.payload else {
        panic!("completed: {done:?}");
    };
    assert_eq!(
        result["structuredContent"]["state"], "completed",
        "{result:?}"
    );
    assert_eq!(result["structuredContent"]["task"]["slug"], "task-1");

    // A wait (on a job that does not end: the mock's clock stands still)
    // cancelled through tasks/cancel ends cancelled.
    let created = client
        .call_tool(params(
            "create_task",
            json!({ "body": { "command": "still" } }),
        ))
        .await
        .unwrap();
    let job = structured(&created)["job"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let waiting = client
        .call_tool_once(params("wait_for_job", json!({ "jobId": job })))
        .await
        .unwrap();
    let CallToolResponse::Task(created) = waiting else {
        panic!("a task: {waiting:?}");
    };
    let id = created.task.task_id.clone();
    client
        .cancel_task(CancelTaskParams::new(id.clone()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let polled = client.get_task(GetTaskParams::new(id)).await.unwrap();
    assert_eq!(polled.task.task.status, TaskStatus::Cancelled, "{polled:?}");

    // A client without the extension gets the answer itself, as before.
    let tools = TwillTools::new(client_of(&mock.url(), mock.api_key()), Options::default());
    let (plain, _) = connect(tools).await;
    let answer = call(
        &plain,
        "wait_for_job",
        json!({ "jobId": "job-2", "timeoutSeconds": 1 }),
    )
    .await;
    assert_eq!(structured(&answer)["state"], "completed");
}

#[tokio::test(start_paused = true)]
async fn a_long_answer_is_cut_saying_so_and_a_huge_argument_never_sent() {
    let mock = twill_mock::MockServer::builder()
        .manual_clock()
        .start()
        .await
        .unwrap();
    let tools = TwillTools::new(client_of(&mock.url(), mock.api_key()), Options::default());
    let (client, _) = connect(tools).await;
    let long = "é".repeat(20_000);
    let job = ended_job(&client, &mock, json!({ "command": long })).await;
    let waited = waited_on_task_1(&client, &job).await;
    assert_eq!(waited["state"], "completed", "{waited}");
    assert_eq!(waited["truncated"], true);
    let answer = waited["finalAnswer"].as_str().unwrap();
    assert!(
        answer.len() <= 32 * 1024 + 3 && answer.ends_with('…'),
        "{}",
        answer.len()
    );
    // The whole answer is get_task's.
    let task = call(&client, "get_task", json!({ "taskIdOrSlug": "task-1" })).await;
    let whole = structured(&task)["latestJob"]["finalAnswer"]
        .as_str()
        .unwrap()
        .len();
    assert!(whole > 40_000, "{whole}");

    // A megabyte of id is refused by the client before any request.
    let huge = "x".repeat(1 << 20);
    let refused = call(&client, "get_task", json!({ "taskIdOrSlug": huge })).await;
    assert_eq!(refused.is_error, Some(true));
    let message = structured(&refused)["message"].as_str().unwrap().to_owned();
    assert!(
        message.len() < 400 && message.contains("taskIdOrSlug"),
        "{message}"
    );
}

#[tokio::test(start_paused = true)]
async fn start_tasks_fans_out_paced_and_names_what_failed() {
    let mock = twill_mock::MockServer::builder()
        .manual_clock()
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.url())
        .rate_limit("5/10s".parse().unwrap())
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let (client, _) = connect(TwillTools::new(client, Options::default())).await;
    let tool = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .find(|tool| tool.name == "start_tasks")
        .unwrap();
    let mut prompts: Vec<String> = (0..12).map(|i| format!("repository {i}")).collect();
    prompts[4] = String::new(); // The API refuses an empty command.
    let started = tokio::time::Instant::now();
    let result = call(
        &client,
        "start_tasks",
        json!({ "prompts": prompts, "defaults": { "userIntent": "SWE" } }),
    )
    .await;
    assert_eq!(result.is_error, Some(false), "{:?}", result.content);
    assert_matches_schema(&tool, &result);
    let answer = structured(&result);
    let created = answer["created"].as_array().unwrap();
    assert_eq!(created.len(), 11, "{answer}");
    assert_eq!(created[0]["index"], 0);
    assert!(created[0]["task"]["url"].is_string());
    assert_eq!(answer["failed"][0]["index"], 4, "{answer}");
    assert_eq!(answer["failed"][0]["mayHaveActed"], false);
    // Paced: 12 creates under 5 per 10 s take two more windows, and the
    // server never had to refuse one.
    assert!(
        started.elapsed() >= Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(mock.stats().rate_limited, 0);
    assert_eq!(mock.stats().tasks_created, 11);
}

#[tokio::test(start_paused = true)]
async fn a_wait_keeps_its_bound_behind_a_long_retry_after_and_bad_ids_are_refused_at_once() {
    // One request a minute, on a clock that stands still: the create
    // takes it, and every later request is a 429 asking for a minute.
    let mock = twill_mock::MockServer::builder()
        .manual_clock()
        .rate_limit(1)
        .start()
        .await
        .unwrap();
    let tools = TwillTools::new(client_of(&mock.url(), mock.api_key()), Options::default());
    let (client, _) = connect(tools).await;

    let started = tokio::time::Instant::now();
    let answer = call(
        &client,
        "start_task_and_wait",
        json!({ "task": { "command": "x" }, "timeoutSeconds": 20 }),
    )
    .await;
    // The log stream's 429 asks for a minute, more than this server waits
    // out (5 s): the follow ends at once, within the bound, saying so and
    // naming the task it created, so that the model waits rather than
    // creating it again.
    assert!(started.elapsed() < Duration::from_secs(1), "{answer:?}");
    assert_eq!(answer.is_error, Some(true));
    let detail = structured(&answer).clone();
    assert_eq!(detail["status"], 429, "{detail}");
    assert_eq!(detail["retryAfterSeconds"], 60, "{detail}");
    assert_eq!(detail["task"]["slug"], "task-1", "{detail}");
    assert_eq!(detail["jobId"], "job-2", "{detail}");
    let text = serde_json::to_value(&answer.content).unwrap()[0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("Do not create it again"), "{text}");

    // The create itself behind the minute: refused at once, nothing made.
    let started = tokio::time::Instant::now();
    let refused = call(
        &client,
        "start_task_and_wait",
        json!({ "task": { "command": "y" }, "timeoutSeconds": 20 }),
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(refused.is_error, Some(true));
    assert_eq!(structured(&refused)["status"], 429, "{refused:?}");
    assert!(structured(&refused)["retryAfterSeconds"].as_u64() >= Some(59));
    assert_eq!(mock.stats().tasks_created, 1);

    // An id the client refuses is an error at once, quoted short.
    let requests = mock.stats().requests;
    let started = tokio::time::Instant::now();
    for id in [String::new(), "x".repeat(1 << 20)] {
        let refused = call(
            &client,
            "wait_for_job",
            json!({ "jobId": id, "timeoutSeconds": 5 }),
        )
        .await;
        assert_eq!(refused.is_error, Some(true), "{refused:?}");
        let text = serde_json::to_value(&refused.content).unwrap()[0]["text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(text.starts_with("`jobId` \""), "{text}");
        assert!(text.len() < 300, "{}", text.len());
    }
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(mock.stats().requests, requests);
}

#[tokio::test]
async fn an_unknown_tool_is_named_in_its_error() {
    let tools = TwillTools::new(Client::offline(), Options::default());
    let (client, _) = connect(tools).await;
    let error = client
        .call_tool(params("wait_for_jobs", json!({})))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("no tool \"wait_for_jobs\""), "{text}");
    let huge = "\u{1b}[2J".repeat(10_000);
    let error = client
        .call_tool(params(&huge, json!({})))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.len() < 300 && !error.contains('\u{1b}'), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_wait_says_where_the_job_stands_in_one_word() {
    // A plan: needs-you, with the plan and the tool that approves it,
    // once the task is known; its log alone says completed.
    let (mock, client) = on_a_manual_mock(twill_mock::Faults::none()).await;
    let plan = json!({ "command": "plan it", "userIntent": "PLAN" });
    let job = ended_job(&client, &mock, plan).await;
    let with_task = waited_on_task_1(&client, &job).await;
    assert_eq!(with_task["state"], "needs-you", "{with_task}");
    assert_eq!(with_task["approveWith"], "approve_plan", "{with_task}");
    // The stream's own markers are neither listed nor counted.
    let latest = with_task["latestEvents"].to_string();
    assert!(
        !latest.contains("\"connected\"") && !latest.contains("historical_complete"),
        "{latest}"
    );
    assert_eq!(
        with_task["events"].as_u64(),
        Some(with_task["latestEvents"].as_array().unwrap().len() as u64)
    );
    assert!(with_task["plan"].is_string(), "{with_task}");
    let log_only = call(&client, "wait_for_job", json!({ "jobId": job })).await;
    assert_eq!(structured(&log_only)["state"], "completed");

    // A failure: failed, its reason apart.
    let failed_jobs = twill_mock::Faults::none().jobs_end(twill_mock::JobEnd::Failed);
    let (failing, client) = on_a_manual_mock(failed_jobs).await;
    let job = ended_job(&client, &failing, json!({ "command": "x" })).await;
    let failed = waited_on_task_1(&client, &job).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(
        failed.get("outcome").is_none(),
        "one word, never two: {failed}"
    );
}

#[tokio::test]
async fn an_action_the_server_refused_in_its_answer_is_an_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            read_head(&mut stream).await;
            let body = r#"{"success":false,"message":"no plan to approve","job":{"id":"j","status":"COMPLETED"}}"#;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    let tools = TwillTools::new(client_of(&url, "k"), Options::default());
    let (client, _) = connect(tools).await;
    let refused = call(&client, "approve_plan", json!({ "taskIdOrSlug": "t" })).await;
    assert_eq!(refused.is_error, Some(true), "{refused:?}");
    let detail = structured(&refused);
    assert_eq!(
        detail["message"],
        "approve_plan was not done: the server answered success: false: no plan to approve"
    );
    assert_eq!(detail["answer"]["success"], false);
}

#[tokio::test(start_paused = true)]
async fn a_wait_for_a_job_that_is_not_the_tasks_latest_says_so() {
    let (mock, client) = on_a_manual_mock(twill_mock::Faults::none()).await;
    let job = ended_job(&client, &mock, json!({ "command": "x" })).await;
    call(
        &client,
        "send_message",
        json!({ "taskIdOrSlug": "task-1", "body": { "message": "more" } }),
    )
    .await;
    mock.advance(Duration::from_secs(3600));
    let waited = waited_on_task_1(&client, &job).await;
    assert_eq!(waited["state"], "completed", "{waited}");
    assert!(
        waited["taskError"]
            .as_str()
            .is_some_and(|error| error.contains("not the task's latest job")),
        "{waited}"
    );
    assert!(
        waited.get("finalAnswer").is_none(),
        "another job's: {waited}"
    );
}

/// Real time, half a second: the mock's jobs run on its own clock.
#[tokio::test]
async fn a_ralph_loop_started_here_ends_needing_its_criteria_approved() {
    let mock = twill_mock::MockServer::builder()
        .job_timing(Duration::from_millis(50), Duration::from_millis(150))
        .start()
        .await
        .unwrap();
    let tools = TwillTools::new(client_of(&mock.url(), mock.api_key()), Options::default());
    let (client, _) = connect(tools).await;
    let answer = call(
        &client,
        "start_task_and_wait",
        json!({ "task": { "command": "loop", "userIntent": "RALPH_LOOP" } }),
    )
    .await;
    let answer = structured(&answer).clone();
    assert_eq!(answer["state"], "needs-you", "{answer}");
    assert_eq!(answer["approveWith"], "approve_criteria", "{answer}");
}

#[tokio::test]
async fn every_schema_keeps_the_conventions_hosts_read() {
    use twill_mcp::schema::{Side, problems};
    let tools = TwillTools::new(Client::offline(), Options::default());
    let (client, _) = connect(tools).await;
    let listed = client.list_all_tools().await.unwrap();
    let mut found = Vec::new();
    for tool in &listed {
        let input = Value::Object((*tool.input_schema).clone());
        found.extend(
            problems(&input, Side::Input)
                .into_iter()
                .map(|p| format!("{} input {p}", tool.name)),
        );
        if let Some(output) = &tool.output_schema {
            let output = Value::Object((**output).clone());
            found.extend(
                problems(&output, Side::Output)
                    .into_iter()
                    .map(|p| format!("{} output {p}", tool.name)),
            );
        }
    }
    assert!(found.is_empty(), "{found:#?}");
    // The one input whose null means something (it clears the agent).
    let update = listed
        .iter()
        .find(|tool| tool.name == "update_scheduled_task")
        .unwrap();
    assert_eq!(
        update.input_schema["properties"]["body"]["properties"]["agentProviderId"]["type"],
        json!(["string", "null"])
    );
}

#[tokio::test]
async fn toolsets_serve_a_part_of_the_tools() {
    let options = Options::default().toolsets(vec!["jobs".to_owned(), "workflows".to_owned()]);
    let tools = TwillTools::new(Client::offline(), options);
    let (client, _) = connect(tools).await;
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|tool| tool.name.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cancel_job",
            "start_task_and_wait",
            "start_tasks",
            "wait_for_job"
        ]
    );
    // A tool of another toolset is unknown here.
    let error = client
        .call_tool(params("get_task", json!({ "taskIdOrSlug": "t" })))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("no tool \"get_task\""), "{error}");
    assert_eq!(
        twill_mcp::toolsets(&twill_api::all_endpoints().collect::<Vec<_>>()),
        ["account", "tasks", "jobs", "schedules", "workflows"]
    );
}

#[tokio::test]
async fn the_skill_is_listed_and_read() {
    let tools = TwillTools::new(Client::offline(), Options::default());
    let (client, _) = connect(tools).await;
    let skills = client.list_all_skills().await.unwrap();
    assert_eq!(skills.len(), 1);
    assert_eq!(skills[0].name(), "twill");
    let read = client
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            skills[0].uri.clone(),
        ))
        .await
        .unwrap();
    let text = serde_json::to_value(&read).unwrap()["contents"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("needs-you"), "{text}");
    let rmcp::model::SkillResources::Files(files) = &skills[0].resources else {
        panic!("a manifest");
    };
    assert!(files[0].verify(text.as_bytes()).is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_null_argument_is_refused_not_taken_as_absent() {
    let (_mock, client) = on_a_manual_mock(twill_mock::Faults::none()).await;
    let refused = call(&client, "list_tasks", json!({ "limit": null })).await;
    assert_eq!(refused.is_error, Some(true), "{refused:?}");
    assert!(
        structured(&refused)["message"]
            .as_str()
            .unwrap()
            .contains("`limit` must be a JSON integer, not null"),
        "{refused:?}"
    );
}

/// Every schema the server lists, compiled by Ajv in strict mode (the
/// validator the TypeScript SDK and many hosts use), installed with npm in
/// a folder of the build's own. Skipped, saying so, only where Node is not
/// installed.
#[tokio::test]
async fn every_schema_compiles_with_ajv_in_strict_mode() {
    use std::process::Command;
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("no Node here: the Ajv check is not run");
        return;
    }
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/ajv-check");
    std::fs::create_dir_all(&folder).unwrap();
    if !folder.join("node_modules/ajv/package.json").exists() {
        let installed = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                "ajv@8",
                "ajv-formats@3",
            ])
            .current_dir(&folder)
            .status()
            .expect("npm runs where node does");
        assert!(installed.success(), "npm install ajv failed");
    }
    let tools = TwillTools::new(Client::offline(), Options::default());
    let (client, _) = connect(tools).await;
    let mut schemas = serde_json::Map::new();
    for tool in client.list_all_tools().await.unwrap() {
        let input = Value::Object((*tool.input_schema).clone());
        schemas.insert(format!("{} input", tool.name), input);
        if let Some(output) = &tool.output_schema {
            schemas.insert(
                format!("{} output", tool.name),
                Value::Object((**output).clone()),
            );
        }
    }
    std::fs::write(
        folder.join("schemas.json"),
        Value::Object(schemas).to_string(),
    )
    .unwrap();
    std::fs::write(
        folder.join("check.js"),
        r#"const Ajv2020 = require("ajv/dist/2020");
const addFormats = require("ajv-formats");
const schemas = require("./schemas.json");
const ajv = new Ajv2020({ strict: true, strictTypes: true, allErrors: true });
addFormats(ajv);
const bad = [];
for (const [name, schema] of Object.entries(schemas)) {
  try { ajv.compile(schema); } catch (error) { bad.push(`${name}: ${error.message}`); }
}
if (bad.length > 0) { console.error(bad.join("\n")); process.exit(1); }
console.log(`${Object.keys(schemas).length} schemas compiled`);
"#,
    )
    .unwrap();
    let checked = Command::new("node")
        .arg("check.js")
        .current_dir(&folder)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}
