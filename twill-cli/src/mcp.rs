//! `twill mcp`: Twill's API as an MCP server over stdio.
//!
//! One tool per declared endpoint, built from its metadata: named after the
//! method, described by its doc summary, its input schema made of its
//! parameters (by role) and its request type's JSON Schema. Plus two
//! workflow tools, `wait_for_job` and `start_task_and_wait`. API errors
//! and bad arguments are tool results with `isError`, never protocol errors.

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InitializeResult, JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities,
    Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Value, json};
use twill_api::endpoint::{HttpMethod, ParamKind, ParamRole};
use twill_api::models::{
    CreateScheduledTaskRequest, CreateTaskRequest, SendMessageRequest, UpdateScheduledTaskRequest,
};
use twill_api::prelude::*;
use twill_api::stream::{EventKind, JobLogEvent};
use twill_api::workflow::{FollowPosition, WaitOutcome};
use twill_api::{Arguments, Client, Endpoint, Error, RetryPolicy};

use crate::failure::Failure;

/// Endpoints that are not tools, and why: a tool answers once, in JSON.
pub const EXCLUDED: &[(&Endpoint, &str)] = &[
    (
        <Client as Jobs>::STREAM_JOB_LOGS,
        "a stream that lasts as long as the job; `wait_for_job` follows it and returns the outcome",
    ),
    (
        <Client as Tasks>::TELEPORT_CLAUDE,
        "a binary tar archive of a session, for a person to unpack (`twill tasks teleport`)",
    ),
];

fn is_excluded(endpoint: &Endpoint) -> bool {
    EXCLUDED.iter().any(|(excluded, _)| *excluded == endpoint)
}

/// How long `wait_for_job` waits unless told.
/// Under the 60 s after which TypeScript-based hosts give up on a tool
/// call: a job still running then comes back with a `resume` value.
const DEFAULT_WAIT: Duration = Duration::from_secs(45);
/// The longest text of one summarised event.
const SUMMARY_TEXT: usize = 300;

/// The longest `Retry-After` a tool call waits out before answering with
/// the 429 (and `retryAfterSeconds`): an agent should not sit a minute
/// inside one tool call.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Serves MCP on standard input and output until the client leaves: a tool
/// per endpoint of `endpoints`, and the workflow tools.
pub async fn serve(
    client: Client,
    endpoints: &[&'static Endpoint],
    read_only: bool,
) -> Result<(), Failure> {
    let running = TwillMcp::new(client, endpoints, read_only)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|error| Failure::Local(format!("cannot start the MCP server: {error}")))?;
    running
        .waiting()
        .await
        .map_err(|error| Failure::Local(format!("the MCP server stopped: {error}")))?;
    Ok(())
}

/// The server: a client, the endpoints it serves as tools, and the tools
/// (built once: each holds its JSON Schema).
pub struct TwillMcp {
    client: Client,
    read_only: bool,
    endpoints: Vec<&'static Endpoint>,
    tools: Vec<Tool>,
}

impl TwillMcp {
    /// A server of `endpoints` (less the [`EXCLUDED`] ones) and the workflow
    /// tools; with `read_only`, of the tools that only read.
    pub fn new(client: Client, endpoints: &[&'static Endpoint], read_only: bool) -> Self {
        let client =
            client.with_retry_policy(RetryPolicy::default().max_retry_after(MAX_RETRY_AFTER));
        let endpoints: Vec<_> = endpoints
            .iter()
            .copied()
            .filter(|endpoint| !is_excluded(endpoint))
            .collect();
        TwillMcp {
            client,
            read_only,
            tools: tools(&endpoints, read_only),
            endpoints,
        }
    }

    /// The tool named `name`, if this server offers it.
    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|tool| tool.name == name)
    }
}

impl ServerHandler for TwillMcp {
    fn get_info(&self) -> InitializeResult {
        let mut info = InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_instructions(
                "Drive Twill, a cloud coding agent: create a task (or start_task_and_wait), \
                 send it messages, wait_for_job until its job ends, read the final answer with \
                 get_task. Every task has a url to show the user.",
            );
        info.server_info = Implementation::new("twill", env!("CARGO_PKG_VERSION"));
        info
    }

    async fn list_tools(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.call(&request.name, &arguments).await.into())
    }
}

