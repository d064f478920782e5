//! What each command does: which declared endpoint it calls with which
//! arguments, and how the answer is shown.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;
use twill_api::models::{
    CreateScheduledTaskRequest, CreateTaskRequest, GetTaskResponse, JobPage, Me, ReasoningEffort,
    RepositoryList, ScheduledTask, ScheduledTaskList, ScheduledTaskResponse, SendMessageRequest,
    TaskPage, TeleportArchive, UpdateScheduledTaskRequest, UserIntent,
};
use twill_api::prelude::*;
use twill_api::untrusted::escape_line;
use twill_api::{Arguments, Client, Endpoint, FromResponse, all_endpoints};

use crate::cli::{AuthCommand, Command, JobCommand, MessageOptions, ScheduleCommand, TaskCommand};
use crate::failure::Failure;
use crate::files::file_part;
use crate::follow::{Ended, follow};
use crate::output::{Form, Output, cell};
use crate::{api, teleport};

/// What every command works with.
pub struct Session {
    pub client: Client,
    pub output: Output,
    pub verbose: bool,
    /// The key as it may be shown: a prefix and an ellipsis.
    pub masked_key: String,
    /// `--yes`: destructive commands go ahead without asking.
    pub yes: bool,
}

/// A success body as received.
type Raw = Vec<u8>;

impl Session {
    pub async fn run(&self, command: Command) -> Result<(), Failure> {
        match command {
            Command::Auth(AuthCommand::Status) => self.auth_status().await,
            Command::Repos => self.repos().await,
            Command::Tasks(command) => self.tasks(command).await,
            Command::Jobs(JobCommand::Logs { job }) => self.follow(&job).await,
            Command::Jobs(JobCommand::Cancel { job }) => {
                let raw = self
                    .call(
                        <Client as Jobs>::CANCEL_JOB,
                        Arguments::new().arg("jobId", &job),
                    )
                    .await?;
                self.done(&raw, &format!("cancelled job {job}"))
            }
            Command::Schedules(command) => self.schedules(command).await,
            Command::Api(args) => api::run(self, &all_endpoints().collect::<Vec<_>>(), args).await,
            Command::Completions { .. } | Command::Man | Command::Mock(_) | Command::Mcp { .. } => {
                Ok(())
            }
        }
    }

    /// Calls `endpoint` and returns its body as received; one declared
    /// destructive is confirmed first.
    pub async fn call(
        &self,
        endpoint: &'static Endpoint,
        arguments: Arguments,
    ) -> Result<Raw, Failure> {
        if endpoint.is_destructive() {
            self.confirm(endpoint, &arguments)?;
        }
        let response = self.send(endpoint, &arguments).await?;
        let body = response
            .bytes()
            .await
            .map_err(|error| Failure::api(endpoint, error))?;
        Ok(body.to_vec())
    }

