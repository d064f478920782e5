use twill_api::{AsClient, Client, Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self) -> Result<(), Error>;
}

struct Fake(Client);

impl AsClient for Fake {
    fn as_client(&self) -> &Client {
        &self.0
    }
}

#[twill_endpoint(GET "/tasks")]
impl Api for Fake {
    async fn list(&self) -> Result<(), Error> {
        Ok(())
    }
}

fn main() {}
