//! `#[endpoints]` on a trait: expands each `#[twill_endpoint]` method of
//! the trait itself, as async-trait walks a trait, so that each declaration
//! is parsed and checked once and its metadata is built in one place: the
//! trait's `ENDPOINTS` constant, which the method bodies index.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Attribute, Error, ItemTrait, Meta, TraitItem, parse_quote};

use crate::attr::{self, HttpMethod};
use crate::errors::compile_errors;
use crate::expand;

/// The paths `#[endpoints]` reads as `#[twill_endpoint]`: the name alone,
/// through `twill_api` (or `twill_macros`), or through `crate` inside
/// `twill-api` itself, each with or without a leading `::`.
const ACCEPTED_PATHS: &str = "`#[twill_endpoint(..)]` or `#[twill_api::twill_endpoint(..)]`";

pub(crate) fn endpoints(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_trait: ItemTrait = match syn::parse2(item.clone()) {
        Ok(item_trait) => item_trait,
        Err(_) => {
            let error = Error::new(Span::call_site(), "`#[endpoints]` goes on a trait");
            let error = error.into_compile_error();
            return quote!(#item #error);
        }
    };
    let mut errors = TokenStream::new();
    if !args.is_empty() {
        errors.extend(
            Error::new_spanned(args, "`#[endpoints]` takes no arguments").into_compile_error(),
        );
    }
    if let Some(existing) = item_trait.items.iter().find_map(|item| match item {
        TraitItem::Const(constant) if constant.ident == "ENDPOINTS" => Some(&constant.ident),
        _ => None,
    }) {
        errors.extend(
            Error::new(
                existing.span(),
                "`#[endpoints]` adds `ENDPOINTS` to the trait; rename this one",
            )
            .into_compile_error(),
        );
    }

    let trait_ident = item_trait.ident.clone();
    let trait_name = trait_ident.to_string();
    let (_, ty_generics, _) = item_trait.generics.split_for_impl();
    let mut entries = Vec::new();
    let mut claimed_paths = Vec::new();
    for item in &mut item_trait.items {
        let TraitItem::Fn(func) = item else { continue };
        let args = match claim(&mut func.attrs) {
            Claim::NotAnEndpoint => continue,
            Claim::Refused(error) => {
                errors.extend(error.into_compile_error());
                continue;
            }
            Claim::Endpoint(path, args) => {
                claimed_paths.push(path);
                args
            }
        };
        let index = proc_macro2::Literal::usize_unsuffixed(entries.len());
        let endpoint = quote! {
            const { &<Self as #trait_ident #ty_generics>::ENDPOINTS[#index] }
        };
        let mut func = match crate::method::read(func.to_token_stream()) {
            Ok(func) => func,
            Err(error) => {
                errors.extend(error.into_compile_error());
                continue;
            }
        };
        let func = &mut func;
        let expanded = crate::model_of(args, func, Some(trait_name.clone())).map(|model| {
            let success = crate::text::scan(&model.success);
            entries.push(expand::endpoint_value(
                &model,
                expand::Nesting::ConstItem,
                &success,
            ));
            expand::method(func, &model, endpoint)
        });
        *item = TraitItem::Verbatim(match expanded {
            Ok(method) => method,
            Err(error) => {
                let placeholder = expand::placeholder(func);
                let error = compile_errors(error);
                quote!(#placeholder #error)
            }
        });
    }

    item_trait.items.push(parse_quote! {
        /// Every endpoint this trait declares, in declaration order: the
        /// values its methods hand to the client.
        const ENDPOINTS: &'static [::twill_api::Endpoint] = &[#(#entries),*];
    });
    // The attributes were expanded here, not resolved: name their paths
    // once, so that an import of `twill_endpoint` counts as used (and one
    // that names something else is an error at the attribute).
    let paths = claimed_paths.iter().map(|path| quote!(use #path as _;));
    let uses = (!claimed_paths.is_empty()).then(|| quote!(const _: () = { #(#paths)* };));
    quote!(#item_trait #uses #errors)
}

enum Claim {
    /// No attribute of ours: an ordinary method.
    NotAnEndpoint,
    /// `#[twill_endpoint(..)]`, removed from the attributes: its path and
    /// its arguments.
    Endpoint(syn::Path, TokenStream),
    /// An attribute that looks like ours but cannot be read as ours.
    Refused(Error),
}

/// Finds the method's `#[twill_endpoint]` attribute and takes it out, or
/// refuses one that `#[endpoints]` cannot be sure of: skipping it would
/// leave the endpoint out of `ENDPOINTS` without a word.
fn claim(attrs: &mut Vec<Attribute>) -> Claim {
    let ours: Vec<usize> = (0..attrs.len())
        .filter(|&index| is_twill_endpoint(&attrs[index]))
        .collect();
    match ours.as_slice() {
        [] => match attrs.iter().find(|attr| looks_like_twill_endpoint(attr)) {
            Some(attr) => Claim::Refused(Error::new_spanned(
                attr.path(),
                format!(
                    "`#[endpoints]` cannot tell whether `#[{}(..)]` is `#[twill_endpoint]`: it \
                     reads its methods' attributes by name, and a `use .. as` rename or another \
                     path hides it; write {ACCEPTED_PATHS} so that the endpoint is in \
                     `ENDPOINTS`",
                    path_text(attr.path())
                ),
            )),
            None => Claim::NotAnEndpoint,
        },
        [index] => {
            let attr = attrs.remove(*index);
            match attr.meta {
                Meta::List(list) if !list.tokens.is_empty() => {
                    Claim::Endpoint(list.path, list.tokens)
                }
                other => Claim::Refused(Error::new_spanned(other, attr::GRAMMAR)),
            }
        }
        [_, second, ..] => Claim::Refused(Error::new_spanned(
            &attrs[*second],
            "a method has one `#[twill_endpoint]` attribute",
        )),
    }
}

fn is_twill_endpoint(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let global = attr.path().leading_colon.is_some();
    match segments.as_slice() {
        [name] => !global && name == "twill_endpoint",
        [krate, name] => {
            name == "twill_endpoint"
                && (krate == "twill_api"
                    || krate == "twill_macros"
                    || (krate == "crate" && !global))
        }
        _ => false,
    }
}

/// An attribute by another path ending in `twill_endpoint`, or one whose
/// arguments start like ours (`GET "/path"`).
fn looks_like_twill_endpoint(attr: &Attribute) -> bool {
    if attr
        .path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "twill_endpoint")
    {
        return true;
    }
    let Meta::List(list) = &attr.meta else {
        return false;
    };
    let mut tokens = list.tokens.clone().into_iter();
    let method = match tokens.next() {
        Some(proc_macro2::TokenTree::Ident(ident)) => ident.to_string(),
        _ => return false,
    };
    let path_follows = matches!(
        tokens.next(),
        Some(proc_macro2::TokenTree::Literal(literal)) if literal.to_string().starts_with('"')
    );
    path_follows && HttpMethod::ALL.iter().any(|known| known.as_str() == method)
}

fn path_text(path: &syn::Path) -> String {
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let prefix = if path.leading_colon.is_some() {
        "::"
    } else {
        ""
    };
    format!("{prefix}{}", segments.join("::"))
}
