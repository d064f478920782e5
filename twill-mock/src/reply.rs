//! Responses in Twill's format.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

/// A JSON response.
pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Twill's error envelope: `{"error": {"code", "message", "details"?}}`.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        &json!({ "error": { "code": code, "message": message } }),
    )
}

pub(crate) fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Invalid or missing API key",
    )
}

pub(crate) fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("{what} not found"),
    )
}

/// A 400 listing every problem found, as the API does.
pub(crate) fn validation(issues: &[Issue]) -> Response {
    let issues: Vec<Value> = issues
        .iter()
        .map(|issue| json!({ "field": issue.field, "message": issue.message }))
        .collect();
    json(
        StatusCode::BAD_REQUEST,
        &json!({
            "error": {
                "code": "validation_error",
                "message": "Invalid request body",
                "details": { "issues": issues },
            }
        }),
    )
}

/// One problem with a request field.
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
