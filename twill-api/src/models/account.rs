//! What the account endpoints answer.

use serde::Deserialize;

/// What [`Account::me`](crate::api::Account::me) returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Me {
    /// The workspace's id.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// The user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The API key's id (not the key).
    #[serde(default)]
    pub api_key_id: Option<String>,
    /// The workspace's name.
    #[serde(default)]
    pub workspace_name: Option<String>,
    /// The workspace's slug.
    #[serde(default)]
    pub workspace_slug: Option<String>,
}

/// What [`Account::list_repositories`](crate::api::Account::list_repositories) returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RepositoryList {
    /// The repositories.
    #[serde(default)]
    pub repositories: Vec<Repository>,
}

/// A repository the workspace can work on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Repository {
    /// `owner/repo`.
    pub full_name: String,
    /// Its default branch.
    #[serde(default)]
    pub default_branch: Option<String>,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
}
