//! Declares endpoints in the most hostile place a user could: every prelude
//! name the macro might lean on is shadowed, modules are named after the
//! crates it uses, warnings are errors and `unsafe` is forbidden. The crate
//! depends on `twill-api` alone.
#![deny(warnings)]
#![forbid(unsafe_code)]
#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code
)]

/// Shadows `std::result::Result`.
pub struct Result;
/// Shadows `std::option::Option`.
pub struct Option;
/// Shadows `std::boxed::Box`.
pub struct Box;
/// Shadows the `Send` marker trait.
pub struct Send;
/// Shadows `Result::Ok`.
pub const Ok: () = ();
/// Shadows `Result::Err`.
pub fn Err() {}

/// Named after a crate the generated code might use.
pub mod serde {}
/// Named after a crate the generated code might use.
pub mod reqwest {}

/// Endpoints of this crate's own.
pub trait Hostile {
    /// Sends a message.
    #[twill_api::twill_endpoint(POST "/tasks/<taskIdOrSlug>/messages")]
    async fn post_message(
        &self,
        task_id_or_slug: &str,
        #[body] request: &twill_api::models::SendMessageRequest,
    ) -> ::core::result::Result<twill_api::models::SendMessageResponse, twill_api::Error>;

    /// Lists tasks.
    #[twill_api::twill_endpoint(GET "/tasks")]
    async fn tasks_page(
        &self,
        #[query] limit: ::core::option::Option<u32>,
        #[header("X-Trace")] trace: ::core::option::Option<&str>,
    ) -> twill_api::Result<twill_api::models::TaskPage>;

    /// Cancels a job.
    #[twill_api::twill_endpoint(POST "/jobs/<jobId>/cancel", body = {}, idempotent)]
    async fn stop_job(&self, job_id: &str)
    -> twill_api::Result<twill_api::models::Acknowledgement>;
}

impl Hostile for twill_api::Client {}
