//! The account behind the API key, and the repositories it can reach.

use crate::error::Error;
use crate::models::{Me, RepositoryList};
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
