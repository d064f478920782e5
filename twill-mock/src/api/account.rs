//! `/auth/me` and `/repositories`: fixed answers for the mock workspace.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::reply;

pub(crate) async fn me() -> Response {
    reply::json(
        StatusCode::OK,
        &json!({
            "workspaceId": "ws-mock",
            "userId": "user-mock",
            "apiKeyId": "key-mock",
            "workspaceName": "Mock Workspace",
            "workspaceSlug": "mock",
        }),
    )
}

pub(crate) async fn repositories() -> Response {
    reply::json(
        StatusCode::OK,
        &json!({
            "repositories": [
                {
                    "fullName": "twill-mock/demo",
                    "defaultBranch": "main",
                    "description": "A repository that exists only in twill-mock",
                },
                { "fullName": "twill-mock/empty", "defaultBranch": "main" },
            ]
        }),
    )
}
