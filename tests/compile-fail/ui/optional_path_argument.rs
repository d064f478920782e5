use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/<taskId>")]
    async fn get(&self, task_id: Option<&str>) -> Result<(), Error>;
}

fn main() {}
