//! Following a job's log stream to its end, as `twill_api::workflow`'s
//! follower delivers it: events rendered as they come.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;
use twill_api::Client;
use twill_api::stream::{EventKind, JobLogEvent};
use twill_api::workflow::{FollowStep, JobEnd};

use crate::failure::Failure;
use crate::render::{Form, Output, one};

/// How often the status line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// How a followed job ended.
pub enum Ended {
    Completed,
    /// With the error event's message, if it ended with one.
    Failed(Option<String>),
    Cancelled,
}

impl From<&JobEnd> for Ended {
    fn from(end: &JobEnd) -> Self {
        match end {
            JobEnd::Completed => Ended::Completed,
            JobEnd::Cancelled => Ended::Cancelled,
            JobEnd::Failed { reason } => Ended::Failed(reason.clone()),
            // An outcome this version does not know: not a success.
            _ => Ended::Failed(None),
        }
    }
}

/// Follows `job` until it ends; Ctrl-C stops following (never the job).
pub async fn follow(
    client: &Client,
    job: &str,
    output: &Output,
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
    output: &Output,
    verbose: bool,
) -> Result<Ended, Failure> {
    let started = Instant::now();
    // Reopening, the replay rule and the bounds are the library's
    // (`twill_api::workflow`); this shows what it delivers.
    let mut follower = client.follow_job(job);
    let mut status = "waiting".to_owned();
    loop {
        if let Some(end) = follower.end() {
            status_line::clear();
            return Ok(Ended::from(end));
        }
        status_line::show(job, &status, started);
        // The spinner and the clock move between events too; a tick drops
        // `next`, which loses nothing (the follower keeps its state).
        let next = loop {
            tokio::select! {
                next = follower.next() => break next,
                _ = tokio::time::sleep(TICK), if status_line::shown() => {
                    status_line::show(job, &status, started);
                }
            }
        };
        match next {
            Some(Ok(FollowStep::Event(event))) => {
                if let Some(new_status) = event.reported_status() {
                    new_status.clone_into(&mut status);
                }
                status_line::clear();
                render(&event, output)?;
            }
            Some(Ok(FollowStep::Reopening { cause, wait })) => {
                if verbose {
                    status_line::clear();
                    eprintln!("twill: the log stream dropped ({cause}); reopening in {wait:?}");
                }
                tokio::time::sleep(wait).await;
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => {
                status_line::clear();
                return Err(Failure::from(error));
            }
            // After the end, which the top of the loop returns; never
            // otherwise, since a follower that gives up yields its error.
            None if follower.end().is_some() => {}
            None => {
                status_line::clear();
                return Err(Failure::Local(format!("the log stream of job {job} ended")));
            }
        }
    }
}

/// Prints an event: in words, the agent's text as text, the rest as
/// compact JSON; or as a JSON line.
fn render(event: &JobLogEvent, output: &Output) -> Result<(), Failure> {
    let data = event.json();
    if output.form != Form::Human {
        return output.json_line(data);
    }
    match event.kind() {
        EventKind::Connected | EventKind::HistoricalComplete => Ok(()),
        EventKind::TraceUrl { url, .. } => output.line(&format!("trace: {}", one(url))),
        EventKind::TraceChunks => {
            let chunks = data.get("chunks").and_then(Value::as_array);
            for text in chunks
                .into_iter()
                .flatten()
                .filter_map(|chunk| chunk.get("text").and_then(Value::as_str))
            {
                // The agent's text, indented: a line of it cannot pass for
                // one of ours (`status: COMPLETED`, `job completed`).
                for line in text.lines() {
                    output.line(&format!("  {line}"))?;
                }
            }
            Ok(())
        }
        EventKind::TraceRecords => {
            let records = data.get("records").and_then(Value::as_array);
            for record in records.into_iter().flatten() {
                match (record.get("kind"), record.get("status")) {
                    (Some(kind), Some(Value::String(status))) if kind == "status" => {
                        output.line(&format!("status: {}", one(status)))?;
                    }
                    _ => output.line(&record.to_string())?,
                }
            }
            Ok(())
        }
        EventKind::Complete { status } => output.line(&format!("job {}", one(status))),
        EventKind::Error { message } => output.line(&format!(
            "error: {}",
            one(message.as_deref().unwrap_or("(no message)"))
        )),
        EventKind::Unknown { kind } if kind == "status" => output.line(&format!(
            "status: {}",
            one(data.get("status").and_then(Value::as_str).unwrap_or("?"))
        )),
        _ => output.line(&data.to_string()),
    }
}

/// The status line shown on a terminal while following: spinner, job,
/// status, elapsed. Nothing at all when standard error is not a terminal.
mod status_line {
    use super::*;
    use crate::render::terminal;

    const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

    pub fn show(job: &str, status: &str, started: Instant) {
        if !shown() {
            return;
        }
        let elapsed = started.elapsed();
        let frame = SPINNER[(elapsed.as_millis() / 100) as usize % SPINNER.len()];
        let line = format!(
            "{frame} job {} · {} · {}s",
            twill_api::untrusted::escape_line(job),
            twill_api::untrusted::escape_line(&status.to_lowercase().replace('_', " ")),
            elapsed.as_secs()
        );
        // One column short of the width: a line that fills it wraps, and
        // `\r` then clears only the wrapped part.
        let width = terminal::stderr_width().unwrap_or(80).saturating_sub(1);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{}", terminal::fit(&line, width));
        let _ = err.flush();
    }

    /// Whether there is a status line to keep moving.
    pub fn shown() -> bool {
        terminal::status_line_allowed()
    }

    pub fn clear() {
        if shown() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
