//! Every way a call fails, decoded into its typed error.

use std::time::Duration;

use serde_json::json;
use tokio::net::TcpListener;
use twill_api::error::{ApiError, ApiErrorCode, EXCERPT_LIMIT, UnexpectedResponse};
use twill_api::models::{JobStatus, SendMessageRequest};
use twill_api::prelude::*;
use twill_api::{Client, Error, RetryPolicy, StatusCode};
use twill_tests::{Canned, Recorder, client_at, closed_port_url};

/// One attempt, whatever the answer: these tests are about decoding it.
async fn send_with_reply(reply: Canned) -> Result<twill_api::models::SendMessageResponse, Error> {
    let server = Recorder::start(reply).await;
    server
        .client()
        .with_retry_policy(RetryPolicy::none())
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
}

async fn api_error(reply: Canned) -> (Error, ApiError) {
    let error = send_with_reply(reply).await.unwrap_err();
    match &error {
        Error::Api(api) => {
            let api = (**api).clone();
            (error, api)
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

async fn unexpected(reply: Canned) -> UnexpectedResponse {
    match send_with_reply(reply).await.unwrap_err() {
        Error::UnexpectedResponse(response) => *response,
        other => panic!("expected Error::UnexpectedResponse, got {other:?}"),
    }
}

fn envelope(code: &str, message: &str) -> serde_json::Value {
    json!({ "error": { "code": code, "message": message } })
}

#[tokio::test]
async fn validation_error_400_keeps_its_issues() {
    let body = json!({
        "error": {
            "code": "validation_error",
            "message": "Invalid request body",
            "details": { "issues": [
                { "field": "message", "message": "message is required" },
                "not an object",
                { "field": "files[0].url", "message": "url is required" },
            ] },
        }
    });
    let (error, api) = api_error(Canned::json(400, body)).await;
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(error.api_code(), Some(&ApiErrorCode::ValidationError));
    assert_eq!(api.message, "Invalid request body");
    let issues: Vec<(String, String)> = api
        .validation_issues()
        .into_iter()
        .map(|issue| (issue.field, issue.message))
        .collect();
    assert_eq!(
        issues,
        [
            ("message".to_owned(), "message is required".to_owned()),
            ("files[0].url".to_owned(), "url is required".to_owned()),
        ]
    );
    assert_eq!(
        error.to_string(),
        "Twill API error 400 (validation_error): Invalid request body; message: message is \
         required; files[0].url: url is required"
    );
}

#[tokio::test]
async fn each_documented_status_decodes_to_its_code() {
    let cases = [
        (401, "unauthorized", ApiErrorCode::Unauthorized),
        (404, "not_found", ApiErrorCode::NotFound),
        (429, "rate_limited", ApiErrorCode::RateLimited),
        (500, "internal_error", ApiErrorCode::InternalError),
        (
            403,
            "plan_required",
            ApiErrorCode::Other("plan_required".to_owned()),
        ),
        (
            409,
            "sandbox_gone",
            ApiErrorCode::Other("sandbox_gone".to_owned()),
        ),
    ];
    for (status, code, expected) in cases {
        let (error, api) = api_error(Canned::json(status, envelope(code, "nope"))).await;
        assert_eq!(api.answer.status.as_u16(), status);
        assert_eq!(api.code, expected, "{status}");
        assert_eq!(api.code.as_str(), code);
        assert_eq!(api.message, "nope");
        assert_eq!(error.retry_after(), None);
        assert!(api.validation_issues().is_empty());
    }
}

#[tokio::test]
async fn rate_limited_429_carries_retry_after() {
    let reply = Canned::json(
        429,
        envelope(
            "rate_limited",
            "Rate limit exceeded. Max 100 requests per minute.",
        ),
    )
    .header("retry-after", "17");
    let (error, api) = api_error(reply).await;
    assert_eq!(error.retry_after(), Some(Duration::from_secs(17)));
    assert_eq!(api.retry_after, Some(Duration::from_secs(17)));

    let past = Canned::json(429, envelope("rate_limited", "slow down"))
        .header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT");
    let (error, _) = api_error(past).await;
    assert_eq!(error.retry_after(), Some(Duration::ZERO));
}

#[tokio::test]
async fn html_502_from_a_proxy_is_an_unexpected_response() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let response = unexpected(
        Canned::status(502)
            .header("content-type", "text/html")
            .body(page),
    )
    .await;
    assert_eq!(response.answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(response.content_type.as_deref(), Some("text/html"));
    assert_eq!(response.body_len, page.len());
    assert_eq!(response.excerpt, page);
    assert!(response.to_string().contains("HTTP 502, text/html"));
}

#[tokio::test]
async fn empty_500_is_an_unexpected_response() {
    let response = unexpected(Canned::status(500)).await;
    assert_eq!(response.answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.body_len, 0);
    assert_eq!(response.excerpt, "");
    assert_eq!(
        response.to_string(),
        "unexpected response from Twill: HTTP 500, no content type, empty body"
    );
}

#[tokio::test]
async fn json_that_is_not_the_envelope_is_an_unexpected_response() {
    let response = unexpected(Canned::json(503, json!({ "message": "maintenance" }))).await;
    assert_eq!(response.excerpt, r#"{"message":"maintenance"}"#);
}

#[tokio::test]
async fn a_huge_error_body_is_cut_to_an_excerpt() {
    let response = unexpected(Canned::status(500).body(vec![b'x'; 4 << 20])).await;
    assert!(response.body_len <= 64 * 1024, "{}", response.body_len);
    assert!(response.excerpt.len() <= EXCERPT_LIMIT + '…'.len_utf8());
    assert!(response.excerpt.ends_with('…'));
}

#[tokio::test]
async fn garbled_success_body_is_a_decode_error() {
    let error = send_with_reply(
        Canned::status(200)
            .header("content-type", "application/json")
            .body(r#"{"job": {"id": "j"#),
    )
    .await
    .unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("expected Error::Decode, got {error:?}");
    };
    assert_eq!(decode.answer.status, StatusCode::OK);
    assert_eq!(decode.excerpt, r#"{"job": {"id": "j"#);
    assert!(decode.source.is_eof());
    assert_eq!(error.status(), Some(StatusCode::OK));
}

#[tokio::test]
async fn success_body_of_the_wrong_shape_is_a_decode_error() {
    let error = send_with_reply(Canned::json(200, json!({ "job": { "id": "j" } })))
        .await
        .unwrap_err();
    let Error::Decode(decode) = error else {
        panic!("expected Error::Decode");
    };
    assert!(decode.source.to_string().contains("missing field `status`"));
}

#[tokio::test]
async fn empty_success_body_is_a_decode_error_for_a_struct() {
    let error = send_with_reply(Canned::status(200)).await.unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
}

#[tokio::test]
async fn unknown_enum_values_do_not_fail_the_response() {
    let response = send_with_reply(Canned::json(
        200,
        json!({ "job": { "id": "j", "status": "PAUSED", "extra": 1 } }),
    ))
    .await
    .unwrap();
    assert_eq!(response.job.status, JobStatus::Unknown("PAUSED".to_owned()));
    assert_eq!(response.job.status.as_str(), "PAUSED");
}

#[tokio::test]
async fn refused_connection_is_a_transport_error() {
    let url = closed_port_url().await;
    let client = client_at(url);
    let error = client.get_task("t").await.unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("expected Error::Transport, got {error:?}");
    };
    assert!(transport.is_connect());
    assert_eq!(error.status(), None);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts connections and reads nothing, answers nothing.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = Client::builder()
        .api_key("k")
        .base_url(format!("http://{addr}/api/v1"))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client.get_task("t").await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    silent.abort();
}

/// The server's message reaches logs through `Display`: a newline or an
/// ANSI escape in it must not forge a log line or recolour a terminal, and
/// it is kept to the 2 KiB the README promises.
#[tokio::test]
async fn an_api_message_is_escaped_and_bounded() {
    let (error, api) = api_error(Canned::json(
        400,
        json!({ "error": {
            "code": "validation_error",
            "message": "bad\nFORGED LINE \u{1b}[31mred",
            "details": { "issues": [{ "field": "a\nb", "message": "c\rd" }] },
        } }),
    ))
    .await;
    let shown = error.to_string();
    assert!(!shown.contains(['\n', '\r', '\u{1b}']), "{shown:?}");
    assert!(shown.contains(r"bad\nFORGED LINE \u{1b}[31mred"), "{shown}");
    assert!(shown.contains(r"a\nb: c\rd"), "{shown}");
    assert_eq!(
        api.message, "bad\nFORGED LINE \u{1b}[31mred",
        "kept as sent"
    );

    let (_, api) = api_error(Canned::json(
        400,
        envelope("validation_error", &"x".repeat(10_000)),
    ))
    .await;
    assert!(api.message.len() <= twill_api::error::EXCERPT_LIMIT + '…'.len_utf8());
    assert!(api.message.ends_with('…'));
}

/// The HTTP stack refuses a request target over 65,534 bytes when it sends;
/// the client says so before any I/O, naming the argument, and the error
/// says nothing was sent. One byte under, the request goes out whole.
#[tokio::test]
async fn a_url_over_the_limit_is_invalid_input_not_a_transport_error() {
    let server = Recorder::start(Canned::json(
        200,
        json!({ "job": { "id": "j", "status": "PENDING" } }),
    ))
    .await;
    let client = server.client().with_retry_policy(RetryPolicy::none());
    let fixed = format!("{}/tasks//messages", server.url()).len();
    let at_limit = "a".repeat(twill_api::client::MAX_URL_BYTES - fixed);
    client
        .send_message(&at_limit, &SendMessageRequest::new("hi"))
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 1);

    let over = format!("{at_limit}a");
    let error = client
        .send_message(&over, &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert!(!error.may_have_acted());
    let Error::InvalidInput(input) = &error else {
        panic!("expected InvalidInput, got {error:?}");
    };
    assert_eq!(input.parameter, "taskIdOrSlug");
    assert_eq!(
        error.to_string(),
        format!(
            "invalid `taskIdOrSlug` for send_message: the URL would be {} bytes, over the 65534-byte limit",
            twill_api::client::MAX_URL_BYTES + 1
        )
    );
    assert_eq!(server.requests().len(), 1, "nothing more was sent");
}
