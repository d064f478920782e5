//! `twill tasks wait TASK...` and `twill jobs wait JOB...`: many jobs
//! followed at once (bounded, each by the library's wait, paced by the
//! client's rate limit), a line per job as it ends, and one verdict: 0
//! when all completed, 4 when any failed, 5 when any was cancelled and
//! none failed, 6 when the deadline came first.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::task::JoinSet;
use twill_api::Client;
use twill_api::workflow::{JobEnd, WaitOutcome};

use crate::cli::WaitOptions;
use crate::failure::Failure;
use crate::render::{Form, one};
use crate::session::Session;

/// What is waited for: a job, or a task's latest job.
#[derive(Debug, Clone)]
pub enum Target {
    Job(String),
    Task(String),
}

impl Target {
    /// A failed wait as a failure that names its first request (a 404
    /// says what it did not find).
    fn failure(&self, error: twill_api::Error) -> Failure {
        use twill_api::api::{Jobs, Tasks};
        match self {
            Target::Task(task) => Failure::api_request(
                <Client as Tasks>::GET_TASK,
                &twill_api::Arguments::new().arg("taskIdOrSlug", task),
                error,
            ),
            Target::Job(job) => Failure::api_request(
                <Client as Jobs>::STREAM_JOB_LOGS,
                &twill_api::Arguments::new().arg("jobId", job),
                error,
            ),
        }
    }

    fn name(&self) -> &str {
        match self {
            Target::Job(id) | Target::Task(id) => id,
        }
    }
}

/// How one wait ended.
#[derive(Debug)]
enum Ended {
    Completed,
    Failed(Option<String>),
    Cancelled,
    /// The deadline came first; the job goes on.
    Running,
    /// The wait itself failed (an unknown task, the network).
    Error(twill_api::Error),
}

/// Waits for every target, printing each as it ends.
pub async fn run(
    session: &Session,
    targets: Vec<Target>,
    options: &WaitOptions,
) -> Result<(), Failure> {
    if targets.iter().any(|target| target.name().trim().is_empty()) {
        return Err(Failure::Usage(
            "an empty id: name each task or job; nothing was sent".to_owned(),
        ));
    }
    let total = targets.len();
    let paced = options.rate_limit.map(|limit| session.paced(limit));
    let session = paced.as_ref().unwrap_or(session);
    // No deadline is ten years, which no job outlives.
    let bound = options
        .timeout
        .unwrap_or(Duration::from_secs(10 * 365 * 24 * 3600));
    let deadline = tokio::time::Instant::now() + bound;
    let permits = Arc::new(tokio::sync::Semaphore::new(usize::from(
        options.concurrency,
    )));
    let mut waits = JoinSet::new();
    for target in targets {
        let (client, permits) = (session.client.clone(), Arc::clone(&permits));
        waits.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let ended = wait(&client, &target, deadline).await;
            (target, ended)
        });
    }
    let mut tally = Tally {
        total,
        ..Tally::default()
    };
    let outcome = tokio::select! {
        outcome = collect(session, &mut waits, &mut tally, options.fail_fast) => outcome,
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted(
            "stopped waiting; the jobs go on".to_owned(),
        )),
    };
    waits.abort_all();
    outcome?;
    tally.verdict()
}

/// Waits for `target` until `deadline`.
async fn wait(client: &Client, target: &Target, deadline: tokio::time::Instant) -> Ended {
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    let outcome = match target {
        Target::Job(job) => client
            .wait_for_job(job, left, None)
            .await
            .map(|wait| wait.outcome),
        Target::Task(task) => client
            .wait_for_task(task, left, None)
            .await
            .map(|wait| wait.job.outcome),
    };
    match outcome {
        Ok(WaitOutcome::Ended(JobEnd::Completed)) => Ended::Completed,
        Ok(WaitOutcome::Ended(JobEnd::Cancelled)) => Ended::Cancelled,
        Ok(WaitOutcome::Ended(JobEnd::Failed { reason })) => Ended::Failed(reason),
        // An end this version does not know: not a success.
        Ok(WaitOutcome::Ended(_)) => Ended::Failed(None),
        Ok(_) => Ended::Running,
        Err(error) => Ended::Error(error),
    }
}

