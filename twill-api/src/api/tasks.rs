//! Tasks: create one, read it, send it messages.

use crate::error::Error;
use crate::models::{
    Acknowledgement, ApproveCriteriaResponse, ApprovePlanResponse, CancelTaskResponse,
    CreateTaskRequest, CreateTaskResponse, GetTaskResponse, Job, JobPage, SendMessageRequest,
    SendMessageResponse, TaskListItem, TaskPage, TeleportArchive,
};
use crate::stream::Paginated;
use crate::{AsClient, Client, endpoints, twill_endpoint};

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
    /// with the fields at fault in [`ApiError::validation_issues`](crate::error::ApiError::validation_issues)),
    /// 401, 429 and 500.
    ///
    /// ```no_run
    /// use twill_api::prelude::*;
    /// use twill_api::models::{CreateTaskRequest, UserIntent};
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
    /// use twill_api::models::{SendMessageRequest, UserIntent};
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
    /// [`UserIntent::RalphLoop`](crate::models::UserIntent::RalphLoop). In Twill's API reference, in no cookbook version. Fails with 400
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
