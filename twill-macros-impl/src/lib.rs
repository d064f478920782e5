//! The logic of `twill-api`'s `#[twill_endpoint]` and `#[endpoints]`
//! attributes, as a plain library: `twill-macros` is only the compiler's
//! entry point, so everything here is unit-tested without a compiler.
//!
//! One declaration, one model. A declaration goes through three steps, each
//! in its own module:
//!
//! 1. **Parse** (`attr`, `template`, `method`, `signature`): the attribute
//!    and the trait method are read into a small IR that keeps the original
//!    tokens for spans. Each part is read on its own (`syn::Result` per
//!    part), so that one mistake does not hide the others. The method is
//!    read from its tokens rather than by `syn` (see `method`).
//! 2. **Check** (`check`): the parts are cross-checked (placeholders
//!    against arguments, roles against the HTTP method), each rule a named
//!    function, every error collected; the result is the `model::Model`, or
//!    every mistake at once.
//! 3. **Expand** (`expand`): the model becomes the method's default body,
//!    its `twill_api::Endpoint` value and the `METHOD /path` line of its
//!    documentation. This step cannot fail. Its fixed parts are written as
//!    text for the compiler's lexer (`code`).
//!
//! `#[endpoints]` on a trait (`trait_walk`) runs the same steps on each of
//! its `#[twill_endpoint]` methods, and puts their `Endpoint` values in the
//! trait's `ENDPOINTS` constant, which the bodies index: the metadata and
//! what the call does come from one model, built once.
//!
//! On a mistake, the method is still emitted (without the macro's argument
//! markers) beside one `compile_error!` per problem, so that a typo in one
//! declaration does not cascade into errors in the code that uses it.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

// Only to hand text to the compiler's lexer directly (see `code`).
extern crate proc_macro;

mod attr;
mod check;
mod code;
mod errors;
mod expand;
mod impl_block;
mod method;
mod model;
mod signature;
mod suggest;
mod template;
mod text;
mod trait_walk;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Error;

use crate::method::Method;
use crate::model::Model;

/// `#[twill_endpoint(args)]` on `item`, a trait method declaration: the
/// method with its default body, or the method beside its errors. On an
/// `impl` block of the trait (a test double), each `async fn` rewritten to
/// the declared signature.
pub fn endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    if impl_block::is_impl_block(&item) {
        return impl_block::rewrite(args, item);
    }
    let mut func = match method::read(item.clone()) {
        Ok(func) => func,
        Err(error) => {
            let error = error.into_compile_error();
            return quote!(#item #error);
        }
    };
    match model_of(args, &mut func, None) {
        Ok(model) => {
            let endpoint = expand::standalone_endpoint(&model);
            expand::method(&func, &model, endpoint)
        }
        Err(error) => {
            let placeholder = expand::placeholder(&func);
            let errors = errors::compile_errors(error);
            quote!(#placeholder #errors)
        }
    }
}

/// `#[endpoints]` on `item`, a trait: each `#[twill_endpoint]` method
/// expanded, and `const ENDPOINTS` added.
pub fn endpoints(args: TokenStream, item: TokenStream) -> TokenStream {
    trait_walk::endpoints(args, item)
}

/// Parses and checks one declaration. Removes the macro's argument markers
/// from `func`, so that it can be emitted as is beside errors.
pub(crate) fn model_of(
    args: TokenStream,
    func: &mut Method,
    trait_name: Option<String>,
) -> syn::Result<Model> {
    if let Some(block) = &func.body {
        return Err(Error::new(
            block.span_open(),
            format!(
                "{}, without a body: the macro writes the body",
                method::NOT_A_TRAIT_METHOD
            ),
        ));
    }
    let attr = attr::parse(args);
    let sig = signature::parse(func);
    let context = check::Context {
        trait_name,
        ident: &func.ident,
        attrs: &func.attrs,
        generics: &func.generics,
    };
    check::model(attr, sig, &context)
}

#[cfg(test)]
mod tests;
