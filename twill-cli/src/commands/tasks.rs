//! `twill tasks`: create, message, approve, follow, list, cancel, archive,
//! teleport.

use std::path::Path;

use twill_api::api::Tasks;
use twill_api::models::{
    CancelTaskResponse, CreateTaskRequest, CreateTaskResponse, GetTaskResponse, JobPage,
    JobSummary, ReasoningEffort, SendMessageRequest, SendMessageResponse, TaskPage,
    TeleportArchive, UserIntent,
};
use twill_api::untrusted::escape_line;
use twill_api::workflow::Standing;
use twill_api::{Arguments, Client, Endpoint, FromResponse};

use crate::cli::{BatchOptions, CreateArgs, Follow, MessageOptions, TaskCommand, WaitOptions};
use crate::failure::Failure;
use crate::files::file_part;
use crate::render::{Form, Table, cell, one};
use crate::session::{Session, Walk, decode, to_json};
use crate::standing::Followed;
use crate::teleport;

pub async fn run(session: &Session, command: TaskCommand) -> Result<(), Failure> {
    match command {
        TaskCommand::List { limit, all } => list(session, limit, all).await,
        TaskCommand::Create(create) => create_command(session, create).await,
        TaskCommand::Show { task } => show(session, &task).await,
        TaskCommand::Send {
            task,
            message,
            message_file,
            options,
            interrupt,
            follow,
        } => {
            let message = text_of("message", message, message_file.as_deref())?;
            let request = message_request(message, options)?;
            send(session, &task, request, interrupt, follow).await
        }
        TaskCommand::Follow { task, timeout } => follow_task(session, &task, timeout).await,
        TaskCommand::Jobs { task, all } => jobs(session, &task, all).await,
        TaskCommand::Approve { task, follow } => {
            let endpoint = <Client as Tasks>::APPROVE_PLAN;
            approve(session, endpoint, "plan", &task, follow).await
        }
        TaskCommand::ApproveCriteria { task, follow } => {
            let endpoint = <Client as Tasks>::APPROVE_CRITERIA;
            approve(session, endpoint, "criteria", &task, follow).await
        }
        TaskCommand::Cancel { task } => cancel(session, &task).await,
        TaskCommand::Wait { tasks, wait } => {
            let tasks = super::wait::ids_given(tasks)?;
            let targets = tasks.into_iter().map(super::wait::Target::task).collect();
            super::wait::run(session, targets, &wait).await
        }
        TaskCommand::Archive { task } => archive(session, &task).await,
        TaskCommand::Teleport {
            task,
            output,
            extract,
        } => teleport(session, &task, output.as_deref(), extract.as_deref()).await,
    }
}

/// `tasks create`: one task from the prompt, or one per line of `--from`.
async fn create_command(session: &Session, args: CreateArgs) -> Result<(), Failure> {
    let CreateArgs {
        command,
        prompt_file,
        options,
        title,
        parent,
        follow,
        batch,
    } = args;
    let command = match (command, prompt_file) {
        (None, None) => None,
        (command, file) => Some(text_of("prompt", command, file.as_deref())?),
    };
    match command {
        Some(command) => {
            if let Some(flag) = batch.set_without_from() {
                return Err(Failure::Usage(format!(
                    "{flag} goes with --from FILE (a task per line); nothing was sent"
                )));
            }
            let request = create_request(command, options, title, parent)?;
            create(session, &request, follow).await
        }
        None => many(session, options, parent, &batch, follow.timeout).await,
    }
}

/// The most of a prompt or message read from a file or standard input.
const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// A prompt or message (`what`) as given: the argument, or `-` (standard
/// input), or `--prompt-file`/`--message-file` (`-` too); never empty,
/// and never sent as the text `-`.
fn text_of(what: &str, given: Option<String>, file: Option<&Path>) -> Result<String, Failure> {
    let read = |path: &Path| {
        let bytes = if path == Path::new("-") {
            // A terminal waiting for input looks like a hang: say so, as
            // `gh issue create --body-file -` does.
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprintln!("twill: reading the {what} from standard input; end it with Ctrl-D");
            }
            crate::local_input::read_stdin(MAX_TEXT_BYTES).map(String::into_bytes)
        } else {
            crate::local_input::read_file(path, MAX_TEXT_BYTES)
        };
        let shown = path.display();
        let bytes = bytes.map_err(|error| {
            Failure::Usage(format!("cannot read the {what} from {shown}: {error}"))
        })?;
        String::from_utf8(bytes)
            .map_err(|_| Failure::Usage(format!("the {what} in {shown} is not UTF-8 text")))
    };
    let text = match (given, file) {
        (Some(dash), None) if dash == "-" => read(Path::new("-"))?,
        (Some(text), None) => text,
        (_, Some(path)) => read(path)?,
        (None, None) => String::new(),
    };
    if text.trim().is_empty() {
        return Err(Failure::Usage(format!(
            "the {what} is empty; nothing was sent"
        )));
    }
    Ok(text)
}

