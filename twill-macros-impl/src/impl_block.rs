//! `#[twill_endpoint]` on an `impl` block of an endpoint trait, as
//! async-trait offers: each `async fn` becomes the signature its
//! declaration expanded to, so a test double is written the way every Rust
//! user writes one.
//!
//! A declared method returns `BoxFuture<'_, R>`: the future borrows only
//! `&self`, since the request is built before it returns. A fake's body runs
//! inside that future, so it can hold no other borrow: each `&T` argument
//! (and `Option<&T>`) is taken as `T::Owned` before the future starts and
//! lent back, as `&T`, inside it. The body sees the types it declared. An
//! argument that still borrows after that (`&[&str]`, `Label<'_>`) is
//! refused, with the way out. A method with type or const parameters was
//! declared `impl Future + Send`, which may borrow every argument: it is
//! only wrapped.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, FnArg, ImplItem, ImplItemFn, ItemImpl, Pat, ReturnType, Type};

use crate::errors::Errors;

/// Whether `item` is an `impl` block (after its attributes).
pub(crate) fn is_impl_block(item: &TokenStream) -> bool {
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            // `#` and its `[..]`.
            TokenTree::Punct(punct) if punct.as_char() == '#' => {
                tokens.next();
            }
            TokenTree::Ident(ident) if ident == "unsafe" => {}
            TokenTree::Ident(ident) => return ident == "impl",
            _ => return false,
        }
    }
    false
}

