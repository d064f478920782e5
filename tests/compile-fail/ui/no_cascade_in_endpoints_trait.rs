use twill_api::{Client, Error, endpoints, twill_endpoint};

#[endpoints]
trait Api {
    // The one mistake: no argument for `<taskId>`.
    #[twill_endpoint(GET "/tasks/<taskId>")]
    async fn get_task(&self, task: &str) -> Result<String, Error>;

    #[twill_endpoint(GET "/jobs/<jobId>")]
    async fn get_job(&self, job_id: &str) -> Result<String, Error>;
}

impl Api for Client {}

// The method, its constant and the list still type-check: the bad
// declaration keeps its signature and a stand-in constant.
async fn use_all(client: &Client) -> Result<String, Error> {
    let _ = <Client as Api>::GET_TASK.name();
    let _ = <Client as Api>::ENDPOINTS.len();
    let task = client.get_task("t").await?;
    let job = client.get_job("j").await?;
    Ok(task + &job)
}

fn main() {
    let _ = use_all;
}
