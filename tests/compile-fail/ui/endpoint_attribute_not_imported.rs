use twill_api::{Error, endpoints};

#[endpoints]
trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self) -> Result<(), Error>;
}

fn main() {}