/// The block with each `async fn` rewritten, beside any errors.
pub(crate) fn rewrite(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if let Some(first) = args.clone().into_iter().next() {
        errors.push(Error::new(
            first.span(),
            "on an `impl` block, `#[twill_endpoint]` takes no arguments: it turns each \
             `async fn` into the signature the trait's declaration expanded to; the method \
             and path belong on the trait's declaration",
        ));
    }
    let mut block: ItemImpl = match syn::parse2(item.clone()) {
        Ok(block) => block,
        Err(error) => {
            let error = error.into_compile_error();
            return quote!(#item #error);
        }
    };
    if block.trait_.is_none() {
        errors.push(Error::new(
            block.impl_token.span,
            "`#[twill_endpoint]` on an `impl` block needs a trait impl (`impl Tasks for \
             Fake`): its `async fn`s take the signatures of the trait's declarations",
        ));
    }
    for item in &mut block.items {
        if let ImplItem::Fn(func) = item
            && func.sig.asyncness.is_some()
        {
            rewrite_fn(func, &mut errors);
        }
    }
    let errors = match errors.finish(Ok(())) {
        Ok(()) => TokenStream::new(),
        Err(error) => crate::errors::compile_errors(error),
    };
    quote!(#block #errors)
}

fn rewrite_fn(func: &mut ImplItemFn, errors: &mut Errors) {
    let sig = &mut func.sig;
    let async_span = sig.asyncness.take().map_or(Span::call_site(), |a| a.span);
    let output = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let generic =
        sig.generics.type_params().next().is_some() || sig.generics.const_params().next().is_some();
    let mut owning = TokenStream::new();
    let mut lending = TokenStream::new();
    let mut refused_here = false;
    for arg in &mut sig.inputs {
        let FnArg::Typed(arg) = arg else { continue };
        // The declaration's markers, so that it can be copied as it is.
        arg.attrs.retain(|attr| {
            !["query", "header", "body"]
                .iter()
                .any(|m| attr.path().is_ident(m))
        });
        if generic {
            continue;
        }
        let Pat::Ident(binding) = &*arg.pat else {
            if borrows(arg.ty.to_token_stream()) {
                errors.push(refused(&arg.ty, "a pattern"));
                refused_here = true;
            }
            continue;
        };
        let ident = &binding.ident;
        match Lent::of(&arg.ty) {
            Some(Lent::Reference(elem)) => {
                owning.extend(quote_spanned!(arg.ty.span()=>
                    let #ident = ::std::borrow::ToOwned::to_owned(#ident);
                ));
                lending.extend(quote_spanned!(arg.ty.span()=>
                    let #ident: &#elem = ::core::borrow::Borrow::borrow(&#ident);
                ));
            }
            Some(Lent::Option(elem)) => {
                owning.extend(quote_spanned!(arg.ty.span()=>
                    let #ident = ::core::option::Option::map(#ident, ::std::borrow::ToOwned::to_owned);
                ));
                lending.extend(quote_spanned!(arg.ty.span()=>
                    let #ident: ::core::option::Option<&#elem> =
                        ::core::option::Option::map(::core::option::Option::as_ref(&#ident), ::core::borrow::Borrow::borrow);
                ));
            }
            None if borrows(arg.ty.to_token_stream()) => {
                errors.push(refused(&arg.ty, "a type that borrows"));
                refused_here = true;
            }
            None => {}
        }
    }
    let body = &func.block;
    // `return`, as a statement, so that a body that never ends (a `panic!` stub)
    // is not told its output is unreachable: a tail expression cannot
    // carry the `allow`.
    let output_of_body = quote_spanned!(async_span=>
        let __twill_output: #output = #body;
        #[allow(unreachable_code)]
        return __twill_output;
    );
    if refused_here {
        // The declared signature with a body that borrows nothing, so that
        // the refusal is the only error.
        sig.output = syn::parse_quote_spanned!(async_span=> -> ::twill_api::BoxFuture<'_, #output>);
        func.attrs
            .push(syn::parse_quote!(#[allow(unused_variables)]));
        func.block = syn::parse_quote_spanned!(async_span=> {
            ::std::boxed::Box::pin(::core::future::pending())
        });
    } else if generic {
        sig.output = syn::parse_quote_spanned!(async_span=>
            -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
        );
        func.block = syn::parse_quote_spanned!(async_span=> {
            async move { #output_of_body }
        });
    } else {
        sig.output = syn::parse_quote_spanned!(async_span=> -> ::twill_api::BoxFuture<'_, #output>);
        func.block = syn::parse_quote_spanned!(async_span=> {
            #owning
            ::std::boxed::Box::pin(async move {
                #lending
                #output_of_body
            })
        });
    }
}

/// An argument the future takes owned and lends back.
enum Lent<'a> {
    /// `&T`, `T` free of borrows.
    Reference(&'a Type),
    /// `Option<&T>`.
    Option(&'a Type),
}

impl<'a> Lent<'a> {
    fn of(ty: &'a Type) -> Option<Lent<'a>> {
        match ty {
            Type::Reference(reference)
                if reference.mutability.is_none() && !borrows(reference.elem.to_token_stream()) =>
            {
                Some(Lent::Reference(&reference.elem))
            }
            Type::Path(path) if path.qself.is_none() => {
                let last = path.path.segments.last()?;
                if last.ident != "Option" {
                    return None;
                }
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                let [syn::GenericArgument::Type(inner)] = args.args.iter().collect::<Vec<_>>()[..]
                else {
                    return None;
                };
                match Lent::of(inner)? {
                    Lent::Reference(elem) => Some(Lent::Option(elem)),
                    Lent::Option(_) => None,
                }
            }
            Type::Paren(inner) => Lent::of(&inner.elem),
            _ => None,
        }
    }
}

/// Whether the type's tokens hold a reference, a lifetime or `impl`.
fn borrows(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Punct(punct) => matches!(punct.as_char(), '&' | '\''),
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => borrows(group.stream()),
        TokenTree::Literal(_) => false,
    })
}

fn refused(ty: &Type, what: &str) -> Error {
    Error::new_spanned(
        ty,
        format!(
            "a test double's `async fn` cannot take {what} here (`{}`): the future it becomes \
             may hold only `&self` and what it owns, and `&T` and `Option<&T>` are the borrows \
             it can take owned; write this method without `async`, returning \
             `twill_api::BoxFuture<'_, ..>`, and copy what the future needs before it starts",
            crate::text::scan(&ty.to_token_stream()).text
        ),
    )
}
