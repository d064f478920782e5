//! Every legal declaration form the macro accepts, compiled here and sent:
//! each call's method, request target, headers and body as the server
//! received them. A form that stopped compiling fails this crate's build; a
//! form that compiles but sends the wrong bytes fails its test. (The
//! compile-only cases are `tests/compile-fail/ui/pass/`; the mistakes,
//! `tests/compile-fail/ui/*.rs`.)

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use twill_api::error::ErrorResponse;
use twill_api::stream::JobLogStream;
use twill_api::{
    Arguments, AsClient, Binary, Client, EndpointError, Error, ParamValue, Response, RetryPolicy,
    Text, endpoints, twill_endpoint,
};
use twill_tests::{Canned, Recorded, Recorder};

/// `METHOD target` of each request the server received, in order.
fn lines(server: &Recorder) -> Vec<String> {
    server.requests().iter().map(line).collect()
}

fn line(request: &Recorded) -> String {
    format!("{} {}", request.method, request.target)
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Thing {
    id: u64,
}

fn thing_reply() -> Canned {
    Canned::json(200, json!({ "id": 1 }))
}

/// An identifier type of the caller's own.
struct JobId(u64);

impl ParamValue for JobId {
    fn write_param(&self, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "job-{}", self.0)
    }
}

mod paths {
    use super::*;

    /// Path forms: names the prelude or the language already uses, every
    /// string and integer type, values that need encoding, a placeholder
    /// inside a segment, a tail.
    trait Paths {
        #[twill_endpoint(GET "/kinds/<type>")]
        async fn raw_identifier(&self, r#type: &str) -> Result<(), Error>;

        #[twill_endpoint(GET "/p/<string>/<option>/<result>/<vec>")]
        async fn prelude_names(
            &self,
            string: &str,
            option: u8,
            result: bool,
            vec: String,
        ) -> Result<(), Error>;

        #[twill_endpoint(GET "/lifetimes/<id>")]
        async fn lifetimes<'a>(&'a self, id: &'a str) -> Result<(), Error>;

        // `&Cow` is a form users write; clippy would have `&str`.
        #[allow(clippy::ptr_arg)]
        #[twill_endpoint(GET "/cow/<a>/<b>")]
        async fn cows(&self, a: Cow<'_, str>, b: &Cow<'static, str>) -> Result<(), Error>;

        #[twill_endpoint(GET "/owned/<a>/<b>/<c>/<d>")]
        async fn owned_strings(
            &self,
            a: Box<str>,
            b: Arc<str>,
            c: &String,
            d: &&str,
        ) -> Result<(), Error>;

        #[twill_endpoint(GET "/jobs/<jobId>")]
        async fn newtype(&self, job_id: JobId) -> Result<(), Error>;

        #[twill_endpoint(GET "/ints/<a>/<b>/<c>/<d>/<e>/<f>")]
        async fn integer_extremes(
            &self,
            a: i64,
            b: u64,
            c: i128,
            d: u128,
            e: i8,
            f: usize,
        ) -> Result<(), Error>;

        #[twill_endpoint(GET "/any/<value>")]
        async fn any_value(&self, value: &str) -> Result<(), Error>;

        #[twill_endpoint(GET "/files/<name>.json")]
        async fn suffix(&self, name: &str) -> Result<(), Error>;

        #[twill_endpoint(POST "/tasks/<taskId>:cancel")]
        async fn custom_method(&self, task_id: u64) -> Result<(), Error>;

        #[twill_endpoint(GET "/v<version>/status")]
        async fn prefix(&self, version: u32) -> Result<(), Error>;

        #[twill_endpoint(GET "/matrix;v=1/it's/<id>")]
        async fn sub_delimiters_in_the_template(&self, id: &str) -> Result<(), Error>;

        #[twill_endpoint(GET "/contents/<filePath..>")]
        async fn tail(&self, file_path: &str) -> Result<(), Error>;

        #[twill_endpoint(GET "/things/")]
        async fn trailing_slash(&self) -> Result<(), Error>;

        #[twill_endpoint(GET "/")]
        async fn root(&self) -> Result<(), Error>;

        #[twill_endpoint(GET "/generic/<id>")]
        async fn generic_argument<I: ParamValue + Send + Sync>(&self, id: I) -> Result<(), Error>;

        #[twill_endpoint(GET "/deep/<jobID>/<taskIdOrSlug>/<v2Id>")]
        async fn camel_case_names(
            &self,
            job_id: bool,
            task_id_or_slug: Rc<str>,
            v2_id: i16,
        ) -> Result<(), Error>;
    }

