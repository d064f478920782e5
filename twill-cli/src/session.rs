//! What every command that calls the API works with: the client, the
//! output settings, the masked key; and the steps they share (confirm,
//! call, print, walk pages, follow a job).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use twill_api::untrusted::escape_line;
use twill_api::workflow::Standing;
use twill_api::{Arguments, Client, Endpoint};

use crate::cli::Follow;
use crate::failure::Failure;
use crate::follow::follow;
use crate::render::{Form, Output};
use crate::standing::{self, Followed};

/// A success body as received.
pub type Raw = Vec<u8>;

/// The client and the settings of one run.
pub struct Session {
    pub client: Client,
    pub output: Output,
    pub verbose: bool,
    /// The key as it may be shown: a prefix and an ellipsis.
    pub masked_key: String,
    /// `--yes`: destructive commands go ahead without asking.
    pub yes: bool,
}

impl Session {
    /// The same session keeping to `limit` instead (`--rate-limit`).
    pub fn paced(&self, limit: twill_api::limit::RateLimit) -> Session {
        Session {
            client: self.client.with_rate_limits(&[limit]),
            output: self.output.clone(),
            verbose: self.verbose,
            masked_key: self.masked_key.clone(),
            yes: self.yes,
        }
    }

    /// Calls `endpoint` and returns its body as received.
    pub async fn call(
        &self,
        endpoint: &'static Endpoint,
        arguments: Arguments,
    ) -> Result<Raw, Failure> {
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
        if self.yes {
            return Ok(());
        }
        // The request as it will go, placeholders filled: what is undone.
        let target = format!("{} {}", endpoint.method(), arguments.path_for(endpoint));
        let target = escape_line(&target);
        let what = endpoint.summary().trim_end_matches('.').to_lowercase();
        ask(
            &format!("{target} ({what}) cannot be undone"),
            "pass --yes to confirm",
        )
    }

    /// Before a message to `task`: when its latest job is pending or
    /// running, the message cancels it (Twill's rule), so it goes only
    /// with `interrupt` or `--yes`, or a `y` on a terminal. The job it
    /// cancels, if any.
    pub async fn before_interrupting(
        &self,
        task: &str,
        interrupt: bool,
        remedy: &str,
    ) -> Result<Option<String>, Failure> {
        use twill_api::api::Tasks;
        let endpoint = <Client as Tasks>::GET_TASK;
        self.say_endpoint(endpoint);
        let shown = self.client.get_task(task).await.map_err(|error| {
            Failure::api_request(endpoint, &Arguments::new().arg("taskIdOrSlug", task), error)
        })?;
        let Some(job) = shown.latest_job else {
            return Ok(None);
        };
        let standing = Standing::of_job(&job);
        if !standing.is_under_way() {
            return Ok(None);
        }
        if !(interrupt || self.yes) {
            ask(
                &format!(
                    "job {} of {} is {}; sending cancels it",
                    escape_line(&job.id),
                    escape_line(task),
                    standing.word()
                ),
                remedy,
            )?;
        }
        Ok(Some(job.id))
    }

    /// The id of `task`'s latest job; when it has none yet, of the next
    /// one, read every few seconds until it comes or `timeout` passes.
    pub async fn latest_job(
        &self,
        task: &str,
        timeout: Option<Duration>,
    ) -> Result<String, Failure> {
        use twill_api::api::Tasks;
        let endpoint = <Client as Tasks>::GET_TASK;
        self.say_endpoint(endpoint);
        let client = match timeout {
            Some(timeout) => self
                .client
                .with_deadline(tokio::time::Instant::now() + timeout),
            None => self.client.clone(),
        };
        let job = client.latest_job_id(task).await.map_err(|error| {
            Failure::api_request(endpoint, &Arguments::new().arg("taskIdOrSlug", task), error)
        })?;
        job.ok_or_else(|| Failure::Deadline(format!("{} has no job yet", escape_line(task))))
    }

