//! `twill tasks create --from FILE`: one task per non-empty line (the line
//! is the prompt, or a JSON object of create-task fields), `--parallel` in
//! flight at once, paced by the client's rate limit, and with `--journal`
//! resumable after a crash without creating a line twice.
//!
//! The creates are the library's (`Client::create_tasks`: a create is sent
//! again only where the server certainly did not act). With `--journal`,
//! every line's task gets a title that ends with a marker of the batch and
//! the line (`Fix the login page [batch 5e0c1a-1a2b3c4d#7]`: the line's
//! title, or its prompt's first line cut to fit); without, no marker and no
//! title the line does not give. The journal records the intent (with its
//! time) before each create and the answer after it, fsynced. A rerun
//! counts the dead run's sends in its rate limit, skips the lines created,
//! sends again the lines the server refused, and looks for the marker of
//! every line whose answer was lost (the process died, or the connection
//! did) among the recent tasks before sending it again (Twill has no
//! idempotency key), journaling at once what it found.

use std::collections::HashMap;
use std::path::Path;

use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use twill_api::api::Tasks;
use twill_api::models::{
    CreateTaskRequest, CreateTaskResponse, ReasoningEffort, TaskPage, UserIntent,
};
use twill_api::{Arguments, Client, Error};

use crate::cli::BatchOptions;
use crate::failure::Failure;
use crate::journal::{Contents, Journal, Known, LineKey, Record, fresh_batch_id};
use crate::local_input;
use crate::render::{Form, one};
use crate::session::Session;

/// The longest input read.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;
/// How many pages of recent tasks a rerun reads to find a lost line.
const LOOKUP_PAGES: usize = 10;
/// A title's most characters, the API's limit (the marker included).
pub(crate) const MAX_TITLE: usize = 200;
/// One line of the input, ready to send.
struct Line {
    key: LineKey,
    request: CreateTaskRequest,
}

/// What became of a line.
enum Outcome {
    Created {
        task: Value,
        job: Value,
        before: bool,
    },
    Failed {
        why: String,
        may_have_acted: bool,
    },
}

/// The intent a create asks for: SWE, the API's default, when it names
/// none (SWE proposes nothing to approve).
fn intent_of(request: &CreateTaskRequest) -> Option<UserIntent> {
    Some(request.user_intent.clone().unwrap_or(UserIntent::Swe))
}

/// A task a line created (or had created before).
pub struct CreatedTask {
    pub slug: String,
    pub job: String,
    /// The intent it was created with, when the line said (or defaulted).
    pub intent: Option<UserIntent>,
}

/// What a batch created: every line's task, and whether every line was.
pub struct Created {
    /// Every line's task: its slug, first job and intent, for `--wait`.
    pub tasks: Vec<CreatedTask>,
    /// The failure to report once the batch (and any wait) is done.
    pub failure: Option<Failure>,
}

/// Creates a task per line of `from`; `defaults` are the create-task
/// fields of the command line (intent, agent, effort, parent), which a
/// line's own fields override.
pub async fn run(
    session: &Session,
    from: &Path,
    batch: &BatchOptions,
    defaults: Map<String, Value>,
) -> Result<Created, Failure> {
    let (journal, contents) = match &batch.journal {
        Some(path) => {
            refuse_the_input_as_journal(from, path)?;
            let (journal, contents) = Journal::open(path)?;
            (Some(journal), contents)
        }
        None => (None, Contents::default()),
    };
    // What a run that died spent of the key's limits counts here too.
    session.client.count_sent_before(spent(&contents.sent));
    let marked = journal.as_ref().map(|journal| journal.batch.clone());
    let lines = read(from, &defaults, marked.as_deref())?;
    let batch_id = marked.unwrap_or_else(fresh_batch_id);
    let found = find_lost(session, &lines, &contents.known, &batch_id).await?;
    let journal = journal.as_ref();
    let mut report = Report {
        journalled: journal.is_some(),
        total: lines.len(),
        ..Report::default()
    };
    let to_send = report.done_before(session, journal, lines, &contents.known, &found)?;
    let interrupted = create(session, journal, &mut report, to_send, batch.parallel).await;
    report.finish(interrupted)
}

