//! Cross-checks the attribute against the method and produces the IR that
//! [`crate::expand`] turns into code: every placeholder bound to exactly one
//! argument, every argument given exactly one role.

use std::collections::HashSet;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Error, Ident, Type};

use crate::attr::{EndpointAttr, HttpMethod};
use crate::errors::Errors;
use crate::signature::{Arg, EndpointFn, Role};
use crate::suggest;
use crate::template::{Piece, camel_case};

/// A declaration that passed every check.
pub(crate) struct Endpoint {
    pub(crate) method: HttpMethod,
    pub(crate) template: String,
    pub(crate) path: Vec<PathStep>,
    pub(crate) queries: Vec<(String, Ident)>,
    pub(crate) headers: Vec<(String, Ident)>,
    pub(crate) body: Option<Body>,
    pub(crate) idempotent: bool,
    pub(crate) output: Type,
}

pub(crate) enum Body {
    /// An argument marked `#[body]`.
    Argument(Ident),
    /// `body = {}`.
    EmptyObject,
}

pub(crate) enum PathStep {
    Literal(String),
    /// The placeholder's name and the argument it binds.
    Segment(String, Ident),
}

/// Checks what could be read of the attribute against the method, and
/// builds the IR when everything is present and valid.
pub(crate) fn check(
    attr: &EndpointAttr,
    func: &EndpointFn,
    errors: &mut Errors,
) -> Option<Endpoint> {
    let clean_before = errors.is_empty();
    let name_of = |arg: &Arg| arg.ident.unraw().to_string();

    let mut path = Vec::new();
    let mut bound = HashSet::new();
    for piece in attr.path.iter().flat_map(|template| &template.pieces) {
        let placeholder = match piece {
            Piece::Literal(text) => {
                path.push(PathStep::Literal(text.clone()));
                continue;
            }
            Piece::Placeholder(placeholder) => placeholder,
        };
        let lit_span = attr
            .path
            .as_ref()
            .map_or_else(Span::call_site, |t| t.lit.span());
        if !bound.insert(placeholder.argument.clone()) {
            errors.push(Error::new(
                lit_span,
                format!(
                    "placeholder `<{}>` appears more than once in the path; each argument \
                     fills one segment",
                    placeholder.name
                ),
            ));
            continue;
        }
        match func
            .args
            .iter()
            .find(|arg| name_of(arg) == placeholder.argument)
        {
            Some(arg) if arg.role.is_some() => errors.push(Error::new(
                arg.ident.span(),
                format!(
                    "`{}` fills the placeholder `<{}>` and also has a marker; a path argument \
                     takes no marker",
                    arg.ident, placeholder.name
                ),
            )),
            Some(arg) => path.push(PathStep::Segment(
                placeholder.name.clone(),
                arg.ident.clone(),
            )),
            None => {
                let free: Vec<String> = func
                    .args
                    .iter()
                    .filter(|arg| arg.role.is_none())
                    .map(name_of)
                    .collect();
                let hint = suggest::closest(&placeholder.argument, free.iter().map(String::as_str))
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
                errors.push(Error::new(
                    lit_span,
                    format!(
                        "placeholder `<{}>` has no argument: add `{}: &str` to the method{hint}",
                        placeholder.name, placeholder.argument
                    ),
                ));
            }
        }
    }

    // With a malformed or missing path, an argument may be meant for a
    // placeholder that could not be read: do not report it as unused.
    let path_complete = attr.path.as_ref().is_some_and(|template| template.complete);
    let placeholders: Vec<&str> = attr
        .path
        .iter()
        .flat_map(|template| template.placeholders())
        .map(|placeholder| placeholder.argument.as_str())
        .collect();
    let mut queries = Vec::new();
    let mut headers = Vec::new();
    let mut body = None;
    let mut seen_queries = HashSet::new();
    let mut seen_headers = HashSet::new();
    for arg in &func.args {
        match &arg.role {
            None if bound.contains(&name_of(arg)) || !path_complete => {}
            None => {
                let hint = suggest::closest(&name_of(arg), placeholders.iter().copied())
                    .map(|near| {
                        format!("; did you mean `{near}`, for the placeholder in the path?")
                    })
                    .unwrap_or_default();
                errors.push(Error::new(
                    arg.ident.span(),
                    format!(
                        "argument `{}` has no role: name it after a path placeholder (`<{}>`), \
                         or mark it `#[body]`, `#[query]` or `#[header(\"Name\")]`{hint}",
                        arg.ident,
                        camel_case(&name_of(arg)),
                    ),
                ));
            }
            Some(Role::Body(marker)) => {
                if let Some(method) = attr.method.filter(|method| !method.takes_body()) {
                    errors.push(body_not_allowed(*marker, method, &arg.ident));
                }
                if let Some(option) = attr.empty_object_body {
                    errors.push(Error::new(
                        option,
                        format!("`body = {{}}` and the `#[body]` argument `{}` both give the body; keep one", arg.ident),
                    ));
                }
                body = Some(Body::Argument(arg.ident.clone()));
            }
            Some(Role::Query(name)) => {
                if !seen_queries.insert(name.clone()) {
                    errors.push(Error::new(
                        arg.ident.span(),
                        format!("two arguments send the query parameter `{name}`"),
                    ));
                }
                queries.push((name.clone(), arg.ident.clone()));
            }
            Some(Role::Header(name)) => {
                if !seen_headers.insert(name.clone()) {
                    errors.push(Error::new(
                        arg.ident.span(),
                        format!("two arguments send the header `{name}`"),
                    ));
                }
                headers.push((name.clone(), arg.ident.clone()));
            }
        }
    }

    if let Some(option) = attr.empty_object_body {
        if let Some(method) = attr.method.filter(|method| !method.takes_body()) {
            errors.push(Error::new(
                option,
                format!(
                    "a {} request has no body; remove `body = {{}}`",
                    method.as_str()
                ),
            ));
        }
        if body.is_none() {
            body = Some(Body::EmptyObject);
        }
    }

    if let (Some(option), Some(method)) = (attr.idempotent, attr.method)
        && matches!(
            method,
            HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete
        )
    {
        errors.push(Error::new(
            option,
            format!(
                "a {} request is idempotent already; remove `idempotent`",
                method.as_str()
            ),
        ));
    }

    if !clean_before || !errors.is_empty() || !path_complete {
        return None;
    }
    Some(Endpoint {
        method: attr.method?,
        template: attr.path.as_ref()?.lit.value(),
        path,
        queries,
        headers,
        body,
        idempotent: attr.idempotent.is_some(),
        output: func.output.clone()?,
    })
}

fn body_not_allowed(marker: Span, method: HttpMethod, ident: &Ident) -> Error {
    Error::new(
        marker,
        format!(
            "a {} request has no body; send `{ident}` as `#[query]` arguments or use \
             POST, PUT or PATCH",
            method.as_str()
        ),
    )
}
