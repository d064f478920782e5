//! Retries that never repeat an action the server may have taken, timeouts
//! that end calls within their bound, and bodies too large to hold.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use twill_api::models::SendMessageRequest;
use twill_api::prelude::*;
use twill_api::{Client, Error, RetryPolicy, twill_endpoint};
use twill_tests::{Canned, Recorder, TEST_KEY, client_at, closed_port_url};

fn job_reply() -> Canned {
    Canned::json(200, json!({ "job": { "id": "j", "status": "PENDING" } }))
}

fn task_reply() -> Canned {
    Canned::json(
        200,
        json!({ "task": { "id": "t", "slug": "t", "url": "u" }, "latestJob": null }),
    )
}

fn fast_retries(client: Client) -> Client {
    client.with_retry_policy(
        RetryPolicy::default()
            .max_attempts(3)
            .backoff(Duration::from_millis(10), Duration::from_millis(20)),
    )
}

#[tokio::test]
async fn send_message_is_sent_once_on_500() {
    let server = Recorder::replying([Canned::status(500), job_reply()]).await;
    let client = fast_retries(server.client());
    let error = client
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn send_message_is_sent_once_on_503_too() {
    let server = Recorder::replying([Canned::status(503), job_reply()]).await;
    let error = fast_retries(server.client())
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.requests().len(), 1);
}

/// A server that reads each whole request, then resets the connection
/// without answering; it counts the requests it read.
async fn resetting_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&seen);
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text[..head_end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if seen.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                // Linger 0: the close is a reset, not a clean end.
                let _ = socket.set_zero_linger();
                drop(socket);
            });
        }
    });
    (format!("http://{addr}/api/v1"), requests)
}

#[tokio::test]
async fn send_message_is_not_resent_after_a_reset_once_the_body_was_sent() {
    let (url, requests) = resetting_server().await;
    let client = fast_retries(client_at(url));
    let error = client
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn a_get_is_retried_after_a_reset() {
    let (url, requests) = resetting_server().await;
    let client = fast_retries(client_at(url));
    let error = client.get_task("t").await.unwrap_err();
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    assert_eq!(error.attempts(), 3);
    assert!(error.to_string().ends_with("(after 3 attempts)"), "{error}");
}

#[tokio::test]
async fn a_get_is_retried_on_503_then_succeeds() {
    let server = Recorder::replying([Canned::status(503), Canned::status(502), task_reply()]).await;
    let task = fast_retries(server.client()).get_task("t").await.unwrap();
    assert_eq!(task.task.id, "t");
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.target == "/api/v1/tasks/t"));
}

fn rate_limited(retry_after: &str) -> Canned {
    Canned::json(
        429,
        json!({ "error": { "code": "rate_limited", "message": "slow down" } }),
    )
    .header("retry-after", retry_after)
}

/// Sends a message through a 429 with `Retry-After: seconds` on the paused
/// clock, with the default policy (its backoff budget is 30 s), and returns
/// how long the call took.
async fn send_through_retry_after(retry_after: &str) -> Duration {
    let server = Recorder::replying([rate_limited(retry_after), job_reply()]).await;
    // No call timeout: on the paused clock it could fire while the
    // loopback server is still answering.
    let client = server.client().with_no_timeout();
    let started = tokio::time::Instant::now();
    let sent = client
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap();
    assert_eq!(sent.job.id, "j");
    assert_eq!(server.requests().len(), 2);
    started.elapsed()
}

#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_is_waited_out_even_for_a_post() {
    assert!(send_through_retry_after("1").await >= Duration::from_secs(1));
}

