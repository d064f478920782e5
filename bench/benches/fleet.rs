//! A batch of N creates under a limit of L per P, in flight 8 at a time as
//! `twill tasks create --from --parallel 8` sends them, against twill-mock
//! enforcing the same limit: how long it takes against the least the limit
//! allows (the first L at once, then L per P: ceil(N/L - 1) * P), and how
//! many 429s it drew. Real time, in process: `cargo bench -p twill-bench
//! --bench fleet`.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use twill_api::api::Tasks;
use twill_api::limit::RateLimit;
use twill_api::{Arguments, Client};

async fn batch(n: u32, limit: RateLimit) -> (Duration, u64) {
    let mock = twill_mock::MockServer::builder()
        .rate_limit_per(limit.requests(), limit.period())
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.url())
        .rate_limit(limit)
        .build()
        .unwrap();
    let started = Instant::now();
    let results: Vec<_> = futures_util::stream::iter((0..n).map(|i| {
        let client = client.clone();
        async move {
            let body = json!({ "command": format!("chore {i}") });
            client
                .call(<Client as Tasks>::CREATE_TASK, &Arguments::new().body(body))
                .await
                .map(|_| ())
        }
    }))
    .buffer_unordered(8)
    .collect()
    .await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(Result::is_ok), "every create succeeded");
    (elapsed, mock.stats().rate_limited)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("| N | limit | least the limit allows | took | ratio | 429s |");
    println!("|---|---|---|---|---|---|");
    for (n, limit) in [(45, "10/1s"), (100, "20/2s"), (60, "20/5s")] {
        let limit: RateLimit = limit.parse().unwrap();
        let windows = (f64::from(n) / f64::from(limit.requests()) - 1.0).ceil();
        let least = limit.period().mul_f64(windows);
        let (took, refused) = runtime.block_on(batch(n, limit));
        println!(
            "| {n} | {limit} | {:.2} s | {:.2} s | {:.3} | {refused} |",
            least.as_secs_f64(),
            took.as_secs_f64(),
            took.as_secs_f64() / least.as_secs_f64()
        );
    }
}
