//! The command line's grammar: nouns, then verbs (`twill tasks create`).

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args, Parser, Subcommand};
use twill_api::models::{ReasoningEffort, UserIntent};

/// The command line for Twill: tasks, messages, jobs and schedules.
///
/// The key comes from TWILL_API_KEY, --api-key-file or --api-key-stdin
/// (never from an argument, which `ps` would show); TWILL_BASE_URL points
/// at another Twill, such as `twill mock`.
#[derive(Debug, Parser)]
#[command(name = "twill", version, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 success, 1 API error, 2 usage, 3 network or timeout, \
                        4 a followed job failed, 5 one was cancelled (and none failed), \
                        6 a wait's deadline came first, 7 a job needs you (a plan to approve), \
                        130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command.
#[derive(Debug, Args)]
pub struct Global {
    /// Print the API's JSON as received (pretty on a terminal); with
    /// =FIELDS (comma-separated), only those fields of each item, or of the
    /// main object (`task` for `tasks show`).
    #[arg(
        long,
        help_heading = "Global options",
        global = true,
        conflicts_with = "jsonl",
        value_name = "FIELDS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub json: Option<String>,
    /// Filter the JSON with a jq expression (implies --json; strings print
    /// as plain text, one result per line).
    #[arg(
        long,
        help_heading = "Global options",
        global = true,
        conflicts_with = "jsonl",
        value_name = "EXPR"
    )]
    pub jq: Option<String>,
    /// Print one JSON object per line: list items, log events.
    #[arg(long, help_heading = "Global options", global = true)]
    pub jsonl: bool,
    /// Read the API key from this file.
    #[arg(
        long,
        help_heading = "Global options",
        global = true,
        value_name = "PATH",
        conflicts_with = "api_key_stdin"
    )]
    pub api_key_file: Option<PathBuf>,
    /// Read the API key from standard input (a hidden prompt on a terminal).
    #[arg(long, help_heading = "Global options", global = true)]
    pub api_key_stdin: bool,
    /// Send the key over plain http to a host that is not this machine.
    #[arg(long, help_heading = "Global options", global = true)]
    pub insecure_http: bool,
    /// Say more: each call's endpoint, and a failure's status and attempts.
    #[arg(long, short, help_heading = "Global options", global = true)]
    pub verbose: bool,
    /// Fail at once when rate limited (429) instead of waiting out its
    /// Retry-After (exit 1, saying when to retry).
    #[arg(long, help_heading = "Global options", global = true)]
    pub no_wait: bool,
    /// Go ahead with what cannot be undone (cancel, archive, delete)
    /// without asking; required where there is no terminal to ask on.
    #[arg(long, short, help_heading = "Global options", global = true)]
    pub yes: bool,
}

// One value a run, parsed once: its size costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Remote(RemoteCommand),
    /// Serves Twill's API as MCP tools on standard input and output, for
    /// agents (Claude Code, Cursor, any MCP client).
    Mcp {
        /// Serve only the tools that read.
        #[arg(long)]
        read_only: bool,
        /// The longest a wait lasts before it answers with `resume`, in
        /// seconds (under the 60 s after which many clients give up).
        #[arg(long, value_name = "SECONDS", default_value_t = 45,
              value_parser = clap::value_parser!(u64).range(1..=3600))]
        max_wait: u64,
        /// Serve only these toolsets: account, tasks, jobs, schedules,
        /// workflows (wait_for_job, start_task_and_wait, start_tasks).
        #[arg(long, value_name = "NAMES", value_delimiter = ',')]
        toolsets: Option<Vec<String>>,
    },
    /// Prints a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Prints the man page, or a command's (`twill man tasks create`).
    Man {
        /// The command whose page to print: the page the main page names
        /// `twill-tasks-create(1)` is `twill man tasks create`.
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
        /// Writes every page into DIR instead (`twill.1`,
        /// `twill-tasks.1`, ...), for a packager.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        out_dir: Option<PathBuf>,
    },
    /// Runs a local Twill (twill-mock) and prints the lines that point this
    /// command at it, so every command can be tried with no key.
    Mock(MockArgs),
}

