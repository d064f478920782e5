//! `#[cfg]` on a method of an `#[endpoints]` trait takes the method, its
//! `ENDPOINTS` entry and its constant out together, so a feature-gated
//! endpoint may name a type gated with it.

use twill_api::{Client, Error, endpoints, twill_endpoint};

#[cfg(any())]
struct Preview;

#[endpoints]
trait Gated {
    #[twill_endpoint(GET "/kept")]
    async fn kept(&self) -> Result<(), Error>;

    #[cfg(any())]
    #[twill_endpoint(GET "/removed")]
    async fn removed(&self) -> Result<Preview, Error>;

    #[twill_endpoint(GET "/also-kept")]
    async fn also_kept(&self) -> Result<(), Error>;
}

impl Gated for Client {}

fn main() {
    let paths: Vec<&str> = <Client as Gated>::ENDPOINTS
        .iter()
        .map(|endpoint| endpoint.path())
        .collect();
    assert_eq!(paths, ["/kept", "/also-kept"]);
    assert_eq!(<Client as Gated>::ALSO_KEPT.path(), "/also-kept");
}
