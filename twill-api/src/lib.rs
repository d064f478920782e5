//! A typed client for the [Twill](https://twill.ai) REST API, declared with
//! the [`twill_endpoint`] attribute, which you can use for your own endpoints
//! too.
//!
//! ```no_run
//! use twill_api::prelude::*;
//! use twill_api::Client;
//! use twill_api::models::{CreateTaskRequest, SendMessageRequest};
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
//!   [`TeleportArchive`](models::TeleportArchive) and [`JobLogStream`](stream::JobLogStream) read raw bytes and server-sent
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
//! [`ApiErrorCode`](error::ApiErrorCode), the message, validation issues and `Retry-After`), a
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

pub mod api;
mod body;
mod call;
pub mod client;
pub mod endpoint;
mod enums;
pub mod error;
pub mod hook;
pub mod limit;
pub mod models;
mod param;
mod response;
mod retry;
pub mod stream;
pub mod untrusted;
mod wire;
pub mod workflow;

#[doc(hidden)]
pub mod __private;

pub use api::all_endpoints;
pub use body::{Binary, Text};
pub use call::Arguments;
pub use client::{AsClient, Client, ClientBuilder};
pub use endpoint::{BoxFuture, Endpoint};
pub use error::{EndpointError, Error, Result};
pub use param::{OptionalParamValue, ParamValue, QueryValue};
/// The HTTP client crate this one is built on, for
/// [`ClientBuilder::http_client`], [`StatusCode`] and [`Method`].
pub use reqwest;
pub use reqwest::{Method, StatusCode};
pub use response::{FromResponse, RawResponse, Response};
pub use retry::RetryPolicy;
/// `#[endpoints]` on a trait expands each of its `#[twill_endpoint]`
/// methods and adds `const ENDPOINTS: &'static [Endpoint]`: the full
/// metadata of each (trait, name, method, path template, idempotency,
/// streaming, summary, parameters and types), in declaration order. Each
/// method hands its own entry of `ENDPOINTS` to the client, so the list and
/// the calls cannot disagree.
///
/// ```
/// use twill_api::{Error, endpoints, twill_endpoint};
/// use twill_api::endpoint::ParamRole;
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

/// The endpoint traits, to bring their methods into scope, and
/// [`AsClient`] for your own types.
pub mod prelude {
    pub use crate::AsClient;
    pub use crate::api::{Account, Jobs, ScheduledTasks, Tasks};
}

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
