//! What an endpoint is, as data: its name, HTTP method and path template.

use std::fmt;

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

/// One declared endpoint, as written in its `#[twill_endpoint]` attribute.
///
/// ```
/// use twill_api::{Endpoint, HttpMethod};
///
/// let endpoint = Endpoint::new("send_message", HttpMethod::Post, "/tasks/<taskIdOrSlug>/messages");
/// assert_eq!(endpoint.to_string(), "POST /tasks/<taskIdOrSlug>/messages");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    name: &'static str,
    method: HttpMethod,
    path: &'static str,
    idempotent: bool,
}

impl Endpoint {
    /// Describes an endpoint; the macro calls this in a `const` block.
    pub const fn new(name: &'static str, method: HttpMethod, path: &'static str) -> Self {
        Endpoint {
            name,
            method,
            path,
            idempotent: matches!(
                method,
                HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete
            ),
        }
    }

    /// Marks a POST or PATCH endpoint as safe to repeat (the attribute's
    /// `idempotent` option), so that it is retried like a GET.
    pub const fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Whether sending the request twice has the effect of sending it once:
    /// GET, PUT and DELETE, and endpoints declared `idempotent`. Only these
    /// are retried after the server may have acted.
    pub const fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// The Rust method's name, such as `"send_message"`.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The HTTP method.
    pub const fn method(&self) -> HttpMethod {
        self.method
    }

    /// The path template relative to the base URL, placeholders included.
    pub const fn path(&self) -> &'static str {
        self.path
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}
