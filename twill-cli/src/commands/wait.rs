//! `twill tasks wait TASK...` and `twill jobs wait JOB...`: many tasks
//! observed at once from list pages (the library's `Observer`: a hundred
//! tasks a request, a read only when a job ends, no log stream), jobs known
//! by id alone followed each by its log (bounded), a line per task or job
//! as it ends, in the library's words (`Standing`), and one verdict: 4 when
//! any failed, else 5 when any was cancelled, else 7 when any needs you (a
//! task's plan waiting; a job known by its id alone cannot say), else 6
//! when the deadline came first, else 0.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::task::JoinSet;
use twill_api::Client;
use twill_api::models::UserIntent;
use twill_api::workflow::{Change, Standing};

use crate::cli::WaitOptions;
use crate::failure::Failure;
use crate::render::{Form, one};
use crate::session::Session;

/// What is waited for: a job by its log, or a task by the observer (its
/// latest job; with `job`, the one it started with, to say when a newer
/// one replaces it).
#[derive(Debug, Clone)]
pub enum Target {
    Job(String),
    Task {
        task: String,
        /// The job it was created with (this process created it, or
        /// `jobs wait TASK:JOB` named it), and its intent when known.
        created: Option<(String, Option<UserIntent>)>,
        /// `TASK:JOB` as given: the wait is the named job's, and a newer
        /// job of the task does not stand for it.
        named: Option<String>,
    },
}

impl Target {
    /// A task named on the command line.
    pub fn task(task: String) -> Target {
        Target::Task {
            task,
            created: None,
            named: None,
        }
    }

    /// `jobs wait` takes `JOB`, or `TASK:JOB` to observe the task instead.
    pub fn job(argument: String) -> Target {
        match argument.split_once(':') {
            Some((task, job)) if !task.is_empty() && !job.is_empty() => Target::Task {
                task: task.to_owned(),
                created: Some((job.to_owned(), None)),
                named: Some(argument.clone()),
            },
            _ => Target::Job(argument),
        }
    }

