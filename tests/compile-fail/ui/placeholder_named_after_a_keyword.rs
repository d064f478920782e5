use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/types/<type>")]
    async fn call(&self) -> Result<(), Error>;
}

fn main() {}
