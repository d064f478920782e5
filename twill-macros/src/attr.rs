//! The attribute's arguments: `METHOD "path"`, then options after a comma.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Error, Ident, LitStr, Token};

use crate::errors::Errors;
use crate::suggest;
use crate::template::{self, PathTemplate};

const GRAMMAR: &str = "expected `#[twill_endpoint(METHOD \"/path\")]`, for example \
                       `#[twill_endpoint(POST \"/tasks/<taskIdOrSlug>/messages\")]`";

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    const ALL: [(&'static str, HttpMethod); 5] = [
        ("GET", HttpMethod::Get),
        ("POST", HttpMethod::Post),
        ("PUT", HttpMethod::Put),
        ("PATCH", HttpMethod::Patch),
        ("DELETE", HttpMethod::Delete),
    ];

    pub(crate) fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("", |(name, _)| name)
    }

    /// The `twill_api::HttpMethod` variant name.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            HttpMethod::Get => "Get",
            HttpMethod::Post => "Post",
            HttpMethod::Put => "Put",
            HttpMethod::Patch => "Patch",
            HttpMethod::Delete => "Delete",
        }
    }

    /// Methods whose requests carry no body in Twill's API (and for which
    /// intermediaries may drop one).
    pub(crate) fn takes_body(self) -> bool {
        !matches!(self, HttpMethod::Get | HttpMethod::Delete)
    }
}

/// What the attribute says, as far as it could be read: a part with an error
/// is `None` (the error is recorded), so that the method can still be checked
/// against the rest.
#[derive(Default)]
pub(crate) struct EndpointAttr {
    pub(crate) method: Option<HttpMethod>,
    pub(crate) path: Option<PathTemplate>,
    /// `body = {}`: the request body is an empty JSON object.
    pub(crate) empty_object_body: Option<Span>,
    /// `idempotent`: a POST or PATCH that is safe to retry.
    pub(crate) idempotent: Option<Span>,
}

const OPTIONS: &str = "the options are `body = {}` (send an empty JSON object as the body) and \
                       `idempotent` (a POST or PATCH that is safe to retry)";

/// Parses the attribute, reporting the method, the path and the options
/// independently so that one mistake does not hide another.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> EndpointAttr {
    let parser = |input: ParseStream| {
        let mut attr = EndpointAttr::default();
        if input.is_empty() {
            errors.push(Error::new(Span::call_site(), GRAMMAR));
            return Ok(attr);
        }
        let mut after = input.span();
        if input.peek(LitStr) {
            errors.push(Error::new(
                input.span(),
                format!("missing HTTP method before the path; {GRAMMAR}"),
            ));
        } else {
            let ident: Ident = input
                .parse()
                .map_err(|e| Error::new(e.span(), format!("expected an HTTP method; {GRAMMAR}")))?;
            after = ident.span();
            attr.method = errors.take(method(&ident));
        }

        if input.is_empty() || input.peek(Token![,]) {
            errors.push(Error::new(
                after,
                format!("missing path after the HTTP method; {GRAMMAR}"),
            ));
        } else if input.peek(LitStr) {
            let (path, path_errors) = template::parse(input.parse()?);
            attr.path = Some(path);
            errors.extend(path_errors);
        } else {
            let token: proc_macro2::TokenTree = input.parse()?;
            errors.push(Error::new_spanned(
                token,
                format!("expected the path as a string literal; {GRAMMAR}"),
            ));
        }

        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            option(input, &mut attr, errors)?;
        }
        Ok(attr)
    };
    match parser.parse2(args) {
        Ok(attr) => attr,
        Err(error) => {
            errors.push(error);
            EndpointAttr::default()
        }
    }
}

/// One option after the path: `name` or `name = value`.
fn option(input: ParseStream, attr: &mut EndpointAttr, errors: &mut Errors) -> syn::Result<()> {
    let name: Ident = input
        .parse()
        .map_err(|e| Error::new(e.span(), format!("expected an option; {OPTIONS}")))?;
    let value: Option<TokenStream> = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let mut value = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![,]) {
            value.extend([input.parse::<proc_macro2::TokenTree>()?]);
        }
        Some(value)
    } else {
        None
    };
    match (name.to_string().as_str(), value) {
        ("body", Some(value)) if value.to_string().replace(' ', "") == "{}" => {
            if attr.empty_object_body.replace(name.span()).is_some() {
                errors.push(Error::new(name.span(), "`body` is given twice"));
            }
        }
        ("idempotent", None) => {
            if attr.idempotent.replace(name.span()).is_some() {
                errors.push(Error::new(name.span(), "`idempotent` is given twice"));
            }
        }
        ("idempotent", Some(_)) => errors.push(Error::new(
            name.span(),
            "`idempotent` takes no value: write `idempotent`",
        )),
        ("body", _) => errors.push(Error::new(
            name.span(),
            "write `body = {}` to send an empty JSON object; a body with content is an \
             argument marked `#[body]`",
        )),
        (other, _) => errors.push(Error::new(
            name.span(),
            format!("unknown option `{other}`; {OPTIONS}"),
        )),
    }
    Ok(())
}

fn method(ident: &Ident) -> syn::Result<HttpMethod> {
    let name = ident.to_string();
    if let Some((_, method)) = HttpMethod::ALL.iter().find(|(n, _)| *n == name) {
        return Ok(*method);
    }
    let names = HttpMethod::ALL.map(|(name, _)| name);
    let upper = name.to_ascii_uppercase();
    let hint = match suggest::closest(&upper, names) {
        Some(near) => format!("; did you mean `{near}`?"),
        None => String::new(),
    };
    Err(Error::new(
        ident.span(),
        format!(
            "unknown HTTP method `{name}`: expected one of {}{hint}",
            names.join(", ")
        ),
    ))
}