/// Creates the lines `to_send`, reporting each as it is answered; whether
/// Ctrl-C stopped it.
async fn create(
    session: &Session,
    journal: Option<&Journal>,
    report: &mut Report,
    to_send: Vec<Line>,
    parallel: u16,
) -> bool {
    let (keys, requests): (Vec<LineKey>, Vec<CreateTaskRequest>) = to_send
        .into_iter()
        .map(|line| (line.key, line.request))
        .unzip();
    let intents: Vec<Option<UserIntent>> = requests.iter().map(intent_of).collect();
    // The intent, journaled (with its time) before each create goes.
    let before_send = |index: usize| match journal {
        Some(journal) => journal
            .record(&Record::sending(keys[index]))
            .map_err(|failure| {
                Error::Hook(Box::new(twill_api::error::HookError::new(
                    failure.to_string(),
                )))
            }),
        None => Ok(()),
    };
    let client = session.client.with_hook(report.held.clone());
    let mut results =
        std::pin::pin!(client.create_tasks(requests, usize::from(parallel), before_send));
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
    // The status line counts down a rate-limit wait while nothing ends.
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            next = results.next() => match next {
                Some((index, result)) => {
                    let outcome = outcome_of(journal, keys[index], result);
                    report.add(session, keys[index], intents[index].clone(), outcome);
                }
                None => return false,
            },
            _ = tick.tick() => report.redraw(),
            _ = &mut ctrl_c => return true,
        }
    }
}

/// How long ago each of a journal's creates was sent; one of a run that
/// kept no time counts as just now (so the rerun waits its window out).
fn spent(sent: &[Option<u64>]) -> Vec<std::time::Duration> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
    sent.iter()
        .map(|at| std::time::Duration::from_millis(at.map_or(0, |at| now.saturating_sub(at))))
        .collect()
}

/// The journal must not be the input: the batch would append to its own
/// prompts.
fn refuse_the_input_as_journal(from: &Path, journal: &Path) -> Result<(), Failure> {
    let same = match (from.canonicalize(), journal.canonicalize()) {
        (Ok(from), Ok(journal)) => from == journal,
        _ => false,
    };
    if same {
        return Err(Failure::Usage(format!(
            "--journal {} is the input itself: name another file",
            journal.display()
        )));
    }
    Ok(())
}

