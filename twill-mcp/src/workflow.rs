//! The tools that wait: `wait_for_job` and `start_task_and_wait`, on
//! `twill-api`'s wait (which reopens dropped streams and never repeats an
//! event).
//!
//! The wait contract, for every client: a call answers within the server's
//! bound (45 s unless set, under the 60 s after which TypeScript-based
//! hosts give up) or the smaller `timeoutSeconds`; a job still under way
//! then comes back with its `state` (`running` or `pending`) and a `resume`
//! value, which the next `wait_for_job` takes to go on without those events
//! again. `state` is the library's word for where the job stands
//! (`twill_api::workflow::Standing`): with the task known, a plan waiting
//! for approval is `needs-you`. With a
//! `progressToken`, a `notifications/progress` goes out on each status
//! change and at least every 10 s. A `notifications/cancelled` stops the
//! wait at once and closes the log stream.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::handler::server::router::tool::ToolRoute;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolResult, ContentBlock, JsonObject, ProgressNotificationParam, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::task_manager::TaskContext;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use twill_api::api::Tasks;
use twill_api::models::{CreateTaskRequest, CreateTaskResponse};
use twill_api::stream::{EventKind, JobLogEvent};
use twill_api::workflow::{FollowPosition, Standing, WaitOutcome};
use twill_api::{Arguments, Client, Error};

use crate::TwillTools;
use crate::catalog::schema_of;
use crate::result::{api_error, cancelled, quoted, refusal, success};
use crate::schema::Side;

/// The longest text of one summarised event.
const SUMMARY_TEXT: usize = 300;

/// The longest final answer or plan a wait returns, so that the whole
/// answer stays within the 64 KiB a model is given of a result.
const LONG_TEXT: usize = 32 * 1024;

/// `text` cut to `limit` bytes on a character boundary, and whether it
/// was.
fn within(text: Option<String>, limit: usize) -> (Option<String>, bool) {
    match text {
        Some(mut text) if text.len() > limit => {
            let mut at = limit;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
            text.push('…');
            (Some(text), true)
        }
        other => (other, false),
    }
}

/// `wait_for_job`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaitForJob {
    /// The job's id, as create_task, send_message and list_jobs return it.
    #[schemars(length(min = 1))]
    pub job_id: String,
    /// Its task's id or slug, to return the task's final answer and url too.
    #[serde(default)]
    pub task_id_or_slug: Option<String>,
    /// How long to wait, in seconds: at most the server's bound (the
    /// tool's description says it), which is also the default. A job
    /// still running then comes back with `resume`.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub timeout_seconds: Option<u64>,
    /// The `resume` of an earlier wait that timed out, to go on without its
    /// events again.
    #[serde(default)]
    pub resume: Option<String>,
}

/// `start_task_and_wait`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartTaskAndWait {
    /// The task to create: create_task's body, such as {"command": "..."}.
    #[schemars(schema_with = "create_task_schema")]
    pub task: Value,
    /// How long to wait, in seconds: at most the server's bound (the
    /// tool's description says it), which is also the default. A job
    /// still running then comes back with `resume`, for wait_for_job.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub timeout_seconds: Option<u64>,
}

fn create_task_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::Schema::try_from(schema_of::<CreateTaskRequest>()).unwrap_or_default()
}

/// What a wait answers (both workflow tools): its `structuredContent`,
/// described by the tools' output schema.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitAnswer {
    /// The job waited for.
    pub job_id: String,
    /// Where the job stands: completed, failed, cancelled, needs-you (its
    /// plan, or a Ralph loop's criteria, waits for approval: known only
    /// with the task), or pending or running when the bound came first
    /// (then `resume` is set), or unknown.
    pub state: String,
    /// Why it failed, when it failed with a reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// With state needs-you: the tool that approves it (approve_plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approve_with: Option<String>,
    /// How many events this wait saw.
    pub events: u64,
    /// The latest events: each as it arrived, or its text cut short.
    pub latest_events: Vec<Value>,
    /// On timeout: pass it to wait_for_job to go on from here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
    /// The task's page, to show the user (when the task is known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_url: Option<String>,
    /// The job's final answer, once it has one (cut to 32 KiB: see
    /// `truncated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_answer: Option<String>,
    /// The job's plan, for a planning job (cut to 32 KiB: see `truncated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// True when finalAnswer or plan was cut to keep the answer within
    /// 64 KiB: get_task returns them whole.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// Why the task (taskIdOrSlug) could not be read, when it could not:
    /// the wait itself is still answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_error: Option<String>,
    /// start_task_and_wait: the task it created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<CreatedTask>,
}

