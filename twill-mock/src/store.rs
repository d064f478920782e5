//! The server's state: tasks and their jobs.

use std::collections::HashMap;

use serde_json::{Value, json};

pub(crate) struct Store {
    next_id: u64,
    tasks: Vec<Task>,
    /// Slug and id, to the task's index.
    index: HashMap<String, usize>,
}

pub(crate) struct Task {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) title: String,
    pub(crate) jobs: Vec<Job>,
}

pub(crate) struct Job {
    pub(crate) id: String,
    pub(crate) status: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) input: String,
}

/// A fixed timestamp: the mock has no clock of its own yet, and a fixed one
/// keeps responses reproducible.
const TIMESTAMP: &str = "2026-01-01T00:00:00.000Z";

impl Store {
    pub(crate) fn new() -> Self {
        Store {
            next_id: 1,
            tasks: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn next(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Creates a task with its first job; returns the task's index.
    pub(crate) fn create_task(&mut self, command: &str, title: Option<&str>) -> usize {
        let n = self.next();
        let id = format!("00000000-0000-4000-8000-{n:012x}");
        let slug = format!("task-{n}");
        let title = title.map_or_else(|| summarize(command), str::to_owned);
        let job = self.new_job("INITIAL", command);
        let index = self.tasks.len();
        self.index.insert(id.clone(), index);
        self.index.insert(slug.clone(), index);
        self.tasks.push(Task {
            id,
            slug,
            title,
            jobs: vec![job],
        });
        index
    }

    fn new_job(&mut self, kind: &'static str, input: &str) -> Job {
        let n = self.next();
        Job {
            id: format!("job-{n}"),
            status: "PENDING",
            kind,
            input: input.to_owned(),
        }
    }

    pub(crate) fn find(&self, id_or_slug: &str) -> Option<usize> {
        self.index.get(id_or_slug).copied()
    }

    pub(crate) fn task(&self, index: usize) -> &Task {
        &self.tasks[index]
    }

    /// Cancels the task's job in flight and starts a new one, as the API
    /// does for a message.
    pub(crate) fn send_message(&mut self, index: usize, message: &str) -> &Job {
        let job = self.new_job("FOLLOW_UP", message);
        let task = &mut self.tasks[index];
        for job in &mut task.jobs {
            if matches!(job.status, "PENDING" | "IN_PROGRESS") {
                job.status = "CANCELLED";
            }
        }
        task.jobs.push(job);
        task.jobs.last().expect("a job was just pushed")
    }
}

impl Task {
    pub(crate) fn url(&self) -> String {
        format!("https://twill.ai/tasks/{}", self.slug)
    }

    pub(crate) fn summary(&self) -> Value {
        json!({ "id": self.id, "slug": self.slug, "title": self.title, "url": self.url() })
    }

    pub(crate) fn detail(&self) -> Value {
        json!({
            "id": self.id,
            "slug": self.slug,
            "title": self.title,
            "url": self.url(),
            "createdAt": TIMESTAMP,
            "updatedAt": TIMESTAMP,
            "prs": [],
        })
    }
}

impl Job {
    pub(crate) fn summary(&self) -> Value {
        json!({ "id": self.id, "status": self.status })
    }

    pub(crate) fn detail(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status,
            "type": self.kind,
            "input": self.input,
            "createdAt": TIMESTAMP,
        })
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
