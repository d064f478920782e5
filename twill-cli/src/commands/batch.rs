//! `twill tasks create --from FILE`: one task per non-empty line (the line
//! is the prompt, or a JSON object of create-task fields), `--parallel` in
//! flight at once, paced by the client's rate limit, and with `--journal`
//! resumable after a crash without creating a line twice.
//!
//! The rule: every line's task gets a title that starts with a marker of
//! the line (`[batch 1a2b3c4d#7] `, before any title the line sets). The
//! journal records the intent before each create and the answer after it,
//! fsynced. A rerun skips the lines created, sends again the lines the
//! server refused, and looks for the marker of every line whose answer was
//! lost (the process died, or the connection did) among the recent tasks
//! before sending it again: Twill has no idempotency key.

use std::collections::HashMap;
use std::path::Path;

use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use twill_api::api::Tasks;
use twill_api::models::{CreateTaskResponse, TaskPage};
use twill_api::{Arguments, Client};

use crate::cli::BatchOptions;
use crate::failure::Failure;
use crate::journal::{Journal, Known, LineKey};
use crate::local_input;
use crate::render::{Form, one};
use crate::session::{Session, decode};

/// The longest input read.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;
/// How many pages of recent tasks a rerun reads to find a lost line.
const LOOKUP_PAGES: usize = 10;

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
    Failed(String),
}

/// Creates a task per line of `from`; `defaults` are the create-task
/// fields of the command line (intent, agent, effort, parent), which a
/// line's own fields override.
pub async fn run(
    session: &Session,
    from: &Path,
    batch: &BatchOptions,
    defaults: Map<String, Value>,
) -> Result<Vec<String>, Failure> {
    let lines = read(from, &defaults)?;
    let (journal, known) = match &batch.journal {
        Some(path) => {
            let (journal, known) = Journal::open(path)?;
            (Some(journal), known)
        }
        None => (None, HashMap::new()),
    };
    let found = find_lost(session, &lines, &known).await?;
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
            (line.key, outcome)
        }
    }))
    .buffer_unordered(usize::from(batch.parallel));
    let mut report = Report::default();
    while let Some((key, outcome)) = results.next().await {
        report.add(session, key, outcome);
    }
    report.finish()
}

/// The lines of `from`, each checked and made a create-task body, before
/// anything is sent: one bad line refuses the batch, naming it.
fn read(from: &Path, defaults: &Map<String, Value>) -> Result<Vec<Line>, Failure> {
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
        match body(key, raw, defaults) {
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
fn body(key: LineKey, raw: &str, defaults: &Map<String, Value>) -> Result<Value, String> {
    let mut fields = defaults.clone();
    if raw.trim_start().starts_with('{') {
        let object: Map<String, Value> =
            serde_json::from_str(raw).map_err(|error| format!("not a JSON object: {error}"))?;
        if !object.get("command").is_some_and(Value::is_string) {
            return Err("a JSON line needs a \"command\" string".to_owned());
        }
        fields.extend(object);
    } else {
        fields.insert("command".to_owned(), json!(raw.trim()));
    }
    let own = match fields.get("title") {
        Some(Value::String(title)) => title.clone(),
        _ => fields["command"].as_str().unwrap_or_default().to_owned(),
    };
    // At most 200 characters, the API's limit, the marker included.
    let marker = key.marker();
    let room = 200 - marker.chars().count();
    let title: String = marker.chars().chain(own.chars().take(room)).collect();
    fields.insert("title".to_owned(), json!(title));
    Ok(Value::Object(fields))
}

/// The tasks of the lines whose answer was lost, found by their markers
/// among the recent tasks (one walk for them all).
async fn find_lost(
    session: &Session,
    lines: &[Line],
    known: &HashMap<LineKey, Known>,
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
        for (item, task) in tasks
            .tasks
            .iter()
            .zip(page.content.json["tasks"].as_array().into_iter().flatten())
        {
            let title = item.title.as_deref().unwrap_or_default();
            if let Some(key) = lost.iter().find(|key| title.starts_with(&key.marker())) {
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
        return Outcome::Failed(failure.to_string());
    }
    let arguments = Arguments::new().body(line.body.clone());
    let endpoint = <Client as Tasks>::CREATE_TASK;
    let answer = match session.client.call(endpoint, &arguments).await {
        Ok(response) => response.bytes().await.map(|body| body.to_vec()),
        Err(error) => Err(error),
    };
    let (outcome, record) = match answer {
        Ok(raw) => match decode::<CreateTaskResponse>(&raw).and_then(|_| decode::<Value>(&raw)) {
            Ok(created) => {
                let (task, job) = (created["task"].clone(), created["job"].clone());
                let record = ("created", json!({ "task": task, "job": job }));
                (
                    Outcome::Created {
                        task,
                        job,
                        before: false,
                    },
                    record,
                )
            }
            Err(failure) => {
                let message = failure.to_string();
                (
                    Outcome::Failed(message.clone()),
                    ("failed", json!({ "error": message, "mayHaveActed": true })),
                )
            }
        },
        Err(error) => {
            let record =
                json!({ "error": error.to_string(), "mayHaveActed": error.may_have_acted() });
            (
                Outcome::Failed(Failure::api(endpoint, error).to_string()),
                ("failed", record),
            )
        }
    };
    if let Some(journal) = journal
        && let Err(failure) = journal.record(line.key, record.0, record.1)
    {
        return Outcome::Failed(failure.to_string());
    }
    outcome
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
    /// The slugs of every line's task, for `--wait`.
    slugs: Vec<String>,
    /// Standard output went away: the batch goes on, quietly.
    closed: bool,
}

impl Report {
    fn add(&mut self, session: &Session, key: LineKey, outcome: Outcome) {
        let human = session.output.form == Form::Human;
        let printed = match &outcome {
            Outcome::Created { task, job, before } => {
                if *before {
                    self.before += 1;
                } else {
                    self.created += 1;
                }
                self.slugs.extend(task["slug"].as_str().map(str::to_owned));
                let how = if *before { "created before" } else { "created" };
                let slug = one(task["slug"].as_str().unwrap_or("?"));
                let url = one(task["url"].as_str().unwrap_or_default());
                if human {
                    Printed::Text(format!("line {}: {how} {slug} {url}", key.line))
                } else {
                    Printed::Json(json!({ "line": key.line, "task": task, "job": job }))
                }
            }
            Outcome::Failed(why) => {
                self.failed += 1;
                if human {
                    Printed::Text(format!("line {}: failed: {}", key.line, one(why)))
                } else {
                    Printed::Json(json!({ "line": key.line, "error": why }))
                }
            }
        };
        if self.closed {
            return;
        }
        let written = match printed {
            Printed::Json(json) => session.output.json_line(&json),
            Printed::Text(text) => session.output.line(&text),
        };
        // Whatever the reader does, every line is created and journalled.
        if written.is_err() {
            self.closed = true;
        }
    }

    fn finish(self) -> Result<Vec<String>, Failure> {
        let summary = format!(
            "{} created, {} created before, {} failed",
            self.created, self.before, self.failed
        );
        eprintln!("twill: {summary}");
        if self.failed > 0 {
            return Err(Failure::Local(format!(
                "{summary}: the same command with the same --journal creates only the lines not yet created"
            )));
        }
        Ok(self.slugs)
    }
}
