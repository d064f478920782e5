//! `start_tasks`: many tasks from one call, so that an agent can fan out
//! (one task per repository, per failing test) without a call per task
//! racing into the rate limit: the creates go a few at a time, paced by
//! the client's limit, and the answer lists what was created and what was
//! not.

use std::sync::Arc;

use futures_util::StreamExt;
use rmcp::handler::server::router::tool::ToolRoute;
use rmcp::model::{CallToolResult, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use twill_api::models::{CreateTaskRequest, CreateTaskResponse};

use crate::TwillTools;
use crate::result::{refusal, success};
use crate::workflow::{creates, input_schema, output_schema, route};

/// The most tasks one call creates.
const MAX_TASKS: usize = 100;
/// The most creates in flight at once.
const PARALLEL: usize = 4;

/// `start_tasks`' arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartTasks {
    /// The prompts, one task each (1 to 100).
    #[schemars(length(min = 1, max = 100))]
    pub prompts: Vec<String>,
    /// Fields every task gets, as in create_task's body (userIntent, agent,
    /// reasoningEffort, parentId); a prompt is its command.
    #[serde(default)]
    pub defaults: Option<serde_json::Map<String, Value>>,
}

/// What `start_tasks` answers.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StartedTasks {
    /// The tasks created, by the index of their prompt (from 0).
    pub created: Vec<Started>,
    /// The prompts that were not: why, and whether the task may exist all
    /// the same (then look for it with list_tasks before trying again).
    pub failed: Vec<NotStarted>,
}

/// A task created.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Started {
    /// The index of its prompt.
    pub index: usize,
    /// The task: id, slug and url (to show the user).
    pub task: Value,
    /// Its first job: id and status (for wait_for_job).
    pub job: Value,
}

/// A prompt whose task was not created.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotStarted {
    /// The index of its prompt.
    pub index: usize,
    /// Why.
    pub error: String,
    /// Whether the task may exist all the same.
    pub may_have_acted: bool,
}

/// The route of `start_tasks`.
pub fn route_of<S: Send + Sync + 'static>(tools: &Arc<TwillTools>) -> ToolRoute<S> {
    let tool = Tool::new(
        "start_tasks",
        "Creates one task per prompt (up to 100), a few at a time and paced under Twill's rate \
         limit, and answers at once with the tasks created (each with its url to show the user \
         and its first job's id for wait_for_job) and the prompts that failed. Do not call it \
         again for prompts that were created; for a failed one with mayHaveActed true, look \
         for its task with list_tasks first.",
        input_schema::<StartTasks>(),
    )
    .with_raw_output_schema(output_schema::<StartedTasks>())
    .with_title("Start many tasks")
    .annotate(creates());
    route(tools, tool, |tools, input: StartTasks, _| async move {
        tools.start_tasks(input).await
    })
}

impl TwillTools {
    async fn start_tasks(&self, input: StartTasks) -> CallToolResult {
        let defaults = input.defaults.unwrap_or_default();
        let mut requests = Vec::new();
        for prompt in input.prompts.into_iter().take(MAX_TASKS) {
            let mut body = defaults.clone();
            body.insert("command".to_owned(), json!(prompt));
            // The request type decodes it: a field it does not know is
            // refused by name, before anything is sent.
            match serde_json::from_value::<CreateTaskRequest>(Value::Object(body)) {
                Ok(request) => requests.push(request),
                Err(error) => return refusal(format!("`defaults`: {error}")),
            }
        }
        // The library's create-many: four in flight, sent again only where
        // the server certainly did not act.
        let mut outcomes: Vec<(usize, Result<CreateTaskResponse, twill_api::Error>)> = self
            .client
            .create_tasks(requests, PARALLEL, |_| Ok(()))
            .collect()
            .await;
        outcomes.sort_by_key(|(index, _)| *index);
        let (mut created, mut failed) = (Vec::new(), Vec::new());
        for (index, outcome) in outcomes {
            match outcome {
                Ok(answer) => created.push(Started {
                    index,
                    task: serde_json::to_value(&answer.task).unwrap_or_default(),
                    job: serde_json::to_value(&answer.job).unwrap_or_default(),
                }),
                Err(error) => failed.push(NotStarted {
                    index,
                    error: error.to_string(),
                    may_have_acted: error.may_have_acted(),
                }),
            }
        }
        let answer = StartedTasks { created, failed };
        success(serde_json::to_value(&answer).unwrap_or_default())
    }
}
