//! Failures in Twill's format: the error type every handler returns.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A handler's answer: JSON with a status (200 unless said), or an error.
pub(crate) type Reply<T = Json<Value>> = Result<T, ApiError>;

/// Why a request is refused, answered as Twill does:
/// `{"error": {"code", "message", "details"?}}`.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 401: the bearer key is missing or wrong.
    Unauthorized,
    /// 404: no such thing (the name says which).
    NotFound(&'static str),
    /// 400 listing every problem found, as the API does.
    Validation(Vec<Issue>),
    /// 400 for a request that is well formed but cannot be done now.
    Invalid(&'static str),
    /// 409: the task's sandbox is gone.
    SandboxUnavailable,
    /// 500: the mock itself failed. The body is the API's documented one
    /// (`Server error`), as Twill says no more; the cause stays in the code.
    Internal,
    /// 429 with `Retry-After`.
    RateLimited {
        /// The requests allowed in a window.
        window: crate::RateWindow,
        /// How long until the next one is allowed.
        wait: Duration,
    },
}

impl From<Issue> for ApiError {
    fn from(issue: Issue) -> Self {
        ApiError::Validation(vec![issue])
    }
}

impl From<Vec<Issue>> for ApiError {
    fn from(issues: Vec<Issue>) -> Self {
        ApiError::Validation(issues)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, details) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Invalid or missing API key".to_owned(),
                None,
            ),
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
                None,
            ),
            ApiError::Validation(issues) => {
                let issues: Vec<Value> = issues
                    .iter()
                    .map(|issue| json!({ "field": issue.field, "message": issue.message }))
                    .collect();
                (
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    "Invalid request body".to_owned(),
                    Some(json!({ "issues": issues })),
                )
            }
            ApiError::Invalid(message) => (
                StatusCode::BAD_REQUEST,
                "validation_error",
                message.to_owned(),
                None,
            ),
            ApiError::SandboxUnavailable => (
                StatusCode::CONFLICT,
                "sandbox_unavailable",
                "The task's sandbox is gone".to_owned(),
                None,
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Server error".to_owned(),
                None,
            ),
            ApiError::RateLimited { window, wait } => {
                // Twill's own words for its per-minute limit.
                let per = if window.period == Duration::from_secs(60) {
                    "minute".to_owned()
                } else {
                    format!("{:?}", window.period)
                };
                let message = format!(
                    "Rate limit exceeded. Max {} requests per {per}.",
                    window.requests
                );
                let mut response =
                    envelope(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message, None);
                // Whole seconds, rounded up, and at least one.
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
                return response;
            }
        };
        envelope(status, code, message, details)
    }
}

fn envelope(status: StatusCode, code: &str, message: String, details: Option<Value>) -> Response {
    let mut error = json!({ "code": code, "message": message });
    if let Some(details) = details {
        error["details"] = details;
    }
    (status, Json(json!({ "error": error }))).into_response()
}

/// One problem with a request field.
#[derive(Debug)]
pub(crate) struct Issue {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl Issue {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one error the mock cannot be driven to from outside; the others
    /// are compared with Twill's documented bodies in the workspace's tests
    /// (`documented_examples.rs`). This is the documented 500, verbatim.
    #[tokio::test]
    async fn a_500_is_the_documented_body() {
        let response = ApiError::Internal.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let documented: Value = serde_json::from_str(
            r#"{
  "error": {
    "code": "internal_error",
    "message": "Server error"
  }
}"#,
        )
        .unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), documented);
    }
}
