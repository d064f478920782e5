use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(POTS "/tasks")]
    async fn create(&self) -> Result<(), Error>;
}

fn main() {}
