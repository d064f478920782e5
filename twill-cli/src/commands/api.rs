//! `twill api ENDPOINT [NAME=VALUE]... [--body JSON|@FILE|-]`: any endpoint
//! of a list by its method name (the one place a name is looked up: the
//! user's own argument), its arguments checked against its metadata.

use std::path::Path;

use crate::local_input;
use serde_json::Value;
use twill_api::endpoint::ParamRole;
use twill_api::error::InputProblem;
use twill_api::stream::JobLogStream;
use twill_api::{Arguments, Endpoint, Error, FromResponse};

use crate::cli::ApiArgs;
use crate::failure::Failure;
use crate::render::{Output, one};
use crate::session::Session;

/// `twill api --list`: every endpoint of `endpoints` and its parameters,
/// in the terms of the command line (a value's JSON kind, not its Rust
/// type).
pub fn list(output: &Output, endpoints: &[&'static Endpoint]) -> Result<(), Failure> {
    let width = endpoints.iter().map(|e| e.name().len()).max().unwrap_or(0);
    for endpoint in endpoints {
        output.line(&format!("{:width$}  {endpoint}", endpoint.name()))?;
        for param in endpoint.params() {
            let name = param.wire_name().unwrap_or("--body");
            let role = match param.role() {
                ParamRole::Path => "path",
                ParamRole::Query => "query",
                ParamRole::Header => "header",
                _ => "body",
            };
            let required = if param.is_optional() {
                "optional"
            } else {
                "required"
            };
            let kind = match param.role() {
                ParamRole::Body => "JSON".to_owned(),
                _ if param.is_repeated() => {
                    format!(
                        "{}, repeatable ({name}=A {name}=B)",
                        param.kind().json_type()
                    )
                }
                _ => param.kind().json_type().to_owned(),
            };
            output.line(&format!("    {name}  {role}, {required}, {kind}"))?;
        }
    }
    Ok(())
}

/// `twill api NAME ...`: calls the endpoint of `endpoints` named `NAME`.
pub async fn run(
    session: &Session,
    endpoints: &[&'static Endpoint],
    args: ApiArgs,
) -> Result<(), Failure> {
    if args.list {
        return list(&session.output, endpoints);
    }
    let endpoint = find(endpoints, args.endpoint.as_deref().unwrap_or_default())?;
    let arguments = arguments(endpoint, &args)?;
    // A send to a task whose job is under way cancels it: asked first,
    // as `tasks send` does.
    if endpoint.is_interrupting()
        && let Some(task) = arguments.values("taskIdOrSlug").next()
        && let Some(job) = session
            .before_interrupting(task, false, "pass --yes to send anyway")
            .await?
    {
        eprintln!(
            "twill: job {} was under way and is cancelled by this call",
            one(&job)
        );
    }
    let response = session
        .send(endpoint, &arguments)
        .await
        .map_err(|failure| match failure {
            Failure::Api {
                error: Error::InvalidInput(input),
                ..
            } => usage(endpoint, &input),
            other => other,
        })?;
    print(session, endpoint, response).await
}

/// The `NAME=VALUE` pairs and the `--body`, as the call's arguments.
fn arguments(endpoint: &'static Endpoint, args: &ApiArgs) -> Result<Arguments, Failure> {
    let mut arguments = Arguments::new();
    for pair in &args.args {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Failure::Usage(format!(
                "`{pair}` is not NAME=VALUE; {}",
                accepted(endpoint)
            )));
        };
        check_kind(endpoint, key, value)?;
        arguments = arguments.arg(key, value);
    }
    if let Some(body) = &args.body {
        arguments = arguments.body(body_json(body)?);
    }
    Ok(arguments)
}

/// A value of the kind its parameter declares (`limit=abc` is refused
/// here, as `--limit abc` is, not by the server); names it does not know
/// are left to the client's own check.
fn check_kind(endpoint: &'static Endpoint, name: &str, value: &str) -> Result<(), Failure> {
    let Some(param) = endpoint
        .params()
        .iter()
        .find(|param| param.wire_name() == Some(name))
    else {
        return Ok(());
    };
    let fits = match param.kind() {
        twill_api::endpoint::ParamKind::Integer => value.parse::<i64>().is_ok(),
        twill_api::endpoint::ParamKind::Boolean => matches!(value, "true" | "false"),
        _ => true,
    };
    if fits {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "`{name}` takes {}, not `{}`",
        match param.kind() {
            twill_api::endpoint::ParamKind::Integer => "an integer",
            _ => "true or false",
        },
        twill_api::untrusted::escape_line(value)
    )))
}

