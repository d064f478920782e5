use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/../admin")]
    async fn admin(&self) -> Result<(), Error>;
}

fn main() {}
