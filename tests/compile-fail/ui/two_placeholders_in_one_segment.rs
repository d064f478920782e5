use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/files/<stem><extension>")]
    async fn get(&self, stem: &str, extension: &str) -> Result<(), Error>;
}

fn main() {}
