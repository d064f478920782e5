//! The bodies and answers of the task endpoints.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{FilePart, JobStatus, JobSummary, ReasoningEffort, UserIntent};
use crate::error::Error;
use crate::response::{FromResponse, RawResponse};

/// The body that creates a task (create_task). It reads from JSON too
/// (a batch's line), refusing a field it does not know by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CreateTaskRequest {
    /// What the agent should do.
    pub command: String,
    /// The agent, as `provider/model` (such as `claude-code/sonnet`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The intent (the API defaults to `SWE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_intent: Option<UserIntent>,
    /// How hard the agent thinks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Spawns the task from an existing one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// A title (the API makes one up otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Files attached to the first message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<FilePart>>,
}

impl CreateTaskRequest {
    /// A request with the required `command` and nothing else.
    pub fn new(command: impl Into<String>) -> Self {
        CreateTaskRequest {
            command: command.into(),
            agent: None,
            user_intent: None,
            reasoning_effort: None,
            parent_id: None,
            title: None,
            files: None,
        }
    }

    /// Sets the agent, as `provider/model`.
    #[must_use]
    pub fn agent(mut self, agent: impl Into<String>) -> Self {
        self.agent = Some(agent.into());
        self
    }

    /// Sets the intent.
    #[must_use]
    pub fn user_intent(mut self, intent: UserIntent) -> Self {
        self.user_intent = Some(intent);
        self
    }

    /// Sets the reasoning effort.
    #[must_use]
    pub fn reasoning_effort(mut self, effort: ReasoningEffort) -> Self {
        self.reasoning_effort = Some(effort);
        self
    }

    /// Spawns the task from the task `parent_id`.
    #[must_use]
    pub fn parent_id(mut self, parent_id: impl Into<String>) -> Self {
        self.parent_id = Some(parent_id.into());
        self
    }

    /// Sets the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Attaches a file.
    #[must_use]
    pub fn file(mut self, file: FilePart) -> Self {
        self.files.get_or_insert_with(Vec::new).push(file);
        self
    }
}

/// What [`Tasks::create_task`](crate::api::Tasks::create_task) returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateTaskResponse {
    /// The new task.
    pub task: TaskRef,
    /// Its first job.
    pub job: JobSummary,
}

/// A task's identity and where to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskRef {
    /// The task's id (a UUID).
    pub id: String,
    /// Its slug, usable wherever an id is.
    pub slug: String,
    /// Its title, once it has one.
    #[serde(default)]
    pub title: Option<String>,
    /// Its page in the Twill app.
    pub url: String,
}

/// What [`Tasks::get_task`](crate::api::Tasks::get_task) returns.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetTaskResponse {
    /// The task.
    pub task: TaskDetail,
    /// Its most recent job; `None` before the first one (or when absent).
    #[cfg_attr(
        feature = "schemars",
        schemars(description = "Its most recent job; null before the first one.")
    )]
    #[serde(default)]
    pub latest_job: Option<Job>,
}

/// A task in detail. Fields that older or newer servers leave out are
/// `Option`s or empty.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskDetail {
    /// The task's id.
    pub id: String,
    /// Its slug.
    pub slug: String,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Its page in the Twill app.
    pub url: String,
    /// When it was created (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it last changed (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Its pull requests (newer servers).
    #[serde(default)]
    pub prs: Vec<PullRequest>,
    /// The repository URL (older servers).
    #[serde(default)]
    pub repository_url: Option<String>,
    /// The base branch (older servers).
    #[serde(default)]
    pub base_branch: Option<String>,
    /// The branch the agent works on (older servers).
    #[serde(default)]
    pub feature_branch: Option<String>,
}

/// A pull request opened for a task.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PullRequest {
    /// `owner/repo`.
    #[serde(default)]
    pub repo_full_name: Option<String>,
    /// The pull request number.
    #[serde(default)]
    pub pr_number: Option<u64>,
    /// Its URL.
    #[serde(default)]
    pub pr_url: Option<String>,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// `open`, `merged` or `closed`.
    #[serde(default)]
    pub state: Option<String>,
}

/// One run of the agent on a task. Only `id` and `status` are always there.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Job {
    /// The job's id.
    pub id: String,
    /// Its status.
    pub status: JobStatus,
    /// What kind of run it is, as sent (`type` on the wire).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The agent that ran it.
    #[serde(default)]
    pub agent_provider: Option<String>,
    /// Its input, as sent.
    #[serde(default)]
    pub input: Option<serde_json::Value>,
    /// The agent's final answer.
    #[serde(default)]
    pub final_answer: Option<String>,
    /// The plan, for planning runs.
    #[serde(default)]
    pub plan: Option<String>,
    /// `READY` when a plan can be approved.
    #[serde(default)]
    pub plan_outcome: Option<String>,
    /// What went wrong, as sent.
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    /// When it was created (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it started (ISO 8601).
    #[serde(default)]
    pub started_at: Option<String>,
    /// When it finished (ISO 8601).
    #[serde(default)]
    pub completed_at: Option<String>,
}

