//! Cross-checks the attribute against the method and builds the
//! [`Model`]. Each rule is a function named after what it guarantees, and
//! says why the rule exists; every rule runs on whatever could be read, so
//! that one compile reports every mistake.

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::{Error, Generics};

use crate::attr::{EndpointAttr, HttpMethod, Options};
use crate::errors::{Errors, both, silent};
use crate::method::Attr;
use crate::model::{Model, Param, ParamRole, PathStep};
use crate::signature::{Arg, Marker, Role, Signature};
use crate::suggest;
use crate::template::{PathTemplate, Piece, camel_case};
use crate::text;

/// Where the declaration is being expanded.
pub(crate) struct Context<'a> {
    /// The trait's name, when `#[endpoints]` on the trait expands it.
    pub(crate) trait_name: Option<String>,
    /// The method's name, attributes and generics.
    pub(crate) ident: &'a syn::Ident,
    pub(crate) attrs: &'a [Attr],
    pub(crate) generics: &'a Generics,
}

/// The model of a declaration, or every mistake in it.
pub(crate) fn model(attr: EndpointAttr, sig: Signature, context: &Context) -> syn::Result<Model> {
    let mut errors = Errors::default();
    errors.extend(attr.problems);
    errors.extend(sig.problems);

    let template = attr.path.as_ref().ok();
    let method = attr.method.as_ref().ok().copied();
    let path = template.map_or(Err(silent()), |template| {
        placeholders_bind_arguments(template, &sig.args)
    });
    let params = arguments_have_one_role(template, &sig.args, context.generics);
    body_only_where_the_method_takes_one(method, &sig.args, &attr.options, &mut errors);
    at_most_one_body(&sig.args, &attr.options, &mut errors);
    query_and_header_names_are_unique(&sig.args, &mut errors);
    idempotent_only_where_it_says_something(method, &attr.options, &mut errors);
    effects_only_where_they_say_something(method, &attr.options, &mut errors);
    if context.trait_name.is_some()
        && let Ok(output) = &sig.output
    {
        listed_success_type_is_not_generic(&output.success, context.generics, &mut errors);
    }

    let read = both(both(attr.method, attr.path), sig.output);
    let bound = both(path, params);
    // A malformed template is still read, for the checks above, but its
    // mistakes are among `errors`: nothing is built from it.
    let (((method, template), output), (path, params)) = errors.finish(both(read, bound))?;
    let template_text = template.lit.value();
    Ok(Model {
        trait_name: context.trait_name.clone(),
        name: context.ident.unraw().to_string(),
        method,
        template: template_text,
        path,
        params,
        empty_object_body: attr.options.empty_object_body.is_some(),
        declared_idempotent: attr.options.idempotent.is_some(),
        declared_destructive: attr.options.destructive.is_some(),
        declared_interrupts: attr.options.interrupts.is_some(),
        summary: summary(context.attrs),
        success: output.success,
        output: output.result,
    })
}

/// Every placeholder names an argument, once, and that argument has no
/// marker: a placeholder with no value would send a literal `<name>`, and
/// an argument both in the path and elsewhere would be sent twice.
fn placeholders_bind_arguments(
    template: &PathTemplate,
    args: &[Arg],
) -> syn::Result<Vec<PathStep>> {
    let mut errors = Errors::default();
    let mut steps = Vec::new();
    // The placeholder that bound each argument first.
    let mut bound: HashMap<String, String> = HashMap::new();
    let lit_span = template.lit.span();
    for piece in &template.pieces {
        let placeholder = match piece {
            Piece::Literal(text) => {
                steps.push(PathStep::Literal(text.clone()));
                continue;
            }
            Piece::Placeholder(placeholder) => placeholder,
        };
        if let Some(first) = bound.get(&placeholder.argument) {
            let message = if *first == placeholder.name {
                format!(
                    "placeholder `<{}>` appears more than once in the path; each argument \
                     fills one segment",
                    placeholder.name
                )
            } else {
                format!(
                    "`<{first}>` and `<{}>` both name the argument `{}`; each argument fills \
                     one segment, so give them different names",
                    placeholder.name, placeholder.argument
                )
            };
            errors.push(Error::new(lit_span, message));
            continue;
        }
        bound.insert(placeholder.argument.clone(), placeholder.name.clone());
        let position = args
            .iter()
            .position(|arg| name_of(arg) == placeholder.argument);
        match position.map(|index| (index, &args[index])) {
            Some((index, arg)) if matches!(arg.marker, Marker::None) => {
                steps.push(PathStep::Segment {
                    placeholder: placeholder.name.clone(),
                    param: index,
                    tail: placeholder.tail,
                });
            }
            Some((_, arg)) => errors.push(Error::new(
                arg.ident.span(),
                format!(
                    "`{}` fills the placeholder `<{}>` and also has a marker; a path argument \
                     takes no marker",
                    arg.ident, placeholder.name
                ),
            )),
            None => {
                let free: Vec<String> = args
                    .iter()
                    .filter(|arg| matches!(arg.marker, Marker::None))
                    .map(name_of)
                    .collect();
                let hint = suggest::closest(&placeholder.argument, free.iter().map(String::as_str))
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
                // A keyword needs its raw form to be an argument's name.
                let argument = if is_keyword(&placeholder.argument) {
                    format!("r#{}", placeholder.argument)
                } else {
                    placeholder.argument.clone()
                };
                errors.push(Error::new(
                    lit_span,
                    format!(
                        "placeholder `<{}>` has no argument: add `{argument}: &str` to the \
                         method{hint}",
                        placeholder.name
                    ),
                ));
            }
        }
    }
    errors.finish(Ok(steps))
}