    /// Asks before a destructive call (gh's rule): on a terminal, a `y`;
    /// with no terminal to ask on, `--yes`, or a usage error naming it.
    fn confirm(&self, endpoint: &'static Endpoint, arguments: &Arguments) -> Result<(), Failure> {
        use std::io::{BufRead, IsTerminal, Write};
        if self.yes {
            return Ok(());
        }
        // The request as it will go, placeholders filled: what is undone.
        let target = format!("{} {}", endpoint.method(), arguments.path_for(endpoint));
        let target = escape_line(&target);
        let what = endpoint.summary().trim_end_matches('.').to_lowercase();
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return Err(Failure::Usage(format!(
                "{target} ({what}) cannot be undone: pass --yes to confirm"
            )));
        }
        eprint!("twill: {target} ({what}) cannot be undone. Go ahead? [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if matches!(answer.trim(), "y" | "Y" | "yes") {
            Ok(())
        } else {
            Err(Failure::Usage("not confirmed; nothing was sent".to_owned()))
        }
    }

    /// Sends a call, saying which with `--verbose`.
    pub async fn send(
        &self,
        endpoint: &'static Endpoint,
        arguments: &Arguments,
    ) -> Result<twill_api::RawResponse, Failure> {
        if self.verbose {
            eprintln!("twill: {endpoint} ({})", endpoint.name());
        }
        self.client
            .call(endpoint, arguments)
            .await
            .map_err(|error| Failure::api(endpoint, error))
    }

    /// Prints `raw` as the chosen form wants: as received, or decoded and
    /// rendered by `human`.
    fn show<T: DeserializeOwned>(&self, raw: &[u8], human: impl FnOnce(T)) -> Result<(), Failure> {
        match self.output.form {
            Form::Human => human(decode(raw)?),
            _ => self.print(raw, || {})?,
        }
        Ok(())
    }

    /// Prints `raw` in a JSON form, or runs `human`, for an answer the
    /// caller has decoded already.
    fn print(&self, raw: &[u8], human: impl FnOnce()) -> Result<(), Failure> {
        match self.output.form {
            Form::Json => self.output.json(raw),
            Form::Jsonl => self.output.json_line(&decode::<Value>(raw)?),
            Form::Human => human(),
        }
        Ok(())
    }

    /// For actions: the JSON in the JSON forms, `message` otherwise.
    fn done(&self, raw: &[u8], message: &str) -> Result<(), Failure> {
        self.print(raw, || self.output.line(message))
    }

    async fn auth_status(&self) -> Result<(), Failure> {
        let raw = self.call(<Client as Account>::ME, Arguments::new()).await?;
        self.show::<Me>(&raw, |me| {
            let out = &self.output;
            out.line(&format!(
                "workspace  {} ({})",
                cell(me.workspace_name),
                cell(me.workspace_slug)
            ));
            out.line(&format!("user       {}", cell(me.user_id)));
            out.line(&format!(
                "key        {} (id {})",
                self.masked_key,
                cell(me.api_key_id)
            ));
            out.line(&format!("api        {}", self.client.base_url()));
        })
    }

    async fn repos(&self) -> Result<(), Failure> {
        let raw = self
            .call(<Client as Account>::LIST_REPOSITORIES, Arguments::new())
            .await?;
        if self.output.form == Form::Jsonl {
            return self.lines_of(&decode(&raw)?, "repositories");
        }
        self.show::<RepositoryList>(&raw, |list| {
            let rows = list
                .repositories
                .into_iter()
                .map(|repo| {
                    vec![
                        repo.full_name,
                        cell(repo.default_branch),
                        cell(repo.description),
                    ]
                })
                .collect::<Vec<_>>();
            self.output
                .table(&["REPOSITORY", "BRANCH", "DESCRIPTION"], &rows);
        })
    }

    /// `--jsonl` for a list: each item of `field`, a line each.
    fn lines_of(&self, page: &Value, field: &str) -> Result<(), Failure> {
        for item in page
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.output.json_line(item);
        }
        Ok(())
    }

    async fn tasks(&self, command: TaskCommand) -> Result<(), Failure> {
        match command {
            TaskCommand::List { limit, all } => {
                let mut widths = None;
                self.pages(
                    <Client as Tasks>::LIST_TASKS,
                    Arguments::new(),
                    limit,
                    all,
                    "tasks",
                    |page: TaskPage| {
                        let rows = page
                            .tasks
                            .into_iter()
                            .map(|task| {
                                vec![
                                    task.slug,
                                    cell(task.latest_job_status),
                                    cell(task.title),
                                    task.url,
                                ]
                            })
                            .collect::<Vec<_>>();
                        self.rows(&mut widths, &["TASK", "STATUS", "TITLE", "URL"], &rows);
                    },
                )
                .await
            }
            TaskCommand::Create {
                command,
                options,
                title,
                parent,
                follow,
            } => {
                let mut request = CreateTaskRequest::new(command);
                if let Some(title) = title {
                    request = request.title(title);
                }
                if let Some(parent) = parent {
                    request = request.parent_id(parent);
                }
                let MessageParts {
                    intent,
                    agent,
                    effort,
                    files,
                } = message_parts(options)?;
                request.user_intent = intent;
                request.agent = agent;
                request.reasoning_effort = effort;
                request.files = files;
                let raw = self
                    .call(
                        <Client as Tasks>::CREATE_TASK,
                        Arguments::new().body(to_json(&request)?),
                    )
                    .await?;
                let created: twill_api::models::CreateTaskResponse = decode(&raw)?;
                self.print(&raw, || {
                    self.output.line(&format!(
                        "created {}: {}",
                        created.task.slug, created.task.url
                    ));
                    self.output
                        .line(&format!("job {} {}", created.job.id, created.job.status));
                })?;
                self.then_follow(follow.follow, &created.job.id).await
            }
            TaskCommand::Show { task } => {
                let raw = self
                    .call(
                        <Client as Tasks>::GET_TASK,
                        Arguments::new().arg("taskIdOrSlug", &task),
                    )
                    .await?;
                self.show::<GetTaskResponse>(&raw, |shown| self.task_summary(shown))
            }
            TaskCommand::Send {
                task,
                message,
                options,
                follow,
            } => {
                let mut request = SendMessageRequest::new(message);
                let parts = message_parts(options)?;
                request.user_intent = parts.intent;
                request.agent = parts.agent;
                request.reasoning_effort = parts.effort;
                request.files = parts.files;
                let arguments = Arguments::new()
                    .arg("taskIdOrSlug", &task)
                    .body(to_json(&request)?);
                let raw = self
                    .call(<Client as Tasks>::SEND_MESSAGE, arguments)
                    .await?;
                let sent: twill_api::models::SendMessageResponse = decode(&raw)?;
                self.print(&raw, || {
                    self.output.line(&format!(
                        "job {} {} on {task}",
                        sent.job.id, sent.job.status
                    ));
                })?;
                self.then_follow(follow.follow, &sent.job.id).await
            }
            TaskCommand::Jobs { task, all } => {
                let mut widths = None;
                let arguments = Arguments::new().arg("taskIdOrSlug", &task);
                self.pages(
                    <Client as Tasks>::LIST_JOBS,
                    arguments,
                    None,
                    all,
                    "jobs",
                    |page: JobPage| {
                        let rows = page
                            .jobs
                            .into_iter()
                            .map(|job| {
                                vec![
                                    job.id,
                                    job.status.to_string(),
                                    cell(job.kind),
                                    cell(job.created_at),
                                ]
                            })
                            .collect::<Vec<_>>();
                        self.rows(&mut widths, &["JOB", "STATUS", "TYPE", "CREATED"], &rows);
                    },
                )
                .await
            }
            TaskCommand::Approve { task, follow } => {
                self.approve(
                    <Client as Tasks>::APPROVE_PLAN,
                    "plan",
                    &task,
                    follow.follow,
                )
                .await
            }
            TaskCommand::ApproveCriteria { task, follow } => {
                self.approve(
                    <Client as Tasks>::APPROVE_CRITERIA,
                    "criteria",
                    &task,
                    follow.follow,
                )
                .await
            }
            TaskCommand::Cancel { task } => {
                let raw = self
                    .call(
                        <Client as Tasks>::CANCEL_TASK,
                        Arguments::new().arg("taskIdOrSlug", &task),
                    )
                    .await?;
                self.done(&raw, &format!("cancelled the job in flight of {task}"))
            }
            TaskCommand::Archive { task } => {
                let raw = self
                    .call(
                        <Client as Tasks>::ARCHIVE_TASK,
                        Arguments::new().arg("taskIdOrSlug", &task),
                    )
                    .await?;
                self.done(&raw, &format!("archived {task}"))
            }
            TaskCommand::Teleport {
                task,
                output,
                extract,
            } => {
                self.teleport(&task, output.as_deref(), extract.as_deref())
                    .await
            }
        }
    }

    /// Approves what a task's job ended waiting for (`what`: its plan, a
    /// Ralph loop's criteria) through `endpoint`, whose answer is
    /// `{success, job}`, and follows the job it starts if asked.
    async fn approve(
        &self,
        endpoint: &'static Endpoint,
        what: &str,
        task: &str,
        follow: bool,
    ) -> Result<(), Failure> {
        #[derive(serde::Deserialize)]
        struct Approved {
            job: twill_api::models::JobSummary,
        }
        let raw = self
            .call(endpoint, Arguments::new().arg("taskIdOrSlug", task))
            .await?;
        let approved: Approved = decode(&raw)?;
        self.print(&raw, || {
            self.output.line(&format!(
                "{what} approved; job {} {}",
                approved.job.id, approved.job.status
            ));
        })?;
        self.then_follow(follow, &approved.job.id).await
    }

    fn task_summary(&self, shown: GetTaskResponse) {
        let out = &self.output;
        let task = shown.task;
        out.line(&format!("{}  {}", task.slug, cell(task.title)));
        out.line(&format!("url      {}", task.url));
        out.line(&format!("id       {}", task.id));
        for pr in task.prs {
            out.line(&format!("pr       {} {}", cell(pr.pr_url), cell(pr.state)));
        }
        match shown.latest_job {
            None => out.line("job      none"),
            Some(job) => {
                out.line(&format!("job      {} {}", job.id, job.status));
                if let Some(plan) = job.plan {
                    out.line("plan:");
                    plan.lines().for_each(|line| out.line(&format!("  {line}")));
                }
                if let Some(answer) = job.final_answer {
                    out.line("answer:");
                    answer
                        .lines()
                        .for_each(|line| out.line(&format!("  {line}")));
                }
            }
        }
    }

    /// Prints rows, the header only before the first page; later pages
    /// keep the first page's widths, so `--all` is one table without
    /// holding it.
    fn rows(&self, widths: &mut Option<Vec<usize>>, names: &[&str], rows: &[Vec<String>]) {
        match widths {
            Some(widths) => self.output.rows(widths, rows),
            None => *widths = Some(self.output.table(names, rows)),
        }
    }

    /// One page, or with `all` every page, printed as each arrives: only
    /// one page is held at a time, and the library's walker guards against
    /// a server that sends the walk in a loop.
    async fn pages<T: DeserializeOwned>(
        &self,
        endpoint: &'static Endpoint,
        mut arguments: Arguments,
        limit: Option<u32>,
        all: bool,
        field: &'static str,
        mut human: impl FnMut(T),
    ) -> Result<(), Failure> {
        if let Some(limit) = limit {
            arguments = arguments.arg("limit", limit.to_string());
        }
        if self.verbose {
            eprintln!("twill: {endpoint} ({})", endpoint.name());
        }
        let mut pages = self.client.walk_pages(endpoint, arguments, field);
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| Failure::api(endpoint, error))?;
            let more = page.next_cursor.is_some();
            match self.output.form {
                Form::Json => self.output.json(&page.content.body),
                Form::Jsonl => self.lines_of(&page.content.json, field)?,
                Form::Human => {
                    human(serde_json::from_value(page.content.json).map_err(|error| {
                        Failure::Local(format!("cannot read the answer: {error}"))
                    })?)
                }
            }
            if more && !all {
                if self.output.form == Form::Human {
                    eprintln!("twill: more on the next page; --all prints every page");
                }
                return Ok(());
            }
        }
        Ok(())
    }

    async fn then_follow(&self, follow: bool, job: &str) -> Result<(), Failure> {
        if follow {
            self.follow(job).await
        } else {
            Ok(())
        }
    }

    async fn follow(&self, job: &str) -> Result<(), Failure> {
        if self.verbose {
            let endpoint = <Client as Jobs>::STREAM_JOB_LOGS;
            eprintln!("twill: {endpoint} ({})", endpoint.name());
        }
        match follow(&self.client, job, self.output, self.verbose).await? {
            Ended::Completed => Ok(()),
            Ended::Cancelled => Err(Failure::JobCancelled(format!("job {job} was cancelled"))),
            Ended::Failed(None) => Err(Failure::JobFailed(format!("job {job} failed"))),
            Ended::Failed(Some(why)) => Err(Failure::JobFailed(format!("job {job} failed: {why}"))),
        }
    }

    async fn teleport(
        &self,
        task: &str,
        output: Option<&Path>,
        extract: Option<&Path>,
    ) -> Result<(), Failure> {
        let endpoint = <Client as Tasks>::TELEPORT_CLAUDE;
        let response = self
            .send(endpoint, &Arguments::new().arg("taskIdOrSlug", task))
            .await?;
        let archive = TeleportArchive::from_response(response)
            .await
            .map_err(|error| Failure::api(endpoint, error))?;
        let session = cell(archive.session_id.as_deref());
        let job = cell(archive.job_id.as_deref());
        if output == Some(Path::new("-")) {
            // The archive owns standard output; the summary goes to stderr.
            crate::output::write_binary("a tar archive", &archive.tar)?;
            eprintln!(
                "twill: session {}, job {}: wrote {} bytes to standard output",
                escape_line(&session),
                twill_api::untrusted::escape_line(&job),
                archive.tar.len()
            );
        } else if let Some(path) = output {
            teleport::write_atomically(path, &archive.tar)
                .map_err(|why| Failure::Local(format!("cannot write {}: {why}", path.display())))?;
            self.output.line(&format!(
                "session {session}, job {job}: wrote {} ({} bytes)",
                path.display(),
                archive.tar.len()
            ));
        }
        if let Some(dir) = extract {
            let written = teleport::extract(&archive.tar, dir)
                .map_err(|error| Failure::Local(error.to_string()))?;
            self.output.line(&format!(
                "session {session}, job {job}: {} files in {}",
                written.len(),
                dir.display()
            ));
            for file in written {
                self.output.line(&format!("  {}", file.display()));
            }
        }
        Ok(())
    }

    async fn schedules(&self, command: ScheduleCommand) -> Result<(), Failure> {
        let id_argument = |id: &str| Arguments::new().arg("scheduledTaskId", id);
        match command {
            ScheduleCommand::List => {
                let raw = self
                    .call(
                        <Client as ScheduledTasks>::LIST_SCHEDULED_TASKS,
                        Arguments::new(),
                    )
                    .await?;
                if self.output.form == Form::Jsonl {
                    return self.lines_of(&decode(&raw)?, "scheduledTasks");
                }
                self.show::<ScheduledTaskList>(&raw, |list| {
                    let rows = list
                        .scheduled_tasks
                        .into_iter()
                        .map(schedule_row)
                        .collect::<Vec<_>>();
                    self.output
                        .table(&["SCHEDULE", "ENABLED", "CRON", "TIMEZONE", "TITLE"], &rows);
                })
            }
            ScheduleCommand::Create {
                title,
                message,
                cron,
                timezone,
                agent,
            } => {
                let mut request = CreateScheduledTaskRequest::new(title, message, cron);
                if let Some(timezone) = timezone {
                    request = request.timezone(timezone);
                }
                if let Some(agent) = agent {
                    request = request.agent_provider_id(agent);
                }
                let raw = self
                    .call(
                        <Client as ScheduledTasks>::CREATE_SCHEDULED_TASK,
                        Arguments::new().body(to_json(&request)?),
                    )
                    .await?;
                self.show_schedule(&raw)
            }
            ScheduleCommand::Show { id } => {
                let raw = self
                    .call(
                        <Client as ScheduledTasks>::GET_SCHEDULED_TASK,
                        id_argument(&id),
                    )
                    .await?;
                self.show_schedule(&raw)
            }
            ScheduleCommand::Update {
                id,
                title,
                message,
                cron,
                timezone,
                agent,
                clear_agent,
            } => {
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
                let arguments = id_argument(&id).body(to_json(&request)?);
                let raw = self
                    .call(<Client as ScheduledTasks>::UPDATE_SCHEDULED_TASK, arguments)
                    .await?;
                self.show_schedule(&raw)
            }
            ScheduleCommand::Delete { id } => {
                let raw = self
                    .call(
                        <Client as ScheduledTasks>::DELETE_SCHEDULED_TASK,
                        id_argument(&id),
                    )
                    .await?;
                self.done(&raw, &format!("deleted {id}"))
            }
            ScheduleCommand::Pause { id } => {
                let raw = self
                    .call(
                        <Client as ScheduledTasks>::PAUSE_SCHEDULED_TASK,
                        id_argument(&id),
                    )
                    .await?;
                self.done(&raw, &format!("paused {id}"))
            }
            ScheduleCommand::Resume { id } => {
                let raw = self
                    .call(
                        <Client as ScheduledTasks>::RESUME_SCHEDULED_TASK,
                        id_argument(&id),
                    )
                    .await?;
                self.done(&raw, &format!("resumed {id}"))
            }
        }
    }

    fn show_schedule(&self, raw: &[u8]) -> Result<(), Failure> {
        self.show::<ScheduledTaskResponse>(raw, |shown| {
            let schedule = shown.scheduled_task;
            let out = &self.output;
            out.line(&format!("{}  {}", schedule.id, cell(schedule.title)));
            out.line(&format!(
                "cron     {} ({})",
                cell(schedule.cron_expression),
                cell(schedule.timezone)
            ));
            out.line(&format!("enabled  {}", cell(schedule.enabled)));
            out.line(&format!("agent    {}", cell(schedule.agent_provider_id)));
            out.line(&format!("message  {}", cell(schedule.message)));
        })
    }
}

fn schedule_row(schedule: ScheduledTask) -> Vec<String> {
    vec![
        schedule.id,
        cell(schedule.enabled),
        cell(schedule.cron_expression),
        cell(schedule.timezone),
        cell(schedule.title),
    ]
}

/// The options a create and a send share, read and checked.
struct MessageParts {
    intent: Option<UserIntent>,
    agent: Option<String>,
    effort: Option<ReasoningEffort>,
    files: Option<Vec<twill_api::models::FilePart>>,
}

fn message_parts(options: MessageOptions) -> Result<MessageParts, Failure> {
    let files = options
        .files
        .iter()
        .map(|file| file_part(file))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MessageParts {
        intent: options.intent.as_deref().map(UserIntent::from),
        agent: options.agent,
        effort: options.effort.as_deref().map(ReasoningEffort::from),
        files: (!files.is_empty()).then_some(files),
    })
}

/// A request body as JSON.
fn to_json(request: &impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(request)
        .map_err(|error| Failure::Local(format!("cannot write the request: {error}")))
}

/// Decodes an answer for display.
pub fn decode<T: DeserializeOwned>(raw: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(raw)
        .map_err(|error| Failure::Local(format!("cannot read the answer: {error}")))
}
