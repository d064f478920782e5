//! Turns a [`Model`] into code. Nothing here can fail: every check ran
//! before.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Generics, Meta, TraitItemFn};

use crate::model::{Model, ParamRole, PathStep};
use crate::text::{self, TypeScan};

/// The method with its default body, which hands `endpoint` (an expression
/// of type `&'static twill_api::Endpoint`) to the client.
pub(crate) fn method(func: &TraitItemFn, model: &Model, endpoint: TokenStream) -> TokenStream {
    let attrs = with_doc_line(&func.attrs, &model.doc_line());
    let sig = &func.sig;
    let ident = &sig.ident;
    let generics = &sig.generics;
    let predicates = generics.where_clause.iter().flat_map(|w| &w.predicates);
    let inputs = &sig.inputs;
    let output = &model.output;

    // Each call is spanned at its argument, so that a type that cannot be
    // sent (say, a body that is not `Serialize`) is reported there.
    let path = model.path.iter().map(|step| match step {
        PathStep::Literal(text) => quote!(.literal(#text)),
        PathStep::Segment { placeholder, param } => {
            let arg = &model.params[*param].ident;
            quote_spanned!(arg.span()=> .segment(#placeholder, &#arg))
        }
    });
    // The runtime sends queries, then headers, then the body, whatever the
    // order of the arguments.
    let (mut queries, mut headers, mut body) = (Vec::new(), Vec::new(), Vec::new());
    for param in &model.params {
        let arg = &param.ident;
        match &param.role {
            ParamRole::Path(_) => {}
            ParamRole::Query(name) => {
                queries.push(quote_spanned!(arg.span()=> .query(#name, &#arg)));
            }
            ParamRole::Header(name) => {
                headers.push(quote_spanned!(arg.span()=> .header(#name, &#arg)));
            }
            ParamRole::Body => body.push(quote_spanned!(arg.span()=> .json(&#arg))),
        }
    }
    let empty_object = model.empty_object_body.then(|| quote!(.empty_object()));
    let send = quote_spanned!(output.span()=> .send());

    quote! {
        #attrs
        fn #ident #generics (#inputs)
            -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
        where
            #(#predicates,)*
            Self: ::twill_api::AsClient,
        {
            ::twill_api::__private::Call::new(::twill_api::AsClient::as_client(self), #endpoint)
            #(#path)*
            #(#queries)*
            #(#headers)*
            #(#body)*
            #empty_object
            #send
        }
    }
}

/// The endpoint of a method in a trait without `#[endpoints]`, built in its
/// body: a constant item, or an inline `const` block when the success type
/// names the method's generics or `Self` (a constant item cannot see them).
/// The item is preferred because rustc reports a failed bound on the
/// method's error type a second time, at the attribute, when the body holds
/// an inline `const` block.
pub(crate) fn standalone_endpoint(model: &Model, generics: &Generics) -> TokenStream {
    let success = text::scan(&model.success);
    let generic_names: Vec<String> = generics
        .type_params()
        .map(|param| param.ident.to_string())
        .chain(generics.const_params().map(|param| param.ident.to_string()))
        .chain(["Self".to_owned()])
        .collect();
    if success.first_of(&generic_names).is_some() {
        let value = endpoint_value(model, Nesting::InlineConst, &success);
        quote!(const { &#value })
    } else {
        let value = endpoint_value(model, Nesting::ConstItem, &success);
        quote!({
            const ENDPOINT: ::twill_api::Endpoint = #value;
            &ENDPOINT
        })
    }
}

/// Where an `Endpoint` value is built.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nesting {
    /// The initializer of a constant item, where every borrow in it lives
    /// for `'static`.
    ConstItem,
    /// An inline `const` block, which extends only the borrow of its final
    /// value: the parameters need a `const` block of their own.
    InlineConst,
}

/// The `twill_api::Endpoint` value of the model, a constant expression.
pub(crate) fn endpoint_value(model: &Model, nesting: Nesting, success: &TypeScan) -> TokenStream {
    let name = &model.name;
    let method = Ident::new(model.method.variant(), Span::call_site());
    let template = &model.template;
    let summary = &model.summary;
    let params = model.params.iter().map(|param| {
        let name = param.ident.to_string();
        let name = name.trim_start_matches("r#");
        let ty = text::type_text(&param.ty);
        let optional = param.optional;
        match &param.role {
            ParamRole::Path(wire) => quote!(::twill_api::Param::path(#name, #wire, #ty)),
            ParamRole::Query(wire) => {
                quote!(::twill_api::Param::query(#name, #wire, #ty, #optional))
            }
            ParamRole::Header(wire) => {
                quote!(::twill_api::Param::header(#name, #wire, #ty, #optional))
            }
            ParamRole::Body => quote!(::twill_api::Param::body(#name, #ty)),
        }
    });
    let params = quote!(&[#(#params),*]);
    // Only where needed: each `const` block is one more body to evaluate,
    // and a crate of 200 endpoints rebuilds measurably slower with them.
    let params = match nesting {
        Nesting::ConstItem => params,
        Nesting::InlineConst => quote!(const { #params }),
    };
    let success_text = &success.text;
    // Spanned at the user's success type, so that a type that cannot be
    // decoded is reported there.
    let success = success.static_tokens();
    let streaming = quote_spanned!(model.success.span()=>
        <#success as ::twill_api::FromResponse>::STREAMING
    );
    let idempotent = model.declared_idempotent.then(|| quote!(.idempotent()));
    let in_trait = model
        .trait_name
        .as_ref()
        .map(|name| quote!(.in_trait(#name)));
    let empty_object = model
        .empty_object_body
        .then(|| quote!(.with_empty_object_body()));
    quote! {
        ::twill_api::Endpoint::new(#name, ::twill_api::HttpMethod::#method, #template)
            #idempotent
            #in_trait
            .with_summary(#summary)
            .with_params(#params)
            #empty_object
            .with_success_type(#success_text, #streaming)
    }
}

/// The method as declared, with a body that only type-checks: implementors
/// of the trait and callers of the method then compile as they would with a
/// correct declaration, and the only errors are the declaration's own. The
/// body never runs, since the crate does not compile.
pub(crate) fn placeholder(func: &TraitItemFn) -> TokenStream {
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

/// The attributes with `line` as a paragraph of its own after the doc
/// comment's first paragraph (its summary), or as the whole doc comment
/// when there is none. Written as tokens, not parsed: parsing costs each
/// method more than the rest of its doc handling.
fn with_doc_line(attrs: &[Attribute], line: &str) -> TokenStream {
    let is_doc =
        |attr: &Attribute| matches!(&attr.meta, Meta::NameValue(doc) if doc.path.is_ident("doc"));
    let is_blank = |attr: &Attribute| match &attr.meta {
        Meta::NameValue(doc) => match &doc.value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => text.value().trim().is_empty(),
            _ => false,
        },
        _ => false,
    };
    let line = format!(" {line}");
    let mut out = TokenStream::new();
    let mut inserted = false;
    let mut in_summary = false;
    for attr in attrs {
        if !inserted && is_doc(attr) {
            if is_blank(attr) && in_summary {
                out.extend(quote!(#[doc = ""] #[doc = #line]));
                inserted = true;
            } else if !is_blank(attr) {
                in_summary = true;
            }
        }
        attr.to_tokens(&mut out);
    }
    if !inserted {
        if in_summary {
            out.extend(quote!(#[doc = ""]));
        }
        out.extend(quote!(#[doc = #line]));
    }
    out
}
