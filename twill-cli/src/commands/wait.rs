//! `twill tasks wait TASK...` and `twill jobs wait JOB...`: many jobs
//! followed at once (bounded, each by the library's wait, paced by the
//! client's rate limit), a line per job as it ends, in the library's
//! words (`Standing`), and one verdict: 4 when any failed, else 5 when any
//! was cancelled, else 7 when any needs you (a task's plan waiting; a job
//! known by its id alone cannot say), else 6 when the deadline came first,
//! else 0.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::task::JoinSet;
use twill_api::Client;
use twill_api::workflow::Standing;

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

/// How one wait ended: where its job stands, or the wait's own failure
/// (an unknown task, the network).
type Ended = Result<Standing, twill_api::Error>;

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
    let by_job = matches!(targets.first(), Some(Target::Job(_)));
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
    // A job's log has no plan outcome: "completed" may be a plan waiting.
    if by_job && tally.completed > 0 && session.output.form == Form::Human {
        eprintln!(
            "twill: a plan waiting for approval is not in a job's log: \
             twill tasks wait TASK sees it"
        );
    }
    tally.verdict()
}

/// Waits for `target` until `deadline`: a task's wait reads the task at
/// the end (a plan waiting is "needs you"); a job's says what its log says.
async fn wait(client: &Client, target: &Target, deadline: tokio::time::Instant) -> Ended {
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    match target {
        Target::Job(job) => Ok(client.wait_for_job(job, left, None).await?.standing),
        Target::Task(task) => Ok(client.wait_for_task(task, left, None).await?.standing),
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
        // did not complete (needs you included), or one that could not be
        // waited for.
        let stop = fail_fast
            && !matches!(
                ended,
                Ok(Standing::Completed | Standing::Running | Standing::Pending)
            );
        tally.count(target, ended);
        if stop {
            break;
        }
    }
    Ok(())
}

fn print(session: &Session, target: &Target, ended: &Ended) -> Result<(), Failure> {
    let (state, detail) = match ended {
        Ok(Standing::NeedsYou(awaiting)) => (
            "needs-you",
            match target {
                Target::Task(task) => Some(format!(
                    "{} waits ({})",
                    awaiting.word(),
                    crate::standing::approve_command(*awaiting, task)
                )),
                Target::Job(_) => Some(format!("{} waits", awaiting.word())),
            },
        ),
        Ok(standing) if standing.is_settled() => {
            (standing.word(), standing.reason().map(str::to_owned))
        }
        Ok(standing) => (standing.word(), Some("the deadline came first".to_owned())),
        Err(error) => ("error", Some(error.to_string())),
    };
    if session.output.form == Form::Human {
        let detail = detail
            .map(|detail| format!(": {}", one(detail)))
            .unwrap_or_default();
        return session
            .output
            .line(&format!("{}  {state}{detail}", one(target.name())));
    }
    let mut line = match target {
        Target::Job(job) => json!({ "job": job }),
        Target::Task(task) => json!({ "task": task }),
    };
    line["state"] = json!(state);
    if let Some(detail) = detail {
        line["reason"] = json!(detail);
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
    needs_you: usize,
    /// Still under way at the deadline (or a status this version does
    /// not know).
    running: usize,
    /// The waits that failed themselves, with what they waited for.
    errors: Vec<(Target, twill_api::Error)>,
}

impl Tally {
    fn count(&mut self, target: Target, ended: Ended) {
        match ended {
            Ok(Standing::Completed) => self.completed += 1,
            Ok(Standing::Failed { .. }) => self.failed += 1,
            Ok(Standing::Cancelled) => self.cancelled += 1,
            Ok(Standing::NeedsYou(_)) => self.needs_you += 1,
            Ok(_) => self.running += 1,
            Err(error) => self.errors.push((target, error)),
        }
    }

    /// The exit: failed (4) over cancelled (5) over an error of the wait
    /// itself over needs you (7) over the deadline (6); 0 when every job
    /// completed.
    fn verdict(mut self) -> Result<(), Failure> {
        let counted = self.completed + self.failed + self.cancelled + self.needs_you + self.running;
        let unknown = self.total.saturating_sub(counted);
        let summary = format!(
            "{} completed, {} failed, {} cancelled, {} need you, {} still running, \
             {unknown} not waited for",
            self.completed, self.failed, self.cancelled, self.needs_you, self.running
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
        if self.needs_you > 0 {
            return Err(Failure::NeedsYou(summary));
        }
        if self.running > 0 {
            return Err(Failure::Deadline(summary));
        }
        Ok(())
    }
}
