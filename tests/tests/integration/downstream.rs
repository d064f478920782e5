//! A crate of our own (this one, not twill-api) declares endpoints that
//! twill-api does not have, with every argument role and its own error type.

use serde::{Deserialize, Serialize};
use serde_json::json;
use twill_api::error::ErrorResponse;
use twill_api::{AsClient, Client, EndpointError, Error, twill_endpoint};
use twill_tests::{Canned, Recorder, TEST_KEY};

#[derive(Serialize)]
struct NewLabel<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<&'a str>,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Label {
    id: u64,
    name: String,
}

#[derive(Debug)]
enum LabelError {
    /// Our own decoding of a 409.
    InUse(String),
    Twill(Error),
}

impl From<Error> for LabelError {
    fn from(error: Error) -> Self {
        LabelError::Twill(error)
    }
}

impl EndpointError for LabelError {
    fn from_response(response: ErrorResponse) -> Self {
        if response.status.as_u16() == 409 {
            LabelError::InUse(String::from_utf8_lossy(&response.body).into_owned())
        } else {
            LabelError::Twill(Error::from_response(response))
        }
    }
}

trait LabelApi {
    /// Adds a label to a task.
    #[twill_endpoint(POST "/tasks/<taskIdOrSlug>/labels")]
    async fn add_label(
        &self,
        task_id_or_slug: &str,
        #[body] label: &NewLabel<'_>,
        #[query] dry_run: Option<bool>,
        #[query("pageSize")] limit: u32,
        #[header("X-Request-Id")] request_id: &str,
        #[header("X-Trace")] trace: Option<&str>,
    ) -> Result<Label, Error>;

    #[twill_endpoint(DELETE "/tasks/<taskIdOrSlug>/labels/<labelId>")]
    async fn remove_label(&self, task_id_or_slug: &str, label_id: u64) -> Result<(), LabelError>;

    #[twill_endpoint(GET "/labels")]
    async fn list_with_cursor(&self, #[query] cursor: Option<&str>) -> Result<Label, Error>;

    #[twill_endpoint(PUT "/labels/<name>")]
    async fn rename_label(
        &self,
        name: String,
        #[body] to: serde_json::Value,
    ) -> Result<Label, LabelError>;
}

impl LabelApi for Client {}

/// An application type that holds a client beside its own state.
struct App {
    twill: Client,
}

impl AsClient for App {
    fn as_client(&self) -> &Client {
        &self.twill
    }
}

impl LabelApi for App {}

#[tokio::test]
async fn every_argument_role_reaches_the_wire() {
    let server = Recorder::start(Canned::json(200, json!({ "id": 7, "name": "bug" }))).await;
    let label = NewLabel {
        name: "bug",
        color: None,
    };

    let created = server
        .client()
        .add_label("task 1", &label, Some(true), 50, "req-42", None)
        .await
        .unwrap();

    assert_eq!(
        created,
        Label {
            id: 7,
            name: "bug".to_owned()
        }
    );
    let sent = server.only_request();
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.target,
        "/api/v1/tasks/task%201/labels?dryRun=true&pageSize=50"
    );
    assert_eq!(sent.header("x-request-id"), "req-42");
    assert!(sent.headers.get("x-trace").is_none());
    assert_eq!(sent.header("authorization"), format!("Bearer {TEST_KEY}"));
    assert_eq!(&sent.body[..], br#"{"name":"bug"}"#);
}

#[tokio::test]
async fn none_queries_are_left_out_and_query_values_are_encoded() {
    let server = Recorder::start(Canned::json(200, json!({ "id": 1, "name": "a" }))).await;
    let label = NewLabel {
        name: "a",
        color: Some("red"),
    };
    server
        .client()
        .add_label("t", &label, None, 5, "a b&c", Some("x"))
        .await
        .unwrap();
    let sent = server.only_request();
    assert_eq!(sent.target, "/api/v1/tasks/t/labels?pageSize=5");
    assert_eq!(sent.header("x-request-id"), "a b&c");
    assert_eq!(sent.header("x-trace"), "x");
}

#[tokio::test]
async fn a_header_value_with_a_newline_is_refused_before_io() {
    let server = Recorder::start(Canned::status(200)).await;
    let label = NewLabel {
        name: "a",
        color: None,
    };
    let error = server
        .client()
        .add_label("t", &label, None, 5, "a\r\nX-Evil: 1", None)
        .await
        .unwrap_err();
    let Error::InvalidInput(input) = error else {
        panic!("expected InvalidInput, got {error:?}");
    };
    assert_eq!(input.parameter, "x-request-id");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_custom_error_type_decodes_failures_its_own_way() {
    let server = Recorder::replying([
        Canned::status(204),
        Canned::status(409).body("label is in use"),
        Canned::json(
            404,
            json!({ "error": { "code": "not_found", "message": "no label" } }),
        ),
    ])
    .await;
    let app = App {
        twill: server.client(),
    };

    app.remove_label("t", 3).await.unwrap();
    match app.remove_label("t", 3).await {
        Err(LabelError::InUse(body)) => assert_eq!(body, "label is in use"),
        other => panic!("expected InUse, got {other:?}"),
    }
    match app.remove_label("t", 3).await {
        Err(LabelError::Twill(error)) => {
            assert_eq!(
                error.api_code(),
                Some(&twill_api::error::ApiErrorCode::NotFound)
            );
        }
        other => panic!("expected Twill(not_found), got {other:?}"),
    }
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.method == "DELETE"));
    assert!(
        requests
            .iter()
            .all(|r| r.target == "/api/v1/tasks/t/labels/3")
    );
    assert!(requests.iter().all(|r| r.body.is_empty()));
}

