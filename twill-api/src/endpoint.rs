//! What an endpoint is, as data: its name, HTTP method, path, parameters
//! and effects, from the one model the macro builds of its declaration.

use std::fmt;

use crate::FromResponse;

/// The `Accept` of an endpoint built without its success type: JSON, or
/// anything else the server has.
const ANY_ACCEPT: &str = "application/json, */*;q=0.8";

/// The HTTP methods an endpoint can be declared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as sent on the wire, such as `"POST"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether requests with this method carry a body.
    pub const fn takes_body(self) -> bool {
        !matches!(self, HttpMethod::Get | HttpMethod::Delete)
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a declared endpoint method returns: the call, boxed, borrowing only
/// the client (the request is built before it is returned).
///
/// Boxed rather than `impl Future` because every `impl Trait` in a trait's
/// method signature is one more associated type that rustc rebuilds on every
/// compile: for a crate of 200 endpoints that was a fifth of each rebuild,
/// against one allocation per call (about 1 % of a call's CPU time on
/// loopback; BENCHMARKS.md). A method with type or const parameters returns
/// `impl Future` instead, since the box could not outlive them.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// One declared endpoint, as data: everything its `#[twill_endpoint]`
/// declaration says, from the one model the macro builds of it. The value
/// a method hands to the client on each call is the one its trait lists in
/// `ENDPOINTS` (with `#[endpoints]`), so the two cannot disagree.
///
/// Built by the macro in a constant, without allocating; the constructors
/// are public so that tests and tools can describe endpoints too.
///
/// ```
/// use twill_api::endpoint::{Endpoint, HttpMethod, Param, ParamKind, ParamRole, PathPiece};
///
/// const SEND_MESSAGE: Endpoint =
///     Endpoint::new("send_message", HttpMethod::Post, "/tasks/<taskIdOrSlug>/messages")
///         // The byte range of each placeholder, `<` to `>`, in the path.
///         .with_placeholders(&[(7, 21)])
///         .in_trait("Tasks")
///         .interrupts()
///         .with_summary("Sends a follow-up message.")
///         .with_params(&[
///             Param::path("task_id_or_slug", "taskIdOrSlug", "&str", ParamKind::String),
///             Param::body("request", "&SendMessageRequest"),
///         ])
///         .with_success_type("SendMessageResponse", false);
///
/// let endpoint = SEND_MESSAGE;
/// assert_eq!(endpoint.to_string(), "POST /tasks/<taskIdOrSlug>/messages");
/// assert_eq!(endpoint.params()[0].role(), ParamRole::Path);
/// assert_eq!(endpoint.body_type(), Some("&SendMessageRequest"));
/// assert!(!endpoint.is_idempotent());
/// assert!(endpoint.is_interrupting() && !endpoint.is_destructive());
/// let pieces: Vec<_> = endpoint.path_pieces().collect();
/// assert_eq!(
///     pieces,
///     [
///         PathPiece::Literal("/tasks/"),
///         PathPiece::Segment("taskIdOrSlug"),
///         PathPiece::Literal("/messages"),
///     ]
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    trait_name: Option<&'static str>,
    name: &'static str,
    method: HttpMethod,
    path: &'static str,
    /// The byte range of each placeholder in `path`, `<` to `>` included,
    /// as the macro found them: the pieces are sliced out, never parsed.
    placeholders: &'static [(u16, u16)],
    idempotent: bool,
    destructive: bool,
    interrupts: bool,
    streaming: bool,
    /// The `Accept` header the success type asks for.
    accept: &'static str,
    summary: &'static str,
    params: &'static [Param],
    empty_object_body: bool,
    success_type: &'static str,
}

impl Endpoint {
    /// An endpoint with its name, method and path template, no
    /// placeholders and no parameters; idempotent exactly when the method
    /// is GET, PUT or DELETE, destructive exactly when it is DELETE.
    pub const fn new(name: &'static str, method: HttpMethod, path: &'static str) -> Self {
        Endpoint {
            trait_name: None,
            name,
            method,
            path,
            placeholders: &[],
            idempotent: matches!(
                method,
                HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete
            ),
            destructive: matches!(method, HttpMethod::Delete),
            interrupts: false,
            streaming: false,
            accept: ANY_ACCEPT,
            summary: "",
            params: &[],
            empty_object_body: false,
            success_type: "",
        }
    }

    /// Marks a POST or PATCH endpoint as safe to repeat (the attribute's
    /// `idempotent` option), so that it is retried like a GET.
    pub const fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Sets where the path's placeholders are: the byte range of each,
    /// `<` to `>` included, in order (the macro's parse of the template).
    pub const fn with_placeholders(mut self, placeholders: &'static [(u16, u16)]) -> Self {
        self.placeholders = placeholders;
        self
    }

