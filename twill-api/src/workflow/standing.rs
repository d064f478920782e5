//! Where a job stands, derived once from what the API says: the one
//! vocabulary the command line's lines, exit codes and JSON, and the MCP
//! server's `state`, all present.
//!
//! # What the API does not say
//!
//! A plan waiting for approval is a job `COMPLETED` with
//! `planOutcome: "READY"`. A Ralph loop's criteria waiting for approval
//! have no field at all: the API documents none, so the standing says so
//! only where the caller knows the job proposes criteria (it started the
//! task with the `RALPH_LOOP` intent itself), through
//! [`Standing::of_criteria_job`]; it is never guessed from the answer's
//! text. A job known only by its id, through its log, says nothing of its
//! plan: [`Standing::of_end`] is what the log says.

use std::fmt;

use super::follow::JobEnd;
use crate::models::{Job, JobStatus};

/// Where a job stands: not started, under way, waiting for a person, or
/// ended, and how. Its [`word`](Self::word) is the one every face prints.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Standing {
    /// The task has no job yet.
    NoJob,
    /// Queued, not started.
    Pending,
    /// Running.
    Running,
    /// Ended, waiting for a person to approve what it proposed.
    NeedsYou(Awaiting),
    /// Ended as it should.
    Completed,
    /// Ended with an error.
    Failed {
        /// Why, as the server said it, kept apart from the word.
        reason: Option<String>,
    },
    /// Stopped before it ended.
    Cancelled,
    /// A status this version does not know, as the server wrote it.
    Unknown(String),
}

/// What a job that [`Standing::NeedsYou`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Awaiting {
    /// Its plan, approved with [`Tasks::approve_plan`](crate::api::Tasks::approve_plan).
    Plan,
    /// A Ralph loop's criteria, approved with
    /// [`Tasks::approve_criteria`](crate::api::Tasks::approve_criteria).
    Criteria,
}

impl Awaiting {
    /// The endpoint that approves it: its name is the MCP tool's, its
    /// metadata the command's.
    pub fn endpoint(&self) -> &'static crate::Endpoint {
        use crate::api::Tasks;
        match self {
            Awaiting::Plan => <crate::Client as Tasks>::APPROVE_PLAN,
            Awaiting::Criteria => <crate::Client as Tasks>::APPROVE_CRITERIA,
        }
    }

    /// `plan` or `criteria`.
    pub fn word(&self) -> &'static str {
        match self {
            Awaiting::Plan => "plan",
            Awaiting::Criteria => "criteria",
        }
    }
}

impl Standing {
    /// A job's standing from the job as the API reads it: its status, and
    /// for a completed one its `planOutcome` (`READY` is a plan waiting).
    pub fn of_job(job: &Job) -> Standing {
        match job.status {
            JobStatus::Completed if job.plan_outcome.as_deref() == Some("READY") => {
                Standing::NeedsYou(Awaiting::Plan)
            }
            JobStatus::Failed => Standing::Failed {
                reason: job.error.as_ref().map(reason_of),
            },
            ref status => Standing::of_status(status),
        }
    }

    /// [`of_job`](Self::of_job) for a job the caller knows proposes a
    /// Ralph loop's criteria (the API has no field that says so): once it
    /// completed, the criteria wait for approval.
    pub fn of_criteria_job(job: &Job) -> Standing {
        match Standing::of_job(job) {
            Standing::Completed => Standing::NeedsYou(Awaiting::Criteria),
            other => other,
        }
    }

    /// The standing a bare status says: a list's item, a job summary, a
    /// status event of the log. It cannot say "needs you" (no plan outcome).
    pub fn of_status(status: &JobStatus) -> Standing {
        match status {
            JobStatus::Pending => Standing::Pending,
            JobStatus::InProgress => Standing::Running,
            JobStatus::Completed => Standing::Completed,
            JobStatus::Failed => Standing::Failed { reason: None },
            JobStatus::Cancelled => Standing::Cancelled,
            JobStatus::Unknown(word) => Standing::Unknown(word.clone()),
        }
    }

    /// What a job's log said at its end. The log carries no plan outcome:
    /// a plan waiting reads as completed here.
    pub fn of_end(end: &JobEnd) -> Standing {
        match end {
            JobEnd::Completed => Standing::Completed,
            JobEnd::Cancelled => Standing::Cancelled,
            JobEnd::Failed { reason } => Standing::Failed {
                reason: reason.clone(),
            },
        }
    }

