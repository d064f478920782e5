use twill_api::twill_endpoint;

#[twill_endpoint(GET "/tasks")]
struct Tasks;

fn main() {}