    /// Marks the endpoint as destroying or stopping something that cannot be
    /// had back by calling again (the attribute's `destructive`: cancel,
    /// archive); DELETE endpoints are destructive already.
    pub const fn destructive(mut self) -> Self {
        self.destructive = true;
        self
    }

    /// Marks the endpoint as interrupting work in progress (the attribute's
    /// `interrupts`: a message sent to a task cancels the job it is running
    /// and starts another).
    pub const fn interrupts(mut self) -> Self {
        self.interrupts = true;
        self
    }

    /// Names the trait that declares the endpoint.
    pub const fn in_trait(mut self, name: &'static str) -> Self {
        self.trait_name = Some(name);
        self
    }

    /// Sets the one-line summary.
    pub const fn with_summary(mut self, summary: &'static str) -> Self {
        self.summary = summary;
        self
    }

    /// Sets the parameters, in declaration order.
    pub const fn with_params(mut self, params: &'static [Param]) -> Self {
        self.params = params;
        self
    }

    /// Marks the body as an empty JSON object (the attribute's `body = {}`).
    pub const fn with_empty_object_body(mut self) -> Self {
        self.empty_object_body = true;
        self
    }

    /// Sets the success type, as written, and whether the response is read
    /// as a stream. The `Accept` header is then `text/event-stream` for a
    /// stream, else JSON or anything; [`with_success`](Self::with_success)
    /// reads both from the type instead.
    pub const fn with_success_type(mut self, type_text: &'static str, streaming: bool) -> Self {
        self.success_type = type_text;
        self.streaming = streaming;
        self.accept = if streaming {
            // `JobLogStream::ACCEPT`, written out: `stream` depends on
            // this module, not this module on it.
            "text/event-stream"
        } else {
            ANY_ACCEPT
        };
        self
    }

    /// Sets the success type `T`, as written (`type_text`), and from `T`
    /// what the request asks for ([`FromResponse::ACCEPT`]) and whether
    /// the response is read as a stream ([`FromResponse::STREAMING`]), so
    /// that [`Client::call`](crate::Client::call) sends the `Accept` the
    /// typed method sends. The macro writes this.
    pub const fn with_success<T: FromResponse>(mut self, type_text: &'static str) -> Self {
        self.success_type = type_text;
        self.streaming = T::STREAMING;
        self.accept = T::ACCEPT;
        self
    }

    /// Whether sending the request twice has the effect of sending it once:
    /// GET, PUT and DELETE, and endpoints declared `idempotent`. Only these
    /// are retried after the server may have acted.
    pub const fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Whether a request to it that failed with `error` may be sent again
    /// as it is: the failure may change by trying later
    /// ([`Error::is_transient`](crate::Error::is_transient)), and either the
    /// server certainly did not act
    /// ([`may_have_acted`](crate::Error::may_have_acted) is false) or
    /// acting twice is harmless (it [`is_idempotent`](Self::is_idempotent)).
    /// A create answered with a 5xx is therefore never resent: look for
    /// what it made first.
    ///
    /// ```
    /// use twill_api::error::ErrorResponse;
    /// use twill_api::prelude::*;
    /// use twill_api::{Client, Error, Method, StatusCode};
    ///
    /// let failed = |method, status| {
    ///     Error::from_response(ErrorResponse::new(method, status, Default::default(), "".into()))
    /// };
    /// let create = <Client as Tasks>::CREATE_TASK;
    /// assert!(create.can_send_again(&failed(Method::POST, StatusCode::TOO_MANY_REQUESTS)));
    /// assert!(!create.can_send_again(&failed(Method::POST, StatusCode::BAD_GATEWAY)));
    /// assert!(<Client as Tasks>::GET_TASK.can_send_again(&failed(Method::GET, StatusCode::BAD_GATEWAY)));
    /// ```
    pub fn can_send_again(&self, error: &crate::error::Error) -> bool {
        error.is_transient() && (!error.may_have_acted() || self.idempotent)
    }

    /// Whether calling it destroys or stops something: DELETE endpoints, and
    /// endpoints declared `destructive` (cancel, archive). A tool that lets
    /// an agent call endpoints should ask before these.
    pub const fn is_destructive(&self) -> bool {
        self.destructive
    }

    /// Whether calling it interrupts work in progress (declared
    /// `interrupts`): send-message cancels the job a task is running.
    pub const fn is_interrupting(&self) -> bool {
        self.interrupts
    }

