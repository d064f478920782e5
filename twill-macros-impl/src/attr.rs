//! The attribute's arguments: `METHOD "path"`, then options after a comma.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Error, Ident, LitStr, Token, braced};

use crate::errors::{Errors, silent};
use crate::suggest;
use crate::template::{self, PathTemplate};

pub(crate) const GRAMMAR: &str = "expected `#[twill_endpoint(METHOD \"/path\")]`, for example \
                       `#[twill_endpoint(POST \"/tasks/<taskIdOrSlug>/messages\")]`";

const OPTIONS: &str = "the options are `body = {}` (send an empty JSON object as the body), \
                       `idempotent` (a POST or PATCH that is safe to retry), `destructive` (it \
                       cancels, archives or deletes) and `interrupts` (it stops work in progress)";

/// The options that are a bare word, each a declared effect.
const FLAGS: [&str; 3] = ["idempotent", "destructive", "interrupts"];

mod kw {
    syn::custom_keyword!(body);
}

/// The HTTP methods an endpoint can be declared with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl HttpMethod {
    pub(crate) const ALL: [HttpMethod; 5] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ];

    /// The method as written in the attribute and sent on the wire.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
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

    /// Methods whose requests carry a body in Twill's API (intermediaries
    /// may drop the body of a GET or DELETE).
    pub(crate) fn takes_body(self) -> bool {
        !matches!(self, HttpMethod::Get | HttpMethod::Delete)
    }

    /// Methods that HTTP defines as idempotent.
    pub(crate) fn is_idempotent(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete)
    }
}

/// What the attribute says. The method and the path are each read or
/// refused on their own, so that one mistake does not hide another; the
/// options are kept as far as they could be read, their mistakes in
/// `problems`.
pub(crate) struct EndpointAttr {
    pub(crate) method: syn::Result<HttpMethod>,
    /// A template whose segments are malformed is still `Ok`, with its
    /// well-formed placeholders; those errors are in `problems`.
    pub(crate) path: syn::Result<PathTemplate>,
    pub(crate) options: Options,
    pub(crate) problems: Errors,
}

/// The options after the path, each with the span it was written at.
#[derive(Default)]
pub(crate) struct Options {
    /// `body = {}`: the request body is an empty JSON object.
    pub(crate) empty_object_body: Option<Span>,
    /// `idempotent`: a POST or PATCH that is safe to send twice.
    pub(crate) idempotent: Option<Span>,
    /// `destructive`: it cancels, archives or deletes.
    pub(crate) destructive: Option<Span>,
    /// `interrupts`: it stops work in progress (send-message cancels the
    /// running job).
    pub(crate) interrupts: Option<Span>,
}

impl Options {
    fn flag(&mut self, name: &str) -> &mut Option<Span> {
        match name {
            "destructive" => &mut self.destructive,
            "interrupts" => &mut self.interrupts,
            _ => &mut self.idempotent,
        }
    }
}