/// Every argument has exactly one role, from its name or its marker: none
/// is sent some way silently. While the path cannot be read, an argument
/// may be meant for a placeholder in it, so none is reported as unused.
fn arguments_have_one_role(
    template: Option<&PathTemplate>,
    args: &[Arg],
    generics: &Generics,
) -> syn::Result<Vec<Param>> {
    let complete = template.filter(|template| template.complete);
    let placeholders: Vec<&str> = complete
        .into_iter()
        .flat_map(|template| template.placeholders())
        .map(|placeholder| placeholder.argument.as_str())
        .collect();
    let mut errors = Errors::default();
    let mut params = Vec::new();
    for arg in args {
        let name = name_of(arg);
        let role = match &arg.marker {
            Marker::Invalid => {
                errors.push(silent());
                continue;
            }
            Marker::None => {
                let placeholder = complete.and_then(|template| {
                    template
                        .placeholders()
                        .find(|placeholder| placeholder.argument == name)
                });
                match placeholder {
                    Some(placeholder) => ParamRole::Path(placeholder.name.clone()),
                    None if complete.is_none() => {
                        errors.push(silent());
                        continue;
                    }
                    None => {
                        let hint = suggest::closest(&name, placeholders.iter().copied())
                            .map(|near| {
                                format!("; did you mean `{near}`, for the placeholder in the path?")
                            })
                            .unwrap_or_default();
                        errors.push(Error::new(
                            arg.ident.span(),
                            format!(
                                "argument `{}` has no role: name it after a path placeholder \
                                 (`<{}>`), or mark it `#[body]`, `#[query]` or \
                                 `#[header(\"Name\")]`{hint}",
                                arg.ident,
                                camel_case(&name),
                            ),
                        ));
                        continue;
                    }
                }
            }
            Marker::Role(Role::Body(_)) => ParamRole::Body,
            Marker::Role(Role::Query(name)) => ParamRole::Query(name.clone()),
            Marker::Role(Role::Header(name)) => ParamRole::Header(name.clone()),
        };
        let scan = text::scan(&arg.ty);
        params.push(Param {
            ident: arg.ident.clone(),
            kind_from_type: !names_generics(&scan, generics),
            scan,
            optional: matches!(role, ParamRole::Query(_) | ParamRole::Header(_))
                && is_option(&arg.ty),
            role,
        });
    }
    errors.finish(Ok(params))
}

/// No body on a GET or DELETE: Twill's API takes none there, and proxies
/// and servers may drop or refuse one.
fn body_only_where_the_method_takes_one(
    method: Option<HttpMethod>,
    args: &[Arg],
    options: &Options,
    errors: &mut Errors,
) {
    let Some(method) = method.filter(|method| !method.takes_body()) else {
        return;
    };
    for arg in args {
        if let Marker::Role(Role::Body(marker)) = arg.marker {
            errors.push(marker.error(format!(
                "a {} request has no body; send `{}` as `#[query]` arguments or use \
                     POST, PUT or PATCH",
                method.as_str(),
                arg.ident
            )));
        }
    }
    if let Some(option) = options.empty_object_body {
        errors.push(Error::new(
            option,
            format!(
                "a {} request has no body; remove `body = {{}}`",
                method.as_str()
            ),
        ));
    }
}

/// One body at most: a request has one.
fn at_most_one_body(args: &[Arg], options: &Options, errors: &mut Errors) {
    let mut bodies = args.iter().filter_map(|arg| match arg.marker {
        Marker::Role(Role::Body(marker)) => Some((marker, &arg.ident)),
        _ => None,
    });
    let first = bodies.next();
    for (marker, _) in bodies {
        errors.push(marker.error("only one argument can be the `#[body]`"));
    }
    if let (Some((_, ident)), Some(option)) = (first, options.empty_object_body) {
        errors.push(Error::new(
            option,
            format!(
                "`body = {{}}` and the `#[body]` argument `{ident}` both give the body; keep one"
            ),
        ));
    }
}

/// Each query parameter and header is sent by one argument: two would send
/// the name twice, and servers disagree on which one wins.
fn query_and_header_names_are_unique(args: &[Arg], errors: &mut Errors) {
    let mut queries = HashSet::new();
    let mut headers = HashSet::new();
    for arg in args {
        let (seen, kind, name) = match &arg.marker {
            Marker::Role(Role::Query(name)) => (&mut queries, "query parameter", name),
            Marker::Role(Role::Header(name)) => (&mut headers, "header", name),
            _ => continue,
        };
        if !seen.insert(name.clone()) {
            errors.push(Error::new(
                arg.ident.span(),
                format!("two arguments send the {kind} `{name}`"),
            ));
        }
    }
}

