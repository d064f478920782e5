//! The account behind the API key, and the repositories it can reach.

use serde::Deserialize;

use crate::error::Error;
use crate::{Client, endpoints, twill_endpoint};

/// The account endpoints. [`Client`] implements this trait.
#[endpoints]
pub trait Account {
    /// Who the API key belongs to.
    ///
    /// Fails with 401 for a bad key, which makes it a cheap check of one.
    ///
    /// Documented only by Twill's cookbook; every field is optional.
    #[twill_endpoint(GET "/auth/me")]
    async fn me(&self) -> Result<Me, Error>;

    /// The repositories the workspace can work on.
    ///
    /// Documented only by Twill's cookbook. Fails with 401.
    #[twill_endpoint(GET "/repositories")]
    async fn list_repositories(&self) -> Result<RepositoryList, Error>;
}

impl Account for Client {}

/// What [`Account::me`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

/// What [`Account::list_repositories`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RepositoryList {
    /// The repositories.
    #[serde(default)]
    pub repositories: Vec<Repository>,
}

/// A repository the workspace can work on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
