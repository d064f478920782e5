//! How a job's standing (`twill_api::workflow::Standing`) is shown: the
//! answer or the plan waiting after a follow, the command that approves
//! it, the JSON fields, and the exit code. The words are the library's;
//! this decides only how they look.

use serde_json::{Value, json};
use twill_api::models::Job;
use twill_api::workflow::{Awaiting, Standing};

use crate::failure::Failure;
use crate::render::{Form, Output};

/// How many lines of a plan a terminal shows; the rest is a command away.
const PLAN_LINES: usize = 20;

/// What a command knows of the job it follows beyond its id.
#[derive(Debug, Clone, Copy)]
pub struct Followed<'a> {
    /// The job.
    pub job: &'a str,
    /// Its task, when known: then the task is read at the end, for a plan
    /// waiting and the answer.
    pub task: Option<&'a str>,
    /// Whether the job proposes a Ralph loop's criteria (the command
    /// started it with `--intent RALPH_LOOP`): the API has no field for it.
    pub criteria: bool,
}

/// The command that approves what a job waits for, as a person types it.
pub fn approve_command(awaiting: Awaiting, task: &str) -> String {
    let task = twill_api::untrusted::escape_line(task);
    // The commands of the approving endpoints; one a later version adds
    // is still reachable by its name.
    match awaiting.endpoint().name() {
        "approve_plan" => format!("twill tasks approve {task}"),
        "approve_criteria" => format!("twill tasks approve-criteria {task}"),
        other => format!("twill api {other} taskIdOrSlug={task}"),
    }
}

/// The exit a standing makes at the end of a follow or a wait: 0
/// completed, 4 failed, 5 cancelled, 7 needs you, 6 still under way (the
/// deadline came first).
pub fn exit_of(standing: &Standing, job: &str, task: Option<&str>) -> Result<(), Failure> {
    match standing {
        Standing::Completed => Ok(()),
        Standing::Failed { reason: None } => Err(Failure::JobFailed(format!("job {job} failed"))),
        Standing::Failed {
            reason: Some(reason),
        } => Err(Failure::JobFailed(format!(
            "job {job} failed: {}",
            twill_api::untrusted::escape_line(reason)
        ))),
        Standing::Cancelled => Err(Failure::JobCancelled(format!("job {job} was cancelled"))),
        Standing::NeedsYou(awaiting) => {
            let what = awaiting.word();
            let approve = approve_command(*awaiting, task.unwrap_or("TASK"));
            Err(Failure::NeedsYou(format!(
                "job {job} needs you: {what} to approve. To approve it: {approve}"
            )))
        }
        other => Err(Failure::Deadline(format!("job {job} is still {other}"))),
    }
}

/// After a follow: the answer, or the plan (or criteria) waiting with the
/// command that approves it; in `--jsonl`, when the task was read, one last
/// line with the state.
/// `job` is the job as its task shows it, when the task was read.
pub fn conclude(
    output: &Output,
    followed: Followed<'_>,
    standing: &Standing,
    job: Option<&Job>,
) -> Result<(), Failure> {
    let answer = job.and_then(|job| job.final_answer.as_deref());
    let plan = job.and_then(|job| job.plan.as_deref());
    if output.form != Form::Human {
        // Only where the task was read: then it says what the log cannot
        // (a plan waiting, the answer); a job's log alone stays the JSON
        // that arrived, nothing of ours among it.
        if followed.task.is_none() {
            return Ok(());
        }
        return output.json_line(&state_line(followed, standing, answer, plan));
    }
    match standing {
        Standing::NeedsYou(awaiting) => {
            // A Ralph loop's criteria come as its answer.
            let text = if *awaiting == Awaiting::Criteria {
                answer.or(plan)
            } else {
                plan.or(answer)
            };
            let task = followed.task.unwrap_or("TASK");
            output.line(&format!(
                "{} waiting for approval ({}):",
                awaiting.word(),
                approve_command(*awaiting, task)
            ))?;
            indented(output, text.unwrap_or("(not shown by the API)"), true, task)
        }
        Standing::Completed => match (answer, followed.task) {
            (Some(answer), Some(task)) => {
                output.line("answer:")?;
                indented(output, answer, false, task)
            }
            (None, Some(_)) => Ok(()),
            // The log alone cannot tell a plan waiting from a job done.
            (_, None) => {
                eprintln!(
                    "twill: whether a plan waits for approval is not in a job's log: \
                     --task TASK checks it"
                );
                Ok(())
            }
        },
        _ => Ok(()),
    }
}

/// `text`, each line indented (so that none can pass for one of ours);
/// with `cut` on a terminal, at most [`PLAN_LINES`] of it.
fn indented(output: &Output, text: &str, cut: bool, task: &str) -> Result<(), Failure> {
    let lines: Vec<&str> = text.lines().collect();
    let shown = if cut && output.is_terminal() {
        PLAN_LINES.min(lines.len())
    } else {
        lines.len()
    };
    for line in &lines[..shown] {
        output.line(&format!("  {line}"))?;
    }
    if shown < lines.len() {
        output.line(&format!(
            "  … {} more lines: twill tasks show {task}",
            lines.len() - shown
        ))?;
    }
    Ok(())
}

/// The last line of a followed log in `--jsonl`: where the job stands, in
/// the library's word, with what a script needs next.
fn state_line(
    followed: Followed<'_>,
    standing: &Standing,
    answer: Option<&str>,
    plan: Option<&str>,
) -> Value {
    let mut line = json!({
        "type": "standing",
        "state": standing.word(),
        "jobId": followed.job,
    });
    if let Some(task) = followed.task {
        line["task"] = json!(task);
    }
    if let Some(reason) = standing.reason() {
        line["reason"] = json!(reason);
    }
    if let Standing::NeedsYou(awaiting) = standing {
        line["approveWith"] = json!(awaiting.endpoint().name());
    }
    if let Some(answer) = answer {
        line["finalAnswer"] = json!(answer);
    }
    if let Some(plan) = plan {
        line["plan"] = json!(plan);
    }
    line
}
