//! Routes, the key check and request validation.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State as Shared};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::reply::{self, Issue};
use crate::store::Store;

const USER_INTENTS: [&str; 4] = ["SWE", "PLAN", "ASK", "DEV_ENVIRONMENT"];
const REASONING_EFFORTS: [&str; 6] = ["low", "medium", "high", "xhigh", "max", "ultra"];

pub(crate) struct State {
    authorization: String,
    store: Mutex<Store>,
}

impl State {
    pub(crate) fn new(api_key: String) -> Self {
        State {
            authorization: format!("Bearer {api_key}"),
            store: Mutex::new(Store::new()),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A handler that panicked left the store consistent (every change is
        // one push or assignment), so keep serving.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(crate) fn router(state: Arc<State>) -> Router {
    let api = Router::new()
        .route("/tasks", post(create_task))
        .route("/tasks/{task}", get(get_task))
        .route("/tasks/{task}/messages", post(send_message))
        .fallback(|| async { reply::not_found("Route") })
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize))
        .with_state(state);
    Router::new()
        .nest("/api/v1", api)
        .fallback(|| async { reply::not_found("Route") })
}

async fn authorize(Shared(state): Shared<Arc<State>>, request: Request, next: Next) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes() == state.authorization.as_bytes());
    if authorized {
        next.run(request).await
    } else {
        reply::unauthorized()
    }
}

async fn create_task(
    Shared(state): Shared<Arc<State>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut fields = match json_object(&headers, &body) {
        Ok(fields) => fields,
        Err(issue) => return reply::validation(&[issue]),
    };
    let mut issues = Vec::new();
    let command = required_string(&mut fields, "command", &mut issues);
    optional_string(&mut fields, "agent", &mut issues);
    optional_enum(&mut fields, "userIntent", &USER_INTENTS, &mut issues);
    optional_enum(
        &mut fields,
        "reasoningEffort",
        &REASONING_EFFORTS,
        &mut issues,
    );
    let parent = optional_string(&mut fields, "parentId", &mut issues);
    let title = optional_string(&mut fields, "title", &mut issues);
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        issues.push(Issue::new("title", "title must be at most 200 characters"));
    }
    files(&mut fields, &mut issues);
    for retired in ["repository", "branch"] {
        if fields.remove(retired).is_some() {
            issues.push(Issue::new(
                retired,
                format!("{retired} is no longer accepted"),
            ));
        }
    }
    unknown_fields(&fields, &mut issues);
    let command = match command {
        Some(command) if issues.is_empty() => command,
        _ => return reply::validation(&issues),
    };

    let mut store = state.store();
    if let Some(parent) = &parent
        && store.find(parent).is_none()
    {
        return reply::not_found("Parent task");
    }
    let index = store.create_task(&command, title.as_deref());
    let task = store.task(index);
    let job = task.jobs.last().map(|job| job.summary());
    reply::json(
        StatusCode::CREATED,
        &json!({ "task": task.summary(), "job": job }),
    )
}

async fn get_task(Shared(state): Shared<Arc<State>>, Path(task): Path<String>) -> Response {
    let store = state.store();
    let Some(index) = store.find(&task) else {
        return reply::not_found("Task");
    };
    let task = store.task(index);
    let latest = task.jobs.last().map_or(Value::Null, |job| job.detail());
    reply::json(
        StatusCode::OK,
        &json!({ "task": task.detail(), "latestJob": latest }),
    )
}

async fn send_message(
    Shared(state): Shared<Arc<State>>,
    Path(task): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut fields = match json_object(&headers, &body) {
        Ok(fields) => fields,
        Err(issue) => return reply::validation(&[issue]),
    };
    let mut issues = Vec::new();
    let message = required_string(&mut fields, "message", &mut issues);
    optional_enum(&mut fields, "userIntent", &USER_INTENTS, &mut issues);
    optional_enum(
        &mut fields,
        "reasoningEffort",
        &REASONING_EFFORTS,
        &mut issues,
    );
    optional_string(&mut fields, "agent", &mut issues);
    files(&mut fields, &mut issues);
    unknown_fields(&fields, &mut issues);
    let message = match message {
        Some(message) if issues.is_empty() => message,
        _ => return reply::validation(&issues),
    };

    let mut store = state.store();
    let Some(index) = store.find(&task) else {
        return reply::not_found("Task");
    };
    let job = store.send_message(index, &message);
    reply::json(StatusCode::OK, &json!({ "job": job.summary() }))
}

/// The body as a JSON object, or the issue the API reports with a 400.
fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Issue> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("application/json"));
    if !is_json {
        return Err(Issue::new("body", "Content-Type must be application/json"));
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(Issue::new("body", "body must be a JSON object")),
        Err(error) => Err(Issue::new(
            "body",
            format!("body is not valid JSON: {error}"),
        )),
    }
}

fn required_string(
    fields: &mut Map<String, Value>,
    name: &str,
    issues: &mut Vec<Issue>,
) -> Option<String> {
    match fields.remove(name) {
        None | Some(Value::Null) => {
            issues.push(Issue::new(name, format!("{name} is required")));
            None
        }
        Some(Value::String(text)) if text.trim().is_empty() => {
            issues.push(Issue::new(name, format!("{name} must not be empty")));
            None
        }
        Some(Value::String(text)) => Some(text),
        Some(_) => {
            issues.push(Issue::new(name, format!("{name} must be a string")));
            None
        }
    }
}

fn optional_string(
    fields: &mut Map<String, Value>,
    name: &str,
    issues: &mut Vec<Issue>,
) -> Option<String> {
    match fields.remove(name) {
        None => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => {
            issues.push(Issue::new(name, format!("{name} must be a string")));
            None
        }
    }
}

fn optional_enum(
    fields: &mut Map<String, Value>,
    name: &str,
    allowed: &[&str],
    issues: &mut Vec<Issue>,
) {
    if let Some(value) = optional_string(fields, name, issues)
        && !allowed.contains(&value.as_str())
    {
        issues.push(Issue::new(
            name,
            format!("{name} must be one of {}", allowed.join(", ")),
        ));
    }
}

/// `files`: an array of `{filename, mediaType, url}`, all strings.
fn files(fields: &mut Map<String, Value>, issues: &mut Vec<Issue>) {
    let files = match fields.remove("files") {
        None => return,
        Some(Value::Array(files)) => files,
        Some(_) => return issues.push(Issue::new("files", "files must be an array")),
    };
    for (i, file) in files.iter().enumerate() {
        let Value::Object(file) = file else {
            issues.push(Issue::new(
                format!("files[{i}]"),
                "a file must be an object",
            ));
            continue;
        };
        for key in ["filename", "mediaType", "url"] {
            if !file.get(key).is_some_and(Value::is_string) {
                issues.push(Issue::new(
                    format!("files[{i}].{key}"),
                    format!("{key} is required"),
                ));
            }
        }
        for key in file.keys() {
            if !["filename", "mediaType", "url"].contains(&key.as_str()) {
                issues.push(Issue::new(format!("files[{i}].{key}"), "unknown field"));
            }
        }
    }
}

/// The mock is stricter than the API, which ignores unknown fields: a
/// client that misspells one (say `user_intent`) should hear about it.
fn unknown_fields(fields: &Map<String, Value>, issues: &mut Vec<Issue>) {
    for key in fields.keys() {
        issues.push(Issue::new(key.clone(), "unknown field"));
    }
}