/// The lines of `from`, each checked and made a create-task body, before
/// anything is sent: one bad line refuses the batch, naming it.
fn read(
    from: &Path,
    defaults: &Map<String, Value>,
    batch: Option<&str>,
) -> Result<Vec<Line>, Failure> {
    let shown = from.display();
    let bytes = if from == Path::new("-") {
        local_input::read_stdin(MAX_INPUT_BYTES).map(String::into_bytes)
    } else {
        local_input::read_file(from, MAX_INPUT_BYTES)
    }
    .map_err(|error| Failure::Usage(format!("cannot read {shown}: {error}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::Usage(format!("{shown} is not UTF-8 text")))?;
    // An editor's byte-order mark is not part of line 1.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut copies: HashMap<&str, usize> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        if raw.trim().is_empty() {
            continue;
        }
        let copy = {
            let seen = copies.entry(raw).or_insert(0);
            *seen += 1;
            *seen
        };
        let key = LineKey::of(index + 1, copy, raw);
        match request(key, raw, defaults, batch) {
            Ok(request) => lines.push(Line { key, request }),
            Err(problem) => problems.push(format!("line {}: {problem}", index + 1)),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::Usage(format!(
            "{shown}: {}; nothing was sent",
            problems.join("; ")
        )));
    }
    if lines.is_empty() {
        return Err(Failure::Usage(format!(
            "{shown} has no line to create a task from"
        )));
    }
    Ok(lines)
}

/// A line as a create-task request: its prompt, or its JSON object's
/// fields (decoded by the request type itself: a field it does not know is
/// refused by name), over the defaults. In a batch with a journal
/// (`batch`), its title ends with the line's marker: the line's title, or
/// its prompt's first line cut to fit.
fn request(
    key: LineKey,
    raw: &str,
    defaults: &Map<String, Value>,
    batch: Option<&str>,
) -> Result<CreateTaskRequest, String> {
    let mut fields = defaults.clone();
    if raw.trim_start().starts_with('{') {
        let object: Map<String, Value> = serde_json::from_str(raw).map_err(|error| {
            format!(
                "not a JSON object: {error} (a prompt that starts with `{{` goes as \
                 {{\"command\": \"...\"}})"
            )
        })?;
        fields.extend(object);
    } else {
        fields.insert("command".to_owned(), json!(raw.trim()));
    }
    let mut request: CreateTaskRequest = serde_json::from_value(Value::Object(fields))
        .map_err(|error| format!("not a create-task body: {error}"))?;
    if request.command.trim().is_empty() {
        return Err("its \"command\" is empty".to_owned());
    }
    check_values(&request)?;
    let Some(batch) = batch else {
        return Ok(request);
    };
    let marker = key.marker(batch);
    let room = MAX_TITLE - marker.chars().count() - 1;
    if let Some(title) = &request.title
        && title.chars().count() > room
    {
        return Err(format!(
            "its title is over {room} characters, with the {}-character marker of the batch \
             the most a title can be",
            MAX_TITLE - room
        ));
    }
    // A title given is never cut; a prompt's first line made a title is.
    let own: String = match &request.title {
        Some(title) => title.clone(),
        None => request
            .command
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .chars()
            .take(room)
            .collect(),
    };
    request.title = Some(format!("{own} {marker}"));
    Ok(request)
}

/// What the request type takes but Twill would refuse, refused here: the
/// open enums take any text from the server; from the user, a value this
/// version does not know is a typo until Twill says otherwise.
fn check_values(request: &CreateTaskRequest) -> Result<(), String> {
    if let Some(UserIntent::Other(value)) = &request.user_intent {
        return Err(format!(
            "\"userIntent\" {value:?} is not one of {}",
            UserIntent::KNOWN.join(", ")
        ));
    }
    if let Some(ReasoningEffort::Other(value)) = &request.reasoning_effort {
        return Err(format!(
            "\"reasoningEffort\" {value:?} is not one of {}",
            ReasoningEffort::KNOWN.join(", ")
        ));
    }
    if let Some(title) = &request.title
        && title.chars().count() > MAX_TITLE
    {
        return Err(format!("its title is over {MAX_TITLE} characters"));
    }
    Ok(())
}

/// The tasks of the lines whose answer was lost, found by their markers
/// among the recent tasks (one walk for them all).
async fn find_lost(
    session: &Session,
    lines: &[Line],
    known: &HashMap<LineKey, Known>,
    batch: &str,
) -> Result<HashMap<LineKey, (Value, Value)>, Failure> {
    let lost: Vec<LineKey> = lines
        .iter()
        .map(|line| line.key)
        .filter(|key| known.get(key) == Some(&Known::Unsure))
        .collect();
    let mut found = HashMap::new();
    if lost.is_empty() {
        return Ok(found);
    }
    let endpoint = <Client as Tasks>::LIST_TASKS;
    let arguments = Arguments::new().arg("limit", "100");
    let mut pages = session.client.walk_pages(endpoint, arguments, "tasks");
    let mut read = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| Failure::api(endpoint, error))?;
        let tasks: TaskPage = serde_json::from_value(page.content.json.clone())
            .map_err(|error| Failure::Local(format!("cannot read the answer: {error}")))?;
        let raw = page.content.json["tasks"].as_array().into_iter().flatten();
        for (item, task) in tasks.tasks.iter().zip(raw) {
            let title = item.title.as_deref().unwrap_or_default();
            // At the title's end; a run before kept it at the start.
            if let Some(key) = lost.iter().find(|key| title.contains(&key.marker(batch))) {
                found
                    .entry(*key)
                    .or_insert_with(|| (task.clone(), Value::Null));
            }
        }
        read += 1;
        if found.len() == lost.len() || read == LOOKUP_PAGES {
            break;
        }
    }
    Ok(found)
}

