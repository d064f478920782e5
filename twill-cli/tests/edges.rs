//! What a newcomer's try of the built binary found, each fixed and kept:
//! JSON that cannot drive a terminal, agent text that cannot pass for a
//! status line, help that fits and fails like any other write, one-line
//! usage errors, local checks of `twill api` values.

mod common;

use std::process::Command as Process;

use assert_cmd::Command;
use common::{Mock, on_a_terminal, twill};

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

const HOSTILE: &str = "bidi \u{202e}reversed\u{202c} c1 \u{9b}31m del \u{7f} end";

#[test]
fn json_never_carries_what_a_terminal_acts_on_and_stays_the_same_value() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "x", "--title", HOSTILE]);
    let piped = mock.ok(&["--json", "tasks", "show", "task-1"]);
    for raw in ['\u{202e}', '\u{9b}', '\u{7f}'] {
        assert!(!piped.contains(raw), "{raw:?} in {piped}");
    }
    assert!(
        piped.contains(r"\u202e") && piped.contains(r"\u009b"),
        "{piped}"
    );
    let value: serde_json::Value = serde_json::from_str(&piped).unwrap();
    assert_eq!(value["task"]["title"], HOSTILE);
    let Some(screen) = on_a_terminal(&mock, 120, &[], "--json=title tasks show task-1") else {
        return;
    };
    assert!(
        !screen.contains('\u{202e}') && !screen.contains('\u{9b}'),
        "{screen:?}"
    );
}

#[test]
fn a_jq_string_is_raw_in_a_pipe_and_one_inert_line_on_a_terminal() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "x", "--title", "line1\nline2\u{1b}[2J"]);
    // Piped, as `jq -r` prints it: the script asked for the string.
    let piped = mock.ok(&["--jq", ".task.title", "tasks", "show", "task-1"]);
    assert_eq!(piped, "line1\nline2\u{1b}[2J\n");
    let Some(screen) = on_a_terminal(&mock, 120, &[], "--jq .task.title tasks show task-1") else {
        return;
    };
    assert!(screen.contains(r"line1\nline2\u{1b}[2J"), "{screen:?}");
    assert!(!screen.contains('\u{1b}'), "{screen:?}");
}

#[test]
fn the_agents_text_cannot_pass_for_a_status_line() {
    let mock = Mock::start(&["--job-time", "0.2"]);
    mock.ok(&["tasks", "create", "x"]);
    let shown = mock.ok(&[
        "tasks",
        "send",
        "task-1",
        "evil\nstatus: COMPLETED\njob completed",
        "--interrupt",
        "--follow",
    ]);
    let ours: Vec<&str> = shown
        .lines()
        .filter(|line| line.starts_with("status: ") || line.starts_with("job "))
        .collect();
    // The mock echoes the message as the agent's text: indented, so the
    // only column-0 status lines are the follower's own.
    assert!(shown.contains("\n  status: COMPLETED\n"), "{shown}");
    assert_eq!(ours.last(), Some(&"job completed"), "{shown}");
    assert!(!ours.contains(&"status: COMPLETED"), "{shown}");
}

#[test]
fn help_fits_where_it_goes_and_fails_like_any_write() {
    // Redirected: wrapped at 100 columns, not at the terminal's.
    let (code, help, _) = run(twill().arg("--help"));
    assert_eq!(code, 0);
    assert!(
        help.lines().all(|line| line.chars().count() <= 100),
        "{help}"
    );
    assert!(help.lines().any(|line| line.chars().count() > 60), "{help}");
    if std::path::Path::new("/dev/full").exists() {
        for args in [&["--help"][..], &["--version"], &["tasks", "--help"]] {
            let full = std::fs::File::create("/dev/full").unwrap();
            let output = Process::new(assert_cmd::cargo::cargo_bin!("twill"))
                .args(args)
                .stdout(full)
                .output()
                .unwrap();
            let (code, err) = (
                output.status.code(),
                String::from_utf8_lossy(&output.stderr),
            );
            assert_eq!(code, Some(1), "{args:?}: {err}");
            assert!(
                err.starts_with("twill: cannot write to standard output"),
                "{err}"
            );
        }
    }
    // A noun alone is its help, as gh prints it.
    let (code, tasks, _) = run(twill().arg("tasks"));
    assert_eq!(code, 0);
    assert!(tasks.contains("Usage: twill tasks"), "{tasks}");
    let mock = Mock::start(&[]);
    let Some(narrow) = on_a_terminal(&mock, 24, &[], "--help") else {
        return;
    };
    // Not one word per line: the terminal wraps the long lines itself.
    let words_alone = narrow
        .lines()
        .filter(|line| line.split_whitespace().count() == 1)
        .count();
    assert!(
        words_alone < 20,
        "{words_alone} lines of one word:\n{narrow}"
    );
}

#[test]
fn usage_errors_are_one_line_and_inert() {
    let (code, _, err) = run(twill().args(["tasks", "lst"]));
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "twill: unrecognized subcommand 'lst'; tip: a similar subcommand exists: 'list'"
        ),
        "{err}"
    );
    let (code, _, err) = run(twill().arg("nosuch\u{1b}[2J"));
    assert_eq!(code, 2);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    let (code, _, err) = run(twill().args(["mock", "--job-time", "-1"]));
    assert_eq!(
        (code, err.as_str()),
        (2, "twill: --job-time -1 is not a duration\n")
    );
}

#[test]
fn twill_api_checks_value_kinds_before_sending() {
    let mock = Mock::start(&[]);
    let (code, _, err) = run(mock.twill().args(["api", "list_tasks", "limit=abc"]));
    assert_eq!(
        (code, err.as_str()),
        (2, "twill: `limit` takes an integer, not `abc`\n")
    );
    let (code, _, _) = run(mock.twill().args(["api", "list_tasks", "limit=5"]));
    assert_eq!(code, 0);
}

#[test]
fn a_bad_base_url_is_shown_and_man_makes_its_directory() {
    let (code, _, err) = run(twill()
        .env("TWILL_BASE_URL", "not-a-url")
        .env("TWILL_API_KEY", "k")
        .args(["tasks", "list"]));
    assert_eq!(code, 2);
    assert!(
        err.starts_with("twill: TWILL_BASE_URL \"not-a-url\" is not a base URL"),
        "{err}"
    );
    let dir = std::env::temp_dir().join(format!("twill-man-new-{}", std::process::id()));
    let pages = dir.join("man1");
    let (code, _, err) = run(twill().args(["man", "--out-dir"]).arg(&pages));
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(pages.join("twill-tasks-create.1")).unwrap();
    assert!(
        page.contains(&format!("\"twill {}\"", env!("CARGO_PKG_VERSION"))),
        "{page}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
