use twill_api::{AsClient, Client, Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self, #[query] tags: &[&str]) -> Result<(), Error>;
}

struct Fake(Client);

impl AsClient for Fake {
    fn as_client(&self) -> &Client {
        &self.0
    }
}

#[twill_endpoint]
impl Api for Fake {
    async fn list(&self, tags: &[&str]) -> Result<(), Error> {
        let _ = tags;
        Ok(())
    }
}

fn main() {}
