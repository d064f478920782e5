//! A test double of a declared trait, as the README shows it: the method
//! returns the `BoxFuture` the declaration became (an `async fn` in the
//! impl does not match it), and the double is an `AsClient` (the
//! declaration's default bodies need one; its own methods never use it).

use twill_api::{AsClient, BoxFuture, Client, Error, twill_endpoint};

trait Api {
    #[twill_endpoint(GET "/tasks/<taskId>")]
    async fn title(&self, task_id: &str) -> Result<String, Error>;
}

struct Fake {
    client: Client,
}

impl AsClient for Fake {
    fn as_client(&self) -> &Client {
        &self.client
    }
}

impl Api for Fake {
    fn title(&self, task_id: &str) -> BoxFuture<'_, Result<String, Error>> {
        // Read the borrowed arguments first: the future borrows only `self`.
        let title = format!("task {task_id}");
        Box::pin(async move { Ok(title) })
    }
}

fn main() {
    let fake = Fake {
        client: Client::new("unused").unwrap(),
    };
    let _ = fake.title("t");
}