    /// Whether the response is consumed as it arrives, for as long as it
    /// lasts (the job log stream); the call timeout does not apply to it.
    pub const fn is_streaming(&self) -> bool {
        self.streaming
    }

    /// The `Accept` header of its requests: the success type's
    /// ([`FromResponse::ACCEPT`]), such as `application/json`,
    /// `text/event-stream` for the log stream or `*/*` for
    /// [`Binary`](crate::Binary).
    pub const fn accept(&self) -> &'static str {
        self.accept
    }

    /// The trait that declares the endpoint, when the trait has
    /// `#[endpoints]` (an attribute on a method alone cannot see its trait).
    pub const fn trait_name(&self) -> Option<&'static str> {
        self.trait_name
    }

    /// The Rust method's name, such as `"send_message"`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The HTTP method.
    pub const fn method(&self) -> HttpMethod {
        self.method
    }

    /// The path template relative to the base URL, placeholders included,
    /// as declared: `/tasks/<taskIdOrSlug>/messages`.
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// The path in order, literal text and placeholders, as the macro read
    /// it: a consumer builds or describes the path from these, never by
    /// parsing [`path`](Self::path) again.
    pub fn path_pieces(&self) -> PathPieces {
        PathPieces {
            path: self.path,
            placeholders: self.placeholders,
            at: 0,
        }
    }

    /// The first paragraph of the method's doc comment, on one line; empty
    /// when it has none.
    pub const fn summary(&self) -> &'static str {
        self.summary
    }

    /// The arguments after `&self`, in declaration order.
    pub const fn params(&self) -> &'static [Param] {
        self.params
    }

    /// Whether the body is an empty JSON object (`body = {}`).
    pub const fn sends_empty_object(&self) -> bool {
        self.empty_object_body
    }

    /// The Rust type of the `#[body]` argument, as written, if there is one.
    pub const fn body_type(&self) -> Option<&'static str> {
        let mut index = 0;
        while index < self.params.len() {
            if matches!(self.params[index].role, ParamRole::Body) {
                return Some(self.params[index].rust_type);
            }
            index += 1;
        }
        None
    }

    /// The success type `T` of the method's `Result<T, E>`, as written.
    pub const fn success_type(&self) -> &'static str {
        self.success_type
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// One piece of an endpoint's path, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathPiece {
    /// Text sent as written, slashes included, such as `"/tasks/"`.
    Literal(&'static str),
    /// A placeholder, `<taskIdOrSlug>` in the template: the value of the
    /// path parameter of this wire name, percent-encoded as exactly one
    /// segment.
    Segment(&'static str),
    /// A tail, `<filePath..>` in the template (always the last piece): the
    /// value of the path parameter of this wire name, its `/` kept and each
    /// of its segments percent-encoded.
    Tail(&'static str),
}

/// The pieces of an endpoint's path, in order: see
/// [`Endpoint::path_pieces`].
#[derive(Debug, Clone)]
pub struct PathPieces {
    path: &'static str,
    placeholders: &'static [(u16, u16)],
    /// Where in `path` the next piece starts.
    at: usize,
}

impl Iterator for PathPieces {
    type Item = PathPiece;

    fn next(&mut self) -> Option<PathPiece> {
        let rest = self.path.get(self.at..).filter(|rest| !rest.is_empty())?;
        match self.placeholders.first() {
            Some(&(start, end)) if usize::from(start) == self.at => {
                self.placeholders = &self.placeholders[1..];
                let (start, end) = (usize::from(start), usize::from(end));
                match self.path.get(start + 1..end.saturating_sub(1)) {
                    Some(name) if end > start + 1 => {
                        self.at = end;
                        Some(match name.strip_suffix("..") {
                            Some(name) => PathPiece::Tail(name),
                            None => PathPiece::Segment(name),
                        })
                    }
                    // A range that is not in the path: the rest as text.
                    _ => {
                        self.at = self.path.len();
                        Some(PathPiece::Literal(rest))
                    }
                }
            }
            Some(&(start, _)) => {
                let text = self.path.get(self.at..usize::from(start)).unwrap_or(rest);
                self.at += text.len();
                Some(PathPiece::Literal(text))
            }
            None => {
                self.at = self.path.len();
                Some(PathPiece::Literal(rest))
            }
        }
    }
}

/// The JSON type of a parameter's value, for a consumer that takes values
/// as JSON (an MCP tool's input schema, `twill api NAME=VALUE` help): read
/// from the Rust type through [`ParamValue::KIND`](crate::ParamValue::KIND),
/// never from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamKind {
    /// Text: strings, and any [`ParamValue`](crate::ParamValue) that does
    /// not say otherwise (its text is sent as it is).
    String,
    /// A whole number: Rust's integer types.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// The JSON request body, of the body argument's type.
    Json,
}

impl ParamKind {
    /// The JSON Schema `type` of the value: `"string"`, `"integer"`,
    /// `"boolean"`, or `"object"` for a body.
    pub const fn json_type(self) -> &'static str {
        match self {
            ParamKind::String => "string",
            ParamKind::Integer => "integer",
            ParamKind::Boolean => "boolean",
            ParamKind::Json => "object",
        }
    }
}

