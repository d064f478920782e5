//! The server's state: tasks, their jobs, scheduled tasks. Job status is
//! derived from the clock (PENDING, then IN_PROGRESS, then COMPLETED after
//! the configured delays) unless the job was cancelled.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::clock::timestamp;
use crate::faults::JobEnd;

/// How long a job stays PENDING, then IN_PROGRESS, before COMPLETED.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    pub(crate) pending: Duration,
    pub(crate) running: Duration,
}

pub(crate) struct Store {
    next_id: u64,
    timing: Timing,
    tasks: Vec<Task>,
    /// Task ids and slugs to the task's index.
    task_index: HashMap<String, usize>,
    /// Job ids to (task index, job index).
    job_index: HashMap<String, (usize, usize)>,
    scheduled: Vec<ScheduledTask>,
}

pub(crate) struct Task {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) title: String,
    pub(crate) created_at: Duration,
    pub(crate) updated_at: Duration,
    pub(crate) cancelled: bool,
    pub(crate) archived: bool,
    pub(crate) jobs: Vec<Job>,
}

pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) kind: &'static str,
    pub(crate) input: String,
    pub(crate) created_at: Duration,
    pub(crate) cancelled_at: Option<Duration>,
    /// What it ends waiting for approval of, if anything.
    pub(crate) gate: Gate,
    /// How it ends when its time is up.
    pub(crate) ends: JobEnd,
    /// Whether its plan or criteria were approved.
    pub(crate) approved: bool,
}

/// What a job's end waits for: a planning job (`userIntent: PLAN`) ends with
/// a plan to approve (`approve-plan`), a Ralph-loop job (`RALPH_LOOP`) with
/// the criteria it will loop against (`approve-criteria`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    Nothing,
    Plan,
    Criteria,
}

impl Gate {
    pub(crate) fn of_intent(intent: Option<&str>) -> Gate {
        match intent {
            Some("PLAN") => Gate::Plan,
            Some("RALPH_LOOP") => Gate::Criteria,
            _ => Gate::Nothing,
        }
    }
}

pub(crate) struct ScheduledTask {
    pub(crate) id: String,
    pub(crate) fields: Map<String, Value>,
    pub(crate) deleted: bool,
}

impl Store {
    pub(crate) fn new(timing: Timing) -> Self {
        Store {
            next_id: 1,
            timing,
            tasks: Vec::new(),
            task_index: HashMap::new(),
            job_index: HashMap::new(),
            scheduled: Vec::new(),
        }
    }

    fn next(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) fn timing(&self) -> Timing {
        self.timing
    }

    /// Creates a task with its first job; returns the task's index.
    pub(crate) fn create_task(
        &mut self,
        now: Duration,
        command: &str,
        title: Option<&str>,
        gate: Gate,
        ends: JobEnd,
    ) -> usize {
        let n = self.next();
        let id = format!("00000000-0000-4000-8000-{n:012x}");
        let slug = format!("task-{n}");
        let index = self.tasks.len();
        self.task_index.insert(id.clone(), index);
        self.task_index.insert(slug.clone(), index);
        self.tasks.push(Task {
            id,
            slug,
            title: title.map_or_else(|| summarize(command), str::to_owned),
            created_at: now,
            updated_at: now,
            cancelled: false,
            archived: false,
            jobs: Vec::new(),
        });
        self.start_job(index, now, "INITIAL", command, gate, ends);
        index
    }

    /// Cancels the task's job in flight and starts a new one.
    pub(crate) fn start_job(
        &mut self,
        task: usize,
        now: Duration,
        kind: &'static str,
        input: &str,
        gate: Gate,
        ends: JobEnd,
    ) -> &Job {
        self.cancel_in_flight(task, now);
        let n = self.next();
        let id = format!("job-{n}");
        let jobs = &mut self.tasks[task].jobs;
        self.job_index.insert(id.clone(), (task, jobs.len()));
        jobs.push(Job {
            id,
            kind,
            input: input.to_owned(),
            created_at: now,
            cancelled_at: None,
            gate,
            ends,
            approved: false,
        });
        self.tasks[task].updated_at = now;
        self.tasks[task].cancelled = false;
        self.tasks[task].jobs.last().expect("a job was just pushed")
    }

    pub(crate) fn cancel_in_flight(&mut self, task: usize, now: Duration) {
        let timing = self.timing;
        for job in &mut self.tasks[task].jobs {
            if !job.status(now, timing).is_finished() {
                job.cancelled_at = Some(now);
            }
        }
    }

    pub(crate) fn find_task(&self, id_or_slug: &str) -> Option<usize> {
        self.task_index.get(id_or_slug).copied()
    }

    pub(crate) fn task(&self, index: usize) -> &Task {
        &self.tasks[index]
    }

    pub(crate) fn task_mut(&mut self, index: usize) -> &mut Task {
        &mut self.tasks[index]
    }

    /// Tasks not archived, newest first.
    pub(crate) fn listed_tasks(&self) -> Vec<&Task> {
        self.tasks
            .iter()
            .rev()
            .filter(|task| !task.archived)
            .collect()
    }

    pub(crate) fn find_job(&self, id: &str) -> Option<(usize, usize)> {
        self.job_index.get(id).copied()
    }

    pub(crate) fn job_mut(&mut self, (task, job): (usize, usize)) -> &mut Job {
        &mut self.tasks[task].jobs[job]
    }

