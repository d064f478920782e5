//! A test double written with `async fn`, as every Rust user writes one:
//! `#[twill_endpoint]` on the impl block turns each into the declared
//! signature. Borrowed arguments (`&T`, `Option<&T>`) are taken owned and
//! lent back, so the body sees the declared types; markers copied from the
//! declaration are dropped; a generic method stays `impl Future`.

#![deny(warnings)]

use std::sync::Mutex;

use twill_api::{AsClient, Client, Error, ParamValue, twill_endpoint};

#[derive(Clone, serde::Serialize)]
struct NewLabel {
    name: String,
}

trait Api {
    #[twill_endpoint(GET "/tasks/<taskId>")]
    async fn title(&self, task_id: &str) -> Result<String, Error>;

    #[twill_endpoint(POST "/tasks/<taskId>/labels")]
    async fn add_label(
        &self,
        task_id: &str,
        #[body] label: &NewLabel,
        #[query] cursor: Option<&str>,
        #[query] limit: u32,
        #[query] tags: Vec<String>,
    ) -> Result<u64, Error>;

    #[twill_endpoint(DELETE "/tasks/<taskId>")]
    async fn delete(&self, task_id: &str) -> Result<(), Error>;

    #[twill_endpoint(GET "/stubs/<id>")]
    async fn stub(&self, id: u64) -> Result<u64, Error>;

    #[twill_endpoint(GET "/things/<id>")]
    async fn thing<I: ParamValue + Send + Sync>(&self, id: I) -> Result<String, Error>;
}

struct Fake {
    client: Client,
    seen: Mutex<Vec<String>>,
}

impl AsClient for Fake {
    fn as_client(&self) -> &Client {
        &self.client
    }
}

fn takes_str(text: &str) -> usize {
    text.len()
}

#[twill_endpoint]
impl Api for Fake {
    async fn title(&self, task_id: &str) -> Result<String, Error> {
        // The declared type: a `&str`, not the `String` it was kept as.
        let _: usize = takes_str(task_id);
        self.seen.lock().unwrap().push(task_id.to_owned());
        Ok(format!("task {task_id}"))
    }

    async fn add_label(
        &self,
        task_id: &str,
        #[body] label: &NewLabel,
        #[query] cursor: Option<&str>,
        #[query] limit: u32,
        #[query] tags: Vec<String>,
    ) -> Result<u64, Error> {
        let title = self.title(task_id).await?;
        let cursor: Option<&str> = cursor;
        Ok((title.len() + label.name.len() + cursor.map_or(0, takes_str) + tags.len()) as u64
            + u64::from(limit))
    }

    async fn delete(&self, _task_id: &str) -> Result<(), Error> {
        Ok(())
    }

    // A stub that never returns (a `panic!` stub) warns of nothing
    // (`deny(warnings)` above).
    async fn stub(&self, _id: u64) -> Result<u64, Error> {
        panic!("a stub the test never calls")
    }

    async fn thing<I: ParamValue + Send + Sync>(&self, id: I) -> Result<String, Error> {
        let mut text = String::new();
        id.write_param(&mut text).unwrap();
        Ok(text)
    }
}

fn main() {
    let fake = Fake {
        client: Client::offline(),
        seen: Mutex::new(Vec::new()),
    };
    let label = NewLabel { name: "n".into() };
    let cursor = String::from("c");
    // Each future outlives the arguments it was given: it owns them.
    let future = fake.add_label(&String::from("t"), &label, Some(&cursor), 1, vec![]);
    drop(cursor);
    let _ = future;
    let _ = fake.delete("t");
    let _ = fake.thing(7u8);
}