    /// The one word for it, the same in every face: `no-job`, `pending`,
    /// `running`, `needs-you`, `completed`, `failed`, `cancelled` or
    /// `unknown`.
    pub fn word(&self) -> &'static str {
        match self {
            Standing::NoJob => "no-job",
            Standing::Pending => "pending",
            Standing::Running => "running",
            Standing::NeedsYou(_) => "needs-you",
            Standing::Completed => "completed",
            Standing::Failed { .. } => "failed",
            Standing::Cancelled => "cancelled",
            Standing::Unknown(_) => "unknown",
        }
    }

    /// Whether the job has stopped working: ended, or waiting for a person.
    /// A wait ends on it; an unknown status does not end one.
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            Standing::NeedsYou(_)
                | Standing::Completed
                | Standing::Failed { .. }
                | Standing::Cancelled
        )
    }

    /// Whether it is under way: pending or running (a message sent now
    /// cancels it).
    pub fn is_under_way(&self) -> bool {
        matches!(self, Standing::Pending | Standing::Running)
    }

    /// The failure's reason, when it failed with one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Standing::Failed { reason } => reason.as_deref(),
            _ => None,
        }
    }
}

/// The word, then what it carries: `failed: tests failed`,
/// `needs-you: plan`, `unknown: PAUSED`; escaped, so that a server's text
/// cannot drive a terminal.
impl fmt::Display for Standing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())?;
        let detail = match self {
            Standing::NeedsYou(awaiting) => awaiting.word(),
            Standing::Failed {
                reason: Some(reason),
            } => reason,
            Standing::Unknown(word) => word,
            _ => return Ok(()),
        };
        write!(f, ": {}", crate::untrusted::escape_line(detail))
    }
}

/// A job's `error` in words: the text, an object's `message`, or the JSON.
fn reason_of(error: &serde_json::Value) -> String {
    match error {
        serde_json::Value::String(text) => text.clone(),
        other => match other.get("message").and_then(serde_json::Value::as_str) {
            Some(message) => message.to_owned(),
            None => other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(value: serde_json::Value) -> Job {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_ready_plan_needs_you_and_criteria_only_when_known() {
        let plan = job(json!({"id": "j", "status": "COMPLETED", "planOutcome": "READY"}));
        assert_eq!(Standing::of_job(&plan), Standing::NeedsYou(Awaiting::Plan));
        let done = job(json!({"id": "j", "status": "COMPLETED", "finalAnswer": "criteria: ..."}));
        assert_eq!(Standing::of_job(&done), Standing::Completed);
        assert_eq!(
            Standing::of_criteria_job(&done),
            Standing::NeedsYou(Awaiting::Criteria)
        );
        let running = job(json!({"id": "j", "status": "IN_PROGRESS"}));
        assert_eq!(Standing::of_criteria_job(&running), Standing::Running);
    }

    #[test]
    fn a_failure_keeps_its_reason_apart_and_an_unknown_status_its_word() {
        for (error, reason) in [
            (json!("tests failed"), "tests failed"),
            (
                json!({"message": "sandbox lost", "code": 3}),
                "sandbox lost",
            ),
            (json!({"code": 3}), r#"{"code":3}"#),
        ] {
            let failed = job(json!({"id": "j", "status": "FAILED", "error": error}));
            let standing = Standing::of_job(&failed);
            assert_eq!(standing.word(), "failed");
            assert_eq!(standing.reason(), Some(reason));
        }
        let odd = job(json!({"id": "j", "status": "PAUSED\u{1b}[2J"}));
        let standing = Standing::of_job(&odd);
        assert_eq!(standing.word(), "unknown");
        assert!(!standing.is_settled());
        assert!(!standing.to_string().contains('\u{1b}'), "{standing}");
    }

    #[test]
    fn every_word_is_one_of_the_vocabulary() {
        let all = [
            Standing::NoJob,
            Standing::Pending,
            Standing::Running,
            Standing::NeedsYou(Awaiting::Plan),
            Standing::Completed,
            Standing::Failed { reason: None },
            Standing::Cancelled,
            Standing::Unknown("X".into()),
        ];
        let words: Vec<&str> = all.iter().map(Standing::word).collect();
        assert_eq!(
            words,
            [
                "no-job",
                "pending",
                "running",
                "needs-you",
                "completed",
                "failed",
                "cancelled",
                "unknown"
            ]
        );
    }
}