/// An argument the endpoint's metadata refused, in the command line's
/// terms, with what it takes.
fn usage(endpoint: &'static Endpoint, input: &twill_api::error::InvalidInput) -> Failure {
    let problem = match &input.problem {
        InputProblem::UnknownArgument { name, .. } => format!("no parameter `{name}`"),
        InputProblem::MissingArgument => format!("`{}` is required", input.parameter),
        InputProblem::UnexpectedBody => "no body is taken".to_owned(),
        InputProblem::RepeatedArgument => {
            format!("`{}` is given more than once", input.parameter)
        }
        _ => return Failure::Usage(input.to_string()),
    };
    Failure::Usage(format!("{problem}; {}", accepted(endpoint)))
}

/// Prints the answer: a log stream as JSON lines, JSON as `--json` does,
/// anything else as bytes that never reach a terminal.
async fn print(
    session: &Session,
    endpoint: &'static Endpoint,
    response: twill_api::RawResponse,
) -> Result<(), Failure> {
    if endpoint.is_streaming() {
        let mut events = JobLogStream::from_response(response)
            .await
            .map_err(|error| Failure::api(endpoint, error))?;
        while let Some(event) = events.next_event().await {
            let event = event.map_err(|error| Failure::api(endpoint, error))?;
            session.output.json_line(event.json())?;
        }
        return Ok(());
    }
    let is_json = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json"));
    let body = response
        .bytes()
        .await
        .map_err(|error| Failure::api(endpoint, error))?;
    if body.is_empty() {
        return Ok(());
    }
    if is_json {
        session.output.json(&body)?;
        // An action the server refused in its answer fails, after showing it.
        return session.refused(&body, endpoint.name());
    }
    // Bytes, such as a teleport archive: never onto a terminal.
    crate::render::write_binary(&format!("{} bytes of binary", body.len()), &body)
}

/// The endpoint named `name`, or a usage error naming the near ones.
fn find(endpoints: &[&'static Endpoint], name: &str) -> Result<&'static Endpoint, Failure> {
    if let Some(endpoint) = endpoints.iter().find(|endpoint| endpoint.name() == name) {
        return Ok(endpoint);
    }
    let near: Vec<&str> = endpoints
        .iter()
        .map(|endpoint| endpoint.name())
        .filter(|candidate| {
            candidate.contains(name) || name.contains(candidate) || distance(candidate, name) <= 3
        })
        .collect();
    let hint = if near.is_empty() {
        "`twill api --list` shows them all".to_owned()
    } else {
        format!("did you mean {}?", near.join(", "))
    };
    Err(Failure::Usage(format!("no endpoint `{name}`; {hint}")))
}

/// What `endpoint` takes, for a usage message.
fn accepted(endpoint: &'static Endpoint) -> String {
    let names: Vec<String> = endpoint
        .params()
        .iter()
        .map(|param| match (param.role(), param.wire_name()) {
            (ParamRole::Body, _) | (_, None) => "--body JSON".to_owned(),
            (_, Some(name)) if param.is_optional() => format!("[{name}=VALUE]"),
            (_, Some(name)) => format!("{name}=VALUE"),
        })
        .collect();
    if names.is_empty() {
        format!("{} takes no arguments", endpoint.name())
    } else {
        format!("{} takes {}", endpoint.name(), names.join(" "))
    }
}

/// The largest `--body` read from a file or standard input.
const MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// `--body`: inline JSON, `@FILE`, or `-` for standard input.
fn body_json(body: &str) -> Result<Value, Failure> {
    let text = match body {
        "-" => local_input::read_stdin(MAX_BODY_BYTES).map_err(|error| {
            Failure::Usage(format!("cannot read the body from standard input: {error}"))
        })?,
        _ => match body.strip_prefix('@') {
            Some(path) => local_input::read_file(Path::new(path), MAX_BODY_BYTES)
                .map_err(|error| Failure::Usage(format!("cannot read {path}: {error}")))
                .and_then(|bytes| {
                    String::from_utf8(bytes)
                        .map_err(|_| Failure::Usage(format!("{path} is not UTF-8 text")))
                })?,
            None => body.to_owned(),
        },
    };
    serde_json::from_str(&text)
        .map_err(|error| Failure::Usage(format!("--body is not JSON: {error}")))
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
