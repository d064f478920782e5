//! The trait method: its receiver, its arguments with their roles, its
//! return type.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use syn::{Error, LitStr};

use crate::errors::Errors;
use crate::method::{Attr, AttrArgs, InputKind, Method};
use crate::template::camel_case;
use crate::text;

const MARKERS: &str = "`#[body]`, `#[query]`, `#[query(\"name\")]` or `#[header(\"Name\")]`";

/// Headers an argument may not send: the client sets them on every request
/// (`authorization`, `accept`, `user-agent`, `content-type`,
/// `content-length`), they belong to the connection rather than the request
/// (`connection`, `te`, `upgrade`, `expect`, `transfer-encoding`, `host`),
/// or they would change what the body or the credentials mean
/// (`content-encoding`, `cookie`, `proxy-authorization`).
const RESERVED_HEADERS: [&str; 14] = [
    "authorization",
    "accept",
    "user-agent",
    "content-type",
    "content-length",
    "connection",
    "te",
    "upgrade",
    "expect",
    "transfer-encoding",
    "host",
    "content-encoding",
    "cookie",
    "proxy-authorization",
];

/// The method as far as it could be read; its mistakes are in `problems`.
pub(crate) struct Signature {
    /// The arguments after `self` that are plain names, in order.
    pub(crate) args: Vec<Arg>,
    pub(crate) output: syn::Result<Output>,
    pub(crate) problems: Errors,
}

pub(crate) struct Arg {
    pub(crate) ident: Ident,
    pub(crate) ty: TokenStream,
    pub(crate) marker: Marker,
}

/// What an argument's markers say.
pub(crate) enum Marker {
    /// No marker: the argument fills the path placeholder of its name.
    None,
    Role(Role),
    /// A marker with a mistake, reported already: the argument has a role,
    /// just not a readable one.
    Invalid,
}

pub(crate) enum Role {
    /// `#[body]`, where it is: serialized as the JSON request body.
    Body(Marked),
    /// Sent as `name=value` in the query string; `None` is left out.
    Query(String),
    /// Sent as a header, its name lower-cased; `None` is left out.
    Header(String),
}

/// Where a marker is, from its `#` to its `]`: an error built by
/// [`error`](Self::error) underlines all of it (a stable proc macro cannot
/// join two spans into one).
#[derive(Clone, Copy)]
pub(crate) struct Marked {
    start: Span,
    end: Span,
}

impl Marked {
    pub(crate) fn of(attr: &Attr) -> Self {
        Marked {
            start: attr.span(),
            end: attr.end_span(),
        }
    }

    pub(crate) fn error(self, message: impl std::fmt::Display) -> Error {
        // Stand-ins for the first and last token: only their spans count.
        let tokens: TokenStream = [
            TokenTree::Ident(Ident::new("start", self.start)),
            TokenTree::Ident(Ident::new("end", self.end)),
        ]
        .into_iter()
        .collect();
        Error::new_spanned(tokens, message)
    }
}

/// The return type, `Result<T, E>`.
pub(crate) struct Output {
    /// The whole type, as written.
    pub(crate) result: TokenStream,
    /// `T`, decoded from a success response.
    pub(crate) success: TokenStream,
}