/// Parses the attribute's arguments.
pub(crate) fn parse(args: TokenStream) -> EndpointAttr {
    let mut problems = Errors::default();
    let mut options = Options::default();
    // Parts not reached when the parser stops early: its error says why.
    let mut method = Err(silent());
    let mut path = Err(silent());
    let parser = |input: ParseStream| -> syn::Result<()> {
        if input.is_empty() {
            method = Err(Error::new(Span::call_site(), GRAMMAR));
            return Ok(());
        }
        let mut after = input.span();
        method = if input.peek(LitStr) {
            Err(Error::new(
                input.span(),
                format!("missing HTTP method before the path; {GRAMMAR}"),
            ))
        } else {
            let token: TokenTree = input.parse()?;
            after = token.span();
            match token {
                TokenTree::Ident(ident) => http_method(&ident),
                other => Err(Error::new_spanned(
                    other,
                    format!("expected an HTTP method; {GRAMMAR}"),
                )),
            }
        };

        path = if input.is_empty() || input.peek(Token![,]) {
            Err(Error::new(
                after,
                format!("missing path after the HTTP method; {GRAMMAR}"),
            ))
        } else if input.peek(LitStr) {
            let (template, template_problems) = template::parse(input.parse()?);
            problems.extend(template_problems);
            Ok(template)
        } else if input.peek(syn::Ident) && input.peek2(Token![!]) {
            // `concat!("/tasks", ..)`, `env!(..)`: one message, and the
            // call taken whole, so that no option error follows it.
            let name: syn::Ident = input.parse()?;
            let bang: Token![!] = input.parse()?;
            let arguments: TokenTree = input.parse()?;
            let call = quote::quote!(#name #bang #arguments);
            Err(Error::new_spanned(
                call,
                format!(
                    "the path is a string literal: `{name}!` is not expanded inside an \
                     attribute (it sees the macro's tokens, not its result); write the whole \
                     path, such as `\"/tasks/<taskIdOrSlug>\"`"
                ),
            ))
        } else {
            let token: TokenTree = input.parse()?;
            Err(Error::new_spanned(
                token,
                format!("expected the path as a string literal; {GRAMMAR}"),
            ))
        };

        while !input.is_empty() {
            if !input.peek(Token![,]) {
                let token: TokenTree = input.parse()?;
                return Err(Error::new_spanned(
                    token,
                    format!("expected `,` before the next option; {OPTIONS}"),
                ));
            }
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if let Err(error) = option(input, &mut options) {
                problems.push(error);
                // Skip to the next comma, to read the options after it.
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<TokenTree>()?;
                }
            }
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(args) {
        problems.push(error);
    }
    EndpointAttr {
        method,
        path,
        options,
        problems,
    }
}

/// One option after the path: a flag (`idempotent`, `destructive`,
/// `interrupts`) or `body = {}`.
fn option(input: ParseStream, options: &mut Options) -> syn::Result<()> {
    let flag = input.fork().parse::<Ident>().ok().filter(|ident| {
        let name = ident.to_string();
        FLAGS.contains(&name.as_str())
    });
    if let Some(keyword) = flag {
        input.parse::<Ident>()?;
        let name = keyword.to_string();
        if input.peek(Token![=]) {
            return Err(Error::new(
                keyword.span(),
                format!("`{name}` takes no value: write `{name}`"),
            ));
        }
        if options.flag(&name).replace(keyword.span()).is_some() {
            return Err(Error::new(
                keyword.span(),
                format!("`{name}` is given twice"),
            ));
        }
        Ok(())
    } else if input.peek(kw::body) {
        let keyword: kw::body = input.parse()?;
        let empty_object = input.peek(Token![=]) && {
            let fork = input.fork();
            fork.parse::<Token![=]>()?;
            let content;
            let _ = braced!(content in fork);
            content.is_empty() && (fork.is_empty() || fork.peek(Token![,]))
        };
        if !empty_object {
            return Err(Error::new(
                keyword.span,
                "write `body = {}` to send an empty JSON object; a body with content is an \
                 argument marked `#[body]`",
            ));
        }
        input.parse::<Token![=]>()?;
        let _content;
        braced!(_content in input);
        if options.empty_object_body.replace(keyword.span).is_some() {
            return Err(Error::new(keyword.span, "`body` is given twice"));
        }
        Ok(())
    } else {
        let token: TokenTree = input.parse()?;
        let hint = match &token {
            TokenTree::Ident(ident) => suggest::closest(
                &ident.to_string(),
                ["body", "idempotent", "destructive", "interrupts"],
            )
            .map(|near| format!("; did you mean `{near}`?"))
            .unwrap_or_default(),
            _ => String::new(),
        };
        Err(Error::new_spanned(
            &token,
            format!("unknown option `{token}`: {OPTIONS}{hint}"),
        ))
    }
}

fn http_method(ident: &Ident) -> syn::Result<HttpMethod> {
    let name = ident.to_string();
    if let Some(method) = HttpMethod::ALL.into_iter().find(|m| m.as_str() == name) {
        return Ok(method);
    }
    let names = HttpMethod::ALL.map(HttpMethod::as_str);
    let hint = match suggest::closest(&name.to_ascii_uppercase(), names) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn messages(args: TokenStream) -> Vec<String> {
        let attr = parse(args);
        let mut errors = attr.problems;
        for error in [attr.method.err(), attr.path.err()].into_iter().flatten() {
            errors.push(error);
        }
        match errors.finish(Ok(())) {
            Ok(()) => Vec::new(),
            Err(error) => error
                .into_iter()
                .map(|e| e.to_string())
                .filter(|m| m != crate::errors::SILENT)
                .collect(),
        }
    }

    #[test]
    fn reads_method_path_and_options() {
        let attr = parse(quote!(POST "/jobs/<jobId>/cancel", body = {}, idempotent,));
        assert_eq!(attr.method.unwrap(), HttpMethod::Post);
        assert_eq!(attr.path.unwrap().lit.value(), "/jobs/<jobId>/cancel");
        assert!(attr.options.empty_object_body.is_some());
        assert!(attr.options.idempotent.is_some());
        assert!(attr.problems.finish(Ok(())).is_ok());
        let attr = parse(quote!(POST "/jobs/<jobId>/cancel", destructive, interrupts));
        assert!(attr.options.destructive.is_some() && attr.options.interrupts.is_some());
    }

    #[test]
    fn reports_each_part_on_its_own() {
        assert_eq!(
            messages(quote!(FETCH 42, idempotnet, body = { "a": 1 })),
            [
                "unknown option `idempotnet`: the options are `body = {}` (send an empty JSON \
                 object as the body), `idempotent` (a POST or PATCH that is safe to retry), \
                 `destructive` (it cancels, archives or deletes) and `interrupts` (it stops work \
                 in progress); did you mean `idempotent`?",
                "write `body = {}` to send an empty JSON object; a body with content is an \
                 argument marked `#[body]`",
                "unknown HTTP method `FETCH`: expected one of GET, POST, PUT, PATCH, DELETE",
                "expected the path as a string literal; expected `#[twill_endpoint(METHOD \
                 \"/path\")]`, for example `#[twill_endpoint(POST \
                 \"/tasks/<taskIdOrSlug>/messages\")]`",
            ]
        );
        assert_eq!(
            messages(quote!(pots "/x")),
            [
                "unknown HTTP method `pots`: expected one of GET, POST, PUT, PATCH, DELETE; did you mean `POST`?"
            ]
        );
        assert_eq!(
            messages(quote!(GET "/x", idempotent = true, idempotent, idempotent)),
            [
                "`idempotent` takes no value: write `idempotent`",
                "`idempotent` is given twice"
            ]
        );
        assert_eq!(
            messages(quote!(POST "/x", destructive, interrupts, interrupts = 1, destrucitve)),
            [
                "`interrupts` takes no value: write `interrupts`",
                "unknown option `destrucitve`: the options are `body = {}` (send an empty JSON \
                 object as the body), `idempotent` (a POST or PATCH that is safe to retry), \
                 `destructive` (it cancels, archives or deletes) and `interrupts` (it stops work \
                 in progress); did you mean `destructive`?",
            ]
        );
        assert_eq!(messages(quote!()).len(), 1);
        assert_eq!(messages(quote!("/x")).len(), 1);
        assert_eq!(messages(quote!(GET)).len(), 1);
        assert_eq!(messages(quote!(GET "/x" idempotent)).len(), 1);
    }
}
