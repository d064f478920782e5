//! The request and response types of the declared API, by area. Closed
//! sets the server may grow (statuses, codes, intents) are open enums: a
//! value this version does not know is kept, not an error.

mod account;
mod common;
mod scheduled;
mod tasks;

pub use account::{Me, Repository, RepositoryList};
pub use common::{Acknowledgement, FilePart, JobStatus, JobSummary, ReasoningEffort, UserIntent};
pub use scheduled::{
    CreateScheduledTaskRequest, ScheduledTask, ScheduledTaskList, ScheduledTaskResponse,
    UpdateScheduledTaskRequest,
};
pub use tasks::{
    ApproveCriteriaResponse, ApprovePlanResponse, CancelTaskResponse, CreateTaskRequest,
    CreateTaskResponse, GetTaskResponse, Job, JobPage, PullRequest, SendMessageRequest,
    SendMessageResponse, TaskDetail, TaskId, TaskListItem, TaskPage, TaskRef, TeleportArchive,
};
