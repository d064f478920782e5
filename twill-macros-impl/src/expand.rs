//! Turns a [`Model`] into code. Nothing here can fail: every check ran
//! before.

use std::fmt::Write as _;

use proc_macro2::{Delimiter, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use crate::code::Code;
use crate::method::{Attr, Method};
use crate::model::{Model, ParamRole, PathStep};
use crate::text::{self, TypeScan};

/// The method with its default body, which hands `endpoint` (an expression
/// of type `&'static twill_api::Endpoint`) to the client.
pub(crate) fn method(func: &Method, model: &Model, endpoint: TokenStream) -> TokenStream {
    let output = &model.output;
    let mut code = Code::default();
    code.tokens(with_doc_line(&func.attrs, &model.doc_line()))
        .text("fn ")
        .tokens(&func.ident);
    if !func.generics.params.is_empty() {
        code.tokens(&func.generics);
    }
    // Boxed, unless the method has type or const parameters (the box could
    // not outlive them): each `impl Future` in a trait is an associated type
    // that rustc rebuilds on every compile, a fifth of a 200-endpoint
    // crate's rebuild, where a box costs one allocation per call.
    let boxed = func.generics.type_params().next().is_none()
        && func.generics.const_params().next().is_none();
    code.group(Delimiter::Parenthesis, tokens(func.inputs_tokens()))
        .text(if boxed {
            "-> ::twill_api::BoxFuture<'_, "
        } else {
            "-> impl ::core::future::Future<Output = "
        })
        .tokens(output)
        .text(if boxed {
            "> where "
        } else {
            "> + ::core::marker::Send where "
        });
    for predicate in func
        .generics
        .where_clause
        .iter()
        .flat_map(|w| &w.predicates)
    {
        code.tokens(predicate).text(",");
    }
    code.text("Self: ::twill_api::AsClient");

    let mut arguments = Code::default();
    arguments
        .text("::twill_api::AsClient::as_client(self),")
        .tokens(endpoint);
    let mut body = Code::default();
    body.text("::twill_api::__private::Call::new")
        .group(Delimiter::Parenthesis, arguments);
    // Each call is spanned at its argument, so that a type that cannot be
    // sent (say, a body that is not `Serialize`) is reported there.
    for step in &model.path {
        match step {
            PathStep::Literal(text) => _ = write!(body, ".literal({text:?})"),
            PathStep::Segment {
                placeholder,
                param,
                tail,
            } => {
                let arg = &model.params[*param].ident;
                body.tokens(if *tail {
                    quote_spanned!(arg.span()=> .tail(#placeholder, &#arg))
                } else {
                    quote_spanned!(arg.span()=> .segment(#placeholder, &#arg))
                });
            }
        }
    }
    // The runtime sends queries, then headers, then the body, whatever the
    // order of the arguments.
    for role in [Role::Query, Role::Header, Role::Body] {
        for param in &model.params {
            let arg = &param.ident;
            match (&param.role, role) {
                (ParamRole::Query(name), Role::Query) => {
                    body.tokens(quote_spanned!(arg.span()=> .query(#name, &#arg)));
                }
                (ParamRole::Header(name), Role::Header) => {
                    body.tokens(quote_spanned!(arg.span()=> .header(#name, &#arg)));
                }
                (ParamRole::Body, Role::Body) => {
                    body.tokens(quote_spanned!(arg.span()=> .json(&#arg)));
                }
                _ => {}
            }
        }
    }
    if model.empty_object_body {
        body.text(".empty_object()");
    }
    body.tokens(if boxed {
        quote_spanned!(text::first_span(output)=> .send_boxed())
    } else {
        quote_spanned!(text::first_span(output)=> .send())
    });
    code.group(Delimiter::Brace, body);
    code.into_tokens()
}

/// The roles in the order the runtime sends them.
#[derive(Clone, Copy)]
enum Role {
    Query,
    Header,
    Body,
}

fn tokens(inner: impl ToTokens) -> Code {
    let mut code = Code::default();
    code.tokens(inner);
    code
}

/// The endpoint of a method in a trait without `#[endpoints]`, built in its
/// body: a constant item, or an inline `const` block when the success type
/// names the method's generics or `Self` (a constant item cannot see them).
/// The item is preferred because rustc reports a failed bound on the
/// method's error type a second time, at the attribute, when the body holds
/// an inline `const` block.
pub(crate) fn standalone_endpoint(model: &Model) -> TokenStream {
    let success = text::scan(&model.success);
    // An inline `const` block, never a constant item: a constant item
    // cannot name a generic parameter of its surroundings, and a method
    // alone cannot tell its trait's (`trait Api<T>`, `-> Result<Vec<T>, _>`)
    // from a type. Groups, not text: text cannot open a brace that tokens
    // close.
    let mut value = Code::default();
    value
        .text("&")
        .tokens(endpoint_value(model, Nesting::InlineConst, &success));
    let mut code = Code::default();
    code.text("const").group(Delimiter::Brace, value);
    let mut block = Code::default();
    block.group(Delimiter::Brace, code);
    block.into_tokens()
}

/// Where an `Endpoint` value is built.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nesting {
    /// The initializer of a constant item, where every borrow in it lives
    /// for `'static`.
    ConstItem,
    /// An inline `const` block, which extends only the borrow of its final
    /// value: the parameters (const fn calls, which are not promoted) need
    /// a `const` block of their own; the placeholders' integer literals are
    /// promoted as they are. Each `const` block is a body the compiler
    /// checks and evaluates on its own: one more per endpoint cost a
    /// 200-endpoint rebuild 4 % (BENCHMARKS.md).
    InlineConst,
}

/// The `twill_api::Endpoint` value of the model, a constant expression.
pub(crate) fn endpoint_value(model: &Model, nesting: Nesting, success: &TypeScan) -> TokenStream {
    let mut code = Code::default();
    _ = write!(
        code,
        "::twill_api::Endpoint::new({:?}, ::twill_api::endpoint::HttpMethod::{}, {:?})",
        model.name,
        model.method.variant(),
        model.template
    );
    // Where each placeholder is, as byte ranges: the pieces are sliced out
    // of the template at run time, so the value stays a few integers
    // (a `PathPiece` per piece made a 200-endpoint rebuild 4 % slower).
    let has_placeholders = model
        .path
        .iter()
        .any(|step| matches!(step, PathStep::Segment { .. }));
    if has_placeholders {
        // Integer literals, promoted to `'static` wherever they are.
        code.text(".with_placeholders(&[");
        let mut at = 0;
        for step in &model.path {
            match step {
                PathStep::Literal(text) => at += text.len(),
                PathStep::Segment {
                    placeholder, tail, ..
                } => {
                    // `<name>`, or `<name..>` for a tail.
                    let end = at + placeholder.len() + if *tail { 4 } else { 2 };
                    _ = write!(code, "({at}, {end}),");
                    at = end;
                }
            }
        }
        code.text("])");
    }
    for (declared, option) in [
        (model.declared_idempotent, ".idempotent()"),
        (model.declared_destructive, ".destructive()"),
        (model.declared_interrupts, ".interrupts()"),
    ] {
        if declared {
            code.text(option);
        }
    }
    if let Some(name) = &model.trait_name {
        _ = write!(code, ".in_trait({name:?})");
    }
    // Each call left out where `Endpoint::new`'s default is the value: a
    // call is a const evaluation of its own for the compiler.
    if !model.summary.is_empty() {
        _ = write!(code, ".with_summary({:?})", model.summary);
    }
    if !model.params.is_empty() {
        // Text, lexed with the rest: a spanned token per parameter costs a lex
        // and a group each.
        code.text(match nesting {
            Nesting::ConstItem => ".with_params(&[",
            Nesting::InlineConst => ".with_params(const { &[",
        });
        for param in &model.params {
            let name = param.ident.to_string();
            let name = name.trim_start_matches("r#");
            let scan = &param.scan;
            let ty = &scan.text;
            let (constructor, wire) = match &param.role {
                ParamRole::Path(wire) => ("path", wire),
                // The kind and whether it is a list, both read from the type.
                ParamRole::Query(wire) if param.kind_from_type => {
                    _ = write!(
                        code,
                        "::twill_api::__private::query_param::<{}>({name:?}, {wire:?}, {ty:?}, {}),",
                        scan.static_text(),
                        param.optional
                    );
                    continue;
                }
                ParamRole::Query(wire) => ("query", wire),
                ParamRole::Header(wire) => ("header", wire),
                ParamRole::Body => {
                    _ = write!(
                        code,
                        "::twill_api::endpoint::Param::body({name:?}, {ty:?}),"
                    );
                    continue;
                }
            };
            _ = write!(
                code,
                "::twill_api::endpoint::Param::{constructor}({name:?}, {wire:?}, {ty:?}, "
            );
            write_kind(&mut code, param, scan);
            if !matches!(param.role, ParamRole::Path(_)) {
                _ = write!(code, ", {}", param.optional);
            }
            code.text("),");
        }
        code.text(match nesting {
            Nesting::ConstItem => "])",
            Nesting::InlineConst => "] })",
        });
    }
    if model.empty_object_body {
        code.text(".with_empty_object_body()");
    }
    // Spanned at the user's success type, so that a type that cannot be
    // decoded is reported there.
    let success_tokens = success.static_tokens();
    code.tokens(quote_spanned!(text::first_span(&model.success)=>
        .with_success::<#success_tokens>
    ));
    let mut arguments = Code::default();
    _ = write!(arguments, "{:?}", success.text);
    code.group(Delimiter::Parenthesis, arguments);
    code.into_tokens()
}

/// A parameter's JSON kind, read from its type through the trait that also
/// sends it (`OptionalParamValue::KIND`), written as text with the rest of
/// the value. A probe that falls back instead of requiring the trait would
/// spare a type that cannot be sent its second error (this one, at the
/// attribute), but cost a 200-endpoint rebuild 4 % more (BENCHMARKS.md). A
/// type no constant can name (the method's generics, `impl Trait`) is sent
/// as text, so it is described as a string.
fn write_kind(code: &mut Code, param: &crate::model::Param, scan: &TypeScan) {
    if param.kind_from_type {
        _ = write!(
            code,
            "<{} as ::twill_api::OptionalParamValue>::KIND",
            scan.static_text()
        );
    } else {
        code.text("::twill_api::endpoint::ParamKind::String");
    }
}

/// The method as declared, with a body that only type-checks: implementors
/// of the trait and callers of the method then compile as they would with a
/// correct declaration, and the only errors are the declaration's own. The
/// body never runs, since the crate does not compile.
pub(crate) fn placeholder(func: &Method) -> TokenStream {
    let attrs = &func.attrs;
    let sig = func.signature_tokens();
    // A hand-written `-> impl Future<..>` takes a future, which `pending()`
    // is whatever its output: a panic would be `!`, no future at all.
    let returns_future = func
        .output
        .as_ref()
        .is_some_and(|(_, ty)| crate::signature::future_output(ty).is_some());
    let body = if returns_future {
        quote!(::core::future::pending())
    } else {
        quote!(::core::panic!(
            "this `#[twill_endpoint]` declaration has errors"
        ))
    };
    quote! {
        #(#attrs)*
        #[allow(unreachable_code, unused_variables)]
        #sig {
            #body
        }
    }
}

/// The attributes with `line` as a paragraph of its own after the doc
/// comment's first paragraph (its summary), or as the whole doc comment
/// when there is none.
fn with_doc_line(attrs: &[Attr], line: &str) -> TokenStream {
    let is_blank = |attr: &Attr| attr.doc_text().is_some_and(|text| text.trim().is_empty());
    let line = format!(" {line}");
    let mut out = TokenStream::new();
    let mut inserted = false;
    let mut in_summary = false;
    for attr in attrs {
        if !inserted && attr.is_doc() {
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
