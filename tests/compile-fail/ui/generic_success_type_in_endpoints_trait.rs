use twill_api::{Error, endpoints, twill_endpoint};

#[endpoints]
trait Api {
    #[twill_endpoint(GET "/things")]
    async fn things<T: serde::de::DeserializeOwned + Send>(&self) -> Result<Vec<T>, Error>;
}

fn main() {}