/// Reads the method, removing the macro's argument markers from it so that
/// it can be emitted as is when the declaration has errors.
pub(crate) fn parse(method: &mut Method) -> Signature {
    let mut problems = Errors::default();

    let is_async = method.qualifiers.iter().any(|q| is_ident(q, "async"));
    // A hand-written `-> impl Future<Output = X>` is the `async fn` habit
    // spelled out: one message, naming the `async fn` to write, and `X`
    // read as the return type so that it gets no message of its own.
    // Only then: reading the type with `syn` is a parse of its own.
    let awaited = match &method.output {
        Some((_, ty)) if !is_async => future_output(ty),
        _ => None,
    };
    if !is_async {
        let message = match &awaited {
            Some(awaited) => format!(
                "an endpoint method is an `async fn`: write `async fn {}(..) -> {}` instead of \
                 returning `impl Future`",
                method.ident,
                text::scan(awaited).text
            ),
            None => "an endpoint method is an `async fn`: write `async fn`".to_owned(),
        };
        problems.push(Error::new(method.fn_token.span(), message));
    }
    for (index, qualifier) in method.qualifiers.iter().enumerate() {
        if is_ident(qualifier, "const") {
            problems.push(Error::new(
                qualifier.span(),
                "an endpoint method cannot be `const`",
            ));
        } else if is_ident(qualifier, "unsafe") {
            problems.push(Error::new(
                qualifier.span(),
                "an endpoint method cannot be `unsafe`",
            ));
        } else if is_ident(qualifier, "extern") {
            // `extern`, and its ABI's name when given.
            let name = method
                .qualifiers
                .get(index + 1)
                .filter(|token| matches!(token, TokenTree::Literal(_)));
            let abi: TokenStream = std::iter::once(qualifier).chain(name).cloned().collect();
            problems.push(Error::new_spanned(
                abi,
                "an endpoint method cannot declare an ABI",
            ));
        }
    }

    match method.inputs.first().map(|input| &input.kind) {
        Some(InputKind::Receiver { shared_ref: true }) => {}
        Some(InputKind::Receiver { shared_ref: false }) => problems.push(Error::new_spanned(
            &method.inputs[0].tokens,
            "an endpoint method takes `&self`: it only reads the client it is called on",
        )),
        _ => problems.push(Error::new(
            method.ident.span(),
            format!(
                "`{}` has no `&self`: an endpoint method takes `&self` first, the client it is \
                 called on",
                method.ident
            ),
        )),
    }

    let mut args = Vec::new();
    for (index, input) in method.inputs.iter_mut().enumerate() {
        if index == 0 && matches!(input.kind, InputKind::Receiver { .. }) {
            continue;
        }
        let mut marker = take_marker(&mut input.attrs, &mut problems);
        match &input.kind {
            InputKind::Named { ident, ty } => {
                if let Marker::Role(Role::Query(name)) = &mut marker
                    && name.is_empty()
                {
                    *name = camel_case(&ident.to_string());
                }
                args.push(Arg {
                    ident: ident.clone(),
                    ty: ty.clone(),
                    marker,
                });
            }
            InputKind::Receiver { .. } | InputKind::Pattern => problems.push(Error::new_spanned(
                &input.tokens,
                "an endpoint argument is a plain name (`task_id: &str`): its name binds it to a \
                 path placeholder or its marker",
            )),
        }
    }

    let output = match (&awaited, &method.output) {
        (Some(awaited), _) => output(awaited),
        (None, Some((_, ty))) => output(ty),
        (None, None) => Err(Error::new(
            method.parens.span_close(),
            "missing return type: an endpoint returns `Result<T, E>`, for example \
             `-> Result<Task, twill_api::Error>`, or `-> Result<(), twill_api::Error>` for \
             an empty answer",
        )),
    };

    Signature {
        args,
        output,
        problems,
    }
}

/// `X` of a return type `impl Future<Output = X> (+ ..)`.
pub(crate) fn future_output(ty: &TokenStream) -> Option<TokenStream> {
    if !matches!(ty.clone().into_iter().next(), Some(TokenTree::Ident(word)) if word == "impl") {
        return None;
    }
    let syn::Type::ImplTrait(bounds) = syn::parse2::<syn::Type>(ty.clone()).ok()? else {
        return None;
    };
    bounds.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
            return None;
        };
        arguments.args.iter().find_map(|argument| match argument {
            syn::GenericArgument::AssocType(output) if output.ident == "Output" => {
                Some(quote::ToTokens::to_token_stream(&output.ty))
            }
            _ => None,
        })
    })
}

fn is_ident(token: &TokenTree, name: &str) -> bool {
    matches!(token, TokenTree::Ident(ident) if ident == name)
}

