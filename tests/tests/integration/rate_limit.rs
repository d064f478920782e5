//! The client-side rate limit, on tokio's paused clock: never more than N
//! requests in any window of P, whatever the clones, and a 429 holds them
//! all back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;
use twill_api::api::Account;
use twill_api::limit::RateLimit;
use twill_api::{Arguments, Client, Error};

/// A loopback server that notes when each request arrived and answers
/// `reply(n)` to the n-th (from 0).
async fn server(
    reply: impl Fn(usize) -> String + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Instant>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&arrivals);
    let reply = Arc::new(reply);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (record, reply) = (Arc::clone(&record), Arc::clone(&reply));
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let n = {
                    let mut arrivals = record.lock().unwrap();
                    arrivals.push(Instant::now());
                    arrivals.len() - 1
                };
                let _ = stream.write_all(reply(n).as_bytes()).await;
            });
        }
    });
    (url, arrivals)
}

fn ok(_: usize) -> String {
    let body = r#"{"workspaceId":"w","userId":"u","apiKeyId":"k","workspaceName":"n","workspaceSlug":"s"}"#;
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The most arrivals in any window of `period`.
fn busiest(arrivals: &[Instant], period: Duration) -> usize {
    let mut sorted = arrivals.to_vec();
    sorted.sort();
    (0..sorted.len())
        .map(|start| {
            sorted[start..]
                .iter()
                .take_while(|at| **at < sorted[start] + period)
                .count()
        })
        .max()
        .unwrap_or(0)
}

fn limited(url: &str, limit: &str) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(url)
        .rate_limit(limit.parse().unwrap())
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn many_clones_never_send_more_than_the_limit_in_any_window() {
    let (url, arrivals) = server(ok).await;
    let client = limited(&url, "20/5s");
    assert_eq!(
        client.rate_limits(),
        ["20/5s".parse::<RateLimit>().unwrap()]
    );
    let started = Instant::now();
    let calls: Vec<_> = (0..60)
        .map(|i| {
            // Clones and with_* clients share the one limit.
            let client = if i % 2 == 0 {
                client.clone()
            } else {
                client.with_timeout(Duration::from_secs(600))
            };
            tokio::spawn(async move {
                client
                    .call(<Client as Account>::ME, &Arguments::new())
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 60);
    assert_eq!(busiest(&arrivals, Duration::from_secs(5)), 20);
    // And no slower than the limit allows: 20 at once, then 20 per 5 s.
    assert!(
        started.elapsed() < Duration::from_secs(11),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_holds_every_clone_back_until_its_retry_after() {
    let (url, arrivals) = server(|n| {
        if n == 3 {
            let body = r#"{"error":{"code":"rate_limited","message":"Slow down"}}"#;
            format!(
                "HTTP/1.1 429 Too Many Requests\r\nretry-after: 30\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
        } else {
            ok(n)
        }
    })
    .await;
    // This one does not wait out a Retry-After itself: it fails at once.
    let client = limited(&url, "100/min")
        .with_retry_policy(twill_api::RetryPolicy::default().max_retry_after(Duration::ZERO));
    for _ in 0..3 {
        client
            .call(<Client as Account>::ME, &Arguments::new())
            .await
            .unwrap();
    }
    let refused = client
        .call(<Client as Account>::ME, &Arguments::new())
        .await
        .unwrap_err();
    assert_eq!(refused.retry_after(), Some(Duration::from_secs(30)));
    let paused_at = arrivals.lock().unwrap()[3];
    // Another clone, which never saw the 429, waits for it too.
    let other = client.with_retry_policy(twill_api::RetryPolicy::default());
    other
        .call(<Client as Account>::ME, &Arguments::new())
        .await
        .unwrap();
    let arrivals = arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 5);
    assert!(
        arrivals[4] >= paused_at + Duration::from_secs(30),
        "{:?}",
        arrivals[4] - paused_at
    );
}

#[tokio::test(start_paused = true)]
async fn a_call_that_cannot_get_room_in_time_fails_before_sending() {
    let (url, arrivals) = server(ok).await;
    let client = Client::builder()
        .api_key("k")
        .base_url(&url)
        .rate_limit("1/min".parse().unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    client
        .call(<Client as Account>::ME, &Arguments::new())
        .await
        .unwrap();
    let started = Instant::now();
    let error = client
        .call(<Client as Account>::ME, &Arguments::new())
        .await
        .unwrap_err();
    // At once: no point waiting for a slot past the timeout.
    assert!(started.elapsed() < Duration::from_secs(1));
    let Error::Throttled(throttled) = &error else {
        panic!("{error:?}");
    };
    assert!(throttled.wait > Duration::from_secs(50), "{throttled:?}");
    assert!(!error.may_have_acted());
    assert_eq!(error.attempts(), 0);
    assert_eq!(
        error.to_string(),
        "not sent: the client's rate limit (1/min) has room only in 61 s, past what the call waits (its timeout, deadline or Retry-After cap)"
    );
    assert_eq!(arrivals.lock().unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_deadline_is_kept_by_the_limiter_and_by_a_retry_after() {
    // The second request is answered 429 with a minute to wait.
    let (url, arrivals) = server(|n| match n {
        1 => "HTTP/1.1 429 Too Many Requests\r\nretry-after: 60\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            .to_owned(),
        _ => ok(n),
    })
    .await;
    let client = Client::builder()
        .api_key("k")
        .base_url(&url)
        .rate_limit("2/min".parse().unwrap())
        .no_timeout()
        .build()
        .unwrap();
    let me = || async {
        let by = Instant::now() + Duration::from_secs(20);
        let within = client.with_deadline(by);
        assert_eq!(within.deadline(), Some(by));
        within
            .call(<Client as Account>::ME, &Arguments::new())
            .await
    };
    me().await.unwrap();
    // The 429's minute is past the deadline: not waited out, not resent.
    let started = Instant::now();
    let error = me().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(60)));
    assert!(error.is_transient() && !error.may_have_acted());
    // The limiter has no room for a minute (two sent, and the 429 paused
    // it): the deadline's call is not made to wait for it either.
    let started = Instant::now();
    let error = me().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(matches!(error, Error::Throttled(_)), "{error:?}");
    assert!(error.is_transient());
    assert_eq!(arrivals.lock().unwrap().len(), 2);
    // Without a deadline, the same client waits its turn.
    client
        .call(<Client as Account>::ME, &Arguments::new())
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(59));
}

#[tokio::test(start_paused = true)]
async fn creating_many_keeps_the_policy_cap_on_a_retry_after() {
    use futures_util::StreamExt;
    let (url, arrivals) = server(|_| {
        let body = r#"{"error":{"code":"rate_limited","message":"Slow down"}}"#;
        format!(
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: 30\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    })
    .await;
    // `twill --no-wait`: a 429 ends the call; create_tasks must not wait it
    // out on its own either.
    let client = limited(&url, "100/min")
        .with_retry_policy(twill_api::RetryPolicy::default().max_retry_after(Duration::ZERO));
    let requests = vec![
        twill_api::models::CreateTaskRequest::new("one"),
        twill_api::models::CreateTaskRequest::new("two"),
    ];
    let started = Instant::now();
    let results: Vec<_> = client.create_tasks(requests, 1, |_| Ok(())).collect().await;
    assert_eq!(results.len(), 2);
    let refused = results[0].1.as_ref().unwrap_err();
    assert_eq!(
        refused.retry_after(),
        Some(Duration::from_secs(30)),
        "{refused}"
    );
    // The 429's pause is longer than the policy waits: the second is not
    // sent, and says why.
    let held = results[1].1.as_ref().unwrap_err();
    let Error::Throttled(throttled) = held else {
        panic!("{held:?}");
    };
    assert!(throttled.server_asked, "{throttled:?}");
    assert!(!held.may_have_acted());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(arrivals.lock().unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_hook_hears_each_wait_for_the_rate_limit_before_it_starts() {
    /// The waits heard, and the endpoints they were for.
    #[derive(Default)]
    struct Heard(Mutex<Vec<(&'static str, Duration)>>);
    impl twill_api::hook::Hook for Heard {
        fn before_rate_wait(&self, wait: &twill_api::hook::RateWait) {
            self.0
                .lock()
                .unwrap()
                .push((wait.endpoint.name(), wait.wait));
        }
    }
    let (url, arrivals) = server(ok).await;
    let base = limited(&url, "1/min");
    let heard = Arc::new(Heard::default());
    // Added to a client already built: its clones' limits still count.
    let client = base.with_hook(Arc::clone(&heard));
    base.call(<Client as Account>::ME, &Arguments::new())
        .await
        .unwrap();
    assert!(heard.0.lock().unwrap().is_empty(), "no wait for the first");
    client
        .call(<Client as Account>::ME, &Arguments::new())
        .await
        .unwrap();
    let heard = heard.0.lock().unwrap().clone();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert_eq!(heard[0].0, "me");
    assert!(heard[0].1 > Duration::from_secs(59), "{heard:?}");
    assert_eq!(arrivals.lock().unwrap().len(), 2);
}
