//! The trait method: its receiver, its arguments with their roles, its
//! return type.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{
    Attribute, Error, FnArg, GenericArgument, Ident, LitStr, Meta, Pat, PathArguments,
    ReceiverKind, ReturnType, TraitItemFn, Type,
};

use crate::errors::Errors;
use crate::template::camel_case;

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
    pub(crate) ty: Type,
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
    /// `#[body]`, at its span: serialized as the JSON request body.
    Body(Span),
    /// Sent as `name=value` in the query string; `None` is left out.
    Query(String),
    /// Sent as a header, its name lower-cased; `None` is left out.
    Header(String),
}

/// The return type, `Result<T, E>`.
pub(crate) struct Output {
    /// The whole type, as written.
    pub(crate) result: Type,
    /// `T`, decoded from a success response.
    pub(crate) success: Type,
}

/// Reads the method, removing the macro's argument markers from `func` so
/// that it can be emitted as is when the declaration has errors.
pub(crate) fn parse(func: &mut TraitItemFn) -> Signature {
    let mut problems = Errors::default();
    let sig = &mut func.sig;

    if sig.asyncness.is_none() {
        problems.push(Error::new(
            sig.fn_token.span,
            "an endpoint method is an `async fn`: write `async fn`",
        ));
    }
    if let Some(constness) = &sig.constness {
        problems.push(Error::new(
            constness.span,
            "an endpoint method cannot be `const`",
        ));
    }
    if let syn::Safety::Unsafe(token) = &sig.safety {
        problems.push(Error::new(
            token.span,
            "an endpoint method cannot be `unsafe`",
        ));
    }
    if let Some(abi) = &sig.abi {
        problems.push(Error::new_spanned(
            abi,
            "an endpoint method cannot declare an ABI",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        problems.push(Error::new_spanned(
            variadic,
            "an endpoint method cannot be variadic",
        ));
    }

    match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => {
            if !matches!(receiver.kind, ReceiverKind::Reference(_, _, None)) {
                problems.push(Error::new_spanned(
                    receiver,
                    "an endpoint method takes `&self`: it only reads the client it is called on",
                ));
            }
        }
        _ => problems.push(Error::new(
            sig.ident.span(),
            format!(
                "`{}` has no `&self`: an endpoint method takes `&self` first, the client it is \
                 called on",
                sig.ident
            ),
        )),
    }

    let mut args = Vec::new();
    for input in sig.inputs.iter_mut() {
        let FnArg::Typed(typed) = input else { continue };
        let mut marker = take_marker(&mut typed.attrs, &mut problems);
        match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                if let Marker::Role(Role::Query(name)) = &mut marker
                    && name.is_empty()
                {
                    *name = camel_case(&pat.ident.to_string());
                }
                args.push(Arg {
                    ident: pat.ident.clone(),
                    ty: (*typed.ty).clone(),
                    marker,
                });
            }
            other => problems.push(Error::new_spanned(
                other,
                "an endpoint argument is a plain name (`task_id: &str`): its name binds it to a \
                 path placeholder or its marker",
            )),
        }
    }

    let output = match &sig.output {
        ReturnType::Type(_, ty) => output(ty),
        ReturnType::Default => Err(Error::new(
            sig.paren_token.span.close(),
            "missing return type: an endpoint returns `Result<T, E>`, for example \
             `-> Result<SendMessageResponse, twill_api::Error>`",
        )),
    };

    Signature {
        args,
        output,
        problems,
    }
}

/// `Result<T, ..>`, recognised by its last path segment so that aliases such
/// as `twill_api::Result<T>` and `std::result::Result<T, E>` are accepted.
fn output(ty: &Type) -> syn::Result<Output> {
    const FORM: &str = "an endpoint returns `Result<T, E>`: `T` is decoded from the success body \
                        (`()` for none) and `E` from failures (`twill_api::Error`, or a type that \
                        implements `twill_api::EndpointError`)";
    let success = result_success_type(ty).ok_or_else(|| Error::new_spanned(ty, FORM))?;
    Ok(Output {
        result: ty.clone(),
        success,
    })
}

fn result_success_type(ty: &Type) -> Option<Type> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            if last.ident != "Result" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            match args.args.first()? {
                GenericArgument::Type(success) => Some(success.clone()),
                _ => None,
            }
        }
        Type::Group(group) => result_success_type(&group.elem),
        Type::Paren(paren) => result_success_type(&paren.elem),
        _ => None,
    }
}

/// Removes the macro's markers from an argument's attributes and reads
/// what they say.
fn take_marker(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Marker {
    let mut marker = Marker::None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        let Some(name) = marker_name(&attr) else {
            kept.push(attr);
            continue;
        };
        let parsed = match name {
            "body" => match &attr.meta {
                Meta::Path(_) => Ok(Role::Body(attr.span())),
                _ => Err(Error::new_spanned(&attr, "`#[body]` takes no arguments")),
            },
            "query" => match &attr.meta {
                Meta::Path(_) => Ok(Role::Query(String::new())),
                Meta::List(_) => attr
                    .parse_args::<LitStr>()
                    .and_then(query_name)
                    .map(Role::Query),
                Meta::NameValue(_) => Err(Error::new_spanned(
                    &attr,
                    "write `#[query]`, or `#[query(\"name\")]` to choose the query name",
                )),
            },
            _ => match &attr.meta {
                Meta::List(_) => attr
                    .parse_args::<LitStr>()
                    .and_then(header_name)
                    .map(Role::Header),
                _ => Err(Error::new_spanned(
                    &attr,
                    "write `#[header(\"Name\")]` with the header's name",
                )),
            },
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

fn marker_name(attr: &Attribute) -> Option<&'static str> {
    let path = attr.path();
    ["body", "query", "header"]
        .into_iter()
        .find(|name| path.is_ident(name))
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
