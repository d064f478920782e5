//! `#[endpoints]` on a trait: lists its `#[twill_endpoint]` methods as data.
//!
//! It runs before the method attributes (an outer attribute expands first),
//! reads each method's attribute with the same parser, and adds a
//! `const ENDPOINTS` to the trait. Mistakes in a method's attribute are left
//! for that attribute's own expansion to report, once.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Error, ItemTrait, Meta, TraitItem, parse_quote};

use crate::attr;
use crate::errors::Errors;

pub(crate) fn endpoints(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_trait: ItemTrait = match syn::parse2(item.clone()) {
        Ok(item_trait) => item_trait,
        Err(_) => {
            let error = Error::new(Span::call_site(), "`#[endpoints]` goes on a trait");
            let error = error.into_compile_error();
            return quote!(#item #error);
        }
    };
    let args_error = (!args.is_empty()).then(|| {
        Error::new_spanned(args, "`#[endpoints]` takes no arguments").into_compile_error()
    });

    let entries: Vec<TokenStream> = item_trait
        .items
        .iter()
        .filter_map(|item| match item {
            TraitItem::Fn(func) => Some(func),
            _ => None,
        })
        .filter_map(|func| {
            let attr = func.attrs.iter().find(|attr| {
                attr.path()
                    .segments
                    .last()
                    .is_some_and(|segment| segment.ident == "twill_endpoint")
            })?;
            let Meta::List(list) = &attr.meta else {
                return None;
            };
            let parsed = attr::parse(list.tokens.clone(), &mut Errors::default());
            let method = format_ident!("{}", parsed.method?.variant());
            let path = parsed.path?.lit.value();
            let name = func.sig.ident.unraw().to_string();
            Some(quote! {
                ::twill_api::Endpoint::new(#name, ::twill_api::HttpMethod::#method, #path)
            })
        })
        .collect();

    item_trait.items.push(parse_quote! {
        /// Every endpoint this trait declares, in declaration order: name,
        /// HTTP method and path template.
        const ENDPOINTS: &'static [::twill_api::Endpoint] = &[#(#entries),*];
    });
    quote!(#item_trait #args_error)
}