    pub(crate) fn create_scheduled(
        &mut self,
        now: Duration,
        mut fields: Map<String, Value>,
    ) -> &ScheduledTask {
        let n = self.next();
        let id = format!("sched-{n}");
        let stamp = Value::String(timestamp(now));
        fields.insert("id".to_owned(), Value::String(id.clone()));
        fields.insert("workspaceId".to_owned(), json!("ws-mock"));
        fields.insert("createdById".to_owned(), json!("user-mock"));
        fields.entry("timezone").or_insert_with(|| json!("UTC"));
        fields.entry("agentProviderId").or_insert(Value::Null);
        fields.insert("enabled".to_owned(), Value::Bool(true));
        fields.insert("nextRunAt".to_owned(), Value::Null);
        fields.insert("lastRunAt".to_owned(), Value::Null);
        fields.insert("createdAt".to_owned(), stamp.clone());
        fields.insert("updatedAt".to_owned(), stamp);
        self.scheduled.push(ScheduledTask {
            id,
            fields,
            deleted: false,
        });
        self.scheduled.last().expect("just pushed")
    }

    pub(crate) fn scheduled(&self) -> impl Iterator<Item = &ScheduledTask> {
        self.scheduled.iter().filter(|s| !s.deleted)
    }

    pub(crate) fn scheduled_mut(&mut self, id: &str) -> Option<&mut ScheduledTask> {
        self.scheduled.iter_mut().find(|s| !s.deleted && s.id == id)
    }
}

/// A job's status at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Pending,
    InProgress,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::InProgress => "IN_PROGRESS",
            Status::Completed => "COMPLETED",
            Status::Failed => "FAILED",
            Status::Cancelled => "CANCELLED",
        }
    }

    pub(crate) fn is_finished(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

impl Job {
    pub(crate) fn status(&self, now: Duration, timing: Timing) -> Status {
        match self.cancelled_at {
            // Cancelling a finished job changes nothing.
            Some(at) if !self.finished_by(at, timing) => return Status::Cancelled,
            _ => {}
        }
        let elapsed = now.saturating_sub(self.created_at);
        if elapsed < timing.pending {
            Status::Pending
        } else if !self.finished_by(now, timing) {
            Status::InProgress
        } else {
            match self.ends {
                JobEnd::Completed => Status::Completed,
                JobEnd::Failed => Status::Failed,
                JobEnd::Cancelled => Status::Cancelled,
            }
        }
    }

    fn finished_by(&self, at: Duration, timing: Timing) -> bool {
        at.saturating_sub(self.created_at) >= timing.pending + timing.running
    }

    /// Whether it has ended with `gate` waiting for approval.
    pub(crate) fn awaits(&self, gate: Gate, now: Duration, timing: Timing) -> bool {
        self.gate == gate && !self.approved && self.status(now, timing) == Status::Completed
    }

    pub(crate) fn summary(&self, now: Duration, timing: Timing) -> Value {
        json!({ "id": self.id, "status": self.status(now, timing).as_str() })
    }

    pub(crate) fn detail(&self, now: Duration, timing: Timing) -> Value {
        let status = self.status(now, timing);
        let started = self.created_at + timing.pending;
        // A job cancelled while it was pending never started.
        let never_started = status == Status::Cancelled
            && self
                .cancelled_at
                .is_some_and(|cancelled| cancelled < started);
        let mut job = json!({
            "id": self.id,
            "status": status.as_str(),
            "type": self.kind,
            "agentProvider": "claude-code/sonnet",
            "input": self.input,
            "createdAt": timestamp(self.created_at),
            "startedAt": (status != Status::Pending && !never_started).then(|| timestamp(started)),
            "completedAt": null,
        });
        if status.is_finished() {
            let done = self
                .cancelled_at
                .filter(|_| status == Status::Cancelled)
                .unwrap_or(started + timing.running);
            job["completedAt"] = json!(timestamp(done));
        }
        if status == Status::Completed {
            match self.gate {
                Gate::Plan => {
                    job["plan"] = json!(format!("1. Read the code.\n2. {}", self.input));
                    job["planOutcome"] = json!(if self.approved { "APPROVED" } else { "READY" });
                }
                Gate::Criteria => {
                    job["finalAnswer"] = json!(format!(
                        "Criteria to approve: the tests pass and {}",
                        self.input
                    ));
                }
                Gate::Nothing => {
                    job["finalAnswer"] = json!(format!("Done: {}", self.input));
                }
            }
        }
        job
    }
}

impl Task {
    pub(crate) fn url(&self) -> String {
        format!("https://twill.ai/tasks/{}", self.slug)
    }

    pub(crate) fn summary(&self) -> Value {
        json!({ "id": self.id, "slug": self.slug, "title": self.title, "url": self.url() })
    }

    pub(crate) fn list_item(&self, now: Duration, timing: Timing) -> Value {
        json!({
            "id": self.id,
            "slug": self.slug,
            "title": self.title,
            "url": self.url(),
            "createdAt": timestamp(self.created_at),
            "latestJobStatus": self.jobs.last().map(|job| job.status(now, timing).as_str()),
            "prs": [],
        })
    }

    pub(crate) fn detail(&self) -> Value {
        json!({
            "id": self.id,
            "slug": self.slug,
            "title": self.title,
            "url": self.url(),
            "createdAt": timestamp(self.created_at),
            "updatedAt": timestamp(self.updated_at),
            "prs": [],
        })
    }
}

impl ScheduledTask {
    pub(crate) fn json(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

/// A title from a command: its first line, at most 60 characters.
fn summarize(command: &str) -> String {
    let line = command.lines().next().unwrap_or_default().trim();
    let mut title: String = line.chars().take(60).collect();
    if title.len() < line.len() {
        title.push('…');
    }
    title
}
