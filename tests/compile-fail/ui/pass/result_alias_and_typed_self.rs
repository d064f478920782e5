//! A `Result` alias named so (`ApiResult<T>`) and a typed receiver
//! (`self: &Self`) are accepted.

use serde::Deserialize;
use twill_api::{Client, Error, twill_endpoint};

#[derive(Deserialize)]
struct Thing {}

type ApiResult<T> = Result<T, Error>;

trait Api {
    #[twill_endpoint(GET "/things/<thingId>")]
    async fn thing(&self, thing_id: &str) -> ApiResult<Thing>;

    #[twill_endpoint(GET "/others")]
    async fn others(self: &Self) -> Result<Vec<Thing>, Error>;
}

impl Api for Client {}

fn main() {
    let client = Client::new("twill_sk_test").unwrap();
    let _ = client.thing("t");
    let _ = client.others();
}
