//! Hostile input never panics: success bodies, error responses and event
//! streams built from arbitrary bytes, statuses and headers all end in a
//! typed value.
//!
//! 1,000 cases per property in the test command. A longer run:
//!
//! ```sh
//! PROPTEST_CASES=1000000 cargo test --release -p twill-tests --test fuzz
//! ```

use axum::http;
use bytes::Bytes;
use futures_util::StreamExt;
use proptest::prelude::*;
use twill_api::error::ErrorResponse;
use twill_api::models::{
    Acknowledgement, GetTaskResponse, SendMessageResponse, TaskPage, TeleportArchive,
};
use twill_api::stream::JobLogStream;
use twill_api::{Error, FromResponse, RawResponse};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(1000);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn response(
    status: u16,
    headers: &[(String, Vec<u8>)],
    body: Vec<u8>,
) -> reqwest_response::Response {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_bytes(value),
        ) {
            builder = builder.header(name, value);
        }
    }
    reqwest_response::Response::from(builder.body(body).unwrap())
}

mod reqwest_response {
    pub use twill_api::reqwest::Response;
}

/// Bytes that are often JSON-shaped, to get past the first parse error.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "[{}\\[\\]\":,a-zA-Z0-9 _\\-]{0,200}".prop_map(String::into_bytes),
        Just(br#"{"job":{"id":"j","status":"PENDING"}}"#.to_vec()),
        Just(br#"{"task":{"id":"t","slug":"s","url":"u"},"latestJob":{"id":1}}"#.to_vec()),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let name = prop_oneof![
        Just("retry-after".to_owned()),
        Just("content-type".to_owned()),
        Just("content-length".to_owned()),
        Just("x-twill-file-count".to_owned()),
        "[a-z-]{1,12}",
    ];
    let value = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        "[0-9]{0,25}".prop_map(String::into_bytes),
        Just(b"Wed, 21 Oct 2015 07:28:00 GMT".to_vec()),
        Just(b"Sun, 06 Nov 2094 08:49:37 GMT".to_vec()),
    ];
    proptest::collection::vec((name, value), 0..4)
}

async fn decode<T: FromResponse>(
    status: u16,
    headers: &[(String, Vec<u8>)],
    body: Vec<u8>,
) -> Result<T, Error> {
    T::from_response(RawResponse::from_parts(
        response(status, headers, body),
        4096,
    ))
    .await
}

#[test]
fn success_bodies_decode_or_fail_typed() {
    let runtime = runtime();
    proptest!(config(), |(status in 200u16..300, headers in headers(), body in body())| {
        runtime.block_on(async {
            for outcome in [
                decode::<SendMessageResponse>(status, &headers, body.clone()).await.err(),
                decode::<GetTaskResponse>(status, &headers, body.clone()).await.err(),
                decode::<TaskPage>(status, &headers, body.clone()).await.err(),
                decode::<Acknowledgement>(status, &headers, body.clone()).await.err(),
                decode::<TeleportArchive>(status, &headers, body.clone()).await.err(),
            ]
            .into_iter()
            .flatten()
            {
                prop_assert!(
                    matches!(outcome, Error::Decode(_) | Error::ResponseTooLarge(_)),
                    "{outcome:?}"
                );
                let _ = (outcome.to_string(), format!("{outcome:?}"), outcome.status());
            }
            Ok(())
        })?;
    });
}

#[test]
fn error_responses_decode_to_api_or_unexpected() {
    proptest!(config(), |(status in 400u16..600, headers in headers(), body in body(), attempts in 1u32..5)| {
        let http = response(status, &headers, Vec::new());
        let error = Error::from_response(error_response(http.status(), http.headers().clone(), body, attempts));
        prop_assert!(matches!(error, Error::Api(_) | Error::UnexpectedResponse(_)), "{error:?}");
        prop_assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        prop_assert_eq!(error.attempts(), attempts);
        let text = error.to_string();
        prop_assert!(text.len() < 8 * 1024, "an error message is bounded");
        let _ = (format!("{error:?}"), error.retry_after(), error.api_code());
    });
}

fn error_response(
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
    attempts: u32,
) -> ErrorResponse {
    let mut response =
        ErrorResponse::new(twill_api::Method::POST, status, headers, Bytes::from(body));
    response.attempts = attempts;
    response
}

/// SSE-ish fragments, cut at arbitrary places.
fn stream_chunks() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let fragment = prop_oneof![
        Just(b"data: {\"type\":\"connected\"}\n\n".to_vec()),
        Just(b"data: {\"type\":\"complete\",\"status\":\"completed\"}\n\n".to_vec()),
        Just(b"data: {\"type\":\"trace_url\"}\r\n\r\n".to_vec()),
        Just(b": keep-alive\n\n".to_vec()),
        Just(b"event: x\nid: 1\nretry: 5\n".to_vec()),
        Just(b"data: {\"type\":\"error\"}\n\n".to_vec()),
        Just(b"\r".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
    ];
    proptest::collection::vec(fragment, 0..12).prop_flat_map(|fragments| {
        let bytes: Vec<u8> = fragments.concat();
        let len = bytes.len();
        proptest::collection::vec(0..=len, 0..8).prop_map(move |mut cuts| {
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for cut in cuts {
                chunks.push(bytes[start..cut].to_vec());
                start = cut;
            }
            chunks.push(bytes[start..].to_vec());
            chunks
        })
    })
}

#[test]
fn event_streams_end_with_typed_items() {
    let runtime = runtime();
    proptest!(config(), |(chunks in stream_chunks())| {
        let items: Vec<Result<_, Error>> = runtime.block_on(async {
            let bytes = futures_util::stream::iter(
                chunks.into_iter().map(|chunk| Ok::<_, std::io::Error>(Bytes::from(chunk))),
            );
            JobLogStream::from_byte_stream(bytes).collect().await
        });
        // At most one error, and it is the last item.
        let errors = items.iter().filter(|item| item.is_err()).count();
        prop_assert!(errors <= 1);
        if errors == 1 {
            prop_assert!(items.last().is_some_and(Result::is_err));
        }
        // Nothing after a terminal event.
        if let Some(position) = items.iter().position(|item| item.as_ref().is_ok_and(|e| e.is_terminal())) {
            prop_assert_eq!(position, items.len() - 1);
        }
        for item in &items {
            let _ = format!("{item:?}");
        }
    });
}
