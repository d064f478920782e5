use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks?limit=10")]
    async fn list(&self) -> Result<(), Error>;
}

fn main() {}
