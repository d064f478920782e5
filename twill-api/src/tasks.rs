//! Tasks: create one, read it, send it messages.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::response::{FromResponse, RawResponse};
use crate::types::{Acknowledgement, FilePart, JobStatus, JobSummary, ReasoningEffort, UserIntent};
use crate::{AsClient, Client, Paginated, endpoints, twill_endpoint};

/// The task endpoints. [`Client`] implements this trait; so can your own
/// type through [`AsClient`](crate::AsClient).
///
/// Every method fails with [`Error`]: [`Error::Api`] for the API's own
/// errors (`validation_error` 400, `unauthorized` 401, `not_found` 404,
/// `rate_limited` 429 with `Retry-After`, `internal_error` 500), and the
/// other variants for what is not an API answer.
#[endpoints]
pub trait Tasks {
    /// Creates a task and starts its first job (201).
    ///
    /// `request` needs only a `command`. Fails with 400 (`validation_error`,
    /// with the fields at fault in [`ApiError::validation_issues`](crate::ApiError::validation_issues)),
    /// 401, 429 and 500.
    ///
    /// ```no_run
    /// use twill_api::prelude::*;
    /// use twill_api::{CreateTaskRequest, UserIntent};
    ///
    /// # async fn run(client: twill_api::Client) -> Result<(), twill_api::Error> {
    /// let created = client
    ///     .create_task(&CreateTaskRequest::new("Add a dark mode toggle").user_intent(UserIntent::Plan))
    ///     .await?;
    /// println!("{} started job {}", created.task.url, created.job.id);
    /// # Ok(())
    /// # }
    /// ```
    #[twill_endpoint(POST "/tasks")]
    async fn create_task(
        &self,
        #[body] request: &CreateTaskRequest,
    ) -> Result<CreateTaskResponse, Error>;

    /// A task and its latest job, by id or slug.
    ///
    /// Fails with 401, 404 for an unknown task, 429 and 500.
    #[twill_endpoint(GET "/tasks/<taskIdOrSlug>")]
    async fn get_task(&self, task_id_or_slug: &str) -> Result<GetTaskResponse, Error>;

    /// Sends a follow-up message to a task.
    ///
    /// This cancels the task's job in flight, if any, and starts a new one:
    /// it is not idempotent, so the client retries it only where the server
    /// certainly did not act (429, or no connection). Fails with 400 (an
    /// empty message, an unknown intent), 401, 404 for an unknown task, 429
    /// and 500.
    ///
    /// ```no_run
    /// use twill_api::prelude::*;
    /// use twill_api::{SendMessageRequest, UserIntent};
    ///
    /// # async fn run(client: twill_api::Client) -> Result<(), twill_api::Error> {
    /// let request = SendMessageRequest::new("Use CSS variables for the theme colors")
    ///     .user_intent(UserIntent::Swe);
    /// let response = client.send_message("my-task-slug", &request).await?;
    /// println!("job {} is {}", response.job.id, response.job.status);
    /// # Ok(())
    /// # }
    /// ```
    #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/messages", interrupts)]
    async fn send_message(
        &self,
        task_id_or_slug: &str,
        #[body] request: &SendMessageRequest,
    ) -> Result<SendMessageResponse, Error>;

    /// One page of the workspace's tasks.
    ///
    /// `limit` is 1 to 100 (the API's default is 20); `cursor` is the
    /// previous page's `next_cursor`. To walk every page, use
    /// [`tasks_stream`](Tasks::tasks_stream). Fails with 400 on a bad limit
    /// or cursor.
    #[twill_endpoint(GET "/tasks")]
    async fn list_tasks(
        &self,
        #[query] limit: Option<u32>,
        #[query] cursor: Option<&str>,
    ) -> Result<TaskPage, Error>;

    /// One page of a task's jobs, in chronological order.
    ///
    /// The cursor walks to older jobs.
    ///
    /// `limit` is 1 to 100 (the API's default is 30). To walk every page,
    /// use [`jobs_stream`](Tasks::jobs_stream). Fails with 404 for an
    /// unknown task.
    #[twill_endpoint(GET "/tasks/<taskIdOrSlug>/jobs")]
    async fn list_jobs(
        &self,
        task_id_or_slug: &str,
        #[query] limit: Option<u32>,
        #[query] cursor: Option<&str>,
    ) -> Result<JobPage, Error>;

    /// Approves the plan of a planning job and starts the job that carries
    /// it out.
    ///
    /// The planning job's `plan_outcome` is `READY`. Fails with 400 when
    /// there is no plan to approve.
    ///
    /// In the OpenAPI document; Twill's newest cookbook says it was removed,
    /// in which case the server answers 404.
    #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/approve-plan")]
    async fn approve_plan(&self, task_id_or_slug: &str) -> Result<ApprovePlanResponse, Error>;

