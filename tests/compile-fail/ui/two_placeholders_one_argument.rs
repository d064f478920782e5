use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/<taskId>/<task_id>")]
    async fn call(&self, task_id: &str) -> Result<(), Error>;
}

fn main() {}