impl TwillMcp {
    /// Calls the tool `name` with `arguments`: its answer, or why not.
    pub async fn call(&self, name: &str, arguments: &JsonObject) -> CallToolResult {
        let allowed = self.tool(name).is_some();
        if !allowed {
            return refusal(format!(
                "no tool `{name}`{}",
                if self.read_only {
                    " (this server is read-only)"
                } else {
                    ""
                }
            ));
        }
        match name {
            "wait_for_job" => match only(
                arguments,
                &["jobId", "taskIdOrSlug", "timeoutSeconds", "resume"],
            ) {
                Ok(()) => self.wait_for_job(arguments).await,
                Err(message) => refusal(message),
            },
            "start_task_and_wait" => match only(arguments, &["task", "timeoutSeconds"]) {
                Ok(()) => self.start_task_and_wait(arguments).await,
                Err(message) => refusal(message),
            },
            _ => match self
                .endpoints
                .iter()
                .find(|endpoint| endpoint.name() == name)
            {
                Some(endpoint) => self.call_endpoint(endpoint, arguments).await,
                None => refusal(format!("no tool `{name}`")),
            },
        }
    }

    async fn call_endpoint(
        &self,
        endpoint: &'static Endpoint,
        input: &JsonObject,
    ) -> CallToolResult {
        let arguments = match arguments(endpoint, input) {
            Ok(arguments) => arguments,
            Err(message) => return refusal(message),
        };
        let response = match self.client.call(endpoint, &arguments).await {
            Ok(response) => response,
            Err(error) => return api_error(&error),
        };
        match response.bytes().await {
            Ok(body) => {
                let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                success(value)
            }
            Err(error) => api_error(&error),
        }
    }

    async fn wait_for_job(&self, input: &JsonObject) -> CallToolResult {
        let Some(job) = input.get("jobId").and_then(Value::as_str) else {
            return refusal("`jobId` is required and must be a string".to_owned());
        };
        let timeout = match wait_limit(input) {
            Ok(timeout) => timeout,
            Err(message) => return refusal(message),
        };
        let resume = match input.get("resume") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => match text.parse() {
                Ok(position) => Some(position),
                Err(error) => return refusal(format!("`resume`: {error}")),
            },
            Some(_) => return refusal("`resume` must be the string a wait returned".to_owned()),
        };
        let task = input.get("taskIdOrSlug").and_then(Value::as_str);
        match self.wait(job, task, timeout, resume).await {
            Ok(result) => success(result),
            Err(error) => api_error(&error),
        }
    }

    async fn start_task_and_wait(&self, input: &JsonObject) -> CallToolResult {
        let timeout = match wait_limit(input) {
            Ok(timeout) => timeout,
            Err(message) => return refusal(message),
        };
        let Some(request) = input.get("task") else {
            return refusal(
                "`task` is required: the create_task body, such as {\"command\": \"...\"}"
                    .to_owned(),
            );
        };
        let created = match self.create_task(request).await {
            Ok(created) => created,
            Err(refused) => return refused,
        };
        let task =
            json!({ "id": created.task.id, "slug": created.task.slug, "url": created.task.url });
        match self
            .wait(&created.job.id, Some(&created.task.id), timeout, None)
            .await
        {
            Ok(mut result) => {
                result["task"] = task;
                success(result)
            }
            // The task exists: say so where the model reads, so that it
            // waits again rather than creating it twice.
            Err(error) => {
                let mut failed = api_error(&error);
                let text = format!(
                    "the task was created ({}, {}; job {}) but waiting for it failed: {error}. \
                     Do not create it again: call wait_for_job with jobId {:?}.",
                    created.task.slug, created.task.url, created.job.id, created.job.id
                );
                failed.content = vec![ContentBlock::text(text)];
                if let Some(Value::Object(detail)) = failed.structured_content.as_mut() {
                    detail.insert("task".to_owned(), task);
                    detail.insert("jobId".to_owned(), json!(created.job.id));
                }
                failed
            }
        }
    }

    /// Creates the task `request` describes, sent as given (the API's
    /// validation names any field at fault); the tool's result when that
    /// fails.
    async fn create_task(
        &self,
        request: &Value,
    ) -> Result<twill_api::models::CreateTaskResponse, CallToolResult> {
        let arguments = Arguments::new().body(request.clone());
        let created = match self
            .client
            .call(<Client as Tasks>::CREATE_TASK, &arguments)
            .await
        {
            Ok(response) => response.bytes().await,
            Err(error) => Err(error),
        };
        let body = created.map_err(|error| api_error(&error))?;
        serde_json::from_slice(&body).map_err(|error| {
            refusal(format!(
                "the task may have been created, but its answer cannot be read ({error}); \
                 call list_tasks before creating it again"
            ))
        })
    }

    /// Waits with the library's `wait_for_job` (which reopens dropped
    /// streams) up to `timeout`; the outcome, a `resume` position when the
    /// job goes on, the final answer (when `task` is given) and the latest
    /// events.
    async fn wait(
        &self,
        job: &str,
        task: Option<&str>,
        timeout: Duration,
        resume: Option<FollowPosition>,
    ) -> Result<Value, Error> {
        let wait = self.client.wait_for_job(job, timeout, resume).await?;
        let outcome = match &wait.outcome {
            WaitOutcome::Ended(end) => end.to_string(),
            _ => "timeout".to_owned(),
        };
        let latest: Vec<Value> = wait.latest.iter().map(summary).collect();
        let mut result = json!({
            "jobId": job,
            "outcome": outcome,
            "events": wait.events,
            "latestEvents": latest,
        });
        if !matches!(wait.outcome, WaitOutcome::Ended(_)) {
            result["resume"] = json!(wait.position.to_string());
        }
        if let Some(task) = task
            && let Ok(shown) = self.client.get_task(task).await
        {
            result["taskUrl"] = json!(shown.task.url);
            if let Some(latest) = shown.latest_job.filter(|latest| latest.id == job) {
                result["status"] = json!(latest.status.to_string());
                result["finalAnswer"] = json!(latest.final_answer);
                result["plan"] = json!(latest.plan);
            }
        }
        Ok(result)
    }
}