/// Prints each wait as it ends; with `fail_fast`, stops at the first that
/// did not complete.
async fn collect(
    session: &Session,
    waits: &mut JoinSet<(Target, Ended)>,
    tally: &mut Tally,
    fail_fast: bool,
) -> Result<(), Failure> {
    while let Some(joined) = waits.join_next().await {
        let Ok((target, ended)) = joined else {
            continue;
        };
        // A reader that went away stops the lines, not the verdict.
        match print(session, &target, &ended) {
            Ok(()) | Err(Failure::Closed) => {}
            Err(failure) => return Err(failure),
        }
        // A deadline is no job's failure: --fail-fast stops at a job that
        // failed or was cancelled, or one that could not be waited for.
        let stop = fail_fast && !matches!(ended, Ended::Completed | Ended::Running);
        tally.count(target, ended);
        if stop {
            break;
        }
    }
    Ok(())
}

fn print(session: &Session, target: &Target, ended: &Ended) -> Result<(), Failure> {
    let (outcome, reason) = match ended {
        Ended::Completed => ("completed", None),
        Ended::Failed(reason) => ("failed", reason.clone()),
        Ended::Cancelled => ("cancelled", None),
        Ended::Running => ("deadline", Some("still running".to_owned())),
        Ended::Error(error) => ("error", Some(error.to_string())),
    };
    if session.output.form == Form::Human {
        let reason = reason
            .map(|reason| format!(": {}", one(reason)))
            .unwrap_or_default();
        return session
            .output
            .line(&format!("{}  {outcome}{reason}", one(target.name())));
    }
    let mut line = match target {
        Target::Job(job) => json!({ "job": job }),
        Target::Task(task) => json!({ "task": task }),
    };
    line["outcome"] = json!(outcome);
    if let Some(reason) = reason {
        line["reason"] = json!(reason);
    }
    session.output.json_line(&line)
}

/// How the waits ended, for the verdict.
#[derive(Default)]
struct Tally {
    /// How many jobs there were: those not counted below were not waited
    /// for (`--fail-fast` stopped first, or the wait itself failed).
    total: usize,
    completed: usize,
    failed: usize,
    cancelled: usize,
    running: usize,
    /// The waits that failed themselves, with what they waited for.
    errors: Vec<(Target, twill_api::Error)>,
}

impl Tally {
    fn count(&mut self, target: Target, ended: Ended) {
        match ended {
            Ended::Completed => self.completed += 1,
            Ended::Failed(_) => self.failed += 1,
            Ended::Cancelled => self.cancelled += 1,
            Ended::Running => self.running += 1,
            Ended::Error(error) => self.errors.push((target, error)),
        }
    }

    /// The exit: failed (4) over cancelled (5) over an error of the wait
    /// itself over the deadline (6); 0 when every job completed.
    fn verdict(mut self) -> Result<(), Failure> {
        let counted = self.completed + self.failed + self.cancelled + self.running;
        let unknown = self.total.saturating_sub(counted);
        let summary = format!(
            "{} completed, {} failed, {} cancelled, {} still running, {unknown} not waited for",
            self.completed, self.failed, self.cancelled, self.running
        );
        if self.failed > 0 {
            return Err(Failure::JobFailed(summary));
        }
        if self.cancelled > 0 {
            return Err(Failure::JobCancelled(summary));
        }
        if !self.errors.is_empty() {
            let (target, error) = self.errors.remove(0);
            return Err(target.failure(error));
        }
        if self.running > 0 {
            return Err(Failure::Deadline(summary));
        }
        Ok(())
    }
}
