//! `/tasks` and everything under a task.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::AppState;
use super::fields::{Fields, encode_cursor, page};
use crate::reply;
use crate::tar;

const USER_INTENTS: [&str; 4] = ["SWE", "PLAN", "ASK", "DEV_ENVIRONMENT"];
const REASONING_EFFORTS: [&str; 6] = ["low", "medium", "high", "xhigh", "max", "ultra"];

pub(crate) async fn create(state: AppState, headers: HeaderMap, body: Bytes) -> Response {
    let mut fields = match Fields::parse(&headers, &body) {
        Ok(fields) => fields,
        Err(issue) => return reply::validation(&[issue]),
    };
    let command = fields.required_string("command");
    fields.optional_string("agent");
    let intent = fields.optional_enum("userIntent", &USER_INTENTS);
    fields.optional_enum("reasoningEffort", &REASONING_EFFORTS);
    let parent = fields.optional_string("parentId");
    let title = fields.optional_string("title");
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        fields.issues.push(reply::Issue::new(
            "title",
            "title must be at most 200 characters",
        ));
    }
    fields.files();
    fields.retired(&["repository", "branch"]);
    let command = match (fields.finish(), command) {
        (Ok(()), Some(command)) => command,
        (Err(issues), _) => return reply::validation(&issues),
        (Ok(()), None) => return reply::validation(&[]),
    };

    let now = state.clock.now();
    let mut store = state.store();
    if parent
        .as_ref()
        .is_some_and(|parent| store.find_task(parent).is_none())
    {
        return reply::not_found("Parent task");
    }
    let plans = intent.as_deref() == Some("PLAN");
    let index = store.create_task(now, &command, title.as_deref(), plans);
    let timing = store.timing();
    let task = store.task(index);
    let job = task.jobs.last().map(|job| job.summary(now, timing));
    reply::json(
        StatusCode::CREATED,
        &json!({ "task": task.summary(), "job": job }),
    )
}

pub(crate) async fn list(state: AppState, RawQuery(query): RawQuery) -> Response {
    let (limit, offset) = match page(query.as_deref(), 20) {
        Ok(page) => page,
        Err(issue) => return reply::validation(&[issue]),
    };
    let now = state.clock.now();
    let store = state.store();
    let timing = store.timing();
    let tasks = store.listed_tasks();
    let items: Vec<Value> = tasks
        .iter()
        .skip(offset)
        .take(limit)
        .map(|task| task.list_item(now, timing))
        .collect();
    let next = (offset + limit < tasks.len()).then(|| encode_cursor(offset + limit));
    reply::json(
        StatusCode::OK,
        &json!({ "tasks": items, "nextCursor": next }),
    )
}

pub(crate) async fn get(state: AppState, Path(task): Path<String>) -> Response {
    let now = state.clock.now();
    let store = state.store();
    let Some(index) = store.find_task(&task) else {
        return reply::not_found("Task");
    };
    let timing = store.timing();
    let task = store.task(index);
    let latest = task
        .jobs
        .last()
        .map_or(Value::Null, |job| job.detail(now, timing));
    reply::json(
        StatusCode::OK,
        &json!({ "task": task.detail(), "latestJob": latest }),
    )
}

pub(crate) async fn send_message(
    state: AppState,
    Path(task): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut fields = match Fields::parse(&headers, &body) {
        Ok(fields) => fields,
        Err(issue) => return reply::validation(&[issue]),
    };
    let message = fields.required_string("message");
    let intent = fields.optional_enum("userIntent", &USER_INTENTS);
    fields.optional_enum("reasoningEffort", &REASONING_EFFORTS);
    fields.optional_string("agent");
    fields.files();
    let message = match (fields.finish(), message) {
        (Ok(()), Some(message)) => message,
        (Err(issues), _) => return reply::validation(&issues),
        (Ok(()), None) => return reply::validation(&[]),
    };

    let now = state.clock.now();
    let mut store = state.store();
    let Some(index) = store.find_task(&task) else {
        return reply::not_found("Task");
    };
    let timing = store.timing();
    let plans = intent.as_deref() == Some("PLAN");
    let job = store.start_job(index, now, "FOLLOW_UP", &message, plans);
    reply::json(StatusCode::OK, &json!({ "job": job.summary(now, timing) }))
}