/// `tasks create --from FILE`: the command line's fields are every line's
/// defaults; `--rate-limit` paces this batch; `--wait` waits for it.
async fn many(
    session: &Session,
    options: MessageOptions,
    parent: Option<String>,
    batch: &BatchOptions,
    timeout: Option<std::time::Duration>,
) -> Result<(), Failure> {
    let Some(from) = &batch.from else {
        return Err(Failure::Usage("give a PROMPT, or --from FILE".to_owned()));
    };
    if timeout.is_some() && !batch.wait {
        return Err(Failure::Usage(
            "--timeout goes with --follow, or with --from and --wait; nothing was sent".to_owned(),
        ));
    }
    let mut defaults = match to_json(&create_request(String::new(), options, None, parent)?)? {
        serde_json::Value::Object(fields) => fields,
        _ => serde_json::Map::new(),
    };
    defaults.remove("command");
    let paced = batch.rate_limit.map(|limit| session.paced(limit));
    let session = paced.as_ref().unwrap_or(session);
    let created = super::batch::run(session, from, batch, defaults).await?;
    if !batch.wait {
        return created.failure.map_or(Ok(()), Err);
    }
    // The tasks that were created are waited for even when a line failed;
    // that failure is still the exit code.
    let options = WaitOptions {
        timeout,
        fail_fast: false,
        concurrency: batch.parallel,
        rate_limit: None,
    };
    // What this batch created, with each line's intent: one that cannot
    // wait for approval is not read when it completes.
    let targets = created
        .tasks
        .into_iter()
        .map(|task| super::wait::Target::Task {
            task: task.slug,
            created: Some((task.job, task.intent)),
            named: None,
        })
        .collect();
    let waited = super::wait::run(session, targets, &options).await;
    match created.failure {
        Some(failure) => Err(failure),
        None => waited,
    }
}

fn by_task(task: &str) -> Arguments {
    Arguments::new().arg("taskIdOrSlug", task)
}

async fn list(session: &Session, limit: Option<u32>, all: bool) -> Result<(), Failure> {
    let mut arguments = Arguments::new();
    if let Some(limit) = limit {
        arguments = arguments.arg("limit", limit.to_string());
    }
    let walk = Walk {
        endpoint: <Client as Tasks>::LIST_TASKS,
        arguments,
        field: "tasks",
        all,
    };
    let mut table = Table::new(&["TASK", "STATUS", "TITLE", "URL"])
        .status_column(1)
        .keep_whole(3);
    session
        .pages(walk, |page: TaskPage| {
            let rows: Vec<Vec<String>> = page
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
                .collect();
            table.print(&session.output, &rows)
        })
        .await
}

async fn create(
    session: &Session,
    request: &CreateTaskRequest,
    follow: Follow,
) -> Result<(), Failure> {
    let arguments = Arguments::new().body(to_json(request)?);
    let raw = session
        .call(<Client as Tasks>::CREATE_TASK, arguments)
        .await?;
    let created: CreateTaskResponse = decode(&raw)?;
    session.print(&raw, || {
        let out = &session.output;
        out.line(&format!(
            "created {}: {}",
            one(&created.task.slug),
            one(&created.task.url)
        ))?;
        let job = &created.job;
        out.line(&format!("job {} {}", one(&job.id), one(&job.status)))
    })?;
    let followed = Followed {
        job: &created.job.id,
        task: Some(&created.task.slug),
        criteria: request.user_intent == Some(UserIntent::RalphLoop),
    };
    session.then_follow(follow, followed).await
}

