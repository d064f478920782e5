//! `twill tasks create --from FILE`: one task per non-empty line (the line
//! is the prompt, or a JSON object of create-task fields), `--parallel` in
//! flight at once, paced by the client's rate limit, and with `--journal`
//! resumable after a crash without creating a line twice.
//!
//! The rule: every line's task gets a title that starts with a marker of
//! the batch and the line (`[batch 5e0c1a-1a2b3c4d#7] `, before any title
//! the line sets). The journal records the intent before each create and
//! the answer after it, fsynced. A rerun skips the lines created, sends
//! again the lines the server refused, and looks for the marker of every
//! line whose answer was lost (the process died, or the connection did)
//! among the recent tasks before sending it again: Twill has no
//! idempotency key.

use std::collections::HashMap;
use std::path::Path;

use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use twill_api::api::Tasks;
use twill_api::models::UserIntent;
use twill_api::models::{CreateTaskResponse, TaskPage};
use twill_api::{Arguments, Client, Error};

use crate::cli::BatchOptions;
use crate::failure::Failure;
use crate::journal::{Journal, Known, LineKey, fresh_batch_id};
use crate::local_input;
use crate::render::{Form, one};
use crate::session::{Session, decode};

/// The longest input read.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;
/// How many pages of recent tasks a rerun reads to find a lost line.
const LOOKUP_PAGES: usize = 10;
/// A title's most characters, the API's limit (the marker included).
const MAX_TITLE: usize = 200;
/// The fields a JSON line may set: create-task's.
const FIELDS: &[&str] = &[
    "command",
    "title",
    "userIntent",
    "agent",
    "reasoningEffort",
    "files",
    "parentId",
];