/// The body of a message to a task (send_message): a message, and optionally a new
/// intent and attachments. `None` fields are left off the wire.
///
/// ```
/// use twill_api::models::{FilePart, SendMessageRequest, UserIntent};
///
/// let request = SendMessageRequest::new("Use CSS variables for the theme colors")
///     .user_intent(UserIntent::Swe)
///     .file(FilePart::new("notes.txt", "text/plain", "data:text/plain;base64,aGk="));
/// assert_eq!(request.files.as_ref().map(Vec::len), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SendMessageRequest {
    /// The follow-up message or instructions.
    pub message: String,
    /// Replaces the task's intent before the next run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_intent: Option<UserIntent>,
    /// File attachments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<FilePart>>,
    /// How hard the agent thinks (Twill's cookbook; not in the OpenAPI
    /// document).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Another model of the same harness (Twill's cookbook; another harness
    /// is refused with 400).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

impl SendMessageRequest {
    /// A request with the required `message` and nothing else.
    pub fn new(message: impl Into<String>) -> Self {
        SendMessageRequest {
            message: message.into(),
            user_intent: None,
            files: None,
            reasoning_effort: None,
            agent: None,
        }
    }

    /// Replaces the task's intent before the next run.
    #[must_use]
    pub fn user_intent(mut self, intent: UserIntent) -> Self {
        self.user_intent = Some(intent);
        self
    }

    /// Attaches a file.
    #[must_use]
    pub fn file(mut self, file: FilePart) -> Self {
        self.files.get_or_insert_with(Vec::new).push(file);
        self
    }

    /// Sets the reasoning effort.
    #[must_use]
    pub fn reasoning_effort(mut self, effort: ReasoningEffort) -> Self {
        self.reasoning_effort = Some(effort);
        self
    }

    /// Switches to another model of the same harness, as `provider/model`.
    #[must_use]
    pub fn agent(mut self, agent: impl Into<String>) -> Self {
        self.agent = Some(agent.into());
        self
    }
}

/// What [`Tasks::send_message`](crate::api::Tasks::send_message) returns: the job the message started.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SendMessageResponse {
    /// The new job.
    pub job: JobSummary,
}

/// What [`Tasks::list_tasks`](crate::api::Tasks::list_tasks) returns.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskPage {
    /// The tasks on this page.
    pub tasks: Vec<TaskListItem>,
    /// The cursor of the next page; `None` on the last.
    #[cfg_attr(
        feature = "schemars",
        schemars(description = "The cursor of the next page; null on the last.")
    )]
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A task in a list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskListItem {
    /// The task's id.
    pub id: String,
    /// Its slug.
    pub slug: String,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Its page in the Twill app.
    pub url: String,
    /// When it was created (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// The status of its latest job, if it has one.
    #[serde(default)]
    pub latest_job_status: Option<JobStatus>,
    /// Its pull requests (newer servers; older ones send a single `pr`).
    #[serde(default)]
    pub prs: Vec<PullRequest>,
}

/// What [`Tasks::list_jobs`](crate::api::Tasks::list_jobs) returns.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobPage {
    /// The jobs on this page, oldest first.
    pub jobs: Vec<Job>,
    /// The cursor of the next (older) page; `None` on the last.
    #[cfg_attr(
        feature = "schemars",
        schemars(description = "The cursor of the next (older) page; null on the last.")
    )]
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// What [`Tasks::approve_plan`](crate::api::Tasks::approve_plan) returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApprovePlanResponse {
    /// Whether the plan was approved.
    #[serde(default)]
    pub success: bool,
    /// The job that carries out the plan.
    pub job: JobSummary,
}

/// What [`Tasks::approve_criteria`](crate::api::Tasks::approve_criteria) returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApproveCriteriaResponse {
    /// Whether the criteria were approved.
    #[serde(default)]
    pub success: bool,
    /// The job that loops until the criteria are met.
    pub job: JobSummary,
}

/// What [`Tasks::cancel_task`](crate::api::Tasks::cancel_task) returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CancelTaskResponse {
    /// Whether the task was cancelled.
    #[serde(default)]
    pub success: bool,
    /// The cancelled task.
    pub task: TaskId,
}

/// A task named by its id alone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct TaskId {
    /// The task's id.
    pub id: String,
}

/// The tar archive of a task's Claude Code session, from
/// [`Tasks::teleport_claude`](crate::api::Tasks::teleport_claude), with what its headers say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TeleportArchive {
    /// The tar archive, as sent.
    pub tar: Bytes,
    /// `X-Twill-Session-Id`: the Claude session.
    pub session_id: Option<String>,
    /// `X-Twill-Job-Id`: the job the session belongs to.
    pub job_id: Option<String>,
    /// `X-Twill-File-Count`: how many files the archive holds.
    pub file_count: Option<u64>,
}

impl FromResponse for TeleportArchive {
    const ACCEPT: &'static str = "application/x-tar, application/octet-stream";

    async fn from_response(response: RawResponse) -> Result<Self, Error> {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let session_id = header("x-twill-session-id");
        let job_id = header("x-twill-job-id");
        let file_count = header("x-twill-file-count").and_then(|count| count.trim().parse().ok());
        let tar = response.bytes().await?;
        Ok(TeleportArchive {
            tar,
            session_id,
            job_id,
            file_count,
        })
    }
}
