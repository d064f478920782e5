//! `#[endpoints]` on a trait: expands each `#[twill_endpoint]` method of
//! the trait itself, as async-trait walks a trait, so that each declaration
//! is parsed and checked once and its metadata is built in one place: the
//! trait's `ENDPOINTS` constant, which the method bodies index.

use std::fmt::Write as _;

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Error, Generics, Token};

use crate::attr::{self, HttpMethod};
use crate::code::Code;
use crate::errors::compile_errors;
use crate::expand;
use crate::method::{self, Attr, AttrArgs, AttrPath};

/// The paths `#[endpoints]` reads as `#[twill_endpoint]`: the name alone,
/// through `twill_api` (or `twill_macros`), or through `crate` inside
/// `twill-api` itself, each with or without a leading `::`.
const ACCEPTED_PATHS: &str = "`#[twill_endpoint(..)]` or `#[twill_api::twill_endpoint(..)]`";

pub(crate) fn endpoints(args: TokenStream, item: TokenStream) -> TokenStream {
    let Some((header, trait_ident, generics, body)) = read_trait(item.clone()) else {
        let error = Error::new(Span::call_site(), "`#[endpoints]` goes on a trait");
        let error = error.into_compile_error();
        return quote!(#item #error);
    };
    let mut errors = TokenStream::new();
    if !args.is_empty() {
        errors.extend(
            Error::new_spanned(args, "`#[endpoints]` takes no arguments").into_compile_error(),
        );
    }

    let trait_name = trait_ident.to_string();
    let (_, ty_generics, _) = generics.split_for_impl();
    let mut items = TokenStream::new();
    let mut entries = Code::default();
    let mut count = 0usize;
    let mut claimed_paths = Vec::new();
    let items_in_body = split_items(body.stream());
    // The trait's own constants, which the added ones must not clash with.
    let mut own_consts = Vec::new();
    for item in &items_in_body {
        let mut at = 0;
        method::attributes(item, &mut at);
        if let [TokenTree::Ident(keyword), TokenTree::Ident(name), ..] = &item[at..]
            && keyword == "const"
        {
            own_consts.push(name.clone());
        }
    }
    if let Some(name) = own_consts.iter().find(|name| *name == "ENDPOINTS") {
        errors.extend(
            Error::new(
                name.span(),
                "`#[endpoints]` adds `ENDPOINTS` to the trait; rename this one",
            )
            .into_compile_error(),
        );
    }
    let mut handles = Code::default();
    let mut handle_names: Vec<String> = Vec::new();
    for item in items_in_body {
        let mut at = 0;
        let attrs = method::attributes(&item, &mut at);
        // A macro's items are written after this attribute runs: endpoints
        // in them would work but be missing from `ENDPOINTS` without a word.
        if let [TokenTree::Ident(name), TokenTree::Punct(bang), ..] = &item[at..]
            && bang.as_char() == '!'
        {
            errors.extend(
                Error::new(
                    name.span(),
                    format!(
                        "`#[endpoints]` cannot see the methods that `{name}!` writes, so they \
                         would be missing from `ENDPOINTS`; write the endpoint methods out in \
                         the trait, or move the macro into a trait without `#[endpoints]`"
                    ),
                )
                .into_compile_error(),
            );
            items.extend(item);
            continue;
        }
        let (position, args) = match claim(&attrs) {
            Claim::NotAnEndpoint => {
                items.extend(item);
                continue;
            }
            Claim::Refused(error) => {
                errors.extend(error.into_compile_error());
                items.extend(item);
                continue;
            }
            Claim::Endpoint(position, path, args) => {
                claimed_paths.push(path);
                (position, args)
            }
        };
        // The claimed attribute is taken out, as the compiler would have:
        // each attribute is two tokens, `#` and its brackets.
        let mut item = item;
        item.drain(2 * position..2 * position + 2);
        let mut func = match method::read(item.iter().cloned().collect()) {
            Ok(func) => func,
            Err(error) => {
                errors.extend(error.into_compile_error());
                items.extend(item);
                continue;
            }
        };
        let handle = handle_name(&func.ident.unraw().to_string());
        let clash = own_consts.iter().find(|name| **name == handle);
        let clashes = clash.is_some() || handle_names.contains(&handle);
        if let Some(clash) = clash {
            errors.extend(
                Error::new(
                    clash.span(),
                    format!(
                        "`#[endpoints]` adds `{handle}`, the metadata of `{}`, to the trait; \
                         rename this one",
                        func.ident.unraw()
                    ),
                )
                .into_compile_error(),
            );
        } else if handle_names.contains(&handle) {
            errors.extend(
                Error::new(
                    func.ident.span(),
                    format!(
                        "another method of this trait has the metadata constant `{handle}`; \
                         rename one of them"
                    ),
                )
                .into_compile_error(),
            );
        }
        // The method names its entry through its constant; without one (a
        // clash, reported above), through `ENDPOINTS`, so that the clash is
        // the only error.
        let endpoint: TokenStream = if clashes {
            format!(
                "const {{ &<Self as {trait_name}{}>::ENDPOINTS[{count}] }}",
                quote!(#ty_generics)
            )
        } else {
            format!("<Self as {trait_name}{}>::{handle}", quote!(#ty_generics))
        }
        .parse()
        .unwrap_or_default();
        // A configured-out method takes its entry and its constant with it.
        let cfgs: Vec<Attr> = func
            .attrs
            .iter()
            .filter(|attr| attr.is_cfg())
            .cloned()
            .collect();
        let expanded = crate::model_of(args, &mut func, Some(trait_name.clone())).map(|model| {
            let success = crate::text::scan(&model.success);
            let value = expand::endpoint_value(&model, expand::Nesting::ConstItem, &success);
            for cfg in &cfgs {
                entries.tokens(cfg);
            }
            count += 1;
            if clashes {
                entries.tokens(value).text(",");
                return expand::method(&func, &model, endpoint);
            }
            // The value lives in the method's constant; `ENDPOINTS` copies
            // it, so that an entry can be configured out with its method
            // (an index into the list could not).
            _ = write!(
                entries,
                "*<Self as {trait_name}{generics}>::{handle},",
                generics = quote!(#ty_generics),
            );
            for cfg in &cfgs {
                handles.tokens(cfg);
            }
            _ = write!(
                handles,
                "#[doc = \" The metadata of `{name}`: the value it hands to the client, its \
                 entry in `ENDPOINTS`.\"] const {handle}: &'static ::twill_api::Endpoint = &",
                name = model.name,
            );
            handles.tokens(value).text(";");
            handle_names.push(handle.clone());
            expand::method(&func, &model, endpoint)
        });
        items.extend(match expanded {
            Ok(method) => method,
            Err(error) => {
                // A stand-in constant too, so that code naming it
                // (`<Client as Tasks>::GET_TASK`) does not fail in turn.
                if !clashes {
                    for cfg in &cfgs {
                        handles.tokens(cfg);
                    }
                    _ = write!(
                        handles,
                        "const {handle}: &'static ::twill_api::Endpoint = \
                         &::twill_api::Endpoint::new({:?}, \
                         ::twill_api::endpoint::HttpMethod::Get, \"\");",
                        func.ident.unraw().to_string(),
                    );
                    handle_names.push(handle.clone());
                }
                let placeholder = expand::placeholder(&func);
                let error = compile_errors(error);
                quote!(#placeholder #error)
            }
        });
    }

    let mut list = Code::default();
    list.text(
        "#[doc = \" Every endpoint this trait declares, in declaration order: the\"] \
         #[doc = \" values its methods hand to the client.\"] \
         const ENDPOINTS: &'static [::twill_api::Endpoint] = &",
    )
    .group(Delimiter::Bracket, entries)
    .text(";");
    items.extend(list.into_tokens());
    items.extend(handles.into_tokens());
    let mut braces = Group::new(Delimiter::Brace, items);
    braces.set_span(body.span());
    // The attributes were expanded here, not resolved: name their paths
    // once, so that an import of `twill_endpoint` counts as used (and one
    // that names something else is an error at the attribute).
    // Each at its attribute's span: an import that is missing is an error
    // at the attribute that needs it, not at `#[endpoints]`.
    let paths = claimed_paths.iter().map(|path| {
        let span = path
            .clone()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |token| token.span());
        quote::quote_spanned!(span=> #[allow(unused_imports)] use #path as _;)
    });
    let uses = (!claimed_paths.is_empty()).then(|| quote!(const _: () = { #(#paths)* };));
    quote!(#header #braces #uses #errors)
}

/// The name of a method's metadata constant: `send_message` becomes
/// `SEND_MESSAGE` (and `sendMessage` too).
fn handle_name(method: &str) -> String {
    let mut name = String::with_capacity(method.len() + 4);
    let mut after_lower = false;
    for ch in method.chars() {
        if ch.is_uppercase() && after_lower {
            name.push('_');
        }
        after_lower = ch.is_lowercase() || ch.is_ascii_digit();
        name.extend(ch.to_uppercase());
    }
    name
}

/// A trait in parts: what comes before its body (attributes, visibility,
/// name, generics, supertraits, `where` clause) as written, its name, its
/// generics, and its body. Read by `syn` only up to the generics: the items
/// are split by their tokens, since only the endpoint methods need reading,
/// and those are read by `method`.
fn read_trait(item: TokenStream) -> Option<(TokenStream, Ident, Generics, Group)> {
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let body = match tokens.pop()? {
        TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => group,
        _ => return None,
    };
    let header: TokenStream = tokens.into_iter().collect();
    let parser = |input: ParseStream| -> syn::Result<(Ident, Generics)> {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        input.parse::<Option<Token![unsafe]>>()?;
        input.parse::<Option<Token![auto]>>()?;
        input.parse::<Token![trait]>()?;
        let ident: Ident = input.parse()?;
        let generics: Generics = input.parse()?;
        // Supertraits and a `where` clause are emitted as written.
        input.parse::<TokenStream>()?;
        Ok((ident, generics))
    };
    let (ident, generics) = parser.parse2(header.clone()).ok()?;
    Some((header, ident, generics, body))
}

/// The items of a trait's body, each with its attributes: a method ends at
/// its `;` or its body, anything else at its `;` outside angle brackets (a
/// constant's value may hold braces) or at the braces of a macro call.
fn split_items(body: TokenStream) -> Vec<Vec<TokenTree>> {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut items = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        let start = at;
        // An inner attribute, `#![..]`, is an item of its own here.
        if let [
            TokenTree::Punct(pound),
            TokenTree::Punct(bang),
            TokenTree::Group(group),
            ..,
        ] = &tokens[at..]
            && pound.as_char() == '#'
            && bang.as_char() == '!'
            && group.delimiter() == Delimiter::Bracket
        {
            at += 3;
            items.push(tokens[start..at].to_vec());
            continue;
        }
        method::attributes(&tokens, &mut at);
        let is_method = tokens[at..]
            .iter()
            .find(|token| {
                !matches!(token, TokenTree::Literal(_))
                    && !matches!(token, TokenTree::Ident(ident)
                        if method::QUALIFIERS.iter().any(|q| ident == q))
            })
            .is_some_and(|token| matches!(token, TokenTree::Ident(ident) if ident == "fn"));
        let mut depth = 0usize;
        while let Some(token) = tokens.get(at) {
            at += 1;
            match token {
                TokenTree::Punct(punct) if punct.as_char() == '<' => depth += 1,
                _ if method::is_closing_angle(&tokens, at - 1, token) => {
                    depth = depth.saturating_sub(1);
                }
                TokenTree::Punct(punct) if depth == 0 && punct.as_char() == ';' => break,
                TokenTree::Group(group) if depth == 0 && group.delimiter() == Delimiter::Brace => {
                    let after_bang =
                        matches!(&tokens[at - 2], TokenTree::Punct(bang) if bang.as_char() == '!');
                    if is_method || after_bang {
                        break;
                    }
                }
                _ => {}
            }
        }
        items.push(tokens[start..at].to_vec());
    }
    items
}

enum Claim {
    /// No attribute of ours: an ordinary item.
    NotAnEndpoint,
    /// `#[twill_endpoint(..)]`: its position among the attributes, its path
    /// and its arguments.
    Endpoint(usize, TokenStream, TokenStream),
    /// An attribute that looks like ours but cannot be read as ours.
    Refused(Error),
}

/// Finds the method's `#[twill_endpoint]` attribute, or refuses one that
/// `#[endpoints]` cannot be sure of: skipping it would leave the endpoint
/// out of `ENDPOINTS` without a word.
fn claim(attrs: &[Attr]) -> Claim {
    let paths: Vec<Option<AttrPath>> = attrs.iter().map(Attr::path).collect();
    let ours: Vec<usize> = (0..attrs.len())
        .filter(|&index| paths[index].as_ref().is_some_and(is_twill_endpoint))
        .collect();
    match ours.as_slice() {
        [] => {
            let lookalike = paths
                .iter()
                .flatten()
                .find(|path| looks_like_twill_endpoint(path));
            match lookalike {
                Some(path) => Claim::Refused(Error::new_spanned(
                    &path.tokens,
                    format!(
                        "`#[endpoints]` cannot tell whether `#[{}(..)]` is `#[twill_endpoint]`: \
                         it reads its methods' attributes by name, and a `use .. as` rename or \
                         another path hides it; write {ACCEPTED_PATHS} so that the endpoint is \
                         in `ENDPOINTS`",
                        path.text()
                    ),
                )),
                None => Claim::NotAnEndpoint,
            }
        }
        [index] => {
            let Some(path) = paths[*index].clone() else {
                return Claim::NotAnEndpoint;
            };
            match path.args {
                AttrArgs::List(list) if !list.stream().is_empty() => {
                    Claim::Endpoint(*index, path.tokens, list.stream())
                }
                _ => Claim::Refused(Error::new_spanned(attrs[*index].meta(), attr::GRAMMAR)),
            }
        }
        [_, second, ..] => Claim::Refused(Error::new_spanned(
            &attrs[*second],
            "a method has one `#[twill_endpoint]` attribute",
        )),
    }
}

fn is_twill_endpoint(path: &AttrPath) -> bool {
    match path.segments.as_slice() {
        [name] => !path.global && name == "twill_endpoint",
        [krate, name] => {
            name == "twill_endpoint"
                && (krate == "twill_api"
                    || krate == "twill_macros"
                    || (krate == "crate" && !path.global))
        }
        _ => false,
    }
}

/// An attribute by another path ending in `twill_endpoint`, or one whose
/// arguments start like ours (`GET "/path"`).
fn looks_like_twill_endpoint(path: &AttrPath) -> bool {
    if path
        .segments
        .last()
        .is_some_and(|segment| segment == "twill_endpoint")
    {
        return true;
    }
    let AttrArgs::List(list) = &path.args else {
        return false;
    };
    let mut tokens = list.stream().into_iter();
    let method = match tokens.next() {
        Some(TokenTree::Ident(ident)) => ident.to_string(),
        _ => return false,
    };
    let path_follows = matches!(
        tokens.next(),
        Some(TokenTree::Literal(literal)) if literal.to_string().starts_with('"')
    );
    path_follows && HttpMethod::ALL.iter().any(|known| known.as_str() == method)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn items(body: TokenStream) -> Vec<String> {
        split_items(body)
            .into_iter()
            .map(|item| item.into_iter().collect::<TokenStream>().to_string())
            .collect()
    }

    #[test]
    fn a_trait_body_splits_into_its_items() {
        let split = items(quote! {
            #![allow(unused)]
            /// A constant whose value holds braces.
            const LIMIT: Limits = Limits { max: 1 };
            type Item: Into<Vec<u8>>;
            declare! { x }
            declare!(y);
            #[twill_endpoint(GET "/a")]
            async fn a(&self) -> Result<Vec<Box<dyn Fn() -> u8>>, Error>;
            fn helper(&self) -> u8 { 1 }
            const fn limit() -> u8 { 2 }
        });
        assert_eq!(split.len(), 8, "{split:#?}");
        assert!(split[0].starts_with("# ! [allow"));
        assert!(split[1].ends_with("Limits { max : 1 } ;"));
        assert!(split[3].starts_with("declare ! {"));
        assert!(split[5].starts_with("# [twill_endpoint"));
        assert!(split[6].ends_with("{ 1 }"));
        assert!(split[7].starts_with("const fn limit"));
    }

    /// A claimed method the reader refuses stays in the trait, without the
    /// attribute, beside the error: leaving it out would cascade.
    #[test]
    fn a_refused_method_stays_without_its_attribute() {
        let out = endpoints(
            TokenStream::new(),
            quote! {
                trait Api {
                    #[twill_endpoint(GET "/a")]
                    pub async fn a(&self) -> Result<(), Error>;
                }
            },
        )
        .to_string();
        assert!(out.contains("pub async fn a"), "{out}");
        assert!(!out.contains("twill_endpoint (GET"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn reads_the_trait_header() {
        let (_, ident, generics, _) = read_trait(quote! {
            /// Docs.
            pub unsafe trait Labels<T: Send>: Send + Sync where T: Clone { }
        })
        .expect("a trait");
        assert_eq!(ident, "Labels");
        assert_eq!(generics.params.len(), 1);
        assert!(
            read_trait(quote!(
                fn labels() {}
            ))
            .is_none()
        );
        assert!(
            read_trait(quote!(
                struct Labels {
                    x: u8,
                }
            ))
            .is_none()
        );
    }
}
