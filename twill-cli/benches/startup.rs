//! How soon `twill` answers, whole process: `--version` and `--help` (no
//! HTTP client is built for them), and the first line of `tasks list`
//! against `twill-mock` on loopback, beside `curl` making the same request.
//! Medians of 30 runs each.
//!
//! ```sh
//! cargo bench -p twill-cli --bench startup
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 30;

fn main() {
    let twill = env!("CARGO_BIN_EXE_twill");
    let (url, key) = start_mock();

    let plain = |args: &[&str]| {
        let started = Instant::now();
        let status = Command::new(twill)
            .args(args)
            .stdout(Stdio::null())
            .status()
            .expect("twill runs");
        assert!(status.success(), "twill {args:?}");
        started.elapsed()
    };
    let first_line = || {
        let started = Instant::now();
        let mut child = Command::new(twill)
            .args(["tasks", "list"])
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", &key)
            .stdout(Stdio::piped())
            .spawn()
            .expect("twill runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("a line");
        let elapsed = started.elapsed();
        assert!(child.wait().expect("exits").success());
        elapsed
    };

    // The same request by curl, to its end: the floor a one-call command
    // could reach (a process, a connection, one HTTP exchange).
    let curl = || {
        let started = Instant::now();
        let status = Command::new("curl")
            .args(["-sf", "-o", "/dev/null", "-H"])
            .arg(format!("Authorization: Bearer {key}"))
            .arg(format!("{url}/tasks"))
            .status();
        status
            .ok()
            .filter(|status| status.success())
            .map(|_| started.elapsed())
    };

    println!("twill start-up, whole process, median of {RUNS} runs");
    report(
        "twill --version",
        median((0..RUNS).map(|_| plain(&["--version"]))),
    );
    report(
        "twill --help",
        median((0..RUNS).map(|_| plain(&["--help"]))),
    );
    report(
        "twill tasks list, to the first line (against twill-mock)",
        median((0..RUNS).map(|_| first_line())),
    );
    match curl() {
        Some(_) => report(
            "curl of the same list, whole (the floor)",
            median((0..RUNS).map(|_| curl().expect("curl ran once"))),
        ),
        None => println!("  curl: not found or failed; no floor measured"),
    }
}

/// A twill-mock on its own thread with one task, so that the list has rows.
fn start_mock() -> (String, String) {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let server = twill_mock::MockServer::builder()
                .no_rate_limit()
                .start()
                .await
                .expect("mock");
            sender
                .send((server.url(), server.api_key().to_owned()))
                .expect("bench waits");
            std::future::pending::<()>().await;
        });
    });
    let (url, key) = receiver.recv().expect("the mock starts");
    let created = Command::new(env!("CARGO_BIN_EXE_twill"))
        .args(["tasks", "create", "a task to list"])
        .env("TWILL_BASE_URL", &url)
        .env("TWILL_API_KEY", &key)
        .stdout(Stdio::null())
        .status()
        .expect("twill runs");
    assert!(created.success());
    (url, key)
}

fn median(samples: impl Iterator<Item = Duration>) -> Duration {
    let mut samples: Vec<Duration> = samples.collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn report(what: &str, took: Duration) {
    println!("  {what}: {:.2} ms", took.as_secs_f64() * 1e3);
}
