//! Ties the steps together and writes the method's default body.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Error, TraitItemFn};

use crate::errors::Errors;
use crate::validate::{Body, Endpoint, PathStep};
use crate::{attr, signature, validate};

const NOT_A_TRAIT_METHOD: &str = "`#[twill_endpoint]` goes on a method declaration in a trait, \
                                  such as `async fn get_task(&self, task_id_or_slug: &str) -> \
                                  Result<GetTaskResponse, Error>;`";

pub(crate) fn endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func: TraitItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => return beside(item, Error::new(Span::call_site(), NOT_A_TRAIT_METHOD)),
    };
    if let Some(block) = &func.default {
        let error = Error::new(
            block.brace_token.span.open(),
            format!("{NOT_A_TRAIT_METHOD}, without a body: the macro writes the body"),
        );
        return beside(item, error);
    }

    let mut errors = Errors::default();
    // Each step runs whatever the others found, to report every problem at once.
    let attr = attr::parse(args, &mut errors);
    let method = signature::parse(&mut func, &mut errors);
    let endpoint = validate::check(&attr, &method, &mut errors);
    match (errors.into_result(), endpoint) {
        (Ok(()), Some(endpoint)) => generate(&func, &endpoint),
        (Err(error), _) => beside(placeholder(&func), error),
        // `check` returns `None` only after recording why; kept total anyway.
        (Ok(()), None) => beside(
            placeholder(&func),
            Error::new(Span::call_site(), NOT_A_TRAIT_METHOD),
        ),
    }
}

/// The method as declared, with a body that only type-checks: implementors
/// of the trait and callers of the method then compile as they would with a
/// correct declaration, and the only errors are the declaration's own. The
/// body never runs, since the crate does not compile.
fn placeholder(func: &TraitItemFn) -> TokenStream {
    let attrs = &func.attrs;
    let sig = &func.sig;
    quote! {
        #(#attrs)*
        #[allow(unreachable_code, unused_variables)]
        #sig {
            ::core::panic!("this `#[twill_endpoint]` declaration has errors")
        }
    }
}

/// The item as written (markers removed) with the errors next to it, so
/// that the rest of the trait still type-checks against its signature.
fn beside(item: TokenStream, error: Error) -> TokenStream {
    let error = error.into_compile_error();
    quote!(#item #error)
}

fn generate(func: &TraitItemFn, endpoint: &Endpoint) -> TokenStream {
    let attrs = &func.attrs;
    let sig = &func.sig;
    let ident = &sig.ident;
    let generics = &sig.generics;
    let predicates = generics.where_clause.iter().flat_map(|w| &w.predicates);
    let inputs = &sig.inputs;
    let output = &endpoint.output;

    let name = ident.unraw().to_string();
    let method = format_ident!("{}", endpoint.method.variant());
    let template = &endpoint.template;
    let idempotent = endpoint.idempotent.then(|| quote!(.idempotent()));

    // Each call is spanned at its argument, so that a type that cannot be
    // sent (say, a body that is not `Serialize`) is reported there.
    let path = endpoint.path.iter().map(|step| match step {
        PathStep::Literal(text) => quote!(.literal(#text)),
        PathStep::Segment(placeholder, arg) => {
            quote_spanned!(arg.span()=> .segment(#placeholder, &#arg))
        }
    });
    let queries = endpoint
        .queries
        .iter()
        .map(|(name, arg)| quote_spanned!(arg.span()=> .query(#name, &#arg)));
    let headers = endpoint
        .headers
        .iter()
        .map(|(name, arg)| quote_spanned!(arg.span()=> .header(#name, &#arg)));
    let body = endpoint.body.iter().map(|body| match body {
        Body::Argument(arg) => quote_spanned!(arg.span()=> .json(&#arg)),
        Body::EmptyObject => quote!(.empty_object()),
    });
    let send = quote_spanned!(output.span()=> .send());

    quote! {
        #(#attrs)*
        fn #ident #generics (#inputs)
            -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
        where
            #(#predicates,)*
            Self: ::twill_api::AsClient,
        {
            ::twill_api::__private::Call::new(
                ::twill_api::AsClient::as_client(self),
                const {
                    &::twill_api::Endpoint::new(#name, ::twill_api::HttpMethod::#method, #template)
                        #idempotent
                },
            )
            #(#path)*
            #(#queries)*
            #(#headers)*
            #(#body)*
            #send
        }
    }
}