    impl Paths for Client {}

    #[tokio::test]
    async fn each_path_form_sends_its_segments_encoded() {
        let server = Recorder::start(Canned::status(204)).await;
        let c = server.client();
        c.raw_identifier("bug").await.unwrap();
        c.prelude_names("s", 1, true, "v".into()).await.unwrap();
        let id = String::from("borrowed");
        c.lifetimes(&id).await.unwrap();
        c.cows(Cow::Owned("o w".into()), &Cow::Borrowed("b"))
            .await
            .unwrap();
        c.owned_strings("a".into(), "b".into(), &"c".to_owned(), &"d")
            .await
            .unwrap();
        c.newtype(JobId(7)).await.unwrap();
        c.integer_extremes(i64::MIN, u64::MAX, i128::MIN, u128::MAX, -1, 0)
            .await
            .unwrap();
        c.any_value("!$&'()*+,;=").await.unwrap();
        c.any_value(":@").await.unwrap();
        c.any_value("-._~").await.unwrap();
        c.any_value("a/b?c#d e%41ü").await.unwrap();
        c.suffix("a.b").await.unwrap();
        c.custom_method(9).await.unwrap();
        c.prefix(2).await.unwrap();
        c.sub_delimiters_in_the_template("x").await.unwrap();
        c.tail("src/a b/ü.rs").await.unwrap();
        c.trailing_slash().await.unwrap();
        c.root().await.unwrap();
        c.generic_argument(JobId(3)).await.unwrap();
        c.generic_argument("g").await.unwrap();
        c.camel_case_names(false, "t".into(), -5).await.unwrap();
        assert_eq!(
            lines(&server),
            [
                "GET /api/v1/kinds/bug",
                "GET /api/v1/p/s/1/true/v",
                "GET /api/v1/lifetimes/borrowed",
                "GET /api/v1/cow/o%20w/b",
                "GET /api/v1/owned/a/b/c/d",
                "GET /api/v1/jobs/job-7",
                "GET /api/v1/ints/-9223372036854775808/18446744073709551615/\
                 -170141183460469231731687303715884105728/\
                 340282366920938463463374607431768211455/-1/0",
                "GET /api/v1/any/%21%24%26%27%28%29%2A%2B%2C%3B%3D",
                "GET /api/v1/any/%3A%40",
                "GET /api/v1/any/-._~",
                "GET /api/v1/any/a%2Fb%3Fc%23d%20e%2541%C3%BC",
                "GET /api/v1/files/a.b.json",
                "POST /api/v1/tasks/9:cancel",
                "GET /api/v1/v2/status",
                "GET /api/v1/matrix;v=1/it's/x",
                "GET /api/v1/contents/src/a%20b/%C3%BC.rs",
                "GET /api/v1/things/",
                "GET /api/v1/",
                "GET /api/v1/generic/job-3",
                "GET /api/v1/generic/g",
                "GET /api/v1/deep/false/t/-5",
            ]
        );
    }

