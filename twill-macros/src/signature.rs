//! The trait method: its receiver, its arguments with their roles, its
//! return type.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{
    Attribute, Error, FnArg, Ident, LitStr, Meta, Pat, ReceiverKind, ReturnType, TraitItemFn, Type,
};

use crate::errors::Errors;
use crate::template::camel_case;

const MARKERS: &str = "`#[body]`, `#[query]`, `#[query(\"name\")]` or `#[header(\"Name\")]`";

/// Headers the client sets on every request; an argument may not replace them.
const RESERVED_HEADERS: [&str; 7] = [
    "authorization",
    "accept",
    "user-agent",
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
];

/// The method as far as it could be read; errors are recorded as found.
pub(crate) struct EndpointFn {
    /// The arguments after `self` that are plain names.
    pub(crate) args: Vec<Arg>,
    /// The `Result` type, if the method returns one.
    pub(crate) output: Option<Type>,
}

pub(crate) struct Arg {
    pub(crate) ident: Ident,
    pub(crate) role: Option<Role>,
}

pub(crate) enum Role {
    /// Serialized as the JSON request body.
    Body(Span),
    /// Sent as `name=value` in the query string; `None` is left out.
    Query(String),
    /// Sent as a header, its name lower-cased; `None` is left out.
    Header(String),
}

/// Reads the method, removing the macro's argument markers from `func` so
/// that it can be emitted as is when the declaration has errors.
pub(crate) fn parse(func: &mut TraitItemFn, errors: &mut Errors) -> EndpointFn {
    let sig = &mut func.sig;

    if sig.asyncness.is_none() {
        errors.push(Error::new(
            sig.fn_token.span,
            "an endpoint method is an `async fn`: write `async fn`",
        ));
    }
    if let Some(constness) = &sig.constness {
        errors.push(Error::new(
            constness.span,
            "an endpoint method cannot be `const`",
        ));
    }
    if let syn::Safety::Unsafe(token) = &sig.safety {
        errors.push(Error::new(
            token.span,
            "an endpoint method cannot be `unsafe`",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(Error::new_spanned(
            abi,
            "an endpoint method cannot declare an ABI",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(Error::new_spanned(
            variadic,
            "an endpoint method cannot be variadic",
        ));
    }

    match sig.inputs.first() {
        Some(FnArg::Receiver(receiver)) => {
            if !matches!(receiver.kind, ReceiverKind::Reference(_, _, None)) {
                errors.push(Error::new_spanned(
                    receiver,
                    "an endpoint method takes `&self`: it only reads the client it is called on",
                ));
            }
        }
        _ => errors.push(Error::new(
            sig.ident.span(),
            format!(
                "`{}` has no `&self`: an endpoint method takes `&self` first, the client it is \
                 called on",
                sig.ident
            ),
        )),
    }

    let mut args = Vec::new();
    let mut body_seen = false;
    for input in sig.inputs.iter_mut() {
        let FnArg::Typed(typed) = input else { continue };
        let mut role = take_role(&mut typed.attrs, errors);
        if let Some(Role::Body(span)) = &role {
            if body_seen {
                errors.push(Error::new(*span, "only one argument can be the `#[body]`"));
            }
            body_seen = true;
        }
        match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                if let Some(Role::Query(name)) = &mut role
                    && name.is_empty()
                {
                    *name = camel_case(&pat.ident.to_string());
                }
                args.push(Arg {
                    ident: pat.ident.clone(),
                    role,
                });
            }
            other => errors.push(Error::new_spanned(
                other,
                "an endpoint argument is a plain name (`task_id: &str`): its name binds it to a \
                 path placeholder or its marker",
            )),
        }
    }

    let output = match &sig.output {
        ReturnType::Type(_, ty) if is_result(ty) => Some((**ty).clone()),
        ReturnType::Type(_, ty) => {
            errors.push(Error::new_spanned(
                ty,
                "an endpoint returns `Result<T, E>`: `T` is decoded from the success body (`()` \
                 for none) and `E` from failures (`twill_api::Error`, or a type that implements \
                 `twill_api::EndpointError`)",
            ));
            None
        }
        ReturnType::Default => {
            errors.push(Error::new(
                sig.paren_token.span.close(),
                "missing return type: an endpoint returns `Result<T, E>`, for example \
                 `-> Result<SendMessageResponse, twill_api::Error>`",
            ));
            None
        }
    };

    EndpointFn { args, output }
}

/// `Result<..>` by its last path segment, so that aliases such as
/// `twill_api::Result<T>` and `std::result::Result<T, E>` are accepted.
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Result"),
        Type::Group(group) => is_result(&group.elem),
        Type::Paren(paren) => is_result(&paren.elem),
        _ => false,
    }
}

/// Removes the macro's markers from an argument's attributes and reads its
/// role from them.
fn take_role(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Option<Role> {
    let mut role: Option<Role> = None;
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
        match parsed {
            Ok(_) if role.is_some() => {
                errors.push(Error::new_spanned(
                    &attr,
                    format!(
                        "an argument has one role; remove this marker or the other ({MARKERS})"
                    ),
                ));
            }
            Ok(parsed) => role = Some(parsed),
            Err(error) => errors.push(error),
        }
    }
    *attrs = kept;
    role
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
            format!("`{name}` is set by the client on every request and cannot be an argument"),
        ));
    }
    Ok(lower)
}