/// A per-minute limit answers up to 60 s: over the 30 s backoff budget,
/// which bounds the client's own waits, not the server's.
#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_backoff_budget_is_waited_out() {
    for seconds in [31, 60] {
        let took = send_through_retry_after(&seconds.to_string()).await;
        assert!(took >= Duration::from_secs(seconds), "{seconds}: {took:?}");
        assert!(
            took < Duration::from_secs(seconds + 5),
            "{seconds}: {took:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_repeated_zero_retry_after_does_not_hammer() {
    let server = Recorder::start(rate_limited("0")).await;
    let client = server.client().with_no_timeout().with_retry_policy(
        RetryPolicy::default()
            .max_attempts(4)
            .backoff(Duration::from_millis(200), Duration::from_secs(5)),
    );
    let started = tokio::time::Instant::now();
    let error = client.get_task("t").await.unwrap_err();
    assert_eq!(error.attempts(), 4);
    // The backoff floors: 100 + 200 + 400 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_not_waited() {
    let server = Recorder::start(
        Canned::json(
            429,
            json!({ "error": { "code": "rate_limited", "message": "later" } }),
        )
        .header("retry-after", "3600"),
    )
    .await;
    let error = server.client().get_task("t").await.unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_a_post_and_counted() {
    let url = closed_port_url().await;
    let client = fast_retries(client_at(url));
    let error = client
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("{error:?}");
    };
    assert!(transport.is_connect());
    assert_eq!(error.attempts(), 3);
}

trait Idempotent {
    #[twill_endpoint(POST "/things/<id>/refresh", idempotent)]
    async fn refresh(&self, id: &str) -> twill_api::Result<()>;
}

impl Idempotent for Client {}

#[tokio::test]
async fn an_endpoint_declared_idempotent_is_retried_like_a_get() {
    let server = Recorder::replying([Canned::status(503), Canned::status(204)]).await;
    fast_retries(server.client()).refresh("x").await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.method == "POST"));
}

/// A downstream trait listed with `#[endpoints]`: its metadata and its
/// calls come from one model, so an `idempotent` POST is listed as
/// idempotent and retried as one.
#[twill_api::endpoints]
trait ListedIdempotent {
    /// Refreshes a thing; safe to repeat.
    #[twill_endpoint(POST "/things/<id>/refresh", idempotent)]
    async fn refresh_listed(&self, id: &str) -> twill_api::Result<()>;

    /// Pokes a thing; not safe to repeat.
    #[twill_endpoint(POST "/things/<id>/poke")]
    async fn poke_listed(&self, id: &str) -> twill_api::Result<()>;
}

impl ListedIdempotent for Client {}

#[tokio::test]
async fn a_listed_idempotent_post_says_so_and_is_retried_after_a_lost_connection() {
    let [refresh, poke] = <Client as ListedIdempotent>::ENDPOINTS else {
        panic!("two endpoints");
    };
    assert!(refresh.is_idempotent());
    assert!(!poke.is_idempotent());

    let (url, requests) = resetting_server().await;
    let client = fast_retries(client_at(url));
    let error = client.refresh_listed("x").await.unwrap_err();
    assert_eq!(requests.load(Ordering::SeqCst), 3, "{error:?}");
    assert_eq!(error.attempts(), 3);

    requests.store(0, Ordering::SeqCst);
    let error = client.poke_listed("x").await.unwrap_err();
    assert_eq!(requests.load(Ordering::SeqCst), 1, "{error:?}");
}

