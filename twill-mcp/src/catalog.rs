//! A tool per declared endpoint, read from its model: the name, a
//! description written for a model (Rust syntax removed), a title, the
//! input schema of its parameters and request type, the output schema of
//! its response type, and annotations from its declared effects.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRoute;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{CallToolResult, JsonObject, Tool, ToolAnnotations};
use serde_json::{Value, json};
use twill_api::api::{Jobs, Tasks};
use twill_api::endpoint::{HttpMethod, Param, ParamKind, ParamRole};
use twill_api::models::{
    Acknowledgement, ApproveCriteriaResponse, ApprovePlanResponse, CancelTaskResponse,
    CreateScheduledTaskRequest, CreateTaskRequest, CreateTaskResponse, GetTaskResponse, JobPage,
    Me, RepositoryList, ScheduledTaskList, ScheduledTaskResponse, SendMessageRequest,
    SendMessageResponse, TaskPage, UpdateScheduledTaskRequest,
};
use twill_api::{Arguments, Client, Endpoint};

use crate::TwillTools;
use crate::result::{api_error, cancelled, refusal, success};

/// Endpoints that are not tools, and why: a tool answers once, in JSON.
pub const EXCLUDED: &[(&Endpoint, &str)] = &[
    (
        <Client as Jobs>::STREAM_JOB_LOGS,
        "a stream that lasts as long as the job; `wait_for_job` follows it and returns where the job stands",
    ),
    (
        <Client as Tasks>::TELEPORT_CLAUDE,
        "a binary tar archive of a session, for a person to unpack (`twill tasks teleport`)",
    ),
];

/// Whether `endpoint` is one of the [`EXCLUDED`].
pub fn is_excluded(endpoint: &Endpoint) -> bool {
    EXCLUDED.iter().any(|(excluded, _)| *excluded == endpoint)
}

/// The route of `endpoint`'s tool, for a server of type `S`.
pub fn route<S: Send + Sync + 'static>(
    tools: &Arc<TwillTools>,
    endpoint: &'static Endpoint,
) -> ToolRoute<S> {
    let tools = Arc::clone(tools);
    ToolRoute::new_dyn(tool(endpoint), move |context: ToolCallContext<'_, S>| {
        let tools = Arc::clone(&tools);
        Box::pin(async move {
            let input = context.arguments.unwrap_or_default();
            let stop = context.request_context.ct;
            let result = tokio::select! {
                result = call(&tools, endpoint, &input) => result,
                () = stop.cancelled() => cancelled(),
            };
            Ok(result.into())
        })
    })
}

/// Calls `endpoint` with the model's `input`: its answer, or why not.
async fn call(
    tools: &TwillTools,
    endpoint: &'static Endpoint,
    input: &JsonObject,
) -> CallToolResult {
    let arguments = match arguments(endpoint, input) {
        Ok(arguments) => arguments,
        Err(message) => return refusal(message),
    };
    let response = match tools.client.call(endpoint, &arguments).await {
        Ok(response) => response,
        Err(error) => return api_error(&error),
    };
    match response.bytes().await {
        Ok(body) if body.is_empty() => success(json!({})),
        Ok(body) => match serde_json::from_slice::<Value>(&body) {
            Ok(value) => acted_on(endpoint, value),
            Err(error) => refusal(format!("the answer is not JSON: {error}")),
        },
        Err(error) => api_error(&error),
    }
}

/// An answer as the tool's result: an error when it says `success:
/// false` (the library's rule: the server refused the action), whatever
/// the HTTP status said.
fn acted_on(endpoint: &'static Endpoint, value: Value) -> CallToolResult {
    let refused = serde_json::from_value::<Acknowledgement>(value.clone())
        .ok()
        .filter(Acknowledgement::is_refusal);
    let Some(answer) = refused else {
        return success(value);
    };
    let said = answer
        .message()
        .map(|message| format!(": {}", twill_api::untrusted::escape_line(message)))
        .unwrap_or_default();
    let mut result = refusal(format!(
        "{} was not done: the server answered success: false{said}",
        endpoint.name()
    ));
    if let Some(rmcp::model::MetaObject(meta)) = result.meta.as_mut()
        && let Some(Value::Object(detail)) = meta.get_mut(crate::result::ERROR_META)
    {
        detail.insert("answer".to_owned(), value);
    }
    result
}