/// One line of the input, ready to send.
struct Line {
    key: LineKey,
    body: Value,
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

/// The intent a create-task body asks for: SWE, the API's default, when
/// it names none (SWE proposes nothing to approve).
fn intent_of(body: &Value) -> Option<UserIntent> {
    Some(
        body["userIntent"]
            .as_str()
            .map_or(UserIntent::Swe, UserIntent::from),
    )
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
    let (journal, known) = match &batch.journal {
        Some(path) => {
            refuse_the_input_as_journal(from, path)?;
            let (journal, known) = Journal::open(path)?;
            (Some(journal), known)
        }
        None => (None, HashMap::new()),
    };
    let batch_id = journal
        .as_ref()
        .map_or_else(fresh_batch_id, |journal| journal.batch.clone());
    let lines = read(from, &defaults, &batch_id)?;
    let found = find_lost(session, &lines, &known, &batch_id).await?;
    let journal = journal.as_ref();
    let mut results = futures_util::stream::iter(lines.into_iter().map(|line| {
        let earlier = found
            .get(&line.key)
            .cloned()
            .or_else(|| match known.get(&line.key) {
                Some(Known::Created { task, job }) => Some((task.clone(), job.clone())),
                _ => None,
            });
        async move {
            let outcome = match earlier {
                Some((task, job)) => Outcome::Created {
                    task,
                    job,
                    before: true,
                },
                None => create(session, journal, &line).await,
            };
            (line.key, intent_of(&line.body), outcome)
        }
    }))
    .buffer_unordered(usize::from(batch.parallel));
    let mut report = Report {
        journalled: journal.is_some(),
        ..Report::default()
    };
    let interrupted = tokio::select! {
        () = async {
            while let Some((key, intent, outcome)) = results.next().await {
                report.add(session, key, intent, outcome);
            }
        } => false,
        _ = tokio::signal::ctrl_c() => true,
    };
    report.finish(interrupted)
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
fn read(from: &Path, defaults: &Map<String, Value>, batch: &str) -> Result<Vec<Line>, Failure> {
    let shown = from.display();
    let bytes = if from == Path::new("-") {
        local_input::read_stdin(MAX_INPUT_BYTES).map(String::into_bytes)
    } else {
        local_input::read_file(from, MAX_INPUT_BYTES)
    }
    .map_err(|error| Failure::Usage(format!("cannot read {shown}: {error}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::Usage(format!("{shown} is not UTF-8 text")))?;
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        if raw.trim().is_empty() {
            continue;
        }
        let key = LineKey::of(index + 1, raw);
        match body(key, raw, defaults, batch) {
            Ok(body) => lines.push(Line { key, body }),
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

/// A line as a create-task body: its prompt, or its JSON object's fields,
/// over the defaults; its title starts with the line's marker.
fn body(
    key: LineKey,
    raw: &str,
    defaults: &Map<String, Value>,
    batch: &str,
) -> Result<Value, String> {
    let mut fields = defaults.clone();
    if raw.trim_start().starts_with('{') {
        let object: Map<String, Value> =
            serde_json::from_str(raw).map_err(|error| format!("not a JSON object: {error}"))?;
        check_fields(&object)?;
        fields.extend(object);
    } else {
        fields.insert("command".to_owned(), json!(raw.trim()));
    }
    let own = match fields.get("title") {
        Some(Value::String(title)) => title.clone(),
        _ => fields["command"].as_str().unwrap_or_default().to_owned(),
    };
    let marker = key.marker(batch);
    let room = MAX_TITLE - marker.chars().count();
    let given = fields.get("title").is_some();
    if given && own.chars().count() > room {
        return Err(format!(
            "its title is over {room} characters, with the {}-character marker of the batch \
             the most a title can be",
            MAX_TITLE - room
        ));
    }
    // A prompt made a title is cut to fit; a title given is never cut.
    let title: String = marker.chars().chain(own.chars().take(room)).collect();
    fields.insert("title".to_owned(), json!(title));
    Ok(Value::Object(fields))
}

/// A JSON line's fields, as far as they can be checked here: the known
/// ones, of their JSON types, a command that is not empty.
fn check_fields(object: &Map<String, Value>) -> Result<(), String> {
    if let Some(unknown) = object.keys().find(|key| !FIELDS.contains(&key.as_str())) {
        return Err(format!(
            "no field \"{}\" in a create-task body; the fields are {}",
            one(unknown),
            FIELDS.join(", ")
        ));
    }
    match object.get("command") {
        Some(Value::String(command)) if !command.trim().is_empty() => {}
        _ => return Err("a JSON line needs a \"command\" that is a non-empty string".to_owned()),
    }
    for (name, value) in object {
        let fits = match name.as_str() {
            "files" => value.is_array(),
            _ => value.is_string(),
        };
        if !fits {
            let wanted = if name == "files" {
                "an array"
            } else {
                "a string"
            };
            return Err(format!("\"{name}\" must be {wanted}"));
        }
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
            if let Some(key) = lost
                .iter()
                .find(|key| title.starts_with(&key.marker(batch)))
            {
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

/// Creates `line`'s task, journalling the intent first and the answer as
/// soon as it comes.
async fn create(session: &Session, journal: Option<&Journal>, line: &Line) -> Outcome {
    if let Some(journal) = journal
        && let Err(failure) = journal.record(line.key, "sending", json!({}))
    {
        return Outcome::Failed {
            why: failure.to_string(),
            may_have_acted: false,
        };
    }
    let (outcome, record) = outcome_of(send(session, &line.body).await);
    if let Some(journal) = journal
        && let Err(failure) = journal.record(line.key, record.0, record.1)
    {
        return Outcome::Failed {
            why: failure.to_string(),
            may_have_acted: true,
        };
    }
    outcome
}

/// What an answer to a create makes of its line, and the record of it.
fn outcome_of(answer: Result<Vec<u8>, Error>) -> (Outcome, (&'static str, Value)) {
    match answer {
        Ok(raw) => match decode::<CreateTaskResponse>(&raw).and_then(|_| decode::<Value>(&raw)) {
            Ok(created) => {
                let (task, job) = (created["task"].clone(), created["job"].clone());
                let record = ("created", json!({ "task": task, "job": job }));
                let outcome = Outcome::Created {
                    task,
                    job,
                    before: false,
                };
                (outcome, record)
            }
            Err(failure) => {
                let why = failure.to_string();
                let record = json!({ "error": why, "mayHaveActed": true });
                let outcome = Outcome::Failed {
                    why,
                    may_have_acted: true,
                };
                (outcome, ("failed", record))
            }
        },
        Err(error) => {
            let may_have_acted = error.may_have_acted();
            let record = json!({ "error": error.to_string(), "mayHaveActed": may_have_acted });
            let why = Failure::api(<Client as Tasks>::CREATE_TASK, error).to_string();
            let outcome = Outcome::Failed {
                why,
                may_have_acted,
            };
            (outcome, ("failed", record))
        }
    }
}

/// Sends a create, waiting out the rate limit however long it takes (the
/// call's own timeout bounds each attempt, not the wait for room: nothing
/// was sent while it waited, so waiting again is safe).
async fn send(session: &Session, body: &Value) -> Result<Vec<u8>, Error> {
    let arguments = Arguments::new().body(body.clone());
    loop {
        match session
            .client
            .call(<Client as Tasks>::CREATE_TASK, &arguments)
            .await
        {
            Ok(response) => return response.bytes().await.map(|body| body.to_vec()),
            Err(Error::Throttled(throttled)) if !throttled.acted => {
                tokio::time::sleep(throttled.wait).await;
            }
            Err(error) => return Err(error),
        }
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
    created: usize,
    before: usize,
    failed: usize,
    /// Whether a journal keeps what was created, for the rerun hint.
    journalled: bool,
    /// Every line's task, for `--wait`.
    tasks: Vec<CreatedTask>,
    /// Standard output went away: the batch goes on, quietly.
    closed: bool,
    /// A write to standard output that failed otherwise (a full disk).
    unwritten: Option<Failure>,
}

impl Report {
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
                    Printed::Json(json!({ "line": key.line, "task": task, "job": job }))
                }
            }
            Outcome::Failed {
                why,
                may_have_acted,
            } => {
                self.failed += 1;
                if human {
                    Printed::Text(format!("line {}: failed: {}", key.line, one(why)))
                } else {
                    Printed::Json(
                        json!({ "line": key.line, "error": why, "mayHaveActed": may_have_acted }),
                    )
                }
            }
        };
        if self.closed || self.unwritten.is_some() {
            return;
        }
        let written = match printed {
            Printed::Json(json) => session.output.json_line(&json),
            Printed::Text(text) => session.output.line(&text),
        };
        // Whatever the reader does, every line is created and journalled.
        match written {
            Ok(()) => {}
            Err(Failure::Closed) => self.closed = true,
            Err(failure) => self.unwritten = Some(failure),
        }
    }

    fn finish(self, interrupted: bool) -> Result<Created, Failure> {
        let summary = format!(
            "{} created, {} created before, {} failed",
            self.created, self.before, self.failed
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