/// What an answer to a line's create makes of it, journaled as soon as it
/// comes.
fn outcome_of(
    journal: Option<&Journal>,
    key: LineKey,
    answer: Result<CreateTaskResponse, Error>,
) -> Outcome {
    let (outcome, record) = match answer {
        Ok(created) => {
            let task = serde_json::to_value(&created.task).unwrap_or_default();
            let job = serde_json::to_value(&created.job).unwrap_or_default();
            let record = Record::Created {
                line: key.into(),
                task: task.clone(),
                job: job.clone(),
                found: false,
            };
            let outcome = Outcome::Created {
                task,
                job,
                before: false,
            };
            (outcome, Some(record))
        }
        // The journal itself could not be written: nothing was sent.
        Err(Error::Hook(error)) => {
            let outcome = Outcome::Failed {
                why: error.to_string(),
                may_have_acted: false,
            };
            (outcome, None)
        }
        Err(error) => {
            let may_have_acted = error.may_have_acted();
            let record = Record::Failed {
                line: key.into(),
                error: error.to_string(),
                may_have_acted,
            };
            let why = Failure::api(<Client as Tasks>::CREATE_TASK, error).to_string();
            let outcome = Outcome::Failed {
                why,
                may_have_acted,
            };
            (outcome, Some(record))
        }
    };
    match (journal, record) {
        (Some(journal), Some(record)) => match journal.record(&record) {
            Ok(()) => outcome,
            Err(failure) => Outcome::Failed {
                why: failure.to_string(),
                may_have_acted: true,
            },
        },
        _ => outcome,
    }
}

/// A line of the batch's output.
enum Printed {
    Text(String),
    Json(Value),
}

/// What the batch came to, printed a line at a time.
#[derive(Default)]
struct Report {
    /// The lines of the input.
    total: usize,
    created: usize,
    before: usize,
    /// Of those created before, the ones a rerun found on the server.
    found: usize,
    failed: usize,
    /// Whether a journal keeps what was created, for the rerun hint.
    journalled: bool,
    /// Every line's task, for `--wait`.
    tasks: Vec<CreatedTask>,
    /// Standard output went away: the batch goes on, quietly.
    closed: bool,
    /// A write to standard output that failed otherwise (a full disk).
    unwritten: Option<Failure>,
    /// Until when the creates wait for the rate limit.
    held: RateHeld,
}

/// Until when the batch's creates wait for room in the rate limit, as the
/// client's hook hears it: for the status line.
#[derive(Default, Clone)]
struct RateHeld(std::sync::Arc<std::sync::Mutex<Option<std::time::Instant>>>);

impl twill_api::hook::Hook for RateHeld {
    fn before_rate_wait(&self, wait: &twill_api::hook::RateWait) {
        let until = std::time::Instant::now() + wait.wait;
        let mut held = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *held = Some(held.map_or(until, |held| held.max(until)));
    }
}

impl RateHeld {
    /// The whole seconds still to wait, if any.
    fn seconds_left(&self) -> Option<u64> {
        let held = *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let left = held?.checked_duration_since(std::time::Instant::now())?;
        Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
    }
}

impl Report {
    /// Reports the lines done before (journaled created, or found on the
    /// server now, which is journaled at once); the lines left to send.
    fn done_before(
        &mut self,
        session: &Session,
        journal: Option<&Journal>,
        lines: Vec<Line>,
        known: &HashMap<LineKey, Known>,
        found: &HashMap<LineKey, (Value, Value)>,
    ) -> Result<Vec<Line>, Failure> {
        let mut to_send = Vec::new();
        for line in lines {
            let intent = intent_of(&line.request);
            let (task, job) = if let Some((task, job)) = found.get(&line.key) {
                if let Some(journal) = journal {
                    journal.record(&Record::Created {
                        line: line.key.into(),
                        task: task.clone(),
                        job: job.clone(),
                        found: true,
                    })?;
                }
                self.found += 1;
                (task.clone(), job.clone())
            } else if let Some(Known::Created { task, job }) = known.get(&line.key) {
                (task.clone(), job.clone())
            } else {
                to_send.push(line);
                continue;
            };
            let before = Outcome::Created {
                task,
                job,
                before: true,
            };
            self.add(session, line.key, intent, before);
        }
        Ok(to_send)
    }

