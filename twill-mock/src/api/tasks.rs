//! `/tasks` and everything under a task.

use axum::Json;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::AppState;
use super::fields::{EmptyObject, JsonObject, Page, encode_cursor, fresh_cursor};
use crate::reply::{ApiError, Issue, Reply};
use crate::store::Gate;
use crate::tar;

const USER_INTENTS: [&str; 5] = ["SWE", "PLAN", "ASK", "DEV_ENVIRONMENT", "RALPH_LOOP"];
const REASONING_EFFORTS: [&str; 6] = ["low", "medium", "high", "xhigh", "max", "ultra"];

const NOT_FOUND: ApiError = ApiError::NotFound("Task");

pub(crate) async fn create(
    state: AppState,
    JsonObject(mut fields): JsonObject,
) -> Reply<(StatusCode, Json<Value>)> {
    let command = fields.required_string("command");
    fields.optional_string("agent");
    let intent = fields.optional_enum("userIntent", &USER_INTENTS);
    fields.optional_enum("reasoningEffort", &REASONING_EFFORTS);
    let parent = fields.optional_string("parentId");
    let title = fields.optional_string("title");
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        fields
            .issues
            .push(Issue::new("title", "title must be at most 200 characters"));
    }
    fields.files();
    fields.retired(&["repository", "branch"]);
    fields.finish()?;
    // `required_string` reported a missing command among the issues.
    let command = command.ok_or(ApiError::Validation(Vec::new()))?;

    let now = state.clock.now();
    let ends = state.faults().jobs_end;
    let answer = {
        let mut store = state.store();
        if parent
            .as_ref()
            .is_some_and(|parent| store.find_task(parent).is_none())
        {
            return Err(ApiError::NotFound("Parent task"));
        }
        let gate = Gate::of_intent(intent.as_deref());
        let index = store.create_task(now, &command, title.as_deref(), gate, ends);
        let timing = store.timing();
        let task = store.task(index);
        let job = task.jobs.last().map(|job| job.summary(now, timing));
        json!({ "task": task.summary(), "job": job })
    };
    let created = state
        .stats
        .tasks_created
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        + 1;
    if state.faults().stall_create == Some(created) {
        return std::future::pending().await;
    }
    Ok((StatusCode::CREATED, Json(answer)))
}

pub(crate) async fn list(state: AppState, page: Page<20>) -> Json<Value> {
    let now = state.clock.now();
    let faults = state.faults();
    if faults.empty_pages {
        return Json(json!({ "tasks": [], "nextCursor": fresh_cursor() }));
    }
    let store = state.store();
    let timing = store.timing();
    let tasks = store.listed_tasks();
    let items: Vec<Value> = tasks
        .iter()
        .skip(page.offset)
        .take(page.limit)
        .map(|task| task.list_item(now, timing))
        .collect();
    let end = page.offset + page.limit;
    let next = (end < tasks.len()).then(|| encode_cursor(end, &faults));
    Json(json!({ "tasks": items, "nextCursor": next }))
}

pub(crate) async fn get(state: AppState, Path(task): Path<String>) -> Reply {
    let now = state.clock.now();
    let store = state.store();
    let index = store.find_task(&task).ok_or(NOT_FOUND)?;
    let timing = store.timing();
    let task = store.task(index);
    let latest = task
        .jobs
        .last()
        .map_or(Value::Null, |job| job.detail(now, timing));
    Ok(Json(json!({ "task": task.detail(), "latestJob": latest })))
}

pub(crate) async fn send_message(
    state: AppState,
    Path(task): Path<String>,
    JsonObject(mut fields): JsonObject,
) -> Reply {
    let message = fields.required_string("message");
    let intent = fields.optional_enum("userIntent", &USER_INTENTS);
    fields.optional_enum("reasoningEffort", &REASONING_EFFORTS);
    fields.optional_string("agent");
    fields.files();
    fields.finish()?;
    let message = message.ok_or(ApiError::Validation(Vec::new()))?;

    let now = state.clock.now();
    let ends = state.faults().jobs_end;
    let mut store = state.store();
    let index = store.find_task(&task).ok_or(NOT_FOUND)?;
    let timing = store.timing();
    let gate = Gate::of_intent(intent.as_deref());
    let job = store.start_job(index, now, "FOLLOW_UP", &message, gate, ends);
    Ok(Json(json!({ "job": job.summary(now, timing) })))
}

