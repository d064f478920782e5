//! `twill` as a user runs it: the built binary, against `twill mock` running
//! in a child process; help and readable output as snapshots, exit codes
//! asserted.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command as Process, Stdio};

use assert_cmd::Command;
use common::{Mock, on_a_terminal, twill};

/// Output with what changes from run to run replaced: times and ports.
fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("2026-") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('Z').map_or(rest.len(), |z| at + z + 1);
        out.push_str("[time]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    let mut result = String::new();
    let mut rest = out.as_str();
    while let Some(at) = rest.find("127.0.0.1:") {
        result.push_str(&rest[..at + 10]);
        rest = rest[at + 10..].trim_start_matches(|c: char| c.is_ascii_digit());
        result.push_str("[port]");
    }
    result.push_str(rest);
    result
}

fn stdout_of(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn help_texts() {
    for (name, args) in [
        ("help", vec!["--help"]),
        ("tasks_help", vec!["tasks", "--help"]),
        ("tasks_create_help", vec!["tasks", "create", "--help"]),
        ("api_help", vec!["api", "--help"]),
    ] {
        let (code, out, _) = stdout_of(twill().args(&args));
        assert_eq!(code, 0, "{args:?}");
        insta::assert_snapshot!(name, out);
    }
    let (code, out, _) = stdout_of(twill().arg("--version"));
    assert_eq!((code, out.trim()), (0, "twill 0.1.0"));
}

#[test]
fn a_session_reads_as_a_person_wants() {
    // PENDING for 600 ms: time for the follower to connect first even on a
    // loaded machine, so the session reads the same every run.
    let mock = Mock::start(&["--job-time", "3"]);
    let mut session = String::new();
    for args in [
        vec![
            "tasks",
            "create",
            "Add a dark mode toggle",
            "--title",
            "Dark mode",
        ],
        vec![
            "tasks",
            "send",
            "task-1",
            "Use CSS variables",
            "--interrupt",
            "--follow",
        ],
        vec!["tasks", "list"],
        vec!["tasks", "show", "task-1"],
        vec!["tasks", "jobs", "task-1"],
        vec!["auth", "status"],
        vec!["repos"],
    ] {
        session.push_str(&format!("$ twill {}\n", args.join(" ")));
        session.push_str(&mock.ok(&args));
    }
    insta::assert_snapshot!("session", redact(&session));
}

#[test]
fn json_is_as_received_and_jsonl_is_a_line_per_item() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "one"]);
    mock.ok(&["tasks", "create", "two"]);
    let json = mock.ok(&["--json", "tasks", "list"]);
    let page: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(page["tasks"].as_array().unwrap().len(), 2);
    assert!(json.contains("\"nextCursor\":null"), "as received: {json}");

    let jsonl = mock.ok(&["--jsonl", "tasks", "list"]);
    let lines: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    // The mock numbers tasks and jobs from one counter: task-1, job-2, task-3.
    assert_eq!(lines[0]["slug"], "task-3");

    let events = mock.ok(&["--jsonl", "jobs", "logs", "job-2"]);
    let types: Vec<String> = events
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["type"].to_string())
        .collect();
    assert_eq!(types.first().map(String::as_str), Some("\"connected\""));
    assert_eq!(types.last().map(String::as_str), Some("\"complete\""));
}

#[test]
fn all_pages_arrive_in_order_with_one_header() {
    let mock = Mock::start(&[]);
    for i in 0..45 {
        mock.ok(&["--json", "tasks", "create", &format!("chore {i}")]);
    }
    let all = mock.ok(&["tasks", "list", "--limit", "20", "--all"]);
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 46, "{all}");
    assert!(lines[0].starts_with("TASK"));
    // Piped: tab-separated cells, as gh prints them for scripts.
    assert!(lines[1].starts_with("task-89\t"));
    assert!(lines[45].starts_with("task-1\t"));
    let (code, first, hint) = stdout_of(mock.twill().args(["tasks", "list", "--limit", "20"]));
    assert_eq!((code, first.lines().count()), (0, 21));
    assert!(hint.contains("--all"), "{hint}");
}

