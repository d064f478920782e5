use twill_api::twill_endpoint as endpoint;
use twill_api::{Error, endpoints};

// `#[endpoints]` reads its methods' attributes by name: a renamed
// `#[twill_endpoint]` would be left out of `ENDPOINTS`, so it is refused.
#[endpoints]
trait Api {
    #[endpoint(GET "/tasks")]
    async fn list(&self) -> Result<(), Error>;
}

fn main() {}
