//! Many jobs at once, as the built binary runs them against `twill mock`:
//! one wait over all, with one verdict.

mod common;

use assert_cmd::Command;
use common::Mock;

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// Creates `n` tasks; their slugs.
fn tasks(mock: &Mock, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let created = mock.ok(&[
                "--jq",
                ".task.slug",
                "tasks",
                "create",
                &format!("chore {i}"),
            ]);
            created.trim().to_owned()
        })
        .collect()
}

#[test]
fn tasks_wait_over_twenty_tasks_is_a_line_each_and_exit_zero() {
    let mock = Mock::start(&["--job-time", "0.5"]);
    let slugs = tasks(&mock, 20);
    let (code, out, err) = run(mock.twill().args(["tasks", "wait"]).args(&slugs));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 20, "{out}");
    assert!(
        lines.iter().all(|line| line.ends_with("  completed")),
        "{out}"
    );
    for slug in &slugs {
        assert!(out.contains(&format!("{slug}  completed")), "{slug}: {out}");
    }
    // Each as a JSON line for a script.
    let (code, out, _) = run(mock
        .twill()
        .args(["--jsonl", "tasks", "wait"])
        .args(&slugs[..2]));
    assert_eq!(code, 0);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["state"], "completed");
    assert!(first["task"].is_string());
}

