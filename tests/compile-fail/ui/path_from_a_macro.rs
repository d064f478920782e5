use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET concat!("/tasks", "/all"))]
    async fn list(&self) -> Result<(), Error>;
}

fn main() {}
