use serde::de::DeserializeOwned;
use twill_api::{Error, twill_endpoint};

// Works: a trait generic over its success type, without #[endpoints].
trait Api<T: DeserializeOwned + Send + 'static> {
    #[twill_endpoint(GET "/things")]
    async fn things(&self) -> Result<Vec<T>, Error>;
}

impl<T: DeserializeOwned + Send + 'static> Api<T> for twill_api::Client {}

fn main() {
    // One endpoint whatever `T`: its metadata names the type as written.
    fn listed<A: Api<u32>>(_: &A) {}
    let client = twill_api::Client::new("k").unwrap();
    listed(&client);
}