    #[tokio::test]
    async fn a_value_that_would_change_the_endpoint_is_refused_before_io() {
        let server = Recorder::start(Canned::status(204)).await;
        let c = server.client();
        for value in ["", ".", ".."] {
            let error = c.any_value(value).await.unwrap_err();
            assert!(
                matches!(error, Error::InvalidInput(_)),
                "{value:?}: {error}"
            );
        }
        // Beside literal text too: `/x/<a>.` with `.` would make `..`, so a
        // value is refused for what it is, whatever its neighbours.
        for value in ["", "."] {
            let error = c.suffix(value).await.unwrap_err();
            assert!(
                matches!(error, Error::InvalidInput(_)),
                "{value:?}: {error}"
            );
        }
        c.suffix("..a").await.unwrap();
        for tail in ["a//b", "a/./b", "../etc", "a/"] {
            let error = c.tail(tail).await.unwrap_err();
            assert!(matches!(error, Error::InvalidInput(_)), "{tail:?}: {error}");
        }
        assert_eq!(lines(&server), ["GET /api/v1/files/..a.json"]);
    }
}

mod queries {
    use super::*;

    trait Queries {
        #[twill_endpoint(GET "/q")]
        async fn scalars(
            &self,
            #[query] page_size: u32,
            #[query] r#type: &str,
            #[query("x-raw.name")] raw: bool,
            #[query] i: i64,
        ) -> Result<(), Error>;

        #[twill_endpoint(GET "/q")]
        async fn optional(
            &self,
            #[query] cursor: Option<&str>,
            #[query] limit: Option<u8>,
            #[query] owned: Option<String>,
        ) -> Result<(), Error>;

        #[twill_endpoint(GET "/q")]
        async fn lists(
            &self,
            #[query] tag: Vec<String>,
            #[query] id: &[u64],
            #[query] flag: [bool; 2],
            #[query] name: &Vec<&str>,
        ) -> Result<(), Error>;

        #[twill_endpoint(GET "/items/<itemId>")]
        async fn beside_a_path(
            &self,
            #[query] after: &str,
            item_id: &str,
            #[query] before: Option<JobId>,
        ) -> Result<(), Error>;
    }

    impl Queries for Client {}

    #[tokio::test]
    async fn each_query_form_sends_its_pairs_in_declaration_order() {
        let server = Recorder::start(Canned::status(204)).await;
        let c = server.client();
        c.scalars(50, "a&b=c d", true, -1).await.unwrap();
        c.optional(Some("c+/="), None, Some("o".into()))
            .await
            .unwrap();
        c.optional(None, Some(0), None).await.unwrap();
        c.optional(None, None, None).await.unwrap();
        c.lists(
            vec!["a".into(), "b c".into()],
            &[1, u64::MAX],
            [true, false],
            &vec!["ü"],
        )
        .await
        .unwrap();
        c.lists(Vec::new(), &[], [false, false], &Vec::new())
            .await
            .unwrap();
        c.beside_a_path("x", "i/1", Some(JobId(2))).await.unwrap();
        assert_eq!(
            lines(&server),
            [
                "GET /api/v1/q?pageSize=50&type=a%26b%3Dc%20d&x-raw.name=true&i=-1",
                "GET /api/v1/q?cursor=c%2B%2F%3D&owned=o",
                "GET /api/v1/q?limit=0",
                "GET /api/v1/q",
                "GET /api/v1/q?tag=a&tag=b%20c&id=1&id=18446744073709551615\
                 &flag=true&flag=false&name=%C3%BC",
                "GET /api/v1/q?flag=false&flag=false",
                "GET /api/v1/items/i%2F1?after=x&before=job-2",
            ]
        );
    }
}

mod headers {
    use super::*;

    trait Headers {
        #[twill_endpoint(GET "/h")]
        async fn headers(
            &self,
            #[header("X-Request-Id")] request_id: &str,
            #[header("X-Count")] count: u32,
            #[header("X-Trace")] trace: Option<&str>,
            #[header("x-lower")] lower: JobId,
        ) -> Result<(), Error>;
    }

    impl Headers for Client {}

