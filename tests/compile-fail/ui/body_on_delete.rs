use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(DELETE "/scheduled-tasks/<scheduledTaskId>")]
    async fn delete(
        &self,
        scheduled_task_id: &str,
        #[body] reason: &serde_json::Value,
    ) -> Result<(), Error>;
}

fn main() {}