    /// A failure when an action's answer says `success: false` (the
    /// library's rule, `Acknowledgement::is_refusal`): `what` and what the
    /// server said. Any other answer passes.
    pub fn refused(&self, raw: &[u8], what: &str) -> Result<(), Failure> {
        let Ok(answer) = serde_json::from_slice::<twill_api::models::Acknowledgement>(raw) else {
            return Ok(());
        };
        if !answer.is_refusal() {
            return Ok(());
        }
        let said = answer
            .message()
            .map(|message| format!(": {}", escape_line(message)))
            .unwrap_or_default();
        Err(Failure::Local(format!(
            "{what}: the server answered success: false{said}"
        )))
    }

    /// Sends a call, saying which with `--verbose`; one declared
    /// destructive is confirmed first (`twill api` included).
    pub async fn send(
        &self,
        endpoint: &'static Endpoint,
        arguments: &Arguments,
    ) -> Result<twill_api::RawResponse, Failure> {
        if endpoint.is_destructive() {
            self.confirm(endpoint, arguments)?;
        }
        self.say_endpoint(endpoint);
        self.client
            .call(endpoint, arguments)
            .await
            .map_err(|error| Failure::api_request(endpoint, arguments, error))
    }

    fn say_endpoint(&self, endpoint: &'static Endpoint) {
        if self.verbose {
            eprintln!("twill: {endpoint} ({})", endpoint.name());
        }
    }

    /// Prints `raw` as the chosen form wants: as received, or decoded and
    /// rendered by `human`.
    pub fn show<T: DeserializeOwned>(
        &self,
        raw: &[u8],
        human: impl FnOnce(T) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        match self.output.form {
            Form::Human => human(decode(raw)?),
            _ => self.print(raw, || Ok(())),
        }
    }

    /// Prints `raw` in a JSON form, or runs `human`, for an answer the
    /// caller has decoded already.
    pub fn print(
        &self,
        raw: &[u8],
        human: impl FnOnce() -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        match self.output.form {
            Form::Json => self.output.json(raw),
            Form::Jsonl => self.output.json_line(&decode::<Value>(raw)?),
            Form::Human => human(),
        }
    }

    /// For an action whose answer is `{success, ...}` at most: the JSON in
    /// the JSON forms; otherwise `done`, with the server's `message` when it
    /// sent one, or a failure when it said `success: false`.
    pub fn acknowledged(&self, raw: &[u8], done: &str) -> Result<(), Failure> {
        self.refused(raw, "not done")?;
        let answer: twill_api::models::Acknowledgement = decode(raw)?;
        self.print(raw, || match answer.fields.get("message") {
            Some(Value::String(message)) => {
                let message = crate::render::one(message);
                self.output.line(&format!("{done}: {message}"))
            }
            _ => self.output.line(done),
        })
    }

    /// `--jsonl` for a list: each item of `field`, a line each.
    pub fn lines_of(&self, page: &Value, field: &str) -> Result<(), Failure> {
        page.get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .try_for_each(|item| self.output.json_line(item))
    }

