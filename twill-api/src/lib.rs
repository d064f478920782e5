//! A typed client for the [Twill](https://twill.ai) REST API, declared with
//! the [`twill_endpoint`] attribute, which you can use for your own endpoints
//! too.
//!
//! ```no_run
//! use twill_api::prelude::*;
//! use twill_api::{Client, CreateTaskRequest, SendMessageRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?; // TWILL_API_KEY, TWILL_BASE_URL
//! let created = client.create_task(&CreateTaskRequest::new("Fix the login bug")).await?;
//! let sent = client
//!     .send_message(&created.task.id, &SendMessageRequest::new("Add a regression test"))
//!     .await?;
//! println!("job {} is {}", sent.job.id, sent.job.status);
//! # Ok(())
//! # }
//! ```
//!
//! # Declaring an endpoint
//!
//! `#[twill_endpoint(METHOD "path")]` goes on an `async fn` of a trait and
//! writes its default body: the request, the bearer auth header, and the
//! decoding of the response. Implement the trait for [`Client`] (or for any
//! type that implements [`AsClient`]) and call the method.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use twill_api::{Client, Error, twill_endpoint};
//!
//! #[derive(Serialize)]
//! struct Label {
//!     name: String,
//! }
//!
//! #[derive(Deserialize)]
//! struct Labels {
//!     labels: Vec<String>,
//! }
//!
//! trait LabelApi {
//!     /// Adds a label; `dry_run` goes in the query, `request_id` in a header.
//!     #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/labels")]
//!     async fn add_label(
//!         &self,
//!         task_id_or_slug: &str,
//!         #[body] label: &Label,
//!         #[query] dry_run: Option<bool>,
//!         #[header("X-Request-Id")] request_id: &str,
//!     ) -> Result<Labels, Error>;
//! }
//!
//! impl LabelApi for Client {}
//! ```
//!
//! - **Methods**: `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
//! - **Options** after a comma: `body = {}` sends an empty JSON object;
//!   `idempotent` marks a POST or PATCH safe to retry like a GET.
//! - **Path**: a string starting with `/`, relative to the base URL. A
//!   `<camelCase>` segment is a placeholder bound to the snake_case argument
//!   of the same name; its value is percent-encoded as exactly one segment
//!   (anything but `A-Z a-z 0-9 - . _ ~` is escaped), and an empty value,
//!   `.` or `..` is refused with [`Error::InvalidInput`] before any I/O.
//! - **Arguments**: every argument other than `&self` has exactly one role:
//!   a path placeholder, `#[body]` (serialized as JSON; not on `GET` or
//!   `DELETE`), `#[query]` / `#[query("name")]` (the name defaults to the
//!   argument's in camelCase) or `#[header("Name")]`. Path, query and header
//!   values implement [`ParamValue`]; `Option` query and header values are
//!   left out when `None`.
//! - **Return type**: `Result<T, E>`. `T` implements [`FromResponse`]: any
//!   `T: Deserialize` is decoded from the JSON success body (an empty body
//!   decodes as `null`, so `()` fits an empty response), and
//!   [`TeleportArchive`] and [`JobLogStream`] read raw bytes and server-sent
//!   events. `E` is [`Error`] or your own type implementing
//!   [`EndpointError`].
//! - **Futures** are `Send`, so calls can be spawned on a multi-threaded
//!   runtime. A method returns a [`BoxFuture`] (as `async-trait`'s methods
//!   do), or `impl Future` when it has type or const parameters.
//!
//! Mistakes are compile errors at the offending tokens, all reported at once:
//!
//! ```compile_fail
//! trait Broken {
//!     #[twill_api::twill_endpoint(GET "/tasks/<taskId>")]
//!     async fn get(&self, task: &str) -> Result<(), twill_api::Error>;
//! }
//! ```
//!
//! # Errors
//!
//! [`Error`] tells apart the API's own errors ([`Error::Api`], with a typed
//! [`ApiErrorCode`], the message, validation issues and `Retry-After`), a
//! failure response that is not the API's format ([`Error::UnexpectedResponse`],
//! such as a proxy's HTML page), a success body that does not decode
//! ([`Error::Decode`]), a transport failure ([`Error::Transport`]) and an
//! argument refused before sending ([`Error::InvalidInput`]), a stream that
//! broke ([`Error::Stream`]) and a body over the size limit
//! ([`Error::ResponseTooLarge`]). Calls are retried where that cannot make
//! the server act twice (see [`RetryPolicy`]). The API key never appears in
//! any error, nor in `Debug` output or traces.