#[test]
fn failed_jobs_exit_4_cancelled_5_and_a_deadline_6() {
    let failing = Mock::start(&["--job-time", "0.3", "--jobs-end", "failed"]);
    let slugs = tasks(&failing, 3);
    let (code, out, err) = run(failing.twill().args(["tasks", "wait"]).args(&slugs));
    assert_eq!(code, 4, "{out}{err}");
    assert!(err.contains("0 completed, 3 failed"), "{err}");

    let cancelled = Mock::start(&["--job-time", "0.3", "--jobs-end", "cancelled"]);
    let slugs = tasks(&cancelled, 2);
    let (code, _, err) = run(cancelled.twill().args(["tasks", "wait"]).args(&slugs));
    assert_eq!(code, 5, "{err}");

    let slow = Mock::start(&["--job-time", "600"]);
    let slugs = tasks(&slow, 2);
    let (code, out, err) = run(slow
        .twill()
        .args(["tasks", "wait", "--timeout", "1s"])
        .args(&slugs));
    assert_eq!(code, 6, "{out}{err}");
    // Where each stood when the deadline came, in the library's words.
    assert!(
        out.contains("task-1  pending: the deadline came first"),
        "{out}"
    );
    // Jobs by id; an unknown one is an error of its own, and --json is
    // refused (a line per job is no document).
    let (code, _, err) = run(slow.twill().args(["--json", "jobs", "wait", "job-2"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(slow
        .twill()
        .args(["jobs", "wait", "--timeout", "soon", "job-2"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("\"soon\" is not a duration"), "{err}");
}

fn prompts(n: usize) -> tempfile_path::Path {
    let path = tempfile_path::Path::new(&format!("prompts-{n}"));
    let lines: Vec<String> = (0..n).map(|i| format!("chore number {i}")).collect();
    std::fs::write(path.as_ref(), lines.join("\n") + "\n").unwrap();
    path
}

/// A file under the temporary directory, removed when dropped.
mod tempfile_path {
    pub struct Path(std::path::PathBuf);

    impl Path {
        pub fn new(name: &str) -> Path {
            let path =
                std::env::temp_dir().join(format!("twill-fleet-{}-{name}", std::process::id()));
            let _ = std::fs::remove_file(&path);
            Path(path)
        }
    }

    impl AsRef<std::path::Path> for Path {
        fn as_ref(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for Path {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[test]
fn sixty_prompts_in_parallel_under_a_tight_limit_draw_no_429() {
    let mock = Mock::start(&["--rate-limit", "20/5s"]);
    let file = prompts(60);
    let (code, out, err) = run(mock
        .twill()
        .args([
            "tasks",
            "create",
            "--parallel",
            "8",
            "--rate-limit",
            "20/5s",
            "--from",
        ])
        .arg(file.as_ref()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines()
            .filter(|line| line.contains(": created task-"))
            .count(),
        60,
        "{out}"
    );
    assert!(
        err.contains("60 created, 0 created before (0 found on the server), 0 failed"),
        "{err}"
    );
    let stats = mock.stats();
    assert_eq!(stats["tasksCreated"], 60, "{stats}");
    assert_eq!(stats["rateLimited"], 0, "{stats}");
    // Without a journal, no marker: the titles are Twill's own.
    let titles = mock.ok(&["--jq", ".tasks[].title", "tasks", "list", "--limit", "100"]);
    assert!(
        titles.lines().all(|title| !title.contains("[batch ")),
        "{titles}"
    );
}

#[test]
fn a_batch_killed_with_a_create_in_flight_is_rerun_without_a_duplicate() {
    // The third create is made, and its answer never comes.
    let mock = Mock::start(&["--stall-create", "3"]);
    let (file, journal) = (prompts(5), tempfile_path::Path::new("journal"));
    let mut batch = std::process::Command::new(assert_cmd::cargo::cargo_bin!("twill"));
    batch
        .env("TWILL_BASE_URL", &mock.url)
        .env("TWILL_API_KEY", &mock.key)
        .args(["tasks", "create", "--parallel", "1", "--from"])
        .arg(file.as_ref())
        .arg("--journal")
        .arg(journal.as_ref())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = batch.spawn().unwrap();
    // Until the stalled create has reached the server (bounded).
    let mut waited = 0;
    while mock.stats()["tasksCreated"] != 3 {
        assert!(waited < 400, "the third create never arrived");
        std::thread::sleep(std::time::Duration::from_millis(25));
        waited += 1;
    }
    child.kill().unwrap(); // SIGKILL: no chance to write anything more.
    child.wait().unwrap();
    let recorded = std::fs::read_to_string(journal.as_ref()).unwrap();
    assert!(
        recorded
            .lines()
            .last()
            .unwrap()
            .contains("\"state\":\"sending\""),
        "{recorded}"
    );

    let (code, out, err) = run(mock
        .twill()
        .args(["tasks", "create", "--parallel", "1", "--from"])
        .arg(file.as_ref())
        .arg("--journal")
        .arg(journal.as_ref()));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("2 created, 3 created before (1 found on the server), 0 failed"),
        "{err}"
    );
    assert!(out.contains("line 3: created before task-5"), "{out}");
    // What the rerun found is journaled at once: no later rerun needs to
    // find it again.
    let recorded = std::fs::read_to_string(journal.as_ref()).unwrap();
    assert!(
        recorded
            .lines()
            .any(|record| record.contains("\"state\":\"created\"")
                && record.contains("\"found\":true")
                && record.contains("\"line\":3")),
        "{recorded}"
    );
    // With a journal, each title is the prompt's, the marker at its end.
    let titles = mock.ok(&["--jq", ".tasks[].title", "tasks", "list"]);
    assert!(
        titles
            .lines()
            .all(|title| title.starts_with("chore number ") && title.ends_with(']')),
        "{titles}"
    );
    assert_eq!(
        mock.stats()["tasksCreated"],
        5,
        "one task per line, none twice"
    );
    // A third run creates nothing at all.
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "--from"])
        .arg(file.as_ref())
        .arg("--journal")
        .arg(journal.as_ref()));
    assert_eq!(code, 0);
    assert!(err.contains("0 created, 5 created before"), "{err}");
    assert_eq!(mock.stats()["tasksCreated"], 5);
}

#[test]
fn a_bad_line_refuses_the_batch_before_anything_is_sent() {
    let mock = Mock::start(&[]);
    let file = tempfile_path::Path::new("bad");
    let long = "t".repeat(201);
    std::fs::write(
        file.as_ref(),
        format!(
            "\u{feff}fine\n{{\"title\": \"no command\"}}\n{{not json\n\
             {{\"command\": \"x\", \"reasoningEffort\": \"insane\"}}\n\
             {{\"command\": \"x\", \"userIntent\": \"plan\"}}\n\
             {{\"command\": \"x\", \"title\": \"{long}\"}}\n"
        ),
    )
    .unwrap();
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "--from"])
        .arg(file.as_ref()));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 2: not a create-task body: missing field `command`"),
        "{err}"
    );
    assert!(err.contains("line 3: not a JSON object"), "{err}");
    assert!(
        err.contains("(a prompt that starts with `{` goes as {\"command\": \"...\"})"),
        "{err}"
    );
    // Values the open enums would carry to the server are typos here.
    assert!(
        err.contains(
            "line 4: \"reasoningEffort\" \"insane\" is not one of low, medium, high, xhigh, max, ultra"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "line 5: \"userIntent\" \"plan\" is not one of SWE, PLAN, ASK, DEV_ENVIRONMENT, RALPH_LOOP"
        ),
        "{err}"
    );
    assert!(
        err.contains("line 6: its title is over 200 characters"),
        "{err}"
    );
    // The byte-order mark is not line 1's: it is a good line.
    assert!(!err.contains("line 1:"), "{err}");
    assert_eq!(mock.stats()["requests"], 0);
    // A JSON line's own fields go as given (no marker: no journal), and a
    // BOM before it leaves it JSON.
    for (text, title) in [
        ("{\"command\": \"x\", \"title\": \"Mine\"}\n", "Mine"),
        ("\u{feff}{\"command\": \"x\", \"title\": \"Bom\"}\n", "Bom"),
    ] {
        std::fs::write(file.as_ref(), text).unwrap();
        let (code, out, err) = run(mock
            .twill()
            .args(["--jsonl", "tasks", "create", "--from"])
            .arg(file.as_ref()));
        assert_eq!(code, 0, "{err}");
        let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(line["line"], 1);
        assert_eq!(line["task"]["title"], title, "{line}");
    }
}

#[test]
fn what_a_line_sets_is_checked_here_and_a_journal_is_only_a_journal() {
    let mock = Mock::start(&[]);
    let file = tempfile_path::Path::new("fields");
    let long = "t".repeat(190);
    std::fs::write(
        file.as_ref(),
        format!(
            "{{\"command\": \"\"}}\n{{\"command\": \"a\", \"bogus\": 1}}\n\
             {{\"command\": \"a\", \"title\": 7}}\n{{\"command\": \"a\", \"title\": \"{long}\"}}\n"
        ),
    )
    .unwrap();
    // With a journal, so that the title must leave room for the marker.
    let journal = tempfile_path::Path::new("fields-journal");
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "--from"])
        .arg(file.as_ref())
        .arg("--journal")
        .arg(journal.as_ref()));
    assert_eq!(code, 2, "{err}");
    for expected in [
        "line 1: its \"command\" is empty",
        "line 2: not a create-task body: unknown field `bogus`",
        "line 3: not a create-task body: invalid type: integer `7`, expected a string",
        "line 4: its title is over",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    assert_eq!(mock.stats()["requests"], 0);

    // The input as the journal, or a file that is not one: refused, and
    // left as it was.
    let prompts = prompts(2);
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "--from"])
        .arg(prompts.as_ref())
        .arg("--journal")
        .arg(prompts.as_ref()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is the input itself"), "{err}");
    let other = tempfile_path::Path::new("not-a-journal");
    std::fs::write(other.as_ref(), "notes\n").unwrap();
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "--from"])
        .arg(prompts.as_ref())
        .arg("--journal")
        .arg(other.as_ref()));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a twill journal"), "{err}");
    assert_eq!(std::fs::read_to_string(other.as_ref()).unwrap(), "notes\n");
    assert_eq!(mock.stats()["requests"], 0);
}

