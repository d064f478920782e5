//! Scheduled tasks: tasks created on a cron schedule.

use crate::error::Error;
use crate::models::{
    Acknowledgement, CreateScheduledTaskRequest, ScheduledTaskList, ScheduledTaskResponse,
    UpdateScheduledTaskRequest,
};
use crate::{Client, endpoints, twill_endpoint};

/// The scheduled-task endpoints. [`Client`] implements this trait.
///
/// Twill's cookbook documents these (scheduled tasks need a paid plan: 403
/// otherwise); response bodies other than delete's are undocumented and
/// decoded leniently.
#[endpoints]
pub trait ScheduledTasks {
    /// Every scheduled task of the workspace.
    ///
    /// Undocumented response, read as `{scheduledTasks: [...]}`; a missing
    /// list reads as empty.
    #[twill_endpoint(GET "/scheduled-tasks")]
    async fn list_scheduled_tasks(&self) -> Result<ScheduledTaskList, Error>;

    /// Creates a scheduled task.
    ///
    /// Fails with 400 on an invalid cron expression or a title over 200
    /// characters, and 403 without a paid plan.
    #[twill_endpoint(POST "/scheduled-tasks")]
    async fn create_scheduled_task(
        &self,
        #[body] request: &CreateScheduledTaskRequest,
    ) -> Result<ScheduledTaskResponse, Error>;

    /// One scheduled task.
    ///
    /// Fails with 404 for an unknown id.
    #[twill_endpoint(GET "/scheduled-tasks/<scheduledTaskId>")]
    async fn get_scheduled_task(
        &self,
        scheduled_task_id: &str,
    ) -> Result<ScheduledTaskResponse, Error>;

    /// Updates the fields of a scheduled task that the body sets, and only
    /// those; sending the same update twice changes nothing more.
    ///
    /// [`UpdateScheduledTaskRequest::clear_agent_provider_id`] sends `null`
    /// to clear the agent. Fails with 400 or 404.
    #[twill_endpoint(PATCH "/scheduled-tasks/<scheduledTaskId>", idempotent)]
    async fn update_scheduled_task(
        &self,
        scheduled_task_id: &str,
        #[body] request: &UpdateScheduledTaskRequest,
    ) -> Result<ScheduledTaskResponse, Error>;

    /// Deletes a scheduled task.
    ///
    /// The API answers `{success: true}`. Fails with 404.
    #[twill_endpoint(DELETE "/scheduled-tasks/<scheduledTaskId>")]
    async fn delete_scheduled_task(
        &self,
        scheduled_task_id: &str,
    ) -> Result<Acknowledgement, Error>;

    /// Stops the schedule until resumed (pausing a paused one changes
    /// nothing).
    ///
    /// Undocumented response, decoded leniently.
    #[twill_endpoint(POST "/scheduled-tasks/<scheduledTaskId>/pause", body = {}, idempotent)]
    async fn pause_scheduled_task(&self, scheduled_task_id: &str)
    -> Result<Acknowledgement, Error>;

    /// Restarts a paused schedule (resuming a running one changes nothing).
    ///
    /// Undocumented response, decoded leniently.
    #[twill_endpoint(POST "/scheduled-tasks/<scheduledTaskId>/resume", body = {}, idempotent)]
    async fn resume_scheduled_task(
        &self,
        scheduled_task_id: &str,
    ) -> Result<Acknowledgement, Error>;
}

impl ScheduledTasks for Client {}
