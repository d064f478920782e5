//! The macros run as functions: models checked field by field, mistakes
//! by message, and expansions as snapshots (`src/snapshots/`, reviewed with
//! `cargo insta review` or by reading the `.snap.new` files
//! `INSTA_UPDATE=new` writes).

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Model, ParamRole};

fn model(args: TokenStream, item: TokenStream, trait_name: Option<&str>) -> syn::Result<Model> {
    let mut func = crate::method::read(item).expect("a trait method");
    crate::model_of(args, &mut func, trait_name.map(str::to_owned))
}

fn messages(args: TokenStream, item: TokenStream) -> Vec<String> {
    match model(args, item, None) {
        Ok(_) => panic!("the declaration was accepted"),
        Err(error) => error
            .into_iter()
            .map(|error| error.to_string())
            .filter(|message| message != crate::errors::SILENT)
            .collect(),
    }
}

/// The expansion as formatted Rust, for snapshots.
fn pretty(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens.clone())
        .unwrap_or_else(|error| panic!("expansion does not parse: {error}\n{tokens}"));
    prettyplease::unparse(&file)
}

fn expand_in_trait(args: TokenStream, item: TokenStream) -> String {
    let method = crate::endpoint(args, item);
    pretty(quote!(trait Api { #method }))
}

#[test]
fn the_model_keeps_every_parameter_in_order() {
    let model = model(
        quote!(POST "/tasks/<taskIdOrSlug>/labels", idempotent),
        quote! {
            /// Adds a label
            /// to a task.
            ///
            /// More detail.
            async fn add_label(
                &self,
                #[query] dry_run: Option<bool>,
                task_id_or_slug: &str,
                #[body] label: &NewLabel,
                #[header("X-Request-Id")] request_id: &str,
                #[query("n")] r#type: u32,
            ) -> Result<Label, Error>;
        },
        Some("Labels"),
    )
    .expect("a valid declaration");
    assert_eq!(model.name, "add_label");
    assert_eq!(model.trait_name.as_deref(), Some("Labels"));
    assert_eq!(model.summary, "Adds a label to a task.");
    assert!(model.declared_idempotent);
    let params: Vec<_> = model
        .params
        .iter()
        .map(|p| {
            (
                p.ident.to_string(),
                p.role.clone(),
                p.optional,
                p.scan.text.clone(),
            )
        })
        .collect();
    let role = |role: fn(String) -> ParamRole, name: &str| role(name.to_owned());
    assert_eq!(
        params,
        [
            (
                "dry_run".into(),
                role(ParamRole::Query, "dryRun"),
                true,
                "Option<bool>".into()
            ),
            (
                "task_id_or_slug".into(),
                role(ParamRole::Path, "taskIdOrSlug"),
                false,
                "&str".into()
            ),
            ("label".into(), ParamRole::Body, false, "&NewLabel".into()),
            (
                "request_id".into(),
                role(ParamRole::Header, "x-request-id"),
                false,
                "&str".into()
            ),
            (
                "r#type".into(),
                role(ParamRole::Query, "n"),
                false,
                "u32".into()
            ),
        ]
    );
    assert_eq!(
        model.doc_line(),
        "`POST /tasks/<taskIdOrSlug>/labels?dryRun&n`, header `x-request-id` (idempotent: \
         retried like a GET)"
    );
}

#[test]
fn every_mistake_is_reported_once() {
    assert_eq!(
        messages(
            quote!(FETCH "/tasks/<taskId>/<>"),
            quote!(
                async fn get(&mut self, extra: u8) -> String;
            )
        ),
        [
            "empty placeholder `<>`; a placeholder is `<name>`, the name made of letters, digits \
             and `_` and starting with a letter: a segment of its own, or one beside literal \
             text (`<name>.json`, `<id>:cancel`)",
            "an endpoint method takes `&self`: it only reads the client it is called on",
            "unknown HTTP method `FETCH`: expected one of GET, POST, PUT, PATCH, DELETE",
            "an endpoint returns `Result<T, E>`: `T` is decoded from the success body (`()` for \
             none) and `E` from failures (`twill_api::Error`, or a type that implements \
             `twill_api::EndpointError`)",
            "placeholder `<taskId>` has no argument: add `task_id: &str` to the method",
        ]
    );
}

#[test]
fn a_bad_marker_is_not_also_an_argument_without_a_role() {
    let messages = messages(
        quote!(GET "/tasks"),
        quote!(
            async fn list(&self, #[header("Authorization")] token: &str) -> Result<(), Error>;
        ),
    );
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].starts_with("`Authorization` cannot be an argument"));
}

/// Without `&self`, the first argument is still an argument: its
/// placeholder is bound, and only the missing receiver is reported.
#[test]
fn a_missing_receiver_is_the_only_mistake() {
    let messages = messages(
        quote!(GET "/tasks/<taskId>"),
        quote!(
            async fn get(task_id: &str) -> Result<(), Error>;
        ),
    );
    assert_eq!(
        messages,
        [
            "`get` has no `&self`: an endpoint method takes `&self` first, the client it is called on"
        ]
    );
}

/// The qualifiers an endpoint refuses, each at its own tokens.
#[test]
fn const_unsafe_and_extern_are_refused() {
    let messages = messages(
        quote!(GET "/tasks"),
        quote!(
            const async unsafe extern "C" fn list(&self) -> Result<(), Error>;
        ),
    );
    assert_eq!(
        messages,
        [
            "an endpoint method cannot be `const`",
            "an endpoint method cannot be `unsafe`",
            "an endpoint method cannot declare an ABI",
        ]
    );
}

#[test]
fn reserved_headers_are_refused() {
    for name in [
        "Authorization",
        "accept",
        "User-Agent",
        "content-type",
        "Content-Length",
        "connection",
        "TE",
        "upgrade",
        "expect",
        "cookie",
        "proxy-authorization",
        "content-encoding",
        "transfer-encoding",
        "host",
    ] {
        let messages = messages(
            quote!(GET "/tasks"),
            quote!(
                async fn list(&self, #[header(#name)] value: &str) -> Result<(), Error>;
            ),
        );
        assert!(
            messages[0].starts_with(&format!("`{name}` cannot be an argument")),
            "{name}"
        );
    }
}

#[test]
fn dot_segments_are_refused() {
    let messages = messages(
        quote!(GET "/tasks/../admin"),
        quote!(
            async fn x(&self) -> Result<(), Error>;
        ),
    );
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].starts_with("`..` cannot be a path segment"));
}

#[test]
fn rules_that_need_both_the_attribute_and_the_method() {
    let cases = [
        (
            quote!(GET "/x"),
            quote!(
                async fn x(&self, #[body] b: &B) -> Result<(), E>;
            ),
            "a GET request has no body",
        ),
        (
            quote!(DELETE "/x", body = {}),
            quote!(
                async fn x(&self) -> Result<(), E>;
            ),
            "a DELETE request has no body; remove `body = {}`",
        ),
        (
            quote!(POST "/x", body = {}),
            quote!(
                async fn x(&self, #[body] b: &B) -> Result<(), E>;
            ),
            "`body = {}` and the `#[body]` argument `b` both give the body",
        ),
        (
            quote!(POST "/x"),
            quote!(
                async fn x(&self, #[body] a: &B, #[body] b: &B) -> Result<(), E>;
            ),
            "only one argument can be the `#[body]`",
        ),
        (
            quote!(GET "/x"),
            quote!(
                async fn x(&self, #[query("a")] a: u8, #[query("a")] b: u8) -> Result<(), E>;
            ),
            "two arguments send the query parameter `a`",
        ),
        (
            quote!(PUT "/x", idempotent),
            quote!(
                async fn x(&self) -> Result<(), E>;
            ),
            "a PUT request is idempotent already",
        ),
        (
            quote!(GET "/x/<id>"),
            quote!(
                async fn x(&self, #[query] id: u8) -> Result<(), E>;
            ),
            "`id` fills the placeholder `<id>` and also has a marker",
        ),
        (
            quote!(GET "/x/<taskId>"),
            quote!(
                async fn x(&self, task_di: &str) -> Result<(), E>;
            ),
            "placeholder `<taskId>` has no argument: add `task_id: &str` to the method; did you mean `task_di`?",
        ),
    ];
    for (args, item, expected) in cases {
        let messages = messages(args, item);
        assert!(
            messages.iter().any(|message| message.starts_with(expected)),
            "{expected}: {messages:?}"
        );
    }
}

#[test]
fn a_listed_success_type_cannot_name_the_methods_parameters() {
    let error = model(
        quote!(GET "/x"),
        quote!(
            async fn x<T>(&self) -> Result<Vec<T>, Error>;
        ),
        Some("Api"),
    )
    .err()
    .expect("refused");
    assert!(error.to_string().starts_with("the success type names `T`"));
    // Alone, the metadata is built inside the body, where `T` is in scope.
    assert!(
        model(
            quote!(GET "/x"),
            quote!(
                async fn x<T>(&self) -> Result<Vec<T>, Error>;
            ),
            None
        )
        .is_ok()
    );
}

#[test]
fn expansion_every_role_and_option() {
    insta::assert_snapshot!(expand_in_trait(
        quote!(PATCH "/tasks/<taskIdOrSlug>/labels/<labelId>", idempotent),
        quote! {
            /// Renames a label.
            ///
            /// The new name must be unique.
            async fn rename_label(
                &self,
                task_id_or_slug: &str,
                label_id: u64,
                #[body] label: &NewLabel,
                #[query] dry_run: Option<bool>,
                #[query("v")] version: u32,
                #[header("X-Request-Id")] request_id: Option<&str>,
            ) -> Result<Label, twill_api::Error>;
        },
    ));
}

#[test]
fn expansion_empty_object_body() {
    insta::assert_snapshot!(expand_in_trait(
        quote!(POST "/jobs/<jobId>/cancel", body = {}),
        quote!(
            async fn cancel_job(&self, job_id: &str) -> Result<Acknowledgement, Error>;
        ),
    ));
}

#[test]
fn expansion_downstream_error_type() {
    insta::assert_snapshot!(expand_in_trait(
        quote!(DELETE "/labels/<labelId>"),
        quote!(
            async fn delete_label<'a>(&'a self, label_id: &'a str) -> Result<(), MyError>;
        ),
    ));
}

#[test]
fn expansion_streaming_return() {
    insta::assert_snapshot!(expand_in_trait(
        quote!(GET "/jobs/<jobId>/logs/stream"),
        quote!(
            async fn stream_job_logs(
                &self,
                job_id: &str,
            ) -> twill_api::Result<twill_api::JobLogStream>;
        ),
    ));
}

/// A method with a type parameter returns `impl Future`: a boxed future
/// could not outlive the parameter.
#[test]
fn expansion_generic_method() {
    insta::assert_snapshot!(expand_in_trait(
        quote!(GET "/things/<id>"),
        quote!(
            async fn thing<I: twill_api::ParamValue + Sync>(&self, id: I) -> Result<Thing, Error>;
        ),
    ));
}

/// A tail is one `.tail(..)` call, its range in the metadata covers
/// `<filePath..>`, and a list query is read from its type like any query.
#[test]
fn expansion_tail_and_list_query() {
    insta::assert_snapshot!(expand_in_trait(
        quote!(GET "/repos/<repoId>/contents/<filePath..>"),
        quote!(
            async fn file(
                &self,
                repo_id: &str,
                file_path: &str,
                #[query] tag: &[&str],
            ) -> Result<Text, Error>;
        ),
    ));
}

#[test]
fn expansion_test_double_impl() {
    insta::assert_snapshot!(pretty(crate::endpoint(
        TokenStream::new(),
        quote!(
            impl Labels for Fake {
                async fn rename(
                    &self,
                    name: &str,
                    #[query] to: Option<&str>,
                    #[query] limit: u32,
                ) -> Result<(), Error> {
                    self.record(name, to, limit)
                }

                async fn thing<I: ParamValue + Send>(&self, id: I) -> Result<String, Error> {
                    Ok(id.to_string())
                }

                fn unchanged(&self) -> u8 {
                    1
                }
            }
        ),
    )));
}

#[test]
fn expansion_endpoints_over_a_trait() {
    let expanded = crate::endpoints(
        TokenStream::new(),
        quote! {
            /// Labels.
            pub trait Labels {
                /// Lists labels.
                #[twill_endpoint(GET "/labels")]
                async fn list_labels(&self, #[query] cursor: Option<&str>) -> Result<LabelPage, Error>;

                /// Adds a label.
                #[twill_api::twill_endpoint(POST "/labels", idempotent)]
                async fn add_label(&self, #[body] label: &NewLabel) -> Result<Label, Error>;

                /// Not an endpoint: left as it is.
                fn helper(&self) -> u8 {
                    0
                }
            }
        },
    );
    insta::assert_snapshot!(pretty(expanded));
}

#[test]
fn expansion_with_errors_keeps_the_method() {
    insta::assert_snapshot!(expand_in_trait(
        quote!(GET "/tasks/<taskId>"),
        quote!(
            async fn get_task(&self, #[query] task: &str) -> Result<Task, Error>;
        ),
    ));
}

#[test]
fn endpoints_refuses_what_it_cannot_read() {
    let expanded = crate::endpoints(
        TokenStream::new(),
        quote! {
            trait Api {
                #[renamed(GET "/x")]
                async fn x(&self) -> Result<(), Error>;

                #[other::twill_endpoint(GET "/y")]
                async fn y(&self) -> Result<(), Error>;

                #[twill_endpoint]
                async fn z(&self) -> Result<(), Error>;

                #[allow(unused)]
                #[rustfmt::skip]
                async fn not_an_endpoint(&self) -> u8;
            }
        },
    )
    .to_string();
    assert!(
        expanded
            .contains("`#[endpoints]` cannot tell whether `#[renamed(..)]` is `#[twill_endpoint]`")
    );
    assert!(expanded.contains("`#[endpoints]` cannot tell whether `#[other::twill_endpoint(..)]`"));
    assert!(expanded.contains("expected `#[twill_endpoint(METHOD"));
    assert_eq!(expanded.matches("compile_error").count(), 3, "{expanded}");
}
