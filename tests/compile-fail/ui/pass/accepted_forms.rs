//! Every accepted form of the attribute and its arguments compiles.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use twill_api::{AsClient, Client, EndpointError, Error, twill_endpoint};

#[derive(Serialize)]
struct Body {
    name: String,
}

#[derive(Deserialize)]
struct Thing {}

#[derive(Debug)]
struct MyError(Error);

impl From<Error> for MyError {
    fn from(error: Error) -> Self {
        MyError(error)
    }
}

impl EndpointError for MyError {}

trait Everything {
    /// Documented, all methods, every role.
    #[twill_endpoint(GET "/things")]
    async fn list(
        &self,
        #[query] limit: Option<u32>,
        #[query("cursor")] after: Option<String>,
        #[header("X-Request-Id")] request_id: Cow<'_, str>,
    ) -> Result<Thing, Error>;

    #[twill_endpoint(POST "/things/<thingId>", )]
    async fn post(&self, thing_id: u64, #[body] body: &Body) -> twill_api::Result<Thing>;

    #[twill_endpoint(PUT "/things/<thingId>")]
    async fn put(&self, thing_id: String, #[body] body: Body) -> twill_api::Result<()>;

    #[twill_endpoint(PATCH "/things/<thingId>")]
    async fn patch<'a>(&'a self, thing_id: &'a str, #[body] body: &'a serde_json::Value) -> Result<(), MyError>;

    #[twill_endpoint(DELETE "/things/<type>/<v2Id>")]
    async fn delete(&self, r#type: &str, v2_id: i64) -> std::result::Result<(), Error>;

    #[twill_endpoint(GET "/")]
    async fn root(&self) -> Result<Option<Thing>, Error>;

    #[twill_endpoint(GET "/generic/<id>")]
    async fn generic<I>(&self, id: I) -> Result<Thing, Error>
    where
        I: twill_api::ParamValue + Send;
}

impl Everything for Client {}

struct Wrapper(Client);

impl AsClient for Wrapper {
    fn as_client(&self) -> &Client {
        &self.0
    }
}

impl Everything for Wrapper {}

fn main() {}

/// Options, the trait-level listing, and the non-JSON response types.
#[twill_api::endpoints]
trait Listed {
    #[twill_endpoint(POST "/jobs/<jobId>/cancel", body = {}, idempotent)]
    async fn cancel(&self, job_id: &str) -> Result<twill_api::models::Acknowledgement, Error>;

    #[twill_api::twill_endpoint(GET "/jobs/<jobId>/logs/stream",)]
    async fn logs(&self, job_id: &str) -> Result<twill_api::stream::JobLogStream, Error>;

    #[twill_endpoint(GET "/tasks/<taskIdOrSlug>/teleport/claude")]
    async fn teleport(&self, task_id_or_slug: &str) -> Result<twill_api::models::TeleportArchive, Error>;
}

impl Listed for Client {}

// `ENDPOINTS` holds each method's full metadata, options included.
const _: () = {
    let endpoints = <Client as Listed>::ENDPOINTS;
    assert!(endpoints.len() == 3);
    assert!(endpoints[0].is_idempotent() && endpoints[0].sends_empty_object());
    assert!(endpoints[1].is_streaming() && !endpoints[2].is_streaming());
    assert!(endpoints[2].params().len() == 1);
};

/// The attribute through a renamed import, in a trait without `#[endpoints]`.
mod renamed {
    use twill_api::twill_endpoint as declare;

    pub trait Renamed {
        #[declare(GET "/things/<thingId>")]
        async fn thing(&self, thing_id: &str) -> Result<(), twill_api::Error>;
    }

    impl Renamed for twill_api::Client {}
}