    /// A failed wait as a failure that names its first request (a 404
    /// says what it did not find).
    fn failure(&self, error: twill_api::Error) -> Failure {
        use twill_api::api::{Jobs, Tasks};
        match self {
            Target::Task { task, .. } => Failure::api_request(
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

    /// How the target was given: a job, a task, or `TASK:JOB`.
    fn name(&self) -> &str {
        match self {
            Target::Task {
                named: Some(named), ..
            } => named,
            Target::Job(id) | Target::Task { task: id, .. } => id,
        }
    }
}

/// The ids as given, `-` read from standard input (whitespace between
/// them), each once in the order first given.
pub fn ids_given(ids: Vec<String>) -> Result<Vec<String>, Failure> {
    let mut given = Vec::new();
    for id in ids {
        if id == "-" {
            let text = crate::local_input::read_stdin(1024 * 1024).map_err(|error| {
                Failure::Usage(format!("cannot read ids from standard input: {error}"))
            })?;
            given.extend(text.split_whitespace().map(str::to_owned));
        } else {
            given.push(id);
        }
    }
    let mut seen = std::collections::HashSet::new();
    given.retain(|id| seen.insert(id.clone()));
    if given.is_empty() {
        return Err(Failure::Usage(
            "no id to wait for; nothing was sent".to_owned(),
        ));
    }
    Ok(given)
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
    let empty = |target: &Target| match target {
        Target::Job(id) | Target::Task { task: id, .. } => id.trim().is_empty(),
    };
    if targets.iter().any(empty) {
        return Err(Failure::Usage(
            "an empty id: name each task or job; nothing was sent".to_owned(),
        ));
    }
    let total = targets.len();
    let by_job = targets
        .iter()
        .any(|target| matches!(target, Target::Job(_)));
    let paced = options.rate_limit.map(|limit| session.paced(limit));
    let session = paced.as_ref().unwrap_or(session);
    // No deadline is ten years, which no job outlives.
    let bound = options
        .timeout
        .unwrap_or(Duration::from_secs(10 * 365 * 24 * 3600));
    let deadline = tokio::time::Instant::now() + bound;
    let (mut waits, received) = start(session, targets, deadline, options.concurrency);
    let mut tally = Tally {
        total,
        ..Tally::default()
    };
    let outcome = tokio::select! {
        outcome = collect(session, received, &mut tally, options.fail_fast) => outcome,
        _ = tokio::signal::ctrl_c() => Err(Failure::Interrupted(
            "stopped waiting; the jobs go on".to_owned(),
        )),
    };
    progress::clear();
    waits.abort_all();
    outcome?;
    // A job's log has no plan outcome: "completed" may be a plan waiting.
    if by_job && tally.completed > 0 && session.output.form == Form::Human {
        eprintln!(
            "twill: a plan waiting for approval is not in a job's log: \
             twill tasks wait TASK (or jobs wait TASK:JOB) sees it"
        );
    }
    tally.verdict()
}

/// Starts the waits: one observer for every task, a follower per job (at
/// most `concurrency` at once); what they report, as it comes.
fn start(
    session: &Session,
    targets: Vec<Target>,
    deadline: tokio::time::Instant,
    concurrency: u16,
) -> (JoinSet<()>, tokio::sync::mpsc::UnboundedReceiver<Report>) {
    let (reports, received) = tokio::sync::mpsc::unbounded_channel();
    let (tasks, jobs): (Vec<Target>, Vec<Target>) = targets
        .into_iter()
        .partition(|target| matches!(target, Target::Task { .. }));
    let mut waits = JoinSet::new();
    if !tasks.is_empty() {
        let (client, reports) = (session.client.clone(), reports.clone());
        waits.spawn(observe(client, tasks, deadline, reports));
    }
    let permits = Arc::new(tokio::sync::Semaphore::new(usize::from(concurrency)));
    for target in jobs {
        let (client, permits) = (session.client.clone(), Arc::clone(&permits));
        let reports = reports.clone();
        waits.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let ended = follow(&client, &target, deadline).await;
            let _ = reports.send(Report::Ended(target, ended));
        });
    }
    (waits, received)
}

/// What a wait tells the collector.
enum Report {
    /// A task or job ended (or the deadline came, or the wait failed).
    Ended(Target, Ended),
    /// A newer job replaced the one a task was watched for.
    Replaced {
        task: String,
        old: String,
        new: String,
    },
}

/// Follows job `target`'s log until `deadline`: what its log says.
async fn follow(client: &Client, target: &Target, deadline: tokio::time::Instant) -> Ended {
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    Ok(client
        .wait_for_job(target.name(), left, None)
        .await?
        .standing)
}

/// Observes the tasks `targets` until each settled or `deadline`, reporting
/// each as it does; at the deadline, the rest as last seen.
async fn observe(
    client: Client,
    targets: Vec<Target>,
    deadline: tokio::time::Instant,
    reports: tokio::sync::mpsc::UnboundedSender<Report>,
) {
    let client = client.with_deadline(deadline);
    let (mut observer, mut by_name) = watching(&client, targets);
    while let Some(round) = observer.next_round().await {
        match round {
            Ok(changes) => {
                for change in changes {
                    match change {
                        Change::Standing { task, to, .. } if to.is_settled() => {
                            if let Some(target) = by_name.remove(&task) {
                                let _ = reports.send(Report::Ended(target, Ok(to)));
                            }
                        }
                        Change::JobReplaced { task, old, new } => {
                            replaced(&client, &mut by_name, &task, &old, deadline, &reports);
                            let _ = reports.send(Report::Replaced { task, old, new });
                        }
                        _ => {}
                    }
                }
                for (task, error) in observer.take_failures() {
                    if let Some(target) = by_name.remove(&task) {
                        let _ = reports.send(Report::Ended(target, Err(error)));
                    }
                }
            }
            // Tried again next round, within the deadline.
            Err(error) if error.is_transient() => {}
            Err(error) => {
                // The first task left takes the error; the rest are counted
                // as not waited for.
                if let Some(target) = by_name.drain().next().map(|(_, target)| target) {
                    let _ = reports.send(Report::Ended(target, Err(error)));
                }
                return;
            }
        }
        if by_name.is_empty() {
            return;
        }
    }
    report_left(&observer, by_name, &reports);
}

/// A newer job replaced `old` on `task`: a `TASK:JOB` target is the named
/// job's wait, so it goes on by that job's log (its standing is what the
/// log says; no such job is its error), in a task of its own.
fn replaced(
    client: &Client,
    by_name: &mut std::collections::HashMap<String, Target>,
    task: &str,
    old: &str,
    deadline: tokio::time::Instant,
    reports: &tokio::sync::mpsc::UnboundedSender<Report>,
) {
    let named = matches!(by_name.get(task), Some(Target::Task { named: Some(_), .. }));
    if !named {
        return;
    }
    let Some(target) = by_name.remove(task) else {
        return;
    };
    let (client, reports, job) = (client.clone(), reports.clone(), old.to_owned());
    tokio::spawn(async move {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let ended = client
            .wait_for_job(&job, left, None)
            .await
            .map(|wait| wait.standing);
        let _ = reports.send(Report::Ended(target, ended));
    });
}

/// An observer of `targets`, and each target by its task's name.
fn watching(
    client: &Client,
    targets: Vec<Target>,
) -> (
    twill_api::workflow::Observer,
    std::collections::HashMap<String, Target>,
) {
    let mut observer = client.observe(Vec::<String>::new());
    let mut by_name = std::collections::HashMap::new();
    for target in targets {
        let Target::Task { task, created, .. } = &target else {
            continue;
        };
        match created {
            Some((job, intent)) => observer.watch_created(task, job, intent.as_ref()),
            None => observer.watch(task),
        }
        by_name.insert(task.clone(), target);
    }
    (observer, by_name)
}

/// At the deadline: each task left, as it was last seen.
fn report_left(
    observer: &twill_api::workflow::Observer,
    left: std::collections::HashMap<String, Target>,
    reports: &tokio::sync::mpsc::UnboundedSender<Report>,
) {
    let last: std::collections::HashMap<&str, &Standing> = observer
        .standings()
        .filter_map(|(task, standing)| Some((task, standing?)))
        .collect();
    for (task, target) in left {
        let standing = last
            .get(task.as_str())
            .map_or(Standing::Pending, |standing| (*standing).clone());
        let _ = reports.send(Report::Ended(target, Ok(standing)));
    }
}

/// Prints each wait as it ends (and on a terminal a status line of how
/// many have); with `fail_fast`, stops at the first that did not complete.
async fn collect(
    session: &Session,
    mut reports: tokio::sync::mpsc::UnboundedReceiver<Report>,
    tally: &mut Tally,
    fail_fast: bool,
) -> Result<(), Failure> {
    progress::show(tally);
    while let Some(report) = reports.recv().await {
        let (target, ended) = match report {
            Report::Ended(target, ended) => (target, ended),
            Report::Replaced { task, old, new } => {
                if session.output.form != Form::Human {
                    let line = json!({ "task": task, "replaced": old, "by": new });
                    match session.output.json_line(&line) {
                        Ok(()) | Err(Failure::Closed) => {}
                        Err(failure) => return Err(failure),
                    }
                }
                continue;
            }
        };
        progress::clear();
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
        progress::show(tally);
    }
    Ok(())
}

/// The status line of a wait over many, on a terminal: how many ended,
/// how many need you.
mod progress {
    use super::Tally;
    use crate::render::terminal;

    pub fn show(tally: &Tally) {
        let ended = tally.completed + tally.failed + tally.cancelled + tally.needs_you;
        terminal::status_line(&format!(
            "{ended}/{} ended · {} need you",
            tally.total, tally.needs_you
        ));
    }

    pub fn clear() {
        terminal::clear_status_line();
    }
}

fn print(session: &Session, target: &Target, ended: &Ended) -> Result<(), Failure> {
    let (state, detail) = match ended {
        Ok(Standing::NeedsYou(awaiting)) => (
            "needs-you",
            match target {
                Target::Task { task, .. } => Some(format!(
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
        Target::Task {
            task,
            created: Some((job, _)),
            named: Some(_),
        } => json!({ "task": task, "job": job }),
        Target::Task { task, .. } => json!({ "task": task }),
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
