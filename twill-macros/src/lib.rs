//! The `#[twill_endpoint]` and `#[endpoints]` attributes, re-exported by
//! `twill-api`. Depend on `twill-api`, not on this crate: the generated code
//! names `::twill_api` paths only.
//!
//! This crate is the compiler's entry point and nothing else: parsing,
//! checking and expansion live in the plain library `twill-macros-impl`,
//! where they are unit-tested without a compiler.

#![warn(missing_docs)]

use proc_macro::TokenStream;

/// Turns a trait method declaration into a typed Twill API call.
///
/// See the `twill-api` crate documentation for the grammar, the argument
/// markers (`#[body]`, `#[query]`, `#[header("Name")]`) and the checks.
#[proc_macro_attribute]
pub fn twill_endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    twill_macros_impl::endpoint(args.into(), item.into()).into()
}

/// On a trait: expands each of its `#[twill_endpoint]` methods and adds
/// `const ENDPOINTS: &'static [twill_api::Endpoint]`, the metadata of each in
/// declaration order, the same values the methods hand to the client.
#[proc_macro_attribute]
pub fn endpoints(args: TokenStream, item: TokenStream) -> TokenStream {
    twill_macros_impl::endpoints(args.into(), item.into()).into()
}
