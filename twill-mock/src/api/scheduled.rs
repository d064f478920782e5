//! `/scheduled-tasks`: create, read, update (with `null` to clear), delete,
//! pause and resume, with cron validation.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::AppState;
use super::fields::Fields;
use crate::clock::timestamp;
use crate::cron;
use crate::reply::{self, Issue};

pub(crate) async fn list(state: AppState) -> Response {
    let store = state.store();
    let all: Vec<Value> = store.scheduled().map(|s| s.json()).collect();
    reply::json(StatusCode::OK, &json!({ "scheduledTasks": all }))
}

/// The fields of a create (all required ones present) or an update (any
/// subset), checked.
fn read(headers: &HeaderMap, body: &[u8], create: bool) -> Result<Map<String, Value>, Vec<Issue>> {
    let mut fields = Fields::parse(headers, body).map_err(|issue| vec![issue])?;
    let mut out = Map::new();
    let text = |fields: &mut Fields, name: &str| {
        if create {
            fields.required_string(name)
        } else {
            fields.optional_string(name)
        }
    };
    let title = text(&mut fields, "title");
    let message = text(&mut fields, "message");
    let cron = text(&mut fields, "cronExpression");
    let timezone = fields.optional_string("timezone");
    let agent = fields.nullable_string("agentProviderId");
    if let Some(title) = &title
        && (title.trim().is_empty() || title.chars().count() > 200)
    {
        fields
            .issues
            .push(Issue::new("title", "title must be 1 to 200 characters"));
    }
    if let Some(problem) = cron.as_deref().and_then(cron::problem) {
        fields.issues.push(Issue::new("cronExpression", problem));
    }
    if timezone.as_ref().is_some_and(|tz| tz.trim().is_empty()) {
        fields
            .issues
            .push(Issue::new("timezone", "timezone must not be empty"));
    }
    fields.finish()?;
    for (name, value) in [
        ("title", title),
        ("message", message),
        ("cronExpression", cron),
        ("timezone", timezone),
    ] {
        if let Some(value) = value {
            out.insert(name.to_owned(), Value::String(value));
        }
    }
    if let Some(agent) = agent {
        out.insert(
            "agentProviderId".to_owned(),
            agent.map_or(Value::Null, Value::String),
        );
    }
    Ok(out)
}

pub(crate) async fn create(state: AppState, headers: HeaderMap, body: Bytes) -> Response {
    let fields = match read(&headers, &body, true) {
        Ok(fields) => fields,
        Err(issues) => return reply::validation(&issues),
    };
    let now = state.clock.now();
    let mut store = state.store();
    let created = store.create_scheduled(now, fields);
    reply::json(
        StatusCode::CREATED,
        &json!({ "scheduledTask": created.json() }),
    )
}

pub(crate) async fn get(state: AppState, Path(id): Path<String>) -> Response {
    let mut store = state.store();
    match store.scheduled_mut(&id) {
        Some(found) => reply::json(StatusCode::OK, &json!({ "scheduledTask": found.json() })),
        None => reply::not_found("Scheduled task"),
    }
}

pub(crate) async fn update(
    state: AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let changes = match read(&headers, &body, false) {
        Ok(changes) => changes,
        Err(issues) => return reply::validation(&issues),
    };
    let now = state.clock.now();
    let mut store = state.store();
    let Some(found) = store.scheduled_mut(&id) else {
        return reply::not_found("Scheduled task");
    };
    found.fields.extend(changes);
    found
        .fields
        .insert("updatedAt".to_owned(), json!(timestamp(now)));
    reply::json(StatusCode::OK, &json!({ "scheduledTask": found.json() }))
}

pub(crate) async fn delete(state: AppState, Path(id): Path<String>) -> Response {
    let mut store = state.store();
    match store.scheduled_mut(&id) {
        Some(found) => {
            found.deleted = true;
            reply::json(StatusCode::OK, &json!({ "success": true }))
        }
        None => reply::not_found("Scheduled task"),
    }
}

pub(crate) async fn pause(
    state: AppState,
    path: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    set_enabled(state, path, headers, body, false)
}

pub(crate) async fn resume(
    state: AppState,
    path: Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    set_enabled(state, path, headers, body, true)
}

fn set_enabled(
    state: AppState,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
    enabled: bool,
) -> Response {
    if let Err(issues) = Fields::empty_object(&headers, &body) {
        return reply::validation(&issues);
    }
    let now = state.clock.now();
    let mut store = state.store();
    let Some(found) = store.scheduled_mut(&id) else {
        return reply::not_found("Scheduled task");
    };
    found
        .fields
        .insert("enabled".to_owned(), Value::Bool(enabled));
    found
        .fields
        .insert("updatedAt".to_owned(), json!(timestamp(now)));
    reply::json(
        StatusCode::OK,
        &json!({ "success": true, "scheduledTask": found.json() }),
    )
}