pub(crate) async fn list_jobs(
    state: AppState,
    Path(task): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let (limit, offset) = match page(query.as_deref(), 30) {
        Ok(page) => page,
        Err(issue) => return reply::validation(&[issue]),
    };
    let now = state.clock.now();
    let store = state.store();
    let Some(index) = store.find_task(&task) else {
        return reply::not_found("Task");
    };
    let timing = store.timing();
    let jobs = &store.task(index).jobs;
    // Pages walk from the newest jobs to the oldest; each page is in
    // chronological order.
    let stop = jobs.len().saturating_sub(offset);
    let start = stop.saturating_sub(limit);
    let items: Vec<Value> = jobs[start..stop]
        .iter()
        .map(|job| job.detail(now, timing))
        .collect();
    let next = (start > 0).then(|| encode_cursor(offset + (stop - start)));
    reply::json(
        StatusCode::OK,
        &json!({ "jobs": items, "nextCursor": next }),
    )
}

pub(crate) async fn approve_plan(state: AppState, Path(task): Path<String>) -> Response {
    let now = state.clock.now();
    let mut store = state.store();
    let Some(index) = store.find_task(&task) else {
        return reply::not_found("Task");
    };
    let timing = store.timing();
    let Some(latest) = store.task(index).jobs.last() else {
        return no_plan();
    };
    if !latest.plan_ready(now, timing) {
        return no_plan();
    }
    let (plan_job, plan) = (latest.id.clone(), latest.input.clone());
    if let Some(key) = store.find_job(&plan_job) {
        store.job_mut(key).plan_approved = true;
    }
    let job = store.start_job(index, now, "IMPLEMENT_PLAN", &plan, false);
    reply::json(
        StatusCode::OK,
        &json!({ "success": true, "job": job.summary(now, timing) }),
    )
}

fn no_plan() -> Response {
    reply::error(
        StatusCode::BAD_REQUEST,
        "validation_error",
        "The task has no plan ready to approve",
    )
}

pub(crate) async fn cancel(state: AppState, Path(task): Path<String>) -> Response {
    let now = state.clock.now();
    let mut store = state.store();
    let Some(index) = store.find_task(&task) else {
        return reply::not_found("Task");
    };
    store.cancel_in_flight(index, now);
    let task = store.task_mut(index);
    task.cancelled = true;
    task.updated_at = now;
    reply::json(
        StatusCode::OK,
        &json!({ "success": true, "task": { "id": task.id } }),
    )
}

pub(crate) async fn archive(
    state: AppState,
    Path(task): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(issues) = Fields::empty_object(&headers, &body) {
        return reply::validation(&issues);
    }
    let now = state.clock.now();
    let mut store = state.store();
    let Some(index) = store.find_task(&task) else {
        return reply::not_found("Task");
    };
    store.cancel_in_flight(index, now);
    let task = store.task_mut(index);
    task.archived = true;
    task.updated_at = now;
    reply::json(StatusCode::OK, &json!({ "success": true }))
}

pub(crate) async fn teleport(state: AppState, Path(task): Path<String>) -> Response {
    let now = state.clock.now();
    let store = state.store();
    let Some(index) = store.find_task(&task) else {
        return reply::not_found("Task");
    };
    let timing = store.timing();
    let task = store.task(index);
    if task.archived || task.cancelled {
        return reply::error(
            StatusCode::CONFLICT,
            "sandbox_unavailable",
            "The task's sandbox is gone",
        );
    }
    let Some(job) = task.jobs.last() else {
        return reply::error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "The task has no session",
        );
    };
    let session = format!("session-{}", task.slug);
    let transcript = json!({ "type": "user", "message": job.input }).to_string() + "\n";
    let status = job.status(now, timing);
    let readme = format!(
        "Claude Code session {session} of {}.\nJob {} is {}.\n",
        task.url(),
        job.id,
        status.as_str()
    );
    let files: [(&str, &[u8]); 2] = [
        (".claude/session.jsonl", transcript.as_bytes()),
        ("README.txt", readme.as_bytes()),
    ];
    let mut response = Response::new(tar::archive(&files).into());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-tar"),
    );
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    };
    set("x-twill-session-id", session);
    set("x-twill-job-id", job.id.clone());
    set("x-twill-file-count", files.len().to_string());
    response
}