#[tokio::test]
async fn a_stalled_body_times_out_within_the_bound() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"job\":";
                let _ = socket.write_all(head.as_bytes()).await;
                // Then nothing, with the connection open.
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    let client = Client::builder()
        .api_key("k")
        .base_url(format!("http://{addr}/api/v1"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let error = client
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_success_body_over_the_limit_is_refused() {
    let big = json!({ "job": { "id": "x".repeat(4096), "status": "PENDING" } });
    let server = Recorder::start(Canned::json(200, big)).await;
    let client = twill_api::Client::builder()
        .api_key("k")
        .base_url(server.url())
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = client
        .send_message("t", &SendMessageRequest::new("hi"))
        .await
        .unwrap_err();
    let Error::ResponseTooLarge(too_large) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(too_large.limit, 1024);
    assert_eq!(too_large.answer.status.as_u16(), 200);
}

/// The API never redirects. Following one would re-send a POST and its body
/// to another URL (307, 308) or turn it into a GET whose answer is decoded
/// as the POST's (301, 302, 303): a redirect ends the call instead.
#[tokio::test]
async fn a_redirect_is_not_followed_by_default() {
    for status in [301, 302, 303, 307, 308] {
        let server = Recorder::replying([
            Canned::status(status).header("location", "/elsewhere"),
            job_reply(),
        ])
        .await;
        let error = server
            .client()
            .send_message("t", &SendMessageRequest::new("hi"))
            .await
            .unwrap_err();
        let Error::UnexpectedResponse(unexpected) = &error else {
            panic!("{status}: {error:?}");
        };
        assert_eq!(unexpected.answer.status.as_u16(), status);
        assert_eq!(unexpected.location.as_deref(), Some("/elsewhere"));
        assert!(
            error.to_string().contains("redirect to \"/elsewhere\""),
            "{error}"
        );
        let requests = server.requests();
        assert_eq!(requests.len(), 1, "{status}: {requests:?}");
    }
}

#[tokio::test]
async fn redirects_are_followed_when_the_builder_asks() {
    let server = Recorder::replying([
        Canned::status(307).header("location", "/api/v1/tasks/moved"),
        task_reply(),
    ])
    .await;
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.url())
        .follow_redirects()
        .build()
        .unwrap();
    client.get_task("t").await.unwrap();
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/api/v1/tasks/t", "/api/v1/tasks/moved"]);
}

/// An http base has no roots to check a certificate with, so it does not
/// follow a redirect to https, and says why; nothing goes to the new host.
#[tokio::test]
async fn an_http_base_does_not_follow_a_redirect_to_https() {
    let target = Recorder::start(task_reply()).await;
    let https = target.url().replacen("http://", "https://", 1);
    let server =
        Recorder::start(Canned::status(307).header("location", &format!("{https}/tasks/moved")))
            .await;
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(server.url())
        .follow_redirects()
        .retry(twill_api::RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.get_task("t").await.unwrap_err();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(
        text.contains("does not follow a redirect to another scheme"),
        "{text}"
    );
    assert!(target.requests().is_empty());
}

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    format!("http://{addr}/api/v1")
}

/// The documented rule: `no_timeout` turns off `twill-api`'s timeout only;
/// a `reqwest::Client` given with `http_client` keeps its own.
#[tokio::test(start_paused = true)]
async fn no_timeout_leaves_the_given_http_clients_own_timeout() {
    let http = twill_api::reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key(TEST_KEY)
        .base_url(silent_server().await)
        .http_client(http)
        .no_timeout()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let error = client.get_task("t").await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(5) && took < Duration::from_secs(6),
        "{took:?}"
    );
}

/// A server that reads each request and answers with the next of
/// `replies`: `None` resets the connection without an answer.
async fn scripted_server(replies: Vec<Option<&'static str>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for reply in replies {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 8192];
            let _ = socket.read(&mut buf).await;
            match reply {
                Some(response) => {
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                }
                None => {
                    let _ = socket.set_zero_linger();
                }
            }
        }
    });
    format!("http://{addr}/api/v1")
}

/// The documented behaviour: a DELETE retried after a lost connection may
/// find its target already deleted by the lost attempt. The 404 is
/// returned as it is, with `attempts() > 1` to tell the two apart.
#[tokio::test]
async fn a_retried_delete_that_finds_nothing_says_it_was_retried() {
    let not_found = "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                     content-length: 50\r\nconnection: close\r\n\r\n\
                     {\"error\":{\"code\":\"not_found\",\"message\":\"missing\"}}";
    let url = scripted_server(vec![None, Some(not_found)]).await;
    let client = fast_retries(client_at(url));
    let error = client.delete_scheduled_task("s-1").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(error.attempts(), 2);
}
