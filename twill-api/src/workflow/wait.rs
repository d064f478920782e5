//! Waiting for a job, or a task's latest job, within a time budget: a
//! follow under a deadline that every request inside it keeps.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::follow::{FollowPosition, FollowStep, JobEnd};
use super::standing::Standing;
use crate::api::Tasks;
use crate::client::Client;
use crate::error::{Error, StreamError};
use crate::models::{Job, JobStatus};
use crate::stream::{EventKind, JobLogEvent};

/// How many of the latest events a [`JobWait`] keeps.
pub const LATEST_EVENTS: usize = 20;

/// How long after its deadline a wait for a task may still read the task
/// for the final answer of a job that ended before the deadline: no wait
/// answers later than its deadline and this.
pub const FINAL_READ_GRACE: Duration = Duration::from_secs(1);

/// How often [`Client::latest_job_id`] reads a task that has no job yet.
pub const NEXT_JOB_EVERY: Duration = Duration::from_secs(5);

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitOutcome {
    /// The job ended.
    Ended(JobEnd),
    /// The deadline came first; the job goes on.
    DeadlineReached,
}

/// What a wait for a job saw.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JobWait {
    /// The job waited for.
    pub job_id: String,
    /// How the wait ended.
    pub outcome: WaitOutcome,
    /// Where the job stands as its log says: how it ended; at the deadline
    /// the last status the log reported (`Running` when it reported none:
    /// the job goes on). The log carries no plan outcome: a task's wait
    /// ([`TaskWait::standing`]) can say "needs you".
    pub standing: Standing,
    /// How many events were delivered, the stream's own markers
    /// (`connected`, `historical_complete`) aside.
    pub events: u64,
    /// The latest events, at most [`LATEST_EVENTS`], the markers aside.
    pub latest: VecDeque<JobLogEvent>,
    /// Where the follower stopped: resume from it to wait again.
    pub position: FollowPosition,
    /// When the deadline came while the log stream was down: why it had
    /// dropped (or could not be opened), in words. The wait's last word
    /// then, rather than its latest event.
    pub reconnecting: Option<String>,
}

/// What a wait for a task's latest job saw, with the task's answer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskWait {
    /// The wait for the job.
    pub job: JobWait,
    /// Where the job stands: once it ended, as the task says (a plan ready
    /// to approve is [`Standing::NeedsYou`]); otherwise as its log says.
    pub standing: Standing,
    /// The job's final answer, when it ended and has one.
    pub final_answer: Option<String>,
    /// The job's plan, when it has one.
    pub plan: Option<String>,
    /// The task's URL, to show a person.
    pub task_url: String,
    /// Why the task could not be read again for the final answer, after
    /// the job ended (the log's standing stands).
    pub final_read_error: Option<String>,
}

/// What a task says of one of its jobs, read once the job's log ended
/// ([`Client::report_job`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JobReport {
    /// Where the job stands: the task's word for it when it is still the
    /// task's latest job, otherwise what its log said.
    pub standing: Standing,
    /// The job as the task shows it (final answer, plan, error), when it is
    /// still the task's latest job.
    pub job: Option<Job>,
    /// The task's URL, to show a person.
    pub task_url: String,
}

/// `timeout` from now, or the client's own deadline if sooner.
fn deadline_of(client: &Client, timeout: Duration) -> Instant {
    let now = Instant::now();
    // No wait outlives a century: `Duration::MAX` means "none".
    let by = now
        .checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600));
    client.deadline().map_or(by, |set| set.min(by))
}

impl Client {
    /// Follows `job_id` until it ends or `timeout` passes (a deadline
    /// reached is [`WaitOutcome::DeadlineReached`], not an error), from
    /// `resume` if given.
    ///
    /// The deadline is kept by everything inside the wait: a request whose
    /// wait for the rate limit or a `Retry-After` would end past it is not
    /// made to wait, and the follower's reopening stops at it. A deadline
    /// the client has already ([`with_deadline`](Self::with_deadline)) is
    /// kept when it comes sooner.
    pub async fn wait_for_job(
        &self,
        job_id: &str,
        timeout: Duration,
        resume: Option<FollowPosition>,
    ) -> Result<JobWait, Error> {
        self.wait_for_job_observed(job_id, timeout, resume, |_| {})
            .await
    }

