//! Routes, the key check, the rate limit and shared request handling.

mod account;
mod fields;
mod jobs;
mod scheduled;
mod tasks;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State as Shared};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;

use crate::clock::Clock;
use crate::faults::Faults;
use crate::reply::ApiError;
use crate::store::{Store, Timing};

pub(crate) struct State {
    authorization: String,
    pub(crate) clock: Clock,
    store: Mutex<Store>,
    /// Requests allowed per key in any window; `None` means no limit.
    pub(crate) rate_limit: Option<crate::RateWindow>,
    recent: Mutex<HashMap<Vec<u8>, VecDeque<Duration>>>,
    faults: Mutex<Faults>,
    /// Log streams cut so far, against [`Faults::cut_streams`].
    pub(crate) streams_cut: std::sync::atomic::AtomicU32,
    /// What the server has answered, for `GET /__mock/stats`.
    pub(crate) stats: Stats,
    /// How long every answer waits before it is made.
    latency: Duration,
}

/// Counts of what the server answered.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) requests: std::sync::atomic::AtomicU64,
    pub(crate) rate_limited: std::sync::atomic::AtomicU64,
    pub(crate) tasks_created: std::sync::atomic::AtomicU64,
    pub(crate) connections: std::sync::atomic::AtomicU64,
    /// Requests per endpoint, by the API's method names.
    pub(crate) by_endpoint: Mutex<std::collections::BTreeMap<&'static str, u64>>,
}

impl Stats {
    pub(crate) fn bump(counter: &std::sync::atomic::AtomicU64) {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn read(&self) -> crate::MockStats {
        use std::sync::atomic::Ordering::Relaxed;
        crate::MockStats {
            requests: self.requests.load(Relaxed),
            rate_limited: self.rate_limited.load(Relaxed),
            tasks_created: self.tasks_created.load(Relaxed),
            connections: self.connections.load(Relaxed),
            by_endpoint: self
                .by_endpoint
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .iter()
                .map(|(name, count)| ((*name).to_owned(), *count))
                .collect(),
        }
    }
}

pub(crate) struct Config {
    pub(crate) api_key: String,
    pub(crate) clock: Clock,
    pub(crate) timing: Timing,
    pub(crate) rate_limit: Option<crate::RateWindow>,
    pub(crate) faults: Faults,
    pub(crate) latency: Duration,
}

impl State {
    pub(crate) fn new(config: Config) -> Self {
        State {
            authorization: format!("Bearer {}", config.api_key),
            clock: config.clock,
            store: Mutex::new(Store::new(config.timing)),
            rate_limit: config.rate_limit,
            recent: Mutex::new(HashMap::new()),
            faults: Mutex::new(config.faults),
            streams_cut: std::sync::atomic::AtomicU32::new(0),
            stats: Stats::default(),
            latency: config.latency,
        }
    }

    /// The fault switches as they are now.
    pub(crate) fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Whether this log stream is one of those to cut.
    pub(crate) fn cut_this_stream(&self, faults: &Faults) -> bool {
        use std::sync::atomic::Ordering;
        self.streams_cut
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cut| {
                (cut < faults.cut_streams).then_some(cut + 1)
            })
            .is_ok()
    }