/// The tool for one endpoint.
pub fn tool(endpoint: &'static Endpoint) -> Tool {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for param in endpoint.params() {
        let (name, schema) = match (param.role(), param.wire_name()) {
            (ParamRole::Body, _) | (_, None) => ("body", body_schema(endpoint)),
            (_, Some(name)) => (name, param_schema(param)),
        };
        properties.insert(name.to_owned(), schema);
        if !param.is_optional() {
            required.push(name);
        }
    }
    let mut description = for_a_model(endpoint.summary());
    if endpoint.is_interrupting() {
        description
            .push_str(" This cancels the job the task is running, if any, and starts a new one.");
    }
    description.push_str(&format!(" ({} {})", endpoint.method(), endpoint.path()));
    let input = object_schema(Value::Object(properties), &required);
    let input =
        crate::schema::standard(Value::Object((*input).clone()), crate::schema::Side::Input);
    let input = match input {
        Value::Object(object) => Arc::new(object),
        _ => Arc::new(JsonObject::new()),
    };
    let mut tool = Tool::new(endpoint.name(), description, input)
        .with_title(title(endpoint.name()))
        .annotate(annotations(endpoint));
    if let Some(Value::Object(schema)) = output_schema(endpoint) {
        tool = tool.with_raw_output_schema(Arc::new(schema));
    }
    tool
}

/// `send_message` as a person reads it: `Send message`.
pub fn title(name: &str) -> String {
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// A doc comment's summary for a reader who does not read Rust: intra-doc
/// links become their last name (`` [`Tasks::get_task`] `` is `get_task`),
/// backticks go.
pub fn for_a_model(summary: &str) -> String {
    let mut out = String::new();
    let mut rest = summary;
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("`]") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let path = &after[..end];
        out.push_str(path.rsplit("::").next().unwrap_or(path));
        rest = &after[end + 2..];
        // A link's target, `(crate::...)`, says nothing to a model.
        if rest.starts_with('(')
            && let Some(close) = rest.find(')')
        {
            rest = &rest[close + 1..];
        }
    }
    out.push_str(rest);
    out.replace('`', "")
}

/// Read-only for GET; destructive as declared: a DELETE, or `destructive`
/// (cancel, archive) or `interrupts` (send-message stops the running job).
/// The protocol's defaults (open-world; not idempotent) are left unsaid,
/// in fewer bytes; whether a tool that writes is destructive is always
/// said, for a host that would not assume it.
pub fn annotations(endpoint: &'static Endpoint) -> ToolAnnotations {
    if endpoint.method() == HttpMethod::Get {
        return ToolAnnotations::new().read_only(true);
    }
    let mut annotations =
        ToolAnnotations::new().destructive(endpoint.is_destructive() || endpoint.is_interrupting());
    if endpoint.is_idempotent() {
        annotations = annotations.idempotent(true);
    }
    annotations
}

/// A path or query value's schema: its declared kind, what it is, and its
/// bounds where the API documents them.
fn param_schema(param: &Param) -> Value {
    let name = param.wire_name().unwrap_or(param.name());
    let mut schema = json!({ "type": param.kind().json_type() });
    let description = match name {
        // Short: they stand in most tools, and every byte is in every
        // session's context.
        "taskIdOrSlug" => "The task's id or slug.".to_owned(),
        "jobId" => "The job's id.".to_owned(),
        "scheduledTaskId" => "The scheduled task's id.".to_owned(),
        "cursor" => "The nextCursor of the page before, to read the next page.".to_owned(),
        "limit" => {
            schema["minimum"] = json!(1);
            schema["maximum"] = json!(100);
            "How many items on the page, 1 to 100.".to_owned()
        }
        _ => {
            let role = match param.role() {
                ParamRole::Path => "part of the path",
                ParamRole::Query => "a query parameter",
                _ => "a header",
            };
            format!("The {name} ({role}).")
        }
    };
    if param.kind() == ParamKind::String && param.role() == ParamRole::Path {
        schema["minLength"] = json!(1);
    }
    if param.is_repeated() {
        // Each item is one value; the description is the list's.
        schema = json!({ "type": "array", "items": schema });
    }
    schema["description"] = json!(description);
    schema
}

/// An endpoint's request body and answer schemas.
type Schemas = (
    &'static Endpoint,
    Option<fn() -> Value>,
    Option<fn() -> Value>,
);

