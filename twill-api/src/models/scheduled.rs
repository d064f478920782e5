//! The bodies and answers of the scheduled-task endpoints.

use serde::{Deserialize, Serialize};

/// A task created on a schedule. Only `id` is certain; the rest follows
/// Twill's cookbook and is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScheduledTask {
    /// Its id.
    pub id: String,
    /// The workspace it belongs to.
    #[serde(default)]
    pub workspace_id: Option<String>,
    /// Who created it.
    #[serde(default)]
    pub created_by_id: Option<String>,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// The message each run starts with.
    #[serde(default)]
    pub message: Option<String>,
    /// When it runs, as a five-field cron expression.
    #[serde(default)]
    pub cron_expression: Option<String>,
    /// The time zone of the cron expression.
    #[serde(default)]
    pub timezone: Option<String>,
    /// The next run (ISO 8601).
    #[serde(default)]
    pub next_run_at: Option<String>,
    /// The last run (ISO 8601).
    #[serde(default)]
    pub last_run_at: Option<String>,
    /// Whether it runs (false when paused).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The agent, as `provider/model`.
    #[serde(default)]
    pub agent_provider_id: Option<String>,
    /// When it was created (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it last changed (ISO 8601).
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// What [`ScheduledTasks::list_scheduled_tasks`](crate::api::ScheduledTasks::list_scheduled_tasks) returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScheduledTaskList {
    /// The scheduled tasks.
    #[serde(default)]
    pub scheduled_tasks: Vec<ScheduledTask>,
}

/// One scheduled task, as the create, get and update endpoints return it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScheduledTaskResponse {
    /// The scheduled task.
    pub scheduled_task: ScheduledTask,
}

/// The body that creates a scheduled task (create_scheduled_task).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateScheduledTaskRequest {
    /// Its title, at most 200 characters.
    pub title: String,
    /// The message each run starts with.
    pub message: String,
    /// When it runs, as a five-field cron expression.
    pub cron_expression: String,
    /// The time zone (the API's default is `UTC`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The agent, as `provider/model`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_provider_id: Option<String>,
}

impl CreateScheduledTaskRequest {
    /// A request with the three required fields.
    pub fn new(
        title: impl Into<String>,
        message: impl Into<String>,
        cron_expression: impl Into<String>,
    ) -> Self {
        CreateScheduledTaskRequest {
            title: title.into(),
            message: message.into(),
            cron_expression: cron_expression.into(),
            timezone: None,
            agent_provider_id: None,
        }
    }

    /// Sets the time zone, such as `Europe/Paris`.
    #[must_use]
    pub fn timezone(mut self, timezone: impl Into<String>) -> Self {
        self.timezone = Some(timezone.into());
        self
    }

    /// Sets the agent, as `provider/model`.
    #[must_use]
    pub fn agent_provider_id(mut self, agent: impl Into<String>) -> Self {
        self.agent_provider_id = Some(agent.into());
        self
    }
}

/// The body that changes a scheduled task (update_scheduled_task): only the fields
/// set are sent.
///
/// ```
/// use twill_api::models::UpdateScheduledTaskRequest;
///
/// let request = UpdateScheduledTaskRequest::new()
///     .cron_expression("0 9 * * 1-5")
///     .clear_agent_provider_id();
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"cronExpression":"0 9 * * 1-5","agentProviderId":null}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateScheduledTaskRequest {
    /// A new title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A new message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A new cron expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron_expression: Option<String>,
    /// A new time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `None`: unchanged; `Some(None)`: cleared (sent as `null`);
    /// `Some(Some(agent))`: set.
    #[cfg_attr(
        feature = "schemars",
        schemars(
            description = "The agent, as provider/model: leave it out to keep the current one, send null to clear it."
        )
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_provider_id: Option<Option<String>>,
}

impl UpdateScheduledTaskRequest {
    /// A request that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a new title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets a new message.
    #[must_use]
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets a new cron expression.
    #[must_use]
    pub fn cron_expression(mut self, cron_expression: impl Into<String>) -> Self {
        self.cron_expression = Some(cron_expression.into());
        self
    }

    /// Sets a new time zone.
    #[must_use]
    pub fn timezone(mut self, timezone: impl Into<String>) -> Self {
        self.timezone = Some(timezone.into());
        self
    }

    /// Sets the agent, as `provider/model`.
    #[must_use]
    pub fn agent_provider_id(mut self, agent: impl Into<String>) -> Self {
        self.agent_provider_id = Some(Some(agent.into()));
        self
    }

    /// Clears the agent: sends `"agentProviderId": null`.
    #[must_use]
    pub fn clear_agent_provider_id(mut self) -> Self {
        self.agent_provider_id = Some(None);
        self
    }
}