/// Every tool a server of `endpoints` offers, from their declarations.
fn tools(endpoints: &[&'static Endpoint], read_only: bool) -> Vec<Tool> {
    let mut tools: Vec<Tool> = endpoints.iter().copied().map(endpoint_tool).collect();
    tools.push(
        Tool::new(
            "wait_for_job",
            "Waits until a job ends (or the timeout passes) by following its log; returns the \
             outcome, the final answer when taskIdOrSlug is given, and the latest events.",
            object_schema(
                json!({
                    "jobId": { "type": "string", "description": "The job's id." },
                    "taskIdOrSlug": { "type": "string", "description": "Its task, to return the final answer." },
                    "timeoutSeconds": { "type": "integer", "minimum": 1, "description": "How long to wait, in seconds (45 unless given; clients give up on a call after about 60). A job still running then comes back with `resume`." },
                    "resume": { "type": "string", "description": "The `resume` of an earlier wait that timed out, to go on without its events again." },
                }),
                &["jobId"],
            ),
        )
        .annotate(ToolAnnotations::new().read_only(true)),
    );
    tools.push(
        Tool::new(
            "start_task_and_wait",
            "Creates a task and waits until its first job ends; returns the task's url, the \
             outcome and the final answer.",
            object_schema(
                json!({
                    "task": schema_of::<CreateTaskRequest>(),
                    "timeoutSeconds": { "type": "integer", "minimum": 1, "description": "How long to wait, in seconds (45 unless given; clients give up on a call after about 60). A job still running then comes back with `resume`." },
                }),
                &["task"],
            ),
        )
        .annotate(ToolAnnotations::new().read_only(false).destructive(false)),
    );
    if read_only {
        tools.retain(|tool| {
            tool.annotations
                .as_ref()
                .is_some_and(|annotations| annotations.read_only_hint == Some(true))
        });
    }
    tools
}

/// The tool for one endpoint.
fn endpoint_tool(endpoint: &'static Endpoint) -> Tool {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for param in endpoint.params() {
        let (name, schema) = match (param.role(), param.wire_name()) {
            (ParamRole::Body, _) | (_, None) => ("body", body_schema(endpoint)),
            (role, Some(name)) => (name, param_schema(param.kind(), role)),
        };
        properties.insert(name.to_owned(), schema);
        if !param.is_optional() {
            required.push(name);
        }
    }
    let mut description = format!("{} (`{endpoint}`)", endpoint.summary());
    if endpoint.is_interrupting() {
        description.push_str(" Interrupts the job in progress, if any.");
    }
    Tool::new(
        endpoint.name(),
        description,
        object_schema(Value::Object(properties), &required),
    )
    .annotate(annotations(endpoint))
}

