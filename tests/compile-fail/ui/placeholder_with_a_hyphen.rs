use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/<task-id>")]
    async fn call(&self, task_id: &str) -> Result<(), Error>;
}

fn main() {}