/// The commands that call the API, with a client.
#[derive(Debug, Subcommand)]
pub enum RemoteCommand {
    /// Which key and workspace this is.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// The repositories Twill can work on.
    Repos,
    /// Tasks: create, message, follow, list.
    #[command(subcommand)]
    Tasks(TaskCommand),
    /// Jobs: follow a job's log, cancel it.
    #[command(subcommand)]
    Jobs(JobCommand),
    /// Scheduled tasks.
    #[command(subcommand)]
    Schedules(ScheduleCommand),
    /// Call any endpoint by its name, such as `get_task taskIdOrSlug=my-task`.
    Api(ApiArgs),
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Whose key this is (the key itself is shown masked).
    Status,
}

#[derive(Debug, Clone, Copy, Args)]
pub struct Follow {
    /// Follow the job's log until it ends (with --jsonl, each event as a
    /// JSON line; --json, one document, cannot hold a stream).
    #[arg(long)]
    pub follow: bool,
    /// With --follow (or --from --wait): gives up after this long, such as
    /// 90s, 10m or 2h (exit 6; the job goes on).
    #[arg(long, value_name = "DURATION", value_parser = duration, requires = "follow")]
    pub timeout: Option<std::time::Duration>,
}

impl RemoteCommand {
    /// Whether the command prints a job's log as it arrives: a stream of
    /// events, which `--json` (one document) cannot hold.
    pub fn streams_events(&self) -> bool {
        match self {
            // A log, or a line per job as it ends.
            RemoteCommand::Jobs(JobCommand::Logs { .. } | JobCommand::Wait { .. })
            | RemoteCommand::Tasks(TaskCommand::Wait { .. } | TaskCommand::Follow { .. }) => true,
            // A line per task as it is created.
            RemoteCommand::Tasks(TaskCommand::Create(create)) => {
                create.follow.follow || create.batch.from.is_some()
            }
            RemoteCommand::Tasks(
                TaskCommand::Send { follow, .. }
                | TaskCommand::Approve { follow, .. }
                | TaskCommand::ApproveCriteria { follow, .. },
            ) => follow.follow,
            _ => false,
        }
    }
}

/// How `twill mock`'s jobs end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JobsEnd {
    Completed,
    Failed,
    Cancelled,
}

impl From<JobsEnd> for twill_mock::JobEnd {
    fn from(end: JobsEnd) -> Self {
        match end {
            JobsEnd::Completed => twill_mock::JobEnd::Completed,
            JobsEnd::Failed => twill_mock::JobEnd::Failed,
            JobsEnd::Cancelled => twill_mock::JobEnd::Cancelled,
        }
    }
}

/// A `--rate-limit`: N (a minute) or N/PERIOD.
fn mock_rate_limit(text: &str) -> Result<twill_api::limit::RateLimit, String> {
    let text = if text.contains('/') {
        text.to_owned()
    } else {
        format!("{text}/min")
    };
    text.parse()
        .map_err(|error: twill_api::limit::InvalidRateLimit| error.to_string())
}

/// The known value `given` matches, whatever its case (`swe` is `SWE`).
fn canonical(known: &[&str], given: String) -> String {
    known
        .iter()
        .find(|value| value.eq_ignore_ascii_case(&given))
        .map_or(given, |value| (*value).to_owned())
}

