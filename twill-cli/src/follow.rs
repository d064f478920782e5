//! Following a job's log stream to its end, as `twill_api::workflow`'s
//! follower delivers it: events rendered as they come.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;
use twill_api::api::Jobs;
use twill_api::stream::{EventKind, JobLogEvent};
use twill_api::workflow::{FollowStep, Standing};
use twill_api::{Arguments, Client};

use crate::failure::Failure;
use crate::render::{Form, Output, one};

/// How often the status line is redrawn.
const TICK: Duration = Duration::from_millis(100);

/// Follows `job` until it ends, or until `timeout` (exit 6, the job goes
/// on): where it stands as its log says. Ctrl-C stops following (never
/// the job).
pub async fn follow(
    client: &Client,
    job: &str,
    timeout: Option<Duration>,
    output: &Output,
    verbose: bool,
) -> Result<Standing, Failure> {
    tokio::select! {
        ended = follow_until_done(client, job, timeout, output, verbose) => ended,
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
    timeout: Option<Duration>,
    output: &Output,
    verbose: bool,
) -> Result<Standing, Failure> {
    // One budget: every request inside the follow keeps the deadline too
    // (a Retry-After past it is not waited out).
    let deadline = timeout.map(|timeout| tokio::time::Instant::now() + timeout);
    let client = deadline.map_or_else(|| client.clone(), |at| client.with_deadline(at));
    // Reopening, the replay rule and the bounds are the library's
    // (`twill_api::workflow`); this shows what it delivers.
    let mut follower = client.follow_job(job);
    let mut seen = Seen::new(job);
    loop {
        if let Some(end) = follower.end() {
            status_line::clear();
            return Ok(Standing::of_end(end));
        }
        seen.show();
        // One `next` lives across the ticks that move the spinner: it is
        // never dropped while a stream opens (the follower would survive
        // that too, being cancel-safe, but this asks nothing of it).
        let next = {
            let next = follower.next();
            tokio::pin!(next);
            loop {
                tokio::select! {
                    next = &mut next => break Some(next),
                    () = tokio::time::sleep(TICK), if status_line::shown() => seen.show(),
                    () = sleep_until(deadline), if deadline.is_some() => break None,
                }
            }
        };
        status_line::clear();
        match next {
            None => return Err(deadline_reached(job, timeout, seen.down.as_deref())),
            Some(Some(step)) => seen.take(step, output, verbose)?,
            // After the end, which the top of the loop returns; never
            // otherwise, since a follower that gives up yields its error.
            Some(None) if follower.end().is_some() => {}
            Some(None) => {
                return Err(Failure::Local(format!("the log stream of job {job} ended")));
            }
        }
    }
}

/// What the follow has seen: the job's last reported status, and why its
/// stream is down while the follower reopens it.
struct Seen<'a> {
    job: &'a str,
    started: Instant,
    status: String,
    down: Option<String>,
}

impl<'a> Seen<'a> {
    fn new(job: &'a str) -> Self {
        Seen {
            job,
            started: Instant::now(),
            status: "waiting".to_owned(),
            down: None,
        }
    }

    /// The status line, where there is one.
    fn show(&self) {
        let word = match &self.down {
            Some(_) => "reconnecting",
            None => &self.status,
        };
        status_line::show(self.job, word, self.started);
    }

    /// Shows a step of the follower: an event, printed; a reopening, said
    /// under `--verbose`; its error, as the command's failure.
    fn take(
        &mut self,
        step: Result<FollowStep, twill_api::Error>,
        output: &Output,
        verbose: bool,
    ) -> Result<(), Failure> {
        match step {
            Ok(FollowStep::Event(event)) => {
                self.down = None;
                if let Some(status) = event.reported_status() {
                    status.clone_into(&mut self.status);
                }
                render(&event, output)
            }
            Ok(FollowStep::Reopening { cause, wait }) => {
                if verbose {
                    eprintln!("twill: the log stream dropped ({cause}); reopening in {wait:?}");
                }
                // The follower waits itself, in its next step.
                self.down = Some(cause.to_string());
                Ok(())
            }
            Ok(_) => Ok(()),
            // Named: a 404 says which job it did not find.
            Err(error) => Err(Failure::api_request(
                <Client as Jobs>::STREAM_JOB_LOGS,
                &Arguments::new().arg("jobId", self.job),
                error,
            )),
        }
    }
}

/// Sleeps until `deadline`; never wakes without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The deadline's word: the job goes on, and what was last seen of its
/// stream when it was down.
fn deadline_reached(job: &str, timeout: Option<Duration>, down: Option<&str>) -> Failure {
    let after = timeout.map_or_else(String::new, |timeout| format!(" after {timeout:?}"));
    let mut message = format!("stopped following{after}; job {job} goes on");
    if let Some(cause) = down {
        message.push_str(&format!("; its log stream was down: {cause}"));
    }
    Failure::Deadline(message)
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