    #[tokio::test]
    async fn each_header_form_is_sent_or_left_out() {
        let server = Recorder::start(Canned::status(204)).await;
        let c = server.client();
        c.headers("r 1", 3, None, JobId(4)).await.unwrap();
        c.headers("r2", 0, Some("t"), JobId(5)).await.unwrap();
        let sent = server.requests();
        assert_eq!(sent[0].header("x-request-id"), "r 1");
        assert_eq!(sent[0].header("x-count"), "3");
        assert!(sent[0].headers.get("x-trace").is_none());
        assert_eq!(sent[0].header("x-lower"), "job-4");
        assert_eq!(sent[1].header("x-trace"), "t");
        assert_eq!(sent[1].header("x-count"), "0");
        assert!(sent.iter().all(|r| r.target == "/api/v1/h"));
    }
}

mod bodies {
    use super::*;

    #[derive(Serialize)]
    struct Borrowing<'a> {
        name: &'a str,
    }

    trait Bodies {
        #[twill_endpoint(POST "/b")]
        async fn by_reference(&self, #[body] body: &Thing) -> Result<(), Error>;

        #[twill_endpoint(PUT "/b")]
        async fn owned(&self, #[body] body: Thing) -> Result<(), Error>;

        #[twill_endpoint(PATCH "/b")]
        async fn json_value(&self, #[body] body: serde_json::Value) -> Result<(), Error>;

        #[twill_endpoint(POST "/b")]
        async fn with_a_lifetime<'a>(
            &'a self,
            #[body] body: &'a Borrowing<'a>,
        ) -> Result<(), Error>;

        #[twill_endpoint(POST "/b")]
        async fn list(&self, #[body] body: &[Thing]) -> Result<(), Error>;

        #[twill_endpoint(POST "/b")]
        async fn map(&self, #[body] body: BTreeMap<&str, u32>) -> Result<(), Error>;

        #[twill_endpoint(POST "/jobs/<jobId>/cancel", body = {})]
        async fn empty_object(&self, job_id: &str) -> Result<(), Error>;

        #[twill_endpoint(POST "/none")]
        async fn no_body(&self) -> Result<(), Error>;

        #[twill_endpoint(DELETE "/none")]
        async fn delete(&self) -> Result<(), Error>;
    }

    impl Bodies for Client {}

    #[tokio::test]
    async fn each_body_form_is_sent_as_json() {
        let server = Recorder::start(Canned::status(204)).await;
        let c = server.client();
        c.by_reference(&Thing { id: 1 }).await.unwrap();
        c.owned(Thing { id: 2 }).await.unwrap();
        c.json_value(json!({ "a": [null, "ü"] })).await.unwrap();
        c.with_a_lifetime(&Borrowing { name: "n\"q" })
            .await
            .unwrap();
        c.list(&[Thing { id: 3 }, Thing { id: 4 }]).await.unwrap();
        c.map(BTreeMap::from([("b", 2), ("a", 1)])).await.unwrap();
        c.empty_object("j").await.unwrap();
        let sent: Vec<(String, String)> = server
            .requests()
            .iter()
            .map(|r| {
                assert_eq!(r.header("content-type"), "application/json");
                (line(r), String::from_utf8(r.body.to_vec()).unwrap())
            })
            .collect();
        let expected = [
            ("POST /api/v1/b", r#"{"id":1}"#),
            ("PUT /api/v1/b", r#"{"id":2}"#),
            ("PATCH /api/v1/b", r#"{"a":[null,"ü"]}"#),
            ("POST /api/v1/b", r#"{"name":"n\"q"}"#),
            ("POST /api/v1/b", r#"[{"id":3},{"id":4}]"#),
            ("POST /api/v1/b", r#"{"a":1,"b":2}"#),
            ("POST /api/v1/jobs/j/cancel", "{}"),
        ]
        .map(|(line, body)| (line.to_owned(), body.to_owned()));
        assert_eq!(sent, expected);
    }

    #[tokio::test]
    async fn a_method_without_a_body_sends_none() {
        let server = Recorder::start(Canned::status(204)).await;
        let c = server.client();
        c.no_body().await.unwrap();
        c.delete().await.unwrap();
        let sent = server.requests();
        assert_eq!(sent[0].header("content-length"), "0");
        assert!(sent[0].headers.get("content-type").is_none());
        assert!(sent[1].headers.get("content-type").is_none());
        assert!(sent.iter().all(|r| r.body.is_empty()));
        assert_eq!(lines(&server), ["POST /api/v1/none", "DELETE /api/v1/none"]);
    }
}

mod successes {
    use super::*;

    type ApiResult<T> = Result<T, Error>;

    #[derive(Debug)]
    enum MyError {
        Gone,
        Twill(Error),
    }

    impl From<Error> for MyError {
        fn from(error: Error) -> Self {
            MyError::Twill(error)
        }
    }

    impl EndpointError for MyError {
        fn from_response(response: ErrorResponse) -> Self {
            if response.status.as_u16() == 410 {
                MyError::Gone
            } else {
                MyError::Twill(Error::from_response(response))
            }
        }
    }

    trait Successes {
        #[twill_endpoint(GET "/s")]
        async fn unit(&self) -> Result<(), Error>;

        #[twill_endpoint(GET "/s")]
        async fn maybe(&self) -> Result<Option<Thing>, Error>;

        #[twill_endpoint(GET "/s")]
        async fn many(&self) -> Result<Vec<Thing>, Error>;

        #[twill_endpoint(GET "/s")]
        async fn value(&self) -> Result<serde_json::Value, Error>;

        #[twill_endpoint(GET "/s")]
        async fn boxed(&self) -> Result<Box<Thing>, Error>;

        #[twill_endpoint(GET "/s")]
        async fn json_string(&self) -> Result<String, Error>;

        #[twill_endpoint(GET "/s")]
        async fn with_metadata(&self) -> Result<Response<Thing>, Error>;

        #[twill_endpoint(GET "/s")]
        async fn text(&self) -> Result<Text, Error>;

        #[twill_endpoint(GET "/s")]
        async fn binary(&self) -> Result<Binary, Error>;

        #[twill_endpoint(GET "/jobs/<jobId>/logs/stream")]
        async fn stream(&self, job_id: &str) -> Result<JobLogStream, Error>;

        #[twill_endpoint(GET "/s")]
        async fn crate_result(&self) -> twill_api::Result<Thing>;

        #[twill_endpoint(GET "/s")]
        async fn std_result(&self) -> std::result::Result<Thing, Error>;

        #[twill_endpoint(GET "/s")]
        async fn alias(&self) -> ApiResult<Thing>;

        #[twill_endpoint(GET "/s")]
        async fn own_error(&self) -> Result<Thing, MyError>;

        // The form under test, which clippy would write `&self`.
        #[allow(clippy::needless_arbitrary_self_type)]
        #[twill_endpoint(GET "/s")]
        async fn typed_receiver(self: &Self) -> Result<Thing, Error>;
    }

    impl Successes for Client {}

    #[tokio::test]
    async fn each_success_type_is_built_from_its_body() {
        let server = Recorder::replying([
            Canned::status(204),
            Canned::status(200),
            Canned::json(200, json!({ "id": 2 })),
            Canned::json(200, json!([{ "id": 3 }])),
            Canned::json(200, json!({ "any": [1] })),
            thing_reply(),
            Canned::json(200, json!("hello")),
            thing_reply().header("x-request-id", "req-9"),
            Canned::status(200)
                .header("content-type", "text/plain; charset=utf-8")
                .body("plain ü"),
            Canned::status(200)
                .header("content-type", "image/png")
                .body(vec![0, 159, 255]),
            thing_reply(),
        ])
        .await;
        let c = server.client();
        c.unit().await.unwrap();
        assert_eq!(c.maybe().await.unwrap(), None);
        assert_eq!(c.maybe().await.unwrap(), Some(Thing { id: 2 }));
        assert_eq!(c.many().await.unwrap(), [Thing { id: 3 }]);
        assert_eq!(c.value().await.unwrap(), json!({ "any": [1] }));
        assert_eq!(*c.boxed().await.unwrap(), Thing { id: 1 });
        assert_eq!(c.json_string().await.unwrap(), "hello");
        let response = c.with_metadata().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.request_id(), Some("req-9"));
        assert_eq!(response.attempts(), 1);
        assert_eq!(*response, Thing { id: 1 });
        assert_eq!(c.text().await.unwrap().as_str(), "plain ü");
        let binary = c.binary().await.unwrap();
        assert_eq!(&binary.bytes()[..], [0, 159, 255]);
        assert_eq!(binary.content_type(), Some("image/png"));
        assert_eq!(c.crate_result().await.unwrap(), Thing { id: 1 });
        assert_eq!(c.std_result().await.unwrap(), Thing { id: 1 });
        assert_eq!(c.alias().await.unwrap(), Thing { id: 1 });
        assert_eq!(c.own_error().await.unwrap(), Thing { id: 1 });
        assert_eq!(c.typed_receiver().await.unwrap(), Thing { id: 1 });

        let accepts: Vec<String> = server
            .requests()
            .iter()
            .map(|r| r.header("accept").to_owned())
            .collect();
        assert_eq!(accepts[0], "application/json");
        assert_eq!(accepts[8], "text/plain, text/*;q=0.9");
        assert_eq!(accepts[9], "*/*");
        assert_eq!(accepts.len(), 15);
    }

    #[tokio::test]
    async fn a_streaming_success_asks_for_events() {
        let server = Recorder::start(
            Canned::status(200)
                .header("content-type", "text/event-stream")
                .body("event: done\ndata: {}\n\n"),
        )
        .await;
        let _stream = server.client().stream("j 1").await.unwrap();
        let sent = server.only_request();
        assert_eq!(line(&sent), "GET /api/v1/jobs/j%201/logs/stream");
        assert_eq!(sent.header("accept"), "text/event-stream");
    }

    #[tokio::test]
    async fn an_own_error_type_decodes_failures_and_a_text_body_is_checked() {
        let server = Recorder::replying([
            Canned::status(410),
            Canned::status(500),
            Canned::status(200)
                .header("content-type", "application/json")
                .body("{}"),
        ])
        .await;
        let c = server.client();
        assert!(matches!(c.own_error().await, Err(MyError::Gone)));
        match c.own_error().await {
            Err(MyError::Twill(error)) => assert_eq!(error.status().map(|s| s.as_u16()), Some(500)),
            other => panic!("expected Twill(500), got {other:?}"),
        }
        // A text endpoint answered with JSON: not text, so not accepted.
        let error = c.text().await.unwrap_err();
        assert!(matches!(error, Error::UnexpectedResponse(_)), "{error}");
    }
}

mod generics {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Fixed<const N: usize> {
        id: u64,
    }

    /// Success types that name the method's type and const parameters and
    /// `Self`'s associated types, without `#[endpoints]`.
    trait Generic {
        type Page: DeserializeOwned + Send + 'static;

        #[twill_endpoint(GET "/things")]
        async fn things<T: DeserializeOwned + Send + 'static>(&self) -> Result<Vec<T>, Error>;

        #[twill_endpoint(GET "/page")]
        async fn page(&self) -> Result<Self::Page, Error>;

        #[twill_endpoint(GET "/fixed/<n>")]
        async fn fixed<const N: usize>(&self, n: usize) -> Result<Fixed<N>, Error>;
    }

    impl Generic for Client {
        type Page = Thing;
    }

    /// A trait generic over its success type.
    trait Over<T: DeserializeOwned + Send + 'static> {
        #[twill_endpoint(GET "/over/<id>")]
        async fn get(&self, id: u64) -> Result<T, Error>;
    }

    impl<T: DeserializeOwned + Send + 'static> Over<T> for Client {}

    #[tokio::test]
    async fn generic_success_types_decode_as_the_caller_chose() {
        let server = Recorder::replying([
            Canned::json(200, json!([{ "id": 1 }, { "id": 2 }])),
            Canned::json(200, json!(["a"])),
            thing_reply(),
        ])
        .await;
        let c = server.client();
        assert_eq!(
            c.things::<Thing>().await.unwrap(),
            [Thing { id: 1 }, Thing { id: 2 }]
        );
        assert_eq!(c.things::<String>().await.unwrap(), ["a"]);
        assert_eq!(c.page().await.unwrap(), Thing { id: 1 });
        assert_eq!(c.fixed::<3>(3).await.unwrap(), Fixed::<3> { id: 1 });
        let thing: Thing = Over::<Thing>::get(&c, 5).await.unwrap();
        assert_eq!(thing, Thing { id: 1 });
        let value: serde_json::Value = Over::<serde_json::Value>::get(&c, 6).await.unwrap();
        assert_eq!(value, json!({ "id": 1 }));
        assert_eq!(
            lines(&server),
            [
                "GET /api/v1/things",
                "GET /api/v1/things",
                "GET /api/v1/page",
                "GET /api/v1/fixed/3",
                "GET /api/v1/over/5",
                "GET /api/v1/over/6",
            ]
        );
    }
}

mod clients {
    use super::*;

    trait Owned {
        #[twill_endpoint(GET "/mine/<id>")]
        async fn mine(&self, id: u64) -> Result<Thing, Error>;
    }

    /// An application's own type that holds a client.
    struct App {
        twill: Client,
    }

    impl AsClient for App {
        fn as_client(&self) -> &Client {
            &self.twill
        }
    }

    impl Owned for App {}
    impl Owned for Client {}

    /// Code generic over the client type, its future spawned.
    async fn spawned<A: Owned + AsClient + Send + Sync + 'static>(api: Arc<A>, id: u64) -> Thing {
        tokio::spawn(async move { api.mine(id).await.unwrap() })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_own_client_type_and_a_spawned_call_send_the_same_request() {
        let server = Recorder::start(thing_reply()).await;
        let app = Arc::new(App {
            twill: server.client(),
        });
        assert_eq!(spawned(app, 1).await, Thing { id: 1 });
        assert_eq!(spawned(Arc::new(server.client()), 2).await, Thing { id: 1 });
        assert_eq!(lines(&server), ["GET /api/v1/mine/1", "GET /api/v1/mine/2"]);
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.header("authorization") == format!("Bearer {}", twill_tests::TEST_KEY))
        );
    }
}

mod listed {
    use super::*;

    #[cfg(any())]
    struct Preview;

    /// Listed forms: every attribute spelling `#[endpoints]` reads, a
    /// configured-out method that takes its entry with it, options.
    #[endpoints]
    trait Listed {
        /// The one kept first.
        #[twill_endpoint(GET "/kept/<id>")]
        async fn kept(&self, id: &str, #[query] tag: &[&str]) -> Result<(), Error>;

        #[cfg(any())]
        #[twill_endpoint(GET "/removed")]
        async fn removed(&self) -> Result<Preview, Error>;

        #[cfg(test)]
        #[twill_api::twill_endpoint(POST "/jobs/<jobId>/cancel", body = {}, idempotent)]
        async fn full_path(&self, job_id: &str) -> Result<(), Error>;

        #[twill_endpoint(POST "/tasks/<taskId>/messages", interrupts)]
        async fn interrupting(&self, task_id: &str) -> Result<(), Error>;

        #[twill_endpoint(POST "/tasks/<taskId>/archive", destructive)]
        async fn destructive(&self, task_id: &str) -> Result<(), Error>;
    }

    impl Listed for Client {}

    /// A renamed import, in a trait without `#[endpoints]`.
    mod renamed {
        use twill_api::twill_endpoint as declare;

        pub trait Renamed {
            #[declare(GET "/renamed/<id>")]
            async fn renamed(&self, id: &str) -> Result<(), twill_api::Error>;
        }

        impl Renamed for twill_api::Client {}
    }
    use renamed::Renamed;

    #[tokio::test]
    async fn listed_endpoints_are_the_configured_ones_and_each_is_callable() {
        let listed: Vec<(&str, &str, bool, bool, bool)> = <Client as Listed>::ENDPOINTS
            .iter()
            .map(|e| {
                (
                    e.name(),
                    e.path(),
                    e.is_idempotent(),
                    e.is_destructive(),
                    e.is_interrupting(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                ("kept", "/kept/<id>", true, false, false),
                ("full_path", "/jobs/<jobId>/cancel", true, false, false),
                (
                    "interrupting",
                    "/tasks/<taskId>/messages",
                    false,
                    false,
                    true
                ),
                ("destructive", "/tasks/<taskId>/archive", false, true, false),
            ]
        );
        assert_eq!(<Client as Listed>::KEPT.summary(), "The one kept first.");

        let server = Recorder::start(Canned::status(204)).await;
        let c = server.client();
        c.kept("k", &["a", "b"]).await.unwrap();
        c.full_path("j").await.unwrap();
        c.interrupting("t").await.unwrap();
        c.destructive("t").await.unwrap();
        c.renamed("r").await.unwrap();
        for endpoint in <Client as Listed>::ENDPOINTS {
            let mut arguments = Arguments::new();
            for param in endpoint.params() {
                let value = match param.name() {
                    "tag" => "c",
                    name => &name[..1],
                };
                arguments = arguments.arg(param.wire_name().unwrap_or(param.name()), value);
            }
            c.call(endpoint, &arguments).await.unwrap();
        }
        assert_eq!(
            lines(&server),
            [
                "GET /api/v1/kept/k?tag=a&tag=b",
                "POST /api/v1/jobs/j/cancel",
                "POST /api/v1/tasks/t/messages",
                "POST /api/v1/tasks/t/archive",
                "GET /api/v1/renamed/r",
                "GET /api/v1/kept/i?tag=c",
                "POST /api/v1/jobs/j/cancel",
                "POST /api/v1/tasks/t/messages",
                "POST /api/v1/tasks/t/archive",
            ]
        );
    }
}

mod retried {
    use super::*;

    trait Retried {
        #[twill_endpoint(GET "/r")]
        async fn get(&self) -> Result<(), Error>;

        #[twill_endpoint(PUT "/r")]
        async fn put(&self) -> Result<(), Error>;

        #[twill_endpoint(DELETE "/r")]
        async fn delete(&self) -> Result<(), Error>;

        #[twill_endpoint(POST "/r", idempotent)]
        async fn idempotent_post(&self) -> Result<(), Error>;

        #[twill_endpoint(POST "/r")]
        async fn post(&self) -> Result<(), Error>;

        #[twill_endpoint(PATCH "/r")]
        async fn patch(&self) -> Result<(), Error>;
    }

    impl Retried for Client {}

    /// How many requests one call made against a server that answers 503
    /// once, then 204.
    async fn attempts<F: AsyncFnOnce(&Client) -> Result<(), Error>>(call: F) -> usize {
        let server = Recorder::replying([Canned::status(503), Canned::status(204)]).await;
        let client = server.client().with_no_timeout().with_retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .backoff(Duration::from_millis(100), Duration::from_secs(1)),
        );
        let _ = call(&client).await;
        server.requests().len()
    }

    #[tokio::test(start_paused = true)]
    async fn only_what_is_safe_to_send_twice_is_retried() {
        assert_eq!(attempts(async |c| c.get().await).await, 2);
        assert_eq!(attempts(async |c| c.put().await).await, 2);
        assert_eq!(attempts(async |c| c.delete().await).await, 2);
        assert_eq!(attempts(async |c| c.idempotent_post().await).await, 2);
        assert_eq!(attempts(async |c| c.post().await).await, 1);
        assert_eq!(attempts(async |c| c.patch().await).await, 1);
    }
}