/// Read-only for GET; destructive as declared: a DELETE, or `destructive`
/// (cancel, archive) or `interrupts` (send-message stops the running job).
fn annotations(endpoint: &'static Endpoint) -> ToolAnnotations {
    let read_only = endpoint.method() == HttpMethod::Get;
    ToolAnnotations::new()
        .read_only(read_only)
        .destructive(endpoint.is_destructive() || endpoint.is_interrupting())
        .idempotent(endpoint.is_idempotent())
}

/// A path, query or header value's schema, from its declared kind.
fn param_schema(kind: ParamKind, role: ParamRole) -> Value {
    let kind = kind.json_type();
    let role = match role {
        ParamRole::Path => "path segment",
        ParamRole::Query => "query parameter",
        ParamRole::Header => "header",
        ParamRole::Body => "body",
    };
    json!({ "type": kind, "description": format!("Sent as a {role}.") })
}

/// The JSON Schema of the endpoint's request body, by its declared type.
pub fn body_schema(endpoint: &'static Endpoint) -> Value {
    let name = endpoint
        .body_type()
        .unwrap_or_default()
        .trim_start_matches('&');
    match name {
        "CreateTaskRequest" => schema_of::<CreateTaskRequest>(),
        "SendMessageRequest" => schema_of::<SendMessageRequest>(),
        "CreateScheduledTaskRequest" => schema_of::<CreateScheduledTaskRequest>(),
        "UpdateScheduledTaskRequest" => schema_of::<UpdateScheduledTaskRequest>(),
        _ => json!({ "type": "object" }),
    }
}

fn schema_of<T: schemars::JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|settings| settings.inline_subschemas = true)
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Value::Object(object) = &mut schema {
        object.remove("$schema");
    }
    schema
}

fn object_schema(properties: Value, required: &[&str]) -> Arc<JsonObject> {
    let schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    match schema {
        Value::Object(object) => Arc::new(object),
        _ => Arc::new(JsonObject::new()),
    }
}

/// The model's input as call arguments, each value of the JSON type its
/// parameter declares (a number where a string is wanted is refused, not
/// turned into text).
fn arguments(endpoint: &'static Endpoint, input: &JsonObject) -> Result<Arguments, String> {
    let mut arguments = Arguments::new();
    for (name, value) in input {
        if name == "body" {
            arguments = arguments.body(value.clone());
            continue;
        }
        let kind = endpoint
            .params()
            .iter()
            .find(|param| param.wire_name() == Some(name.as_str()))
            .map(|param| param.kind());
        let text = match (value, kind) {
            (Value::Null, _) => continue,
            (Value::String(text), Some(ParamKind::String) | None) => text.clone(),
            (Value::Number(number), Some(ParamKind::Integer))
                if number.is_i64() || number.is_u64() =>
            {
                number.to_string()
            }
            (Value::Bool(flag), Some(ParamKind::Boolean)) => flag.to_string(),
            (_, Some(kind)) => {
                return Err(format!("`{name}` must be a JSON {}", kind.json_type()));
            }
            (_, None) => return Err(format!("`{name}` must be a string")),
        };
        arguments = arguments.arg(name.as_str(), text);
    }
    // Unknown or missing fields are named by the client's own check
    // (`Client::call`), before anything is sent.
    Ok(arguments)
}

/// The schema says `additionalProperties: false`: an argument it does not
/// name (a `timeout` meant as `timeoutSeconds`) is refused, by name, rather
/// than ignored.
fn only(input: &JsonObject, accepted: &[&str]) -> Result<(), String> {
    match input.keys().find(|name| !accepted.contains(&name.as_str())) {
        Some(name) => Err(format!(
            "no argument `{name}`; this tool takes {}",
            accepted.join(", ")
        )),
        None => Ok(()),
    }
}

fn wait_limit(input: &JsonObject) -> Result<Duration, String> {
    match input.get("timeoutSeconds") {
        None | Some(Value::Null) => Ok(DEFAULT_WAIT),
        Some(value) => value
            .as_u64()
            .filter(|seconds| *seconds > 0)
            .map(Duration::from_secs)
            .ok_or_else(|| "`timeoutSeconds` must be a positive integer".to_owned()),
    }
}

