use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/<task id>")]
    async fn get(&self) -> Result<(), Error>;
}

fn main() {}
