use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(POST "/tasks/<taskId>/messages", idempotent, interrupts)]
    async fn call(&self, task_id: &str) -> Result<(), Error>;
}

fn main() {}
