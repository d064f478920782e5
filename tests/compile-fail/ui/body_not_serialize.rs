use twill_api::{Error, twill_endpoint};

struct NotSerialize;

trait Api {
    #[twill_endpoint(POST "/tasks")]
    async fn create(&self, #[body] request: &NotSerialize) -> Result<(), Error>;
}

fn main() {}
