//! `/auth/me` and `/repositories`: fixed answers for the mock workspace.

use axum::Json;
use serde_json::{Value, json};

pub(crate) async fn me() -> Json<Value> {
    Json(json!({
        "workspaceId": "ws-mock",
        "userId": "user-mock",
        "apiKeyId": "key-mock",
        "workspaceName": "Mock Workspace",
        "workspaceSlug": "mock",
    }))
}

pub(crate) async fn repositories() -> Json<Value> {
    Json(json!({
        "repositories": [
            {
                "fullName": "twill-mock/demo",
                "defaultBranch": "main",
                "description": "A repository that exists only in twill-mock",
            },
            { "fullName": "twill-mock/empty", "defaultBranch": "main" },
        ]
    }))
}
