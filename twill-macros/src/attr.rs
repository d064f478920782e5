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
}

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

        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        // Options are reserved for later versions; none is accepted yet.
        if !input.is_empty() {
            let rest: TokenStream = input.parse()?;
            errors.push(Error::new_spanned(
                rest,
                "unexpected tokens after the path: this version of `#[twill_endpoint]` takes \
                 no options",
            ));
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
