use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/v<version>")]
    async fn get(&self, version: u32) -> Result<(), Error>;
}

fn main() {}
