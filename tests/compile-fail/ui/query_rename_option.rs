use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self, #[query(rename = "pageSize")] limit: u32) -> Result<(), Error>;
}

fn main() {}
