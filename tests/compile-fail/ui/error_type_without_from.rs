use twill_api::twill_endpoint;

#[derive(Debug)]
struct MyError;

trait Api {
    #[twill_endpoint(GET "/tasks")]
    async fn list(&self) -> Result<(), MyError>;
}

fn main() {}