    pub(crate) fn set_faults(&self, faults: Faults) {
        self.streams_cut
            .store(0, std::sync::atomic::Ordering::SeqCst);
        *self
            .faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = faults;
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // Every change to the store is a single push or assignment, so a
        // handler that panicked left it consistent: keep serving.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a request against its key; the wait before the next allowed
    /// one when over the limit.
    fn throttle(&self, key: &[u8]) -> Option<Duration> {
        let crate::RateWindow {
            requests: limit,
            period,
        } = self.rate_limit?;
        let now = self.clock.now();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let times = recent.entry(key.to_vec()).or_default();
        while times
            .front()
            .is_some_and(|&at| now.saturating_sub(at) >= period)
        {
            times.pop_front();
        }
        if times.len() >= limit as usize {
            let oldest = *times.front()?;
            return Some((oldest + period).saturating_sub(now));
        }
        times.push_back(now);
        None
    }
}

pub(crate) type AppState = Shared<Arc<State>>;

pub(crate) fn router(state: Arc<State>) -> Router {
    let stats = Arc::clone(&state);
    let api = Router::new()
        .route("/auth/me", get(account::me))
        .route("/repositories", get(account::repositories))
        .route("/tasks", post(tasks::create).get(tasks::list))
        .route("/tasks/{task}", get(tasks::get))
        .route("/tasks/{task}/messages", post(tasks::send_message))
        .route("/tasks/{task}/jobs", get(tasks::list_jobs))
        .route("/tasks/{task}/approve-plan", post(tasks::approve_plan))
        .route(
            "/tasks/{task}/approve-criteria",
            post(tasks::approve_criteria),
        )
        .route("/tasks/{task}/cancel", post(tasks::cancel))
        .route("/tasks/{task}/archive", post(tasks::archive))
        .route("/tasks/{task}/teleport/claude", get(tasks::teleport))
        .route("/jobs/{job}/logs/stream", get(jobs::logs))
        .route("/jobs/{job}/cancel", post(jobs::cancel))
        .route(
            "/scheduled-tasks",
            get(scheduled::list).post(scheduled::create),
        )
        .route(
            "/scheduled-tasks/{id}",
            get(scheduled::get)
                .patch(scheduled::update)
                .delete(scheduled::delete),
        )
        .route("/scheduled-tasks/{id}/pause", post(scheduled::pause))
        .route("/scheduled-tasks/{id}/resume", post(scheduled::resume))
        .fallback(|| async { ApiError::NotFound("Route") })
        .route_layer(middleware::from_fn_with_state(state.clone(), gate))
        .layer(middleware::from_fn_with_state(state.clone(), answer_faults))
        // Outermost: a 401 or a 429 is as slow to arrive as an answer.
        .layer(middleware::from_fn_with_state(state.clone(), delay))
        // axum's default (2 MiB) would refuse what the API takes: a
        // 10 MiB attachment sent inline is about 14 MiB of JSON.
        .layer(DefaultBodyLimit::max(crate::MAX_REQUEST_BYTES))
        .with_state(state);
    Router::new()
        .nest("/api/v1", api)
        // What a batch cost, for tests and users: not part of Twill's API.
        .route(
            "/__mock/stats",
            get(move || async move { axum::Json(stats.stats.read()) }),
        )
        .fallback(|| async { ApiError::NotFound("Route") })
}

/// Waits the server's latency, then answers.
async fn delay(Shared(state): AppState, request: Request, next: Next) -> Response {
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    next.run(request).await
}

/// The API's name for a request: the client's method name, as Twill's
/// reference and `twill_api::Endpoint::name` say it.
fn endpoint_name(method: &axum::http::Method, path: &str) -> Option<&'static str> {
    use axum::http::Method;
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    Some(match (method.clone(), segments.as_slice()) {
        (Method::GET, ["auth", "me"]) => "me",
        (Method::GET, ["repositories"]) => "list_repositories",
        (Method::POST, ["tasks"]) => "create_task",
        (Method::GET, ["tasks"]) => "list_tasks",
        (Method::GET, ["tasks", _]) => "get_task",
        (Method::POST, ["tasks", _, "messages"]) => "send_message",
        (Method::GET, ["tasks", _, "jobs"]) => "list_jobs",
        (Method::POST, ["tasks", _, "approve-plan"]) => "approve_plan",
        (Method::POST, ["tasks", _, "approve-criteria"]) => "approve_criteria",
        (Method::POST, ["tasks", _, "cancel"]) => "cancel_task",
        (Method::POST, ["tasks", _, "archive"]) => "archive_task",
        (Method::GET, ["tasks", _, "teleport", "claude"]) => "teleport_claude",
        (Method::GET, ["jobs", _, "logs", "stream"]) => "stream_job_logs",
        (Method::POST, ["jobs", _, "cancel"]) => "cancel_job",
        (Method::GET, ["scheduled-tasks"]) => "list_scheduled_tasks",
        (Method::POST, ["scheduled-tasks"]) => "create_scheduled_task",
        (Method::GET, ["scheduled-tasks", _]) => "get_scheduled_task",
        (Method::PATCH, ["scheduled-tasks", _]) => "update_scheduled_task",
        (Method::DELETE, ["scheduled-tasks", _]) => "delete_scheduled_task",
        (Method::POST, ["scheduled-tasks", _, "pause"]) => "pause_scheduled_task",
        (Method::POST, ["scheduled-tasks", _, "resume"]) => "resume_scheduled_task",
        _ => return None,
    })
}

/// The key check (401), then the per-key rate limit (429).
async fn gate(Shared(state): AppState, request: Request, next: Next) -> Response {
    Stats::bump(&state.stats.requests);
    if let Some(name) = endpoint_name(request.method(), request.uri().path()) {
        let mut counts = state
            .stats
            .by_endpoint
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *counts.entry(name).or_default() += 1;
    }
    let Some(key) = request
        .headers()
        .get(header::AUTHORIZATION)
        .filter(|value| value.as_bytes() == state.authorization.as_bytes())
    else {
        return ApiError::Unauthorized.into_response();
    };
    if let Some(wait) = state.throttle(key.as_bytes()) {
        Stats::bump(&state.stats.rate_limited);
        let window = state.rate_limit.unwrap_or_default();
        return ApiError::RateLimited { window, wait }.into_response();
    }
    next.run(request).await
}

/// The faults that change any answer: [`Faults::close_connections`], and
/// [`Faults::stall_bodies`] (a JSON success sends its head, with the full
/// `Content-Length`, and half its body; then nothing).
async fn answer_faults(Shared(state): AppState, request: Request, next: Next) -> Response {
    let faults = state.faults();
    let mut response = next.run(request).await;
    if faults.close_connections {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == b"application/json");
    if !faults.stall_bodies || !response.status().is_success() || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        // The answer could not be buffered.
        return ApiError::Internal.into_response();
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let half = body.slice(..body.len() / 2);
    let stalled = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(half)])
        .chain(futures_util::stream::pending());
    Response::from_parts(parts, Body::from_stream(stalled))
}