/// One event in a few words, for a wait's summary: the agent's text as
/// text, a small event as the object it arrived as, a large one cut, as
/// text.
fn summary(event: &JobLogEvent) -> Value {
    let text = match event.kind() {
        EventKind::TraceChunks => event
            .json()
            .get("chunks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|chunk| chunk.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => {
            let text = event.json().to_string();
            if text.len() <= SUMMARY_TEXT {
                return event.json().clone();
            }
            text
        }
    };
    Value::String(cut(text))
}

/// `text` cut to at most [`SUMMARY_TEXT`] bytes, on a character boundary.
fn cut(mut text: String) -> String {
    if text.len() > SUMMARY_TEXT {
        let mut at = SUMMARY_TEXT;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        text.push('…');
    }
    text
}

fn success(value: Value) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(value.to_string())]);
    if value.is_object() {
        result.structured_content = Some(value);
    }
    result
}

/// A refused input: the message names the field.
fn refusal(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// An API or client error as a tool result: the API's message and its
/// validation issues, structured too.
fn api_error(error: &Error) -> CallToolResult {
    let mut detail = json!({ "message": error.to_string() });
    if let Some(status) = error.status() {
        detail["status"] = json!(status.as_u16());
    }
    if let Error::Api(api) = error {
        detail["code"] = json!(api.code.to_string());
        detail["message"] = json!(api.message);
        let issues: Vec<Value> = api
            .validation_issues()
            .into_iter()
            .map(|issue| json!({ "field": issue.field, "message": issue.message }))
            .collect();
        if !issues.is_empty() {
            detail["issues"] = json!(issues);
        }
    }
    if let Some(wait) = error.retry_after() {
        detail["retryAfterSeconds"] = json!(wait.as_secs());
    }
    let mut result = CallToolResult::error(vec![ContentBlock::text(error.to_string())]);
    result.structured_content = Some(detail);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's tool table, one row per tool, from the same list the
    /// server serves.
    fn tool_table() -> String {
        let mut table = String::from("| tool | kind | what it does |\n|---|---|---|\n");
        for tool in tools(&served(), false) {
            let hints = tool.annotations.clone().unwrap_or_default();
            let kind = if hints.read_only_hint == Some(true) {
                "read-only"
            } else if hints.destructive_hint == Some(true) {
                "destructive"
            } else {
                "writes"
            };
            let description = tool.description.as_deref().unwrap_or_default();
            table.push_str(&format!(
                "| `{}` | {kind} | {} |\n",
                tool.name,
                description.replace('|', "\\|")
            ));
        }
        for (endpoint, why) in EXCLUDED {
            let name = endpoint.name();
            table.push_str(&format!("| ~~`{name}`~~ | not a tool | {why} |\n"));
        }
        table
    }

    /// The endpoints `twill mcp` serves.
    fn served() -> Vec<&'static Endpoint> {
        TwillMcp::new(Client::new("k").unwrap(), &all(), false).endpoints
    }

    fn all() -> Vec<&'static Endpoint> {
        twill_api::all_endpoints().collect()
    }

    #[test]
    fn every_endpoint_is_a_tool_or_excluded_with_a_reason() {
        let names: Vec<String> = tools(&served(), false)
            .iter()
            .map(|tool| tool.name.to_string())
            .collect();
        for endpoint in all() {
            assert_ne!(
                names.iter().any(|name| name == endpoint.name()),
                is_excluded(endpoint),
                "{}",
                endpoint.name()
            );
        }
    }

    #[test]
    fn every_body_has_its_request_schema() {
        for endpoint in all()
            .into_iter()
            .filter(|endpoint| endpoint.body_type().is_some())
        {
            let schema = body_schema(endpoint);
            assert!(
                schema.get("properties").is_some(),
                "{}: no schema for {:?}",
                endpoint.name(),
                endpoint.body_type()
            );
        }
    }

    /// The README's table is this list; when a declaration changes, this
    /// prints the table to paste.
    #[test]
    fn the_readme_lists_the_tools() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
        let table = tool_table();
        assert!(
            readme.contains(&table),
            "README.md's MCP tool table should be:\n{table}"
        );
    }
}