    /// Approves the criteria of a Ralph-loop task and starts the job that
    /// loops until they are met.
    ///
    /// The task was created with
    /// [`UserIntent::RalphLoop`](crate::UserIntent::RalphLoop). In Twill's API reference, in no cookbook version. Fails with 400
    /// when there are no criteria to approve, 404 for an unknown task.
    #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/approve-criteria")]
    async fn approve_criteria(
        &self,
        task_id_or_slug: &str,
    ) -> Result<ApproveCriteriaResponse, Error>;

    /// Cancels a task and its job in flight.
    ///
    /// Fails with 404 for an unknown task.
    #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/cancel", destructive)]
    async fn cancel_task(&self, task_id_or_slug: &str) -> Result<CancelTaskResponse, Error>;

    /// Archives a task.
    ///
    /// The response is undocumented: it is decoded leniently into an
    /// [`Acknowledgement`]. Fails with 404 for an unknown task.
    #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/archive", body = {}, destructive)]
    async fn archive_task(&self, task_id_or_slug: &str) -> Result<Acknowledgement, Error>;

    /// The task's Claude Code session files as a tar archive, to continue
    /// the session locally.
    ///
    /// Fails with 400 when the task has no Claude session, 404 for an
    /// unknown task and 409 when its sandbox is gone (Twill's cookbook).
    #[twill_endpoint(GET "/tasks/<taskIdOrSlug>/teleport/claude")]
    async fn teleport_claude(&self, task_id_or_slug: &str) -> Result<TeleportArchive, Error>;

    /// Every task, following [`list_tasks`](Tasks::list_tasks) pages of
    /// `page_size` lazily: a page is fetched when the stream needs it.
    fn tasks_stream(&self, page_size: Option<u32>) -> Paginated<'_, TaskListItem>
    where
        Self: AsClient + Sync,
    {
        Paginated::new(move |cursor| async move {
            let page = self.list_tasks(page_size, cursor.as_deref()).await?;
            Ok((page.tasks, page.next_cursor))
        })
    }

    /// Every job of a task, following [`list_jobs`](Tasks::list_jobs) pages
    /// of `page_size` lazily, newest page first.
    fn jobs_stream<'a>(
        &'a self,
        task_id_or_slug: &'a str,
        page_size: Option<u32>,
    ) -> Paginated<'a, Job>
    where
        Self: AsClient + Sync,
    {
        Paginated::new(move |cursor| async move {
            let page = self
                .list_jobs(task_id_or_slug, page_size, cursor.as_deref())
                .await?;
            Ok((page.jobs, page.next_cursor))
        })
    }
}

impl Tasks for Client {}

/// The body of [`Tasks::create_task`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
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

/// What [`Tasks::create_task`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateTaskResponse {
    /// The new task.
    pub task: TaskRef,
    /// Its first job.
    pub job: JobSummary,
}

/// A task's identity and where to see it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

/// What [`Tasks::get_task`] returns.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetTaskResponse {
    /// The task.
    pub task: TaskDetail,
    /// Its most recent job; `None` before the first one (or when absent).
    #[serde(default)]
    pub latest_job: Option<Job>,
}

/// A task in detail. Fields that older or newer servers leave out are
/// `Option`s or empty.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

/// The body of [`Tasks::send_message`]: a message, and optionally a new
/// intent and attachments. `None` fields are left off the wire.
///
/// ```
/// use twill_api::{FilePart, SendMessageRequest, UserIntent};
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

/// What [`Tasks::send_message`] returns: the job the message started.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SendMessageResponse {
    /// The new job.
    pub job: JobSummary,
}

/// What [`Tasks::list_tasks`] returns.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskPage {
    /// The tasks on this page.
    pub tasks: Vec<TaskListItem>,
    /// The cursor of the next page; `None` on the last.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A task in a list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

/// What [`Tasks::list_jobs`] returns.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobPage {
    /// The jobs on this page, oldest first.
    pub jobs: Vec<Job>,
    /// The cursor of the next (older) page; `None` on the last.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// What [`Tasks::approve_plan`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApprovePlanResponse {
    /// Whether the plan was approved.
    #[serde(default)]
    pub success: bool,
    /// The job that carries out the plan.
    pub job: JobSummary,
}

/// What [`Tasks::approve_criteria`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApproveCriteriaResponse {
    /// Whether the criteria were approved.
    #[serde(default)]
    pub success: bool,
    /// The job that loops until the criteria are met.
    pub job: JobSummary,
}

/// What [`Tasks::cancel_task`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
#[non_exhaustive]
pub struct TaskId {
    /// The task's id.
    pub id: String,
}

/// The tar archive of a task's Claude Code session, from
/// [`Tasks::teleport_claude`], with what its headers say about it.
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