#[derive(Debug, Args)]
pub struct MessageOptions {
    /// What the job is to do.
    #[arg(long, value_name = "INTENT", ignore_case = true,
          value_parser = PossibleValuesParser::new(UserIntent::KNOWN.iter().copied())
              .map(|given| canonical(UserIntent::KNOWN, given)))]
    pub intent: Option<String>,
    /// The agent, as provider/model.
    #[arg(long)]
    pub agent: Option<String>,
    /// How hard the agent thinks.
    #[arg(long, value_name = "EFFORT", ignore_case = true,
          value_parser = PossibleValuesParser::new(ReasoningEffort::KNOWN.iter().copied())
              .map(|given| canonical(ReasoningEffort::KNOWN, given)))]
    pub effort: Option<String>,
    /// A file to attach: a URL as is, or a local path sent inline.
    #[arg(long = "file", value_name = "PATH_OR_URL")]
    pub files: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Lists tasks, newest first.
    List {
        /// Tasks per page (1 to 100).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100))]
        limit: Option<u32>,
        /// Every page, printed as it arrives.
        #[arg(long)]
        all: bool,
    },
    /// Creates a task and starts its first job; with --from, one task per
    /// line of a file.
    Create(CreateArgs),
    /// Shows a task and its latest job.
    Show {
        /// The task's id or slug.
        task: String,
    },
    /// Sends a message: cancels the job in flight and starts a new one.
    Send {
        /// The task's id or slug.
        task: String,
        /// The message; `-` reads it from standard input.
        #[arg(
            required_unless_present = "message_file",
            conflicts_with = "message_file"
        )]
        message: Option<String>,
        /// Reads the message from FILE (`-`: standard input).
        #[arg(long, value_name = "FILE")]
        message_file: Option<PathBuf>,
        #[command(flatten)]
        options: MessageOptions,
        /// Sends even when the task's job is pending or running, which
        /// cancels it (asked on a terminal; needed off one, or --yes).
        #[arg(long)]
        interrupt: bool,
        #[command(flatten)]
        follow: Follow,
    },
    /// Follows a task's latest job (or the next one, when it has none
    /// yet) until it ends, then shows its answer.
    Follow {
        /// The task's id or slug.
        task: String,
        /// Gives up after this long, such as 90s, 10m or 2h (exit 6; the
        /// job goes on).
        #[arg(long, value_name = "DURATION", value_parser = duration)]
        timeout: Option<std::time::Duration>,
    },
    /// Lists a task's jobs.
    Jobs {
        /// The task's id or slug.
        task: String,
        /// Every page, printed as it arrives.
        #[arg(long)]
        all: bool,
    },
    /// Approves the task's plan and starts implementing it.
    Approve {
        /// The task's id or slug.
        task: String,
        #[command(flatten)]
        follow: Follow,
    },
    /// Approves a Ralph-loop task's criteria and starts the loop.
    ApproveCriteria {
        /// The task's id or slug.
        task: String,
        #[command(flatten)]
        follow: Follow,
    },
    /// Waits for the tasks' latest jobs to end, a line each as it does.
    Wait {
        /// The tasks' ids or slugs (`-`: read them from standard input).
        #[arg(required = true, value_name = "TASK")]
        tasks: Vec<String>,
        #[command(flatten)]
        wait: WaitOptions,
    },
    /// Cancels the task's job in flight.
    Cancel {
        /// The task's id or slug.
        task: String,
    },
    /// Archives the task.
    Archive {
        /// The task's id or slug.
        task: String,
    },
    /// Downloads the task's Claude Code session.
    #[command(group(ArgGroup::new("to").required(true).args(["output", "extract"])))]
    Teleport {
        /// The task's id or slug.
        task: String,
        /// Writes the tar archive to this file, whole or not at all (`-`:
        /// standard output, never a terminal).
        #[arg(long, value_name = "FILE.tar")]
        output: Option<PathBuf>,
        /// Unpacks the archive into this directory: plain files and
        /// directories only, never through a link; refused whole otherwise.
        #[arg(long, value_name = "DIR")]
        extract: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Follows a job's log until it ends.
    Logs {
        /// The job's id.
        job: String,
        /// Gives up after this long, such as 90s, 10m or 2h (exit 6; the
        /// job goes on).
        #[arg(long, value_name = "DURATION", value_parser = duration)]
        timeout: Option<std::time::Duration>,
        /// The job's task: then a plan waiting for approval is seen (exit
        /// 7) and the answer shown; a job's log alone says neither.
        #[arg(long, value_name = "TASK")]
        task: Option<String>,
    },
    /// Cancels a job.
    Cancel {
        /// The job's id.
        job: String,
    },
    /// Waits for jobs to end, a line each as it does.
    Wait {
        /// The jobs' ids (`-`: read them from standard input); TASK:JOB
        /// observes the job through its task instead (a plan waiting is
        /// seen, no log is opened).
        #[arg(required = true, value_name = "JOB")]
        jobs: Vec<String>,
        #[command(flatten)]
        wait: WaitOptions,
    },
}