async fn show(session: &Session, task: &str) -> Result<(), Failure> {
    let raw = session
        .call(<Client as Tasks>::GET_TASK, by_task(task))
        .await?;
    session.show::<GetTaskResponse>(&raw, |shown| summary(session, shown))
}

/// `tasks show` in words: the task, its pull requests, its latest job with
/// the plan and the answer.
fn summary(session: &Session, shown: GetTaskResponse) -> Result<(), Failure> {
    let out = &session.output;
    let task = shown.task;
    out.line(&format!("{}  {}", one(&task.slug), cell(task.title)))?;
    out.line(&format!("url      {}", one(&task.url)))?;
    out.line(&format!("id       {}", one(&task.id)))?;
    for pr in task.prs {
        out.line(&format!("pr       {} {}", cell(pr.pr_url), cell(pr.state)))?;
    }
    let Some(job) = shown.latest_job else {
        return out.line(&format!("state    {}", Standing::NoJob.word()));
    };
    out.line(&format!("job      {} {}", one(&job.id), one(&job.status)))?;
    let standing = Standing::of_job(&job);
    let approve = match &standing {
        Standing::NeedsYou(awaiting) => format!(
            " ({})",
            crate::standing::approve_command(*awaiting, &task.slug)
        ),
        _ => String::new(),
    };
    out.line(&format!("state    {}{approve}", one(&standing)))?;
    for (heading, text) in [("plan:", job.plan), ("answer:", job.final_answer)] {
        if let Some(text) = text {
            out.line(heading)?;
            for line in text.lines() {
                out.line(&format!("  {line}"))?;
            }
        }
    }
    Ok(())
}

/// A send-message request from the command line's parts.
fn message_request(
    message: String,
    options: MessageOptions,
) -> Result<SendMessageRequest, Failure> {
    let mut request = SendMessageRequest::new(message);
    let parts = message_parts(options)?;
    (request.user_intent, request.agent) = (parts.intent, parts.agent);
    (request.reasoning_effort, request.files) = (parts.effort, parts.files);
    Ok(request)
}

async fn send(
    session: &Session,
    task: &str,
    request: SendMessageRequest,
    interrupt: bool,
    follow: Follow,
) -> Result<(), Failure> {
    let interrupted = session
        .before_interrupting(
            task,
            interrupt,
            "pass --interrupt (or --yes) to send anyway",
        )
        .await?;
    let criteria = request.user_intent == Some(UserIntent::RalphLoop);
    let arguments = by_task(task).body(to_json(&request)?);
    let raw = session
        .call(<Client as Tasks>::SEND_MESSAGE, arguments)
        .await?;
    let sent: SendMessageResponse = decode(&raw)?;
    if let Some(job) = interrupted
        .as_ref()
        .filter(|_| session.output.form != Form::Human)
    {
        eprintln!("twill: job {} was under way and is cancelled", one(job));
    }
    session.print(&raw, || {
        if let Some(job) = &interrupted {
            session
                .output
                .line(&format!("cancelled job {} (it was under way)", one(job)))?;
        }
        session.output.line(&format!(
            "job {} {} on {task}",
            one(&sent.job.id),
            one(&sent.job.status)
        ))
    })?;
    let followed = Followed {
        job: &sent.job.id,
        task: Some(task),
        criteria,
    };
    session.then_follow(follow, followed).await
}

/// `tasks follow`: the task's latest job, or the next one when it has
/// none yet, followed to its end with its answer.
async fn follow_task(
    session: &Session,
    task: &str,
    timeout: Option<std::time::Duration>,
) -> Result<(), Failure> {
    let started = tokio::time::Instant::now();
    let job = session.latest_job(task, timeout).await?;
    let left = timeout.map(|timeout| timeout.saturating_sub(started.elapsed()));
    let followed = Followed {
        job: &job,
        task: Some(task),
        criteria: false,
    };
    session.follow(followed, left).await
}

async fn jobs(session: &Session, task: &str, all: bool) -> Result<(), Failure> {
    let walk = Walk {
        endpoint: <Client as Tasks>::LIST_JOBS,
        arguments: by_task(task),
        field: "jobs",
        all,
    };
    let mut table = Table::new(&["JOB", "STATUS", "TYPE", "CREATED"]).status_column(1);
    session
        .pages(walk, |page: JobPage| {
            let rows: Vec<Vec<String>> = page
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
                .collect();
            table.print(&session.output, &rows)
        })
        .await
}

