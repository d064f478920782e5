//! Collects every error found in one declaration, so that one compile shows
//! them all instead of one per round trip.

use proc_macro2::{Span, TokenStream};
use syn::Error;

/// Errors found so far; combined into one `syn::Error` (which holds many).
#[derive(Default)]
pub(crate) struct Errors(Option<Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn extend(&mut self, other: Errors) {
        if let Some(error) = other.0 {
            self.push(error);
        }
    }

    /// `value` when nothing was recorded; otherwise every recorded error,
    /// and `value`'s own error after them.
    pub(crate) fn finish<T>(self, value: syn::Result<T>) -> syn::Result<T> {
        match (self.0, value) {
            (None, value) => value,
            (Some(mut all), Err(error)) => {
                all.combine(error);
                Err(all)
            }
            (Some(all), Ok(_)) => Err(all),
        }
    }
}

/// Both values, or the errors of either or both.
pub(crate) fn both<A, B>(a: syn::Result<A>, b: syn::Result<B>) -> syn::Result<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => Err(error),
        (Err(mut a), Err(b)) => {
            a.combine(b);
            Err(a)
        }
    }
}

/// The text of an error that says nothing new: it stands for a part that
/// could not be read because of a mistake reported elsewhere.
pub(crate) const SILENT: &str = "\u{0}reported elsewhere";

/// An error for a part left unread by a mistake reported elsewhere; dropped
/// by [`compile_errors`].
pub(crate) fn silent() -> Error {
    Error::new(Span::call_site(), SILENT)
}

/// One `compile_error!` per error, the silent ones left out.
pub(crate) fn compile_errors(error: Error) -> TokenStream {
    error
        .into_iter()
        .filter(|error| error.to_string() != SILENT)
        .map(|error| error.into_compile_error())
        .collect()
}
