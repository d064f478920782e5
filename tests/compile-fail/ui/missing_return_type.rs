use twill_api::twill_endpoint;

trait Api {
    #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/cancel")]
    async fn cancel(&self, task_id_or_slug: &str);
}

fn main() {}