/// Approves what a task's job ended waiting for (`what`: its plan, a
/// Ralph loop's criteria) through `endpoint`, whose answer is
/// `{success, job}`, and follows the job it starts if asked.
async fn approve(
    session: &Session,
    endpoint: &'static Endpoint,
    what: &str,
    task: &str,
    follow: Follow,
) -> Result<(), Failure> {
    #[derive(serde::Deserialize)]
    struct Approved {
        job: JobSummary,
    }
    let raw = session.call(endpoint, by_task(task)).await?;
    session.refused(&raw, &format!("{task}: {what} not approved"))?;
    let approved: Approved = decode(&raw)?;
    session.print(&raw, || {
        session.output.line(&format!(
            "{what} approved; job {} {}",
            one(&approved.job.id),
            one(&approved.job.status)
        ))
    })?;
    let followed = Followed {
        job: &approved.job.id,
        task: Some(task),
        criteria: false,
    };
    session.then_follow(follow, followed).await
}

/// Reports what the server says it cancelled: the task it names, or that
/// it said `success: false`.
async fn cancel(session: &Session, task: &str) -> Result<(), Failure> {
    let raw = session
        .call(<Client as Tasks>::CANCEL_TASK, by_task(task))
        .await?;
    session.refused(&raw, &format!("{task}: nothing was cancelled"))?;
    let answer: CancelTaskResponse = decode(&raw)?;
    session.print(&raw, || {
        session.output.line(&format!(
            "{task}: cancelled (task {})",
            one(&answer.task.id)
        ))
    })
}

/// The answer is undocumented: what it says is reported, no more.
async fn archive(session: &Session, task: &str) -> Result<(), Failure> {
    let raw = session
        .call(<Client as Tasks>::ARCHIVE_TASK, by_task(task))
        .await?;
    session.acknowledged(&raw, &format!("archived {task}"))
}

async fn teleport(
    session: &Session,
    task: &str,
    output: Option<&Path>,
    extract: Option<&Path>,
) -> Result<(), Failure> {
    let endpoint = <Client as Tasks>::TELEPORT_CLAUDE;
    let response = session.send(endpoint, &by_task(task)).await?;
    let archive = TeleportArchive::from_response(response)
        .await
        .map_err(|error| Failure::api(endpoint, error))?;
    let about = format!(
        "session {}, job {}",
        escape_line(&cell(archive.session_id.as_deref())),
        escape_line(&cell(archive.job_id.as_deref()))
    );
    let out = &session.output;
    if output == Some(Path::new("-")) {
        // The archive owns standard output; the summary goes to stderr.
        crate::render::write_binary("a tar archive", &archive.tar)?;
        let bytes = archive.tar.len();
        eprintln!("twill: {about}: wrote {bytes} bytes to standard output");
    } else if let Some(path) = output {
        teleport::write_atomically(path, &archive.tar)
            .map_err(|why| Failure::Local(format!("cannot write {}: {why}", path.display())))?;
        let (shown, bytes) = (path.display(), archive.tar.len());
        out.line(&format!("{about}: wrote {shown} ({bytes} bytes)"))?;
    }
    if let Some(dir) = extract {
        let written = teleport::extract(&archive.tar, dir)
            .map_err(|error| Failure::Local(error.to_string()))?;
        let (count, shown) = (written.len(), dir.display());
        out.line(&format!("{about}: {count} files in {shown}"))?;
        for file in written {
            out.line(&format!("  {}", one(file.display())))?;
        }
    }
    Ok(())
}

/// A create-task request from the command line's parts.
fn create_request(
    command: String,
    options: MessageOptions,
    title: Option<String>,
    parent: Option<String>,
) -> Result<CreateTaskRequest, Failure> {
    if let Some(title) = &title
        && title.chars().count() > super::batch::MAX_TITLE
    {
        return Err(Failure::Usage(format!(
            "--title is over {} characters; nothing was sent",
            super::batch::MAX_TITLE
        )));
    }
    let mut request = CreateTaskRequest::new(command);
    request.title = title;
    request.parent_id = parent;
    let parts = message_parts(options)?;
    (request.user_intent, request.agent) = (parts.intent, parts.agent);
    (request.reasoning_effort, request.files) = (parts.effort, parts.files);
    Ok(request)
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