#[tokio::test]
async fn client_side_failures_reach_a_custom_error_through_from() {
    let server = Recorder::start(Canned::status(200)).await;
    let result = server
        .client()
        .rename_label(String::new(), json!({ "name": "x" }))
        .await;
    assert!(
        matches!(result, Err(LabelError::Twill(Error::InvalidInput(_)))),
        "{result:?}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn query_values_are_percent_encoded() {
    let cases = [
        ("a b", "a%20b"),
        ("a&b=c", "a%26b%3Dc"),
        ("#frag", "%23frag"),
        ("?", "%3F"),
        ("%20", "%2520"),
        ("ü", "%C3%BC"),
        ("a/b", "a%2Fb"),
        ("+", "%2B"),
        ("", ""),
    ];
    let server = Recorder::start(Canned::json(200, json!({ "id": 1, "name": "a" }))).await;
    let client = server.client();
    let label = NewLabel {
        name: "a",
        color: None,
    };
    for (value, _) in cases {
        client
            .add_label("t", &label, None, 1, value, None)
            .await
            .unwrap();
        client.list_with_cursor(Some(value)).await.unwrap();
    }
    let targets: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.target)
        .collect();
    let expected: Vec<String> = cases
        .iter()
        .map(|(_, encoded)| format!("/api/v1/labels?cursor={encoded}"))
        .collect();
    assert_eq!(targets, expected);
}

/// The README's test-double pattern: a fake of a declared trait answers
/// without any server, its methods written as `async fn` under
/// `#[twill_endpoint]` on the `impl` block, or by hand as the `BoxFuture`
/// the declaration expanded to.
mod test_double {
    use std::sync::Mutex;

    use twill_api::reqwest::header::{HeaderMap, HeaderValue};
    use twill_api::{AsClient, BoxFuture, Client, Error, Response, StatusCode, twill_endpoint};

    trait Labels {
        #[twill_endpoint(GET "/labels/<labelId>")]
        async fn label_name(&self, label_id: u64) -> Result<String, Error>;

        #[twill_endpoint(PUT "/labels/<name>")]
        async fn rename(&self, name: &str, #[query] to: Option<&str>) -> Result<(), Error>;

        #[twill_endpoint(GET "/labels/<labelId>")]
        async fn label_with_metadata(&self, label_id: u64) -> Result<Response<String>, Error>;

        /// Implemented by neither fake.
        #[twill_endpoint(DELETE "/labels/<labelId>")]
        async fn delete_label(&self, label_id: u64) -> Result<(), Error>;
    }

    struct Fake {
        // Sends nothing: a method the fake leaves out fails at once.
        client: Client,
        renamed: Mutex<Vec<(String, Option<String>)>>,
    }

    impl AsClient for Fake {
        fn as_client(&self) -> &Client {
            &self.client
        }
    }

    #[twill_endpoint]
    impl Labels for Fake {
        async fn label_name(&self, label_id: u64) -> Result<String, Error> {
            Ok(format!("label {label_id}"))
        }

        async fn label_with_metadata(&self, label_id: u64) -> Result<Response<String>, Error> {
            let mut headers = HeaderMap::new();
            headers.insert("x-request-id", HeaderValue::from_static("fake-1"));
            Ok(Response::new(
                format!("label {label_id}"),
                StatusCode::OK,
                headers,
            ))
        }

