use twill_api::{Error, twill_endpoint};

struct Filter;

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self, #[query] filter: Option<Filter>) -> Result<(), Error>;
}

fn main() {}
