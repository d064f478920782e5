use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/<id>/jobs/<id>")]
    async fn get(&self, id: &str) -> Result<(), Error>;
}

fn main() {}