pub(crate) async fn list_jobs(state: AppState, Path(task): Path<String>, page: Page<30>) -> Reply {
    let now = state.clock.now();
    let faults = state.faults();
    let store = state.store();
    let index = store.find_task(&task).ok_or(NOT_FOUND)?;
    let timing = store.timing();
    let jobs = &store.task(index).jobs;
    // Pages walk from the newest jobs to the oldest; each page is in
    // chronological order.
    let stop = jobs.len().saturating_sub(page.offset);
    let start = stop.saturating_sub(page.limit);
    let items: Vec<Value> = jobs[start..stop]
        .iter()
        .map(|job| job.detail(now, timing))
        .collect();
    if faults.empty_pages {
        return Ok(Json(json!({ "jobs": [], "nextCursor": fresh_cursor() })));
    }
    let next = (start > 0).then(|| encode_cursor(page.offset + (stop - start), &faults));
    Ok(Json(json!({ "jobs": items, "nextCursor": next })))
}

pub(crate) async fn approve_plan(state: AppState, Path(task): Path<String>) -> Reply {
    const NO_PLAN: ApiError = ApiError::Invalid("The task has no plan ready to approve");
    approve(&state, &task, Gate::Plan, "IMPLEMENT_PLAN", NO_PLAN)
}

pub(crate) async fn approve_criteria(state: AppState, Path(task): Path<String>) -> Reply {
    const NO_CRITERIA: ApiError =
        ApiError::Invalid("The task has no Ralph-loop criteria ready to approve");
    approve(&state, &task, Gate::Criteria, "RALPH_LOOP", NO_CRITERIA)
}

/// Approves what the task's latest job ended waiting for (`gate`) and
/// starts the job of `kind` that carries it out.
fn approve(
    state: &AppState,
    task: &str,
    gate: Gate,
    kind: &'static str,
    nothing_to_approve: ApiError,
) -> Reply {
    let now = state.clock.now();
    let ends = state.faults().jobs_end;
    let mut store = state.store();
    let index = store.find_task(task).ok_or(NOT_FOUND)?;
    let timing = store.timing();
    let Some(latest) = store.task(index).jobs.last() else {
        return Err(nothing_to_approve);
    };
    if !latest.awaits(gate, now, timing) {
        return Err(nothing_to_approve);
    }
    let (approved_job, input) = (latest.id.clone(), latest.input.clone());
    if let Some(key) = store.find_job(&approved_job) {
        store.job_mut(key).approved = true;
    }
    let job = store.start_job(index, now, kind, &input, Gate::Nothing, ends);
    Ok(Json(
        json!({ "success": true, "job": job.summary(now, timing) }),
    ))
}

pub(crate) async fn cancel(state: AppState, Path(task): Path<String>) -> Reply {
    let now = state.clock.now();
    let mut store = state.store();
    let index = store.find_task(&task).ok_or(NOT_FOUND)?;
    store.cancel_in_flight(index, now);
    let task = store.task_mut(index);
    task.cancelled = true;
    task.updated_at = now;
    Ok(Json(json!({ "success": true, "task": { "id": task.id } })))
}

pub(crate) async fn archive(state: AppState, Path(task): Path<String>, _: EmptyObject) -> Reply {
    let now = state.clock.now();
    let mut store = state.store();
    let index = store.find_task(&task).ok_or(NOT_FOUND)?;
    store.cancel_in_flight(index, now);
    let task = store.task_mut(index);
    task.archived = true;
    task.updated_at = now;
    Ok(Json(json!({ "success": true })))
}

pub(crate) async fn teleport(state: AppState, Path(task): Path<String>) -> Reply<Response> {
    let now = state.clock.now();
    let store = state.store();
    let index = store.find_task(&task).ok_or(NOT_FOUND)?;
    let timing = store.timing();
    let task = store.task(index);
    if task.archived || task.cancelled {
        return Err(ApiError::SandboxUnavailable);
    }
    let job = task
        .jobs
        .last()
        .ok_or(ApiError::Invalid("The task has no session"))?;
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
    Ok(response)
}
