//! The job log stream over a real connection, from a server that writes the
//! stream one byte at a time with CRLF line endings, comments and an unknown
//! event type, and one that hangs up before `complete`.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use twill_api::error::StreamError;
use twill_api::prelude::*;
use twill_api::stream::EventKind;
use twill_api::stream::JobOutcome;
use twill_api::{Client, Error};
use twill_tests::{Canned, Recorder, client_at};

/// Serves one HTTP/1.1 response whose body is `body`, written byte by byte.
async fn trickle_server(body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket.set_nodelay(true).unwrap();
        let mut request = vec![0u8; 4096];
        let _ = socket.read(&mut request).await.unwrap();
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        for byte in body.as_bytes() {
            if socket.write_all(&[*byte]).await.is_err() {
                return;
            }
            socket.flush().await.unwrap();
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    });
    format!("http://{addr}/api/v1")
}

fn client(url: String) -> Client {
    client_at(url)
}

#[tokio::test]
async fn byte_by_byte_crlf_comments_and_unknown_events() {
    let body = ": hello\r\n\r\n\
        data: {\"type\":\"connected\"}\r\n\r\n\
        :keep-alive\r\n\r\n\
        event: custom\r\ndata: {\"type\":\"tool_call\",\"name\":\"grep\"}\r\n\r\n\
        data: {\"type\":\"historical_complete\"}\r\n\r\n\
        data: {\"type\":\"complete\",\"status\":\"failed\"}\r\n\r\n";
    let client = client(trickle_server(body).await);
    let mut logs = client.stream_job_logs("j").await.unwrap();
    let mut events = Vec::new();
    while let Some(event) = logs.next_event().await {
        events.push(event.unwrap());
    }
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[0].kind(), &EventKind::Connected);
    let data = events[1].json();
    let EventKind::Unknown { kind } = events[1].kind() else {
        panic!("{events:?}");
    };
    assert_eq!(kind, "tool_call");
    assert_eq!(data["name"], "grep");
    assert_eq!(events[2].kind(), &EventKind::HistoricalComplete);
    assert_eq!(
        events[3].kind(),
        &EventKind::Complete {
            status: JobOutcome::Failed
        }
    );
}

#[tokio::test]
async fn hanging_up_before_complete_is_a_typed_error() {
    let body =
        "data: {\"type\":\"connected\"}\n\ndata: {\"type\":\"trace_records\",\"records\":[]}\n\n";
    let client = client(trickle_server(body).await);
    let mut logs = client.stream_job_logs("j").await.unwrap();
    assert_eq!(
        logs.next_event().await.unwrap().unwrap().kind(),
        &EventKind::Connected
    );
    assert!(matches!(
        logs.next_event().await.unwrap().unwrap().kind(),
        EventKind::TraceRecords
    ));
    let error = logs.next_event().await.unwrap().unwrap_err();
    assert!(
        matches!(error, Error::Stream(StreamError::EndedEarly)),
        "{error:?}"
    );
    assert!(logs.next_event().await.is_none());
}

/// One event can be any size: its bytes are counted as they arrive, and an
/// endless `data:` line ends the stream at the limit instead of being
/// buffered whole.
#[tokio::test]
async fn an_event_over_the_limit_ends_the_stream() {
    let mut body = b"data: {\"type\":\"connected\"}\n\ndata: \"".to_vec();
    body.extend(std::iter::repeat_n(b'x', 4096));
    let server = Recorder::start(
        Canned::status(200)
            .header("content-type", "text/event-stream")
            .body(body),
    )
    .await;
    let client = twill_api::Client::builder()
        .api_key(twill_tests::TEST_KEY)
        .base_url(server.url())
        .max_event_bytes(1024)
        .build()
        .unwrap();
    let mut logs = client.stream_job_logs("job-1").await.unwrap();
    assert_eq!(
        logs.next_event().await.unwrap().unwrap().kind(),
        &EventKind::Connected
    );
    let error = logs.next_event().await.unwrap().unwrap_err();
    let twill_api::Error::ResponseTooLarge(too_large) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(too_large.limit, 1024);
    assert!(logs.next_event().await.is_none());
}
