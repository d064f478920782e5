//! How a command fails: one line per problem, and a documented exit code.

use std::fmt;
use std::process::ExitCode;

use twill_api::{Endpoint, Error};

/// Why a command stopped, and so its exit code.
#[derive(Debug)]
pub enum Failure {
    /// The API refused, or the command could not do its work (1).
    Api {
        /// The endpoint called, for `--verbose`.
        endpoint: Option<&'static Endpoint>,
        /// The request as sent (`GET /tasks/nosuch`), to name what a 404
        /// did not find.
        request: Option<String>,
        error: Error,
    },
    /// A local problem the command itself can report (1): a file that
    /// cannot be written, an archive refused.
    Local(String),
    /// The command line was wrong (2).
    Usage(String),
    /// The followed job failed (4).
    JobFailed(String),
    /// The followed job was cancelled (5).
    JobCancelled(String),
    /// A wait's deadline came before the jobs ended (6).
    Deadline(String),
    /// A followed job ended waiting for a person: a plan or criteria to
    /// approve (7).
    NeedsYou(String),
    /// Ctrl-C (130).
    Interrupted(String),
    /// Standard output's reader went away (`twill tasks list | head`): the
    /// output stops, quietly, with status 0 (as `cat` and ripgrep do).
    Closed,
}

impl Failure {
    pub fn api(endpoint: &'static Endpoint, error: Error) -> Self {
        Failure::Api {
            endpoint: Some(endpoint),
            request: None,
            error,
        }
    }

    /// A failure of `endpoint` called with `arguments`, which it names.
    pub fn api_request(
        endpoint: &'static Endpoint,
        arguments: &twill_api::Arguments,
        error: Error,
    ) -> Self {
        Failure::Api {
            endpoint: Some(endpoint),
            request: Some(shortened(&format!(
                "{} {}",
                endpoint.method(),
                arguments.path_for(endpoint)
            ))),
            error,
        }
    }

    /// A failed write to standard output: [`Failure::Closed`] when the
    /// reader went away, otherwise an error that must not pass for success
    /// (a full disk, `> /dev/full`).
    pub fn from_stdout(error: &std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure::Closed;
        }
        Failure::Local(format!("cannot write to standard output: {error}"))
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Failure::Closed => 0,
            Failure::Api { error, .. } if is_network(error) => 3,
            Failure::Api { error, .. } if is_usage(error) => 2,
            Failure::Api { .. } | Failure::Local(_) => 1,
            Failure::Usage(_) => 2,
            Failure::JobFailed(_) => 4,
            Failure::JobCancelled(_) => 5,
            Failure::Deadline(_) => 6,
            Failure::NeedsYou(_) => 7,
            Failure::Interrupted(_) => 130,
        })
    }

    /// The lines to print on standard error, each prefixed `twill: `.
    pub fn lines(&self, verbose: bool) -> Vec<String> {
        match self {
            Failure::Api {
                endpoint,
                request,
                error,
            } => api_lines(*endpoint, request.as_deref(), error, verbose),
            Failure::Local(message)
            | Failure::Usage(message)
            | Failure::JobFailed(message)
            | Failure::JobCancelled(message)
            | Failure::Deadline(message)
            | Failure::NeedsYou(message)
            | Failure::Interrupted(message) => vec![message.clone()],
            Failure::Closed => Vec::new(),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Api {
            endpoint: None,
            request: None,
            error,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .lines(false)
            .iter()
            .map(|line| line.trim().to_owned())
            .collect();
        f.write_str(&lines.join("; "))
    }
}

/// The most of a request a message names: a 60 KB id is not echoed.
const REQUEST_SHOWN: usize = 120;

/// `request` cut to [`REQUEST_SHOWN`] bytes on a character boundary.
fn shortened(request: &str) -> String {
    if request.len() <= REQUEST_SHOWN {
        return request.to_owned();
    }
    let mut at = REQUEST_SHOWN;
    while !request.is_char_boundary(at) {
        at -= 1;
    }
    format!("{}… ({} bytes)", &request[..at], request.len())
}

fn is_network(error: &Error) -> bool {
    matches!(error, Error::Transport(_))
}

/// A bad argument found before sending: a usage problem, not the API's.
fn is_usage(error: &Error) -> bool {
    matches!(error, Error::InvalidInput(_))
}

fn api_lines(
    endpoint: Option<&'static Endpoint>,
    request: Option<&str>,
    error: &Error,
    verbose: bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    match error {
        Error::Api(api) => {
            let status = api.answer.status.as_u16();
            // What was not found: `Task not found (GET /tasks/nosuch)`.
            let what = match request {
                Some(request) if status == 404 => format!(" ({request})"),
                _ => String::new(),
            };
            lines.push(format!("{status} ({}): {}{what}", api.code, api.message));
            for issue in api.validation_issues() {
                lines.push(format!("  {}: {}", issue.field, issue.message));
            }
        }
        other => lines.push(other.to_string()),
    }
    if let Some(wait) = error.retry_after() {
        lines.push(format!(
            "rate limited: retry in {} s",
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        ));
    }
    if verbose {
        let mut context = Vec::new();
        if let Some(endpoint) = endpoint {
            context.push(format!("endpoint {} ({endpoint})", endpoint.name()));
        }
        if let Some(status) = error.status() {
            context.push(format!("status {}", status.as_u16()));
        }
        context.push(format!("attempts {}", error.attempts()));
        lines.push(context.join(", "));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use twill_api::error::ErrorResponse;
    use twill_api::reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    use twill_api::{Method, StatusCode};

    #[test]
    fn a_request_is_named_short() {
        let endpoint = <twill_api::Client as twill_api::api::Tasks>::GET_TASK;
        let long = "é".repeat(30_000);
        let arguments = twill_api::Arguments::new().arg("taskIdOrSlug", long.as_str());
        let error = Error::from_response(ErrorResponse::new(
            Method::GET,
            StatusCode::NOT_FOUND,
            HeaderMap::new(),
            r#"{"error":{"code":"not_found","message":"Task not found"}}"#.into(),
        ));
        let lines = Failure::api_request(endpoint, &arguments, error).lines(false);
        assert!(lines[0].len() < 200, "{}", lines[0].len());
        assert!(lines[0].ends_with(" bytes))"), "{}", lines[0]);
    }

    #[test]
    fn a_429_says_when_to_retry_and_verbose_says_where() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("30"));
        let body = r#"{"error":{"code":"rate_limited","message":"Slow down"}}"#;
        let response = ErrorResponse::new(
            Method::GET,
            StatusCode::TOO_MANY_REQUESTS,
            headers,
            body.into(),
        );
        let endpoint = <twill_api::Client as twill_api::api::Tasks>::LIST_TASKS;
        let failure = Failure::api(endpoint, Error::from_response(response));
        assert_eq!(
            failure.lines(true),
            [
                "429 (rate_limited): Slow down",
                "rate limited: retry in 30 s",
                "endpoint list_tasks (GET /tasks), status 429, attempts 1",
            ]
        );
        assert_eq!(failure.exit_code(), ExitCode::from(1));
    }
}
