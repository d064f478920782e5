use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(POST "/tasks")]
    async fn create(
        &self,
        #[body] first: &serde_json::Value,
        #[body] second: &serde_json::Value,
    ) -> Result<(), Error>;
}

fn main() {}