/// The task start_task_and_wait created.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CreatedTask {
    /// Its id.
    pub id: String,
    /// Its slug.
    pub slug: String,
    /// Its page, to show the user.
    pub url: String,
}

/// The routes of the workflow tools.
pub fn routes<S: Send + Sync + 'static>(tools: &Arc<TwillTools>) -> Vec<ToolRoute<S>> {
    let bound = tools.options.wait_bound.as_secs();
    let wait = Tool::new(
        "wait_for_job",
        format!(
            "Waits until a job ends, or until the timeout (at most {bound} seconds) passes, by \
             following its log. Returns its state (completed, failed, cancelled; needs-you when \
             its plan waits for approval, which only taskIdOrSlug lets it see; running or \
             pending when the timeout came first), the latest events, and with taskIdOrSlug \
             the task's final answer and plan. While the job goes on, call wait_for_job again \
             with the returned resume value."
        ),
        input_schema::<WaitForJob>(),
    )
    .with_raw_output_schema(output_schema::<WaitAnswer>())
    .with_title("Wait for a job")
    .annotate(ToolAnnotations::new().read_only(true));
    let start = Tool::new(
        "start_task_and_wait",
        format!(
            "Creates a task and waits until its first job ends, or until the timeout (at most \
             {bound} seconds) passes. Returns the task (with its url to show the user), the \
             state and the final answer (needs-you with the plan to approve); when the timeout \
             came first, the jobId and resume value to pass to \
             wait_for_job. Never call it twice for one task: each call creates a new task."
        ),
        input_schema::<StartTaskAndWait>(),
    )
    .with_raw_output_schema(output_schema::<WaitAnswer>())
    .with_title("Start a task and wait for it")
    .annotate(creates());
    vec![
        route(
            tools,
            wait,
            |tools, input: WaitForJob, context| async move {
                tools.wait_for_job(input, &Reporter::Request(context)).await
            },
        ),
        route(
            tools,
            start,
            |tools, input: StartTaskAndWait, context| async move {
                tools
                    .start_task_and_wait(input, &Reporter::Request(context))
                    .await
            },
        ),
    ]
}

/// The workflow tools a client that declares the tasks extension may run
/// as a task (SEP-2663): a `tools/call` answered at once with the task,
/// which `tasks/get` then reports on, and `tasks/cancel` stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workflow {
    /// `wait_for_job`.
    WaitForJob,
    /// `start_task_and_wait`.
    StartTaskAndWait,
}

impl Workflow {
    /// The workflow tool named `name`, if it is one.
    pub fn named(name: &str) -> Option<Workflow> {
        match name {
            "wait_for_job" => Some(Workflow::WaitForJob),
            "start_task_and_wait" => Some(Workflow::StartTaskAndWait),
            _ => None,
        }
    }

    /// Runs the tool with `arguments` as the task `task`: its bound the
    /// task's (an hour unless `timeoutSeconds` says less), its progress the
    /// task's status message.
    pub async fn run_as_task(
        self,
        tools: Arc<TwillTools>,
        arguments: JsonObject,
        task: TaskContext,
    ) -> CallToolResult {
        let reporter = Reporter::Task(task);
        let input = Value::Object(arguments);
        match self {
            Workflow::WaitForJob => match serde_json::from_value(input) {
                Ok(input) => tools.wait_for_job(input, &reporter).await,
                Err(error) => refusal(format!("invalid arguments: {error}")),
            },
            Workflow::StartTaskAndWait => match serde_json::from_value(input) {
                Ok(input) => tools.start_task_and_wait(input, &reporter).await,
                Err(error) => refusal(format!("invalid arguments: {error}")),
            },
        }
    }
}

