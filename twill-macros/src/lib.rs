//! The `#[twill_endpoint]` attribute, re-exported by `twill-api` as
//! `twill_api::twill_endpoint`. Depend on `twill-api`, not on this crate: the
//! generated code names `::twill_api` paths only.
//!
//! The macro works in three steps, each in its own module:
//!
//! 1. `attr`, `template` and `signature` parse the attribute and the
//!    trait method into a small IR that keeps the original tokens for spans;
//! 2. `validate` cross-checks them (path placeholders against arguments,
//!    argument roles against the HTTP method), collecting every error;
//! 3. `expand` turns a valid IR into the method's default body and cannot fail.
//!
//! When any step reports an error, the method is still emitted (without the
//! macro's own argument markers) beside one `compile_error!` per problem, so a
//! typo in one declaration does not cascade into errors elsewhere.

mod attr;
mod errors;
mod expand;
mod list;
mod signature;
mod suggest;
mod template;
mod validate;

use proc_macro::TokenStream;

/// Turns a trait method declaration into a typed Twill API call.
///
/// See the `twill-api` crate documentation for the grammar, the argument
/// markers (`#[body]`, `#[query]`, `#[header("Name")]`) and the checks.
#[proc_macro_attribute]
pub fn twill_endpoint(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::endpoint(args.into(), item.into()).into()
}

/// Adds `const ENDPOINTS: &'static [twill_api::Endpoint]` to a trait: the
/// name, HTTP method and path template of each of its `#[twill_endpoint]`
/// methods, for docs, tracing and tests that list endpoints.
#[proc_macro_attribute]
pub fn endpoints(args: TokenStream, item: TokenStream) -> TokenStream {
    list::endpoints(args.into(), item.into()).into()
}
