//! The API key never shows in Debug or Display output.

use serde_json::json;
use twill_api::Client;
use twill_api::client::BuildError;
use twill_api::models::SendMessageRequest;
use twill_api::prelude::*;
use twill_tests::{Canned, Recorder, TEST_KEY, client_at, closed_port_url};

fn assert_no_key(text: &str) {
    assert!(!text.contains(TEST_KEY), "the API key leaked into: {text}");
    // Not even a recognisable part of it.
    assert!(
        !text.contains("5up3r"),
        "part of the API key leaked into: {text}"
    );
}

#[test]
fn client_and_builder_debug_redact_the_key() {
    let builder = Client::builder()
        .api_key(TEST_KEY)
        .base_url("http://127.0.0.1:9/api/v1");
    assert_no_key(&format!("{builder:?}"));
    let client = builder.build().unwrap();
    let debug = format!("{client:?}");
    assert_no_key(&debug);
    assert!(debug.contains("<redacted>"), "{debug}");
    assert_no_key(&format!("{client:#?}"));
}

#[test]
fn a_key_that_cannot_be_a_header_is_refused_without_echo() {
    for key in [
        format!("{TEST_KEY}\r\nX-Injected: 1"),
        format!("{TEST_KEY} "),
        format!("{TEST_KEY}\u{0}"),
    ] {
        let error = Client::builder().api_key(&key).build().unwrap_err();
        assert!(matches!(error, BuildError::InvalidApiKey(_)));
        assert_no_key(&error.to_string());
        assert_no_key(&format!("{error:?}"));
    }
}

#[tokio::test]
async fn errors_of_every_kind_do_not_show_the_key() {
    let replies = [
        Canned::json(
            401,
            json!({ "error": { "code": "unauthorized", "message": "bad key" } }),
        ),
        Canned::status(502)
            .header("content-type", "text/html")
            .body("<html>bad gateway</html>"),
        Canned::json(200, json!({ "unexpected": true })),
    ];
    for reply in replies {
        let server = Recorder::start(reply).await;
        let error = server
            .client()
            .send_message("t", &SendMessageRequest::new("hi"))
            .await
            .unwrap_err();
        assert_no_key(&error.to_string());
        assert_no_key(&format!("{error:?}"));
        // The server did receive the key: the redaction is in the output only.
        assert_eq!(
            server.only_request().header("authorization"),
            format!("Bearer {TEST_KEY}")
        );
    }

    let refused = Client::builder()
        .api_key(TEST_KEY)
        .base_url("http://127.0.0.1:9/api/v1")
        .build()
        .unwrap()
        .get_task("..")
        .await
        .unwrap_err();
    assert_no_key(&format!("{refused} {refused:?}"));
}

#[tokio::test]
async fn transport_errors_do_not_show_the_key() {
    let error = client_at(closed_port_url().await)
        .get_task("t")
        .await
        .unwrap_err();
    let mut text = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert_no_key(&text);
}

#[tokio::test]
async fn stream_and_size_errors_do_not_show_the_key() {
    let server = Recorder::start(
        Canned::status(200)
            .header("content-type", "text/event-stream")
            .body("data: {\"type\":\"connected\"}\n\n"),
    )
    .await;
    let mut logs = twill_api::api::Jobs::stream_job_logs(&server.client(), "j")
        .await
        .unwrap();
    logs.next_event().await.unwrap().unwrap();
    let ended = logs.next_event().await.unwrap().unwrap_err();
    assert!(matches!(ended, twill_api::Error::Stream(_)), "{ended:?}");
    assert_no_key(&format!("{ended} {ended:?}"));

    let server = Recorder::start(Canned::json(
        200,
        json!({ "job": { "id": "x".repeat(100), "status": "PENDING" } }),
    ))
    .await;
    let too_large = Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.url())
        .max_response_bytes(16)
        .build()
        .unwrap()
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(too_large, twill_api::Error::ResponseTooLarge(_)),
        "{too_large:?}"
    );
    assert_no_key(&format!("{too_large} {too_large:?}"));
}

#[tokio::test]
async fn mock_server_and_builder_debug_redact_the_key() {
    const MOCK_KEY: &str = "twill_sk_mock_k3y-v4lue";
    let builder = twill_mock::MockServer::builder().api_key(MOCK_KEY);
    let shown = format!("{builder:?}");
    assert!(
        !shown.contains(MOCK_KEY) && shown.contains("redacted"),
        "{shown}"
    );
    let server = builder.start().await.unwrap();
    let shown = format!("{server:?} {server:#?}");
    assert!(
        !shown.contains(MOCK_KEY) && shown.contains("127.0.0.1"),
        "{shown}"
    );
}

/// A proxy that reflects the request's headers into what it sends back:
/// every body and event the client reads has the key scrubbed first.
#[tokio::test]
async fn a_server_that_echoes_the_key_gets_it_redacted_everywhere() {
    let echoed = format!("Authorization: Bearer {TEST_KEY}");
    let client_of = |server: &Recorder| {
        server
            .client()
            .with_retry_policy(twill_api::RetryPolicy::none())
    };

    let page = Recorder::start(
        Canned::status(502)
            .header("content-type", "text/html")
            .body(format!("<pre>{echoed}</pre>")),
    )
    .await;
    let error = client_of(&page).get_task("t").await.unwrap_err();
    let twill_api::Error::UnexpectedResponse(response) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        response.excerpt,
        "<pre>Authorization: Bearer [redacted]</pre>"
    );
    assert_no_key(&format!("{error} {error:?}"));

    let refusal = Recorder::start(Canned::json(
        400,
        json!({ "error": { "code": "validation_error", "message": echoed,
            "details": { "issues": [{ "field": TEST_KEY, "message": echoed }] } } }),
    ))
    .await;
    let error = client_of(&refusal).get_task("t").await.unwrap_err();
    let twill_api::Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.message, "Authorization: Bearer [redacted]");
    assert_no_key(&format!("{error} {error:?} {:?}", api.details));

    let redirect = Recorder::start(
        Canned::status(302).header("location", &format!("https://evil.example/?k={TEST_KEY}")),
    )
    .await;
    let error = client_of(&redirect).get_task("t").await.unwrap_err();
    assert_no_key(&format!("{error} {error:?}"));
    assert!(error.to_string().contains("k=[redacted]"), "{error}");

    let success = Recorder::start(Canned::json(
        200,
        json!({ "job": { "id": echoed, "status": "PENDING" } }),
    ))
    .await;
    let sent = client_of(&success)
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap();
    assert_eq!(sent.job.id, "Authorization: Bearer [redacted]");

    let stream = Recorder::start(
        Canned::status(200)
            .header("content-type", "text/event-stream")
            .body(format!(
                "data: {{\"type\":\"agent_message\",\"text\":\"{echoed}\"}}\n\n\
                 data: {{\"type\":\"complete\",\"status\":\"completed\"}}\n\n"
            )),
    )
    .await;
    let mut logs = twill_api::api::Jobs::stream_job_logs(&client_of(&stream), "j")
        .await
        .unwrap();
    let event = logs.next_event().await.unwrap().unwrap();
    assert_no_key(&format!("{event:?}"));
    assert!(
        format!("{event:?}").contains("Bearer [redacted]"),
        "{event:?}"
    );
}