/// Where a wait reports as it goes, and so how long it may last.
pub(crate) enum Reporter {
    /// A `tools/call` answered when the wait ends: progress notifications,
    /// and the bound every client tolerates.
    Request(RequestContext<RoleServer>),
    /// A task: its status message, and the task's longer bound.
    Task(TaskContext),
}

/// The annotations of a tool that creates tasks: it writes, undoes
/// nothing, and twice is twice.
pub(crate) fn creates() -> ToolAnnotations {
    // Not read-only, not idempotent, open-world: the protocol's defaults.
    ToolAnnotations::new().destructive(false)
}

pub(crate) fn input_schema<T: JsonSchema>() -> Arc<JsonObject> {
    object_of(crate::schema::standard(schema_of::<T>(), Side::Input))
}

/// The output schema of a workflow tool's answer `T`, in the outputs' lean
/// form.
pub(crate) fn output_schema<T: JsonSchema>() -> Arc<JsonObject> {
    object_of(crate::schema::standard(schema_of::<T>(), Side::Output))
}

fn object_of(schema: Value) -> Arc<JsonObject> {
    match schema {
        Value::Object(object) => Arc::new(object),
        _ => Arc::new(JsonObject::new()),
    }
}

/// A route whose input decodes into `I` (an unknown or mistyped argument
/// is refused, naming it) and whose work stops when the client cancels.
pub(crate) fn route<S, I, F, Fut>(tools: &Arc<TwillTools>, tool: Tool, work: F) -> ToolRoute<S>
where
    S: Send + Sync + 'static,
    I: DeserializeOwned + Send + 'static,
    F: Fn(Arc<TwillTools>, I, RequestContext<RoleServer>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = CallToolResult> + Send + 'static,
{
    let tools = Arc::clone(tools);
    let work = Arc::new(work);
    let (name, schema) = (tool.name.clone(), Arc::clone(&tool.input_schema));
    ToolRoute::new_dyn(tool, move |context: ToolCallContext<'_, S>| {
        let tools = Arc::clone(&tools);
        let work = Arc::clone(&work);
        let (name, schema) = (name.clone(), Arc::clone(&schema));
        Box::pin(async move {
            let arguments = context.arguments.unwrap_or_default();
            if let Err(problem) = check_arguments(&name, &schema, &arguments) {
                return Ok(refusal(problem).into());
            }
            let input = Value::Object(arguments);
            let input: I = match serde_json::from_value(input) {
                Ok(input) => input,
                Err(error) => return Ok(refusal(format!("invalid arguments: {error}")).into()),
            };
            let stop = context.request_context.ct.clone();
            let result = tokio::select! {
                result = work(tools, input, context.request_context) => result,
                () = stop.cancelled() => cancelled(),
            };
            Ok(result.into())
        })
    })
}