/// `Result<T, ..>`, recognised by its last path segment so that aliases such
/// as `twill_api::Result<T>` and `std::result::Result<T, E>` are accepted,
/// and so are aliases named so (`ApiResult<T>`): their first argument is
/// the success type, and the error type is the alias's, which the compiler
/// checks.
fn output(ty: &TokenStream) -> syn::Result<Output> {
    const FORM: &str = "an endpoint returns `Result<T, E>`: `T` is decoded from the success body \
                        (`()` for none) and `E` from failures (`twill_api::Error`, or a type that \
                        implements `twill_api::EndpointError`)";
    let success = text::first_generic_argument(ty, "Result")
        .or_else(|| text::first_generic_argument_by_suffix(ty, "Result"))
        .ok_or_else(|| Error::new_spanned(ty, FORM))?;
    Ok(Output {
        result: ty.clone(),
        success,
    })
}

/// Removes the macro's markers from an argument's attributes and reads
/// what they say.
fn take_marker(attrs: &mut Vec<Attr>, errors: &mut Errors) -> Marker {
    let mut marker = Marker::None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        let Some((name, args)) = attr.named() else {
            kept.push(attr);
            continue;
        };
        if name == "cfg" {
            // Dropped after the error, so that the argument stays and
            // nothing else fails for want of it.
            errors.push(Error::new_spanned(
                &attr,
                "`#[cfg]` on an argument is not supported: the request and the endpoint's \
                 metadata would change with the configuration; declare the endpoint twice, \
                 each method under its own `#[cfg]`",
            ));
            continue;
        }
        let parsed = if name == "body" {
            match args {
                AttrArgs::None => Ok(Role::Body(Marked::of(&attr))),
                _ => Err(Error::new_spanned(&attr, "`#[body]` takes no arguments")),
            }
        } else if name == "query" {
            match args {
                AttrArgs::None => Ok(Role::Query(String::new())),
                AttrArgs::List(list) => syn::parse2::<LitStr>(list.stream())
                    .map_err(|_| {
                        Error::new_spanned(
                            &list,
                            "write `#[query]` (the name is the argument's, in camelCase), or \
                             `#[query(\"name\")]` with the name as a string",
                        )
                    })
                    .and_then(query_name)
                    .map(Role::Query),
                AttrArgs::Value(_) => Err(Error::new_spanned(
                    &attr,
                    "write `#[query]`, or `#[query(\"name\")]` to choose the query name",
                )),
            }
        } else if name == "header" {
            match args {
                AttrArgs::List(list) => syn::parse2::<LitStr>(list.stream())
                    .and_then(header_name)
                    .map(Role::Header),
                _ => Err(Error::new_spanned(
                    &attr,
                    "write `#[header(\"Name\")]` with the header's name",
                )),
            }
        } else {
            kept.push(attr);
            continue;
        };
        marker = match (marker, parsed) {
            (Marker::None, Ok(role)) => Marker::Role(role),
            (Marker::None, Err(error)) => {
                errors.push(error);
                Marker::Invalid
            }
            (earlier, Ok(_)) => {
                errors.push(Error::new_spanned(
                    &attr,
                    format!(
                        "an argument has one role; remove this marker or the other ({MARKERS})"
                    ),
                ));
                earlier
            }
            (earlier, Err(error)) => {
                errors.push(error);
                earlier
            }
        };
    }
    *attrs = kept;
    marker
}

fn query_name(lit: LitStr) -> syn::Result<String> {
    let name = lit.value();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
    if valid {
        Ok(name)
    } else {
        Err(Error::new(
            lit.span(),
            format!("invalid query name `{name}`: use letters, digits and `-._~`"),
        ))
    }
}

fn header_name(lit: LitStr) -> syn::Result<String> {
    let name = lit.value();
    let is_token = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
    if !is_token {
        return Err(Error::new(
            lit.span(),
            format!("invalid header name `{name}`: use letters, digits and `-`"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_HEADERS.contains(&lower.as_str()) {
        return Err(Error::new(
            lit.span(),
            format!(
                "`{name}` cannot be an argument: the client or the connection sets it; the \
                 reserved headers are {}",
                RESERVED_HEADERS.join(", ")
            ),
        ));
    }
    Ok(lower)
}
