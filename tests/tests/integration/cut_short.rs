//! Answers cut short: a success whose body fails is retried like a lost
//! connection when the call is idempotent, and its error says what happened
//! (the status that arrived, the real attempt count, whether the server may
//! have acted); streaming calls are bounded before and between events.

use std::time::Duration;

use twill_api::models::SendMessageRequest;
use twill_api::prelude::*;
use twill_api::stream::EventKind;
use twill_api::{Client, Error, RetryPolicy};
use twill_tests::{RawServer, Step, closed_port_url};

const TASK: &str = r#"{"task":{"id":"t","slug":"t","url":"u"},"latestJob":null}"#;

/// A full HTTP/1.1 response: `head` is the status line and any headers.
fn reply(head: &str, body: &str) -> &'static str {
    Box::leak(
        format!(
            "{head}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    )
}

/// The head of a 200 promising 100 bytes, and the first few of them.
const CUT_200: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                       content-length: 100\r\n\r\n{\"task\":";

fn client(server: &RawServer, attempts: u32) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(server.url())
        .timeout(Duration::from_secs(5))
        .retry(
            RetryPolicy::default()
                .max_attempts(attempts)
                .backoff(Duration::from_millis(10), Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_get_whose_success_body_is_cut_is_retried() {
    let server = RawServer::start(vec![
        vec![Step::Write(CUT_200)],
        vec![Step::Write(reply("HTTP/1.1 200 OK", TASK))],
    ])
    .await;
    let task = client(&server, 3).get_task("t").await.unwrap();
    assert_eq!(task.task.id, "t");
    assert_eq!(server.connections(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_get_whose_success_body_stalls_reports_every_attempt_and_its_status() {
    let server = RawServer::start(vec![vec![Step::Write(CUT_200), Step::Stall]]).await;
    let error = client(&server, 3).get_task("t").await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.attempts(), 3, "{error}");
    assert_eq!(error.status(), Some(twill_api::StatusCode::OK));
    assert!(!error.may_have_acted(), "a GET does not act");
    assert_eq!(server.connections(), 3);
    // The host it was reading from, and the cause under reqwest's words.
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "reading the HTTP 200 response from Twill at {} timed out",
            server
                .url()
                .trim_start_matches("http://")
                .trim_end_matches("/api/v1")
        )),
        "{text}"
    );
    assert!(
        text.ends_with("operation timed out (after 3 attempts)"),
        "{text}"
    );
}

#[tokio::test]
async fn a_post_whose_success_body_is_cut_is_not_resent_and_may_have_acted() {
    let server = RawServer::start(vec![vec![Step::Write(CUT_200)]]).await;
    let error = client(&server, 3)
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(error.status(), Some(twill_api::StatusCode::OK));
    assert!(error.may_have_acted());
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.connections(), 1, "sent once");
}

#[tokio::test]
async fn a_decode_error_after_a_retry_counts_both_attempts() {
    let server = RawServer::start(vec![
        vec![Step::Write(reply("HTTP/1.1 503 Service Unavailable", ""))],
        vec![Step::Write(reply("HTTP/1.1 200 OK", "{\"task\":1}"))],
    ])
    .await;
    let error = client(&server, 3).get_task("t").await.unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
    assert_eq!(error.attempts(), 2);
}

#[tokio::test]
async fn may_have_acted_tells_a_refusal_from_a_lost_answer() {
    let post = |server: &RawServer| {
        let client = client(server, 1);
        async move {
            client
                .send_message("t", &SendMessageRequest::new("hi"))
                .await
                .unwrap_err()
        }
    };
    let refused = post(
        &RawServer::start(vec![vec![Step::Write(reply(
            "HTTP/1.1 429 Too Many Requests",
            r#"{"error":{"code":"rate_limited","message":"slow down"}}"#,
        ))]])
        .await,
    )
    .await;
    assert!(!refused.may_have_acted(), "{refused}");

    let failed = post(
        &RawServer::start(vec![vec![Step::Write(reply(
            "HTTP/1.1 502 Bad Gateway",
            "",
        ))]])
        .await,
    )
    .await;
    assert!(failed.may_have_acted(), "{failed}");

    let lost = post(&RawServer::start(vec![vec![Step::Reset]]).await).await;
    assert!(lost.may_have_acted(), "{lost}");

    let unreachable = Client::builder()
        .api_key("k")
        .base_url(closed_port_url().await)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert!(!unreachable.may_have_acted(), "{unreachable}");

    let invalid = client(&RawServer::start(vec![vec![]]).await, 1)
        .send_message("", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert!(!invalid.may_have_acted(), "{invalid}");
}

/// Far longer than any bound under test: reaching it means the call hung.
const HUNG: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn a_log_stream_whose_server_never_answers_times_out() {
    let server = RawServer::start(vec![vec![Step::Stall]]).await;
    let started = tokio::time::Instant::now();
    let opened = tokio::time::timeout(HUNG, client(&server, 1).stream_job_logs("j"))
        .await
        .expect("the call timeout bounds the response head");
    let error = opened.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.status(), None);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_log_stream_refused_with_a_stalled_body_times_out() {
    let server = RawServer::start(vec![vec![
        Step::Write(
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
             content-length: 80\r\n\r\n{\"error\":",
        ),
        Step::Stall,
    ]])
    .await;
    let opened = tokio::time::timeout(HUNG, client(&server, 1).stream_job_logs("j"))
        .await
        .expect("the call timeout bounds a failure body");
    let error = opened.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(error.status(), Some(twill_api::StatusCode::NOT_FOUND));
}

const SSE_HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                        transfer-encoding: chunked\r\n\r\n";

/// One HTTP chunk holding `text`.
fn chunk(text: &str) -> &'static str {
    Box::leak(format!("{:x}\r\n{text}\r\n", text.len()).into_boxed_str())
}

async fn open_logs_idle_after_a_minute(server: &RawServer) -> twill_api::stream::JobLogStream {
    let client = Client::builder()
        .api_key("k")
        .base_url(server.url())
        .stream_idle_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    client.stream_job_logs("j").await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_silent_log_stream_ends_after_the_idle_timeout() {
    let server = RawServer::start(vec![vec![
        Step::Write(SSE_HEAD),
        Step::Write(chunk("data: {\"type\":\"connected\"}\n\n")),
        Step::Stall,
    ]])
    .await;
    let mut logs = open_logs_idle_after_a_minute(&server).await;
    assert_eq!(
        logs.next_event().await.unwrap().unwrap().kind(),
        &EventKind::Connected
    );
    let started = tokio::time::Instant::now();
    let next = tokio::time::timeout(HUNG, logs.next_event())
        .await
        .expect("the idle timeout ends a silent stream");
    let error = next.unwrap().unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(60));
    assert!(logs.next_event().await.is_none(), "the stream has ended");
}

#[tokio::test(start_paused = true)]
async fn keep_alives_keep_a_quiet_log_stream_open() {
    let ping = chunk(": keep-alive\n\n");
    let server = RawServer::start(vec![vec![
        Step::Write(SSE_HEAD),
        Step::Write(chunk("data: {\"type\":\"connected\"}\n\n")),
        Step::Wait(Duration::from_secs(45)),
        Step::Write(ping),
        Step::Wait(Duration::from_secs(45)),
        Step::Write(ping),
        Step::Wait(Duration::from_secs(45)),
        Step::Write(chunk(
            "data: {\"type\":\"complete\",\"status\":\"completed\"}\n\n",
        )),
        Step::Write("0\r\n\r\n"),
    ]])
    .await;
    let mut logs = open_logs_idle_after_a_minute(&server).await;
    let mut events = Vec::new();
    while let Some(event) = logs.next_event().await {
        events.push(event.unwrap());
    }
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events[1].is_terminal());
}

/// A listener whose accept queue is full: the kernel drops further SYNs, so
/// connecting hangs as it does to a host that has gone away.
#[allow(clippy::type_complexity)]
async fn unanswered_connect_url() -> (
    String,
    (tokio::net::TcpListener, Vec<tokio::net::TcpStream>),
) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let listener = socket.listen(0).unwrap();
    // Fill the queue with connections never accepted.
    let mut held = Vec::new();
    for _ in 0..4 {
        match tokio::time::timeout(
            Duration::from_millis(50),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(stream)) => held.push(stream),
            _ => break,
        }
    }
    (format!("http://{addr}/api/v1"), (listener, held))
}

#[tokio::test(start_paused = true)]
async fn connecting_is_bounded_by_the_connect_timeout() {
    let (url, _queue) = unanswered_connect_url().await;
    for (configured, expected) in [
        (None, twill_api::client::DEFAULT_CONNECT_TIMEOUT),
        (Some(Duration::from_secs(3)), Duration::from_secs(3)),
    ] {
        let mut builder = Client::builder()
            .api_key("k")
            .base_url(url.clone())
            .retry(RetryPolicy::none());
        if let Some(timeout) = configured {
            builder = builder.connect_timeout(timeout);
        }
        let started = tokio::time::Instant::now();
        let error = builder.build().unwrap().get_task("t").await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
        assert!(
            matches!(&error, Error::Transport(transport) if transport.is_connect()),
            "{error:?}"
        );
        assert!(!error.may_have_acted());
        assert_eq!(started.elapsed(), expected);
    }
}