        async fn rename(&self, name: &str, to: Option<&str>) -> Result<(), Error> {
            let mut renamed = self.renamed.lock().unwrap();
            renamed.push((name.to_owned(), to.map(str::to_owned)));
            Ok(())
        }
    }

    fn fake() -> Fake {
        Fake {
            client: Client::offline(),
            renamed: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn an_async_fn_fake_answers_without_a_server() {
        let fake = fake();
        assert_eq!(fake.label_name(7).await.unwrap(), "label 7");
        let answered = fake.label_with_metadata(8).await.unwrap();
        assert_eq!(
            (answered.as_str(), answered.request_id(), answered.status()),
            ("label 8", Some("fake-1"), StatusCode::OK)
        );
        // The future owns what it was lent: the caller's strings may go
        // before it is awaited.
        let future = {
            let name = String::from("bug");
            let to = String::from("defect");
            fake.rename(&name, Some(&to))
        };
        future.await.unwrap();
        fake.rename("chore", None).await.unwrap();
        assert_eq!(
            *fake.renamed.lock().unwrap(),
            [
                ("bug".to_owned(), Some("defect".to_owned())),
                ("chore".to_owned(), None)
            ]
        );
    }

    /// A method the fake leaves out keeps the declared default body, which
    /// calls through the fake's client: `Client::offline()` sends nothing.
    #[tokio::test]
    async fn a_method_the_fake_leaves_out_fails_before_any_io() {
        let error = fake().delete_label(3).await.unwrap_err();
        assert!(matches!(error, Error::Hook(_)), "{error}");
        assert!(
            error
                .to_string()
                .contains("`delete_label` was called on `Client::offline()`"),
            "{error}"
        );
        assert_eq!(error.attempts(), 0);
    }

    struct ByHand {
        client: Client,
        renamed: Mutex<Vec<(String, Option<String>)>>,
    }

    impl AsClient for ByHand {
        fn as_client(&self) -> &Client {
            &self.client
        }
    }

    /// Without the attribute: the signature the declaration expanded to,
    /// with each borrowed argument read before the future.
    impl Labels for ByHand {
        fn label_name(&self, label_id: u64) -> BoxFuture<'_, Result<String, Error>> {
            Box::pin(async move { Ok(format!("label {label_id}")) })
        }

        fn rename(&self, name: &str, to: Option<&str>) -> BoxFuture<'_, Result<(), Error>> {
            let name = name.to_owned();
            let to = to.map(str::to_owned);
            Box::pin(async move {
                self.renamed.lock().unwrap().push((name, to));
                Ok(())
            })
        }
    }

    #[tokio::test]
    async fn a_hand_written_fake_answers_without_a_server() {
        let fake = ByHand {
            client: fake().client,
            renamed: Mutex::new(Vec::new()),
        };
        assert_eq!(fake.label_name(8).await.unwrap(), "label 8");
        fake.rename("a", Some("b")).await.unwrap();
        assert_eq!(
            *fake.renamed.lock().unwrap(),
            [("a".to_owned(), Some("b".to_owned()))]
        );
    }
}

/// A placeholder beside literal text in its segment: the value is still
/// percent-encoded as part of one segment.
mod in_segment {
    use twill_api::{Client, Error, endpoints, twill_endpoint};
    use twill_tests::{Canned, Recorder};

    #[endpoints]
    trait Files {
        /// A file's metadata, by name.
        #[twill_endpoint(GET "/files/<name>.json")]
        async fn file(&self, name: &str) -> Result<(), Error>;

        /// A custom method, Google's style.
        #[twill_endpoint(POST "/tasks/<taskId>:cancel", body = {})]
        async fn cancel(&self, task_id: &str) -> Result<(), Error>;
    }

    impl Files for Client {}

    #[tokio::test]
    async fn the_value_is_one_encoded_piece_of_its_segment() {
        let server = Recorder::start(Canned::status(200)).await;
        let client = server.client();
        client.file("report").await.unwrap();
        client.file("a/b c:d").await.unwrap();
        client.cancel("task-1").await.unwrap();
        let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
        assert_eq!(
            targets,
            [
                "/api/v1/files/report.json",
                "/api/v1/files/a%2Fb%20c%3Ad.json",
                "/api/v1/tasks/task-1:cancel",
            ]
        );
        // The model knows the pieces, for `Client::call` and `twill api`
        // (`path_for` shows the path to a person, unencoded).
        let endpoint = <Client as Files>::FILE;
        let arguments = twill_api::Arguments::new().arg("name", "x y");
        assert_eq!(arguments.path_for(endpoint), "/files/x y.json");
    }
}
