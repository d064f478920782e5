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
use axum::extract::{Request, State as Shared};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::clock::Clock;
use crate::reply;
use crate::store::{Store, Timing};

/// The rate limit's window, as the API's "per minute".
const WINDOW: Duration = Duration::from_secs(60);

pub(crate) struct State {
    authorization: String,
    pub(crate) clock: Clock,
    store: Mutex<Store>,
    /// Requests per key in the last [`WINDOW`]; `None` means no limit.
    rate_limit: Option<u32>,
    recent: Mutex<HashMap<Vec<u8>, VecDeque<Duration>>>,
}

pub(crate) struct Config {
    pub(crate) api_key: String,
    pub(crate) clock: Clock,
    pub(crate) timing: Timing,
    pub(crate) rate_limit: Option<u32>,
}

impl State {
    pub(crate) fn new(config: Config) -> Self {
        State {
            authorization: format!("Bearer {}", config.api_key),
            clock: config.clock,
            store: Mutex::new(Store::new(config.timing)),
            rate_limit: config.rate_limit,
            recent: Mutex::new(HashMap::new()),
        }
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
        let limit = self.rate_limit?;
        let now = self.clock.now();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let times = recent.entry(key.to_vec()).or_default();
        while times
            .front()
            .is_some_and(|&at| now.saturating_sub(at) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= limit as usize {
            let oldest = *times.front()?;
            return Some((oldest + WINDOW).saturating_sub(now));
        }
        times.push_back(now);
        None
    }
}

pub(crate) type AppState = Shared<Arc<State>>;

pub(crate) fn router(state: Arc<State>) -> Router {
    let api = Router::new()
        .route("/auth/me", get(account::me))
        .route("/repositories", get(account::repositories))
        .route("/tasks", post(tasks::create).get(tasks::list))
        .route("/tasks/{task}", get(tasks::get))
        .route("/tasks/{task}/messages", post(tasks::send_message))
        .route("/tasks/{task}/jobs", get(tasks::list_jobs))
        .route("/tasks/{task}/approve-plan", post(tasks::approve_plan))
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
        .fallback(|| async { reply::not_found("Route") })
        .route_layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state);
    Router::new()
        .nest("/api/v1", api)
        .fallback(|| async { reply::not_found("Route") })
}

/// The key check (401), then the per-key rate limit (429).
async fn gate(Shared(state): AppState, request: Request, next: Next) -> Response {
    let Some(key) = request
        .headers()
        .get(header::AUTHORIZATION)
        .filter(|value| value.as_bytes() == state.authorization.as_bytes())
    else {
        return reply::unauthorized();
    };
    if let Some(wait) = state.throttle(key.as_bytes()) {
        let mut response = reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            &format!(
                "Rate limit exceeded. Max {} requests per minute.",
                state.rate_limit.unwrap_or_default()
            ),
        );
        // Whole seconds, rounded up, and at least one.
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        return response;
    }
    next.run(request).await
}
