use twill_api::{Error, endpoints, twill_endpoint};

#[endpoints]
trait Api {
    const GET_TASK: u32 = 1;

    #[twill_endpoint(GET "/tasks/<taskId>")]
    async fn get_task(&self, task_id: &str) -> Result<(), Error>;
}

fn main() {}
