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
use crate::template::Piece;

/// A declaration that passed every check.
pub(crate) struct Endpoint {
    pub(crate) method: HttpMethod,
    pub(crate) template: String,
    pub(crate) path: Vec<PathStep>,
    pub(crate) queries: Vec<(String, Ident)>,
    pub(crate) headers: Vec<(String, Ident)>,
    pub(crate) body: Option<Ident>,
    pub(crate) output: Type,
}

pub(crate) enum PathStep {
    Literal(String),
    /// The placeholder's name and the argument it binds.
    Segment(String, Ident),
}

pub(crate) fn check(
    attr: &EndpointAttr,
    func: &EndpointFn,
    errors: &mut Errors,
) -> Option<Endpoint> {
    let mut local = Errors::default();
    let lit_span = attr.path.lit.span();
    let name_of = |arg: &Arg| arg.ident.unraw().to_string();

    let mut path = Vec::new();
    let mut bound = HashSet::new();
    for piece in &attr.path.pieces {
        match piece {
            Piece::Literal(text) => path.push(PathStep::Literal(text.clone())),
            Piece::Placeholder(placeholder) => {
                if !bound.insert(placeholder.argument.clone()) {
                    local.push(Error::new(
                        lit_span,
                        format!(
                            "placeholder `<{}>` appears more than once in the path; each \
                             argument fills one segment",
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
                    Some(arg) if arg.role.is_some() => local.push(Error::new(
                        arg.ident.span(),
                        format!(
                            "`{}` fills the placeholder `<{}>` and also has a marker; a path \
                             argument takes no marker",
                            arg.ident, placeholder.name
                        ),
                    )),
                    Some(arg) => path.push(PathStep::Segment(
                        placeholder.name.clone(),
                        arg.ident.clone(),
                    )),
                    None => {
                        let free = func.args.iter().filter(|arg| arg.role.is_none());
                        let names: Vec<String> = free.map(name_of).collect();
                        let hint = suggest::closest(
                            &placeholder.argument,
                            names.iter().map(String::as_str),
                        )
                        .map(|near| format!("; did you mean `{near}`?"))
                        .unwrap_or_default();
                        local.push(Error::new(
                            lit_span,
                            format!(
                                "placeholder `<{}>` has no argument: add `{}: &str` to the \
                                 method{hint}",
                                placeholder.name, placeholder.argument
                            ),
                        ));
                    }
                }
            }
        }
    }

    let mut queries = Vec::new();
    let mut headers = Vec::new();
    let mut body = None;
    let mut seen_queries = HashSet::new();
    let mut seen_headers = HashSet::new();
    for arg in &func.args {
        match &arg.role {
            None if bound.contains(&name_of(arg)) => {}
            None => {
                let placeholders: Vec<&str> = attr
                    .path
                    .placeholders()
                    .map(|p| p.argument.as_str())
                    .collect();
                let hint = suggest::closest(&name_of(arg), placeholders.iter().copied())
                    .map(|near| {
                        format!("; did you mean `{near}`, for the placeholder in the path?")
                    })
                    .unwrap_or_default();
                local.push(Error::new(
                    arg.ident.span(),
                    format!(
                        "argument `{}` has no role: name it after a path placeholder \
                         (`<{}>`), or mark it `#[body]`, `#[query]` or \
                         `#[header(\"Name\")]`{hint}",
                        arg.ident,
                        crate::template::camel_case(&name_of(arg)),
                    ),
                ));
            }
            Some(Role::Body(marker)) => {
                if !attr.method.takes_body() {
                    local.push(body_not_allowed(*marker, attr.method, &arg.ident));
                }
                body = Some(arg.ident.clone());
            }
            Some(Role::Query(name)) => {
                if !seen_queries.insert(name.clone()) {
                    local.push(Error::new(
                        arg.ident.span(),
                        format!("two arguments send the query parameter `{name}`"),
                    ));
                }
                queries.push((name.clone(), arg.ident.clone()));
            }
            Some(Role::Header(name)) => {
                if !seen_headers.insert(name.clone()) {
                    local.push(Error::new(
                        arg.ident.span(),
                        format!("two arguments send the header `{name}`"),
                    ));
                }
                headers.push((name.clone(), arg.ident.clone()));
            }
        }
    }

    let valid = local.is_empty();
    errors.extend(local);
    valid.then(|| Endpoint {
        method: attr.method,
        template: attr.path.lit.value(),
        path,
        queries,
        headers,
        body,
        output: func.output.clone(),
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