/// `tasks create`: one task, or with `--from` one per line.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// What the agent should do (the API's `command`); `-` reads it from
    /// standard input.
    #[arg(
        value_name = "PROMPT",
        required_unless_present_any = ["from", "prompt_file"],
        conflicts_with_all = ["from", "prompt_file"]
    )]
    pub command: Option<String>,
    /// Reads the prompt from FILE (`-`: standard input), as gh's
    /// --body-file: a multi-line spec as it is.
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    pub prompt_file: Option<PathBuf>,
    #[command(flatten)]
    pub options: MessageOptions,
    /// A title (at most 200 characters).
    #[arg(long, conflicts_with = "from")]
    pub title: Option<String>,
    /// The parent task.
    #[arg(long, value_name = "TASK")]
    pub parent: Option<String>,
    #[command(flatten)]
    pub follow: Follow,
    #[command(flatten)]
    pub batch: BatchOptions,
}

/// `tasks create --from FILE`: many tasks from one command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Many tasks (--from)")]
pub struct BatchOptions {
    /// One task per non-empty line of FILE (`-`: standard input): the line
    /// is the prompt, or a JSON object of create-task fields.
    #[arg(long, value_name = "FILE", conflicts_with = "follow")]
    pub from: Option<PathBuf>,
    /// How many creates are in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "from",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Keeps to this many requests per period, such as 20/5s (Twill's
    /// 100/min and 1000/h unless given).
    #[arg(long, value_name = "N[/PERIOD]", requires = "from", value_parser = mock_rate_limit)]
    pub rate_limit: Option<twill_api::limit::RateLimit>,
    /// Records each line's outcome in PATH as the server answers, so that
    /// the same command run again creates only the lines not yet created.
    #[arg(long, value_name = "PATH", requires = "from")]
    pub journal: Option<PathBuf>,
    /// Then waits for every created task's job (see `tasks wait`).
    #[arg(long, requires = "from")]
    pub wait: bool,
}

impl BatchOptions {
    /// A batch flag given with a single prompt, where it would do nothing
    /// (clap's `requires` does not hold across the flattened groups).
    pub fn set_without_from(&self) -> Option<&'static str> {
        if self.from.is_some() {
            return None;
        }
        [
            (self.journal.is_some(), "--journal"),
            (self.wait, "--wait"),
            (self.rate_limit.is_some(), "--rate-limit"),
            (self.parallel != 4, "--parallel"),
        ]
        .into_iter()
        .find_map(|(set, flag)| set.then_some(flag))
    }
}

/// How `tasks wait` and `jobs wait` wait.
#[derive(Debug, Args)]
pub struct WaitOptions {
    /// Gives up after this long, such as 90s, 10m or 2h (exit 6 if a job
    /// is still running then).
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub timeout: Option<std::time::Duration>,
    /// Stops at the first job that fails or is cancelled.
    #[arg(long)]
    pub fail_fast: bool,
    /// How many jobs are followed at once.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Keeps to this many requests per period, such as 20/5s (Twill's
    /// 100/min and 1000/h unless given).
    #[arg(long, value_name = "N[/PERIOD]", value_parser = mock_rate_limit)]
    pub rate_limit: Option<twill_api::limit::RateLimit>,
}

