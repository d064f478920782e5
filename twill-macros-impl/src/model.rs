//! The endpoint model: one declaration, parsed and checked once. Every
//! output is generated from it: the method body, the `twill_api::Endpoint`
//! value (and so the `ENDPOINTS` entry), and the `METHOD /path` line of the
//! method's documentation.

use proc_macro2::{Ident, TokenStream};

use crate::attr::HttpMethod;

/// A declaration that passed every check.
pub(crate) struct Model {
    /// The trait it is declared in, when the trait has `#[endpoints]` (a
    /// method attribute alone cannot see its trait).
    pub(crate) trait_name: Option<String>,
    /// The method's name without `r#`.
    pub(crate) name: String,
    pub(crate) method: HttpMethod,
    /// The path template as written.
    pub(crate) template: String,
    /// The path in order: literal text and placeholders.
    pub(crate) path: Vec<PathStep>,
    /// Every argument after `&self`, in declaration order.
    pub(crate) params: Vec<Param>,
    /// `body = {}`.
    pub(crate) empty_object_body: bool,
    /// Declared `idempotent` (a POST or PATCH marked safe to repeat).
    pub(crate) declared_idempotent: bool,
    /// Declared `destructive` (DELETE is, without saying).
    pub(crate) declared_destructive: bool,
    /// Declared `interrupts`.
    pub(crate) declared_interrupts: bool,
    /// The first paragraph of the method's doc comment, on one line.
    pub(crate) summary: String,
    /// `Result<T, E>` as written.
    pub(crate) output: TokenStream,
    /// `T`.
    pub(crate) success: TokenStream,
}

pub(crate) enum PathStep {
    /// Text sent as written, slashes included.
    Literal(String),
    /// A placeholder, filled by `params[param]`: one segment, or the rest
    /// of the path when a `tail` (`<name..>`).
    Segment {
        placeholder: String,
        param: usize,
        tail: bool,
    },
}

pub(crate) struct Param {
    pub(crate) ident: Ident,
    /// Whether a constant can name the type, to read its JSON kind; not
    /// when it names the method's generics, `Self` or `impl Trait`.
    pub(crate) kind_from_type: bool,
    /// The type read once, for its text and its names.
    pub(crate) scan: crate::text::TypeScan,
    pub(crate) role: ParamRole,
    /// A query or header argument of type `Option<..>`, left out when
    /// `None`.
    pub(crate) optional: bool,
}

/// How an argument is sent, with its name on the wire.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum ParamRole {
    /// Fills the placeholder of this name.
    Path(String),
    /// `name=value` in the query.
    Query(String),
    /// The header of this (lower-case) name.
    Header(String),
    /// The JSON body, which has no name.
    Body,
}

impl Model {
    /// The line the method's documentation gets: `` `GET /tasks?limit&cursor` ``,
    /// the query names after `?`, and the headers it sends.
    pub(crate) fn doc_line(&self) -> String {
        let mut line = format!("`{} {}", self.method.as_str(), self.template);
        let mut queries = self.params.iter().filter_map(|param| match &param.role {
            ParamRole::Query(name) => Some(name),
            _ => None,
        });
        if let Some(first) = queries.next() {
            line.push('?');
            line.push_str(first);
            for name in queries {
                line.push('&');
                line.push_str(name);
            }
        }
        line.push('`');
        let headers: Vec<String> = self
            .params
            .iter()
            .filter_map(|param| match &param.role {
                ParamRole::Header(name) => Some(format!("`{name}`")),
                _ => None,
            })
            .collect();
        if !headers.is_empty() {
            line.push_str(&format!(", header {}", headers.join(", ")));
        }
        if self.empty_object_body {
            line.push_str(", body `{}`");
        }
        if self.declared_idempotent {
            line.push_str(" (idempotent: retried like a GET)");
        }
        if self.declared_destructive {
            line.push_str(" (destructive)");
        }
        if self.declared_interrupts {
            line.push_str(" (interrupts the job in progress)");
        }
        line
    }
}
