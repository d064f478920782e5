//! `twill schedules`: scheduled tasks.

use twill_api::api::ScheduledTasks;
use twill_api::models::{
    CreateScheduledTaskRequest, ScheduledTask, ScheduledTaskList, ScheduledTaskResponse,
    UpdateScheduledTaskRequest,
};
use twill_api::{Arguments, Client, Endpoint};

use crate::cli::{ScheduleCommand, ScheduleUpdate};
use crate::failure::Failure;
use crate::render::{Form, Table, cell, one};
use crate::session::{Session, decode, to_json};

pub async fn run(session: &Session, command: ScheduleCommand) -> Result<(), Failure> {
    match command {
        ScheduleCommand::List => list(session).await,
        ScheduleCommand::Create {
            title,
            message,
            cron,
            timezone,
            agent,
        } => {
            let mut request = CreateScheduledTaskRequest::new(title, message, cron);
            request.timezone = timezone;
            request.agent_provider_id = agent;
            let endpoint = <Client as ScheduledTasks>::CREATE_SCHEDULED_TASK;
            let raw = session
                .call(endpoint, Arguments::new().body(to_json(&request)?))
                .await?;
            show_schedule(session, &raw)
        }
        ScheduleCommand::Show { id } => {
            let endpoint = <Client as ScheduledTasks>::GET_SCHEDULED_TASK;
            show_schedule(session, &session.call(endpoint, by_id(&id)).await?)
        }
        ScheduleCommand::Update(fields) => update(session, fields).await,
        ScheduleCommand::Delete { id } => {
            let endpoint = <Client as ScheduledTasks>::DELETE_SCHEDULED_TASK;
            act(session, endpoint, &id, "deleted").await
        }
        ScheduleCommand::Pause { id } => {
            let endpoint = <Client as ScheduledTasks>::PAUSE_SCHEDULED_TASK;
            act(session, endpoint, &id, "paused").await
        }
        ScheduleCommand::Resume { id } => {
            let endpoint = <Client as ScheduledTasks>::RESUME_SCHEDULED_TASK;
            act(session, endpoint, &id, "resumed").await
        }
    }
}

fn by_id(id: &str) -> Arguments {
    Arguments::new().arg("scheduledTaskId", id)
}

async fn list(session: &Session) -> Result<(), Failure> {
    let endpoint = <Client as ScheduledTasks>::LIST_SCHEDULED_TASKS;
    let raw = session.call(endpoint, Arguments::new()).await?;
    if session.output.form == Form::Jsonl {
        return session.lines_of(&decode(&raw)?, "scheduledTasks");
    }
    session.show::<ScheduledTaskList>(&raw, |list| {
        let rows: Vec<Vec<String>> = list.scheduled_tasks.into_iter().map(row).collect();
        Table::new(&["SCHEDULE", "ENABLED", "CRON", "TIMEZONE", "TITLE"])
            .print(&session.output, &rows)
    })
}

/// Sends the fields given, and only those (clap requires one at least).
async fn update(session: &Session, update: ScheduleUpdate) -> Result<(), Failure> {
    let ScheduleUpdate {
        id,
        title,
        message,
        cron,
        timezone,
        agent,
        clear_agent,
    } = update;
    let mut request = UpdateScheduledTaskRequest::new();
    request.title = title;
    request.message = message;
    request.cron_expression = cron;
    request.timezone = timezone;
    if let Some(agent) = agent {
        request = request.agent_provider_id(agent);
    }
    if clear_agent {
        request = request.clear_agent_provider_id();
    }
    let endpoint = <Client as ScheduledTasks>::UPDATE_SCHEDULED_TASK;
    let raw = session
        .call(endpoint, by_id(&id).body(to_json(&request)?))
        .await?;
    show_schedule(session, &raw)
}

/// Deletes, pauses or resumes: undocumented answers, reported as said.
async fn act(
    session: &Session,
    endpoint: &'static Endpoint,
    id: &str,
    done: &str,
) -> Result<(), Failure> {
    let raw = session.call(endpoint, by_id(id)).await?;
    session.acknowledged(&raw, &format!("{done} {id}"))
}

fn show_schedule(session: &Session, raw: &[u8]) -> Result<(), Failure> {
    session.show::<ScheduledTaskResponse>(raw, |shown| {
        let schedule = shown.scheduled_task;
        let out = &session.output;
        out.line(&format!("{}  {}", one(&schedule.id), cell(schedule.title)))?;
        out.line(&format!(
            "cron     {} ({})",
            cell(schedule.cron_expression),
            cell(schedule.timezone)
        ))?;
        out.line(&format!("enabled  {}", cell(schedule.enabled)))?;
        out.line(&format!("agent    {}", cell(schedule.agent_provider_id)))?;
        out.line(&format!("message  {}", cell(schedule.message)))
    })
}

fn row(schedule: ScheduledTask) -> Vec<String> {
    vec![
        schedule.id,
        cell(schedule.enabled),
        cell(schedule.cron_expression),
        cell(schedule.timezone),
        cell(schedule.title),
    ]
}
