//! Without `#[endpoints]`, a success type may name the method's type or
//! const parameters and `Self`'s associated types: the endpoint's metadata
//! is then built where they are in scope.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use twill_api::{Client, Error, twill_endpoint};

#[derive(Deserialize)]
struct Fixed<const N: usize> {}

#[derive(Deserialize)]
struct Page {}

trait Generic {
    type Page: DeserializeOwned + Send + 'static;

    #[twill_endpoint(GET "/things")]
    async fn things<T: DeserializeOwned + Send + 'static>(&self) -> Result<Vec<T>, Error>;

    #[twill_endpoint(GET "/page")]
    async fn page(&self) -> Result<Self::Page, Error>;

    #[twill_endpoint(GET "/fixed")]
    async fn fixed<const N: usize>(&self) -> Result<Fixed<N>, Error>;
}

impl Generic for Client {
    type Page = Page;
}


fn main() {
    let client = Client::new("twill_sk_test").unwrap();
    let _ = client.things::<Page>();
    let _ = client.page();
    let _ = client.fixed::<3>();
}
