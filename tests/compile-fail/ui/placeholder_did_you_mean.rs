use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/<taskIdOrSlug>")]
    async fn get(&self, task_id_or_slgu: &str) -> Result<(), Error>;
}

fn main() {}
