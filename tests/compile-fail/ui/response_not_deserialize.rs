use twill_api::{Error, twill_endpoint};

struct NotDeserialize;

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self) -> Result<NotDeserialize, Error>;
}

fn main() {}
