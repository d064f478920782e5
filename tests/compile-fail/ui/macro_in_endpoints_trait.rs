use twill_api::{Error, endpoints, twill_endpoint};

macro_rules! getter {
    ($name:ident, $path:literal) => {
        #[twill_endpoint(GET $path)]
        async fn $name(&self) -> Result<(), Error>;
    };
}

#[endpoints]
trait Api {
    getter!(things, "/things");
}

fn main() {}
