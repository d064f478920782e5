use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(POST "/jobs/<jobId>/cancel", body = {})]
    async fn cancel(&self, job_id: &str, #[body] reason: &str) -> Result<(), Error>;
}

fn main() {}
