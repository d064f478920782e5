//! Calls made from an endpoint's metadata instead of its typed method, for
//! tools that reach every declared endpoint from one list: the `twill`
//! command line's `twill api`, an MCP server's tools.

use serde_json::Value;

use super::Call;
use crate::Client;
use crate::endpoint::{Endpoint, Param, ParamRole, PathPiece};
use crate::error::{Error, InputProblem, InvalidInput};
use crate::response::RawResponse;

/// The arguments of a [`Client::call`]: values by parameter name (the Rust
/// name, such as `task_id_or_slug`, or the wire name, such as
/// `taskIdOrSlug`), and the JSON body. A name may be given more than once,
/// for a parameter that takes several values; one that takes one value
/// refuses a repeat.
///
/// ```
/// use twill_api::Arguments;
///
/// let arguments = Arguments::new()
///     .arg("taskIdOrSlug", "my-task")
///     .body(serde_json::json!({ "message": "Add a test" }));
/// assert_eq!(arguments.values("task_id_or_slug").count(), 0);
/// assert_eq!(arguments.values("taskIdOrSlug").collect::<Vec<_>>(), ["my-task"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Arguments {
    values: Vec<(String, String)>,
    body: Option<Value>,
}

impl Arguments {
    /// No arguments.
    pub fn new() -> Self {
        Arguments::default()
    }

    /// Adds a path, query or header value; a name given again adds another
    /// value.
    #[must_use]
    pub fn arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.values.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    #[must_use]
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The values given under exactly `name`, in the order given.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.values
            .iter()
            .filter(move |(given, _)| given == name)
            .map(|(_, value)| value.as_str())
    }

    /// `endpoint`'s path with each placeholder's value as given here,
    /// unencoded: the request described for a person (escape it before it
    /// reaches a terminal; the values are the caller's). A placeholder with
    /// no value stays `<name>`.
    ///
    /// ```
    /// use twill_api::prelude::*;
    /// use twill_api::{Arguments, Client};
    ///
    /// let arguments = Arguments::new().arg("taskIdOrSlug", "task-3");
    /// assert_eq!(arguments.path_for(<Client as Tasks>::CANCEL_TASK), "/tasks/task-3/cancel");
    /// ```
    pub fn path_for(&self, endpoint: &'static Endpoint) -> String {
        let mut path = String::with_capacity(endpoint.path().len());
        for piece in endpoint.path_pieces() {
            match piece {
                PathPiece::Literal(text) => path.push_str(text),
                PathPiece::Segment(placeholder) | PathPiece::Tail(placeholder) => {
                    let value = endpoint
                        .params()
                        .iter()
                        .find(|param| param.wire_name() == Some(placeholder))
                        .and_then(|param| self.value(param));
                    match value {
                        Some(value) => path.push_str(value),
                        None => {
                            path.push('<');
                            path.push_str(placeholder);
                            if matches!(piece, PathPiece::Tail(_)) {
                                path.push_str("..");
                            }
                            path.push('>');
                        }
                    }
                }
            }
        }
        path
    }

    /// The values for `param`, under its Rust name or its wire name.
    fn values_of<'a>(&'a self, param: &'a Param) -> impl Iterator<Item = &'a str> + 'a {
        self.values
            .iter()
            .filter(move |(name, _)| names(param, name))
            .map(|(_, value)| value.as_str())
    }

    fn value<'a>(&'a self, param: &'a Param) -> Option<&'a str> {
        self.values_of(param).next()
    }
}

/// Whether `name` names `param`.
fn names(param: &Param, name: &str) -> bool {
    name == param.name() || param.wire_name() == Some(name)
}

