use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/jobs/<jobId>")]
    async fn get(&self) -> Result<(), Error>;
}

fn main() {}
