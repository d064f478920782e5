//! An application that depends on `twill-api` and builds its own
//! `reqwest::Client` before any Twill client: its client must work.
//!
//! Its own test binary, so that no other test has built a Twill client (and
//! installed a TLS provider) in this process first.

use twill_api::prelude::*;

#[tokio::test]
async fn an_application_reqwest_client_built_first_works() {
    // With `twill-api` turning on reqwest's `rustls-no-provider`, this
    // panicked: "No rustls crypto provider is configured".
    let own = reqwest::Client::builder()
        .build()
        .expect("the application's own client builds");

    let server = twill_mock::MockServer::start().await.unwrap();
    let answer = own
        .get(format!("{}/auth/me", server.url()))
        .bearer_auth(server.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);

    let twill = twill_api::Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .build()
        .unwrap();
    twill.me().await.unwrap();
}