/// `idempotent` only on a POST or PATCH: GET, PUT and DELETE are idempotent
/// by definition, and saying it again suggests the option changes them.
/// `destructive` and `interrupts` are what a tool asks a person about
/// before calling: a GET, which only reads, can be neither; a DELETE is
/// destructive by its method; and an endpoint that interrupts work does so
/// again when sent again, so it cannot also be `idempotent` (retried).
fn effects_only_where_they_say_something(
    method: Option<HttpMethod>,
    options: &Options,
    errors: &mut Errors,
) {
    if method == Some(HttpMethod::Get) {
        for (option, name) in [
            (options.destructive, "destructive"),
            (options.interrupts, "interrupts"),
        ] {
            if let Some(span) = option {
                errors.push(Error::new(
                    span,
                    format!("a GET request only reads, so it cannot be `{name}`; remove `{name}`"),
                ));
            }
        }
    }
    if let (Some(span), Some(HttpMethod::Delete)) = (options.destructive, method) {
        errors.push(Error::new(
            span,
            "a DELETE request is destructive already; remove `destructive`",
        ));
    }
    if let (Some(interrupts), Some(_)) = (options.interrupts, options.idempotent) {
        errors.push(Error::new(
            interrupts,
            "an endpoint that `interrupts` work in progress does it again when sent again, so \
             it cannot be `idempotent` (retried like a GET); remove one of them",
        ));
    }
}

fn idempotent_only_where_it_says_something(
    method: Option<HttpMethod>,
    options: &Options,
    errors: &mut Errors,
) {
    if let (Some(option), Some(method)) = (options.idempotent, method)
        && method.is_idempotent()
    {
        errors.push(Error::new(
            option,
            format!(
                "a {} request is idempotent already; remove `idempotent`",
                method.as_str()
            ),
        ));
    }
}

/// In a trait with `#[endpoints]`, the success type names none of the
/// method's own type parameters: the metadata is the trait's `ENDPOINTS`
/// constant, where they are not in scope, and it asks the success type
/// whether the call streams.
fn listed_success_type_is_not_generic(
    success: &TokenStream,
    generics: &Generics,
    errors: &mut Errors,
) {
    let own: Vec<String> = generics
        .type_params()
        .map(|param| param.ident.to_string())
        .chain(generics.const_params().map(|param| param.ident.to_string()))
        .collect();
    if let Some((name, span)) = text::scan(success).first_of(&own) {
        errors.push(Error::new(
            span,
            format!(
                "the success type names `{name}`, a parameter of the method: in a trait with \
                 `#[endpoints]`, each endpoint's metadata is part of the trait's `ENDPOINTS` \
                 constant, where `{name}` is not in scope; return a concrete type, or declare \
                 the method in a trait without `#[endpoints]`"
            ),
        ));
    }
}

/// Whether `ty` names a type or const parameter of the method, `Self` or an
/// `impl Trait`: no constant outside the method can name it, so its JSON
/// kind cannot be read from it.
fn names_generics(ty: &text::TypeScan, generics: &Generics) -> bool {
    let names: Vec<String> = generics
        .type_params()
        .map(|param| param.ident.to_string())
        .chain(generics.const_params().map(|param| param.ident.to_string()))
        .chain(["Self".to_owned(), "impl".to_owned()])
        .collect();
    ty.first_of(&names).is_some()
}

/// Whether `name` is a Rust keyword, which an argument can only be named
/// in its raw form (`r#type`).
fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try",
        "type", "typeof", "unsafe", "use", "where", "while", "yield", "abstract", "become", "do",
        "final", "macro", "override", "unsized", "virtual",
    ];
    KEYWORDS.contains(&name)
}

fn name_of(arg: &Arg) -> String {
    arg.ident.unraw().to_string()
}

/// `Option<..>` by its last path segment, as the runtime's
/// `OptionalParamValue` treats it.
fn is_option(ty: &TokenStream) -> bool {
    text::is_path_to(ty, "Option")
}

/// The first paragraph of the doc comment, its lines joined by spaces.
/// Docs that are not literals (`#[doc = include_str!(..)]`) are skipped.
pub(crate) fn summary(attrs: &[Attr]) -> String {
    let mut words: Vec<String> = Vec::new();
    for text in attrs.iter().filter_map(Attr::doc_text) {
        // `split`, not `lines`: a blank `///` is an empty string, which has
        // no lines but is a paragraph break.
        for line in text.split('\n') {
            let line = line.trim();
            if line.is_empty() {
                if !words.is_empty() {
                    return words.join(" ");
                }
            } else {
                words.push(line.to_owned());
            }
        }
    }
    words.join(" ")
}