    /// One page, or with `all` every page, printed as each arrives (only
    /// one page is held at a time; `--json` gathers the items of every
    /// page into one document). The library's walker guards against a
    /// server that sends the walk in a loop.
    pub async fn pages<T: DeserializeOwned>(
        &self,
        walk: Walk,
        mut human: impl FnMut(T) -> Result<(), Failure>,
    ) -> Result<(), Failure> {
        let Walk {
            endpoint,
            arguments,
            field,
            all,
        } = walk;
        self.say_endpoint(endpoint);
        let fail = {
            let arguments = arguments.clone();
            move |error| Failure::api_request(endpoint, &arguments, error)
        };
        let mut pages = self.client.walk_pages(endpoint, arguments, field);
        let mut gathered = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(&fail)?;
            let more = page.next_cursor.is_some();
            match self.output.form {
                Form::Json if all => gathered.extend(items(page.content.json, field)),
                Form::Json => self.output.json(&page.content.body)?,
                Form::Jsonl => self.lines_of(&page.content.json, field)?,
                Form::Human => {
                    human(serde_json::from_value(page.content.json).map_err(|error| {
                        Failure::Local(format!("cannot read the answer: {error}"))
                    })?)?
                }
            }
            if more && !all {
                if self.output.form == Form::Human {
                    eprintln!("twill: more on the next page; --all prints every page");
                }
                return Ok(());
            }
        }
        if self.output.form == Form::Json && all {
            let mut document = serde_json::Map::new();
            document.insert(field.to_owned(), Value::Array(gathered));
            self.output.json_value(Value::Object(document))?;
        }
        Ok(())
    }

    /// Follows the job when asked to.
    pub async fn then_follow(&self, follow: Follow, followed: Followed<'_>) -> Result<(), Failure> {
        if follow.follow {
            self.follow(followed, follow.timeout).await
        } else {
            Ok(())
        }
    }

    /// Follows a job's log to its end, or until `timeout`; then, when its
    /// task is known, reads the task for where the job stands (a plan
    /// waiting) and its answer, and shows them. The standing is the exit.
    pub async fn follow(
        &self,
        followed: Followed<'_>,
        timeout: Option<Duration>,
    ) -> Result<(), Failure> {
        use twill_api::api::Jobs;
        self.say_endpoint(<Client as Jobs>::STREAM_JOB_LOGS);
        let job = followed.job;
        let followed_again = match followed.task {
            Some(task) => format!("twill tasks follow {}", escape_line(task)),
            None => format!("twill jobs logs {}", escape_line(job)),
        };
        let log = follow(&self.client, job, timeout, &self.output, self.verbose)
            .await
            .map_err(|failure| match failure {
                Failure::Deadline(message) => {
                    Failure::Deadline(format!("{message} ({followed_again} to follow it again)"))
                }
                other => other,
            })?;
        let (standing, report) = match followed.task {
            Some(task) => match self.client.report_job(task, job, log.clone()).await {
                Ok(report) => {
                    if report.job.is_none() {
                        eprintln!(
                            "twill: job {} is not {}'s latest job: its state is its log's",
                            escape_line(job),
                            escape_line(task)
                        );
                    }
                    let standing = match (&report.job, followed.criteria) {
                        (Some(shown), true) => Standing::of_criteria_job(shown),
                        _ => report.standing.clone(),
                    };
                    (standing, report.job)
                }
                // The log's word stands; the answer is a command away.
                Err(error) => {
                    eprintln!(
                        "twill: {task} could not be read for the answer ({}); \
                         twill tasks show {task}",
                        escape_line(&error.to_string())
                    );
                    (log, None)
                }
            },
            None => (log, None),
        };
        standing::conclude(&self.output, followed, &standing, report.as_ref())?;
        standing::exit_of(&standing, job, followed.task)
    }
}

/// A walk through a list's pages.
pub struct Walk {
    pub endpoint: &'static Endpoint,
    pub arguments: Arguments,
    /// The field holding the items.
    pub field: &'static str,
    /// Every page, or the first only.
    pub all: bool,
}

/// The items of a page's `field`.
fn items(mut page: Value, field: &str) -> Vec<Value> {
    match page.get_mut(field).map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// A request body as JSON.
pub fn to_json(request: &impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(request)
        .map_err(|error| Failure::Local(format!("cannot write the request: {error}")))
}

/// Decodes an answer for display.
pub fn decode<T: DeserializeOwned>(raw: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(raw)
        .map_err(|error| Failure::Local(format!("cannot read the answer: {error}")))
}

/// Asks `question` on the terminal, `Go ahead? [y/N]`; with no terminal
/// to ask on, a usage error ending with `remedy`.
fn ask(question: &str, remedy: &str) -> Result<(), Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::Usage(format!(
            "{question}: {remedy}; nothing was sent"
        )));
    }
    eprint!("twill: {question}. Go ahead? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if let Ok(0) | Err(_) = std::io::stdin().lock().read_line(&mut answer) {
        // End of input (Ctrl-D): the refusal goes on a line of its own.
        eprintln!();
    }
    if matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::Usage("not confirmed; nothing was sent".to_owned()))
    }
}
