//! Following a job as a person and a script do, over a network that takes
//! its time: the built binary on a pseudo-terminal (where the status line
//! moves) and in a pipe, against `twill mock --latency` and a port nothing
//! listens on. Each case is a few seconds of real time: what is tested is a
//! real server's pace.

mod common;

use assert_cmd::Command;
use common::{Mock, refused_url, terminal_run, twill};

/// The job id in a `--json` create's answer.
fn job_of(created: &str) -> String {
    let created: serde_json::Value = serde_json::from_str(created).unwrap();
    created["job"]["id"].as_str().unwrap().to_owned()
}

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Connections the mock accepted while `action` ran, less the one that
/// reads the count afterwards.
fn connections_during(mock: &Mock, action: impl FnOnce()) -> u64 {
    let count = |stats: serde_json::Value| stats["connections"].as_u64().unwrap();
    let before = count(mock.stats());
    action();
    count(mock.stats()) - before - 1
}

#[test]
fn a_follow_over_a_slow_server_shows_every_event_over_one_connection() {
    // Every answer, the log stream's head included, takes 300 ms.
    let mock = Mock::start(&["--latency", "300ms", "--job-time", "1"]);
    let Some(_) = terminal_run(&mock.url, &mock.key, 80, &[], "--version") else {
        return;
    };
    for on_a_terminal in [true, false] {
        // A job of its own, followed while it runs.
        let job = job_of(&mock.ok(&["--json", "tasks", "create", "x"]));
        let (mut code, mut shown) = (None, String::new());
        let connections = connections_during(&mock, || {
            if on_a_terminal {
                let (status, screen) =
                    terminal_run(&mock.url, &mock.key, 80, &[], &format!("jobs logs {job}"))
                        .unwrap();
                (code, shown) = (Some(status), screen);
            } else {
                let (status, out, err) = run(mock.twill().args(["jobs", "logs", &job]));
                (code, shown) = (Some(status), out + &err);
            }
        });
        assert_eq!(code, Some(0), "terminal {on_a_terminal}: {shown}");
        for line in ["  Working on: x", "status: IN_PROGRESS", "job completed"] {
            assert!(shown.contains(line), "terminal {on_a_terminal}: {shown:?}");
        }
        assert_eq!(connections, 1, "terminal {on_a_terminal}: {shown:?}");
        if on_a_terminal {
            assert!(
                shown.contains(&format!("job {job} · ")),
                "a status line: {shown:?}"
            );
        }
    }
}

#[test]
fn a_server_that_is_not_there_ends_a_timed_follow_alike_on_a_terminal_and_in_a_pipe() {
    let url = refused_url();
    let Some((code, screen)) = terminal_run(&url, "k", 80, &[], "jobs logs job-1 --timeout 2s")
    else {
        return;
    };
    let (piped_code, _, piped) = run(twill()
        .env("TWILL_BASE_URL", &url)
        .env("TWILL_API_KEY", "k")
        .args(["jobs", "logs", "job-1", "--timeout", "2s"]));
    for (shown, code) in [(&screen, code), (&piped, piped_code)] {
        assert_eq!(code, 6, "{shown}");
        assert!(
            shown.contains("stopped following after 2s; job job-1 goes on"),
            "{shown}"
        );
        assert!(shown.contains("connection refused"), "{shown}");
    }
    // The same words, the status line's clearing apart.
    let last = |text: &str| {
        let line = text.trim_end().lines().last().unwrap_or_default();
        line.rsplit("\x1b[2K").next().unwrap_or_default().to_owned()
    };
    assert_eq!(last(&screen), last(&piped));
}

#[test]
fn a_timed_follow_of_a_job_that_outlasts_it_exits_6_and_a_follow_that_ends_sooner_0() {
    let mock = Mock::start(&["--latency", "300ms", "--job-time", "30"]);
    let first = job_of(&mock.ok(&["--json", "tasks", "create", "x"]));
    let (code, out, err) = run(mock.twill().args([
        "tasks",
        "send",
        "task-1",
        "more",
        "--interrupt",
        "--follow",
        "--timeout",
        "1s",
    ]));
    assert_eq!(code, 6, "{out}{err}");
    assert!(err.contains("stopped following after 1s; job "), "{err}");
    assert!(err.contains(" goes on"), "{err}");
    let (code, _, err) = run(mock
        .twill()
        .args(["jobs", "logs", &first, "--timeout", "1h"]));
    assert_eq!(code, 5, "job-1 was cancelled by the message: {err}");
    // --timeout belongs to --follow.
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "x", "--timeout", "1s"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn an_empty_job_id_is_a_usage_error_before_any_request() {
    let mock = Mock::start(&[]);
    let connections = connections_during(&mock, || {
        let (code, out, err) = run(mock.twill().args(["--verbose", "jobs", "logs", ""]));
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains("jobId"), "{err}");
        assert!(!err.contains("reopening"), "{err}");
        assert!(err.contains("attempts 0"), "nothing was sent: {err}");
    });
    assert_eq!(connections, 0);
}

