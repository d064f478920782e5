use twill_api::{Client, Error, twill_endpoint};

trait Api {
    // The one mistake: no argument for `<taskId>`.
    #[twill_endpoint(GET "/tasks/<taskId>")]
    async fn get_task(&self, task: &str) -> Result<String, Error>;

    #[twill_endpoint(GET "/jobs/<jobId>")]
    async fn get_job(&self, job_id: &str) -> Result<String, Error>;
}

impl Api for Client {}

// Calls of both methods still type-check: the bad one keeps its signature.
async fn use_both(client: &Client) -> Result<String, Error> {
    let task = client.get_task("t").await?;
    let job = client.get_job("j").await?;
    Ok(task + &job)
}

fn main() {
    let _ = use_both;
}
