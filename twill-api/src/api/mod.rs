//! The Twill API as declared: one `#[endpoints]` trait per area of the API
//! reference, each implemented for [`Client`]. Bring them into scope with
//! the [`prelude`](crate::prelude).

mod account;
mod jobs;
mod scheduled;
mod tasks;

pub use account::Account;
pub use jobs::Jobs;
pub use scheduled::ScheduledTasks;
pub use tasks::Tasks;

use crate::{Client, Endpoint};

/// Every endpoint `twill-api` declares, grouped by trait in the order of the
/// API reference, with the metadata of each (see [`Endpoint`]), from the
/// declarations themselves.
///
/// ```
/// let endpoints: Vec<_> = twill_api::all_endpoints().collect();
/// assert_eq!(endpoints.len(), 21);
/// assert!(endpoints.iter().any(|e| e.to_string() == "POST /tasks/<taskIdOrSlug>/messages"));
/// ```
pub fn all_endpoints() -> impl Iterator<Item = &'static Endpoint> {
    [
        <Client as Account>::ENDPOINTS,
        <Client as Tasks>::ENDPOINTS,
        <Client as Jobs>::ENDPOINTS,
        <Client as ScheduledTasks>::ENDPOINTS,
    ]
    .into_iter()
    .flatten()
}
