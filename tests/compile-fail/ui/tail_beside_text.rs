use twill_api::{Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/contents/v<filePath..>")]
    async fn call(&self, file_path: &str) -> Result<(), Error>;
}

fn main() {}
