use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self, #[cfg(any())] #[query] preview: bool) -> Result<(), Error>;
}

fn main() {}