    fn add(
        &mut self,
        session: &Session,
        key: LineKey,
        intent: Option<UserIntent>,
        outcome: Outcome,
    ) {
        let human = session.output.form == Form::Human;
        let printed = match &outcome {
            Outcome::Created { task, job, before } => {
                if *before {
                    self.before += 1;
                } else {
                    self.created += 1;
                }
                if let (Some(slug), Some(job)) = (task["slug"].as_str(), job["id"].as_str()) {
                    self.tasks.push(CreatedTask {
                        slug: slug.to_owned(),
                        job: job.to_owned(),
                        intent,
                    });
                }
                let how = if *before { "created before" } else { "created" };
                let slug = one(task["slug"].as_str().unwrap_or("?"));
                let url = one(task["url"].as_str().unwrap_or_default());
                if human {
                    Printed::Text(format!("line {}: {how} {slug} {url}", key.line))
                } else {
                    // `before`: the task is from an earlier run (its job as
                    // then), as the human line says.
                    Printed::Json(
                        json!({ "line": key.line, "task": task, "job": job, "before": before }),
                    )
                }
            }
            Outcome::Failed {
                why,
                may_have_acted,
            } => {
                self.failed += 1;
                if human && *may_have_acted {
                    Printed::Text(format!(
                        "line {}: may have been created (its answer was lost): {}",
                        key.line,
                        one(why)
                    ))
                } else if human {
                    Printed::Text(format!("line {}: failed: {}", key.line, one(why)))
                } else {
                    Printed::Json(
                        json!({ "line": key.line, "error": why, "mayHaveActed": may_have_acted }),
                    )
                }
            }
        };
        self.print(session, printed);
    }

    /// Prints a line's outcome under the status line, then the count.
    fn print(&mut self, session: &Session, printed: Printed) {
        if self.closed || self.unwritten.is_some() {
            return;
        }
        crate::render::terminal::clear_status_line();
        let written = match printed {
            Printed::Json(json) => session.output.json_line(&json),
            Printed::Text(text) => session.output.line(&text),
        };
        self.redraw();
        // Whatever the reader does, every line is created and journalled.
        match written {
            Ok(()) => {}
            Err(Failure::Closed) => self.closed = true,
            Err(failure) => self.unwritten = Some(failure),
        }
    }

    /// The status line: the count, and a rate-limit wait under way.
    fn redraw(&self) {
        if self.closed || self.unwritten.is_some() {
            return;
        }
        let done = self.created + self.before + self.failed;
        // The wait first: a narrow terminal cuts the end of the line.
        let waiting = self
            .held
            .seconds_left()
            .map_or_else(String::new, |seconds| {
                format!("waiting {seconds} s for the rate limit · ")
            });
        crate::render::terminal::status_line(&format!(
            "{done}/{} · {waiting}{} created, {} before, {} failed",
            self.total, self.created, self.before, self.failed
        ));
    }

    fn finish(self, interrupted: bool) -> Result<Created, Failure> {
        crate::render::terminal::clear_status_line();
        let summary = format!(
            "{} created, {} created before ({} found on the server), {} failed",
            self.created, self.before, self.found, self.failed
        );
        let rerun = if self.journalled {
            "the same command with the same --journal creates only the lines not yet created"
        } else {
            "without a --journal, running it again creates every line again"
        };
        if interrupted {
            return Err(Failure::Interrupted(format!(
                "stopped: {summary}, others may be in flight; {rerun}"
            )));
        }
        let failure = if self.failed > 0 {
            Some(Failure::Local(format!("{summary}: {rerun}")))
        } else {
            eprintln!("twill: {summary}");
            self.unwritten
        };
        Ok(Created {
            tasks: self.tasks,
            failure,
        })
    }
}