/// A duration: a number and a unit, `ms`, `s`, `m` or `min`, `h`.
fn duration(text: &str) -> Result<std::time::Duration, String> {
    // The rate limit's period grammar, one request per it.
    format!("1/{text}")
        .parse::<twill_api::limit::RateLimit>()
        .map(|limit| limit.period())
        .map_err(|_| format!("{text:?} is not a duration; write 90s, 10m or 2h"))
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Lists scheduled tasks.
    List,
    /// Creates a scheduled task.
    Create {
        /// Its title.
        #[arg(long)]
        title: String,
        /// The message each run sends.
        #[arg(long)]
        message: String,
        /// When it runs: a five-field cron expression.
        #[arg(long, value_name = "CRON")]
        cron: String,
        /// The time zone of the cron expression (UTC unless given).
        #[arg(long)]
        timezone: Option<String>,
        /// The agent, as provider/model.
        #[arg(long)]
        agent: Option<String>,
    },
    /// Shows a scheduled task.
    Show {
        /// Its id.
        id: String,
    },
    /// Changes the fields given, and only those (at least one).
    Update(ScheduleUpdate),
    /// Deletes a scheduled task.
    Delete {
        /// Its id.
        id: String,
    },
    /// Pauses a scheduled task.
    Pause {
        /// Its id.
        id: String,
    },
    /// Resumes a paused scheduled task.
    Resume {
        /// Its id.
        id: String,
    },
}

/// `schedules update`: the fields to change.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("fields")
        .required(true)
        .multiple(true)
        .args(["title", "message", "cron", "timezone", "agent", "clear_agent"])
))]
pub struct ScheduleUpdate {
    /// Its id.
    pub id: String,
    /// A new title.
    #[arg(long)]
    pub title: Option<String>,
    /// A new message.
    #[arg(long)]
    pub message: Option<String>,
    /// A new cron expression.
    #[arg(long, value_name = "CRON")]
    pub cron: Option<String>,
    /// A new time zone.
    #[arg(long)]
    pub timezone: Option<String>,
    /// A new agent.
    #[arg(long, conflicts_with = "clear_agent")]
    pub agent: Option<String>,
    /// Clears the agent (sends null).
    #[arg(long)]
    pub clear_agent: bool,
}

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The endpoint's method name, such as `get_task` (see `twill api --list`).
    #[arg(required_unless_present = "list")]
    pub endpoint: Option<String>,
    /// Path, query and header values, as NAME=VALUE.
    #[arg(value_name = "NAME=VALUE")]
    pub args: Vec<String>,
    /// The JSON body: inline, @FILE, or - for standard input.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub body: Option<String>,
    /// Lists every endpoint with its parameters.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct MockArgs {
    /// The port to listen on (a free one unless given).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How long each job runs, in seconds, before it ends (long enough by
    /// default to see a followed job's status line).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 2.0,
        allow_negative_numbers = true
    )]
    pub job_time: f64,
    /// How jobs end: completed, failed or cancelled, to try how a script
    /// handles each.
    #[arg(long, value_name = "OUTCOME", value_enum, default_value_t = JobsEnd::Completed)]
    pub jobs_end: JobsEnd,
    /// Requests allowed per key before a 429: N a minute, or N/PERIOD
    /// (such as 20/5s) to try how a batch keeps under a limit.
    #[arg(long, value_name = "N[/PERIOD]", default_value = "100/min", value_parser = mock_rate_limit)]
    pub rate_limit: twill_api::limit::RateLimit,
    /// Cuts the first N log streams right after their history, to try how
    /// a follower reconnects.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub cut_streams: u32,
    /// Sends each log event of a job's history twice, as a job that logged
    /// the same thing twice.
    #[arg(long)]
    pub repeat_events: bool,
    /// Answers every list page empty with a new cursor, to try how a
    /// script walking pages stops.
    #[arg(long)]
    pub empty_pages: bool,
    /// Creates the Nth task but never answers its create, to try how a
    /// batch's rerun finds it (`tasks create --from --journal`).
    #[arg(long, value_name = "N")]
    pub stall_create: Option<u64>,
    /// Pads list cursors to at least this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    pub huge_cursors: usize,
    /// Delays every answer by this long, such as 300ms, the log stream's
    /// too, as a remote API over TLS does.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub latency: Option<std::time::Duration>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_value_is_sent_in_its_own_case() {
        assert_eq!(canonical(UserIntent::KNOWN, "swe".to_owned()), "SWE");
        assert_eq!(canonical(ReasoningEffort::KNOWN, "HIGH".to_owned()), "high");
        assert_eq!(canonical(UserIntent::KNOWN, "other".to_owned()), "other");
    }
}