/// The model's arguments against the tool's input schema, each problem
/// named in the words a model reads (serde's would say `u64`): an
/// argument it does not take, a value of the wrong JSON type, a number
/// under its minimum.
fn check_arguments(tool: &str, schema: &JsonObject, arguments: &JsonObject) -> Result<(), String> {
    let properties = schema.get("properties").and_then(Value::as_object);
    let takes = || {
        let names: Vec<&str> = properties
            .map(|properties| properties.keys().map(String::as_str).collect())
            .unwrap_or_default();
        format!("{tool} takes {}", names.join(", "))
    };
    for (name, value) in arguments {
        let Some(property) = properties.and_then(|properties| properties.get(name)) else {
            return Err(format!("no argument `{name}`; {}", takes()));
        };
        let kinds: Vec<&str> = match property.get("type") {
            Some(Value::String(kind)) => vec![kind.as_str()],
            Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        let fits = kinds.iter().any(|kind| match *kind {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            _ => true,
        });
        let wanted = kinds
            .iter()
            .find(|kind| **kind != "null")
            .unwrap_or(&"value");
        if !fits {
            let wanted = if *wanted == "integer" {
                "whole number"
            } else {
                wanted
            };
            return Err(format!("`{name}` must be a JSON {wanted}"));
        }
        if let (Some(minimum), Some(number)) = (
            property.get("minimum").and_then(Value::as_f64),
            value.as_f64(),
        ) && number < minimum
        {
            return Err(format!("`{name}` must be at least {minimum}"));
        }
    }
    Ok(())
}

impl TwillTools {
    /// The wait's bound: `timeoutSeconds` when given, never over the
    /// server's bound for a call, or for a task.
    fn bound(&self, timeout_seconds: Option<u64>, reporter: &Reporter) -> Duration {
        let bound = match reporter {
            Reporter::Request(_) => self.options.wait_bound,
            Reporter::Task(_) => self.options.task_wait_bound,
        };
        timeout_seconds.map_or(bound, |seconds| Duration::from_secs(seconds).min(bound))
    }

    async fn wait_for_job(&self, input: WaitForJob, reporter: &Reporter) -> CallToolResult {
        let resume = match input.resume.as_deref().map(str::parse::<FollowPosition>) {
            None => None,
            Some(Ok(position)) => Some(position),
            Some(Err(error)) => return refusal(format!("`resume`: {error}")),
        };
        let budget = self.budget(input.timeout_seconds, reporter);
        let task = input.task_id_or_slug.as_deref();
        match self
            .wait(&budget, &input.job_id, task, resume, reporter, false)
            .await
        {
            Ok(answer) => answered(&answer),
            Err(error @ Error::InvalidInput(_)) => {
                refusal(format!("`jobId` {}: {error}", quoted(&input.job_id)))
            }
            Err(error) => api_error(&error),
        }
    }

    async fn start_task_and_wait(
        &self,
        input: StartTaskAndWait,
        reporter: &Reporter,
    ) -> CallToolResult {
        // One budget for the create, the wait and the reads: a Retry-After
        // past it is not waited out (nothing was created then).
        let budget = self.budget(input.timeout_seconds, reporter);
        // A Ralph loop this call started: its criteria wait once the job
        // completes (the API has no field that says so).
        let criteria = input.task["userIntent"] == "RALPH_LOOP";
        let created = match self.create_task(&budget, input.task).await {
            Ok(created) => created,
            Err(refused) => return refused,
        };
        let task = CreatedTask {
            id: created.task.id.clone(),
            slug: created.task.slug.clone(),
            url: created.task.url.clone(),
        };
        let job = &created.job.id;
        match self
            .wait(
                &budget,
                job,
                Some(&created.task.id),
                None,
                reporter,
                criteria,
            )
            .await
        {
            Ok(mut answer) => {
                answer.task_url.get_or_insert_with(|| task.url.clone());
                answer.task = Some(task);
                answered(&answer)
            }
            // The task exists: say so where the model reads, so that it
            // waits again rather than creating it twice.
            Err(error) => {
                let mut failed = api_error(&error);
                let text = format!(
                    "the task was created ({}, {}; job {job}) but waiting for it failed: {error}. \
                     Do not create it again: call wait_for_job with jobId {job:?}.",
                    created.task.slug, created.task.url
                );
                failed.content = vec![ContentBlock::text(text)];
                let detail = failed
                    .meta
                    .as_mut()
                    .and_then(|meta| meta.0.get_mut(crate::result::ERROR_META));
                if let Some(Value::Object(detail)) = detail {
                    detail.insert("task".to_owned(), json!(task));
                    detail.insert("jobId".to_owned(), json!(job));
                }
                failed
            }
        }
    }

    /// Creates the task `request` describes, sent as given (the API's
    /// validation names any field at fault); the tool's result when that
    /// fails.
    async fn create_task(
        &self,
        client: &Client,
        request: Value,
    ) -> Result<CreateTaskResponse, CallToolResult> {
        let body = send_create(client, request)
            .await
            .map_err(|error| api_error(&error))?;
        serde_json::from_slice(&body).map_err(|error| {
            refusal(format!(
                "the task may have been created, but its answer cannot be read ({error}); \
                 call list_tasks before creating it again"
            ))
        })
    }

    /// The client a wait's requests go through: this server's, with the
    /// wait's deadline (`timeoutSeconds`, never over the bound).
    fn budget(&self, timeout_seconds: Option<u64>, reporter: &Reporter) -> Client {
        let bound = self.bound(timeout_seconds, reporter);
        self.client
            .with_deadline(tokio::time::Instant::now() + bound)
    }

    /// Waits with the library's wait until `budget`'s deadline, reporting
    /// progress when the request asked for it: the outcome, a `resume`
    /// position when the job goes on, the latest events, and when `task` is
    /// given and the job ended, the task's final answer (read by the
    /// deadline and the library's grace). At the deadline the task is not
    /// read: the answer is what the wait saw, never a later status beside
    /// "timeout".
    async fn wait(
        &self,
        budget: &Client,
        job: &str,
        task: Option<&str>,
        resume: Option<FollowPosition>,
        reporter: &Reporter,
        criteria: bool,
    ) -> Result<WaitAnswer, Error> {
        let progress = Progress::new(reporter, job);
        let (seen, changed) = (Arc::clone(&progress.seen), Arc::clone(&progress.changed));
        let as_task = match reporter {
            Reporter::Task(context) => Some(context.clone()),
            Reporter::Request(_) => None,
        };
        // The client's deadline bounds it; the timeout here adds none.
        let waiting = budget.wait_for_job_observed(job, Duration::MAX, resume, |event| {
            let Ok(mut seen) = seen.lock() else { return };
            if seen.observe(event) {
                changed.notify_one();
                if let Some(context) = &as_task {
                    context.set_status_message(seen.message(job));
                }
            }
        });
        let wait = progress
            .report_while(waiting, self.options.progress_every)
            .await?;
        let ended = matches!(wait.outcome, WaitOutcome::Ended(_));
        let mut answer = WaitAnswer {
            job_id: job.to_owned(),
            state: String::new(),
            reason: None,
            approve_with: None,
            events: wait.events,
            latest_events: wait.latest.iter().map(summary).collect(),
            resume: (!ended).then(|| wait.position.to_string()),
            task_url: None,
            final_answer: None,
            plan: None,
            truncated: false,
            task_error: None,
            task: None,
        };
        let mut standing = wait.standing;
        // Once the job ended, the task says more than its log: a plan
        // waiting, the answer. At the deadline it is not read: the answer
        // is what the wait saw, never a later word beside it.
        if let (Some(task), true) = (task, ended) {
            let grace = budget
                .deadline()
                .map(|deadline| deadline + twill_api::workflow::FINAL_READ_GRACE);
            let reading =
                grace.map_or_else(|| self.client.clone(), |at| self.client.with_deadline(at));
            match reading.report_job(task, job, standing.clone()).await {
                Ok(report) => {
                    standing = report.standing;
                    answer.task_url = Some(report.task_url);
                    match (&report.job, criteria) {
                        (Some(shown), true) => standing = Standing::of_criteria_job(shown),
                        (None, _) => {
                            answer.task_error = Some(format!(
                                "{job} is not the task's latest job: its state is its log's, \
                                 and the task's answer is another job's (get_task shows it)"
                            ));
                        }
                        (Some(_), false) => {}
                    }
                    if let Some(shown) = report.job {
                        let (final_answer, cut_answer) = within(shown.final_answer, LONG_TEXT);
                        let (plan, cut_plan) = within(shown.plan, LONG_TEXT);
                        (answer.final_answer, answer.plan) = (final_answer, plan);
                        answer.truncated = cut_answer || cut_plan;
                    }
                }
                Err(error) => answer.task_error = Some(error.to_string()),
            }
        }
        answer.state = standing.word().to_owned();
        answer.reason = standing.reason().map(str::to_owned);
        if let Standing::NeedsYou(awaiting) = &standing {
            answer.approve_with = Some(awaiting.endpoint().name().to_owned());
        }
        Ok(answer)
    }
}

/// Sends a create-task body as given (the API's validation names any
/// field at fault) through `client`: the answer's bytes. Shared by the
/// tools that create.
pub(crate) async fn send_create(client: &Client, body: Value) -> Result<Vec<u8>, Error> {
    let arguments = Arguments::new().body(body);
    let response = client
        .call(<Client as Tasks>::CREATE_TASK, &arguments)
        .await?;
    Ok(response.bytes().await?.to_vec())
}

/// A wait's answer as the tool's result.
fn answered(answer: &WaitAnswer) -> CallToolResult {
    success(serde_json::to_value(answer).unwrap_or_default())
}

/// What a wait has seen, for its progress notifications.
#[derive(Debug, Default)]
struct Seen {
    events: u64,
    status: Option<String>,
    /// Whether the status changed since the last notification.
    changed: bool,
}

impl Seen {
    /// What the wait has seen, in a few words.
    fn message(&self, job: &str) -> String {
        let status = self
            .status
            .as_deref()
            .map_or_else(|| "waiting".to_owned(), str::to_lowercase);
        format!("job {job}: {status} ({} events)", self.events)
    }

    /// Counts `event`; whether it changed the status.
    fn observe(&mut self, event: &JobLogEvent) -> bool {
        // The stream's own markers are no progress of the job's.
        if matches!(
            event.kind(),
            EventKind::Connected | EventKind::HistoricalComplete
        ) {
            return false;
        }
        self.events += 1;
        let status = match event.kind() {
            EventKind::Complete { status } => Some(status.to_string()),
            _ => event.reported_status().map(str::to_owned),
        };
        if let Some(status) = status
            && self.status.as_deref() != Some(status.as_str())
        {
            self.status = Some(status);
            self.changed = true;
            return true;
        }
        false
    }
}

/// The progress notifications of one wait: none unless the request carried
/// a `progressToken`.
struct Progress {
    /// Where notifications go: none for a task, or a request without a
    /// progress token.
    to: Option<(rmcp::model::ProgressToken, rmcp::service::Peer<RoleServer>)>,
    job: String,
    seen: Arc<Mutex<Seen>>,
    /// Woken by the observer on a status change.
    changed: Arc<tokio::sync::Notify>,
}

impl Progress {
    fn new(reporter: &Reporter, job: &str) -> Self {
        let to = match reporter {
            Reporter::Request(context) => context
                .meta
                .get_progress_token()
                .map(|token| (token, context.peer.clone())),
            Reporter::Task(_) => None,
        };
        Progress {
            to,
            job: job.to_owned(),
            seen: Arc::default(),
            changed: Arc::default(),
        }
    }

    /// Runs `waiting` to its end, notifying on each status change (the
    /// last one too, before the answer) and at least every `every`.
    async fn report_while<T>(&self, waiting: impl Future<Output = T>, every: Duration) -> T {
        if self.to.is_none() {
            return waiting.await;
        }
        tokio::pin!(waiting);
        let mut sent = 0u32;
        loop {
            let quiet = tokio::time::sleep(every);
            tokio::select! {
                done = &mut waiting => {
                    if self.take_change().is_some() {
                        self.notify(&mut sent).await;
                    }
                    return done;
                }
                () = self.changed.notified() => {
                    if self.take_change().is_some() {
                        self.notify(&mut sent).await;
                    }
                }
                () = quiet => self.notify(&mut sent).await,
            }
        }
    }

    /// Whether the status changed since the last notification (and so
    /// that it is reported now).
    fn take_change(&self) -> Option<()> {
        let mut seen = self.seen.lock().ok()?;
        std::mem::take(&mut seen.changed).then_some(())
    }

    /// Sends one notification of what the wait has seen.
    async fn notify(&self, sent: &mut u32) {
        let Some((token, peer)) = &self.to else {
            return;
        };
        let Ok(message) = self.seen.lock().map(|seen| seen.message(&self.job)) else {
            return;
        };
        *sent += 1;
        let note =
            ProgressNotificationParam::new(token.clone(), f64::from(*sent)).with_message(message);
        // A client that left is noticed by the transport, not here.
        let _ = peer.notify_progress(note).await;
    }
}

/// One event in a few words, for a wait's summary: the agent's text as
/// text, a small event as the object it arrived as, a large one cut, as
/// text.
fn summary(event: &JobLogEvent) -> Value {
    let text = match event.kind() {
        EventKind::TraceChunks => event
            .json()
            .get("chunks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|chunk| chunk.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        _ => {
            let text = event.json().to_string();
            if text.len() <= SUMMARY_TEXT {
                return event.json().clone();
            }
            text
        }
    };
    Value::String(cut(text))
}

/// `text` cut to at most [`SUMMARY_TEXT`] bytes, on a character boundary.
fn cut(mut text: String) -> String {
    if text.len() > SUMMARY_TEXT {
        let mut at = SUMMARY_TEXT;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        text.push('…');
    }
    text
}