impl Client {
    /// Calls `endpoint` with `arguments` checked against its parameters: an
    /// unknown or missing argument, or a body where none is taken (or none
    /// where one is required), is [`Error::InvalidInput`] before any I/O,
    /// naming the accepted ones. The request is the one the typed method
    /// sends, through the same retries, timeouts and hooks.
    ///
    /// The success response comes back undecoded: read a JSON body with
    /// [`RawResponse::bytes`], or decode a stream with
    /// [`FromResponse::from_response`](crate::FromResponse::from_response).
    /// Sent with the endpoint's [`accept`](Endpoint::accept), the one its
    /// success type asks for.
    ///
    /// ```no_run
    /// use twill_api::{Arguments, Client, all_endpoints};
    ///
    /// # async fn run(client: Client) -> Result<(), twill_api::Error> {
    /// let get_task = all_endpoints().find(|e| e.name() == "get_task").unwrap();
    /// let response = client.call(get_task, &Arguments::new().arg("taskIdOrSlug", "my-task")).await?;
    /// println!("{}", String::from_utf8_lossy(&response.bytes().await?));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn call(
        &self,
        endpoint: &'static Endpoint,
        arguments: &Arguments,
    ) -> Result<RawResponse, Error> {
        check(endpoint, arguments)?;
        let mut call = Call::new(self, endpoint);
        for piece in endpoint.path_pieces() {
            call = match piece {
                PathPiece::Literal(text) => call.literal(text),
                PathPiece::Segment(placeholder) => {
                    call.segment(placeholder, path_value(endpoint, arguments, placeholder))
                }
                PathPiece::Tail(placeholder) => {
                    call.tail(placeholder, path_value(endpoint, arguments, placeholder))
                }
            };
        }
        for param in endpoint.params() {
            let value = arguments.value(param);
            match (param.role(), param.wire_name()) {
                (ParamRole::Query, Some(name)) if param.is_repeated() => {
                    let values: Vec<&str> = arguments.values_of(param).collect();
                    call = call.query(name, values.as_slice());
                }
                (ParamRole::Query, Some(name)) => call = call.query(name, &value),
                (ParamRole::Header, Some(name)) => call = call.header(name, &value),
                (ParamRole::Body, _) => {
                    if let Some(body) = &arguments.body {
                        call = call.json(body);
                    }
                }
                _ => {}
            }
        }
        if endpoint.sends_empty_object() {
            call = call.empty_object();
        }
        call.send_raw(endpoint.accept()).await
    }
}

/// The value given for the placeholder `placeholder` (checked present).
fn path_value<'a>(
    endpoint: &'static Endpoint,
    arguments: &'a Arguments,
    placeholder: &str,
) -> &'a str {
    endpoint
        .params()
        .iter()
        .find(|param| param.wire_name() == Some(placeholder))
        .and_then(|param| arguments.value(param))
        .unwrap_or_default()
}

/// Every argument names a parameter, every required one is there, and a
/// body comes exactly where one is taken.
fn check(endpoint: &'static Endpoint, arguments: &Arguments) -> Result<(), Error> {
    let refuse = |parameter: &'static str, problem| {
        Err(Error::InvalidInput(InvalidInput {
            endpoint: endpoint.name(),
            parameter,
            problem,
        }))
    };
    let accepted = || {
        endpoint
            .params()
            .iter()
            .filter(|param| param.role() != ParamRole::Body)
            .filter_map(|param| param.wire_name())
            .collect::<Vec<_>>()
    };
    for (name, _) in &arguments.values {
        let known = endpoint
            .params()
            .iter()
            .any(|param| param.role() != ParamRole::Body && names(param, name));
        if !known {
            return refuse(
                "arguments",
                InputProblem::UnknownArgument {
                    name: name.clone(),
                    accepted: accepted(),
                },
            );
        }
    }
    for param in endpoint.params() {
        // A list (a `Vec` query) takes each value given; the rest one.
        if !param.is_repeated() && arguments.values_of(param).nth(1).is_some() {
            return refuse(
                param.wire_name().unwrap_or(param.name()),
                InputProblem::RepeatedArgument,
            );
        }
    }
    for param in endpoint.params() {
        let present = match param.role() {
            ParamRole::Body => arguments.body.is_some(),
            _ => arguments.value(param).is_some(),
        };
        if !present && !param.is_optional() {
            let name = param.wire_name().unwrap_or("body");
            return refuse(name, InputProblem::MissingArgument);
        }
    }
    let takes_body = endpoint
        .params()
        .iter()
        .any(|param| param.role() == ParamRole::Body);
    if arguments.body.is_some() && !takes_body {
        return refuse("body", InputProblem::UnexpectedBody);
    }
    Ok(())
}
