//! `/scheduled-tasks`: create, read, update (with `null` to clear), delete,
//! pause and resume, with cron validation.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::AppState;
use super::fields::{EmptyObject, Fields, JsonObject};
use crate::clock::timestamp;
use crate::cron;
use crate::reply::{ApiError, Issue, Reply};

pub(crate) async fn list(state: AppState) -> Json<Value> {
    let store = state.store();
    let all: Vec<Value> = store.scheduled().map(|s| s.json()).collect();
    Json(json!({ "scheduledTasks": all }))
}

/// The fields of a create (all required ones present) or an update (any
/// subset), checked.
fn read(mut fields: Fields, create: bool) -> Result<Map<String, Value>, Vec<Issue>> {
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

pub(crate) async fn create(
    state: AppState,
    JsonObject(fields): JsonObject,
) -> Reply<(StatusCode, Json<Value>)> {
    let fields = read(fields, true)?;
    let now = state.clock.now();
    let mut store = state.store();
    let created = store.create_scheduled(now, fields);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "scheduledTask": created.json() })),
    ))
}

pub(crate) async fn get(state: AppState, Path(id): Path<String>) -> Reply {
    let mut store = state.store();
    let found = store.scheduled_mut(&id).ok_or(NOT_FOUND)?;
    Ok(Json(json!({ "scheduledTask": found.json() })))
}

pub(crate) async fn update(
    state: AppState,
    Path(id): Path<String>,
    JsonObject(fields): JsonObject,
) -> Reply {
    let changes = read(fields, false)?;
    let now = state.clock.now();
    let mut store = state.store();
    let found = store.scheduled_mut(&id).ok_or(NOT_FOUND)?;
    found.fields.extend(changes);
    found
        .fields
        .insert("updatedAt".to_owned(), json!(timestamp(now)));
    Ok(Json(json!({ "scheduledTask": found.json() })))
}

pub(crate) async fn delete(state: AppState, Path(id): Path<String>) -> Reply {
    let mut store = state.store();
    store.scheduled_mut(&id).ok_or(NOT_FOUND)?.deleted = true;
    Ok(Json(json!({ "success": true })))
}

pub(crate) async fn pause(state: AppState, path: Path<String>, _: EmptyObject) -> Reply {
    set_enabled(state, path, false)
}

pub(crate) async fn resume(state: AppState, path: Path<String>, _: EmptyObject) -> Reply {
    set_enabled(state, path, true)
}

const NOT_FOUND: ApiError = ApiError::NotFound("Scheduled task");

fn set_enabled(state: AppState, Path(id): Path<String>, enabled: bool) -> Reply {
    let now = state.clock.now();
    let mut store = state.store();
    let found = store.scheduled_mut(&id).ok_or(NOT_FOUND)?;
    found
        .fields
        .insert("enabled".to_owned(), Value::Bool(enabled));
    found
        .fields
        .insert("updatedAt".to_owned(), json!(timestamp(now)));
    Ok(Json(
        json!({ "success": true, "scheduledTask": found.json() }),
    ))
}