    /// [`wait_for_job`](Self::wait_for_job), showing each event to
    /// `observe` as it arrives: for a caller that reports progress (an MCP
    /// server's progress notifications) while the wait goes on.
    pub async fn wait_for_job_observed(
        &self,
        job_id: &str,
        timeout: Duration,
        resume: Option<FollowPosition>,
        mut observe: impl FnMut(&JobLogEvent),
    ) -> Result<JobWait, Error> {
        let deadline = deadline_of(self, timeout);
        let mut follower = self.with_deadline(deadline).follow_job(job_id);
        if let Some(position) = resume {
            follower = follower.resume_from(position);
        }
        let mut latest = VecDeque::with_capacity(LATEST_EVENTS);
        let (mut events, mut reconnecting) = (0, None);
        let mut seen = Standing::Running;
        let outcome = loop {
            // The follower is cancel-safe: the deadline may cut it anywhere.
            let event = match tokio::time::timeout_at(deadline, follower.next()).await {
                Err(_) => break WaitOutcome::DeadlineReached,
                Ok(None) => match follower.end() {
                    Some(end) => break WaitOutcome::Ended(end.clone()),
                    None => return Err(Error::Stream(StreamError::EndedEarly)),
                },
                Ok(Some(Err(error))) => return Err(error),
                Ok(Some(Ok(FollowStep::Reopening { cause, .. }))) => {
                    reconnecting = Some(cause.to_string());
                    continue;
                }
                Ok(Some(Ok(FollowStep::Event(event)))) => event,
            };
            reconnecting = None;
            if let Some(status) = event.reported_status() {
                seen = Standing::of_status(&JobStatus::from(status));
            }
            observe(&event);
            // A reconnection's own words are not the job's.
            if matches!(
                event.kind(),
                EventKind::Connected | EventKind::HistoricalComplete
            ) {
                continue;
            }
            events += 1;
            if latest.len() == LATEST_EVENTS {
                latest.pop_front();
            }
            latest.push_back(event);
            if let Some(end) = follower.end() {
                break WaitOutcome::Ended(end.clone());
            }
        };
        let standing = match &outcome {
            WaitOutcome::Ended(end) => Standing::of_end(end),
            // A status the log reported as ended, with no end event yet:
            // the job goes on as far as this wait saw.
            _ if seen.is_settled() => Standing::Running,
            _ => seen,
        };
        Ok(JobWait {
            job_id: job_id.to_owned(),
            outcome,
            standing,
            events,
            latest,
            position: follower.position().clone(),
            reconnecting,
        })
    }

    /// The id of task `task_id_or_slug`'s latest job; when it has none yet
    /// (its first job is still being made), the task is read again every
    /// [`NEXT_JOB_EVERY`] until it has one: `Ok(None)` when the client's
    /// [deadline](Client::with_deadline) would pass first.
    pub async fn latest_job_id(&self, task_id_or_slug: &str) -> Result<Option<String>, Error> {
        loop {
            if let Some(job) = self.get_task(task_id_or_slug).await?.latest_job {
                return Ok(Some(job.id));
            }
            let next = Instant::now() + NEXT_JOB_EVERY;
            if self.deadline().is_some_and(|deadline| next > deadline) {
                return Ok(None);
            }
            tokio::time::sleep_until(next).await;
        }
    }

    /// Waits for the latest job of task `task_id_or_slug` (see
    /// [`wait_for_job`](Self::wait_for_job)): the task is read, its job
    /// followed, all by the deadline; then, if the job ended, the task is
    /// read again for the job's final answer, by the deadline and
    /// [`FINAL_READ_GRACE`] at most.
    pub async fn wait_for_task(
        &self,
        task_id_or_slug: &str,
        timeout: Duration,
        resume: Option<FollowPosition>,
    ) -> Result<TaskWait, Error> {
        let deadline = deadline_of(self, timeout);
        let within = self.with_deadline(deadline);
        let shown = within.get_task(task_id_or_slug).await?;
        let Some(job) = shown.latest_job else {
            return Err(Error::Stream(StreamError::EndedEarly));
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let wait = within.wait_for_job(&job.id, left, resume).await?;
        let mut answer = TaskWait {
            standing: wait.standing.clone(),
            job: wait,
            final_answer: None,
            plan: None,
            task_url: shown.task.url,
            final_read_error: None,
        };
        if matches!(answer.job.outcome, WaitOutcome::Ended(_)) {
            let reading = self.with_deadline(deadline + FINAL_READ_GRACE);
            let log = answer.job.standing.clone();
            match reading.report_job(task_id_or_slug, &job.id, log).await {
                Ok(report) => {
                    answer.standing = report.standing;
                    answer.task_url = report.task_url;
                    if let Some(job) = report.job {
                        (answer.final_answer, answer.plan) = (job.final_answer, job.plan);
                    }
                }
                Err(error) => answer.final_read_error = Some(error.to_string()),
            }
        }
        Ok(answer)
    }

    /// Reads task `task_id_or_slug` for what its job `job_id` came to,
    /// once the job's log ended with `log` (its [`JobWait::standing`]):
    /// where it stands as the task says (a plan ready to approve is
    /// [`Standing::NeedsYou`]), its final answer, plan and error. When a
    /// message has since started another job, the task no longer shows
    /// this one: `log` stands, and [`JobReport::job`] is `None`.
    ///
    /// The API has no field for a Ralph loop's criteria: a caller that
    /// knows the job proposes them reads [`Standing::of_criteria_job`] of
    /// [`JobReport::job`].
    pub async fn report_job(
        &self,
        task_id_or_slug: &str,
        job_id: &str,
        log: Standing,
    ) -> Result<JobReport, Error> {
        let shown = self.get_task(task_id_or_slug).await?;
        let job = shown.latest_job.filter(|latest| latest.id == job_id);
        Ok(JobReport {
            standing: job.as_ref().map_or(log, Standing::of_job),
            job,
            task_url: shown.task.url,
        })
    }
}
