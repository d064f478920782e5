use std::future::Future;

use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks")]
    fn list(&self) -> impl Future<Output = Result<(), Error>> + Send;
}

fn main() {}