#[test]
fn a_plan_followed_to_its_end_needs_you_exit_7_naming_the_command() {
    let mock = Mock::start(&["--job-time", "0.3"]);
    let (code, out, err) = run(mock
        .twill()
        .args(["tasks", "create", "plan it", "--intent", "PLAN", "--follow"]));
    assert_eq!(code, 7, "{out}{err}");
    assert!(
        out.contains("plan waiting for approval (twill tasks approve task-1):"),
        "{out}"
    );
    assert!(err.contains("needs you"), "{err}");
    assert!(err.contains("twill tasks approve task-1"), "{err}");
    // The same in words a script reads: the last JSON line says the state.
    let (code, out, _) = run(mock.twill().args(["--jsonl", "tasks", "follow", "task-1"]));
    assert_eq!(code, 7);
    let last: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(last["state"], "needs-you", "{last}");
    assert_eq!(last["approveWith"], "approve_plan", "{last}");
    // A job's log alone cannot tell: completed, and says so; --task can.
    let shown: serde_json::Value =
        serde_json::from_str(&mock.ok(&["--json", "tasks", "show", "task-1"])).unwrap();
    let job = shown["latestJob"]["id"].as_str().unwrap().to_owned();
    let (code, _, err) = run(mock.twill().args(["jobs", "logs", &job]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("--task TASK checks it"), "{err}");
    let (code, _, _) = run(mock
        .twill()
        .args(["jobs", "logs", &job, "--task", "task-1"]));
    assert_eq!(code, 7);
}

#[test]
fn an_ask_followed_to_its_end_prints_its_answer_and_tasks_follow_finds_the_job() {
    let mock = Mock::start(&["--job-time", "0.3"]);
    let out = mock.ok(&[
        "tasks",
        "create",
        "why is the sky blue?",
        "--intent",
        "ASK",
        "--follow",
    ]);
    let answer = out
        .find("answer:\n  Done: why is the sky blue?")
        .expect(&out);
    assert!(out[..answer].contains("job completed"), "{out}");
    // By the task alone, ended or not: its latest job, and the answer.
    let out = mock.ok(&["tasks", "follow", "task-1"]);
    assert!(
        out.ends_with("answer:\n  Done: why is the sky blue?\n"),
        "{out}"
    );
    let (code, _, err) = run(mock.twill().args(["tasks", "follow", "nosuch"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("(GET /tasks/nosuch)"), "{err}");
}

#[test]
fn a_send_that_would_cancel_a_running_job_asks_first() {
    let mock = Mock::start(&["--job-time", "30"]);
    mock.ok(&["tasks", "create", "x"]);
    let jobs = |mock: &Mock| mock.ok(&["--json", "tasks", "jobs", "task-1"]);
    let before = jobs(&mock);
    // Off a terminal, without --interrupt: nothing is sent.
    let (code, out, err) = run(mock.twill().args(["tasks", "send", "task-1", "more"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("job job-2 of task-1 is pending; sending cancels it"),
        "{err}"
    );
    assert!(err.contains("--interrupt"), "{err}");
    assert_eq!(jobs(&mock), before, "the server's jobs are unchanged");
    // The same through `twill api`.
    let (code, _, err) = run(mock.twill().args([
        "api",
        "send_message",
        "taskIdOrSlug=task-1",
        "--body",
        r#"{"message":"more"}"#,
    ]));
    assert_eq!(code, 2, "{err}");
    // The remedy `twill api` takes (it has no --interrupt).
    assert!(err.contains("pass --yes to send anyway"), "{err}");
    assert_eq!(jobs(&mock), before);
    // With it: sent, saying which job it cancelled.
    let out = mock.ok(&["tasks", "send", "task-1", "more", "--interrupt"]);
    assert!(
        out.starts_with("cancelled job job-2 (it was under way)\n"),
        "{out}"
    );
    let out = mock.ok(&[
        "--yes",
        "api",
        "send_message",
        "taskIdOrSlug=task-1",
        "--body",
        r#"{"message":"again"}"#,
    ]);
    assert!(out.contains("\"job\""), "{out}");
    // A task whose job ended takes a message without a word.
    let ended = Mock::start(&["--job-time", "0.1"]);
    ended.ok(&["tasks", "create", "x", "--follow"]);
    let out = ended.ok(&["tasks", "send", "task-1", "more"]);
    assert!(out.starts_with("job job-3 PENDING on task-1"), "{out}");
}
