use twill_api::twill_endpoint;

trait Api {
    #[twill_endpoint(FETCH "/tasks/<taskId>/<>")]
    async fn get(&mut self, extra: u8) -> String;
}

fn main() {}
