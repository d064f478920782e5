//! Types shared by several endpoints.

use serde::{Deserialize, Serialize};

use crate::enums::open_enum;

open_enum! {
    /// The state of a job (one run of the agent on a task).
    pub enum JobStatus {
        /// Queued, not started.
        Pending = "PENDING",
        /// Running.
        InProgress = "IN_PROGRESS",
        /// Finished successfully.
        Completed = "COMPLETED",
        /// Finished with an error.
        Failed = "FAILED",
        /// Stopped before finishing.
        Cancelled = "CANCELLED",
    }
    other: Unknown
}

impl JobStatus {
    /// Whether the job will not change state again.
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }
}

open_enum! {
    /// What the agent is asked to do with a message.
    pub enum UserIntent {
        /// Implement directly.
        Swe = "SWE",
        /// Produce a plan.
        Plan = "PLAN",
        /// Questions and answers.
        Ask = "ASK",
        /// Set up the development environment.
        DevEnvironment = "DEV_ENVIRONMENT",
        /// A Ralph loop: the agent proposes criteria, and once they are
        /// approved ([`Tasks::approve_criteria`](crate::api::Tasks::approve_criteria))
        /// works until they are met.
        RalphLoop = "RALPH_LOOP",
    }
    other: Other
}

open_enum! {
    /// How hard the agent thinks.
    pub enum ReasoningEffort {
        /// `low`
        Low = "low",
        /// `medium`
        Medium = "medium",
        /// `high`
        High = "high",
        /// `xhigh`
        XHigh = "xhigh",
        /// `max`
        Max = "max",
        /// `ultra`
        Ultra = "ultra",
    }
    other: Other
}

/// A job's id and status, as returned when a job starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobSummary {
    /// The job's id.
    pub id: String,
    /// Its status when the response was sent.
    pub status: JobStatus,
}

/// A file attached to a message, as a UI message file part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FilePart {
    /// The file name shown to the agent.
    pub filename: String,
    /// Its MIME type, such as `text/plain` or `image/png`.
    pub media_type: String,
    /// Where the content is: a public URL or a `data:` URL.
    pub url: String,
}

impl FilePart {
    /// A file part from its three required fields.
    pub fn new(
        filename: impl Into<String>,
        media_type: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        FilePart {
            filename: filename.into(),
            media_type: media_type.into(),
            url: url.into(),
        }
    }
}

/// The lenient answer of an endpoint whose success body is undocumented:
/// `success` when the server says it, and every other field as sent.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Acknowledgement {
    /// The `success` field, when there is one.
    #[serde(default)]
    pub success: Option<bool>,
    /// The other fields, as sent.
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl Acknowledgement {
    /// Whether the server refused the action in its answer: `"success":
    /// false`, whatever the HTTP status said. The one rule for every
    /// action's answer (approve-plan, approve-criteria, cancel, ...): the
    /// command line exits 1 on it, the MCP server answers `isError`.
    ///
    /// ```
    /// use twill_api::models::Acknowledgement;
    ///
    /// let answer: Acknowledgement =
    ///     serde_json::from_str(r#"{"success": false, "message": "no plan to approve"}"#).unwrap();
    /// assert!(answer.is_refusal());
    /// assert_eq!(answer.message(), Some("no plan to approve"));
    /// let done: Acknowledgement = serde_json::from_str(r#"{"success": true}"#).unwrap();
    /// assert!(!done.is_refusal());
    /// ```
    pub fn is_refusal(&self) -> bool {
        self.success == Some(false)
    }

    /// What the server said besides: its `message`, or an `error` given
    /// as text or as an object with a `message`.
    pub fn message(&self) -> Option<&str> {
        match self.fields.get("message") {
            Some(serde_json::Value::String(message)) => Some(message),
            _ => match self.fields.get("error") {
                Some(serde_json::Value::String(error)) => Some(error),
                Some(error) => error.get("message").and_then(serde_json::Value::as_str),
                None => None,
            },
        }
    }
}