/// The schemas of Twill's endpoints, by the endpoint's handle: its body's
/// and its answer's model.
fn schemas() -> [Schemas; 21] {
    use twill_api::api::{Account, ScheduledTasks};
    type C = Client;
    [
        (<C as Account>::ME, None, Some(schema_of::<Me>)),
        (
            <C as Account>::LIST_REPOSITORIES,
            None,
            Some(schema_of::<RepositoryList>),
        ),
        (
            <C as Tasks>::CREATE_TASK,
            Some(schema_of::<CreateTaskRequest>),
            Some(schema_of::<CreateTaskResponse>),
        ),
        (<C as Tasks>::LIST_TASKS, None, Some(schema_of::<TaskPage>)),
        (
            <C as Tasks>::GET_TASK,
            None,
            Some(schema_of::<GetTaskResponse>),
        ),
        (
            <C as Tasks>::SEND_MESSAGE,
            Some(schema_of::<SendMessageRequest>),
            Some(schema_of::<SendMessageResponse>),
        ),
        (<C as Tasks>::LIST_JOBS, None, Some(schema_of::<JobPage>)),
        (
            <C as Tasks>::APPROVE_PLAN,
            None,
            Some(schema_of::<ApprovePlanResponse>),
        ),
        (
            <C as Tasks>::APPROVE_CRITERIA,
            None,
            Some(schema_of::<ApproveCriteriaResponse>),
        ),
        (
            <C as Tasks>::CANCEL_TASK,
            None,
            Some(schema_of::<CancelTaskResponse>),
        ),
        (
            <C as Tasks>::ARCHIVE_TASK,
            None,
            Some(schema_of::<Acknowledgement>),
        ),
        (<C as Tasks>::TELEPORT_CLAUDE, None, None),
        (<C as Jobs>::STREAM_JOB_LOGS, None, None),
        (
            <C as Jobs>::CANCEL_JOB,
            None,
            Some(schema_of::<Acknowledgement>),
        ),
        (
            <C as ScheduledTasks>::LIST_SCHEDULED_TASKS,
            None,
            Some(schema_of::<ScheduledTaskList>),
        ),
        (
            <C as ScheduledTasks>::CREATE_SCHEDULED_TASK,
            Some(schema_of::<CreateScheduledTaskRequest>),
            Some(schema_of::<ScheduledTaskResponse>),
        ),
        (
            <C as ScheduledTasks>::GET_SCHEDULED_TASK,
            None,
            Some(schema_of::<ScheduledTaskResponse>),
        ),
        (
            <C as ScheduledTasks>::UPDATE_SCHEDULED_TASK,
            Some(schema_of::<UpdateScheduledTaskRequest>),
            Some(schema_of::<ScheduledTaskResponse>),
        ),
        (
            <C as ScheduledTasks>::DELETE_SCHEDULED_TASK,
            None,
            Some(schema_of::<Acknowledgement>),
        ),
        (
            <C as ScheduledTasks>::PAUSE_SCHEDULED_TASK,
            None,
            Some(schema_of::<Acknowledgement>),
        ),
        (
            <C as ScheduledTasks>::RESUME_SCHEDULED_TASK,
            None,
            Some(schema_of::<Acknowledgement>),
        ),
    ]
}

/// The JSON Schema of the endpoint's request body (any object for an
/// endpoint of another crate, whose model is not known here).
pub fn body_schema(endpoint: &'static Endpoint) -> Value {
    schemas()
        .iter()
        .find(|(handle, _, _)| *handle == endpoint)
        .and_then(|(_, body, _)| body.map(|schema| schema()))
        .unwrap_or_else(|| json!({ "type": "object" }))
}

/// The JSON Schema of the endpoint's answer, when its model is known, in
/// the outputs' lean form.
pub fn output_schema(endpoint: &'static Endpoint) -> Option<Value> {
    let answer = schemas()
        .iter()
        .find(|(handle, _, _)| *handle == endpoint)
        .and_then(|(_, _, answer)| *answer)?;
    Some(crate::schema::standard(
        answer(),
        crate::schema::Side::Output,
    ))
}

/// `T`'s schema, inlined (no `$ref`, which some clients do not follow).
pub fn schema_of<T: schemars::JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|settings| settings.inline_subschemas = true)
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Value::Object(object) = &mut schema {
        object.remove("$schema");
    }
    readable_descriptions(&mut schema);
    schema
}

/// Every `description` in `schema` written for a model: the doc comments
/// schemars took them from are written for Rust readers, with code
/// examples (cut off), intra-doc links and backticks.
fn readable_descriptions(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => {
                        let prose = text.split("```").next().unwrap_or_default();
                        *text = for_a_model(prose.replace("`None`", "null").trim());
                    }
                    other => readable_descriptions(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(readable_descriptions),
        _ => {}
    }
}

