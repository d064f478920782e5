//! What waiting on N tasks costs in requests, counted by `twill-mock` per
//! endpoint, for the fleet observer (`Client::observe`: list pages, a read
//! per ended task) beside the design before it (`wait_for_task` per task: a
//! read, the log stream, a read for the answer) and the floor (a list page
//! per hundred tasks a round, a read per ended task); and the time a key's
//! limits (100 a minute, 1,000 an hour) would impose on those counts. The
//! mock's clock is moved by hand (jobs end 20 s after creation, a round
//! every 5 s), the client unlimited: the counts are the design's. Then one
//! real-time run at N = 100 under 1,000 a minute on both sides.
//! `cargo bench -p twill-bench --bench observe`.

use std::time::{Duration, Instant};

use twill_api::Client;
use twill_api::api::Tasks as _;
use twill_api::models::CreateTaskRequest;
use twill_mock::MockServer;

/// The rounds a wait makes before jobs that end 20 s after creation are
/// all seen ended, a round every 5 s, plus the one that sees them.
const ROUNDS: u64 = 20 / 5 + 1;

async fn mock(manual: bool) -> MockServer {
    let builder = MockServer::builder()
        .no_rate_limit()
        .job_timing(Duration::from_secs(4), Duration::from_secs(16));
    let builder = if manual {
        builder.manual_clock()
    } else {
        builder
    };
    builder.start().await.unwrap()
}

/// A client whose limit (and so the observer's share of it) is out of the
/// way: the counts are the design's, not the pace's.
fn client(mock: &MockServer) -> Client {
    Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.url())
        .rate_limit("1000000/min".parse().unwrap())
        .build()
        .unwrap()
}

async fn create(client: &Client, n: usize) -> Vec<String> {
    let mut slugs = Vec::with_capacity(n);
    for i in 0..n {
        let created = client
            .create_task(&CreateTaskRequest::new(format!("chore {i}")))
            .await
            .unwrap();
        slugs.push(created.task.slug);
    }
    slugs
}

fn spent(mock: &MockServer, before: &twill_mock::MockStats) -> u64 {
    mock.stats().requests - before.requests
}

/// The observer's requests for `n` tasks, rounds every 5 s of the mock's
/// clock until all ended.
async fn observed(n: usize) -> u64 {
    let mock = mock(true).await;
    let client = client(&mock);
    let slugs = create(&client, n).await;
    let before = mock.stats();
    let mut observer = client.observe(slugs).share(1.0);
    loop {
        observer.round().await.unwrap();
        if observer.is_settled() {
            break;
        }
        mock.advance(Duration::from_secs(5));
    }
    spent(&mock, &before)
}

/// The design before: each task's wait reads it, follows its job's log,
/// and reads it again for the answer (here once every job ended, so each
/// log is its history alone).
async fn followed(n: usize) -> u64 {
    let mock = mock(true).await;
    let client = client(&mock);
    let slugs = create(&client, n).await;
    mock.advance(Duration::from_secs(3600));
    let before = mock.stats();
    for slug in &slugs {
        client
            .wait_for_task(slug, Duration::from_secs(60), None)
            .await
            .unwrap();
    }
    spent(&mock, &before)
}

/// How long a key's limits make `requests` take: a minute per hundred past
/// the first hundred, and an hour per thousand past the first thousand.
fn imposed(requests: u64) -> String {
    let minutes = requests.saturating_sub(1).div_ceil(100).saturating_sub(1);
    let hours = requests.saturating_sub(1).div_ceil(1000).saturating_sub(1);
    if hours > 0 {
        format!("{hours} h")
    } else {
        format!("{minutes} min")
    }
}

/// A real-time wait on 100 tasks whose jobs end 20 s after creation, both
/// sides at 1,000 a minute: (seconds after the last job's end, requests).
async fn real_time() -> (f64, u64) {
    let mock = mock(false).await;
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.url())
        .rate_limit("1000/min".parse().unwrap())
        .build()
        .unwrap();
    let slugs = create(&client, 100).await;
    let created = Instant::now();
    let before = mock.stats();
    let mut observer = client.observe(slugs);
    while !observer.is_settled() {
        observer.round().await.unwrap();
        if !observer.is_settled() {
            observer.pause().await;
        }
    }
    let after_end = created.elapsed().as_secs_f64() - 20.0;
    (after_end, spent(&mock, &before))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "| N | observer | each followed (before) | floor | a key's limits impose: observer | before |"
    );
    println!("|---|---|---|---|---|---|");
    for n in [10usize, 100, 1000] {
        let observer = runtime.block_on(observed(n));
        let before = runtime.block_on(followed(n));
        let floor = ROUNDS * (n as u64).div_ceil(100) + n as u64;
        println!(
            "| {n} | {observer} | {before} | {floor} | {} | {} |",
            imposed(observer),
            imposed(before)
        );
    }
    let (after_end, requests) = runtime.block_on(real_time());
    println!(
        "\nreal time, N = 100, 1000/min: settled {after_end:.1} s after the last job's end, \
         {requests} requests"
    );
}
