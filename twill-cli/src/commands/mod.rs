//! The commands that call the API: one module per noun, one function per
//! verb (gh's `pkg/cmd/<noun>/<verb>`). Each says which declared endpoint
//! it calls with which arguments, and how the answer reads.

pub mod api;
mod auth;
mod batch;
mod jobs;
mod repos;
mod schedules;
mod tasks;
mod wait;

use twill_api::models::{
    Job, JobSummary, Me, Repository, ScheduledTask, TaskDetail, TaskId, TaskListItem, TaskRef,
};

use crate::cli::{AuthCommand, JobCommand, RemoteCommand, ScheduleCommand, TaskCommand};
use crate::failure::Failure;
use crate::render::Shape;
use crate::session::Session;

/// Runs `command`.
pub async fn run(session: &Session, command: RemoteCommand) -> Result<(), Failure> {
    match command {
        RemoteCommand::Auth(AuthCommand::Status) => auth::status(session).await,
        RemoteCommand::Repos => repos::list(session).await,
        RemoteCommand::Tasks(command) => tasks::run(session, command).await,
        RemoteCommand::Jobs(command) => jobs::run(session, command).await,
        RemoteCommand::Schedules(command) => schedules::run(session, command).await,
        RemoteCommand::Api(args) => {
            api::run(
                session,
                &twill_api::all_endpoints().collect::<Vec<_>>(),
                args,
            )
            .await
        }
    }
}

/// What `command` prints for `--json`, so that `--json=FIELDS` is checked
/// before anything is sent.
pub fn json_shape(command: &RemoteCommand) -> Shape {
    const TASK: &str = "a task";
    const JOB: &str = "a job";
    const SCHEDULE: &str = "a scheduled task";
    match command {
        RemoteCommand::Auth(AuthCommand::Status) => Shape::object::<Me>(None, "the account"),
        RemoteCommand::Repos => Shape::list::<Repository>("repositories", "a repository"),
        RemoteCommand::Tasks(command) => match command {
            TaskCommand::List { .. } => Shape::list::<TaskListItem>("tasks", TASK),
            TaskCommand::Jobs { .. } => Shape::list::<Job>("jobs", JOB),
            TaskCommand::Create(create) if create.batch.from.is_some() => Shape::NotJson,
            TaskCommand::Create(_) => Shape::object::<TaskRef>(Some("task"), TASK),
            TaskCommand::Show { .. } => Shape::object::<TaskDetail>(Some("task"), TASK),
            TaskCommand::Cancel { .. } => Shape::object::<TaskId>(Some("task"), TASK),
            TaskCommand::Send { .. }
            | TaskCommand::Approve { .. }
            | TaskCommand::ApproveCriteria { .. } => Shape::object::<JobSummary>(Some("job"), JOB),
            TaskCommand::Archive { .. } => Shape::Undeclared,
            TaskCommand::Teleport { .. }
            | TaskCommand::Wait { .. }
            | TaskCommand::Follow { .. } => Shape::NotJson,
        },
        RemoteCommand::Jobs(JobCommand::Logs { .. } | JobCommand::Wait { .. }) => Shape::NotJson,
        RemoteCommand::Jobs(JobCommand::Cancel { .. }) => Shape::Undeclared,
        RemoteCommand::Schedules(command) => match command {
            ScheduleCommand::List => Shape::list::<ScheduledTask>("scheduledTasks", SCHEDULE),
            ScheduleCommand::Create { .. }
            | ScheduleCommand::Show { .. }
            | ScheduleCommand::Update(_) => {
                Shape::object::<ScheduledTask>(Some("scheduledTask"), SCHEDULE)
            }
            ScheduleCommand::Delete { .. }
            | ScheduleCommand::Pause { .. }
            | ScheduleCommand::Resume { .. } => Shape::Undeclared,
        },
        RemoteCommand::Api(_) => Shape::Undeclared,
    }
}