/// An input schema: an object of `properties`, `required` named, nothing
/// else allowed.
pub fn object_schema(properties: Value, required: &[&str]) -> Arc<JsonObject> {
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
/// turned into text); an argument the tool does not take is refused by
/// name, before anything is sent.
fn arguments(endpoint: &'static Endpoint, input: &JsonObject) -> Result<Arguments, String> {
    let mut arguments = Arguments::new();
    for (name, value) in input {
        if name == "body" {
            arguments = arguments.body(value.clone());
            continue;
        }
        let Some(param) = endpoint
            .params()
            .iter()
            .find(|param| param.wire_name() == Some(name.as_str()))
        else {
            return Err(format!("no argument `{name}`; {}", takes(endpoint)));
        };
        let kind = param.kind();
        match value {
            // The schema says the type, not null: an optional argument is
            // left out, never sent as null.
            Value::Null => {
                return Err(format!(
                    "`{name}` must be a JSON {}, not null: leave it out instead",
                    kind.json_type()
                ));
            }
            // A list: each item one value, sent under the name in order.
            Value::Array(items) if param.is_repeated() => {
                for item in items {
                    let Some(text) = scalar(item, kind) else {
                        let expected = kind.json_type();
                        return Err(format!("`{name}` must be an array of JSON {expected}s"));
                    };
                    arguments = arguments.arg(name.as_str(), text);
                }
            }
            _ if param.is_repeated() => {
                let expected = kind.json_type();
                return Err(format!("`{name}` must be an array of JSON {expected}s"));
            }
            _ => {
                let Some(text) = scalar(value, kind) else {
                    return Err(format!("`{name}` must be a JSON {}", kind.json_type()));
                };
                arguments = arguments.arg(name.as_str(), text);
            }
        }
    }
    // A missing or malformed value is named by the client's own check
    // (`Client::call`), before anything is sent.
    Ok(arguments)
}

/// A JSON value of `kind` as the text sent; `None` for another type.
fn scalar(value: &Value, kind: ParamKind) -> Option<String> {
    match (value, kind) {
        (Value::String(text), ParamKind::String) => Some(text.clone()),
        (Value::Number(number), ParamKind::Integer) if number.is_i64() || number.is_u64() => {
            Some(number.to_string())
        }
        (Value::Bool(flag), ParamKind::Boolean) => Some(flag.to_string()),
        _ => None,
    }
}

/// What `endpoint`'s tool takes, for a refusal.
fn takes(endpoint: &'static Endpoint) -> String {
    let names: Vec<&str> = endpoint
        .params()
        .iter()
        .map(|param| match param.role() {
            ParamRole::Body => "body",
            _ => param.wire_name().unwrap_or(param.name()),
        })
        .collect();
    if names.is_empty() {
        format!("{} takes no arguments", endpoint.name())
    } else {
        format!("{} takes {}", endpoint.name(), names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_without_rust() {
        assert_eq!(
            for_a_model("Like [`Tasks::get_task`](crate::api::Tasks::get_task), by `slug`."),
            "Like get_task, by slug."
        );
        assert_eq!(for_a_model("See [`Client::call`]."), "See call.");
        assert_eq!(title("send_message"), "Send message");
    }

    /// A list query (a `Vec` argument) is an array of its kind in the
    /// tool's schema, and each item one value of the call.
    #[test]
    fn a_list_query_is_an_array_of_its_kind() {
        use twill_api::endpoint::{HttpMethod, Param};
        static TAGGED: Endpoint = Endpoint::new("tagged", HttpMethod::Get, "/tagged").with_params(
            &[Param::query("ids", "ids", "Vec<u64>", ParamKind::Integer, false).repeated()],
        );
        let schema = param_schema(&TAGGED.params()[0]);
        assert_eq!(schema["type"], "array");
        assert_eq!(schema["items"]["type"], "integer");
        let input = |value: Value| json!({ "ids": value }).as_object().unwrap().clone();
        let given = arguments(&TAGGED, &input(json!([3, 1]))).unwrap();
        assert_eq!(given.values("ids").collect::<Vec<_>>(), ["3", "1"]);
        for wrong in [json!(3), json!(["3"]), json!([1, true])] {
            let refused = arguments(&TAGGED, &input(wrong.clone())).unwrap_err();
            assert_eq!(
                refused, "`ids` must be an array of JSON integers",
                "{wrong}"
            );
        }
    }

    #[test]
    fn every_served_endpoint_has_its_input_and_output_schemas() {
        for endpoint in twill_api::all_endpoints().filter(|e| !is_excluded(e)) {
            assert!(
                output_schema(endpoint).is_some(),
                "{}: no output schema for {}",
                endpoint.name(),
                endpoint.success_type()
            );
            if let Some(body) = endpoint.body_type() {
                assert_ne!(
                    body_schema(endpoint),
                    json!({ "type": "object" }),
                    "{}: no schema for {body}",
                    endpoint.name()
                );
            }
        }
    }
}

#[cfg(test)]
mod read_by_a_model {
    use super::*;

    /// No schema a model reads holds Rust: no links, code, `Some(..)`.
    #[test]
    fn schemas_hold_no_rust() {
        let client = twill_api::Client::new("k").unwrap();
        let tools = Arc::new(TwillTools::new(client, crate::Options::default()));
        let router: rmcp::handler::server::router::tool::ToolRouter<()> = tools.router();
        for tool in router.list_all() {
            let text = serde_json::to_string(&tool).unwrap();
            for rust in [
                "[`",
                "```",
                "Some(",
                "crate::",
                "`None`",
                "assert_eq!",
                "use twill_api",
            ] {
                assert!(!text.contains(rust), "{}: {rust} in {text}", tool.name);
            }
        }
    }
}
