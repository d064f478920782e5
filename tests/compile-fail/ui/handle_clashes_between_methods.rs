use twill_api::{Error, endpoints, twill_endpoint};

#[endpoints]
trait Api {
    #[twill_endpoint(GET "/tasks/<taskId>")]
    async fn get_task(&self, task_id: &str) -> Result<(), Error>;

    #[allow(non_snake_case)]
    #[twill_endpoint(GET "/v2/tasks/<taskId>")]
    async fn getTask(&self, task_id: &str) -> Result<(), Error>;
}

fn main() {}
