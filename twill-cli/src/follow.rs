//! Following a job's log stream to its end: events rendered as they come,
//! the stream reopened if it drops, and nothing shown twice.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use serde_json::Value;
use twill_api::prelude::*;
use twill_api::stream::{EventKind, JobLogEvent, JobOutcome};
use twill_api::{Client, Error};

use crate::failure::Failure;
use crate::output::{Form, Output};

/// How often the status line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// Reopenings before giving up on a stream that keeps dropping.
const MAX_REOPENINGS: u32 = 8;

/// How a followed job ended.
pub enum Ended {
    Completed,
    /// With the error event's message, if it ended with one.
    Failed(Option<String>),
    Cancelled,
}

/// Follows `job` until it ends; Ctrl-C stops following (never the job).
pub async fn follow(
    client: &Client,
    job: &str,
    output: Output,
    verbose: bool,
) -> Result<Ended, Failure> {
    tokio::select! {
        ended = follow_until_done(client, job, output, verbose) => ended,
        _ = tokio::signal::ctrl_c() => {
            status_line::clear();
            Err(Failure::Interrupted(format!(
                "stopped following; job {job} goes on. To cancel it: twill jobs cancel {job}"
            )))
        }
    }
}

async fn follow_until_done(
    client: &Client,
    job: &str,
    output: Output,
    verbose: bool,
) -> Result<Ended, Failure> {
    let started = Instant::now();
    // The stream replays the job's history on each connection: what was
    // shown is remembered so that a reopened stream shows only what is new.
    let mut shown: HashSet<String> = HashSet::new();
    let mut status = "waiting".to_owned();
    let mut reopenings = 0;
    loop {
        let dropped = match client.stream_job_logs(job).await {
            Ok(mut logs) => loop {
                status_line::show(job, &status, started);
                // The spinner and the clock move between events too; a
                // tick drops `next_event`, which loses nothing (the stream
                // keeps its state).
                let next = loop {
                    tokio::select! {
                        next = logs.next_event() => break next,
                        _ = tokio::time::sleep(TICK), if status_line::shown() => {
                            status_line::show(job, &status, started);
                        }
                    }
                };
                match next {
                    Some(Ok(event)) => {
                        reopenings = 0;
                        if let Some(new_status) = live_status(&event) {
                            status = new_status;
                        }
                        let key = event.json().to_string();
                        if shown.insert(key) {
                            status_line::clear();
                            render(&event, output);
                        }
                        if let Some(ended) = outcome(&event) {
                            status_line::clear();
                            return Ok(ended);
                        }
                    }
                    Some(Err(error)) => break error,
                    None => break Error::Stream(twill_api::error::StreamError::EndedEarly),
                }
            },
            // A job that does not exist will not appear by waiting.
            Err(error) if error.status().is_some_and(|s| s.is_client_error()) => {
                status_line::clear();
                return Err(Failure::from(error));
            }
            Err(error) => error,
        };
        reopenings += 1;
        if reopenings > MAX_REOPENINGS {
            status_line::clear();
            return Err(Failure::from(dropped));
        }
        let wait = Duration::from_millis(250 * (1 << reopenings.min(5)));
        if verbose {
            status_line::clear();
            eprintln!("twill: the log stream dropped ({dropped}); reopening in {wait:?}");
        }
        tokio::time::sleep(wait).await;
    }
}

/// How the job ended, if this event says.
fn outcome(event: &JobLogEvent) -> Option<Ended> {
    match event.kind() {
        EventKind::Complete { status } => Some(match status {
            JobOutcome::Completed => Ended::Completed,
            JobOutcome::Cancelled => Ended::Cancelled,
            JobOutcome::Failed => Ended::Failed(None),
            other => Ended::Failed(Some(format!("it ended {other}"))),
        }),
        EventKind::Error { message } => Some(Ended::Failed(Some(
            message
                .clone()
                .unwrap_or_else(|| "an error event".to_owned()),
        ))),
        _ => None,
    }
}

/// The job's status as a `status` event or a status record reports it.
fn live_status(event: &JobLogEvent) -> Option<String> {
    let data = event.json();
    match event.kind() {
        EventKind::Unknown { kind } if kind == "status" => data
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_owned),
        EventKind::TraceRecords => data
            .get("records")
            .and_then(Value::as_array)?
            .iter()
            .rev()
            .find(|record| record.get("kind").and_then(Value::as_str) == Some("status"))
            .and_then(|record| record.get("status").and_then(Value::as_str))
            .map(str::to_owned),
        _ => None,
    }
}

/// Prints an event: in words, the agent's text as text, the rest as
/// compact JSON; or as a JSON line.
fn render(event: &JobLogEvent, output: Output) {
    let data = event.json();
    if output.form != Form::Human {
        output.json_line(data);
        return;
    }
    match event.kind() {
        EventKind::Connected | EventKind::HistoricalComplete => {}
        EventKind::TraceUrl { url, .. } => output.line(&format!("trace: {url}")),
        EventKind::TraceChunks => {
            let chunks = data.get("chunks").and_then(Value::as_array);
            for text in chunks
                .into_iter()
                .flatten()
                .filter_map(|chunk| chunk.get("text").and_then(Value::as_str))
            {
                output.line(text);
            }
        }
        EventKind::TraceRecords => {
            let records = data.get("records").and_then(Value::as_array);
            for record in records.into_iter().flatten() {
                match (record.get("kind"), record.get("status")) {
                    (Some(kind), Some(Value::String(status))) if kind == "status" => {
                        output.line(&format!("status: {status}"));
                    }
                    _ => output.line(&record.to_string()),
                }
            }
        }
        EventKind::Complete { status } => output.line(&format!("job {status}")),
        EventKind::Error { message } => output.line(&format!(
            "error: {}",
            message.as_deref().unwrap_or("(no message)")
        )),
        EventKind::Unknown { kind } if kind == "status" => output.line(&format!(
            "status: {}",
            data.get("status").and_then(Value::as_str).unwrap_or("?")
        )),
        _ => output.line(&data.to_string()),
    }
}

/// The status line shown on a terminal while following: spinner, job,
/// status, elapsed. Nothing at all when standard error is not a terminal.
mod status_line {
    use super::*;

    const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

    pub fn show(job: &str, status: &str, started: Instant) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let elapsed = started.elapsed();
        let frame = SPINNER[(elapsed.as_millis() / 100) as usize % SPINNER.len()];
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{frame} job {} · {} · {}s",
            twill_api::untrusted::escape_line(job),
            twill_api::untrusted::escape_line(&status.to_lowercase().replace('_', " ")),
            elapsed.as_secs()
        );
        let _ = err.flush();
    }

    /// Whether there is a status line to keep moving.
    pub fn shown() -> bool {
        std::io::stderr().is_terminal()
    }

    pub fn clear() {
        if std::io::stderr().is_terminal() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