#[test]
fn a_wait_keeps_its_verdict_when_the_reader_leaves_and_counts_what_it_did_not_wait_for() {
    let failing = Mock::start(&["--job-time", "0.3", "--jobs-end", "failed"]);
    let slugs = tasks(&failing, 3);
    // Closed pipe: the lines stop, the verdict does not.
    for _ in 0..3 {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("twill"))
            .env("TWILL_BASE_URL", &failing.url)
            .env("TWILL_API_KEY", &failing.key)
            .args(["tasks", "wait"])
            .args(&slugs)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        assert_eq!(child.wait().unwrap().code(), Some(4));
    }
    let (code, out, err) = run(failing
        .twill()
        .args(["tasks", "wait", "--fail-fast"])
        .args(&slugs));
    assert_eq!(code, 4, "{out}{err}");
    assert!(
        err.contains("1 failed, 0 cancelled, 0 need you, 0 still running, 2 not waited for"),
        "{err}"
    );
    let (code, _, err) = run(failing.twill().args(["tasks", "wait", "task-1", ""]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    // An unknown task is named with the request that did not find it.
    let (code, _, err) = run(failing.twill().args(["tasks", "wait", "no-such-task"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("Task not found (GET /tasks/no-such-task)"),
        "{err}"
    );
    // A batch flag with one prompt would do nothing: refused.
    let before = failing.stats()["requests"].clone();
    let (code, _, err) = run(failing
        .twill()
        .args(["tasks", "create", "x", "--journal", "j"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--journal goes with --from FILE"), "{err}");
    assert_eq!(failing.stats()["requests"], before);
}

#[test]
fn a_wait_over_many_tasks_keeps_to_its_rate_limit() {
    let mock = Mock::start(&["--job-time", "0.2", "--rate-limit", "6/1s"]);
    let slugs = tasks(&mock, 3);
    let before = mock.stats()["rateLimited"].clone();
    let (code, out, err) = run(mock
        .twill()
        // Half the mock's: the creates just before count in its window.
        .args(["tasks", "wait", "--rate-limit", "3/1s"])
        .args(&slugs));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        mock.stats()["rateLimited"],
        before,
        "paced: no request refused"
    );
}

#[test]
fn a_wait_over_tasks_with_a_plan_waiting_exits_7_and_names_the_command() {
    let mock = Mock::start(&["--job-time", "0.3"]);
    let done = tasks(&mock, 2);
    let plan = mock.ok(&[
        "--jq",
        ".task.slug",
        "tasks",
        "create",
        "plan",
        "--intent",
        "PLAN",
    ]);
    let plan = plan.trim();
    let (code, out, err) = run(mock.twill().args(["tasks", "wait", plan]).args(&done));
    assert_eq!(code, 7, "{out}{err}");
    assert!(
        out.contains(&format!(
            "{plan}  needs-you: plan waits (twill tasks approve {plan})"
        )),
        "{out}"
    );
    assert!(
        err.contains("2 completed, 0 failed, 0 cancelled, 1 need you"),
        "{err}"
    );
    // --fail-fast stops at it, as at any job that did not complete.
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "wait", "--fail-fast", "--concurrency", "1", plan])
        .args(&done));
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("2 not waited for"), "{err}");
    // By job id the log cannot tell: completed, saying the plan was not
    // checked.
    let job = mock.ok(&["--jq", ".latestJob.id", "tasks", "show", plan]);
    let (code, out, err) = run(mock.twill().args(["jobs", "wait", job.trim()]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("  completed\n"), "{out}");
    assert!(
        err.contains("twill tasks wait TASK (or jobs wait TASK:JOB) sees it"),
        "{err}"
    );
    // TASK:JOB is observed through its task, which can tell.
    let (code, out, err) =
        run(mock
            .twill()
            .args(["jobs", "wait", &format!("{plan}:{}", job.trim())]));
    assert_eq!(code, 7, "{out}{err}");
    assert!(out.contains("needs-you"), "{out}");
    // A failure outranks it.
    let failing = Mock::start(&["--job-time", "0.3", "--jobs-end", "failed"]);
    let failed = tasks(&failing, 1);
    let plan = failing.ok(&[
        "--jq",
        ".task.slug",
        "tasks",
        "create",
        "p",
        "--intent",
        "PLAN",
    ]);
    let (code, _, err) = run(failing
        .twill()
        .args(["tasks", "wait", plan.trim()])
        .args(&failed));
    assert_eq!(code, 4, "{err}");
}

#[test]
fn a_wait_over_150_tasks_costs_two_list_pages_a_round_and_a_read_per_ended_task() {
    let mock = Mock::start(&["--job-time", "2", "--rate-limit", "1000/min"]);
    let file = prompts(150);
    let (code, _, err) = run(mock.twill().args([
        "tasks",
        "create",
        "--from",
        file.as_ref().to_str().unwrap(),
        "--rate-limit",
        "1000/min",
        "--parallel",
        "16",
    ]));
    assert_eq!(code, 0, "{err}");
    let slugs: Vec<String> = (0..150).map(|i| format!("task-{}", 2 * i + 1)).collect();
    let before = mock.stats();
    let started = std::time::Instant::now();
    let (code, out, err) = run(mock
        .twill()
        .args(["tasks", "wait", "--rate-limit", "1000/min"])
        .args(&slugs));
    let took = started.elapsed();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.lines().count(), 150, "{out}");
    let after = mock.stats();
    let spent = |endpoint: &str| {
        after["byEndpoint"][endpoint].as_u64().unwrap_or(0)
            - before["byEndpoint"][endpoint].as_u64().unwrap_or(0)
    };
    // One read per task, at its end; list pages at most two a round, and
    // the rounds at most the wait's seconds over half a second.
    assert_eq!(spent("get_task"), 150, "{after}");
    assert_eq!(spent("stream_job_logs"), 0, "{after}");
    let lists = spent("list_tasks");
    assert!(
        lists <= 2 * (took.as_secs() * 2 + 2),
        "{lists} pages in {took:?}"
    );
    assert!(spent("get_task") + lists < 200, "{after}");
    assert!(took < std::time::Duration::from_secs(60), "{took:?}");
}

#[test]
fn a_line_found_by_a_rerun_stays_found_after_a_thousand_newer_tasks() {
    // Both sides far above the key's limits: 1,100 tasks in a few seconds.
    let mock = Mock::start(&["--stall-create", "2", "--rate-limit", "100000/min"]);
    let (file, journal) = (prompts(3), tempfile_path::Path::new("journal-found"));
    let batch = |parallel: &str| {
        let mut command = mock.twill();
        command
            .args([
                "tasks",
                "create",
                "--rate-limit",
                "100000/min",
                "--parallel",
                parallel,
            ])
            .arg("--from")
            .arg(file.as_ref())
            .arg("--journal")
            .arg(journal.as_ref());
        command
    };
    // Killed while line 2's create is held unanswered.
    let one_at_a_time = ["tasks", "create", "--parallel", "1", "--from"];
    let mut child = spawned(&mock, &one_at_a_time, file.as_ref(), journal.as_ref());
    let mut waited = 0;
    while mock.stats()["tasksCreated"] != 2 {
        assert!(waited < 400, "the second create never arrived");
        std::thread::sleep(std::time::Duration::from_millis(25));
        waited += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The rerun finds line 2 and journals it.
    let (code, _, err) = run(&mut batch("1"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(1 found on the server)"), "{err}");
    // 1,100 newer tasks push it out of the ten pages a rerun looks at.
    let others = prompts(1100);
    let (code, _, err) = run(mock
        .twill()
        .args([
            "tasks",
            "create",
            "--rate-limit",
            "100000/min",
            "--parallel",
            "32",
            "--from",
        ])
        .arg(others.as_ref()));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&mut batch("1"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 created, 3 created before"), "{err}");
    assert_eq!(
        mock.stats()["tasksCreated"],
        1103,
        "one task per line, none twice"
    );
}

#[test]
fn a_batch_resumed_after_a_kill_counts_what_the_dead_run_sent_and_draws_no_429() {
    let mock = Mock::start(&["--rate-limit", "20/5s"]);
    let (file, journal) = (prompts(60), tempfile_path::Path::new("journal-paced"));
    let mut child = spawned(&mock, &PACED, file.as_ref(), journal.as_ref());
    let created = || {
        std::fs::read_to_string(journal.as_ref())
            .unwrap_or_default()
            .matches("\"state\":\"created\"")
            .count()
    };
    let mut waited = 0;
    while created() < 20 {
        assert!(waited < 800, "20 creates never came");
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let (code, _, err) = run(mock
        .twill()
        .args(PACED)
        .arg(file.as_ref())
        .arg("--journal")
        .arg(journal.as_ref()));
    assert_eq!(code, 0, "{err}");
    let stats = mock.stats();
    assert_eq!(stats["rateLimited"], 0, "{stats}");
    assert_eq!(stats["tasksCreated"], 60, "{stats}");
}

/// A batch's arguments, paced as the mock of the 429 test is.
const PACED: [&str; 7] = [
    "tasks",
    "create",
    "--parallel",
    "8",
    "--rate-limit",
    "20/5s",
    "--from",
];

/// `twill ARGS FILE --journal JOURNAL` against `mock` in a child process,
/// its output dropped: to kill mid-batch.
fn spawned(
    mock: &Mock,
    args: &[&str],
    file: &std::path::Path,
    journal: &std::path::Path,
) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin!("twill"))
        .env("TWILL_BASE_URL", &mock.url)
        .env("TWILL_API_KEY", &mock.key)
        .args(args)
        .arg(file)
        .arg("--journal")
        .arg(journal)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn one_unknown_task_is_its_own_error_and_the_rest_are_waited_for() {
    let mock = Mock::start(&["--job-time", "0.3"]);
    let slugs = tasks(&mock, 2);
    let (code, out, err) = run(mock
        .twill()
        .args(["tasks", "wait", "task-nope"])
        .args(&slugs));
    assert_eq!(code, 1, "{out}{err}");
    for slug in &slugs {
        assert!(out.contains(&format!("{slug}  completed")), "{out}");
    }
    assert!(out.contains("task-nope  error:"), "{out}");
    assert!(err.contains("(GET /tasks/task-nope)"), "{err}");
}

#[test]
fn jobs_wait_task_job_is_the_named_job_even_when_a_newer_one_replaced_it() {
    let mock = Mock::start(&["--job-time", "0.3"]);
    mock.ok(&["tasks", "create", "x"]);
    // job-2 is cancelled by the message that starts job-3.
    mock.ok(&["tasks", "send", "task-1", "more", "--interrupt"]);
    let (code, out, err) = run(mock.twill().args(["jobs", "wait", "task-1:job-2"]));
    assert_eq!(code, 5, "{out}{err}");
    assert!(out.contains("task-1:job-2  cancelled"), "{out}");
    let (code, out, _) = run(mock.twill().args(["jobs", "wait", "task-1:job-3"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("task-1:job-3  completed"), "{out}");
    // No such job of the task: its own error.
    let (code, out, err) = run(mock.twill().args(["jobs", "wait", "task-1:job-999"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("task-1:job-999  error:"), "{out}");
}

#[test]
fn a_batch_waits_within_its_timeout() {
    let mock = Mock::start(&["--job-time", "30"]);
    let file = prompts(2);
    let started = std::time::Instant::now();
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "--wait", "--timeout", "1s", "--from"])
        .arg(file.as_ref()));
    assert_eq!(code, 6, "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // --timeout alone with --from would do nothing: refused.
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "--timeout", "1s", "--from"])
        .arg(file.as_ref()));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_batch_with_no_wait_fails_at_the_first_429_and_sends_nothing_more() {
    let mock = Mock::start(&["--rate-limit", "2/1m"]);
    let file = tempfile_path::Path::new("no-wait");
    std::fs::write(file.as_ref(), "one\ntwo\nthree\nfour\nfive\n").unwrap();
    let (code, out, err) = run(mock
        .twill()
        .args(["--no-wait", "tasks", "create", "--parallel", "1", "--from"])
        .arg(file.as_ref()));
    assert_eq!(code, 1, "{out}{err}");
    let stats = mock.stats();
    assert_eq!(stats["tasksCreated"], 2, "{stats}");
    // The 429 ends its line; the others are not sent into the pause.
    assert_eq!(stats["rateLimited"], 1, "{stats}");
    assert_eq!(stats["requests"], 3, "{stats}");
    assert!(!err.contains("retrying in"), "{err}");
    assert!(
        err.contains("2 created, 0 created before (0 found on the server), 3 failed"),
        "{err}"
    );
}

#[test]
fn a_line_moved_or_with_a_line_above_it_is_still_the_line_the_journal_knows() {
    let mock = Mock::start(&[]);
    let file = tempfile_path::Path::new("moved");
    let journal = tempfile_path::Path::new("moved-journal");
    std::fs::write(file.as_ref(), "alpha\nbeta\ngamma\n").unwrap();
    let batch = |mock: &Mock| {
        run(mock
            .twill()
            .args(["tasks", "create", "--from"])
            .arg(file.as_ref())
            .arg("--journal")
            .arg(journal.as_ref()))
    };
    let (code, _, err) = batch(&mock);
    assert_eq!(code, 0, "{err}");
    // A new first line, a blank one, the old ones reordered, and a second
    // copy of one of them: two new tasks, not five.
    std::fs::write(file.as_ref(), "new first\n\ngamma\nalpha\nbeta\nalpha\n").unwrap();
    let (code, out, err) = batch(&mock);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 created, 3 created before"), "{err}");
    assert!(out.contains("line 3: created before"), "{out}");
    assert_eq!(mock.stats()["tasksCreated"], 5);
    let titles = mock.ok(&["--jq", ".tasks[].title", "tasks", "list"]);
    assert_eq!(
        titles
            .lines()
            .filter(|title| title.starts_with("alpha [batch "))
            .count(),
        2,
        "{titles}"
    );
    // In JSON lines too, a task from an earlier run says so.
    let (code, out, err) = run(mock
        .twill()
        .args(["--jsonl", "tasks", "create", "--from"])
        .arg(file.as_ref())
        .arg("--journal")
        .arg(journal.as_ref()));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines.iter().all(|line| line["before"] == true), "{out}");
}

#[test]
fn a_batch_held_by_the_rate_limit_says_so_on_its_status_line() {
    let mock = Mock::start(&[]);
    let file = tempfile_path::Path::new("held");
    std::fs::write(file.as_ref(), "a\nb\nc\n").unwrap();
    let Some((code, screen)) = common::terminal_run(
        &mock.url,
        &mock.key,
        120,
        &[],
        &format!(
            "tasks create --from {} --rate-limit 2/1s",
            file.as_ref().display()
        ),
    ) else {
        return;
    };
    assert_eq!(code, 0, "{screen}");
    // Line 3 waits about a second: the status line says so.
    let held = "2/3 · waiting ";
    assert!(
        screen.split(held).nth(1).is_some_and(|rest| rest
            .starts_with("1 s for the rate limit · 2 created, 0 before, 0 failed")
            || rest.starts_with("2 s for the rate limit · 2 created, 0 before, 0 failed")),
        "{screen:?}"
    );
    assert!(screen.contains("line 3: created"), "{screen:?}");
    // Piped, no status line at all.
    let (code, out, err) = run(mock
        .twill()
        .args(["tasks", "create", "--rate-limit", "2/1s", "--from"])
        .arg(file.as_ref()));
    assert_eq!(code, 0, "{err}");
    assert!(
        !format!("{out}{err}").contains("for the rate limit"),
        "{out}{err}"
    );
}
