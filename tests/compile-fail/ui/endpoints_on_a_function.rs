#[twill_api::endpoints]
fn not_a_trait() {}

fn main() {}
