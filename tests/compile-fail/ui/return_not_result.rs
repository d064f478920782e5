use twill_api::twill_endpoint;

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self) -> Option<String>;
}

fn main() {}
