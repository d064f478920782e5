use twill_api::{Error, twill_endpoint};

struct Tag;

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn call(&self, #[query] tags: Vec<Tag>) -> Result<(), Error>;
}

fn main() {}