#[test]
fn exit_codes() {
    let mock = Mock::start(&[]);
    // 1: the API refused.
    let (code, _, err) = stdout_of(mock.twill().args(["tasks", "show", "no-such-task"]));
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "twill: 404 (not_found): Task not found (GET /tasks/no-such-task)\n"
    );
    // 2: usage, before any request.
    let (code, _, err) = stdout_of(mock.twill().args(["tasks", "frobnicate"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = stdout_of(mock.twill().args(["api", "get_tsk"]));
    assert_eq!(
        (code, err.as_str()),
        (2, "twill: no endpoint `get_tsk`; did you mean get_task?\n")
    );
    let (code, _, err) = stdout_of(mock.twill().args(["api", "get_task", "id=1"]));
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "twill: no parameter `id`; get_task takes taskIdOrSlug=VALUE\n"
        )
    );
    let (code, _, err) = stdout_of(twill().args(["tasks", "list"]));
    assert_eq!(code, 2);
    assert!(err.contains("TWILL_API_KEY"), "{err}");
    let (code, _, err) = stdout_of(mock.twill().args(["mcp", "--api-key-stdin"]));
    assert_eq!(code, 2);
    assert!(err.contains("standard input"), "{err}");
    // 3: network.
    let (code, _, err) = stdout_of(
        twill()
            .env("TWILL_API_KEY", "k")
            .env("TWILL_BASE_URL", "http://127.0.0.1:9/api/v1")
            .args(["tasks", "list"]),
    );
    assert_eq!(code, 3, "{err}");
    // An empty prompt is refused here; the server's validation error, a
    // field a line, through `twill api`.
    let (code, _, err) = stdout_of(mock.twill().args(["tasks", "create", " "]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) =
        stdout_of(
            mock.twill()
                .args(["api", "create_task", "--body", r#"{"command": " "}"#]),
        );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "twill: 400 (validation_error): Invalid request body\ntwill:   command: command must not be empty\n"
    );
}

#[test]
fn a_followed_job_that_fails_or_is_cancelled_sets_the_exit_code() {
    for (end, expected, message) in [("failed", 4, "failed"), ("cancelled", 5, "was cancelled")] {
        let mock = Mock::start(&["--jobs-end", end, "--job-time", "0.2"]);
        let (code, out, err) = stdout_of(mock.twill().args(["tasks", "create", "x", "--follow"]));
        assert_eq!(code, expected, "{out}{err}");
        assert!(err.contains(&format!("job job-2 {message}")), "{err}");
        assert!(out.contains(&format!("job {end}")), "{out}");
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_following_never_the_job() {
    let mock = Mock::start(&["--job-time", "3600"]);
    mock.ok(&["tasks", "create", "a long one"]);
    let mut child = Process::new(assert_cmd::cargo::cargo_bin!("twill"))
        .env("TWILL_BASE_URL", &mock.url)
        .env("TWILL_API_KEY", &mock.key)
        .args(["jobs", "logs", "job-2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("Working on: a long one"), "{first}");
    let interrupted = Process::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("twill jobs cancel job-2"), "{err}");
    let shown = mock.ok(&["--json", "tasks", "show", "task-1"]);
    assert!(
        shown.contains("IN_PROGRESS") || shown.contains("PENDING"),
        "the job goes on: {shown}"
    );
}

#[test]
fn a_dropped_stream_is_reopened_and_no_event_is_shown_twice() {
    let mock = Mock::start(&["--cut-streams", "2", "--job-time", "1"]);
    let (code, out, err) =
        stdout_of(
            mock.twill()
                .args(["--verbose", "tasks", "create", "x", "--follow"]),
        );
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("reopening").count(), 2, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let unique: std::collections::HashSet<&&str> = lines.iter().collect();
    assert_eq!(unique.len(), lines.len(), "an event shown twice: {out}");
    // The log's end, then the task's answer.
    assert_eq!(
        lines[lines.len() - 3..],
        ["job completed", "answer:", "  Done: x"],
        "{out}"
    );
}

/// Under a pseudo-terminal (util-linux `script`), the status line appears
/// while following and is cleared before the outcome.
#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_a_status_line_shows_and_is_cleared() {
    if Process::new("script").arg("--version").output().is_err() {
        eprintln!("no `script` here: the pseudo-terminal case is not run");
        return;
    }
    let mock = Mock::start(&["--job-time", "0.5"]);
    mock.ok(&["tasks", "create", "x"]);
    let twill = assert_cmd::cargo::cargo_bin!("twill");
    let output = Process::new("script")
        .args([
            "-qec",
            &format!("{} jobs logs job-2", twill.display()),
            "/dev/null",
        ])
        .env("TWILL_BASE_URL", &mock.url)
        .env("TWILL_API_KEY", &mock.key)
        .output()
        .unwrap();
    assert!(output.status.success());
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(
        screen.contains("job job-2 · "),
        "no status line: {screen:?}"
    );
    let outcome = screen.find("job completed").expect("the outcome");
    assert!(
        screen[..outcome].ends_with("\r\x1b[2K"),
        "cleared before: {screen:?}"
    );
    assert!(
        !screen[outcome..].contains(" · "),
        "not shown after: {screen:?}"
    );
    // Plain output, by contrast, has no control characters at all.
    let plain = mock.ok(&["jobs", "logs", "job-2"]);
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

#[test]
fn the_key_appears_in_no_output() {
    let mock = Mock::start(&[]);
    let mut all = String::new();
    for args in [
        vec!["--verbose", "tasks", "create", "x", "--follow"],
        vec!["--verbose", "auth", "status"],
        vec!["--verbose", "tasks", "show", "nope"],
        vec!["--verbose", "--json", "tasks", "list"],
    ] {
        let (_, out, err) = stdout_of(mock.twill().args(&args));
        all.push_str(&out);
        all.push_str(&err);
    }
    // A wrong key is not echoed either.
    let (code, out, err) = stdout_of(
        twill()
            .env("TWILL_BASE_URL", &mock.url)
            .env("TWILL_API_KEY", "twill_sk_wrong_but_secret")
            .args(["--verbose", "tasks", "list"]),
    );
    assert_eq!(code, 1);
    all.push_str(&out);
    all.push_str(&err);
    assert!(!all.contains(&mock.key), "{all}");
    assert!(!all.contains("twill_sk_wrong_but_secret"), "{all}");
    assert!(
        all.contains("endpoint list_tasks (GET /tasks), status 401"),
        "{all}"
    );
}

#[test]
fn the_key_can_come_from_a_file_or_standard_input() {
    let mock = Mock::start(&[]);
    let dir = std::env::temp_dir().join(format!("twill-cli-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    std::fs::write(&file, format!("{}\n", mock.key)).unwrap();
    let from_file = twill()
        .env("TWILL_BASE_URL", &mock.url)
        .args(["auth", "status", "--api-key-file", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(from_file.status.success());
    let from_stdin = twill()
        .env("TWILL_BASE_URL", &mock.url)
        .args(["auth", "status", "--api-key-stdin"])
        .write_stdin(mock.key.clone())
        .output()
        .unwrap();
    assert!(from_stdin.status.success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn files_teleport_and_schedules() {
    let mock = Mock::start(&[]);
    let dir = std::env::temp_dir().join(format!("twill-cli-files-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let notes = dir.join("notes.md");
    std::fs::write(&notes, "# Notes").unwrap();
    mock.ok(&[
        "tasks",
        "create",
        "read the notes",
        "--file",
        notes.to_str().unwrap(),
    ]);
    mock.ok(&[
        "tasks",
        "send",
        "task-1",
        "--interrupt",
        "and this",
        "--file",
        "https://example.com/a.png",
    ]);

    let tar = dir.join("session.tar");
    let out = mock.ok(&[
        "tasks",
        "teleport",
        "task-1",
        "--output",
        tar.to_str().unwrap(),
    ]);
    assert!(out.starts_with("session session-task-1, job job-"), "{out}");
    assert!(std::fs::read(&tar).unwrap().len() >= 1024);
    let unpacked = dir.join("unpacked");
    let out = mock.ok(&[
        "tasks",
        "teleport",
        "task-1",
        "--extract",
        unpacked.to_str().unwrap(),
    ]);
    assert!(out.contains(".claude/session.jsonl"), "{out}");
    assert!(unpacked.join("README.txt").exists());

    let created = mock.ok(&[
        "--json",
        "schedules",
        "create",
        "--title",
        "Nightly",
        "--message",
        "Run the checks",
        "--cron",
        "0 3 * * *",
        "--agent",
        "claude-code/sonnet",
    ]);
    let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["scheduledTask"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cleared = mock.ok(&["--json", "schedules", "update", &id, "--clear-agent"]);
    assert!(cleared.contains("\"agentProviderId\":null"), "{cleared}");
    mock.ok(&["schedules", "pause", &id]);
    mock.ok(&["schedules", "resume", &id]);
    mock.ok(&["schedules", "show", &id]);
    mock.ok(&["schedules", "list"]);
    mock.ok(&["--yes", "schedules", "delete", &id]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn teleport_writes_to_a_pipe_and_never_through_a_link() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "a session to teleport"]);
    let output = mock
        .twill()
        .args(["tasks", "teleport", "task-1", "--output", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(&output.stdout[257..262], b"ustar", "the archive, raw");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("twill: session session-task-1"),
        "{stderr}"
    );

    let dir = std::env::temp_dir().join(format!("twill-cli-teleport-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("out");
    std::fs::create_dir_all(dir.join("victim")).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::symlink("../victim", out.join(".claude")).unwrap();
    let (code, stdout, stderr) = stdout_of(mock.twill().args([
        "tasks",
        "teleport",
        "task-1",
        "--extract",
        out.to_str().unwrap(),
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "twill: the archive was refused and nothing was written: \".claude/session.jsonl\": \
         .claude on disk is a link or special file\n"
    );
    assert_eq!(std::fs::read_dir(dir.join("victim")).unwrap().count(), 0);
    assert!(!out.join("README.txt").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_and_man_come_from_the_same_definition() {
    let (code, out, _) = stdout_of(twill().args(["completions", "bash"]));
    assert_eq!(code, 0);
    assert!(out.contains("teleport") && out.contains("schedules"));
    let (code, out, _) = stdout_of(twill().arg("man"));
    assert_eq!(code, 0);
    assert!(out.contains(".TH twill"), "{}", &out[..out.len().min(200)]);
    // Every page the main page names exists: `twill man tasks` prints
    // twill-tasks(1), which names twill-tasks-create(1), and so on.
    assert!(out.contains("twill\\-tasks(1)"), "{out}");
    let (code, tasks, _) = stdout_of(twill().args(["man", "tasks"]));
    assert_eq!(code, 0);
    assert!(tasks.contains(".TH twill-tasks 1"), "{tasks}");
    assert!(tasks.contains("twill\\-tasks\\-create(1)"), "{tasks}");
    let (code, create, _) = stdout_of(twill().args(["man", "tasks", "create"]));
    assert_eq!(code, 0);
    assert!(create.contains("\\-\\-follow"), "{create}");
    let (code, _, err) = stdout_of(twill().args(["man", "tasks", "nosuch"]));
    assert_eq!(code, 2);
    assert!(
        err.starts_with("twill: no command `nosuch` here; man pages exist for list, create"),
        "{err}"
    );
    let dir = std::env::temp_dir().join(format!("twill-man-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (code, _, err) = stdout_of(twill().args(["man", "--out-dir"]).arg(&dir));
    assert_eq!(code, 0, "{err}");
    for page in [
        "twill.1",
        "twill-tasks.1",
        "twill-tasks-create.1",
        "twill-schedules-update.1",
    ] {
        assert!(dir.join(page).is_file(), "{page}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every declared endpoint is reachable through a named command and
/// through `twill api`: the commands say which endpoint they call with
/// `--verbose`, and the set is compared with `all_endpoints()`.
#[test]
fn every_endpoint_is_reachable_by_name_and_through_api() {
    let declared: std::collections::BTreeSet<&str> = twill_api::all_endpoints()
        .map(|endpoint| endpoint.name())
        .collect();

    let mock = Mock::start(&["--job-time", "0.1"]);
    let mut reached = std::collections::BTreeSet::new();
    let mut run = |args: &[&str]| {
        // A followed log is a stream: JSON lines, not one document.
        let form = if args.contains(&"--follow") {
            "--jsonl"
        } else {
            "--json"
        };
        let mut full = vec!["--verbose", form];
        full.extend_from_slice(args);
        let (code, out, err) = stdout_of(mock.twill().args(&full));
        // A plan (or a Ralph loop's criteria) followed to its end waits
        // for approval: exit 7.
        let waits = args.contains(&"PLAN") || args.contains(&"RALPH_LOOP");
        let expected = if waits { 7 } else { 0 };
        assert_eq!(code, expected, "twill {args:?}: {err}");
        for line in err.lines() {
            if let Some(name) = line.strip_suffix(')').and_then(|l| l.rsplit_once('(')) {
                reached.insert(name.1.to_owned());
            }
        }
        out
    };
    run(&["auth", "status"]);
    run(&["repos"]);
    run(&["tasks", "create", "plan it", "--intent", "PLAN", "--follow"]);
    run(&["tasks", "approve", "task-1"]);
    run(&["tasks", "send", "task-1", "more", "--interrupt"]);
    run(&["tasks", "list"]);
    run(&["tasks", "show", "task-1"]);
    run(&["tasks", "jobs", "task-1"]);
    run(&["--yes", "jobs", "cancel", "job-3"]);
    run(&[
        "tasks",
        "teleport",
        "task-1",
        "--output",
        &std::env::temp_dir()
            .join(format!("twill-cov-{}.tar", std::process::id()))
            .to_string_lossy(),
    ]);
    run(&["--yes", "tasks", "cancel", "task-1"]);
    run(&["--yes", "tasks", "archive", "task-1"]);
    let ralph = run(&[
        "tasks",
        "create",
        "loop",
        "--intent",
        "RALPH_LOOP",
        "--follow",
    ]);
    let slug_at = ralph.find("\"slug\":\"").expect("the created task") + 8;
    let slug = &ralph[slug_at..slug_at + ralph[slug_at..].find('"').unwrap()];
    run(&["tasks", "approve-criteria", slug]);
    let created = run(&[
        "schedules",
        "create",
        "--title",
        "t",
        "--message",
        "m",
        "--cron",
        "0 3 * * *",
    ]);
    let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["scheduledTask"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for verb in ["show", "pause", "resume"] {
        run(&["schedules", verb, &id]);
    }
    run(&["schedules", "update", &id, "--title", "u"]);
    run(&["schedules", "list"]);
    run(&["--yes", "schedules", "delete", &id]);
    let reached_names: std::collections::BTreeSet<&str> =
        reached.iter().map(String::as_str).collect();
    assert_eq!(reached_names, declared, "named commands");

    // Through `twill api`, with arguments from each endpoint's metadata.
    let mock = Mock::start(&["--job-time", "0.1"]);
    // A plan followed to its end waits for approval: exit 7.
    let (code, _, err) = stdout_of(
        mock.twill()
            .args(["tasks", "create", "seed", "--intent", "PLAN", "--follow"]),
    );
    assert_eq!(code, 7, "{err}");
    let schedule = mock.ok(&[
        "--json",
        "schedules",
        "create",
        "--title",
        "t",
        "--message",
        "m",
        "--cron",
        "0 3 * * *",
    ]);
    let schedule =
        serde_json::from_str::<serde_json::Value>(&schedule).unwrap()["scheduledTask"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let mut through_api = std::collections::BTreeSet::new();
    for endpoint in twill_api::all_endpoints() {
        let mut args = vec![endpoint.name().to_owned()];
        for param in endpoint.params() {
            match param.wire_name() {
                Some("taskIdOrSlug") => args.push("taskIdOrSlug=task-1".to_owned()),
                Some("jobId") => args.push("jobId=job-1".to_owned()),
                Some("scheduledTaskId") => args.push(format!("scheduledTaskId={schedule}")),
                Some(_) => {}
                None => {
                    let body = match endpoint.name() {
                        "create_task" => r#"{"command":"via api"}"#,
                        "send_message" => r#"{"message":"via api"}"#,
                        "create_scheduled_task" => {
                            r#"{"title":"t","message":"m","cronExpression":"0 3 * * *"}"#
                        }
                        _ => r#"{"title":"renamed"}"#,
                    };
                    args.push("--body".to_owned());
                    args.push(body.to_owned());
                }
            }
        }
        let mut command = mock.twill();
        // `twill api` confirms what cannot be undone as every command does.
        command.arg("api").args(&args).arg("--yes");
        let (code, _, err) = stdout_of(&mut command);
        // Reached: the server answered (a 400 for a plan approved twice is
        // an answer), never a usage error.
        assert!(code == 0 || code == 1, "twill api {args:?}: {code} {err}");
        through_api.insert(endpoint.name());
    }
    assert_eq!(through_api, declared, "through api");
}

/// What a terminal would act on: ESC, BEL, a C1 CSI, a bidi override.
fn assert_inert(what: &str, text: &str) {
    for control in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\r'] {
        assert!(
            !text.contains(control),
            "{what} sent {control:?} to the terminal: {text:?}"
        );
    }
}

#[test]
fn server_text_never_drives_the_terminal() {
    let mock = Mock::start(&[]);
    let title = "T\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}it's";
    let prompt = "P\u{1b}]52;c;cHduZWQ=\u{7}\nsecond line";
    mock.ok(&["tasks", "create", prompt, "--title", title]);
    let created = mock.ok(&[
        "--json",
        "schedules",
        "create",
        "--title",
        title,
        "--message",
        prompt,
        "--cron",
        "0 3 * * *",
    ]);
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let schedule = created["scheduledTask"]["id"].as_str().unwrap();
    for (args, shows_text) in [
        (&["tasks", "list"][..], true),
        (&["tasks", "show", "task-1"], true),
        (&["tasks", "jobs", "task-1"], false),
        (
            &["tasks", "send", "task-1", prompt, "--yes", "--follow"],
            true,
        ),
        (&["schedules", "list"], true),
        (&["schedules", "show", schedule], true),
        (&["tasks", "show", "no\u{1b}[2Jsuch"], false),
    ] {
        let output = mock.twill().args(args).output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_inert(&format!("{args:?} (stdout)"), &stdout);
        assert_inert(&format!("{args:?} (stderr)"), &stderr);
        assert!(
            !shows_text || format!("{stdout}{stderr}").contains("\\u{1b}"),
            "{args:?} shows the escape visibly: {stdout}{stderr}"
        );
    }
    let list = mock.ok(&["tasks", "list"]);
    assert!(list.contains("it's"), "quotes stay quotes: {list}");
    // JSON output stays exact: its own escaping keeps controls out.
    let json = mock.ok(&["--json", "tasks", "show", "task-1"]);
    assert!(json.contains("\\u001b]0;pwned\\u0007"), "{json}");
}

#[test]
fn an_error_from_the_server_is_one_line_per_problem() {
    let url = common::answering(common::json_response(
        400,
        &serde_json::json!({ "error": {
            "code": "bad\ntwill: forged line",
            "message": "The task's sandbox is gone\u{1b}]0;pwned\u{7}",
            "details": { "issues": [{ "field": "title\r", "message": "too\nlong" }] }
        }}),
    ));
    let (code, stdout, stderr) = stdout_of(
        twill()
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", "twill_sk_hostile_test")
            .args(["tasks", "show", "t"]),
    );
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        "twill: 400 (bad\\ntwill: forged line): The task's sandbox is gone\\u{1b}]0;pwned\\u{7}\n\
         twill:   title\\r: too\\nlong\n"
    );
}

#[test]
fn an_empty_key_file_is_an_error_not_a_fallback() {
    let dir = std::env::temp_dir().join(format!("twill-cli-empty-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    std::fs::write(&file, " \n\t\n").unwrap();
    let (code, stdout, stderr) = stdout_of(
        twill()
            .env("TWILL_API_KEY", "twill_sk_from_the_environment")
            .args(["auth", "status", "--api-key-file", file.to_str().unwrap()]),
    );
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        format!(
            "twill: {} is empty: it should hold the API key\n",
            file.display()
        )
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_key_is_not_sent_over_plain_http_to_another_host() {
    let (code, _, stderr) = stdout_of(
        twill()
            .env("TWILL_API_KEY", "twill_sk_test_key")
            .env("TWILL_BASE_URL", "http://10.255.255.1:9")
            .args(["tasks", "list"]),
    );
    assert_eq!(code, 2, "refused before any I/O: {stderr}");
    assert_eq!(
        stderr,
        "twill: refusing to send the API key over plain http to 10.255.255.1: use https, or pass --insecure-http\n"
    );
    // Opted in, it is sent: here to a name that cannot resolve.
    let (code, _, stderr) = stdout_of(
        twill()
            .env("TWILL_API_KEY", "twill_sk_test_key")
            .env("TWILL_BASE_URL", "http://twill.invalid")
            .args(["--insecure-http", "tasks", "list"]),
    );
    assert_eq!(code, 3, "{stderr}");
}

#[test]
fn file_attachments_are_read_within_their_limit() {
    let mock = Mock::start(&[]);
    let dir = std::env::temp_dir().join(format!("twill-cli-attach-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.bin");
    std::fs::write(&big, vec![0u8; 10 * 1024 * 1024 + 1]).unwrap();
    let fifo = dir.join("fifo");
    assert!(
        Process::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success(),
        "mkfifo"
    );
    for (path, why) in [
        (big.to_str().unwrap(), "over the 10485760-byte limit"),
        ("/dev/zero", "not a regular file"),
        (fifo.to_str().unwrap(), "not a regular file"),
        (dir.to_str().unwrap(), "not a regular file"),
    ] {
        let (code, _, stderr) =
            stdout_of(mock.twill().args(["tasks", "create", "x", "--file", path]));
        assert_eq!(code, 2, "{path}: {stderr}");
        assert!(
            stderr.starts_with(&format!("twill: cannot attach {path}: ")) && stderr.contains(why),
            "{path}: {stderr}"
        );
    }
    // Nothing was created by the refused calls.
    let listed = mock.ok(&["tasks", "list"]);
    assert!(!listed.contains("task-"), "{listed}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// `--api-key-stdin` on a terminal: a prompt, and the key typed is not
/// echoed (run in a pseudo-terminal by `script`).
#[test]
fn the_key_prompt_on_a_terminal_does_not_echo() {
    let mock = Mock::start(&[]);
    let twill = assert_cmd::cargo::cargo_bin!("twill");
    let command = format!("{} auth status --api-key-stdin", twill.display());
    let output = Process::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TWILL_BASE_URL", &mock.url)
        .env_remove("TWILL_API_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            // Typed after the prompt is up, as a person would.
            std::thread::sleep(std::time::Duration::from_millis(300));
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{}", mock.key)?;
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(stdin);
            child.wait_with_output()
        })
        .unwrap();
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(transcript.contains("Twill API key: "), "{transcript}");
    assert!(
        !transcript.contains(&mock.key),
        "the key was echoed: {transcript}"
    );
    assert!(output.status.success(), "{transcript}");
}

/// `--output -` onto a terminal is refused: the archive's bytes could drive
/// it (run in a pseudo-terminal by `script`).
#[test]
fn teleport_to_standard_output_refuses_a_terminal() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "a session"]);
    let twill = assert_cmd::cargo::cargo_bin!("twill");
    let command = format!("{} tasks teleport task-1 --output -", twill.display());
    let output = Process::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("TWILL_BASE_URL", &mock.url)
        .env("TWILL_API_KEY", &mock.key)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{transcript}");
    assert!(
        transcript.contains("refusing to write a tar archive to a terminal"),
        "{transcript}"
    );
    assert!(!transcript.contains("ustar"), "{transcript}");
}

/// An `http://` base loads no root certificates: with none to be found,
/// `twill` still talks to `twill mock`.
#[test]
fn a_machine_without_ca_certificates_can_use_twill_mock() {
    let mock = Mock::start(&[]);
    let dir = std::env::temp_dir().join(format!("twill-cli-no-roots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let (code, stdout, stderr) = stdout_of(
        mock.twill()
            .env("SSL_CERT_FILE", &empty)
            .env("SSL_CERT_DIR", &dir)
            .args(["tasks", "list"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("TASK"), "{stdout}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A reader that goes away ends the output quietly (status 0, as `cat`);
/// a failed write (a full disk) is an error, never a success.
#[test]
fn closed_pipes_end_quietly_and_failed_writes_fail() {
    let twill = assert_cmd::cargo::cargo_bin!("twill");
    for args in [&["completions", "bash"][..], &["man"]] {
        let mut child = Process::new(twill)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader leaves before the first byte, as `head -c0` would.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");

        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = Process::new(twill)
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            "twill: cannot write to standard output: No space left on device (os error 28)\n"
        );
    }
}

#[test]
fn jsonl_log_events_are_the_json_that_arrived() {
    // Fields this version has no name for are kept: each line is the
    // event's data as the server sent it, not rebuilt from typed values.
    let events = [
        r#"{"type":"connected","jobId":"job-9"}"#,
        r#"{"type":"historical_complete","count":0}"#,
        r#"{"type":"complete","status":"failed","reason":"tests failed"}"#,
    ];
    let body: String = events
        .iter()
        .map(|event| format!("data: {event}\n\n"))
        .collect();
    let url = common::answering(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    ));
    let (code, stdout, _) = stdout_of(
        twill()
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", "twill_sk_test")
            .args(["--jsonl", "jobs", "logs", "job-9"]),
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let sent: Vec<serde_json::Value> = events
        .iter()
        .map(|event| serde_json::from_str(event).unwrap())
        .collect();
    assert_eq!(lines, sent);
    assert_eq!(code, 4, "a failed job");
}

fn sse(events: &[&str]) -> String {
    let body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn a_reopened_log_stream_prints_each_event_once_and_a_repeated_one_twice() {
    const CHUNK: &str = r#"{"type":"trace_chunks","chunks":[{"text":"same"}]}"#;
    const NEW: &str = r#"{"type":"trace_chunks","chunks":[{"text":"new"}]}"#;
    let (url, requests) = common::scripted(|n| match n {
        0 => sse(&[r#"{"type":"connected"}"#, CHUNK, CHUNK]),
        _ => sse(&[
            r#"{"type":"connected"}"#,
            CHUNK,
            CHUNK,
            NEW,
            r#"{"type":"historical_complete"}"#,
            r#"{"type":"complete","status":"completed"}"#,
        ]),
    });
    let (code, stdout, _) = stdout_of(
        twill()
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", "twill_sk_test")
            .args(["--jsonl", "jobs", "logs", "job-1"]),
    );
    let types: Vec<String> = stdout
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            match event["chunks"][0]["text"].as_str() {
                Some(text) => format!("chunk {text}"),
                None => event["type"].as_str().unwrap().to_owned(),
            }
        })
        .collect();
    assert_eq!(
        types,
        [
            "connected",
            "chunk same",
            "chunk same",
            "connected",
            "chunk new",
            "historical_complete",
            "complete"
        ]
    );
    assert_eq!(code, 0);
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn all_pages_stop_on_empty_pages_with_fresh_cursors() {
    let (url, requests) = common::scripted(|n| {
        common::json_response(
            200,
            &serde_json::json!({ "tasks": [], "nextCursor": format!("fresh-{n}") }),
        )
    });
    let (code, _, stderr) = stdout_of(
        twill()
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", "twill_sk_test")
            .args(["tasks", "list", "--all"]),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("10 empty pages in a row"), "{stderr}");
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 10);
}

#[cfg(target_os = "linux")]
#[test]
fn a_table_fits_a_narrow_or_wide_terminal_whatever_the_titles() {
    use unicode_width::UnicodeWidthStr;
    let mock = Mock::start(&[]);
    mock.ok(&[
        "tasks",
        "create",
        "修复登录页面在移动端的布局问题并添加回归测试",
        "--title",
        "修复登录页面在移动端的布局问题并添加回归测试",
    ]);
    mock.ok(&[
        "tasks",
        "create",
        "ship it",
        "--title",
        "🚀 ship the release notes for the whole year, every team, every repository",
    ]);
    for cols in [24u16, 40, 120] {
        let Some(screen) = on_a_terminal(&mock, cols, &[], "tasks list") else {
            return;
        };
        let lines: Vec<&str> = screen.lines().filter(|line| !line.is_empty()).collect();
        assert_eq!(lines.len(), 3, "{cols} columns: {screen}");
        // The URL is never cut (a cut URL is no URL); the columns before
        // it are cut to fit, none below 8 columns.
        assert!(screen.contains("https://twill.ai/tasks/task-1"), "{screen}");
        assert!(screen.contains("https://twill.ai/tasks/task-3"), "{screen}");
        for line in &lines {
            let before_url = line.find("https://").or(line.find("URL")).unwrap();
            let room = usize::from(cols).saturating_sub(29).max(3 * 8 + 6);
            assert!(line[..before_url].width() <= room, "{cols} columns: {line}");
            if cols == 120 {
                assert!(line.width() <= 120, "{line}");
            }
        }
        if cols < 120 {
            assert!(screen.contains('…'), "{cols} columns: cut to fit: {screen}");
        }
        // The columns line up in screen columns, CJK and emoji included.
        let status_at: Vec<usize> = lines
            .iter()
            .map(|line| {
                // The second column starts after the first gap of spaces;
                // its text (a status) changes as the mock's jobs run, and
                // may itself be cut, so it is found by position, not name.
                let gap = line.find("  ").unwrap();
                let at = gap + line[gap..].find(|c: char| c != ' ').unwrap();
                line[..at].width()
            })
            .collect();
        assert!(
            status_at.windows(2).all(|w| w[0] == w[1]),
            "{cols}: {screen}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn wide_and_hostile_titles_as_a_person_sees_them() {
    // Jobs stay PENDING for 12 minutes: the statuses read the same every run.
    let mock = Mock::start(&["--job-time", "3600"]);
    for title in [
        "修复登录页面在移动端的布局问题并添加回归测试",
        "🚀 ship the release notes for the whole year, every team, every repository",
        "\u{1b}[2J\u{1b}]0;owned\u{7}cleared\nforged\trow\u{202e}txt.exe",
        "plain",
    ] {
        mock.ok(&["tasks", "create", "x", "--title", title]);
    }
    let mut screens = String::new();
    screens.push_str("--- piped: tasks list\n");
    screens.push_str(&mock.ok(&["tasks", "list"]));
    screens.push_str("--- piped: tasks show task-5\n");
    screens.push_str(&mock.ok(&["tasks", "show", "task-5"]));
    for cols in [24u16, 120] {
        let Some(screen) = on_a_terminal(&mock, cols, &[], "tasks list") else {
            return;
        };
        assert_inert(&format!("{cols} columns"), &screen);
        screens.push_str(&format!("--- {cols} columns: tasks list\n{screen}"));
    }
    insta::assert_snapshot!("wide_and_hostile_titles", screens);
}

#[cfg(target_os = "linux")]
#[test]
fn colour_only_on_a_terminal_unless_no_color_or_clicolor_force_say_otherwise() {
    let mock = Mock::start(&["--job-time", "0.1"]);
    mock.ok(&["tasks", "create", "x"]);
    mock.ok(&["jobs", "logs", "job-2"]);
    let green = "\x1b[32mCOMPLETED\x1b[0m";
    let colour = [("NO_COLOR", ""), ("TERM", "xterm")];
    let Some(coloured) = on_a_terminal(&mock, 120, &colour, "tasks list") else {
        return;
    };
    assert!(coloured.contains(green), "{coloured:?}");
    // The padding is outside the colour: the next column still lines up.
    let row = coloured.lines().find(|line| line.contains(green)).unwrap();
    let header = coloured
        .lines()
        .find(|line| line.starts_with("TASK"))
        .unwrap();
    let title_at = |line: &str| line.replace(green, "COMPLETED").find(" x").map(|at| at + 1);
    assert_eq!(title_at(row), header.find("TITLE"), "{coloured:?}");
    for plain in [
        on_a_terminal(&mock, 120, &[("TERM", "xterm")], "tasks list"),
        on_a_terminal(
            &mock,
            120,
            &[("NO_COLOR", ""), ("TERM", "dumb")],
            "tasks list",
        ),
    ] {
        let plain = plain.unwrap();
        assert!(!plain.contains('\x1b'), "{plain:?}");
    }
    // Piped: plain, unless CLICOLOR_FORCE asks.
    let piped = mock.ok(&["tasks", "list"]);
    assert!(!piped.contains('\x1b'), "{piped:?}");
    let forced = mock
        .twill()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["tasks", "list"])
        .output()
        .unwrap();
    let forced = String::from_utf8(forced.stdout).unwrap();
    assert!(forced.contains(&format!("task-1\t{green}\t")), "{forced:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn no_status_line_with_term_dumb_or_with_stdout_piped() {
    let mock = Mock::start(&["--job-time", "0.3"]);
    mock.ok(&["tasks", "create", "x"]);
    let Some(dumb) = on_a_terminal(&mock, 80, &[("TERM", "dumb")], "jobs logs job-2") else {
        return;
    };
    assert!(
        !dumb.contains('\u{1b}'),
        "no escape sequence with TERM=dumb: {dumb:?}"
    );
    assert!(dumb.contains("job completed"), "{dumb}");
    // Standard output piped (through cat), standard error the terminal.
    let piped = on_a_terminal(&mock, 80, &[], "jobs logs job-2 | cat").unwrap();
    assert!(
        !piped.contains(" · "),
        "no status line beside piped output: {piped:?}"
    );
    assert!(piped.contains("job completed"), "{piped}");
}

#[test]
fn a_server_that_is_down_is_named_with_the_cause() {
    let (code, _, stderr) = stdout_of(
        twill()
            .env("TWILL_BASE_URL", "http://127.0.0.1:1/api/v1")
            .env("TWILL_API_KEY", "twill_sk_test")
            .args(["tasks", "list"]),
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("Twill at 127.0.0.1:1 failed"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn no_key_says_where_a_key_comes_from_and_twill_alone_is_help() {
    let (code, _, stderr) = stdout_of(twill().env("TWILL_API_KEY", "").args(["tasks", "list"]));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "twill: no API key: set TWILL_API_KEY, or pass --api-key-file PATH or --api-key-stdin \
         (`twill mock` runs a local Twill)\n"
    );
    let (code, stdout, stderr) = stdout_of(&mut twill());
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.starts_with("The command line for Twill"), "{stdout}");
}

#[test]
fn values_are_checked_before_any_request() {
    // No server at all: each is refused locally, exit 2, naming the choices.
    let refused = |args: &[&str]| {
        let (code, _, stderr) = stdout_of(
            twill()
                .env("TWILL_BASE_URL", "http://127.0.0.1:1/api/v1")
                .env("TWILL_API_KEY", "twill_sk_test")
                .args(args),
        );
        assert_eq!(code, 2, "{args:?}: {stderr}");
        stderr
    };
    assert!(refused(&["tasks", "create", "x", "--intent", "sweep"]).contains("SWE, PLAN, ASK"));
    assert!(refused(&["tasks", "send", "t", "m", "--effort", "huge"]).contains("xhigh"));
    assert!(refused(&["tasks", "list", "--limit", "0"]).contains("1..=100"));
    assert!(refused(&["tasks", "list", "--limit", "101"]).contains("1..=100"));
    assert!(refused(&["schedules", "update", "s-1"]).contains("--title"));
}

#[test]
fn a_rate_limited_wait_is_announced_and_no_wait_fails_at_once() {
    let limited = || {
        let body = r#"{"error":{"code":"rate_limited","message":"Slow down"}}"#;
        format!(
            "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let (url, requests) = common::scripted(move |n| match n {
        0 => limited(),
        _ => common::json_response(200, &serde_json::json!({ "tasks": [], "nextCursor": null })),
    });
    let (code, _, stderr) = stdout_of(
        twill()
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", "twill_sk_test")
            .args(["tasks", "list"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "twill: rate limited (429); retrying in 1 s (--no-wait fails at once)\n"
    );
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 2);

    let (url, requests) = common::scripted(move |_| limited());
    let (code, _, stderr) = stdout_of(
        twill()
            .env("TWILL_BASE_URL", &url)
            .env("TWILL_API_KEY", "twill_sk_test")
            .args(["--no-wait", "tasks", "list"]),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("rate limited: retry in 1 s"), "{stderr}");
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn json_with_a_log_stream_is_refused_before_anything_is_sent() {
    let (url, requests) = common::scripted(|_| common::json_response(500, &serde_json::json!({})));
    for args in [
        &["--json", "jobs", "logs", "job-1"][..],
        &["--json", "tasks", "create", "x", "--follow"][..],
    ] {
        let (code, stdout, stderr) = stdout_of(
            twill()
                .env("TWILL_BASE_URL", &url)
                .env("TWILL_API_KEY", "twill_sk_test")
                .args(args),
        );
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}");
        assert!(stderr.contains("use --jsonl"), "{stderr}");
    }
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn what_cannot_be_undone_needs_yes_where_there_is_no_terminal_to_ask() {
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "x"]);
    for args in [
        &["tasks", "cancel", "task-1"][..],
        &["tasks", "archive", "task-1"][..],
        &["jobs", "cancel", "job-2"][..],
    ] {
        let (code, stdout, stderr) = stdout_of(mock.twill().args(args));
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}");
        assert!(stderr.contains("cannot be undone: pass --yes"), "{stderr}");
    }
    // Nothing was cancelled: the job still runs.
    let shown = mock.ok(&["--json", "tasks", "show", "task-1"]);
    assert!(!shown.contains("CANCELLED"), "{shown}");
    mock.ok(&["--yes", "tasks", "cancel", "task-1"]);
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_what_cannot_be_undone_is_asked_first() {
    use std::io::Write as _;
    if Process::new("script").arg("--version").output().is_err() {
        eprintln!("no `script` here: the pseudo-terminal case is not run");
        return;
    }
    let mock = Mock::start(&[]);
    mock.ok(&["tasks", "create", "x"]);
    let twill = assert_cmd::cargo::cargo_bin!("twill");
    let answer = |reply: &str| {
        let mut child = Process::new("script")
            .args([
                "-qec",
                &format!("{} tasks cancel task-1", twill.display()),
                "/dev/null",
            ])
            .env("TWILL_BASE_URL", &mock.url)
            .env("TWILL_API_KEY", &mock.key)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{reply}\n").as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let refused = answer("n");
    assert!(refused.contains("Go ahead? [y/N]"), "{refused}");
    assert!(
        refused.contains("not confirmed; nothing was sent"),
        "{refused}"
    );
    let shown = mock.ok(&["--json", "tasks", "show", "task-1"]);
    assert!(!shown.contains("CANCELLED"), "{shown}");
    let confirmed = answer("y");
    assert!(!confirmed.contains("not confirmed"), "{confirmed}");
    let shown = mock.ok(&["--json", "tasks", "show", "task-1"]);
    assert!(shown.contains("CANCELLED"), "{shown}");
}
