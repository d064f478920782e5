//! `twill`: the command line for Twill, on `twill-api`.
//!
//! Every command calls a declared endpoint through its metadata
//! ([`twill_api::all_endpoints`]) with [`twill_api::Client::call`]: the same
//! request, retries and errors as the typed method, and the JSON exactly as
//! received for `--json`. Readable output decodes that JSON into
//! `twill-api`'s types.

#![warn(clippy::too_many_lines)]

mod cli;
mod commands;
#[cfg(test)]
mod endpoint_lists;
mod failure;
mod files;
mod follow;
mod journal;
mod local_input;
mod render;
mod session;
mod standing;
mod teleport;

use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use twill_api::hook::{Hook, RetryWait};
use twill_api::{Client, RetryPolicy};

use crate::cli::{Cli, Command, RemoteCommand};
use crate::failure::Failure;
use crate::render::{Form, JsonView, Output};
use crate::session::Session;

fn main() -> ExitCode {
    // `twill` alone: the help, on standard output, as a success (gh's
    // convention), not a usage error.
    if std::env::args_os().len() == 1 {
        let help = command().render_help().to_string();
        return exit(render::write_stdout(help.as_bytes()), false);
    }
    let cli = match command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(error) => return exit(parse_failure(&error), false),
    };
    let verbose = cli.global.verbose;
    exit(run(cli), verbose)
}

/// The grammar, its help wrapped to fit where it goes: a file or a pipe
/// gets 100 columns; a terminal under 60 columns gets unwrapped lines
/// (which it wraps itself) rather than one word per line.
fn command() -> clap::Command {
    let command = Cli::command();
    match render::terminal::stdout_width() {
        Some(width) if width < 60 => command.term_width(0),
        Some(_) => command,
        None => command.term_width(100),
    }
}

/// What clap's refusal becomes: help and version on standard output (a
/// command with no verb, `twill tasks`, prints its help, as gh does), a
/// write failure included; any other refusal a usage error on one line.
fn parse_failure(error: &clap::Error) -> Result<(), Failure> {
    use clap::error::ErrorKind;
    let text = error.render().to_string();
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            render::write_stdout(text.as_bytes())
        }
        _ => Err(Failure::Usage(one_line(&text))),
    }
}

/// clap's message without its usage block, on one line: `unrecognized
/// subcommand 'lst'; tip: a similar subcommand exists: 'list' (see --help)`.
fn one_line(text: &str) -> String {
    let message = text.split("\n\nUsage:").next().unwrap_or(text);
    let message = message
        .split("For more information, try")
        .next()
        .unwrap_or(message);
    let message = message.trim().trim_start_matches("error: ");
    let parts: Vec<String> = message
        .split("\n\n")
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|part| !part.is_empty())
        .collect();
    format!("{} (see --help)", parts.join("; "))
}

/// The one place a run becomes an exit code: a failure's lines on standard
/// error and its code; a closed standard output, quietly, 0.
fn exit(result: Result<(), Failure>, verbose: bool) -> ExitCode {
    let Err(failure) = result else {
        return ExitCode::SUCCESS;
    };
    // One line per problem, however the server's text is spelled.
    for line in failure.lines(verbose) {
        eprintln!("twill: {}", twill_api::untrusted::escape_line(&line));
    }
    failure.exit_code()
}

fn run(cli: Cli) -> Result<(), Failure> {
    // Commands that need no key and no network build no client.
    let remote = match cli.command {
        Command::Remote(remote) => remote,
        Command::Completions { shell } => {
            // Rendered whole, then written: clap_complete panics on a
            // closed pipe (`twill completions bash | head -1`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "twill", &mut script);
            return render::write_stdout(&script);
        }
        Command::Man { command, out_dir } => return man(&command, out_dir.as_deref()),
        Command::Mock(args) => return runtime()?.block_on(mock(args)),
        Command::Mcp {
            read_only,
            max_wait,
            toolsets,
        } => return mcp(&cli.global, read_only, max_wait, toolsets),
    };
    let output = output_for(&cli.global, &remote)?;
    if let RemoteCommand::Api(args) = &remote
        && args.list
    {
        return commands::api::list(&output, &twill_api::all_endpoints().collect::<Vec<_>>());
    }
    let (client, masked_key) = client(&cli.global, true)?;
    let session = Session {
        client,
        output,
        verbose: cli.global.verbose,
        masked_key,
        yes: cli.global.yes,
    };
    runtime()?.block_on(commands::run(&session, remote))
}

