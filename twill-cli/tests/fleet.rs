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
    assert_eq!(first["outcome"], "completed");
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
    assert!(out.contains("deadline: still running"), "{out}");
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
