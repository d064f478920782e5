use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self, #[body] filter: &serde_json::Value) -> Result<(), Error>;
}

fn main() {}
