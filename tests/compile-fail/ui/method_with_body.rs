use twill_api::{Error, twill_endpoint};

struct Api;

impl Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self) -> Result<(), Error> {
        Ok(())
    }
}

fn main() {}