/// How an argument is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamRole {
    /// Fills the path placeholder of its name, as one percent-encoded
    /// segment.
    Path,
    /// `name=value` in the query string (`#[query]`).
    Query,
    /// A request header (`#[header("Name")]`).
    Header,
    /// The JSON request body (`#[body]`).
    Body,
}

/// One argument of an endpoint method, as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Param {
    name: &'static str,
    wire_name: Option<&'static str>,
    role: ParamRole,
    optional: bool,
    repeated: bool,
    rust_type: &'static str,
    kind: ParamKind,
}

impl Param {
    /// An argument that fills the placeholder `<wire_name>`.
    pub const fn path(
        name: &'static str,
        wire_name: &'static str,
        rust_type: &'static str,
        kind: ParamKind,
    ) -> Self {
        Param {
            name,
            wire_name: Some(wire_name),
            role: ParamRole::Path,
            optional: false,
            repeated: false,
            rust_type,
            kind,
        }
    }

    /// A `#[query]` argument sent as `wire_name=value`; `optional` when its
    /// type is an `Option`, left out when `None`.
    pub const fn query(
        name: &'static str,
        wire_name: &'static str,
        rust_type: &'static str,
        kind: ParamKind,
        optional: bool,
    ) -> Self {
        Param::named(ParamRole::Query, name, wire_name, rust_type, kind, optional)
    }

    /// A `#[header]` argument sent as the header `wire_name` (lower case);
    /// `optional` when its type is an `Option`, left out when `None`.
    pub const fn header(
        name: &'static str,
        wire_name: &'static str,
        rust_type: &'static str,
        kind: ParamKind,
        optional: bool,
    ) -> Self {
        Param::named(
            ParamRole::Header,
            name,
            wire_name,
            rust_type,
            kind,
            optional,
        )
    }

    const fn named(
        role: ParamRole,
        name: &'static str,
        wire_name: &'static str,
        rust_type: &'static str,
        kind: ParamKind,
        optional: bool,
    ) -> Self {
        Param {
            name,
            wire_name: Some(wire_name),
            role,
            optional,
            repeated: false,
            rust_type,
            kind,
        }
    }

    /// Marks a `#[query]` argument as a list (a slice, an array or a
    /// `Vec`: its [`QueryValue::REPEATED`](crate::QueryValue::REPEATED)),
    /// sent as its name once per value, none when empty; so it is optional.
    pub const fn repeated(mut self) -> Self {
        self.repeated = true;
        self.optional = true;
        self
    }

    /// The `#[body]` argument.
    pub const fn body(name: &'static str, rust_type: &'static str) -> Self {
        Param {
            name,
            wire_name: None,
            role: ParamRole::Body,
            optional: false,
            repeated: false,
            rust_type,
            kind: ParamKind::Json,
        }
    }

    /// The Rust argument's name, without `r#`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The placeholder, query or header name on the wire; `None` for the
    /// body, which has no name.
    pub const fn wire_name(&self) -> Option<&'static str> {
        self.wire_name
    }

    /// How the argument is sent.
    pub const fn role(&self) -> ParamRole {
        self.role
    }

    /// Whether the argument may be left out: a query or header argument of
    /// type `Option<..>` (read from the type as written), or a list.
    pub const fn is_optional(&self) -> bool {
        self.optional
    }

    /// Whether it is a list of values, each sent under its name
    /// (`tag=a&tag=b`): a `#[query]` argument of a slice, array or `Vec`
    /// type. Its [`kind`](Self::kind) is each value's.
    pub const fn is_repeated(&self) -> bool {
        self.repeated
    }

    /// The JSON type of its value, from its Rust type: for an
    /// `Option<u32>` query, [`ParamKind::Integer`]; for a list, each
    /// value's.
    pub const fn kind(&self) -> ParamKind {
        self.kind
    }

    /// The argument's Rust type as written, such as `"Option<u32>"`.
    pub const fn rust_type(&self) -> &'static str {
        self.rust_type
    }
}
