//! Output for scripts, as gh prints it: `--json=FIELDS`, `--jq`, one
//! document for `--all`, and actions that report what the server said.
//! The built binary against `twill mock` or a scripted loopback server.

mod common;

use std::sync::atomic::Ordering;

use assert_cmd::Command;
use common::{Mock, json_response, scripted, twill};
use serde_json::{Value, json};

fn run(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

#[test]
fn json_fields_pick_from_each_item_or_the_main_object() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "one", "--title", "One"]);
    mock.ok(&["tasks", "create", "two", "--title", "Two"]);
    let picked = parsed(&mock.ok(&["--json=slug,title", "tasks", "list"]));
    assert_eq!(
        picked,
        json!([{"slug": "task-3", "title": "Two"}, {"slug": "task-1", "title": "One"}])
    );
    // The fields of a single answer's main object, in the order asked.
    let task = parsed(&mock.ok(&["--json=title,slug", "tasks", "show", "task-1"]));
    assert_eq!(task, json!({"title": "One", "slug": "task-1"}));
    let keys: Vec<&String> = task.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["title", "slug"]);
    // A list's field lists each item's; a job's answer, the job's.
    let job = parsed(&mock.ok(&[
        "--json=status",
        "tasks",
        "send",
        "task-1",
        "again",
        "--interrupt",
    ]));
    assert_eq!(job.as_object().unwrap().len(), 1, "{job}");
    // No equals sign, no value: `slug` is not taken as the field list.
    let (code, _, err) = run(mock.twill().args(["--json", "slug", "tasks", "list"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unrecognized subcommand 'slug'"), "{err}");
}

#[test]
fn bad_fields_and_filters_are_refused_before_anything_is_sent() {
    let (url, requests) = scripted(|_| json_response(200, &json!({})));
    let attempt = |args: &[&str]| {
        run(twill()
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", "key")
            .args(args))
    };
    let (code, _, err) = attempt(&["--json=id,nme", "tasks", "show", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with(
            "twill: --json: `nme` is no field of a task; its fields: id,slug,title,url,"
        ),
        "{err}"
    );
    let (code, _, err) = attempt(&["--json=success", "tasks", "archive", "x", "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no declared fields: use --json, or --jq"),
        "{err}"
    );
    let (code, _, err) = attempt(&["--jq", ".tasks[", "tasks", "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("twill: --jq `.tasks[` is not a jq filter: expected"),
        "{err}"
    );
    let (code, _, err) = attempt(&["--jq", ".", "tasks", "teleport", "x", "--output", "-"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("prints no JSON document"), "{err}");
    assert_eq!(requests.load(Ordering::SeqCst), 0, "nothing was sent");
}

#[test]
fn jq_filters_the_document_and_prints_strings_as_text() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "one"]);
    mock.ok(&["tasks", "create", "two"]);
    assert_eq!(
        mock.ok(&["--jq", ".tasks[].slug", "tasks", "list"]),
        "task-3\ntask-1\n"
    );
    assert_eq!(
        mock.ok(&["--jq", ".tasks | map({slug}) | .[0]", "tasks", "list"]),
        "{\"slug\":\"task-3\"}\n"
    );
    // After the fields are picked, as gh applies it.
    assert_eq!(
        mock.ok(&["--json=slug", "--jq", ".[1].slug", "tasks", "list"]),
        "task-1\n"
    );
    let (code, _, err) = run(mock
        .twill()
        .args(["--jq", "error(\"no\")", "tasks", "list"]));
    assert_eq!(code, 1, "{err}");
}

#[test]
fn every_page_with_json_is_one_document() {
    let mock = Mock::start(&[]);
    for i in 0..45 {
        mock.ok(&["--json", "tasks", "create", &format!("chore {i}")]);
    }
    let all = parsed(&mock.ok(&["--json", "tasks", "list", "--limit", "20", "--all"]));
    let tasks = all["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 45);
    assert_eq!(tasks[0]["slug"], "task-89");
    assert_eq!(tasks[44]["slug"], "task-1");
    assert_eq!(
        mock.ok(&[
            "--jq",
            ".tasks | length",
            "tasks",
            "list",
            "--limit",
            "20",
            "--all"
        ]),
        "45\n"
    );
}

#[test]
fn actions_report_what_the_server_said() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "x"]);
    let said = mock.ok(&["tasks", "cancel", "task-1", "--yes"]);
    assert!(said.starts_with("task-1: cancelled (task "), "{said}");

    let refusing = |body: Value| {
        let (url, _) = scripted(move |_| json_response(200, &body));
        url
    };
    let url = refusing(json!({"success": false, "task": {"id": "t"}}));
    let (code, out, err) = run(twill()
        .env("TWILL_BASE_URL", &url)
        .env("TWILL_API_KEY", "key")
        .args(["tasks", "cancel", "t", "--yes"]));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(
        err,
        "twill: t: nothing was cancelled: the server answered success: false\n"
    );
    let url = refusing(json!({"success": true, "message": "the job had finished"}));
    let (code, out, err) = run(twill()
        .env("TWILL_BASE_URL", &url)
        .env("TWILL_API_KEY", "key")
        .args(["jobs", "cancel", "j", "--yes"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "job j: cancel accepted: the job had finished\n");

    // An approval the server refused in its answer is a failure, in the
    // commands and through `twill api` (which prints the answer first).
    let url = refusing(json!({
        "success": false,
        "message": "no plan to approve",
        "job": {"id": "j", "status": "COMPLETED"}
    }));
    let against = |args: &[&str]| {
        run(twill()
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", "key")
            .args(args))
    };
    for (args, what) in [
        (&["tasks", "approve", "t"][..], "t: plan not approved"),
        (
            &["tasks", "approve-criteria", "t"],
            "t: criteria not approved",
        ),
        (&["api", "approve_plan", "taskIdOrSlug=t"], "approve_plan"),
    ] {
        let (code, out, err) = against(args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert_eq!(
            err,
            format!("twill: {what}: the server answered success: false: no plan to approve\n"),
            "{args:?}"
        );
        assert!(!out.contains("approved;"), "{out}");
    }
}

#[test]
fn prompts_and_messages_come_from_files_or_standard_input_and_ids_too() {
    let mock = Mock::start(&["--job-time", "0.3"]);
    let input = |slug: &str| {
        mock.ok(&["--jq", ".latestJob.input", "tasks", "show", slug])
            .trim_end()
            .to_owned()
    };
    // `-` reads standard input, whole: never the text "-".
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "-"])
        .write_stdin("Line one\nline two\n"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(input("task-1"), "Line one\nline two");
    // A file, as gh's --body-file.
    let spec = common::temp_file("spec.md", "# Spec\n\n- do this\n- then that\n");
    mock.ok(&["tasks", "create", "--prompt-file", spec.to_str().unwrap()]);
    assert_eq!(input("task-3"), "# Spec\n\n- do this\n- then that");
    let message = common::temp_file("message.md", "Also\nthis.\n");
    mock.ok(&[
        "tasks",
        "send",
        "task-3",
        "--message-file",
        message.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(input("task-3"), "Also\nthis.");
    // An empty prompt is refused before anything is sent.
    let before = mock.stats()["requests"].clone();
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "-"])
        .write_stdin("  \n"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the prompt is empty; nothing was sent"),
        "{err}"
    );
    let (code, _, _) = run(mock
        .twill()
        .args(["tasks", "create", "x", "--prompt-file", "-"]));
    assert_eq!(code, 2, "a prompt and a prompt file: one or the other");
    let long = "t".repeat(201);
    let (code, _, err) = run(mock
        .twill()
        .args(["tasks", "create", "x", "--title", &long]));
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "twill: --title is over 200 characters; nothing was sent\n"
    );
    assert_eq!(mock.stats()["requests"], before);
    // Ids from standard input, each once.
    let (code, out, err) = run(mock
        .twill()
        .args(["tasks", "wait", "-", "task-1"])
        .write_stdin("task-1\ntask-3 task-1\n"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
}