#![deny(missing_docs)]

// The macro names `::twill_api::…` paths; this makes them resolve here too.
extern crate self as twill_api;

mod account;
mod client;
mod decode;
mod dynamic;
pub mod endpoint;
mod enums;
mod error;
mod hook;
mod jobs;
mod param;
mod response;
mod retry;
mod scheduled;
pub mod stream;
mod tasks;
mod types;
mod untrusted;

#[doc(hidden)]
pub mod __private;

pub use account::{Account, Me, Repository, RepositoryList};
pub use client::{
    AsClient, BuildError, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_STREAM_IDLE_TIMEOUT,
    DEFAULT_TIMEOUT, MAX_URL_BYTES,
};
pub use decode::EXCERPT_LIMIT;
pub use dynamic::Arguments;
pub use endpoint::BoxFuture;
pub use endpoint::{Endpoint, HttpMethod, Param, ParamRole};
pub use error::{
    ApiError, ApiErrorCode, DecodeError, EndpointError, Error, ErrorResponse, InputProblem,
    InvalidInput, ResponseTooLarge, Result, StreamError, TransportError, UnexpectedResponse,
    ValidationIssue,
};
pub use hook::{AttemptEnd, AttemptRequest, Hook, HookError};
pub use jobs::Jobs;
pub use param::{OptionalParamValue, ParamValue};
pub use response::{FromResponse, RawResponse, Response};
pub use retry::RetryPolicy;
pub use scheduled::{
    CreateScheduledTaskRequest, ScheduledTask, ScheduledTaskList, ScheduledTaskResponse,
    ScheduledTasks, UpdateScheduledTaskRequest,
};
pub use stream::{JobLogEvent, JobLogStream, JobOutcome, Paginated};
pub use tasks::{
    ApproveCriteriaResponse, ApprovePlanResponse, CancelTaskResponse, CreateTaskRequest,
    CreateTaskResponse, GetTaskResponse, Job, JobPage, PullRequest, SendMessageRequest,
    SendMessageResponse, TaskDetail, TaskId, TaskListItem, TaskPage, TaskRef, Tasks,
    TeleportArchive,
};
/// `#[endpoints]` on a trait expands each of its `#[twill_endpoint]`
/// methods and adds `const ENDPOINTS: &'static [Endpoint]`: the full
/// metadata of each (trait, name, method, path template, idempotency,
/// streaming, summary, parameters and types), in declaration order. Each
/// method hands its own entry of `ENDPOINTS` to the client, so the list and
/// the calls cannot disagree.
///
/// ```
/// use twill_api::{Error, ParamRole, endpoints, twill_endpoint};
///
/// #[endpoints]
/// trait Labels {
///     /// Adds a label, safely repeatable.
///     #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/labels", idempotent)]
///     async fn add_label(&self, task_id_or_slug: &str, #[query] name: &str) -> Result<(), Error>;
/// }
///
/// impl Labels for twill_api::Client {}
///
/// let [add] = <twill_api::Client as Labels>::ENDPOINTS else { unreachable!() };
/// assert_eq!(add.trait_name(), Some("Labels"));
/// assert!(add.is_idempotent());
/// assert_eq!(add.summary(), "Adds a label, safely repeatable.");
/// assert_eq!(add.params()[1].role(), ParamRole::Query);
/// ```
pub use twill_macros::endpoints;
/// The `#[twill_endpoint(METHOD "path")]` attribute; see the [crate docs](crate#declaring-an-endpoint).
pub use twill_macros::twill_endpoint;
pub use types::{Acknowledgement, FilePart, JobStatus, JobSummary, ReasoningEffort, UserIntent};
pub use untrusted::{Escaped, REDACTED, escape_line, escape_text};

/// The HTTP client crate this one is built on, for
/// [`ClientBuilder::http_client`], [`StatusCode`] and [`Method`].
pub use reqwest;
pub use reqwest::{Method, StatusCode};

/// The endpoint traits, to bring their methods into scope.
pub mod prelude {
    pub use crate::{Account, AsClient, Jobs, ScheduledTasks, Tasks};
}

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

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