/// `twill man [COMMAND...]`: the page of `twill` or of one of its
/// commands, as the main page names them; with `out_dir`, every page.
fn man(path: &[String], out_dir: Option<&std::path::Path>) -> Result<(), Failure> {
    // Built, so that each command is named as its page is (`twill-tasks`)
    // and carries the global options.
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    if let Some(dir) = out_dir {
        return write_pages(&command, dir);
    }
    let mut page = &command;
    for name in path {
        page = page.find_subcommand(name).ok_or_else(|| {
            let known: Vec<&str> = page
                .get_subcommands()
                .map(clap::Command::get_name)
                .collect();
            Failure::Usage(format!(
                "no command `{}` here; man pages exist for {}",
                twill_api::untrusted::escape_line(name),
                known.join(", ")
            ))
        })?;
    }
    let mut roff = Vec::new();
    man_page(page)
        .render(&mut roff)
        .map_err(|error| Failure::Local(format!("cannot render the man page: {error}")))?;
    render::write_stdout(&roff)
}

/// A page, its footer naming twill and its version whatever the command.
fn man_page(command: &clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(command.clone())
        .source(concat!("twill ", env!("CARGO_PKG_VERSION")))
        .manual("twill")
}

/// Writes `command`'s page and its commands' into `dir`, made if missing.
fn write_pages(command: &clap::Command, dir: &std::path::Path) -> Result<(), Failure> {
    let cannot = |error: std::io::Error| {
        Failure::Local(format!(
            "cannot write the man pages into {}: {error}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(cannot)?;
    man_page(command).generate_to(dir).map_err(cannot)?;
    for sub in command.get_subcommands() {
        write_pages(sub, dir)?;
    }
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::Local(format!("cannot start: {error}")))
}

/// `twill mcp`: the API as MCP tools on standard input and output.
fn mcp(
    global: &cli::Global,
    read_only: bool,
    max_wait: u64,
    toolsets: Option<Vec<String>>,
) -> Result<(), Failure> {
    if global.api_key_stdin {
        return Err(Failure::Usage(
            "twill mcp speaks on standard input: give the key with TWILL_API_KEY or \
             --api-key-file"
                .to_owned(),
        ));
    }
    let mut options = twill_mcp::Options::default()
        .read_only(read_only)
        .wait_bound(Duration::from_secs(max_wait));
    if let Some(toolsets) = toolsets {
        let toolsets: Vec<String> = toolsets.iter().map(|name| name.trim().to_owned()).collect();
        let known = twill_mcp::toolsets(&twill_api::all_endpoints().collect::<Vec<_>>());
        if let Some(unknown) = toolsets.iter().find(|name| !known.contains(name)) {
            return Err(Failure::Usage(format!(
                "no toolset `{}`; the toolsets are {}",
                twill_api::untrusted::escape_line(unknown),
                known.join(", ")
            )));
        }
        options = options.toolsets(toolsets);
    }
    // The server's standard error is the host's log: no notice of the
    // command line's (AnnounceWaits) belongs there.
    let (client, _) = client(global, false)?;
    let tools = twill_mcp::TwillTools::new(client, options);
    runtime()?
        .block_on(twill_mcp::serve_stdio(tools))
        .map_err(|error| Failure::Local(error.to_string()))
}

/// The output form the flags ask for, its fields and filter checked
/// against what `command` prints: all before anything is sent.
fn output_for(global: &cli::Global, command: &RemoteCommand) -> Result<Output, Failure> {
    let json = global.json.is_some() || global.jq.is_some();
    // A task created and then not followed would be half a command.
    if json && command.streams_events() {
        return Err(Failure::Usage(
            "--json and --jq print one document, and this command prints as it goes (a job's \
             log, a line per task or job): use --jsonl (one JSON object per line)"
                .to_owned(),
        ));
    }
    let form = if json {
        Form::Json
    } else if global.jsonl {
        Form::Jsonl
    } else {
        Form::Human
    };
    let view = JsonView::new(
        commands::json_shape(command),
        global.json.as_deref(),
        global.jq.as_deref(),
    )?;
    Ok(Output::new(form, view))
}

/// The client, with the key from the environment, a file or standard input,
/// and the key as it may be shown.
fn client(global: &cli::Global, announce: bool) -> Result<(Client, String), Failure> {
    let mut builder = Client::builder_from_env();
    let key = api_key(global)?;
    if global.insecure_http {
        builder = builder.allow_insecure_http();
    }
    if !key.is_empty() {
        builder = builder.api_key(key.as_str());
    }
    // Twill's documented limits, kept on this side: a command (a batch, a
    // wait over many jobs) paces itself rather than drawing 429s.
    if announce {
        builder = builder.hook(AnnounceWaits::default());
    }
    builder = builder.twill_rate_limits();
    if global.no_wait {
        builder = builder.retry(RetryPolicy::default().max_retry_after(Duration::ZERO));
    }
    let client = builder.build().map_err(build_refused)?;
    Ok((client, mask(&key)))
}

/// The key from `--api-key-file`, `--api-key-stdin` or `TWILL_API_KEY`
/// (empty when none). A key given by file or standard input is that key:
/// when it is empty, say so rather than fall back to TWILL_API_KEY.
fn api_key(global: &cli::Global) -> Result<String, Failure> {
    if let Some(path) = &global.api_key_file {
        let shown = path.display();
        let bytes = local_input::read_file(path, local_input::MAX_KEY_BYTES).map_err(|error| {
            Failure::Usage(format!("cannot read the key from {shown}: {error}"))
        })?;
        let key = String::from_utf8_lossy(&bytes).trim().to_owned();
        if key.is_empty() {
            return Err(Failure::Usage(format!(
                "{shown} is empty: it should hold the API key"
            )));
        }
        return Ok(key);
    }
    if global.api_key_stdin {
        let text = local_input::key_from_stdin().map_err(|error| {
            Failure::Usage(format!("cannot read the key from standard input: {error}"))
        })?;
        let key = text.trim().to_owned();
        if key.is_empty() {
            return Err(Failure::Usage(
                "no key on standard input (--api-key-stdin)".to_owned(),
            ));
        }
        return Ok(key);
    }
    Ok(std::env::var("TWILL_API_KEY").unwrap_or_default())
}

/// The library's refusal in the command line's terms: its advice names its
/// API; this names flags and variables.
fn build_refused(error: twill_api::client::BuildError) -> Failure {
    use twill_api::client::BuildError;
    Failure::Usage(match error {
        BuildError::InsecureHttp(host) => format!(
            "refusing to send the API key over plain http to {host}: use https, or pass \
             --insecure-http"
        ),
        BuildError::MissingApiKey => "no API key: set TWILL_API_KEY, or pass --api-key-file \
            PATH or --api-key-stdin (`twill mock` runs a local Twill)"
            .to_owned(),
        BuildError::InvalidBaseUrl(why) => format!(
            "TWILL_BASE_URL {:?} is not a base URL: {why}",
            std::env::var("TWILL_BASE_URL").unwrap_or_default()
        ),
        other => other.to_string(),
    })
}

/// Says on standard error why a command is silent: a retry that waits a
/// second or more (a 429's `Retry-After` can be a minute).
#[derive(Default)]
struct AnnounceWaits {
    /// Until when a wait was said: the requests in flight that hit the
    /// same 429 say nothing more.
    said_until: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Hook for AnnounceWaits {
    fn before_retry(&self, retry: &RetryWait) {
        if retry.wait < Duration::from_secs(1) {
            return;
        }
        let now = std::time::Instant::now();
        {
            let mut said = self
                .said_until
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if said.is_some_and(|until| now < until) {
                return;
            }
            *said = Some(now + retry.wait);
        }
        let seconds = retry.wait.as_secs() + u64::from(retry.wait.subsec_nanos() > 0);
        let why = match retry.status.map(|status| status.as_u16()) {
            Some(429) => "rate limited (429)".to_owned(),
            Some(status) => format!("HTTP {status}"),
            None => "no answer".to_owned(),
        };
        // On its own line, not after a batch's status line.
        crate::render::terminal::clear_status_line();
        eprintln!("twill: {why}; retrying in {seconds} s (--no-wait fails at once)");
    }
}

/// The start of a key, enough to tell keys apart, never enough to use one:
/// at most 8 characters and never more than a quarter of it.
fn mask(key: &str) -> String {
    let shown = (key.chars().count() / 4).min(8);
    let prefix: String = key.chars().take(shown).collect();
    format!("{prefix}…")
}

/// `twill mock`: a local Twill until Ctrl-C.
/// The fault switches `twill mock` was given.
fn faults(args: &cli::MockArgs, end: twill_mock::JobEnd) -> twill_mock::Faults {
    let mut faults = twill_mock::Faults::none()
        .jobs_end(end)
        .cut_streams(args.cut_streams)
        .huge_cursors(args.huge_cursors);
    if args.repeat_events {
        faults = faults.repeat_events();
    }
    if args.empty_pages {
        faults = faults.empty_pages();
    }
    if let Some(n) = args.stall_create {
        faults = faults.stall_create(n);
    }
    faults
}

async fn mock(args: cli::MockArgs) -> Result<(), Failure> {
    let running = std::time::Duration::try_from_secs_f64(args.job_time)
        .map_err(|_| Failure::Usage(format!("--job-time {} is not a duration", args.job_time)))?;
    let end = twill_mock::JobEnd::from(args.jobs_end);
    let server = twill_mock::MockServer::builder()
        .port(args.port)
        .rate_limit_per(args.rate_limit.requests(), args.rate_limit.period())
        .job_timing(running / 5, running - running / 5)
        .faults(faults(&args, end))
        .latency(args.latency.unwrap_or_default())
        .start()
        .await
        .map_err(|error| Failure::Local(format!("cannot start the mock: {error}")))?;
    println!("# twill-mock is running; in another shell:");
    println!("export TWILL_BASE_URL={}", server.url());
    println!("export TWILL_API_KEY={}", server.api_key());
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}
